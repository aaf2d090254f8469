"""A new user signs in through the real server in Chromium and reaches the empty designer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_sign_in_and_open_designer(page: Page, live_server_url: str, django_user_model) -> None:
    django_user_model.objects.create_user("grace", password="a long test password")
    page.goto(f"{live_server_url}/app/designer")
    expect(page).to_have_url(re.compile(r"/app/login"), timeout=15_000)
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password").fill("a long test password")
    page.screenshot(path=str(ARTIFACTS / "login.png"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("canvas")).to_be_visible(timeout=15_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "designer-empty.png"))
