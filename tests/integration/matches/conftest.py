from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from litestar import Litestar

from tests.conftest import open_client
from tests.factories.corporates import login_route, seed_taxonomy


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every matches test embeds with the real models: meaning matters here."""
    for item in items:
        if "integration/matches/" in str(item.fspath):
            item.add_marker(pytest.mark.real_models)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncClient]:
    """The app's client over seeded taxonomies, with a test-only route logging in by user id;
    index jobs run before each request (as the worker would have)."""
    app.register(login_route)
    await seed_taxonomy()
    async with open_client(app) as test_client:
        yield test_client
