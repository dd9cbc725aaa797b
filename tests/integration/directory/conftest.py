"""The shared client fixture (login route, seeded taxonomies)."""

from tests.factories.clients import client  # noqa: F401 - the shared fixture
