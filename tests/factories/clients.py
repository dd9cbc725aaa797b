"""The logged-in-capable test client, a fixture the domains' conftests import (``from
tests.factories.clients import client``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from litestar import Litestar

from tests.conftest import open_client
from tests.factories.corporates import login_route, seed_taxonomy


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncClient]:
    """The app's client over seeded taxonomies, with a test-only route logging in by user id
    (:func:`tests.factories.corporates.login_as`); index jobs run before each request, as the
    worker would have run them."""
    app.register(login_route)
    await seed_taxonomy()
    async with open_client(app) as test_client:
        yield test_client
