"""Rate limits on sign-in attempts and on token-authenticated writes: 429, Retry-After, a coded error."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from django.core.cache import cache
from django.test import Client

from designer.core import throttling
from designer.workspaces import tokens
from tests.designer.workspaces.conftest import PASSWORD, bearer_client, json_post
from tests.services import ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.DESIGNER_RATE_LIMITS = {
        "login": "3/min",
        "login_ip": "4/min",
        "signup": "2/hour",
        "token_write": "4/min",
    }
    cache.clear()
    yield settings.DESIGNER_RATE_LIMITS
    cache.clear()


def login(username: str, password: str, address: str = "10.0.0.1"):
    return json_post(
        Client(), "/api/v1/auth/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def assert_rate_limited(response) -> None:
    assert response.status_code == 429, response.content
    assert 1 <= int(response.headers["Retry-After"]) <= 3600
    assert response.json()["error"]["code"] == "rate_limited"


def test_sign_in_attempts_are_limited_per_address_and_username(limits, make_user) -> None:
    make_user("ada")
    for _ in range(3):
        assert login("ada", "wrong").status_code == 400
    blocked = login("ada", PASSWORD)  # even the right password waits: no oracle for guesses
    assert_rate_limited(blocked)
    assert "ada" in blocked.json()["error"]["message"]
    assert login("ADA ", PASSWORD).status_code == 429  # the same account, spelt differently
    # Another address, or another username from this address, is not held up by it.
    assert login("ada", PASSWORD, address="10.0.0.2").status_code == 200
    assert login("bob", "wrong").status_code == 400
    # ... but one address trying many usernames is.
    assert login("carol", "wrong").status_code == 429


def test_sign_ups_are_limited_per_address(limits) -> None:
    for index in range(2):
        body = {"username": f"new{index}", "password": "violet tangerine orbit 42"}
        assert json_post(Client(), "/api/v1/auth/signup/", body).status_code == 201
    assert_rate_limited(
        json_post(
            Client(), "/api/v1/auth/signup/", {"username": "new3", "password": "violet tangerine orbit 42"}
        )
    )


def test_token_writes_are_limited_per_token_and_reads_are_not(limits, make_user) -> None:
    user = make_user("ada")
    _, raw = tokens.create_token(user, "script")
    api = bearer_client(raw)
    for index in range(4):
        assert json_post(api, "/api/v1/pipelines/", {"name": f"p{index}"}).status_code == 201
    assert_rate_limited(json_post(api, "/api/v1/pipelines/", {"name": "one too many"}))
    assert api.get("/api/v1/pipelines/").status_code == 200
    # GraphQL mutations spend the same budget.
    mutation = {"query": 'mutation { cancelRun(id: "00000000-0000-0000-0000-000000000000") { run { id } } }'}
    refused = json_post(api, "/graphql/", mutation)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["errors"][0]["extensions"]["code"] == "rate_limited"
    assert json_post(api, "/graphql/", {"query": "{ pipelines { id } }"}).status_code == 200
    # Another token of the same user has its own budget.
    _, other = tokens.create_token(user, "other script")
    assert json_post(bearer_client(other), "/api/v1/pipelines/", {"name": "fine"}).status_code == 201


def test_the_count_is_kept_in_redis_so_it_holds_across_processes(settings, redis_service) -> None:
    from designer.config import redis_url

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url()}
    }
    cache.clear()
    scope = f"cross-process-{id(settings)}"
    assert throttling.hit(scope, "k", limit_rate="3/min") is None
    assert throttling.hit(scope, "k", limit_rate="3/min") is None
    # Another process (another web worker) spends the last attempt and is then refused.
    program = textwrap.dedent(
        f"""
        import django, os
        os.environ["DJANGO_SETTINGS_MODULE"] = "designer.settings"
        django.setup()
        from designer.core import throttling
        print(throttling.hit({scope!r}, "k", limit_rate="3/min"), throttling.hit({scope!r}, "k", limit_rate="3/min"))
        """
    )
    env = {**__import__("os").environ, "REDIS_URL": redis_url()}
    out = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "None" and float(out[1]) > 0
    assert throttling.hit(scope, "k", limit_rate="3/min") is not None
    cache.clear()
