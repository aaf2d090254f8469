"""Session auth for the browser app, the module catalogue API and the error shape."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return get_user_model().objects.create_user("ada", password="correct horse battery")


def test_login_me_logout_with_csrf(user) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get("/api/v1/auth/me/").status_code == 403
    client.get("/api/v1/auth/csrf/")
    token = client.cookies["csrftoken"].value
    # Without the token the session write is refused.
    refused = client.post(
        "/api/v1/auth/login/", {"username": "ada", "password": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403
    response = client.post(
        "/api/v1/auth/login/",
        {"username": "ada", "password": "correct horse battery"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200, response.content
    assert client.get("/api/v1/auth/me/").json()["username"] == "ada"
    token = client.cookies["csrftoken"].value  # rotated at login
    assert client.post("/api/v1/auth/logout/", HTTP_X_CSRFTOKEN=token).status_code == 204
    assert client.get("/api/v1/auth/me/").status_code == 403


def test_wrong_password_gets_a_coded_error(user) -> None:
    client = Client()
    response = client.post(
        "/api/v1/auth/login/", {"username": "ada", "password": "nope"}, content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_credentials" and error["field"] == "password"
    missing = client.post("/api/v1/auth/login/", {"username": "ada"}, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "password"


def test_module_catalogue_lists_registry(user) -> None:
    from modules.sdk import all_modules

    client = Client()
    client.force_login(user)
    body = client.get("/api/v1/modules/").json()
    assert body["count"] == len(all_modules()) > 0
    first = body["results"][0]
    assert {"key", "title", "category", "inputs", "outputs", "params_schema", "help"} <= set(first)
    detail = client.get(f"/api/v1/modules/{first['key']}/")
    assert detail.status_code == 200 and detail.json()["key"] == first["key"]
    missing = client.get("/api/v1/modules/no.such_module/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_module"


def test_openapi_schema_and_spa_shell() -> None:
    client = Client()
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/modules/" in schema.content
    assert client.get("/").status_code == 302
    assert client.get("/app/designer").status_code in (200, 503)
