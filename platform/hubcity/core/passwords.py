"""Password hashing with argon2id through argon2-cffi (its RFC 9106 low-memory profile).

The parameters come from ``HUBCITY_PASSWORD_HASH_PROFILE``: ``rfc9106-low-memory`` (the
default: 3 passes over 64 MiB, about 0.1 s a hash on one core) or ``cheapest-for-tests``
(argon2-cffi's ``profiles.CHEAPEST``: 1 pass over 8 KiB), which the test suite sets because it
creates thousands of accounts, and which the settings refuse when ``HUBCITY_ENV=production``
(:class:`hubcity.config.settings.Settings`, so a production process never starts with it). Hashes of
either profile verify under the other; :func:`needs_rehash` tells when a stored hash was made
with other parameters.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from argon2 import PasswordHasher, Parameters, profiles
from argon2.exceptions import InvalidHashError, VerificationError

PROFILE_VARIABLE = "HUBCITY_PASSWORD_HASH_PROFILE"
PROFILES: dict[str, Parameters] = {
    "rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY,
    "cheapest-for-tests": profiles.CHEAPEST,
}
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


def hasher_from_environment(environ: Mapping[str, str] = os.environ) -> PasswordHasher:
    """The argon2id hasher named by ``HUBCITY_PASSWORD_HASH_PROFILE`` (default ``rfc9106-low-memory``).

    Raises ValueError naming the variable for an unknown profile.
    """
    name = environ.get(PROFILE_VARIABLE, "").strip() or "rfc9106-low-memory"
    if name not in PROFILES:
        raise ValueError(f"{PROFILE_VARIABLE} must be one of {', '.join(PROFILES)}; got {name!r}")
    return PasswordHasher.from_parameters(PROFILES[name])


_hasher = hasher_from_environment()


def hash_password(password: str) -> str:
    """An argon2id hash string (``$argon2id$v=19$...``) of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; False for a wrong password or an empty/bad hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when ``password_hash`` was made with other parameters than the current profile's."""
    return _hasher.check_needs_rehash(password_hash)


# A constant hash to verify against when the email is unknown, so timing does not reveal accounts.
DUMMY_HASH = _hasher.hash("not-a-real-password-0000")
