from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from httpx import AsyncClient as AsyncTestClient

from tests.conftest import open_client

from tests.integration.staff.helpers import login_route


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient]:
    """The app's test client, with a test-only route that logs in by user id."""
    app.register(login_route)
    async with open_client(app) as test_client:
        yield test_client
