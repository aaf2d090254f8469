"""Apply SQL Transformation: results against pandas, and the locked-down database refusing escapes."""

from __future__ import annotations

import threading
import time
from typing import Any

import pandas as pd
import pytest

from modules.sdk import CancelledError, DataTable, ModuleError, RunContext, get_module
from tests.modules import data

SQL = "data_transformation.apply_sql_transformation"


def query(sql: str, ctx: RunContext | None = None, **tables: Any) -> pd.DataFrame:
    return (
        get_module(SQL).execute(ctx or RunContext(), {"sql_query_script": sql}, **tables)["result_dataset"].df
    )


def refused(sql: str, **params: Any) -> ModuleError:
    with pytest.raises(ModuleError) as caught:
        get_module(SQL).execute(RunContext(), {"sql_query_script": sql, **params}, t1=data.penguins())
    return caught.value


def test_default_query_returns_t1_unchanged_with_its_metadata() -> None:
    penguins = data.penguins().with_meta("species", is_label=True)
    out = get_module(SQL).execute(RunContext(), {}, t1=penguins)["result_dataset"]
    pd.testing.assert_frame_equal(out.df, penguins.df)
    assert out.meta["species"].is_label


def test_group_filter_and_join_match_pandas() -> None:
    penguins, iris = data.penguins(), data.iris()
    sql = """
        create temp table heavy as select * from t1 where body_mass_g > 4000;
        select species, island, count(*) as n, avg(bill_length_mm) as mean_bill, max(flipper_length_mm) as top
        from heavy group by species, island order by species, island
    """
    out = query(sql, t1=penguins)
    heavy = penguins.df[penguins.df["body_mass_g"] > 4000]
    expected = (
        heavy.groupby(["species", "island"])
        .agg(n=("species", "size"), mean_bill=("bill_length_mm", "mean"), top=("flipper_length_mm", "max"))
        .reset_index()
    )
    pd.testing.assert_frame_equal(out, expected, check_dtype=False, rtol=1e-12)

    sizes = pd.DataFrame({"species": ["Adelie", "Gentoo", "Chinstrap"], "rank": [2, 1, 3]})
    joined = query(
        'select t1.species, t2."rank", t3.species as iris_species from t1 join t2 using (species) '
        "cross join (select distinct species from t3 where species = 'setosa') t3 order by t2.\"rank\", t1.year limit 5",
        t1=penguins,
        t2=DataTable(sizes),
        t3=iris,
    )
    gentoo = penguins.df[penguins.df["species"] == "Gentoo"].sort_values("year", kind="stable").head(5)
    assert joined["species"].tolist() == gentoo["species"].tolist()
    assert joined["rank"].tolist() == [1] * 5 and joined["iris_species"].tolist() == ["setosa"] * 5


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_csv('/etc/passwd')",
        "select * from read_text('/etc/hostname')",
        "attach '/tmp/designer_attack.db' as other",
        "install httpfs",
        "load httpfs",
        "copy t1 to '/tmp/designer_leak.csv'",
        "export database '/tmp/designer_leak'",
        "set enable_external_access = true",
        "set memory_limit = '100GB'",
    ],
)
def test_files_databases_extensions_and_settings_are_refused(sql: str) -> None:
    error = refused(sql)
    assert error.code == "sql_not_allowed" and error.parameter == "sql_query_script"


def test_python_variables_are_not_visible_to_queries() -> None:
    secret_frame = pd.DataFrame({"password": ["hunter2"]})  # noqa: F841 - what a replacement scan would find
    error = refused("select * from secret_frame")
    assert error.code == "sql_error" and "secret_frame" in error.message


@pytest.mark.parametrize(
    "sql",
    [
        "with recursive r(n) as (select 1 union all select n + 1 from r) select count(*) from r",
        "select count(*) from range(1000000000) a cross join range(1000000000) b",
        # Rows trickle out while the result streams to Python: the interrupt arrives through Arrow.
        "select range from range(100000000000) where range % 1000000007 = 0",
    ],
)
def test_runaway_queries_stop_at_the_timeout(sql: str) -> None:
    started = time.monotonic()
    error = refused(sql, timeout_seconds=1)
    assert error.code == "sql_timeout" and error.parameter == "timeout_seconds"
    assert time.monotonic() - started < 10


def test_results_bigger_than_the_memory_limit_are_refused() -> None:
    error = refused("select range as a, range * 2 as b from range(100000000)", memory_limit_mb=64)
    assert error.code == "sql_out_of_memory" and error.parameter == "memory_limit_mb"


def test_cancel_interrupts_a_running_query() -> None:
    ctx = RunContext()
    threading.Timer(0.3, ctx.cancel_event.set).start()
    with pytest.raises(CancelledError):
        query(
            "select count(*) from range(1000000000) a cross join range(1000000000) b", ctx=ctx, t1=data.iris()
        )


def test_bad_queries_give_clear_errors() -> None:
    unknown = refused("select no_such_column from t1")
    assert unknown.code == "sql_error" and "no_such_column" in unknown.message
    assert refused("selec * from t1").code == "sql_error"
    assert refused("select * from t2").code == "sql_error"  # t2 not connected
    assert refused("   ").code == "missing_parameter"
    duplicate = refused("select species, species from t1")
    assert duplicate.code == "duplicate_columns"


def test_input_tables_are_not_changed() -> None:
    penguins = data.penguins()
    with pytest.raises(ModuleError) as caught:
        query("delete from t1; select 1 as done", t1=penguins)
    assert caught.value.code == "sql_error"
    with pytest.raises(ModuleError):
        query("update t1 set species = 'x'; select 1 as done", t1=penguins)
    pd.testing.assert_frame_equal(penguins.df, data.penguins().df)
