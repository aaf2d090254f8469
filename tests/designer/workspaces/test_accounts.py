"""Sign-up (with its personal workspace), password change, and CSRF on both."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from designer.workspaces.models import AuditEvent, Membership, Workspace
from tests.designer.workspaces.conftest import PASSWORD, json_post, session_client, token_client

pytestmark = pytest.mark.django_db

STRONG = "violet tangerine orbit 42"


def csrf_client() -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.get("/api/v1/auth/csrf/")
    return client, client.cookies["csrftoken"].value


def test_sign_up_creates_the_account_and_its_personal_workspace_and_signs_in() -> None:
    client, csrf = csrf_client()
    response = json_post(
        client,
        "/api/v1/auth/signup/",
        {"username": "grace", "password": STRONG, "email": "grace@example.com"},
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "grace"
    assert body["workspace"]["personal"] is True and body["workspace"]["role"] == "owner"
    user = get_user_model().objects.get(username="grace")
    assert user.check_password(STRONG) and user.email == "grace@example.com"
    assert Workspace.objects.get(personal_for=user).pk == body["workspace"]["id"]
    assert Membership.objects.get(user=user).role == "owner"
    assert client.get("/api/v1/auth/me/").json()["username"] == "grace"  # signed in
    assert AuditEvent.objects.filter(action="user.signed_up", actor=user).exists()


def test_sign_up_needs_the_csrf_token() -> None:
    client, _ = csrf_client()
    response = json_post(client, "/api/v1/auth/signup/", {"username": "mallory", "password": STRONG})
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="mallory").exists()


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("1234567890123", "entirely numeric"),
        ("hopper12345", "similar"),
    ],
)
def test_sign_up_refuses_weak_passwords(password: str, reason: str) -> None:
    response = json_post(
        Client(), "/api/v1/auth/signup/", {"username": "hopper", "password": password, "email": "grace@x.org"}
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "weak_password" and error["field"] == "password"
    assert reason in error["message"]
    assert not get_user_model().objects.filter(username="hopper").exists()


def test_sign_up_refuses_taken_and_invalid_usernames(make_user) -> None:
    make_user("Linus")
    taken = json_post(Client(), "/api/v1/auth/signup/", {"username": "linus", "password": STRONG})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "username_taken"
    invalid = json_post(Client(), "/api/v1/auth/signup/", {"username": "no spaces!", "password": STRONG})
    assert invalid.status_code == 400 and invalid.json()["error"]["code"] == "invalid_username"


def test_sign_up_can_be_closed(settings) -> None:
    settings.DESIGNER_SIGNUP_OPEN = False
    response = json_post(Client(), "/api/v1/auth/signup/", {"username": "eve", "password": STRONG})
    assert response.status_code == 403 and response.json()["error"]["code"] == "signup_closed"


def test_password_change_keeps_this_session_and_ends_the_others(make_user) -> None:
    user = make_user("ada")
    here, elsewhere = session_client(user, csrf=True), session_client(user)
    here.get("/api/v1/auth/csrf/")
    csrf = here.cookies["csrftoken"].value
    without_csrf = json_post(
        here, "/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": STRONG}
    )
    assert without_csrf.status_code == 403
    wrong = json_post(
        here,
        "/api/v1/auth/password/",
        {"old_password": "nope", "new_password": STRONG},
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["field"] == "old_password"
    weak = json_post(
        here,
        "/api/v1/auth/password/",
        {"old_password": PASSWORD, "new_password": "abc"},
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert weak.status_code == 400 and weak.json()["error"]["code"] == "weak_password"
    done = json_post(
        here,
        "/api/v1/auth/password/",
        {"old_password": PASSWORD, "new_password": STRONG},
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert done.status_code == 204, done.content
    user.refresh_from_db()
    assert user.check_password(STRONG)
    assert here.get("/api/v1/auth/me/").status_code == 200
    assert elsewhere.get("/api/v1/auth/me/").status_code == 403


def test_an_api_token_cannot_change_the_password(make_user) -> None:
    user = make_user("ada")
    response = json_post(
        token_client(user), "/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": STRONG}
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "session_required"
