from __future__ import annotations

import pytest
from django.test import Client

from designer.workspaces.services import personal_workspace


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("automator", password="a long test password")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("outsider", password="a long test password")


@pytest.fixture
def api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def workspace(user):
    return personal_workspace(user)
