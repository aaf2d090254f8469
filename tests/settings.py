"""Test settings: the embedded services live under var/test so tests never touch a developer's
running `make run` (its socket and database stay under var/)."""

import os
from pathlib import Path

os.environ.setdefault("DESIGNER_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
    os.environ.setdefault(name, "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
# Generous rate limits, so suites that sign in often never trip them; the rate-limit tests set their own.
for name in ("RATE_LIMIT_LOGIN", "RATE_LIMIT_LOGIN_IP", "RATE_LIMIT_SIGNUP", "RATE_LIMIT_TOKEN_WRITE"):
    os.environ.setdefault(name, "10000/min")

from designer.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users in tests only
# Tests that start no Redis still sign in; tests of limits across processes switch to Redis themselves.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
