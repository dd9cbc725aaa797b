"""What the browser walk-through (tests/browser/test_program_application.py) found, pinned
without a browser.

1. The form builder's "File types allowed" checkboxes: the long MIME type names
   (``application/vnd.openxmlformats-officedocument.wordprocessingml.document``) ran out of their
   grid column over the next one, because a grid item does not shrink below its longest word.
   The stylesheet now lets checkbox-group labels shrink and wrap anywhere. (The browser test
   measures that no two labels overlap; this test keeps the pieces that make it so.)
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from litestar import Litestar

from hubcity.programs import forms
from tests.conftest import open_client
from tests.factories.corporates import login_as, login_route
from tests.factories.programs import create_program, staff_viewer


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncClient]:
    app.register(login_route)
    async with open_client(app) as test_client:
        yield test_client


def _rule(css: str, selector: str) -> str:
    """The declarations of the rule whose selector list is exactly ``selector``."""
    match = re.search(rf"(?m)^{re.escape(selector)}\s*\{{([^}}]*)\}}", css)
    assert match, f"no rule for {selector}"
    return match.group(1)


async def test_long_file_type_names_wrap_inside_their_column_in_the_form_builder(client: AsyncClient, db) -> None:
    manager = await staff_viewer("program_manager")
    program = await create_program(manager, publish=False)
    await login_as(client, {"id": manager.id})

    page = await client.get(f"/staff/programs/{program['id']}/form")
    assert page.status_code == 200
    # Every file type is a label directly inside the checkbox-group fieldset of the file question.
    group = re.search(r'<fieldset class="checkbox-group" id="field-fields-\d+-allowed_types"[^>]*>(.*?)</fieldset>', page.text, re.S)
    assert group, "the file question has no checkbox group of types"
    longest = max(forms.FILE_TYPES, key=len)
    assert len(longest) > 40  # the names that overflowed a 13rem column
    assert re.search(rf'<label><input type="checkbox" name="fields-\d+-allowed_types" value="{re.escape(longest)}"', group.group(1))

    css = (await client.get("/static/css/app.css")).text
    declarations = _rule(css, "fieldset.checkbox-group > label")
    assert re.search(r"min-width:\s*0", declarations)
    assert re.search(r"overflow-wrap:\s*anywhere", declarations)
