from __future__ import annotations

import pytest

from tests.factories.clients import client  # noqa: F401 - the shared fixture


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every matches test embeds with the real models: meaning matters here."""
    for item in items:
        if "integration/matches/" in str(item.fspath):
            item.add_marker(pytest.mark.real_models)
