"""Password hashing profiles: by default RFC 9106's low-memory argon2id parameters; the test
suite's cheap profile (refused in production by the settings: tests/unit/test_settings.py)."""

from __future__ import annotations

import pytest
from argon2 import profiles

from hubcity.core import passwords


def test_the_default_profile_is_rfc_9106_low_memory() -> None:
    hasher = passwords.hasher_from_environment({})
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (
        profiles.RFC_9106_LOW_MEMORY.time_cost, profiles.RFC_9106_LOW_MEMORY.memory_cost, profiles.RFC_9106_LOW_MEMORY.parallelism,
    ) == (3, 65536, 4)
    assert hasher.hash("a-long-password").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_the_test_profile_is_cheap_and_its_hashes_verify_and_ask_for_a_rehash_under_the_default() -> None:
    cheap = passwords.hasher_from_environment({"HUBCITY_PASSWORD_HASH_PROFILE": "cheapest-for-tests"})
    digest = cheap.hash("a-long-password")
    assert digest.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    default = passwords.hasher_from_environment({})
    assert default.verify(digest, "a-long-password")
    assert default.check_needs_rehash(digest) and not cheap.check_needs_rehash(digest)


@pytest.mark.parametrize("value", ["fast", "RFC9106", "none"])
def test_an_unknown_profile_is_named(value: str) -> None:
    with pytest.raises(ValueError, match="HUBCITY_PASSWORD_HASH_PROFILE must be one of rfc9106-low-memory, cheapest-for-tests"):
        passwords.hasher_from_environment({"HUBCITY_PASSWORD_HASH_PROFILE": value})
