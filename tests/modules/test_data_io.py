"""Data input/output modules against pandas, sqlite3 and scikit-learn called directly, and their refusals."""

from __future__ import annotations

import http.server
import io
import ipaddress
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_svmlight_file

from modules.data_io import http_fetch
from modules.data_io.import_data import ImportData
from modules.data_io.parsing import parse_bytes
from modules.data_io.samples import SAMPLES, load_sample, sample_catalogue
from modules.data_io.sql_source import read_query
from modules.sdk import DataTable, ModuleError, RunContext, codecs, get_module
from tests.modules import data
from tests.modules.examples.data_io import MemoryDatasetStore, MemoryFileStore

ENTER = get_module("data_input_output.enter_data_manually")
EXPORT = get_module("data_input_output.export_data")


def _error(call, *args: Any, **kwargs: Any) -> ModuleError:
    with pytest.raises(ModuleError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- samples ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.slug)
def test_every_sample_loads_with_its_label_and_survives_the_codec(sample) -> None:
    table = load_sample(sample.slug)
    assert len(table) > 0 and sample.label_column in table.columns
    assert all(sample.describe()[key] for key in ("title", "description", "task", "source", "licence"))
    restored = codecs.table_from_bytes(codecs.table_to_bytes(table))
    pd.testing.assert_frame_equal(restored.df, table.df)
    assert not any(pd.api.types.is_object_dtype(t) for t in table.df.dtypes), "text is stored as strings"


def test_sample_catalogue_lists_each_sample_once_without_loaders() -> None:
    catalogue = sample_catalogue()
    assert [entry["slug"] for entry in catalogue] == [s.slug for s in SAMPLES]
    assert {"penguins", "iris", "wine", "breast-cancer", "diabetes", "cars"} <= {e["slug"] for e in catalogue}
    assert all("loader" not in entry for entry in catalogue)


def test_samples_match_their_source_packages() -> None:
    from palmerpenguins import load_penguins
    from sklearn.datasets import load_wine

    penguins = load_sample("penguins").df
    pd.testing.assert_frame_equal(penguins, load_penguins(), check_dtype=False)
    wine = load_sample("wine").df
    np.testing.assert_array_equal(wine.drop(columns="cultivar").to_numpy(), load_wine().data)
    cars = load_sample("cars").df
    assert cars["Year"].between(1970, 1982).all() and cars["Miles_per_Gallon"].isna().sum() == 8


def test_import_sample_dataset_gives_a_fresh_copy_each_time() -> None:
    params = {"data_source": "Sample dataset", "sample_dataset": "iris"}
    first = ImportData.execute(RunContext(), params)["results_dataset"]
    first.df.iloc[0, 0] = -1.0
    second = ImportData.execute(RunContext(), params)["results_dataset"]
    pd.testing.assert_frame_equal(second.df, data.iris().df)


# -- registered datasets ---------------------------------------------------------------------------


def test_import_registered_dataset_keeps_values_and_metadata() -> None:
    labelled = data.penguins().with_meta("species", is_label=True)
    ctx = RunContext(services={"datasets": MemoryDatasetStore({"penguins@3": labelled})})
    out = ImportData.execute(ctx, {"data_source": "Registered dataset", "dataset": "penguins@3"})
    table = out["results_dataset"]
    pd.testing.assert_frame_equal(table.df, labelled.df)
    assert table.label_column == "species"


def test_import_registered_dataset_errors() -> None:
    ctx = RunContext(services={"datasets": MemoryDatasetStore()})
    assert _error(ImportData.execute, ctx, {"dataset": "nope@1"}).code == "dataset_not_found"
    assert _error(ImportData.execute, ctx, {}).parameter == "dataset"
    assert _error(ImportData.execute, RunContext(), {"dataset": "x@1"}).code == "service_unavailable"


def test_import_data_is_cacheable_except_live_sources_asked_to_regenerate() -> None:
    assert ImportData.deterministic is False
    assert ImportData.is_deterministic(ImportData.validate_params({"dataset": "x@1"}))
    assert ImportData.is_deterministic(ImportData.validate_params({"data_source": "URL via HTTP"}))
    live = ImportData.validate_params({"data_source": "SQL database", "regenerate_output": True})
    assert not ImportData.is_deterministic(live)
    assert EXPORT.is_deterministic(EXPORT.validate_params({})) and EXPORT.training_only


# -- URL via HTTP ----------------------------------------------------------------------------------

IRIS_CSV = data.iris().df.to_csv(index=False).encode()


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        status, headers, body = self.routes.get(self.path, (404, {}, b"not found"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def local_server() -> Iterator[str]:
    _Handler.routes = {
        "/iris.csv": (200, {}, IRIS_CSV),
        "/moved": (302, {"Location": "/iris.csv"}, b""),
        "/to-internal": (302, {"Location": "http://internal.example/secret"}, b""),
    }
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_import_from_a_local_server_is_refused(local_server: str) -> None:
    params = {"data_source": "URL via HTTP", "url": f"{local_server}/iris.csv"}
    error = _error(ImportData.execute, RunContext(), params)
    assert error.code == "url_address_not_allowed" and error.parameter == "url"
    port = local_server.rsplit(":", 1)[1]
    error = _error(ImportData.execute, RunContext(), {**params, "url": f"http://localhost:{port}/iris.csv"})
    assert error.code == "url_address_not_allowed"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert http_fetch.public_address_only(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "151.101.1.69", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert http_fetch.public_address_only(ipaddress.ip_address(address)) is None


def _allow_all(address: Any) -> None:
    return None


def test_fetch_and_parse_when_the_address_check_allows_it(local_server: str) -> None:
    body = http_fetch.fetch_url(
        f"{local_server}/iris.csv", max_bytes=10**6, timeout=5, address_policy=_allow_all
    )
    assert body == IRIS_CSV
    table = parse_bytes(body, "CSV", parameter="url")
    pd.testing.assert_frame_equal(table.df, pd.read_csv(io.BytesIO(IRIS_CSV)))
    moved = http_fetch.fetch_url(
        f"{local_server}/moved", max_bytes=10**6, timeout=5, address_policy=_allow_all
    )
    assert moved == IRIS_CSV


def test_redirects_are_checked_again(local_server: str) -> None:
    port = int(local_server.rsplit(":", 1)[1])
    names = {
        "public.example": ipaddress.ip_address("127.0.0.1"),
        "internal.example": ipaddress.ip_address("10.0.0.5"),
    }

    def resolver(host: str, _: int) -> list[Any]:
        return [names[host]]

    def loopback_only(address: Any) -> str | None:
        return None if address.is_loopback else "not loopback"

    url = f"http://public.example:{port}/to-internal"
    error = _error(
        http_fetch.fetch_url, url, max_bytes=10**6, timeout=5, address_policy=loopback_only, resolver=resolver
    )
    assert error.code == "url_address_not_allowed" and "10.0.0.5" in error.message


def test_fetch_limits_and_http_errors(local_server: str) -> None:
    fetch = http_fetch.fetch_url
    too_big = _error(fetch, f"{local_server}/iris.csv", max_bytes=100, timeout=5, address_policy=_allow_all)
    assert too_big.code == "download_too_large"
    missing = _error(fetch, f"{local_server}/nothing", max_bytes=10**6, timeout=5, address_policy=_allow_all)
    assert missing.code == "http_error" and "404" in missing.message


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/x.csv",
        "gopher://x",
        "http://",
        "https://user:pw@example.com/a",
    ],
)
def test_only_plain_http_urls_are_accepted(url: str) -> None:
    params = {"data_source": "URL via HTTP", "url": url}
    assert _error(ImportData.execute, RunContext(), params).code == "invalid_url"


def _penguins_as(data_format: str) -> tuple[bytes, pd.DataFrame]:
    """The penguins file in ``data_format``, and what pandas reads back from it."""
    frame = data.penguins().df
    if data_format == "TSV":
        text = frame.to_csv(index=False, sep="\t")
        return text.encode(), pd.read_csv(io.StringIO(text), sep="\t")
    if data_format == "JSON":
        text = frame.to_json(orient="records")
        return text.encode(), pd.DataFrame.from_records(json.loads(text))
    sink = io.BytesIO()
    frame.to_parquet(sink, index=False)
    return sink.getvalue(), frame


@pytest.mark.parametrize("data_format", ["TSV", "JSON", "Parquet"])
def test_url_formats_parse_like_pandas(data_format: str) -> None:
    raw, expected = _penguins_as(data_format)
    pd.testing.assert_frame_equal(parse_bytes(raw, data_format).df, expected)


def test_binary_data_read_as_text_is_a_clear_error() -> None:
    assert _error(parse_bytes, b"\xff\xfe\x00bad", "CSV").code == "not_utf8"
    assert _error(parse_bytes, b"not parquet", "Parquet").code == "invalid_data"


# -- SQL database ----------------------------------------------------------------------------------


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "flowers.db"
    with sqlite3.connect(path) as connection:
        data.iris().df.to_sql("iris", connection, index=False)
    return path


def _sql(tmp_path: Path, url: str, query: str, **params: Any) -> DataTable:
    ctx = RunContext(services={"sqlite_directories": [str(tmp_path)]})
    full = {"data_source": "SQL database", "database_url": url, "sql_query": query, **params}
    return ImportData.execute(ctx, full)["results_dataset"]


def test_sqlite_query_matches_sqlite3(tmp_path: Path, sqlite_file: Path) -> None:
    query = 'SELECT species, AVG("petal length (cm)") AS petal, COUNT(*) AS n FROM iris GROUP BY species'
    table = _sql(tmp_path, "sqlite:///flowers.db", query)
    with sqlite3.connect(sqlite_file) as connection:
        expected = pd.read_sql_query(query, connection)
    pd.testing.assert_frame_equal(table.df, expected, check_dtype=False)
    assert table.df["species"].dtype == "str" and table.df["n"].dtype == "int64"
    absolute = _sql(tmp_path, f"sqlite:///{sqlite_file}", "SELECT * FROM iris")
    pd.testing.assert_frame_equal(absolute.df, data.iris().df)


def test_sqlite_row_limit_keeps_the_first_rows(tmp_path: Path, sqlite_file: Path) -> None:
    table = _sql(tmp_path, "sqlite:///flowers.db", "SELECT * FROM iris", row_limit=7)
    pd.testing.assert_frame_equal(table.df, data.iris().df.head(7))


@pytest.mark.parametrize(
    "query",
    ["DELETE FROM iris", "DROP TABLE iris", "ATTACH DATABASE 'other.db' AS o", "PRAGMA writable_schema=1"],
)
def test_sqlite_is_read_only(tmp_path: Path, sqlite_file: Path, query: str) -> None:
    error = _error(_sql, tmp_path, "sqlite:///flowers.db", query)
    assert error.code == "sql_error" and error.parameter == "sql_query"
    with sqlite3.connect(sqlite_file) as connection:
        assert connection.execute("SELECT COUNT(*) FROM iris").fetchone()[0] == 150


def test_sqlite_files_outside_the_allowed_folders_are_refused(tmp_path: Path, sqlite_file: Path) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    ctx = RunContext(services={"sqlite_directories": [str(allowed)]})
    for url in (f"sqlite:///{sqlite_file}", "sqlite:///../flowers.db"):
        params = {"data_source": "SQL database", "database_url": url, "sql_query": "SELECT 1"}
        assert _error(ImportData.execute, ctx, params).code == "sqlite_not_allowed"
    params = {
        "data_source": "SQL database",
        "database_url": f"sqlite:///{sqlite_file}",
        "sql_query": "SELECT 1",
    }
    assert _error(ImportData.execute, RunContext(), params).code == "sqlite_not_allowed"


def test_sqlite_timeout_interrupts_a_runaway_query(tmp_path: Path, sqlite_file: Path) -> None:
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT MAX(i) FROM n"
    error = _error(
        read_query,
        "sqlite:///flowers.db",
        endless,
        row_limit=10,
        timeout=0.2,
        sqlite_directories=[str(tmp_path)],
    )
    assert error.code == "query_timeout"


def test_other_databases_and_unreachable_servers() -> None:
    mysql = _error(read_query, "mysql://u:p@localhost/db", "SELECT 1", row_limit=1, timeout=1)
    assert mysql.code == "unsupported_database"
    down = _error(read_query, "postgresql://u:p@127.0.0.1:1/db", "SELECT 1", row_limit=1, timeout=2)
    assert down.code == "database_unreachable" and down.parameter == "database_url"


# -- Enter Data Manually ---------------------------------------------------------------------------


def _enter(text: str, **params: Any) -> pd.DataFrame:
    return ENTER.execute(RunContext(), {"data": text, **params})["dataset"].df


def test_csv_and_tsv_read_like_pandas() -> None:
    text = data.penguins().df.head(30).to_csv(index=False)
    pd.testing.assert_frame_equal(_enter(text), pd.read_csv(io.StringIO(text)))
    tsv = text.replace(",", "\t")
    pd.testing.assert_frame_equal(_enter(tsv, data_format="TSV"), pd.read_csv(io.StringIO(tsv), sep="\t"))


def test_without_header_columns_are_numbered() -> None:
    frame = _enter("1,a\n2,b\n", has_header=False)
    assert list(frame.columns) == ["Col1", "Col2"] and frame["Col1"].tolist() == [1, 2]


def test_ragged_rows_name_the_line() -> None:
    error = _error(_enter, "a,b,c\n1,2,3\n4,5\n6,7,8\n")
    assert error.code == "ragged_rows" and "Line 3" in error.message and error.parameter == "data"
    error = _error(_enter, "a,b\n1,2\n3,4,5\n")
    assert error.code == "ragged_rows" and "Line 3 has 3 values" in error.message


def test_quoted_delimiters_are_not_ragged() -> None:
    frame = _enter('name,city\n"Smith, J",Paris\n')
    assert frame["name"].tolist() == ["Smith, J"]


def test_json_forms() -> None:
    expected = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    for text in (
        '[{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]',
        '{"a": [1, 2], "b": ["x", "y"]}',
        '{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}',
    ):
        pd.testing.assert_frame_equal(_enter(text, data_format="JSON"), expected, check_dtype=False)
    assert _error(_enter, '{"a": [1, 2], "b": [1]}', data_format="JSON").code == "ragged_rows"
    assert _error(_enter, "[1, 2", data_format="JSON").code == "invalid_data"


def test_arff_and_svmlight_match_their_readers() -> None:
    arff = "@relation t\n@attribute width numeric\n@attribute kind {a,b}\n@data\n1.5,a\n?,b\n3,?\n"
    frame = _enter(arff, data_format="ARFF")
    assert frame["width"].tolist()[0] == 1.5 and np.isnan(frame["width"][1])
    assert frame["kind"].tolist()[:2] == ["a", "b"] and pd.isna(frame["kind"][2])
    svm = "1 1:0.5 3:2\n0 2:1.25\n"
    features, labels = load_svmlight_file(io.BytesIO(svm.encode()), zero_based="auto")
    frame = _enter(svm, data_format="SvmLight")
    np.testing.assert_array_equal(frame["Label"], labels)
    np.testing.assert_array_equal(frame.drop(columns="Label").to_numpy(), features.toarray())


def test_empty_data_is_refused() -> None:
    assert _error(_enter, "   \n").code == "empty_data"
    assert _error(ENTER.execute, RunContext(), {}).code == "empty_data"


# -- Export Data -----------------------------------------------------------------------------------


def test_export_to_a_new_dataset_version_keeps_the_metadata() -> None:
    store = MemoryDatasetStore()
    table = data.penguins().with_meta("species", is_label=True)
    ctx = RunContext(services={"datasets": store})
    assert EXPORT.execute(ctx, {"dataset_name": "birds"}, dataset=table) == {}
    EXPORT.execute(ctx, {"dataset_name": "birds"}, dataset=table)
    assert sorted(store.tables) == ["birds@1", "birds@2"]
    saved = store.tables["birds@2"]
    pd.testing.assert_frame_equal(saved.df, table.df)
    assert saved.label_column == "species" and saved.df is not table.df


@pytest.mark.parametrize("file_format", ["CSV", "TSV", "Parquet"])
def test_export_to_a_file_matches_pandas(file_format: str) -> None:
    files = MemoryFileStore()
    frame = data.penguins().df
    params = {"destination": "File", "path": "exports/birds", "file_format": file_format}
    EXPORT.execute(RunContext(services={"files": files}), params, dataset=data.penguins())
    name = "exports/birds." + file_format.lower()
    if file_format == "Parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(files.files[name])), frame)
    else:
        separator = "," if file_format == "CSV" else "\t"
        assert files.files[name] == frame.to_csv(index=False, sep=separator).encode()


@pytest.mark.parametrize(
    "path", ["../escape.csv", "a/../../b.csv", "/etc/cron.d/x", "C:/x.csv", "s3://bucket/x", "a\\b.csv", ""]
)
def test_export_refuses_paths_leaving_the_file_area(path: str) -> None:
    ctx = RunContext(services={"files": MemoryFileStore()})
    params = {"destination": "File", "path": path}
    error = _error(EXPORT.execute, ctx, params, dataset=data.iris())
    assert error.code in ("invalid_path", "missing_parameter") and error.parameter == "path"


def test_export_needs_a_name_and_a_store() -> None:
    assert (
        _error(
            EXPORT.execute, RunContext(services={"datasets": MemoryDatasetStore()}), {}, dataset=data.iris()
        ).code
        == "missing_parameter"
    )
    assert (
        _error(EXPORT.execute, RunContext(), {"dataset_name": "x"}, dataset=data.iris()).code
        == "service_unavailable"
    )
