"""Users, session and token clients for the workspace and API tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from designer.workspaces import services, tokens
from designer.workspaces.models import Membership, Workspace

PASSWORD = "a long test password 7"


@pytest.fixture
def make_user(django_user_model) -> Callable:
    def make(username: str, **fields):
        return django_user_model.objects.create_user(username, password=PASSWORD, **fields)

    return make


def session_client(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def token_client(user, name: str = "test token") -> Client:
    _, raw = tokens.create_token(user, name)
    return bearer_client(raw)


def bearer_client(raw: str) -> Client:
    # CSRF checks on, as in a browser: a token request must pass without a CSRF token.
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})


def team(owner, name: str = "Team") -> Workspace:
    return services.create_workspace(owner, name)


def join(workspace: Workspace, user, role: str) -> Membership:
    return Membership.objects.create(workspace=workspace, user=user, role=role)


def json_post(client: Client, path: str, body=None, **extra):
    return client.post(path, body if body is not None else {}, content_type="application/json", **extra)


def json_patch(client: Client, path: str, body, **extra):
    return client.patch(path, body, content_type="application/json", **extra)
