"""Endpoint keys: 256 random bits, shown once, stored as HMAC-SHA256 under the server's SECRET_KEY.

A high-entropy key needs no slow password hash (nothing to brute-force), and a keyed fast hash costs a
microsecond per request (Django's password hasher was measured at 5 requests/s). A leaked database
alone does not let anyone call an endpoint: the digests are useless without SECRET_KEY.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

KEY_PREFIX = "mlk_"
SHOWN_PREFIX = 10


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _secret() -> bytes:
    return settings.SECRET_KEY.encode()


def key_digest(key: str) -> str:
    return hmac.new(_secret(), key.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()


def key_matches(key: str, digests: tuple[str, ...]) -> bool:
    if not key or len(key) > 200:
        return False
    presented = key_digest(key)
    # Compare with every stored digest (no early exit), in constant time.
    found = False
    for digest in digests:
        found |= hmac.compare_digest(presented, digest)
    return found


def bearer_key(header: str | None) -> str | None:
    """The key in ``Authorization: Bearer <key>`` (None when absent or another scheme)."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
