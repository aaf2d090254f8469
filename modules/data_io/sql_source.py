"""Reading a query result for Import Data ("SQL database"): SQLite with the standard library, PostgreSQL
with psycopg. Read-only, one statement, a row limit and a time limit.

Database URLs are written the SQLAlchemy way so users can paste what they already have:
``sqlite:///relative/to/first/allowed/folder.db``, ``sqlite:////absolute/path.db``,
``postgresql://user:password@host:5432/database`` (``postgresql+psycopg://`` and ``postgres://`` too).

SQLite files are opened read-only, and only inside the folders listed in the ``sqlite_directories``
service; an authorizer lets a query read and call functions but not attach other files or run pragmas.
PostgreSQL sessions are read-only transactions with a statement timeout, and rows come through a
server-side cursor so a huge result is never loaded beyond the row limit.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlsplit

import pandas as pd

from modules.sdk import DataTable, ModuleError

_SQLITE_ALLOWED_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    getattr(sqlite3, "SQLITE_RECURSIVE", 33),  # WITH RECURSIVE
}


def read_query(
    database_url: str,
    query: str,
    *,
    row_limit: int,
    timeout: float,
    sqlite_directories: Sequence[str] = (),
    logger: logging.Logger | None = None,
) -> DataTable:
    if not query.strip():
        raise ModuleError("missing_parameter", "Write the SQL query to run.", parameter="sql_query")
    scheme = urlsplit(database_url.strip()).scheme.split("+")[0]
    if scheme == "sqlite":
        names, rows = _sqlite_rows(database_url, query, row_limit, timeout, sqlite_directories)
    elif scheme in ("postgresql", "postgres"):
        names, rows = _postgres_rows(database_url, query, row_limit, timeout)
    else:
        raise ModuleError(
            "unsupported_database",
            "The database URL must start with sqlite:// or postgresql:// (for example "
            "postgresql://reader:secret@db.example.com:5432/sales).",
            parameter="database_url",
        )
    if len(rows) > row_limit:
        rows = rows[:row_limit]
        if logger is not None:
            logger.warning(
                "The query returned more than %d rows; only the first %d are kept.", row_limit, row_limit
            )
    if len(set(names)) != len(names):
        raise ModuleError(
            "duplicate_columns",
            "The query returns two columns with the same name; give them distinct names with AS.",
            parameter="sql_query",
        )
    frame = pd.DataFrame.from_records(rows, columns=names)
    for column in frame.columns:
        frame[column] = _plain_column(frame[column])
    return DataTable(frame)


def _plain_column(series: pd.Series) -> pd.Series:
    """Database values as pandas types: numbers, strings, dates; a column mixing kinds becomes text."""
    if not pd.api.types.is_object_dtype(series.dtype):
        return series
    values = series.dropna()
    if len(values) and all(isinstance(v, Decimal) for v in values):
        return series.astype("float64")
    inferred = series.infer_objects()
    if not pd.api.types.is_object_dtype(inferred.dtype):
        return inferred
    if len(values) and all(isinstance(v, (bytes, memoryview)) for v in values):
        return series.map(lambda v: bytes(v).hex() if v is not None else None).astype("str")
    return series.map(lambda v: None if v is None else str(v)).astype("str")


def _sqlite_rows(
    database_url: str, query: str, row_limit: int, timeout: float, directories: Sequence[str]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    path = _sqlite_path(database_url, directories)
    deadline = time.monotonic() + timeout
    try:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=timeout)
    except sqlite3.Error as exc:
        raise ModuleError(
            "database_unreachable", f"The SQLite file could not be opened: {exc}.", parameter="database_url"
        ) from None
    try:
        connection.set_authorizer(
            lambda action, *_: sqlite3.SQLITE_OK if action in _SQLITE_ALLOWED_ACTIONS else sqlite3.SQLITE_DENY
        )
        # Returning non-zero from the progress handler interrupts the running statement.
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        cursor = connection.execute(query)
        rows = cursor.fetchmany(row_limit + 1)
        names = [d[0] for d in cursor.description or ()]
    except sqlite3.Error as exc:
        if time.monotonic() > deadline:
            raise _timeout_error(timeout) from None
        raise ModuleError(
            "sql_error",
            f"The query failed: {exc}. Only a single read-only SELECT is allowed.",
            parameter="sql_query",
        ) from None
    finally:
        connection.close()
    if not names:
        raise ModuleError("sql_error", "The query returns no columns; write a SELECT.", parameter="sql_query")
    return names, rows


def _sqlite_path(database_url: str, directories: Sequence[str]) -> str:
    # SQLAlchemy form: sqlite:///relative.db or sqlite:////absolute.db
    raw = database_url.strip().split(":///", 1)[1] if ":///" in database_url else ""
    if not raw or raw.startswith(":memory:"):
        raise ModuleError(
            "invalid_database_url",
            "Give the SQLite file, like sqlite:///sales.db (relative to the first allowed folder) or "
            "sqlite:////data/sales.db.",
            parameter="database_url",
        )
    roots = [os.path.realpath(d) for d in directories]
    if not roots:
        raise ModuleError(
            "sqlite_not_allowed",
            "This installation allows no SQLite files to be read. Upload the data as a dataset, or ask your "
            "administrator to list a folder for SQLite files.",
            parameter="database_url",
        )
    path = os.path.realpath(raw if os.path.isabs(raw) else os.path.join(roots[0], raw))
    if not any(os.path.commonpath([path, root]) == root for root in roots):
        raise ModuleError(
            "sqlite_not_allowed",
            f"SQLite files may only be read from {', '.join(roots)}; '{raw}' is outside.",
            parameter="database_url",
        )
    if not os.path.isfile(path):
        raise ModuleError(
            "database_unreachable", f"There is no SQLite file at '{raw}'.", parameter="database_url"
        )
    return path


def _postgres_rows(
    database_url: str, query: str, row_limit: int, timeout: float
) -> tuple[list[str], list[tuple[Any, ...]]]:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency, but keep the message clear
        raise ModuleError(
            "unsupported_database", "PostgreSQL needs the psycopg package, which is not installed."
        ) from None
    parts = urlsplit(database_url.strip())
    conninfo = parts._replace(scheme="postgresql").geturl()
    milliseconds = max(1, int(timeout * 1000))
    try:
        with psycopg.connect(
            conninfo,
            connect_timeout=max(1, int(timeout)),
            options=f"-c statement_timeout={milliseconds} -c default_transaction_read_only=on",
        ) as connection:
            connection.read_only = True
            # A named (server-side) cursor only accepts a query, and streams: no more than the limit is
            # fetched over the network.
            with connection.cursor(name="designer_import_data") as cursor:
                cursor.execute(query)
                rows = cursor.fetchmany(row_limit + 1)
                names = [d.name for d in cursor.description or ()]
    except psycopg.errors.QueryCanceled:
        raise _timeout_error(timeout) from None
    except psycopg.OperationalError as exc:
        raise ModuleError(
            "database_unreachable",
            f"Could not connect to the database: {str(exc).strip()}. Check the host, port, database name "
            "and credentials.",
            parameter="database_url",
        ) from None
    except psycopg.Error as exc:
        raise ModuleError(
            "sql_error",
            f"The query failed: {str(exc).strip()}. Only a single read-only SELECT is allowed.",
            parameter="sql_query",
        ) from None
    return names, rows


def _timeout_error(timeout: float) -> ModuleError:
    return ModuleError(
        "query_timeout",
        f"The query ran longer than {timeout:g} seconds. Raise 'Query timeout (seconds)', or make the query "
        "cheaper (filter or aggregate in SQL).",
        parameter="query_timeout_seconds",
    )
