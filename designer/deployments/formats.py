"""Request and reply formats of the scoring route, and validation of every row against the input schema.

Accepted request bodies (JSON):

- ours: ``{"inputs": [{...row...}, ...]}`` (or ``{"inputs": {"WebServiceInput0": [...]}}``)
  -> ``{"predictions": [{score columns}], "version": n}``;
- the reference product's: ``{"Inputs": {"WebServiceInput0": [...]}, "GlobalParameters": {}}``
  -> ``{"Results": {"WebServiceOutput0": [{all columns}]}}``, missing values as ``{"isNan": true}``;
- MLflow's ``{"dataframe_records": [...]}`` and ``{"dataframe_split": {"columns": [...], "data": [[...]]}}``
  -> ``{"predictions": [...], "version": n}``.

Every problem is a ``RequestError``: a 4xx with a stable code, a message that names the input, row and
column, and those as fields. Nothing a client sends can turn into a 500.
"""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter
from typing import Any

import orjson

from .plan import Batch, OutputReply

OURS = "ours"
REFERENCE = "reference"
MLFLOW_RECORDS = "mlflow_records"
MLFLOW_SPLIT = "mlflow_split"
FORMAT_KEYS = {
    "inputs": OURS,
    "Inputs": REFERENCE,
    "dataframe_records": MLFLOW_RECORDS,
    "dataframe_split": MLFLOW_SPLIT,
}
ACCEPTED = (
    '{"inputs": [{...}]}, {"Inputs": {"WebServiceInput0": [{...}]}, "GlobalParameters": {}}, '
    '{"dataframe_records": [{...}]} or {"dataframe_split": {"columns": [...], "data": [[...]]}}'
)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_MISSING = object()
IS_NAN = {"isNan": True}


class RequestError(Exception):
    def __init__(self, status: int, code: str, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = {k: v for k, v in fields.items() if v is not None}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.fields}}


def bad(code: str, message: str, **fields: Any) -> RequestError:
    return RequestError(400, code, message, **fields)


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "..."
        return f"text ({shown!r})"
    if isinstance(value, list):
        return "a list"
    return "an object"


# -- parsing ---------------------------------------------------------------------------------------------
def parse_body(body: bytes) -> Any:
    if not body:
        raise bad("empty_body", f"The request has no body. Send JSON such as {ACCEPTED}.")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        detail = str(exc)
        if "depth" in detail or "recursion" in detail:
            raise bad(
                "too_deep", "The JSON is nested too deeply; rows are flat objects of column: value."
            ) from None
        raise bad("invalid_json", f"The body is not valid JSON ({detail[:200]}).") from None


def _rows(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise bad(
            "invalid_rows",
            f"{where} must be a list of rows (objects of column: value), not {_describe(value)}.",
            field=where,
        )
    return value


def split_inputs(payload: Any, input_names: list[str], max_rows: int) -> tuple[str, dict[str, list[Any]]]:
    """The request's format and its rows per input name (rows not yet checked)."""
    if not isinstance(payload, dict):
        raise bad(
            "invalid_request", f"The body must be a JSON object: {ACCEPTED}; it is {_describe(payload)}."
        )
    present = [key for key in FORMAT_KEYS if key in payload]
    if not present:
        raise bad("unknown_format", f"Unrecognised request: expected {ACCEPTED}.")
    if len(present) > 1:
        raise bad(
            "ambiguous_format", f"The body has both {present[0]!r} and {present[1]!r}; send one of them."
        )
    key = present[0]
    fmt = FORMAT_KEYS[key]
    value = payload[key]
    first = input_names[0]
    inputs: dict[str, list[Any]]
    if fmt == OURS:
        if isinstance(value, dict):
            inputs = {name: _rows(rows, f"inputs.{name}") for name, rows in value.items()}
        else:
            inputs = {first: _rows(value, "inputs")}
    elif fmt == REFERENCE:
        if not isinstance(value, dict):
            raise bad(
                "invalid_inputs",
                f'"Inputs" must be an object keyed by input name, like {{"{first}": [rows]}}, not {_describe(value)}.',
                field="Inputs",
            )
        inputs = {name: _rows(rows, f"Inputs.{name}") for name, rows in value.items()}
        parameters = payload.get("GlobalParameters", {})
        if not isinstance(parameters, dict):
            raise bad("invalid_parameters", '"GlobalParameters" must be an object.', field="GlobalParameters")
        if parameters:
            name = next(iter(parameters))
            raise bad(
                "unknown_parameter",
                f'This endpoint has no global parameter {name!r}; send "GlobalParameters": {{}}.',
                field=f"GlobalParameters.{name}",
            )
    elif fmt == MLFLOW_RECORDS:
        inputs = {first: _rows(value, "dataframe_records")}
    else:
        inputs = {first: _split_rows(value)}
    unknown = [name for name in inputs if name not in input_names]
    if unknown:
        raise bad(
            "unknown_input",
            f"This endpoint has no input {unknown[0]!r}; its inputs are {', '.join(input_names)}.",
            input=unknown[0],
        )
    missing = [name for name in input_names if name not in inputs]
    if missing:
        raise bad("missing_input", f"The request has no rows for the input {missing[0]!r}.", input=missing[0])
    total = sum(len(rows) for rows in inputs.values())
    if total > max_rows:
        raise RequestError(
            413,
            "too_many_rows",
            f"The request has {total} rows; at most {max_rows} are scored per request.",
            rows=total,
        )
    for name, rows in inputs.items():
        if not rows:
            raise bad("no_rows", f"The request has no rows for {name!r}: send at least one.", input=name)
    return fmt, inputs


def _split_rows(value: Any) -> list[Any]:
    if not isinstance(value, dict):
        raise bad(
            "invalid_split",
            '"dataframe_split" must be an object with "columns" and "data".',
            field="dataframe_split",
        )
    columns, data = value.get("columns"), value.get("data")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise bad(
            "invalid_split",
            '"dataframe_split.columns" must be a list of column names.',
            field="dataframe_split.columns",
        )
    if len(set(columns)) != len(columns):
        raise bad(
            "invalid_split",
            '"dataframe_split.columns" names a column twice.',
            field="dataframe_split.columns",
        )
    if not isinstance(data, list):
        raise bad(
            "invalid_split",
            '"dataframe_split.data" must be a list of rows (lists of values).',
            field="dataframe_split.data",
        )
    rows = []
    for i, row in enumerate(data):
        if not isinstance(row, list) or len(row) != len(columns):
            raise bad(
                "invalid_row",
                f"Row {i} of dataframe_split.data must be a list of {len(columns)} values, one per column.",
                field="dataframe_split.data",
                row=i,
            )
        rows.append(dict(zip(columns, row, strict=True)))
    return rows


# -- validating rows against the input schema ------------------------------------------------------------
def _wrong(input_name: str, row: int, column: str, expected: str, value: Any) -> RequestError:
    return bad(
        "invalid_value",
        f"Row {row}, column {column!r}: expected {expected}, got {_describe(value)}.",
        input=input_name,
        row=row,
        field=column,
    )


def _number(value: Any, input_name: str, row: int, column: str) -> Any:
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            raise _wrong(input_name, row, column, "a number in range", value) from None
    if value is None:
        return None
    if kind is dict and value == IS_NAN:
        return None
    raise _wrong(input_name, row, column, "a number", value)


def _integer(value: Any, input_name: str, row: int, column: str) -> Any:
    kind = type(value)
    if kind is int:
        if INT64_MIN <= value <= INT64_MAX:
            return value
        raise _wrong(input_name, row, column, "a whole number within 64 bits", value)
    if kind is float and value.is_integer() and INT64_MIN <= value <= INT64_MAX:
        return int(value)
    if value is None or (kind is dict and value == IS_NAN):
        return None
    raise _wrong(input_name, row, column, "a whole number", value)


def _boolean(value: Any, input_name: str, row: int, column: str) -> Any:
    if type(value) is bool or value is None:
        return value
    if type(value) is dict and value == IS_NAN:
        return None
    raise _wrong(input_name, row, column, "true or false", value)


def _text(value: Any, input_name: str, row: int, column: str) -> Any:
    if type(value) is str or value is None:
        return value
    if type(value) is dict and value == IS_NAN:
        return None
    raise _wrong(input_name, row, column, "text", value)


def _category(value: Any, input_name: str, row: int, column: str) -> Any:
    kind = type(value)
    if kind in (str, int, float) or value is None:
        return value
    if kind is dict and value == IS_NAN:
        return None
    raise _wrong(input_name, row, column, "a category (text or a number)", value)


def _datetime(value: Any, input_name: str, row: int, column: str) -> Any:
    if value is None or (type(value) is dict and value == IS_NAN):
        return None
    if type(value) is str:
        try:
            datetime.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise _wrong(input_name, row, column, "a date and time in ISO 8601 (2024-01-31T12:00:00)", value)


CHECKS = {
    "double": _number,
    "integer": _integer,
    "boolean": _boolean,
    "string": _text,
    "categorical": _category,
    "datetime": _datetime,
}


class RowValidator:
    """Checks rows against one input's schema and gathers them as tuples in schema order.

    The common case costs one ``itemgetter`` call and one type test per row: every column present and
    every value a float where numbers are expected. Anything else takes the per-value checks, which
    coerce what they can (an integer for a number) and name the row and column of what they cannot.
    """

    def __init__(self, input_name: str, columns: list[tuple[str, str]]) -> None:
        self.input_name = input_name
        self.columns = [(name, CHECKS.get(kind, _category)) for name, kind in columns]
        self.names = [name for name, _ in columns]
        self._get = itemgetter(*self.names) if len(self.names) > 1 else None
        self._all_numbers = bool(self.names) and all(kind == "double" for _, kind in columns)

    def __call__(self, rows: list[Any]) -> Batch:
        get = self._get
        all_numbers = self._all_numbers
        tuples: list[tuple[Any, ...]] = []
        append = tuples.append
        for i, row in enumerate(rows):
            if type(row) is not dict:
                raise bad(
                    "invalid_row",
                    f"Row {i} of {self.input_name} must be an object of column: value, not {_describe(row)}.",
                    input=self.input_name,
                    row=i,
                )
            if get is not None and all_numbers:
                try:
                    values = get(row)
                except KeyError:
                    values = None
                if values is not None and set(map(type, values)) == _FLOAT_ONLY:
                    append(values)
                    continue
            append(self._checked(row, i))
        return Batch(len(tuples), names=self.names, tuples=tuples)

    def _checked(self, row: dict[str, Any], i: int) -> tuple[Any, ...]:
        input_name = self.input_name
        out = []
        for name, check in self.columns:
            value = row.get(name, _MISSING)
            if value is _MISSING:
                raise bad(
                    "missing_column",
                    f"Row {i} has no column {name!r}; every row needs the {len(self.names)} columns of the "
                    "input schema (null for a missing value).",
                    input=input_name,
                    row=i,
                    field=name,
                )
            out.append(
                value if type(value) is float and check is _number else check(value, input_name, i, name)
            )
        return tuple(out)


_FLOAT_ONLY = {float}


# -- rendering replies ------------------------------------------------------------------------------------
def predictions(reply: OutputReply) -> list[dict[str, Any]]:
    return reply.records(reply.scores or None)


def render(fmt: str, replies: dict[str, OutputReply], outputs: list[str], version: int) -> dict[str, Any]:
    if fmt == REFERENCE:
        return {"Results": {name: replies[name].records(missing=IS_NAN) for name in outputs}}
    body: dict[str, Any] = {"predictions": predictions(replies[outputs[0]]), "version": version}
    if len(outputs) > 1:
        body["outputs"] = {name: replies[name].records() for name in outputs}
    return body
