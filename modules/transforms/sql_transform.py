"""Apply SQL Transformation: query up to three input tables (t1, t2, t3) with SQL, in a locked-down DuckDB.

The database lives in memory only and is configured before any table is registered: no file, network or
extension access (``enable_external_access=false``, no extension auto-install/auto-load), no spilling to
a temporary folder on disk, no lookup of Python variables by name, and the configuration is locked so a
query cannot ``SET`` it back. A timer thread interrupts a query that runs past the timeout.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import duckdb
import pyarrow as pa

from modules.sdk import (
    Category,
    DataTable,
    IntParam,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    TextParam,
    register,
)

TABLE_NAMES = ("t1", "t2", "t3")
RESULT_BATCH_ROWS = 100_000


def locked_connection(memory_limit_mb: int) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(
        ":memory:",
        config={
            "enable_external_access": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "python_enable_replacements": False,
            # DuckDB would otherwise spill big sorts and joins to ".tmp" in the worker's current folder,
            # external access off or not: an unbounded write outside any sandbox. Memory limit it is.
            "temp_directory": "",
            # One thread keeps row order (and so cached results) identical from run to run.
            "threads": 1,
            "memory_limit": f"{memory_limit_mb}MB",
            "lock_configuration": True,
        },
    )


@register
class ApplySqlTransformation(Module):
    """Transform datasets with an SQL query.

    The connected datasets are the tables ``t1``, ``t2`` and ``t3``; the result of the last statement
    (which must return rows, e.g. a SELECT) is the output. Several statements separated by ``;`` are
    allowed, e.g. to build a temporary table first. The SQL dialect is DuckDB's, which accepts nearly all
    SQLite queries written for the reference product; put column names with spaces or dashes in double
    quotes ("sepal length").

    The query can only see the input tables: reading or writing files, attaching databases and
    installing or loading extensions are turned off. It is stopped after Timeout (seconds) and may use
    at most Memory limit (MB).
    """

    key = "data_transformation.apply_sql_transformation"
    title = "Apply SQL Transformation"
    category = Category.DATA_TRANSFORMATION
    inputs = (
        Port("t1", "t1", PortType.DATASET),
        Port("t2", "t2", PortType.DATASET, optional=True),
        Port("t3", "t3", PortType.DATASET, optional=True),
    )
    outputs = (Port("result_dataset", "Result dataset", PortType.DATASET),)
    params = (
        TextParam("sql_query_script", "SQL query script", default="select * from t1", language="sql"),
        IntParam("timeout_seconds", "Timeout (seconds)", default=300, min=1, max=86_400, advanced=True),
        IntParam("memory_limit_mb", "Memory limit (MB)", default=2048, min=64, max=1_048_576, advanced=True),
    )

    def run(
        self,
        ctx: RunContext,
        params: dict[str, Any],
        t1: DataTable,
        t2: DataTable | None = None,
        t3: DataTable | None = None,
    ) -> dict[str, Any]:
        query = params["sql_query_script"].strip()
        if not query:
            raise ModuleError(
                "missing_parameter", "Write a query, e.g. select * from t1.", parameter="sql_query_script"
            )
        tables = {
            name: table for name, table in zip(TABLE_NAMES, (t1, t2, t3), strict=True) if table is not None
        }
        with locked_connection(params["memory_limit_mb"]) as connection:
            for name, table in tables.items():
                connection.register(name, _arrow(table, name))
            result = run_with_timeout(
                connection, query, params["timeout_seconds"], params["memory_limit_mb"], ctx
            )
        meta: dict[str, Any] = {}
        for table in reversed(list(tables.values())):  # t1's metadata wins for a shared column name
            meta.update(table.meta)
        return {"result_dataset": DataTable(result.to_pandas(), meta)}


def _arrow(table: DataTable, name: str) -> pa.Table:
    try:
        return pa.Table.from_pandas(table.df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ModuleError(
            "unsupported_column_type",
            f"Table {name} has a column SQL cannot read ({exc}). Make each column hold one kind of value.",
            port=name,
        ) from None


def run_with_timeout(
    connection: duckdb.DuckDBPyConnection, query: str, timeout: float, max_result_mb: int, ctx: RunContext
) -> pa.Table:
    """Run the script and fetch the last statement's rows; interrupt it at the timeout or on cancel."""
    finished = threading.Event()
    deadline = time.monotonic() + timeout

    def watch() -> None:
        # Wake every 100 ms to notice a cancelled run; interrupt at the deadline.
        while not finished.wait(max(0.0, min(0.1, deadline - time.monotonic()))):
            if ctx.cancelled or time.monotonic() >= deadline:
                connection.interrupt()
                return

    watcher = threading.Thread(target=watch, name="sql-timeout", daemon=True)
    watcher.start()
    try:
        relation = connection.sql(query)
        if relation is None:
            raise ModuleError(
                "sql_no_result",
                "The last SQL statement returns no rows. End the script with a SELECT.",
                parameter="sql_query_script",
            )
        return fetch_within(relation, max_result_mb)
    except (duckdb.Error, OSError, pa.ArrowException) as exc:
        # Errors while streaming the result arrive through Arrow as OSError/ArrowException.
        ctx.check_cancelled()
        raise module_error_for(exc, timeout) from None
    finally:
        finished.set()
        watcher.join()


def fetch_within(relation: duckdb.DuckDBPyRelation, max_result_mb: int) -> pa.Table:
    """The result rows, refusing results bigger than the memory limit (DuckDB's own limit does not
    cover the copy handed to Python)."""
    reader = relation.to_arrow_reader(RESULT_BATCH_ROWS)
    batches: list[pa.RecordBatch] = []
    size = 0
    for batch in reader:
        size += batch.nbytes
        if size > max_result_mb * 2**20:
            raise ModuleError(
                "sql_out_of_memory",
                f"The query's result is larger than Memory limit (MB) ({max_result_mb} MB). Return fewer rows or "
                "columns, or raise the limit.",
                parameter="memory_limit_mb",
            )
        batches.append(batch)
    return pa.Table.from_batches(batches, schema=reader.schema)


def module_error_for(exc: Exception, timeout: float) -> ModuleError:
    message = str(exc)
    if isinstance(exc, duckdb.InterruptException) or "INTERRUPT Error" in message:
        return ModuleError(
            "sql_timeout",
            f"The SQL query was stopped after {timeout:g} seconds. Simplify it (a join without a condition "
            "multiplies rows) or raise Timeout (seconds).",
            parameter="timeout_seconds",
        )
    if isinstance(exc, duckdb.PermissionException):
        return ModuleError(
            "sql_not_allowed",
            "The query may only read the input tables t1, t2 and t3: reading or writing files, attaching "
            "databases and loading extensions are turned off.",
            parameter="sql_query_script",
        )
    if "configuration has been locked" in message:
        return ModuleError(
            "sql_not_allowed",
            "Queries cannot change the database settings (SET, PRAGMA); they are fixed for safety.",
            parameter="sql_query_script",
        )
    if isinstance(exc, duckdb.OutOfMemoryException) or "Out of Memory Error" in message:
        return ModuleError(
            "sql_out_of_memory",
            "The SQL query needed more memory than Memory limit (MB) allows. Filter rows earlier or raise it.",
            parameter="memory_limit_mb",
        )
    first_lines = "\n".join(message.strip().splitlines()[:4])[:2000]
    return ModuleError("sql_error", f"The SQL query failed: {first_lines}", parameter="sql_query_script")
