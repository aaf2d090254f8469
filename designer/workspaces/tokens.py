"""Personal API tokens: created once, stored as an HMAC digest, checked on every API request.

A token is ``dsn_`` + 43 characters of URL-safe base64 (256 random bits). Only
``HMAC-SHA256(SECRET_KEY, token)`` is stored: with that much entropy a keyed fast hash is as safe as a
password hasher and costs microseconds instead of tens of milliseconds per request. Tokens made before
a SECRET_KEY rotation keep working while the old key is listed in SECRET_KEY_FALLBACKS.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import audit
from .models import ApiToken

TOKEN_PREFIX = "dsn_"
PREFIX_SHOWN = 12  # "dsn_" and the first 8 random characters: enough to tell tokens apart
DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 3650
MAX_ACTIVE_TOKENS = 50
LAST_USED_RESOLUTION = timedelta(minutes=1)  # at most one write per token per minute


def secret_digest(raw: str, key: str | bytes | None = None) -> str:
    """HMAC-SHA256 of a high-entropy secret (tokens, invitation links) under the server's key."""
    key = settings.SECRET_KEY if key is None else key
    key_bytes = key.encode() if isinstance(key, str) else key
    return hmac.new(key_bytes, raw.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def candidate_digests(raw: str) -> list[str]:
    return [secret_digest(raw, key) for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]


def new_secret(prefix: str = TOKEN_PREFIX) -> str:
    return prefix + secrets.token_urlsafe(32)


def active_tokens(user):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())


def create_token(user, name: str, expires_in_days: int = DEFAULT_EXPIRY_DAYS) -> tuple[ApiToken, str]:
    """Returns the stored token and the secret, which is never available again."""
    raw = new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[:PREFIX_SHOWN],
            digest=secret_digest(raw),
            expires_at=timezone.now() + timedelta(days=expires_in_days),
        )
        audit.record(user, _personal(user), "token.created", token, expires_at=token.expires_at.isoformat())
    return token, raw


def authenticate(raw: str) -> ApiToken | None:
    """The live token this secret belongs to (its user active), or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest__in=candidate_digests(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        # A conditional update, so concurrent requests do not all write.
        ApiToken.objects.filter(pk=token.pk, last_used_at=token.last_used_at).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke(token: ApiToken, actor=None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor or token.user, _personal(token.user), "token.revoked", token)
    return token


def _personal(user):
    from .services import personal_workspace

    return personal_workspace(user)
