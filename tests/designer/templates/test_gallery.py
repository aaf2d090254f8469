"""The gallery's files and its REST API: every template is well formed, valid, tidy, and usable."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from designer.graphs.services import validate
from designer.templates import services
from designer.templates.thumbnails import NODE_HEIGHT, NODE_WIDTH, thumbnail_svg
from modules.data_io.samples import SAMPLES_BY_SLUG

TEMPLATES = services.all_templates()
SLUGS = [t.slug for t in TEMPLATES]


def test_the_gallery_covers_what_a_beginner_needs() -> None:
    assert len(TEMPLATES) >= 12
    assert len(set(SLUGS)) == len(SLUGS)
    modules = {t.slug: {n["module"] for n in t.graph["nodes"]} for t in TEMPLATES}
    used = set().union(*modules.values())
    for key in (
        "regression.linear_regression",
        "data_transformation.clean_missing_data",
        "feature_selection.filter_based_feature_selection",
        "python_language.execute_python_script",
        "data_transformation.smote",
        "clustering.k_means_clustering",
        "model_scoring_evaluation.assign_data_to_clusters",
        "model_training.train_anomaly_detection_model",
        "recommendation.train_svd_recommender",
        "recommendation.evaluate_recommender",
        "text_analytics.preprocess_text",
        "classification.multiclass_logistic_regression",
        "model_scoring_evaluation.cross_validate_model",
        "model_training.tune_model_hyperparameters",
        "feature_selection.permutation_feature_importance",
    ):
        assert key in used, key
    comparison = services.get_template("regression-model-comparison").graph
    evaluate_inputs = {e["target_port"] for e in comparison["edges"] if e["target"] == "evaluate"}
    assert evaluate_inputs == {"scored_dataset", "scored_dataset_to_compare"}
    assert {t.task_type for t in TEMPLATES} == set(services.TASK_TYPES)


@pytest.mark.parametrize("template", TEMPLATES, ids=SLUGS)
def test_each_template_is_valid_and_reads_permissive_sample_data(template) -> None:
    assert validate(template.graph) == []
    assert template.graph["schema_version"] == 1
    assert template.datasets and all(slug in SAMPLES_BY_SLUG for slug in template.datasets)
    imported = {
        n["params"]["sample_dataset"]
        for n in template.graph["nodes"]
        if n["module"] == "data_input_output.import_data"
    }
    assert imported == set(template.datasets)
    assert all("GPL" not in SAMPLES_BY_SLUG[slug].licence for slug in template.datasets)
    metric = template.key_metric
    assert metric["node"] in {n["id"] for n in template.graph["nodes"]}
    assert isinstance(metric["value"], float) and isinstance(metric["higher_is_better"], bool)
    assert len(template.description) > 150 and template.title


@pytest.mark.parametrize("template", TEMPLATES, ids=SLUGS)
def test_each_layout_is_tidy_top_to_bottom_without_overlaps(template) -> None:
    graph = template.graph
    ui = graph["ui"]
    assert set(ui) == {n["id"] for n in graph["nodes"]}
    boxes = [(nid, p["x"], p["y"]) for nid, p in ui.items()]
    for i, (a, ax, ay) in enumerate(boxes):
        for b, bx, by in boxes[i + 1 :]:
            apart = abs(ax - bx) >= NODE_WIDTH + 20 or abs(ay - by) >= NODE_HEIGHT + 20
            assert apart, f"{a} and {b} overlap"
    for edge in graph["edges"]:
        source, target = ui[edge["source"]], ui[edge["target"]]
        assert target["y"] > source["y"], f"{edge} does not flow downwards"
        # The line (box bottom centre to box top centre) passes through no other box.
        x1, y1 = source["x"] + NODE_WIDTH / 2, source["y"] + NODE_HEIGHT
        x2, y2 = target["x"] + NODE_WIDTH / 2, target["y"]
        for nid, x, y in boxes:
            if nid in (edge["source"], edge["target"]):
                continue
            for step in range(1, 100):
                px, py = x1 + (x2 - x1) * step / 100, y1 + (y2 - y1) * step / 100
                assert not (x - 5 <= px <= x + NODE_WIDTH + 5 and y - 5 <= py <= y + NODE_HEIGHT + 5), (
                    f"the edge {edge['source']} -> {edge['target']} crosses {nid}"
                )


def test_the_files_are_named_after_their_slugs_and_pretty_printed() -> None:
    for path in sorted(services.TEMPLATES_DIR.glob("*.json")):
        text = path.read_text()
        assert json.loads(text)["slug"] == path.stem
        assert text == json.dumps(json.loads(text), indent=2) + "\n"


def test_deployable_templates_are_the_ones_that_train_a_model() -> None:
    trains = {
        "model_training.train_model",
        "model_training.tune_model_hyperparameters",
        "model_training.train_anomaly_detection_model",
        "recommendation.train_svd_recommender",
    }
    for template in TEMPLATES:
        scores = any(n["module"] in trains for n in template.graph["nodes"])
        assert template.deployable == scores, template.slug
    assert {t.slug for t in services.deployable_templates()} == {t.slug for t in TEMPLATES if t.deployable}


def test_a_malformed_template_file_is_reported_with_its_name(tmp_path) -> None:
    (tmp_path / "broken.json").write_text(json.dumps({"slug": "broken", "title": "x"}))
    with pytest.raises(services.InvalidTemplateFile, match="broken.json: missing"):
        services.all_templates(tmp_path)
    good = json.loads((services.TEMPLATES_DIR / "multiclass-penguins.json").read_text())
    (tmp_path / "broken.json").unlink()
    (tmp_path / "other-name.json").write_text(json.dumps(good))
    with pytest.raises(services.InvalidTemplateFile, match="named after its slug"):
        services.all_templates(tmp_path)


def test_thumbnail_draws_every_node_and_edge_inside_its_view_box() -> None:
    template = services.get_template("regression-model-comparison")
    svg = ET.fromstring(thumbnail_svg(template.graph))
    ns = {"s": "http://www.w3.org/2000/svg"}
    left, top, width, height = map(float, svg.get("viewBox").split())
    titles = [t.text for t in svg.findall(".//s:text", ns)]
    assert len(titles) == len(template.graph["nodes"])
    assert "Boosted Decision Tree Regression" in titles and titles.count("Train Model") == 2
    lines = svg.findall(".//s:line", ns)
    assert len(lines) == len(template.graph["edges"])
    for line in lines:
        for axis, low, size in (("x", left, width), ("y", top, height)):
            for end in ("1", "2"):
                assert low <= float(line.get(axis + end)) <= low + size
    assert thumbnail_svg({"nodes": [], "edges": []}).startswith("<svg")


# -- REST -----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_list_filter_and_search(api) -> None:
    everything = api.get("/api/v1/templates/").json()
    assert everything["count"] == len(TEMPLATES)
    card = everything["results"][0]
    assert {
        "slug",
        "title",
        "description",
        "task_type",
        "difficulty",
        "key_metric",
        "thumbnail_url",
        "deployable",
        "datasets",
    } <= set(card)
    assert "graph" not in card
    assert card["thumbnail_url"] == f"/api/v1/templates/{card['slug']}/thumbnail.svg"
    assert [c["difficulty"] for c in everything["results"]] == sorted(
        (c["difficulty"] for c in everything["results"]), key=services.DIFFICULTIES.index
    )

    regression = api.get("/api/v1/templates/", {"task_type": "regression"}).json()["results"]
    assert regression and {c["task_type"] for c in regression} == {"regression"}
    assert len(regression) == sum(t.task_type == "regression" for t in TEMPLATES)

    penguins = api.get("/api/v1/templates/", {"q": "Penguin"}).json()["results"]
    assert {c["slug"] for c in penguins} == {t.slug for t in TEMPLATES if "penguins" in t.datasets}
    both = api.get("/api/v1/templates/", {"q": "penguins k-means"}).json()["results"]
    assert [c["slug"] for c in both] == ["clustering-penguins"]
    assert api.get("/api/v1/templates/", {"q": "no such words"}).json() == {"count": 0, "results": []}

    bad = api.get("/api/v1/templates/", {"task_type": "astrology"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_task_type"


@pytest.mark.django_db
def test_detail_and_thumbnail(api) -> None:
    detail = api.get("/api/v1/templates/multiclass-penguins/")
    assert detail.status_code == 200
    assert detail.json()["graph"] == services.get_template("multiclass-penguins").graph
    thumbnail = api.get("/api/v1/templates/multiclass-penguins/thumbnail.svg")
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/svg+xml"
    assert ET.fromstring(thumbnail.content).tag == "{http://www.w3.org/2000/svg}svg"
    for url in ("/api/v1/templates/nope/", "/api/v1/templates/nope/thumbnail.svg"):
        missing = api.get(url)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "template_not_found"


@pytest.mark.django_db
def test_instantiate_creates_a_draft_the_user_owns(api, user, django_user_model) -> None:
    response = api.post(
        "/api/v1/templates/clustering-penguins/instantiate/", {}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    pipeline = response.json()
    template = services.get_template("clustering-penguins")
    assert pipeline["name"] == template.title and pipeline["description"] == template.description
    assert pipeline["graph"]["nodes"] == template.graph["nodes"]
    assert pipeline["graph"]["ui"] == template.graph["ui"]
    mine = api.get(f"/api/v1/pipelines/{pipeline['id']}/")
    assert mine.status_code == 200

    named = api.post(
        "/api/v1/templates/clustering-penguins/instantiate/",
        {"name": "My penguins"},
        content_type="application/json",
    ).json()
    assert named["name"] == "My penguins" and named["id"] != pipeline["id"]
    # Editing the copy leaves the template alone.
    assert services.get_template("clustering-penguins").graph["nodes"] == template.graph["nodes"]

    from django.test import Client

    other = Client()
    other.force_login(django_user_model.objects.create_user("someone-else", password="another long password"))
    assert other.get(f"/api/v1/pipelines/{pipeline['id']}/").status_code == 404

    missing = api.post("/api/v1/templates/nope/instantiate/", {}, content_type="application/json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "template_not_found"
    too_long = api.post(
        "/api/v1/templates/clustering-penguins/instantiate/",
        {"name": "x" * 201},
        content_type="application/json",
    )
    assert too_long.status_code == 400


@pytest.mark.django_db
def test_the_gallery_needs_a_signed_in_user(client) -> None:
    assert client.get("/api/v1/templates/").status_code in (401, 403)
    assert client.post("/api/v1/templates/clustering-penguins/instantiate/").status_code in (401, 403)
