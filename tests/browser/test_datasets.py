"""A user uploads a CSV in the browser and reads it back: upload progress, the data preview, the column
profile's charts, a column edit that makes a new version, and a delete refused while a pipeline uses it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long test password"
MALFORMED = Path(__file__).resolve().parent.parent.parent / "fixtures" / "malformed"

# 60 penguins, with a few missing values; the text columns give "most frequent values" bars.
ROWS = [
    f"{species},{island},{38 + (i % 17) * 0.7:.1f},{'' if i % 13 == 0 else 180 + (i * 7) % 40},{'yes' if i % 3 else 'no'}"
    for i, (species, island) in enumerate(
        [("Adelie", "Torgersen"), ("Gentoo", "Biscoe"), ("Chinstrap", "Dream")] * 20
    )
]
CSV = ("species,island,bill_length_mm,flipper_length_mm,tagged\n" + "\n".join(ROWS) + "\n").encode()


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


def test_upload_a_csv_and_see_its_preview_and_profile(
    page: Page, live_server_url: str, celery_worker: str, django_user_model
) -> None:
    sign_in(page, live_server_url, django_user_model)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Datasets").click()
    expect(page.get_by_role("heading", name="Datasets", level=1)).to_be_visible()
    # The bundled samples are listed, read-only.
    expect(page.get_by_test_id("sample-table")).to_contain_text("Breast cancer", timeout=15_000)
    expect(page.get_by_text("No datasets yet.")).to_be_visible()

    # A file the server refuses: its message, in words.
    page.get_by_label("File", exact=True).set_input_files(str(MALFORMED / "duplicate_columns.csv"))
    page.get_by_role("button", name="Upload", exact=True).click()
    error = page.get_by_test_id("upload-error")
    expect(error).to_contain_text("Could not upload duplicate_columns.csv.")
    expect(error).to_contain_text("'a'")
    shot(page, "datasets-upload-error")

    # A good file: progress, then its own page.
    page.get_by_label("File", exact=True).set_input_files(
        files=[{"name": "penguins.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.get_by_label("Name").fill("My penguins")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page).to_have_url(re.compile(r"/app/datasets/[0-9a-f-]{36}\?version=1$"), timeout=15_000)
    expect(page.get_by_role("heading", name="My penguins", level=1)).to_be_visible()
    expect(page.get_by_test_id("version-table").locator("tbody tr")).to_have_count(1)

    # The preview: every row and column, a column's statistics on click.
    preview = page.get_by_test_id("data-preview")
    expect(preview).to_be_visible(timeout=15_000)
    expect(page.locator(".table-preview-summary")).to_contain_text("60 rows × 5 columns")
    preview.get_by_role("button", name=re.compile(r"^bill_length_mm")).click()
    expect(page.get_by_test_id("column-statistics")).to_contain_text("Mean")
    shot(page, "dataset-preview")

    # The profile: one card per column, each with its chart (computed by the worker, polled until ready).
    page.get_by_role("tab", name="Profile").click()
    cards = page.get_by_test_id("column-profile")
    expect(cards).to_have_count(5, timeout=60_000)
    expect(page.get_by_test_id("profile-chart")).to_have_count(5)
    expect(page.get_by_test_id("profile-chart").first.locator("canvas")).to_be_visible()
    flipper = cards.filter(has_text="flipper_length_mm")
    expect(flipper).to_contain_text("Missing")
    expect(flipper).to_contain_text("5 (8.3%)")
    expect(flipper).to_contain_text("Median")
    expect(cards.filter(has_text="island")).to_contain_text("Distinct")
    shot(page, "dataset-profile")

    # Edit the columns: island becomes categorical and species the label; that is version 2.
    page.get_by_role("tab", name="Columns").click()
    page.get_by_label("Type of island").select_option("categorical")
    page.get_by_label("species is the label").check()
    page.get_by_role("button", name="Save as a new version").click()
    expect(page).to_have_url(re.compile(r"\?version=2$"), timeout=15_000)
    expect(page.get_by_test_id("version-table").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_role("tab", name="Profile")).to_have_attribute("data-state", "active")
    expect(page.get_by_test_id("column-profile")).to_have_count(5, timeout=60_000)
    expect(page.get_by_test_id("column-profile").filter(has_text="species")).to_contain_text("label")
    page.get_by_role("tab", name="Preview").click()
    expect(page.get_by_test_id("data-preview")).to_contain_text("categorical")
    shot(page, "dataset-version-2")

    # A pipeline reads version 2: deleting the dataset is refused, naming the pipeline.
    dataset_id = page.url.split("/datasets/")[1].split("?")[0]
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    graph = {
        "schema_version": 1,
        "nodes": [
            {
                "id": "data",
                "module": "data_input_output.import_data",
                "module_version": 1,
                "params": {"data_source": "Registered dataset", "dataset": f"{dataset_id}@2"},
            }
        ],
        "edges": [],
        "ui": {"data": {"x": 0, "y": 0}},
    }
    response = page.request.post(
        f"{live_server_url}/api/v1/pipelines/",
        data=json.dumps({"name": "Penguin study", "graph": graph}),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
    )
    assert response.status == 201, response.text()
    page.get_by_role("button", name="Delete dataset").click()
    page.get_by_role("group", name=re.compile("Delete My penguins")).get_by_role(
        "button", name="Delete"
    ).click()
    expect(page.get_by_test_id("delete-error")).to_contain_text("Penguin study")
    shot(page, "dataset-delete-refused")

    # Version 1 is not used: it can go.
    page.get_by_test_id("version-table").get_by_role("button", name="v1").click()
    page.get_by_role("button", name="Delete version 1").click()
    page.get_by_role("group", name=re.compile("Delete version 1")).get_by_role(
        "button", name="Delete"
    ).click()
    expect(page.get_by_test_id("version-table").locator("tbody tr")).to_have_count(1, timeout=15_000)

    # The list finds it by name.
    page.get_by_role("link", name="Datasets", exact=True).first.click()
    page.get_by_role("searchbox", name="Search datasets").fill("pengu")
    expect(page.get_by_test_id("dataset-table").locator("tbody tr")).to_have_count(1)
    page.get_by_role("searchbox", name="Search datasets").fill("nothing like it")
    expect(page.get_by_text("No datasets match “nothing like it”.")).to_be_visible()

    # A bigger file over a slow link: the bar follows the bytes sent, and Cancel stops the upload.
    rows = "\n".join(f"{i},{i * 0.5},{'abcdefghij' * 3}" for i in range(20_000))
    big = ("a,b,c\n" + rows + "\n").encode()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 150_000},
    )
    page.get_by_label("File", exact=True).set_input_files(
        files=[{"name": "slow.csv", "mimeType": "text/csv", "buffer": big}]
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    status = page.get_by_test_id("upload-status")
    expect(status).to_contain_text(re.compile(r"Uploading slow\.csv: \d+% of \d+ KB"))
    progress = page.locator("progress.upload-progress")
    page.wait_for_function("p => p.value > 0 && p.value < 100", arg=progress.element_handle(), timeout=10_000)
    shot(page, "dataset-upload-progress")
    status.get_by_role("button", name="Cancel").click()
    expect(status).to_contain_text("The upload of slow.csv was cancelled.")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    page.get_by_role("searchbox", name="Search datasets").fill("")
    expect(page.get_by_test_id("dataset-table").locator("tbody tr")).to_have_count(1)
