"""Rate limits kept in Django's cache (Redis in every deployment), so they hold across processes.

A fixed window per key: ``cache.add`` opens the window and ``cache.incr`` counts atomically in Redis, so
two web processes cannot both let the eleventh attempt through. Rates are ``"<n>/<s|sec|min|hour|day>"``
strings from settings.DESIGNER_RATE_LIMITS. If the cache is unreachable the limit is not enforced (and
says so in the log): sign-in keeps working while Redis restarts.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

log = logging.getLogger(__name__)

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
PERIODS.update({"d": 86400, "day": 86400})


class RateLimited(exceptions.Throttled):
    """429 with ``Retry-After``; the error body's code is ``rate_limited``."""

    default_code = "rate_limited"

    def __init__(self, wait: float, message: str) -> None:
        super().__init__(wait=wait, detail=message, code="rate_limited")


def parse_rate(rate: str) -> tuple[int, int]:
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip().lower()]


def rate(name: str) -> str:
    return settings.DESIGNER_RATE_LIMITS[name]


def _key(scope: str, *parts: str) -> str:
    # Hashed: user-supplied parts (usernames) may hold any characters.
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"rl:{scope}:{digest}"


def hit(scope: str, *parts: str, limit_rate: str) -> float | None:
    """Count one attempt; the seconds to wait when over the limit, else None."""
    limit, period = parse_rate(limit_rate)
    now = time.time()
    window = int(now // period)
    key = f"{_key(scope, *parts)}:{window}"
    try:
        cache.add(key, 0, timeout=period + 1)
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr: this is its first hit
        cache.set(key, 1, timeout=period + 1)
        count = 1
    except Exception:
        log.warning("rate limit %s not enforced: the cache is unreachable", scope, exc_info=True)
        return None
    if count <= limit:
        return None
    return max(1.0, (window + 1) * period - now)


def client_address(request) -> str:
    # DRF's ident honours REST_FRAMEWORK["NUM_PROXIES"] for X-Forwarded-For behind a proxy.
    return BaseThrottle().get_ident(request) or "unknown"


def check_sign_in(request, username: str) -> None:
    """Before a password is checked: per address and username, and per address overall."""
    address = client_address(request)
    wait = hit("login", address, username.strip().lower(), limit_rate=rate("login"))
    if wait is not None:
        raise RateLimited(
            wait,
            f"Too many sign-in attempts for '{username}' from your address: wait {math.ceil(wait)} s.",
        )
    wait = hit("login-ip", address, limit_rate=rate("login_ip"))
    if wait is not None:
        raise RateLimited(wait, f"Too many sign-in attempts from your address: wait {math.ceil(wait)} s.")


def check_sign_up(request) -> None:
    wait = hit("signup", client_address(request), limit_rate=rate("signup"))
    if wait is not None:
        raise RateLimited(wait, f"Too many new accounts from your address: wait {math.ceil(wait)} s.")


def check_token_write(token) -> None:
    wait = hit("token-write", str(token.pk), limit_rate=rate("token_write"))
    if wait is not None:
        raise RateLimited(
            wait, f"Too many changes with the API token '{token.prefix}…': wait {math.ceil(wait)} s."
        )


class TokenWriteThrottle(BaseThrottle):
    """Unsafe requests authenticated by an API token count against that token's write budget."""

    def allow_request(self, request, view) -> bool:
        from designer.workspaces.models import ApiToken

        if request.method not in SAFE_METHODS and isinstance(request.auth, ApiToken):
            check_token_write(request.auth)
        return True
