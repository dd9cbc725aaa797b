"""One-time tokens sent by email (password reset, invitations): only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """(token, sha256 hex of it). ``token``: 43 URL-safe characters (32 random bytes)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The 64-character SHA-256 hex digest stored in place of ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
