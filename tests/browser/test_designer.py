"""A new user builds, runs and re-runs a training pipeline in the designer, in Chromium, as a user would:
with the mouse on a real server and a real worker."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long test password"

IMPORT = "data_input_output.import_data"
SELECT = "data_transformation.select_columns_in_dataset"
CLEAN = "data_transformation.clean_missing_data"
SPLIT = "data_transformation.split_data"
LEARNER = "classification.two_class_boosted_decision_tree"
TRAIN = "model_training.train_model"
SCORE = "model_scoring_evaluation.score_model"
EVALUATE = "model_scoring_evaluation.evaluate_model"
ALL_MODULES = (IMPORT, SELECT, CLEAN, SPLIT, LEARNER, TRAIN, SCORE, EVALUATE)

# Where each module is dropped, in pixels from the canvas's top-left corner (two columns that fit the
# canvas at 1280x800; the pointer lands on the node's title).
DROPS = {
    IMPORT: (150, 40),
    SELECT: (150, 160),
    CLEAN: (150, 280),
    SPLIT: (150, 400),
    LEARNER: (480, 40),
    TRAIN: (480, 170),
    SCORE: (480, 300),
    EVALUATE: (480, 430),
}


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


def node(page: Page, module: str) -> Locator:
    return page.locator(f'[data-testid="module-node"][data-module="{module}"]')


def drop(page: Page, palette_item: Locator, module: str) -> None:
    x, y = DROPS[module]
    palette_item.drag_to(page.get_by_test_id("canvas"), target_position={"x": x, "y": y})
    expect(node(page, module)).to_have_count(1)


def drop_module(page: Page, module: str, search: str) -> None:
    box = page.get_by_role("searchbox", name="Search modules")
    box.fill(search)
    drop(page, page.get_by_test_id(f"palette-module-{module}"), module)
    box.fill("")


def centre(locator: Locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None, "element is not on screen"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag_connection(page: Page, source: Locator, target: Locator) -> None:
    """Mouse down on the source handle, move across, mouse up on the target handle."""
    sx, sy = centre(source)
    tx, ty = centre(target)
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + tx) / 2, (sy + ty) / 2, steps=8)
    page.mouse.move(tx, ty, steps=8)
    page.mouse.up()


def connect(page: Page, source_module: str, output: str, target_module: str, input_: str) -> None:
    edges = page.locator(".react-flow__edge")
    before = edges.count()
    drag_connection(
        page,
        node(page, source_module).get_by_test_id(f"port-out-{output}"),
        node(page, target_module).get_by_test_id(f"port-in-{input_}"),
    )
    expect(edges).to_have_count(before + 1)


def select_node(page: Page, module: str) -> Locator:
    node(page, module).locator(".module-node-title").click()
    properties = page.get_by_role("complementary", name="Properties")
    expect(properties.get_by_test_id("properties")).to_be_visible()
    return properties


def wait_for_every_node(page: Page, status: str, timeout: float) -> None:
    for module in ALL_MODULES:
        expect(node(page, module)).to_have_attribute("data-status", status, timeout=timeout)


def open_outputs(page: Page, module: str) -> Locator:
    node(page, module).locator(".module-node-title").click(button="right")
    page.get_by_role("menuitem", name="View outputs").click()
    drawer = page.get_by_test_id("outputs-drawer")
    expect(drawer).to_be_visible()
    return drawer


def test_build_run_and_rerun_a_pipeline(
    page: Page, live_server_url: str, celery_worker: str, django_user_model
) -> None:
    sign_in(page, live_server_url, django_user_model)
    shot(page, "home")

    # A new, empty pipeline.
    page.get_by_role("button", name="New pipeline").click()
    expect(page).to_have_url(re.compile(r"/app/designer/[0-9a-f-]{36}$"), timeout=15_000)
    # The first catalogue request imports every module on the server: allow for a cold start.
    expect(page.get_by_test_id("canvas")).to_be_visible(timeout=60_000)
    expect(page.locator('[data-testid="module-node"]')).to_have_count(0)
    expect(page.get_by_test_id("palette-sample-breast-cancer")).to_be_visible(timeout=15_000)
    shot(page, "designer-new")

    # Drag the sample dataset and the modules onto the canvas.
    drop(page, page.get_by_test_id("palette-sample-breast-cancer"), IMPORT)
    expect(node(page, IMPORT)).to_contain_text("Breast cancer (Wisconsin diagnostic)")
    drop_module(page, SELECT, "Select Columns in Dataset")
    drop_module(page, CLEAN, "Clean Missing")
    drop_module(page, SPLIT, "Split Data")
    drop_module(page, LEARNER, "Two-Class Boosted")
    drop_module(page, TRAIN, "Train Model")
    drop_module(page, SCORE, "Score Model")
    drop_module(page, EVALUATE, "Evaluate Model")

    # Connect them, output (bottom) to input (top).
    connect(page, IMPORT, "results_dataset", SELECT, "dataset")
    connect(page, SELECT, "results_dataset", CLEAN, "dataset")
    connect(page, CLEAN, "cleaned_dataset", SPLIT, "dataset")
    connect(page, LEARNER, "untrained_model", TRAIN, "untrained_model")
    connect(page, SPLIT, "results_dataset1", TRAIN, "dataset")
    connect(page, TRAIN, "trained_model", SCORE, "trained_model")
    connect(page, SPLIT, "results_dataset2", SCORE, "dataset")
    connect(page, SCORE, "scored_dataset", EVALUATE, "scored_dataset")

    # A dataset cannot feed a learner's input: refused while dragging, with the reason.
    edges = page.locator(".react-flow__edge")
    drag_connection(
        page,
        node(page, IMPORT).get_by_test_id("port-out-results_dataset"),
        node(page, TRAIN).get_by_test_id("port-in-untrained_model"),
    )
    refusal = page.get_by_test_id("connection-refused")
    expect(refusal).to_contain_text("is a dataset, but Train Model")
    expect(edges).to_have_count(8)
    shot(page, "designer-connection-refused")

    # Undo and redo the last connection, from the keyboard.
    page.get_by_test_id("canvas").locator(".react-flow__pane").click(position={"x": 620, "y": 80})
    page.keyboard.press("Control+z")
    expect(edges).to_have_count(7)
    page.keyboard.press("Control+Shift+z")
    expect(edges).to_have_count(8)

    # Box-select two modules (Shift + drag), copy and paste them through the clipboard, delete the copies.
    page.get_by_role("button", name="Fit view", exact=True).click()
    page.wait_for_timeout(400)  # the fit is animated
    first = node(page, CLEAN).bounding_box()
    last = node(page, SPLIT).bounding_box()
    assert first is not None and last is not None
    page.keyboard.down("Shift")
    page.mouse.move(first["x"] - 12, first["y"] - 12)
    page.mouse.down()
    page.mouse.move(last["x"] + last["width"] / 2, last["y"], steps=5)
    page.mouse.move(last["x"] + last["width"] + 12, last["y"] + last["height"] + 12, steps=5)
    page.mouse.up()
    page.keyboard.up("Shift")
    expect(page.get_by_role("complementary", name="Properties")).to_contain_text("2 modules selected.")
    modules = page.locator('[data-testid="module-node"]')
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(modules).to_have_count(10)
    expect(edges).to_have_count(9)
    page.keyboard.press("Delete")
    expect(modules).to_have_count(8)
    expect(edges).to_have_count(8)

    # Parameters: columns by rule for Select Columns, all columns by name for Clean Missing Data.
    properties = select_node(page, SELECT)
    properties.get_by_label("By rule").check()
    properties.get_by_label("Rule 1: which columns").select_option("all")
    expect(properties.get_by_text(re.compile(r"Selects 31 of 31 columns"))).to_be_visible(timeout=10_000)

    properties = select_node(page, CLEAN)
    columns = properties.get_by_role("group", name="Columns to be cleaned")
    expect(columns.get_by_role("button", name="All")).to_be_visible(timeout=10_000)
    columns.get_by_role("button", name="All").click()
    expect(columns.get_by_text("31 of 31 columns selected.")).to_be_visible()

    # Train Model's label column, picked from the columns that reach its dataset input.
    properties = select_node(page, TRAIN)
    label = properties.get_by_label("Label column")
    expect(label.locator("option", has_text="diagnosis")).to_have_count(1, timeout=10_000)
    label.select_option("diagnosis")
    shot(page, "designer-column-picker")

    # Tidy up and check that the server has nothing left to complain about.
    page.get_by_role("button", name="Auto-layout").click()
    expect(page.get_by_test_id("problems-toggle")).to_have_text("No problems", timeout=15_000)
    expect(page.get_by_test_id("save-state")).to_have_text("Saved", timeout=15_000)
    shot(page, "designer-pipeline")

    # Submit, and watch every node complete live.
    page.get_by_role("button", name="Submit", exact=True).click()
    dialog = page.get_by_role("dialog", name="Submit the pipeline")
    expect(dialog.get_by_label("Experiment")).to_have_value("Default")
    dialog.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(re.compile(r"/app/runs/[0-9a-f-]{36}$"), timeout=15_000)
    first_run_url = page.url
    wait_for_every_node(page, "completed", timeout=180_000)
    expect(page.get_by_test_id("run-summary")).to_have_attribute("data-status", "completed", timeout=30_000)
    expect(page.get_by_test_id("run-summary")).to_contain_text("8 of 8 steps done")
    shot(page, "run-completed")

    # The data preview: column types and histograms, and one column's statistics.
    drawer = open_outputs(page, IMPORT)
    preview = drawer.get_by_test_id("data-preview")
    expect(preview).to_be_visible(timeout=15_000)
    expect(drawer).to_contain_text("569 rows × 31 columns")
    preview.get_by_role("button", name=re.compile(r"^mean radius")).click()
    stats = drawer.get_by_test_id("column-statistics")
    expect(stats).to_contain_text("Mean")
    expect(stats).to_contain_text("Missing")
    shot(page, "run-data-preview")
    drawer.get_by_role("button", name="Close outputs").click()

    # The evaluation: ROC curve, metrics, and a threshold slider that changes them.
    drawer = open_outputs(page, EVALUATE)
    drawer.get_by_role("button", name="Expand").click()
    expect(drawer.get_by_test_id("roc-curve")).to_be_visible(timeout=15_000)
    expect(drawer.get_by_test_id("roc-curve")).to_contain_text("AUC")
    expect(drawer.get_by_test_id("pr-curve")).to_be_visible()
    metrics = drawer.get_by_test_id("metrics-table")
    expect(metrics).to_contain_text("Metrics at threshold 0.50")
    drawer.get_by_label("Threshold").fill("0.8")
    expect(metrics).to_contain_text("Metrics at threshold 0.80")
    expect(drawer.get_by_test_id("confusion-matrix")).to_contain_text("Confusion matrix at threshold 0.80")
    shot(page, "run-evaluation")
    drawer.get_by_role("button", name="Close outputs").click()

    # The log of a step: its events and what the module logged, searchable.
    node(page, TRAIN).locator(".module-node-title").click(button="right")
    page.get_by_role("menuitem", name="View logs").click()
    log = page.get_by_test_id("step-log")
    expect(log).to_contain_text("completed", timeout=15_000)
    shot(page, "run-logs")
    page.get_by_role("searchbox", name="Search the log").fill("started")
    expect(log).not_to_contain_text("completed")
    page.get_by_role("button", name="Close outputs").click()

    # Submitting the same pipeline again reuses every result.
    page.get_by_role("button", name="Submit again").click()
    page.wait_for_url(lambda url: url != first_run_url and "/app/runs/" in url, timeout=15_000)
    wait_for_every_node(page, "cached", timeout=60_000)
    expect(node(page, TRAIN).get_by_test_id("node-status")).to_contain_text("Cached from run")
    expect(page.get_by_test_id("run-summary")).to_contain_text("8 cached")
    shot(page, "run-cached")

    # Both runs are listed, and the status filter narrows the list.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
    table = page.get_by_test_id("run-table")
    expect(table.locator("tbody tr")).to_have_count(2, timeout=15_000)
    page.get_by_label("Status").select_option("failed")
    expect(page.get_by_text("No runs yet.")).to_be_visible()
    page.get_by_label("Status").select_option("completed")
    expect(table.locator("tbody tr")).to_have_count(2)
    shot(page, "runs")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page.get_by_role("list", name="Pipelines").get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_test_id("run-table").locator("tbody tr")).to_have_count(2)
    shot(page, "home-with-runs")

    # A finished run opens read-only; "Edit as new draft" copies its pipeline into a new draft.
    page.goto(first_run_url)
    page.get_by_role("button", name="Edit as new draft").click()
    expect(page).to_have_url(re.compile(r"/app/designer/[0-9a-f-]{36}$"), timeout=15_000)
    expect(page.locator('[data-testid="module-node"]')).to_have_count(8, timeout=15_000)
    expect(page.get_by_test_id("pipeline-name")).to_contain_text("(copy)")
    page.emulate_media(color_scheme="dark")
    shot(page, "designer-dark")


def test_a_300_node_pipeline_opens_and_drags(page: Page, live_server_url: str, django_user_model) -> None:
    """Measures (does not assert) how long a 300-node graph takes to open and how smoothly a node drags."""
    sign_in(page, live_server_url, django_user_model)
    nodes, edges, ui = [], [], {}
    for chain in range(100):
        ids = [f"c{chain}_{step}" for step in range(3)]
        for step, (node_id, module) in enumerate(zip(ids, (IMPORT, SELECT, SPLIT), strict=True)):
            params = {"data_source": "Sample dataset", "sample_dataset": "iris"} if module == IMPORT else {}
            nodes.append({"id": node_id, "module": module, "module_version": 1, "params": params})
            ui[node_id] = {"x": (chain % 20) * 280, "y": (chain // 20) * 420 + step * 130}
        edges.append(
            {"source": ids[0], "source_port": "results_dataset", "target": ids[1], "target_port": "dataset"}
        )
        edges.append(
            {"source": ids[1], "source_port": "results_dataset", "target": ids[2], "target_port": "dataset"}
        )
    graph = {"schema_version": 1, "nodes": nodes, "edges": edges, "ui": ui}
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{live_server_url}/api/v1/pipelines/",
        data=json.dumps({"name": "Three hundred modules", "graph": graph}),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
    )
    assert response.status == 201, response.text()
    pipeline_id = response.json()["id"]

    # Warm the module catalogue, so the figure is the canvas's, not the server's first import.
    page.request.get(f"{live_server_url}/api/v1/modules/")
    page.goto(f"{live_server_url}/app/designer/{pipeline_id}")
    expect(page.locator('[data-testid="module-node"]')).to_have_count(300, timeout=60_000)
    page.wait_for_function("performance.getEntriesByName('designer:nodes-initialized').length > 0")
    timings = page.evaluate(
        """() => {
            const mark = (name) => performance.getEntriesByName(name)[0].startTime
            return {
              navigation_to_interactive_ms: mark('designer:nodes-initialized'),
              graph_loaded_to_interactive_ms: mark('designer:nodes-initialized') - mark('designer:graph-loaded'),
            }
        }"""
    )

    # Drag one node across the canvas while recording animation frames.
    page.evaluate(
        """() => {
            window.__frames = []
            window.__measuring = true
            const loop = (time) => { window.__frames.push(time); if (window.__measuring) requestAnimationFrame(loop) }
            requestAnimationFrame(loop)
        }"""
    )
    title = node(page, SPLIT).first.locator(".module-node-title")
    x, y = centre(title)
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 61):
        page.mouse.move(x + step * 4, y + step * 2)
    page.mouse.up()
    frames = page.evaluate(
        """() => {
            window.__measuring = false
            const f = window.__frames
            const gaps = f.slice(1).map((t, i) => t - f[i]).sort((a, b) => a - b)
            const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length
            return { frames: f.length, mean_frame_ms: mean, p95_frame_ms: gaps[Math.floor(gaps.length * 0.95)] }
        }"""
    )
    figures = {**timings, **{f"drag_{key}": value for key, value in frames.items()}}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "designer-300-nodes.json").write_text(json.dumps(figures, indent=2))
    print(f"\n300-node designer: {json.dumps(figures)}")
    shot(page, "designer-300-nodes")


def test_an_uploaded_dataset_is_in_the_palette(page: Page, live_server_url: str, django_user_model) -> None:
    sign_in(page, live_server_url, django_user_model)
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{live_server_url}/api/v1/datasets/",
        multipart={
            "file": {
                "name": "flowers.csv",
                "mimeType": "text/csv",
                "buffer": b"petal,width,kind\n1.4,0.2,a\n4.7,1.4,b\n",
            },
            "name": "My flowers",
        },
        headers={"X-CSRFToken": csrf},
    )
    assert response.status == 201, response.text()
    dataset_id = response.json()["id"]

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Designer").click()
    expect(page.get_by_role("heading", name="New pipeline")).to_be_visible(timeout=60_000)
    entry = page.get_by_test_id(f"palette-dataset-{dataset_id}")
    expect(entry).to_contain_text("My flowers")
    entry.focus()
    page.keyboard.press("Enter")
    # The first edit creates the pipeline: the address becomes the new pipeline's.
    expect(page).to_have_url(re.compile(r"/app/designer/[0-9a-f-]{36}$"), timeout=15_000)
    expect(node(page, IMPORT)).to_contain_text("My flowers · v1")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved", timeout=15_000)
