"""Apply SQL Transformation against hostile queries, beyond tests/modules/test_sql.py (which covers
read_csv/read_text, ATTACH of a file, INSTALL/LOAD by name, COPY TO, EXPORT DATABASE, SET, Python
variable lookup, and runaway recursion, cross joins and streamed results)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from modules.sdk import ModuleError, RunContext, get_module
from tests.modules import data

SQL = "data_transformation.apply_sql_transformation"


def refused(sql: str, **params: object) -> ModuleError:
    with pytest.raises(ModuleError) as caught:
        get_module(SQL).execute(RunContext(), {"sql_query_script": sql, **params}, t1=data.iris())
    return caught.value


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_parquet('/etc/designer.parquet')",
        "select * from read_json('/etc/passwd')",
        "select * from read_ndjson_objects('/etc/passwd')",
        "select * from read_blob('/etc/passwd')",
        "select * from read_text('/proc/self/environ')",  # the worker's environment: SECRET_KEY, URLs
        "select * from glob('/etc/*')",
        "select * from sniff_csv('/etc/passwd')",
        "select * from parquet_metadata('/etc/designer.parquet')",
        "select * from read_csv('https://example.com/data.csv')",
        "copy (select 1) to '/tmp/designer_leak.parquet' (format parquet)",
        "import database '/tmp/designer_import'",
        "load '/tmp/designer_evil.duckdb_extension'",
        "install 'https://example.com/evil.duckdb_extension'",
        "create secret (type s3, key_id 'x', secret 'y')",
    ],
)
def test_more_file_network_and_extension_routes_are_refused(sql: str) -> None:
    error = refused(sql)
    assert error.code == "sql_not_allowed" and error.parameter == "sql_query_script", error.message


@pytest.mark.parametrize(
    "sql",
    [
        "reset enable_external_access",
        "set global enable_external_access = true",
        "set lock_configuration = false",
        "pragma memory_limit = '100GB'",
        "pragma threads = 64",
        "set temp_directory = '/tmp/designer_spill'",
    ],
)
def test_settings_cannot_be_reset_or_changed_by_pragma(sql: str) -> None:
    assert refused(sql).code == "sql_not_allowed"


def test_big_sorts_do_not_spill_to_disk_and_stop_at_the_memory_limit(tmp_path: Path) -> None:
    """DuckDB spills to ".tmp" in the current folder by default, external access off or not: the
    query must fail at its memory limit instead of writing outside any sandbox."""
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        started = time.monotonic()
        error = refused(
            "select count(*) from (select range, md5(range::varchar) as s from range(20000000) order by s)",
            memory_limit_mb=64,
        )
    finally:
        os.chdir(here)
    assert error.code == "sql_out_of_memory" and error.parameter == "memory_limit_mb"
    assert list(tmp_path.iterdir()) == [], "nothing written to the current folder"
    assert time.monotonic() - started < 30


def test_memory_hungry_aggregates_stop_at_the_memory_limit() -> None:
    error = refused("select string_agg(repeat('x', 1000), ',') from range(10000000)", memory_limit_mb=64)
    assert error.code in ("sql_out_of_memory", "sql_timeout"), error.message


def test_attaching_in_memory_databases_reaches_nothing() -> None:
    """ATTACH of an in-memory database is allowed (it is empty and private); files stay refused."""
    out = (
        get_module(SQL)
        .execute(
            RunContext(),
            {"sql_query_script": "attach ':memory:' as scratch; select count(*) as n from t1"},
            t1=data.iris(),
        )["result_dataset"]
        .df
    )
    assert out["n"].tolist() == [150]
    assert refused("attach '/etc/passwd' as stolen (read_only)").code == "sql_not_allowed"
