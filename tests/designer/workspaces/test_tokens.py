"""Personal API tokens: created once, stored hashed, used for REST and GraphQL, expired and revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from designer.workspaces import tokens
from designer.workspaces.models import ApiToken, AuditEvent
from tests.designer.workspaces.conftest import bearer_client, json_post, session_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(make_user):
    return make_user("ada")


def create(client: Client, **body):
    response = json_post(client, "/api/v1/tokens/", {"name": "ci", **body})
    assert response.status_code == 201, response.content
    return response.json()


def test_token_lifecycle_create_list_use_revoke(ada) -> None:
    browser = session_client(ada)
    created = create(browser, expires_in_days=30)
    raw = created["token"]
    assert raw.startswith("dsn_") and len(raw) > 40 and created["prefix"] == raw[:12]
    assert created["active"] and created["expires_at"] > timezone.now().isoformat()

    stored = ApiToken.objects.get(pk=created["id"])
    assert stored.digest == tokens.secret_digest(raw) and raw not in stored.digest  # HMAC only

    listed = browser.get("/api/v1/tokens/").json()
    assert [t["id"] for t in listed] == [created["id"]]
    assert "token" not in listed[0] and raw not in str(listed)  # shown once only

    api = bearer_client(raw)
    me = api.get("/api/v1/auth/me/")
    assert me.status_code == 200 and me.json()["username"] == "ada"
    # A token write needs no CSRF token (the client enforces CSRF checks like a browser).
    pipeline = json_post(api, "/api/v1/pipelines/", {"name": "from a script"})
    assert pipeline.status_code == 201, pipeline.content
    stored.refresh_from_db()
    assert stored.last_used_at is not None

    assert browser.delete(f"/api/v1/tokens/{created['id']}/").status_code == 204
    refused = api.get("/api/v1/auth/me/")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    revoked = browser.get(f"/api/v1/tokens/{created['id']}/").json()
    assert revoked["revoked_at"] and not revoked["active"]
    actions = set(AuditEvent.objects.filter(actor=ada).values_list("action", flat=True))
    assert {"token.created", "token.revoked"} <= actions


def test_expired_wrong_and_malformed_tokens_are_401(ada) -> None:
    token, raw = tokens.create_token(ada, "old")
    assert bearer_client(raw).get("/api/v1/pipelines/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for secret in (raw, raw[:-1] + ("A" if raw[-1] != "A" else "B"), "dsn_", "not-a-token", "a b"):
        response = bearer_client(secret).get("/api/v1/pipelines/")
        assert response.status_code == 401, secret
        assert response.json()["error"]["code"] in ("invalid_token", "authentication_failed")


def test_a_token_of_a_deactivated_user_stops_working(ada) -> None:
    _, raw = tokens.create_token(ada, "t")
    ada.is_active = False
    ada.save()
    assert bearer_client(raw).get("/api/v1/auth/me/").status_code == 401


def test_tokens_survive_a_secret_key_rotation_listed_in_fallbacks(ada, settings) -> None:
    _, raw = tokens.create_token(ada, "t")
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a new secret key " * 4, [old_key]
    assert bearer_client(raw).get("/api/v1/auth/me/").status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert bearer_client(raw).get("/api/v1/auth/me/").status_code == 401


def test_tokens_are_private_to_their_user_and_cannot_mint_tokens(ada, make_user) -> None:
    created = create(session_client(ada))
    bob = session_client(make_user("bob"))
    assert bob.get("/api/v1/tokens/").json() == []
    assert bob.get(f"/api/v1/tokens/{created['id']}/").status_code == 404
    assert bob.delete(f"/api/v1/tokens/{created['id']}/").status_code == 404
    assert ApiToken.objects.get(pk=created["id"]).revoked_at is None

    api = bearer_client(created["token"])
    minted = json_post(api, "/api/v1/tokens/", {"name": "more"})
    assert minted.status_code == 403 and minted.json()["error"]["code"] == "session_required"
    assert api.get("/api/v1/tokens/").status_code == 200  # listing and revoking are fine
    assert api.delete(f"/api/v1/tokens/{created['id']}/").status_code == 204


def test_token_input_is_checked(ada) -> None:
    browser = session_client(ada)
    for body in ({"name": "x", "expires_in_days": 0}, {"name": "x", "expires_in_days": 99999}, {}):
        response = json_post(browser, "/api/v1/tokens/", body)
        assert response.status_code == 400, body


def test_graphql_accepts_a_token_without_csrf_and_refuses_a_bad_one(ada) -> None:
    _, raw = tokens.create_token(ada, "gql")
    query = {"query": "{ pipelines { id } }"}
    ok = json_post(bearer_client(raw), "/graphql/", query)
    assert ok.status_code == 200 and ok.json() == {"data": {"pipelines": []}}
    bad = json_post(bearer_client("dsn_wrong"), "/graphql/", query)
    assert bad.status_code == 401
    assert bad.json()["errors"][0]["extensions"]["code"] == "invalid_token"
    # Session without CSRF token: still refused, with a JSON error.
    session = session_client(ada, csrf=True)
    refused = json_post(session, "/graphql/", query)
    assert refused.status_code == 403 and refused.json()["errors"][0]["extensions"]["code"] == "csrf_failed"


def test_a_token_does_not_score_endpoints_and_endpoint_keys_are_not_api_tokens(ada) -> None:
    """Endpoint keys are a separate secret: the API refuses anything that is not a personal token."""
    response = bearer_client("ek_" + "x" * 43).get("/api/v1/pipelines/")
    assert response.status_code == 401


def test_create_api_token_command_prints_a_working_token(ada, capsys) -> None:
    from django.core.management import call_command

    call_command("create_api_token", "ada", "--name", "ci", "--days", "7")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("dsn_")
    assert bearer_client(raw).get("/api/v1/auth/me/").json()["username"] == "ada"
    assert ApiToken.objects.get(name="ci").expires_at < timezone.now() + timedelta(days=8)
