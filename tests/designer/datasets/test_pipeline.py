"""Import Data on a registered dataset, through the real engine, broker and worker."""

from __future__ import annotations

import pytest

from designer.artifacts import store as artifacts
from designer.datasets import services
from designer.datasets.models import Dataset, DatasetVersion
from designer.runs.models import Step
from tests.designer.conftest import steps_by_node
from tests.designer.datasets.conftest import upload_ok
from tests.designer.runs import graphs as g

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

EXPORT_DATA = "data_input_output.export_data"


def _import(node_id: str, reference: str) -> dict:
    return g.node(node_id, services.IMPORT_DATA, data_source="Registered dataset", dataset=reference)


def _output(run: dict, node: str) -> list:
    digest = steps_by_node(run)[node]["outputs"]["results_dataset"]
    return artifacts.load_value("dataset", digest).df["x"].tolist()


def test_pipeline_reads_the_pinned_versions_and_exports_a_new_one(api, engine_api, celery_worker) -> None:
    body = upload_ok(api, "measurements.csv", "x,y\n1,a\n2,b\n3,c\n")
    upload_ok(api, "measurements.csv", "x,y\n10,a\n20,b\n")
    graph = g.graph(
        [
            _import("v1", f"{body['id']}@1"),
            _import("v2", f"{body['id']}@2"),
            g.node("save", EXPORT_DATA, destination="New dataset version", dataset_name="exported"),
        ],
        [g.edge("v1", "results_dataset", "save", "dataset")],
    )
    run = engine_api.wait(engine_api.submit(engine_api.create_pipeline(graph))["id"])
    assert run["status"] == "completed", run
    assert _output(run, "v1") == [1, 2, 3]
    assert _output(run, "v2") == [10, 20]
    exported = Dataset.objects.get(name="exported")
    version = DatasetVersion.objects.get(dataset=exported)
    assert (
        version.source == "pipeline"
        and exported.workspace_id == Dataset.objects.get(pk=body["id"]).workspace_id
    )
    assert services.load_table(version).df["x"].tolist() == [1, 2, 3]
    assert f"{exported.id}@1" in Step.objects.get(run_id=run["id"], node_id="save").logs


def test_a_dataset_of_another_workspace_is_not_found(api, other_api, engine_api, celery_worker) -> None:
    theirs = upload_ok(other_api, "secret.csv", "x\n42\n")
    run = engine_api.wait(
        engine_api.submit(engine_api.create_pipeline(g.graph([_import("imp", theirs["id"])], [])))["id"]
    )
    assert run["status"] == "failed"
    error = steps_by_node(run)["imp"]["error"]
    assert error["code"] == "dataset_not_found", error


def test_latest_reference_reads_the_new_version_after_a_reupload(api, engine_api, celery_worker) -> None:
    body = upload_ok(api, "latest.csv", "x\n1\n")
    pipeline = engine_api.create_pipeline(g.graph([_import("imp", body["id"])], []))
    first = engine_api.wait(engine_api.submit(pipeline)["id"])
    assert first["status"] == "completed" and _output(first, "imp") == [1]
    upload_ok(api, "latest.csv", "x\n2\n")
    second = engine_api.wait(engine_api.submit(pipeline)["id"])
    assert second["status"] == "completed" and _output(second, "imp") == [2]
