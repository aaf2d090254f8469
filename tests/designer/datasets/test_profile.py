"""Profiles: pandas' numbers on the same data, computed once per version, 202 while pending."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from designer.datasets import profiling, services
from designer.datasets.models import DatasetVersion
from tests.designer.datasets.conftest import parquet_bytes, upload_ok

RNG = np.random.default_rng(7)
N = 500
FRAME = pd.DataFrame(
    {
        "age": RNG.integers(18, 90, N),
        "income": np.where(RNG.random(N) < 0.1, np.nan, RNG.normal(50_000, 12_000, N)),
        "city": RNG.choice(["Oslo", "Lima", "Pune", "Kyiv", None], N),
        "member": RNG.random(N) < 0.3,
        "seen": pd.to_datetime("2024-01-01") + pd.to_timedelta(RNG.integers(0, 365, N), unit="D"),
        "grade": pd.Categorical(RNG.choice(list("ABCDEFGHIJKL"), N)),
    }
)


def _by_name(profile: dict) -> dict[str, dict]:
    return {c["name"]: c for c in profile["columns"]}


def _check_against_pandas(profile: dict, frame: pd.DataFrame) -> None:
    columns = _by_name(profile)
    assert profile["rows"] == len(frame) and list(columns) == list(frame.columns)
    for name, stats in columns.items():
        series = frame[name]
        assert stats["count"] == int(series.notna().sum()), name
        assert stats["missing"] == int(series.isna().sum()), name
        assert stats["distinct"] == int(series.nunique()), name
        counts = series.value_counts()
        counts = counts[counts > 0].head(profiling.TOP_VALUES)
        assert [t["count"] for t in stats["top_values"]] == counts.tolist(), name
    for name in ("age", "income"):
        stats, series = columns[name], frame[name].dropna().astype("float64")
        assert stats["mean"] == pytest.approx(series.mean(), rel=1e-12)
        assert stats["std"] == pytest.approx(series.std(), rel=1e-12)
        assert stats["min"] == series.min() and stats["max"] == series.max()
        for q in profiling.QUANTILES:
            assert stats["quantiles"][str(q)] == pytest.approx(series.quantile(q), rel=1e-12)
        counts, edges = np.histogram(series, bins=min(profiling.HISTOGRAM_BINS, series.nunique()))
        assert stats["histogram"]["counts"] == counts.tolist()
        assert stats["histogram"]["edges"] == pytest.approx(edges.tolist())
    city = columns["city"]
    assert city["type"] == "string"
    assert {t["value"]: t["count"] for t in city["top_values"]} == frame["city"].value_counts().to_dict()
    assert sum(city["histogram"]["counts"]) + city["histogram"]["other"] == city["count"]
    seen = columns["seen"]
    assert seen["type"] == "datetime"
    assert seen["min"] == frame["seen"].min().isoformat() and seen["max"] == frame["seen"].max().isoformat()
    assert sum(seen["histogram"]["counts"]) == N
    grade = columns["grade"]
    assert grade["type"] == "categorical" and grade["distinct"] == frame["grade"].nunique()
    assert grade["histogram"]["other"] == N - sum(grade["histogram"]["counts"])
    assert columns["member"]["type"] == "boolean"
    assert {t["value"]: t["count"] for t in columns["member"]["top_values"]} == {
        bool(k): v for k, v in frame["member"].value_counts().items()
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("artifact_root")
def test_profile_numbers_equal_pandas(api) -> None:
    body = upload_ok(api, "people.parquet", parquet_bytes(FRAME))
    url = f"/api/v1/datasets/{body['id']}/profile/?version=1"
    pending = api.get(url)
    assert pending.status_code == 202 and pending.json()["status"] == "pending"
    version = DatasetVersion.objects.get(dataset_id=body["id"], number=1)
    assert services.compute_profile(version.pk) == "ready"
    response = api.get(url)
    assert response.status_code == 200 and response.json()["status"] == "ready"
    _check_against_pandas(response.json()["profile"], services.load_table(version).df)
    # Computed once: a second job leaves it as it is.
    DatasetVersion.objects.filter(pk=version.pk).update(profile={"rows": -1, "columns": []})
    assert services.compute_profile(version.pk) == "ready"
    assert api.get(url).json()["profile"]["rows"] == -1


@pytest.mark.django_db
@pytest.mark.usefixtures("artifact_root")
def test_profile_of_a_version_that_cannot_be_read_is_failed_with_the_reason(api) -> None:
    body = upload_ok(api, "x.csv", "a\n1\n")
    version = DatasetVersion.objects.get(dataset_id=body["id"], number=1)
    DatasetVersion.objects.filter(pk=version.pk).update(digest="0" * 64)
    assert services.compute_profile(version.pk) == "failed"
    failed = api.get(f"/api/v1/datasets/{body['id']}/profile/").json()
    assert failed["status"] == "failed" and "FileNotFoundError" in failed["error"]
    # Once the cause is fixed, POST queues the job again.
    DatasetVersion.objects.filter(pk=version.pk).update(digest=version.digest)
    again = api.post(f"/api/v1/datasets/{body['id']}/profile/")
    assert again.status_code == 202 and again.json()["status"] == "pending"
    assert services.compute_profile(version.pk) == "ready"
    assert api.post(f"/api/v1/datasets/{body['id']}/profile/").json()["status"] == "ready"


def test_profile_of_all_missing_and_infinite_columns_is_valid_json() -> None:
    from modules.sdk import DataTable

    frame = pd.DataFrame({"empty": [np.nan, np.nan], "inf": [np.inf, 1.0], "text": [None, None]})
    profile = profiling.profile_table(DataTable(frame))
    import json

    json.dumps(profile, allow_nan=False)
    columns = _by_name(profile)
    assert columns["empty"]["count"] == 0 and "mean" not in columns["empty"]
    assert columns["inf"]["max"] is None  # infinity is not JSON: shown as null
    assert columns["inf"]["histogram"]["counts"] == [1]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_profile_job_runs_on_the_worker(api, celery_worker) -> None:
    body = upload_ok(api, "people.parquet", parquet_bytes(FRAME))
    url = f"/api/v1/datasets/{body['id']}/profile/"
    deadline = time.monotonic() + 60
    response = api.get(url)
    while response.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.1)
        response = api.get(url)
    assert response.status_code == 200, response.json()
    version = DatasetVersion.objects.get(dataset_id=body["id"], number=1)
    _check_against_pandas(response.json()["profile"], services.load_table(version).df)
