"""Versions: re-upload, column edits, references for Import Data, delete protection and freeing bytes."""

from __future__ import annotations

import pandas as pd
import pytest

from designer.artifacts import store as artifacts
from designer.artifacts.models import Artifact
from designer.datasets import services
from designer.datasets.models import Dataset, DatasetVersion
from designer.graphs import services as graphs
from designer.graphs.models import Pipeline
from designer.workspaces.services import personal_workspace
from modules.sdk import DataTable, ModuleError, RunContext, get_module
from tests.designer.datasets.conftest import upload_ok
from tests.designer.runs import graphs as g

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("artifact_root")]


def _version(body: dict, number: int) -> DatasetVersion:
    return DatasetVersion.objects.get(dataset_id=body["id"], number=number)


def _import_graph(reference: str) -> dict:
    return g.graph(
        [g.node("imp", services.IMPORT_DATA, data_source="Registered dataset", dataset=reference)], []
    )


def test_reupload_is_a_new_version_and_the_old_one_is_unchanged(api) -> None:
    first = upload_ok(api, "sales.csv", "a,b\n1,x\n2,y\n")
    v1 = _version(first, 1)
    digest, columns = v1.digest, v1.columns
    second = upload_ok(api, "sales.csv", "a,b,c\n3,z,1.5\n")
    assert second["id"] == first["id"] and second["version"]["number"] == 2
    assert second["latest_version"]["number"] == 2 and second["version_count"] == 2
    assert [v["number"] for v in second["versions"]] == [2, 1]
    v1.refresh_from_db()
    assert (v1.digest, v1.columns, v1.rows) == (digest, columns, 2)
    assert services.load_table(v1).df.to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}
    assert services.load_table(_version(second, 2)).df.to_dict("list") == {"a": [3], "b": ["z"], "c": [1.5]}
    single = api.get(f"/api/v1/datasets/{first['id']}/versions/1/").json()
    assert single["rows"] == 2 and single["reference"] == f"{first['id']}@1"
    preview = api.get(f"/api/v1/datasets/{first['id']}/preview/?version=1").json()
    assert preview["data"] == [[1, "x"], [2, "y"]]
    assert api.get(f"/api/v1/datasets/{first['id']}/preview/").json()["version"] == 2


def test_column_edit_makes_a_new_version(api) -> None:
    body = upload_ok(
        api, "people.csv", "id,flag,amount,label,when\n1,yes,10,a,2024-01-02\n2,no,20,b,2024/02/03\n"
    )
    url = f"/api/v1/datasets/{body['id']}/versions/1/columns/"
    response = api.patch(
        url,
        {
            "columns": [
                {"name": "flag", "type": "boolean"},
                {"name": "amount", "type": "double", "is_feature": True},
                {"name": "label", "type": "categorical", "is_label": True},
                {"name": "id", "is_feature": False},
                {"name": "when", "type": "datetime"},
            ]
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["number"] == 2 and created["source"] == "edit" and created["derived_from"] == 1
    columns = {c["name"]: c for c in created["columns"]}
    assert {n: c["type"] for n, c in columns.items()} == {
        "id": "integer",
        "flag": "boolean",
        "amount": "double",
        "label": "categorical",
        "when": "datetime",
    }
    assert (
        columns["label"]["is_label"] and columns["label"]["categorical"] and not columns["id"]["is_feature"]
    )
    table = services.load_table(_version(body, 2))
    assert table.df["flag"].tolist() == [True, False] and table.df["amount"].tolist() == [10.0, 20.0]
    assert table.label_column == "label"
    assert table.df["when"].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-02-03")]
    # Version 1 is as it was.
    assert services.load_table(_version(body, 1)).df["flag"].tolist() == ["yes", "no"]


@pytest.mark.parametrize(
    ("change", "code", "fragment"),
    [
        ({"name": "nope", "type": "double"}, "unknown_column", "no column 'nope'"),
        ({"name": "word", "type": "double"}, "invalid_conversion", "'abc' is not a number"),
        ({"name": "half", "type": "integer"}, "invalid_conversion", "not a whole number"),
        ({"name": "gap", "type": "integer"}, "invalid_conversion", "1 missing value"),
        ({"name": "word", "type": "boolean"}, "invalid_conversion", "true/false"),
        ({"name": "word", "type": "datetime"}, "invalid_conversion", "'abc' is not a date"),
        ({"name": "word", "type": "complex"}, "invalid", "columns"),
    ],
)
def test_column_edit_errors_name_the_column_and_value(api, change, code, fragment) -> None:
    body = upload_ok(api, "t.csv", "word,half,gap\nabc,1.5,1\ndef,2.0,\n")
    response = api.patch(
        f"/api/v1/datasets/{body['id']}/versions/1/columns/",
        {"columns": [change]},
        content_type="application/json",
    )
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == code and fragment in error["message"], error
    assert DatasetVersion.objects.filter(dataset_id=body["id"]).count() == 1


def test_only_one_label(api) -> None:
    body = upload_ok(api, "t.csv", "a,b\n1,2\n")
    response = api.patch(
        f"/api/v1/datasets/{body['id']}/versions/1/columns/",
        {"columns": [{"name": "a", "is_label": True}, {"name": "b", "is_label": True}]},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "several_labels"


def test_references_resolve_only_in_their_workspace(api, user, other_api, django_user_model) -> None:
    body = upload_ok(api, "sales.csv", "a\n1\n")
    upload_ok(api, "sales.csv", "a\n2\n")
    workspace = personal_workspace(user).pk
    store = services.dataset_store(workspace)
    assert store.load(f"{body['id']}@1").df["a"].tolist() == [1]
    assert store.load(body["id"]).df["a"].tolist() == [2]  # the latest
    assert store.load(f"{body['id'].upper()}@latest").df["a"].tolist() == [2]
    assert services.pin_reference(workspace, body["id"]) == f"{body['id']}@2"
    other = personal_workspace(django_user_model.objects.get(username="someone-else")).pk
    for reference, where in [
        (f"{body['id']}@1", other),
        (f"{body['id']}@3", workspace),
        ("not a reference", workspace),
        ("", workspace),
        (f"{body['id']}@1", None),
    ]:
        with pytest.raises(LookupError):
            services.dataset_store(where).load(reference)
    # Import Data turns the LookupError into its clear "dataset_not_found".
    module = get_module(services.IMPORT_DATA)
    params = module.validate_params({"data_source": "Registered dataset", "dataset": f"{body['id']}@1"})
    ctx = RunContext(seed=0, services={"datasets": services.dataset_store(other)})
    with pytest.raises(ModuleError) as refused:
        module.execute(ctx, params)
    assert refused.value.code == "dataset_not_found"
    ctx = RunContext(seed=0, services={"datasets": store})
    assert module.execute(ctx, params)["results_dataset"].df["a"].tolist() == [1]


def test_import_data_pins_latest_references_for_the_engine(api, user) -> None:
    from modules.sdk import get_module

    import_data = get_module(services.IMPORT_DATA)
    body = upload_ok(api, "sales.csv", "a\n1\n")
    workspace = personal_workspace(user).pk
    store = {"datasets": services.dataset_store(workspace)}
    params = {"data_source": "Registered dataset", "dataset": body["id"]}
    assert import_data.pin_params(params, store)["dataset"] == f"{body['id']}@1"
    upload_ok(api, "sales.csv", "a\n2\n")
    assert import_data.pin_params(params, store)["dataset"] == f"{body['id']}@2"
    pinned = {**params, "dataset": f"{body['id']}@1"}
    assert import_data.pin_params(pinned, store) == pinned
    sample = {"data_source": "Sample dataset", "dataset": body["id"]}
    assert import_data.pin_params(sample, store) == sample
    assert get_module("data_transformation.add_columns").pin_params(params, store) == params
    assert services.reference_schema(workspace, body["id"])[0]["name"] == "a"
    assert services.reference_schema(workspace, "nothing") is None


def test_export_data_saves_a_new_version(api, user) -> None:
    body = upload_ok(api, "scores.csv", "a\n1\n")
    store = services.dataset_store(personal_workspace(user).pk)
    table = DataTable(pd.DataFrame({"a": [5, 6], "s": [0.5, 0.25]})).with_meta("s", is_score=True)
    reference = store.save(table, "scores")
    assert reference == f"{body['id']}@2"
    version = _version(body, 2)
    assert version.source == "pipeline" and version.rows == 2
    assert store.load(reference).meta["s"].is_score  # the flags travel with the table
    new = store.save(table, "brand new")
    assert new.endswith("@1") and Dataset.objects.filter(name="brand new").exists()
    with pytest.raises(ModuleError) as refused:
        store.save(table, "../escape")
    assert refused.value.code == "invalid_name"


def _delete(api, url: str, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return api.delete(url)


def test_a_version_used_by_a_pipeline_cannot_be_deleted(
    api, engine_api, user, django_capture_on_commit_callbacks
) -> None:
    body = upload_ok(api, "sales.csv", "a\n1\n")
    upload_ok(api, "sales.csv", "a\n2\n")
    upload_ok(api, "sales.csv", "a\n3\n")
    pipeline_id = engine_api.create_pipeline(_import_graph(f"{body['id']}@1"), name="Churn model")
    base = f"/api/v1/datasets/{body['id']}"
    refused = _delete(api, f"{base}/versions/1/", django_capture_on_commit_callbacks)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert (
        error["code"] == "dataset_in_use"
        and "'Churn model'" in error["message"]
        and "'imp'" in error["message"]
    )
    assert _delete(api, f"{base}/", django_capture_on_commit_callbacks).status_code == 409
    assert DatasetVersion.objects.filter(dataset_id=body["id"]).count() == 3
    # "The latest" uses whichever version is the latest now.
    pipeline = Pipeline.objects.get(pk=pipeline_id)
    graphs.save_draft(pipeline, _import_graph(body["id"]))
    assert _delete(api, f"{base}/versions/3/", django_capture_on_commit_callbacks).status_code == 409
    assert _delete(api, f"{base}/versions/1/", django_capture_on_commit_callbacks).status_code == 204
    # A frozen pipeline version (what every run is made from) counts too.
    graphs.freeze_version(pipeline, _import_graph(f"{body['id']}@2"))
    graphs.save_draft(pipeline, g.graph([], []))
    refused = _delete(api, f"{base}/versions/2/", django_capture_on_commit_callbacks)
    assert (
        refused.status_code == 409
        and "version 1 of pipeline 'Churn model'" in refused.json()["error"]["message"]
    )
    # Other data sources that happen to mention the id do not count.
    graphs.freeze_version(
        pipeline, g.graph([g.node("imp", services.IMPORT_DATA, data_source="Sample dataset")], [])
    )
    Pipeline.objects.get(pk=pipeline_id).versions.filter(number=1).delete()
    assert _delete(api, f"{base}/versions/2/", django_capture_on_commit_callbacks).status_code == 204


def test_in_use_hook_lets_other_apps_protect_versions(api, django_capture_on_commit_callbacks) -> None:
    body = upload_ok(api, "sales.csv", "a\n1\n")

    def used_by_endpoint(version: DatasetVersion) -> str | None:
        return (
            f"Version {version.number} is used by endpoint 'scorer'."
            if version.dataset.name == "sales"
            else None
        )

    services.register_in_use_check(used_by_endpoint)
    try:
        response = _delete(
            api, f"/api/v1/datasets/{body['id']}/versions/1/", django_capture_on_commit_callbacks
        )
        assert response.status_code == 409 and "endpoint 'scorer'" in response.json()["error"]["message"]
    finally:
        services._in_use_checks.remove(used_by_endpoint)


def test_deleting_frees_bytes_unless_another_version_shares_them(
    api, artifact_root, django_capture_on_commit_callbacks
) -> None:
    first = upload_ok(api, "one.csv", "a\n1\n")
    upload_ok(api, "one.csv", "a\n2\n")
    twin = upload_ok(api, "twin.csv", "a\n1\n")  # the same table: the same artifact
    shared, only = _version(first, 1).digest, _version(first, 2).digest
    assert _version(twin, 1).digest == shared
    path = artifacts.store().path
    assert (
        _delete(
            api, f"/api/v1/datasets/{first['id']}/versions/2/", django_capture_on_commit_callbacks
        ).status_code
        == 204
    )
    assert not path(only).exists() and not Artifact.objects.filter(digest=only).exists()
    assert (
        _delete(api, f"/api/v1/datasets/{first['id']}/", django_capture_on_commit_callbacks).status_code
        == 204
    )
    assert not Dataset.objects.filter(pk=first["id"]).exists()
    assert path(shared).exists(), "twin still uses these bytes"
    assert services.load_table(_version(twin, 1)).df["a"].tolist() == [1]
    response = _delete(api, f"/api/v1/datasets/{twin['id']}/versions/1/", django_capture_on_commit_callbacks)
    assert response.status_code == 204 and response["X-Dataset-Deleted"] == "true"
    assert not path(shared).exists() and not Artifact.objects.exists()
    assert not Dataset.objects.exists() and not any(p.is_file() for p in artifact_root.rglob("*"))


def test_bytes_shared_with_a_run_output_are_kept(api, engine_api, django_capture_on_commit_callbacks) -> None:
    from designer.runs.models import Step

    body = upload_ok(api, "one.csv", "a\n1\n")
    digest = _version(body, 1).digest
    sample = g.graph([g.node("imp", services.IMPORT_DATA, data_source="Sample dataset")], [])
    run = engine_api.submit(engine_api.create_pipeline(sample))
    # Import Data of a registered dataset hands on the very bytes it loaded.
    Step.objects.filter(run_id=run["id"]).update(outputs={"results_dataset": digest})
    assert (
        _delete(api, f"/api/v1/datasets/{body['id']}/", django_capture_on_commit_callbacks).status_code == 204
    )
    assert artifacts.store().path(digest).exists()


def test_version_numbers_are_never_reused(api, django_capture_on_commit_callbacks) -> None:
    body = upload_ok(api, "s.csv", "a\n1\n")
    upload_ok(api, "s.csv", "a\n2\n")
    assert (
        _delete(
            api, f"/api/v1/datasets/{body['id']}/versions/2/", django_capture_on_commit_callbacks
        ).status_code
        == 204
    )
    assert upload_ok(api, "s.csv", "a\n3\n")["version"]["number"] == 3
    missing = api.delete(f"/api/v1/datasets/{body['id']}/versions/2/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "version_not_found"


def test_readers_cannot_delete_or_edit(api, other_api, user, django_user_model) -> None:
    from designer.workspaces.models import Membership

    body = upload_ok(api, "s.csv", "a\n1\n")
    reader = django_user_model.objects.get(username="someone-else")
    Membership.objects.create(workspace=personal_workspace(user), user=reader, role=Membership.Role.READER)
    assert other_api.get(f"/api/v1/datasets/{body['id']}/").status_code == 200
    assert other_api.delete(f"/api/v1/datasets/{body['id']}/versions/1/").status_code == 403
    response = other_api.patch(
        f"/api/v1/datasets/{body['id']}/versions/1/columns/",
        {"columns": [{"name": "a", "type": "double"}]},
        content_type="application/json",
    )
    assert response.status_code == 403
