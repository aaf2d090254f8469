"""A user deploys a completed training run in one click, tests the endpoint from its page with the key
they were shown, and sees the requests on the monitoring charts, in Chromium against a real server and
worker (the scoring route is the lean ASGI app the server mounts at /score/<name>)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long test password"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def sign_in(page: Page, live_server_url: str, django_user_model) -> None:
    django_user_model.objects.create_user("ada", password=PASSWORD)
    page.goto(f"{live_server_url}/app/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Home", level=1)).to_be_visible(timeout=15_000)


def api_post(page: Page, url: str, body: dict) -> dict:
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        url, data=json.dumps(body), headers={"Content-Type": "application/json", "X-CSRFToken": csrf}
    )
    assert response.status == 201, response.text()
    return response.json()


def test_deploy_a_run_test_it_and_watch_its_requests(
    page: Page, live_server_url: str, celery_worker: str, django_user_model
) -> None:
    sign_in(page, live_server_url, django_user_model)
    # A trained model: the penguin template, run to completion.
    pipeline = api_post(page, f"{live_server_url}/api/v1/templates/multiclass-penguins/instantiate/", {})
    run = api_post(page, f"{live_server_url}/api/v1/pipelines/{pipeline['id']}/runs/", {})
    page.goto(f"{live_server_url}/app/runs/{run['id']}")
    expect(page.get_by_test_id("run-summary")).to_have_attribute("data-status", "completed", timeout=180_000)

    # Deploy: the derived inference graph, read-only, with the name to give the endpoint.
    page.get_by_role("button", name="Deploy", exact=True).click()
    dialog = page.get_by_role("dialog", name="Deploy as a real-time endpoint")
    graph = dialog.get_by_test_id("inference-graph")
    expect(graph.locator('[data-testid="module-node"]').first).to_be_visible(timeout=30_000)
    expect(graph.locator('[data-module="web_service.web_service_input"]')).to_have_count(1)
    expect(graph.locator('[data-module="model_training.train_model"]')).to_have_count(0)
    expect(dialog).to_contain_text("Requests send")
    expect(dialog.get_by_text(re.compile(r"training steps? (is|are) left out"))).to_be_visible()
    name = dialog.get_by_label("Endpoint name")
    expect(name).to_have_value("multiclass-classification-penguin-species")
    name.fill("Penguins!")
    expect(dialog.get_by_text("Use lowercase letters")).to_be_visible()
    name.fill("penguins")
    shot(page, "deploy-dialog")
    dialog.get_by_role("button", name="Deploy", exact=True).click()

    # One click later: healthy, with the keys shown this once.
    outcome = dialog.get_by_test_id("deploy-outcome")
    expect(outcome).to_have_attribute("data-status", "healthy", timeout=120_000)
    expect(outcome).to_contain_text("Version 1 of penguins is live")
    expect(outcome).to_contain_text("scored")
    keys = dialog.get_by_test_id("new-keys")
    expect(keys).to_contain_text("mlk_")
    shot(page, "deploy-healthy")
    dialog.get_by_role("link", name="Open the endpoint").click()

    # The endpoint's page: how to call it.
    expect(page).to_have_url(re.compile(r"/app/endpoints/penguins"))
    expect(page.get_by_test_id("endpoint-status")).to_have_text("healthy")
    expect(page.get_by_test_id("scoring-url")).to_have_text(f"{live_server_url}/score/penguins")
    expect(page.get_by_test_id("sample-curl")).to_contain_text("Authorization: Bearer")
    page.get_by_role("tab", name="Python").click()
    expect(page.get_by_test_id("sample-python")).to_contain_text("requests.post")
    shot(page, "endpoint-consume")

    # The Test form: an example from the training data, the key from the deploy, a real request.
    page.get_by_role("tab", name="Test").click()
    body = page.get_by_label("Request body")
    expect(body).to_contain_text('"inputs"')
    expect(page.get_by_label("Key")).to_have_value(re.compile(r"^mlk_"))
    page.get_by_role("button", name="Send request").click()
    reply = page.get_by_test_id("test-reply")
    expect(reply).to_have_attribute("data-status", "200", timeout=30_000)
    expect(reply).to_contain_text("answered by version 1")
    expect(reply).to_contain_text("with the key")
    expect(page.get_by_test_id("test-predictions")).to_contain_text("Scored Labels")
    shot(page, "endpoint-test")
    for _ in range(4):
        page.get_by_role("button", name="Send request").click()
        expect(page.get_by_role("button", name="Send request")).to_be_enabled()
    # A bad request: the endpoint names the problem.
    example = json.loads(body.input_value())
    row = example["inputs"][0]
    column = next(iter(row))
    row[column] = {"not": "a value"}
    body.fill(json.dumps(example))
    page.get_by_role("button", name="Send request").click()
    expect(reply).to_have_attribute("data-status", "400", timeout=30_000)
    expect(page.get_by_test_id("test-error")).to_contain_text(f"column '{column}'")
    shot(page, "endpoint-test-error")

    # Monitoring: the requests just sent, on the charts.
    page.get_by_role("tab", name="Monitoring").click()
    totals = page.get_by_test_id("monitoring-totals")
    expect(totals).to_contain_text("Requests6", timeout=30_000)
    expect(totals).to_contain_text("Errors1")
    expect(page.get_by_test_id("requests-chart").locator("canvas")).to_be_visible()
    expect(page.get_by_test_id("latency-chart").locator("canvas")).to_be_visible()
    expect(page.get_by_test_id("drift-chart").locator("canvas")).to_be_visible()
    shot(page, "endpoint-monitoring")

    # Versions: one, serving all traffic.
    page.get_by_role("tab", name="Versions").click()
    expect(page.get_by_test_id("serving")).to_have_text("v1 100%")
    expect(page.get_by_test_id("endpoint-versions")).to_contain_text("rows identical")

    # A second run deployed to the same name is version 2 and takes the traffic; roll back, then split.
    rerun = api_post(page, f"{live_server_url}/api/v1/runs/{run['id']}/rerun/", {})
    for _ in range(120):
        if page.request.get(f"{live_server_url}/api/v1/runs/{rerun['id']}/").json()["status"] == "completed":
            break
        page.wait_for_timeout(500)
    second = api_post(page, f"{live_server_url}/api/v1/runs/{rerun['id']}/deploy/", {"name": "penguins"})
    assert second["deployment"]["status"] == "healthy" and "new_keys" not in second
    page.reload()
    serving = page.get_by_test_id("serving")
    expect(serving).to_have_text("v2 100%", timeout=15_000)
    page.get_by_role("button", name="Roll back to v1").click()
    expect(serving).to_have_text("v1 100%")
    split = page.get_by_role("form", name="Traffic split")
    expect(split.get_by_label("Main version")).to_have_value("1")
    expect(split.get_by_label("Second version")).to_have_value("2")
    split.get_by_label("Percent to v2").fill("25")
    expect(split.get_by_test_id("traffic-preview")).to_have_text("New split: v1 75% · v2 25%")
    split.get_by_role("button", name="Apply the split").click()
    expect(serving).to_have_text("v1 75% · v2 25%")
    shot(page, "endpoint-versions")

    # The endpoints list shows it, healthy.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Endpoints").click()
    table = page.get_by_test_id("endpoint-table")
    expect(table).to_contain_text("penguins")
    expect(table).to_contain_text("healthy")
    shot(page, "endpoints")

    # The same pages follow the system's dark mode.
    page.emulate_media(color_scheme="dark")
    page.get_by_role("link", name="penguins").click()
    page.get_by_role("tab", name="Monitoring").click()
    expect(page.get_by_test_id("requests-chart").locator("canvas")).to_be_visible(timeout=15_000)
    shot(page, "endpoint-monitoring-dark")
