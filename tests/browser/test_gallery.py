"""A new user starts from the template gallery: picks a template, opens it in the designer, submits it,
and watches every node complete, in Chromium against a real server and worker."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long test password"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, live_server_url: str, django_user_model) -> None:
    django_user_model.objects.create_user("ada", password=PASSWORD)
    page.goto(f"{live_server_url}/app/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Home", level=1)).to_be_visible(timeout=15_000)


def test_use_a_template_from_the_gallery_and_run_it(
    page: Page, live_server_url: str, celery_worker: str, django_user_model
) -> None:
    sign_in(page, live_server_url, django_user_model)

    # A user without pipelines is pointed at the gallery.
    expect(page.get_by_test_id("first-run-hint")).to_be_visible()
    gallery = page.get_by_role("list", name="Templates")
    expect(gallery.get_by_role("listitem")).to_have_count(13, timeout=15_000)
    card = page.get_by_test_id("template-multiclass-penguins")
    expect(card).to_contain_text("Multiclass classification")
    expect(card).to_contain_text("Beginner")
    expect(card).to_contain_text("Overall Accuracy 0.98")
    # The thumbnail is the server's SVG, drawn.
    thumbnail = card.locator("img")
    expect(thumbnail).to_have_attribute("src", re.compile(r"/thumbnail\.svg$"))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    shot(page, "gallery")

    # Filter by task type, then search.
    page.get_by_label("Task").select_option("regression")
    expect(gallery.get_by_role("listitem")).to_have_count(3)
    expect(page.get_by_test_id("template-multiclass-penguins")).to_have_count(0)
    page.get_by_label("Task").select_option("")
    page.get_by_role("searchbox", name="Search templates").fill("penguin")
    expect(page.get_by_test_id("template-multiclass-penguins")).to_be_visible()
    expect(page.get_by_test_id("template-regression-house-prices")).to_have_count(0)
    page.get_by_role("searchbox", name="Search templates").fill("zebra crossing")
    expect(page.get_by_text("No templates match “zebra crossing”.")).to_be_visible()
    page.get_by_role("searchbox", name="Search templates").fill("")

    # Use it: a new pipeline of the user's own, opened in the designer.
    page.get_by_test_id("template-multiclass-penguins").get_by_role(
        "button", name=re.compile("Use template")
    ).click()
    expect(page).to_have_url(re.compile(r"/app/designer/[0-9a-f-]{36}$"), timeout=15_000)
    nodes = page.locator('[data-testid="module-node"]')
    expect(nodes).to_have_count(7, timeout=60_000)
    expect(page.get_by_test_id("problems-toggle")).to_have_text("No problems", timeout=30_000)
    shot(page, "gallery-template-in-designer")

    # Submit, and every node completes.
    page.get_by_role("button", name="Submit", exact=True).click()
    page.get_by_role("dialog", name="Submit the pipeline").get_by_role("button", name="Submit").click()
    expect(page).to_have_url(re.compile(r"/app/runs/[0-9a-f-]{36}$"), timeout=15_000)
    expect(nodes).to_have_count(7, timeout=30_000)
    for index in range(7):
        expect(nodes.nth(index)).to_have_attribute("data-status", "completed", timeout=180_000)
    expect(page.get_by_test_id("run-summary")).to_have_attribute("data-status", "completed", timeout=30_000)
    shot(page, "gallery-template-run-completed")

    # Home now shows the pipeline, and no first-run hint.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page.get_by_role("list", name="Pipelines").get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_test_id("first-run-hint")).to_have_count(0)
    page.emulate_media(color_scheme="dark")
    expect(page.get_by_test_id("template-multiclass-penguins")).to_be_visible()
    shot(page, "gallery-dark")
