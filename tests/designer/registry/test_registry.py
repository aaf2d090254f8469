"""The model registry through the real engine: versions, the portable bundle (it loads and predicts what
the run's Score Model predicted), delete protection by a live endpoint, and the audit log."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest

from designer.artifacts import store as artifacts
from designer.deployments import runtime
from designer.registry import bundle as bundles
from designer.registry.models import ModelVersion
from designer.registry.portable import load_bundle
from designer.workspaces.models import AuditEvent
from modules.sdk import codecs
from tests.designer.conftest import steps_by_node

from .conftest import FEATURES, LABEL, json_post, training_graph, upload_churn

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_endpoints():
    runtime.registry.clear()
    yield
    runtime.recorder.flush()
    runtime.registry.clear()


def register(client, run_id: str, name: str = "churn", **body):
    return json_post(client, "/api/v1/models/", {"name": name, "run": run_id, "node": "train", **body})


def scored_by_run(run: dict, features: list[dict]) -> list[dict]:
    """What the run's Score Model gave for rows with these feature values (its output, matched by value)."""
    scored = artifacts.load_value("dataset", steps_by_node(run)["score"]["outputs"]["scored_dataset"]).df
    found = []
    for row in features:
        match = scored[(scored[FEATURES] == pd.Series(row)[FEATURES]).all(axis=1)]
        assert len(match) >= 1, row
        found.append({c: match.iloc[0][c] for c in ("Scored Labels", "Scored Probabilities")})
    return found


def test_versions_bundle_and_delete_protection(api, engine_api, other_client, celery_worker) -> None:
    reference = upload_churn(api)["version"]["reference"]
    pipeline = engine_api.create_pipeline(training_graph(reference, trees=8), name="churn plain")
    normalized = engine_api.create_pipeline(
        training_graph(reference, trees=12, normalize=True), name="churn norm"
    )
    first = engine_api.wait(engine_api.submit(pipeline, experiment="churn")["id"])
    second = engine_api.wait(engine_api.submit(normalized, experiment="churn")["id"])
    assert first["status"] == second["status"] == "completed"

    # -- versions 1 and 2 under one name ----------------------------------------------------------------
    v1 = register(api, first["id"], description="first try", tags=["baseline"])
    assert v1.status_code == 201, v1.content
    v1 = v1.json()
    assert (v1["model"], v1["number"], v1["reference"]) == ("churn", 1, "churn@1")
    assert (v1["node"], v1["port"], v1["port_type"]) == ("train", "trained_model", "trained_model")
    assert v1["digest"] == steps_by_node(first)["train"]["outputs"]["trained_model"]
    assert v1["metrics"]["evaluate"] == steps_by_node(first)["evaluate"]["metrics"]
    assert v1["input_schema"] == [
        {"name": "tenure", "type": "integer"},
        {"name": "charges", "type": "double"},
        {"name": "plan", "type": "string"},
    ]
    assert v1["summary"]["label_column"] == LABEL and v1["summary"]["feature_columns"] == FEATURES
    assert v1["lineage"]["run"] == first["id"] and v1["lineage"]["pipeline"]["name"] == "churn plain"
    assert [d["reference"] for d in v1["lineage"]["datasets"]] == [reference]
    v2 = register(api, second["id"], port="trained_model").json()
    assert v2["number"] == 2 and v2["description"] == "" and v2["digest"] != v1["digest"]
    detail = api.get("/api/v1/models/churn/").json()
    assert [v["number"] for v in detail["versions"]] == [2, 1] and detail["latest_version"]["number"] == 2
    assert [m["name"] for m in api.get("/api/v1/models/").json()] == ["churn"]
    assert api.get("/api/v1/models/churn/versions/1/").json()["in_use"] is None
    edited = api.patch(
        "/api/v1/models/churn/versions/1/",
        {"tags": ["baseline", "reviewed"]},
        content_type="application/json",
    ).json()
    assert edited["tags"] == ["baseline", "reviewed"] and edited["description"] == "first try"
    # Errors name what is wrong.
    assert register(api, first["id"], node="evaluate").json()["error"]["code"] == "not_a_model"
    assert register(api, first["id"], name="bad name!").json()["error"]["code"] == "invalid_name"
    assert register(other_client, first["id"]).status_code == 404
    assert other_client.get("/api/v1/models/churn/").status_code == 404

    # -- the bundle: an inference pipeline that predicts exactly what the run's Score Model did ----------
    response = api.get("/api/v1/models/churn/versions/1/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert 'filename="churn-v1.zip"' in response["Content-Disposition"]
    data = response.content
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert {"bundle.json", "README.md", "model.pkl", "inference_graph.json", "input_schema.json",
            "sample_request.json", "expected_predictions.json", "prototype.arrow"} <= names  # fmt: skip
    model = load_bundle(data)
    assert model.kind == "inference_pipeline" and model.manifest["self_check"]["equal"] is True
    assert model.input_schema == v1["input_schema"]
    rows = model.sample_request["inputs"]
    assert len(rows) == 3 and all(set(row) == set(FEATURES) for row in rows)
    predictions = model.predict(rows)
    assert predictions == model.expected_predictions
    assert predictions == scored_by_run(first, rows)
    assert [set(row) for row in model.score(rows)] == [
        {*FEATURES, "Scored Labels", "Scored Probabilities"}
    ] * 3
    readme = zipfile.ZipFile(io.BytesIO(data)).read("README.md").decode()
    assert "load_bundle" in readme and "allow-list" in readme and "pickle.load" in readme
    # The model file itself loads with the allow-list unpickler and scores the prototype rows.
    direct = codecs.object_from_bytes(zipfile.ZipFile(io.BytesIO(data)).read("model.pkl"))
    assert direct.feature_columns == FEATURES
    # Built once, then served from the artifact store.
    assert ModelVersion.objects.get(number=1).bundle_digest == artifacts.digest_of(data)
    assert api.get("/api/v1/models/churn/versions/1/download/").content == data

    # Version 2's pipeline normalises first: its bundle replays the fitted normalisation.
    normalised = load_bundle(api.get("/api/v1/models/churn/versions/2/download/").content)
    assert normalised.kind == "inference_pipeline" and normalised.manifest["self_check"]["equal"] is True
    graph = json.loads(zipfile.ZipFile(io.BytesIO(
        api.get("/api/v1/models/churn/versions/2/download/").content)).read("inference_graph.json"))  # fmt: skip
    assert "model_scoring_evaluation.apply_transformation" in {n["module"] for n in graph["nodes"]}
    raw = normalised.sample_request["inputs"]
    assert all(isinstance(row["tenure"], int) for row in raw)  # raw rows: the bundle normalises them
    assert normalised.predict(raw) == normalised.expected_predictions

    # The bare-model bundle (used when the run cannot be deployed) scores the same rows the same way.
    version = ModelVersion.objects.select_related("model", "run").get(number=1)
    bare = load_bundle(_bare_bundle(version))
    assert bare.kind == "model" and bare.manifest["self_check"]["equal"] is True
    assert "No inference pipeline" in " ".join(bare.manifest["notes"])
    assert bare.predict(bare.sample_request["inputs"]) == scored_by_run(first, bare.sample_request["inputs"])

    # -- a version served by a live endpoint cannot be deleted ----------------------------------------
    deployed = json_post(api, f"/api/v1/runs/{first['id']}/deploy/", {"name": "churn-live"})
    assert deployed.status_code == 201 and deployed.json()["status"] == "healthy", deployed.content
    refused = api.delete("/api/v1/models/churn/versions/1/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "model_in_use"
    assert "churn-live" in refused.json()["error"]["message"]
    assert "churn-live" in api.get("/api/v1/models/churn/versions/1/").json()["in_use"]
    assert api.delete("/api/v1/models/churn/").status_code == 409
    assert api.delete("/api/v1/models/churn/versions/2/").status_code == 204
    assert api.delete("/api/v1/endpoints/churn-live/").status_code == 204
    assert api.delete("/api/v1/models/churn/versions/1/").status_code == 204
    assert api.get("/api/v1/models/churn/versions/1/").status_code == 404
    # Numbers are never given twice.
    assert register(api, first["id"]).json()["number"] == 3
    assert api.delete("/api/v1/models/churn/").status_code == 204
    assert list(
        AuditEvent.objects.filter(action__startswith="model").order_by("id").values_list("action", flat=True)
    ) == [
        "model.registered", "model.registered", "model_version.updated", "model_version.deleted",
        "model_version.deleted", "model.registered", "model.deleted",
    ]  # fmt: skip


def _bare_bundle(version: ModelVersion) -> bytes:
    original = bundles.pipeline_parts
    bundles.pipeline_parts = lambda version, run: "No inference pipeline: forced by the test."  # type: ignore[assignment]
    try:
        return bundles.build_bundle(version)
    finally:
        bundles.pipeline_parts = original
