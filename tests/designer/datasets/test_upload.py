"""Uploads of every format come back with exactly the values and types that went in."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from designer.datasets import services
from designer.datasets.models import DatasetVersion
from tests.designer.datasets.conftest import parquet_bytes, upload, upload_ok, xlsx_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("artifact_root")]

EXPECTED = pd.DataFrame(
    {
        "id": [1, 2, 3],
        "name": ["Ann", "Bob", "Cy, Jr."],
        "score": [3.5, np.nan, 4.25],
        "passed": [True, False, True],
        "joined": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-03-15"]),
    }
)
EXPECTED_TYPES = {
    "id": "integer",
    "name": "string",
    "score": "double",
    "passed": "boolean",
    "joined": "datetime",
}

CSV = 'id,name,score,passed,joined\n1,Ann,3.5,True,2024-01-05\n2,Bob,,False,2024-02-10\n3,"Cy, Jr.",4.25,True,2024-03-15\n'
TSV = "id\tname\tscore\tpassed\tjoined\n1\tAnn\t3.5\tTrue\t2024-01-05\n2\tBob\t\tFalse\t2024-02-10\n3\tCy, Jr.\t4.25\tTrue\t2024-03-15\n"
RECORDS = [
    {"id": 1, "name": "Ann", "score": 3.5, "passed": True, "joined": "2024-01-05"},
    {"id": 2, "name": "Bob", "score": None, "passed": False, "joined": "2024-02-10"},
    {"id": 3, "name": "Cy, Jr.", "score": 4.25, "passed": True, "joined": "2024-03-15"},
]


def _files() -> dict[str, tuple[str, bytes, str]]:
    """filename -> (bytes, expected format)"""
    return {
        "people.csv": (CSV.encode(), "csv"),
        "people.tsv": (TSV.encode(), "tsv"),
        "people.parquet": (parquet_bytes(EXPECTED), "parquet"),
        "people.json": (json.dumps(RECORDS).encode(), "json"),
        "people.jsonl": ("\n".join(json.dumps(r) for r in RECORDS).encode() + b"\n", "jsonl"),
        "people.xlsx": (xlsx_bytes(EXPECTED), "xlsx"),
    }


def _stored(body: dict) -> pd.DataFrame:
    version = DatasetVersion.objects.get(dataset_id=body["id"], number=body["version"]["number"])
    return services.load_table(version).df


@pytest.mark.parametrize("filename", list(_files()))
def test_each_format_round_trips_exact_values_and_types(api, filename) -> None:
    data, fmt = _files()[filename]
    body = upload_ok(api, filename, data, name="people", description="three people")
    version = body["version"]
    assert body["name"] == "people" and body["description"] == "three people"
    assert version["number"] == 1 and version["format"] == fmt and version["rows"] == 3
    assert version["filename"] == filename and version["size"] == len(data)
    assert version["reference"] == f"{body['id']}@1" and body["reference"] == body["id"]
    assert {c["name"]: c["type"] for c in version["columns"]} == EXPECTED_TYPES
    assert version["profile_status"] == "pending"
    stored = _stored(body)
    assert list(stored.columns) == list(EXPECTED.columns)
    pd.testing.assert_frame_equal(stored, EXPECTED, check_dtype=False)
    assert (
        stored["id"].dtype == "int64"
        and stored["score"].dtype == "float64"
        and stored["passed"].dtype == bool
    )


def test_csv_detects_encoding_and_delimiter(api) -> None:
    text = "name;price;city\nJosé;1,5;Zürich\nZoë;2;Köln\n€uro;3;Besançon\n"
    body = upload_ok(api, "cp1252.csv", text.encode("cp1252"))
    version = body["version"]
    assert (version["encoding"], version["delimiter"]) == ("cp1252", ";")
    assert body["name"] == "cp1252"  # the name defaults to the file name without its extension
    stored = _stored(body)
    assert stored["name"].tolist() == ["José", "Zoë", "€uro"]
    assert stored["city"].tolist() == ["Zürich", "Köln", "Besançon"]
    assert stored["price"].tolist() == [1.5, 2.0, 3.0]  # decimal commas, as ';'-separated files write them


@pytest.mark.parametrize(
    ("encoding", "expected"), [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("utf-8", "utf-8")]
)
def test_csv_unicode_encodings(api, encoding, expected) -> None:
    text = "größe\tnom\n1\tœuf\n2\t日本\n"
    body = upload_ok(api, "unicode.tsv", text.encode(encoding))
    assert body["version"]["encoding"] == expected
    stored = _stored(body)
    assert list(stored.columns) == ["größe", "nom"]  # no byte order mark in the first name
    assert stored["nom"].tolist() == ["œuf", "日本"]


def test_latin1_bytes_that_cp1252_cannot_read(api) -> None:
    body = upload_ok(api, "latin.csv", "a,b\n1,x\x81y\n".encode("latin-1"))
    assert body["version"]["encoding"] == "latin-1"
    assert _stored(body)["b"].tolist() == ["x\x81y"]


def test_json_object_of_columns_and_nested_values(api) -> None:
    body = upload_ok(api, "cols.json", json.dumps({"a": [1, 2], "b": [{"k": 1}, [1, 2]], "c": [1, "x"]}))
    stored = _stored(body)
    assert stored["a"].tolist() == [1, 2]
    assert stored["b"].tolist() == ['{"k": 1}', "[1, 2]"]  # a cell holds one value: nested JSON stays text
    assert stored["c"].tolist() == ["1", "x"]  # mixed numbers and text read as text


def test_json_lines_in_a_json_file(api) -> None:
    body = upload_ok(api, "lines.json", '{"a": 1}\n{"a": 2, "b": "x"}\n')
    assert body["version"]["format"] == "jsonl"
    stored = _stored(body)
    assert stored["a"].tolist() == [1, 2] and stored["b"].isna().tolist() == [True, False]


def test_declared_format_overrides_the_extension(api) -> None:
    body = upload_ok(api, "export.dat", "a|b\n1|2\n", format="csv")
    assert body["version"]["delimiter"] == "|"
    assert _stored(body).to_dict("list") == {"a": [1], "b": [2]}


def test_xlsx_drops_empty_unnamed_columns_and_keeps_mixed_as_text(api) -> None:
    frame = pd.DataFrame({"code": [1, "B2", 3], "value": [1.5, 2.5, 3.5], "": [None, None, None]})
    body = upload_ok(api, "sheet.xlsx", xlsx_bytes(frame))
    stored = _stored(body)
    assert list(stored.columns) == ["code", "value"]
    assert stored["code"].tolist() == ["1", "B2", "3"]


def test_list_detail_filter_and_workspace_scoping(api, other_api) -> None:
    first = upload_ok(api, "alpha.csv", "a\n1\n")
    upload_ok(api, "beta.csv", "a\n2\n")
    upload_ok(other_api, "alpha.csv", "a\n3\n")
    listed = api.get("/api/v1/datasets/").json()
    assert sorted(d["name"] for d in listed) == ["alpha", "beta"]
    assert [d["name"] for d in api.get("/api/v1/datasets/?name=alpha").json()] == ["alpha"]
    assert [d["name"] for d in api.get("/api/v1/datasets/?search=ET").json()] == ["beta"]
    workspace = first["workspace"]
    assert len(api.get(f"/api/v1/datasets/?workspace={workspace}").json()) == 2
    assert api.get("/api/v1/datasets/?workspace=mine").status_code == 400
    alpha = next(d for d in listed if d["name"] == "alpha")
    assert alpha["latest_version"]["number"] == 1 and alpha["version_count"] == 1
    detail = api.get(f"/api/v1/datasets/{first['id']}/").json()
    assert [v["number"] for v in detail["versions"]] == [1]
    # Another user's datasets are not visible, not even by id.
    assert other_api.get(f"/api/v1/datasets/{first['id']}/").status_code == 404
    assert other_api.get(f"/api/v1/datasets/{first['id']}/preview/").status_code == 404
    assert other_api.delete(f"/api/v1/datasets/{first['id']}/").status_code == 404


def test_preview_returns_first_rows_with_types(api) -> None:
    rows = "\n".join(f"{i},{i * 0.5},n{i}" for i in range(250))
    body = upload_ok(api, "many.csv", "i,half,label\n" + rows + "\n")
    preview = api.get(f"/api/v1/datasets/{body['id']}/preview/?version=1&rows=5").json()
    assert preview["version"] == 1 and preview["rows"] == 250
    assert [(c["name"], c["type"]) for c in preview["columns"]] == [
        ("i", "integer"),
        ("half", "double"),
        ("label", "string"),
    ]
    assert preview["data"] == [[i, i * 0.5, f"n{i}"] for i in range(5)]
    assert len(api.get(f"/api/v1/datasets/{body['id']}/preview/").json()["data"]) == 100
    missing = api.get(f"/api/v1/datasets/{body['id']}/preview/?version=9")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "version_not_found"


def test_upload_needs_a_file_and_a_writable_workspace(api, other_api, user) -> None:
    response = api.post("/api/v1/datasets/", {"name": "nothing"})
    assert response.status_code == 400 and response.json()["error"]["field"] == "file"
    from designer.workspaces.services import personal_workspace

    theirs = personal_workspace(user).pk
    refused = upload(other_api, "x.csv", "a\n1\n", workspace=str(theirs))
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "workspace"


def test_anonymous_users_cannot_upload_or_list(client) -> None:
    assert client.get("/api/v1/datasets/").status_code == 403
    assert upload(client, "a.csv", "a\n1\n").status_code == 403
