"""Reading tables from text or bytes (CSV, TSV, JSON, Parquet, ARFF, SvmLight) and writing them back.

Shared by Enter Data Manually, Import Data (URL via HTTP), Export Data and Convert to CSV, so a table
reads the same whichever module it comes through. Errors name the line or the problem and say what to do.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

import pandas as pd

from modules.sdk import DataTable, ModuleError

DELIMITERS = {"CSV": ",", "TSV": "\t"}
TEXT_FORMATS = ("CSV", "TSV", "JSON", "ARFF", "SvmLight")


def decode_text(data: bytes, parameter: str | None = None) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModuleError(
            "not_utf8",
            f"The data is not UTF-8 text (byte {exc.start} cannot be read). Save the file as UTF-8, or "
            "choose the Parquet format for binary files.",
            parameter=parameter,
        ) from None


def parse_bytes(
    data: bytes, data_format: str, *, has_header: bool = True, parameter: str | None = None
) -> DataTable:
    if data_format == "Parquet":
        try:
            return DataTable(pd.read_parquet(io.BytesIO(data)))
        except Exception as exc:  # pyarrow raises several kinds for a bad file
            raise ModuleError(
                "invalid_data",
                f"The data is not a readable Parquet file ({exc}). Check the data format.",
                parameter=parameter,
            ) from None
    return parse_text(decode_text(data, parameter), data_format, has_header=has_header, parameter=parameter)


def parse_text(
    text: str, data_format: str, *, has_header: bool = True, parameter: str | None = None
) -> DataTable:
    """A table from text in ``data_format``; ragged rows, bad JSON and the like raise a ModuleError."""
    if not text.strip():
        raise ModuleError("empty_data", "There is no data: the text is empty.", parameter=parameter)
    if data_format in DELIMITERS:
        frame = _parse_delimited(text, DELIMITERS[data_format], has_header, parameter)
    elif data_format == "JSON":
        frame = _parse_json(text, parameter)
    elif data_format == "ARFF":
        frame = _parse_arff(text, parameter)
    elif data_format == "SvmLight":
        frame = _parse_svmlight(text, parameter)
    else:
        raise ModuleError("invalid_parameter", f"Unknown data format {data_format!r}.", parameter=parameter)
    return DataTable(frame)


def _parse_delimited(text: str, delimiter: str, has_header: bool, parameter: str | None) -> pd.DataFrame:
    _check_rectangular(csv.reader(io.StringIO(text), delimiter=delimiter), has_header, parameter)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=0 if has_header else None)
    except (pd.errors.ParserError, ValueError) as exc:
        raise ModuleError("invalid_data", f"The data could not be read: {exc}", parameter=parameter) from None
    if not has_header:
        frame.columns = [f"Col{i + 1}" for i in range(frame.shape[1])]
    return frame


def _check_rectangular(rows: Iterable[list[str]], has_header: bool, parameter: str | None) -> None:
    """Every row must have as many values as the first; the error names the first line that does not."""
    reader = iter(rows)
    expected: int | None = None
    try:
        for row in reader:
            if not row:  # blank line
                continue
            if expected is None:
                expected = len(row)
                continue
            if len(row) != expected:
                line = reader.line_num  # type: ignore[attr-defined]
                first = "the header has" if has_header else "the first row has"
                raise ModuleError(
                    "ragged_rows",
                    f"Line {line} has {len(row)} values but {first} {expected}. Every row needs the same "
                    "number of values: add the missing ones (leave them empty for missing values) or "
                    "remove the extra ones, and quote values that contain the delimiter.",
                    parameter=parameter,
                )
    except csv.Error as exc:
        line = getattr(reader, "line_num", "?")
        raise ModuleError(
            "invalid_data", f"Line {line} cannot be read: {exc}.", parameter=parameter
        ) from None


def _parse_json(text: str, parameter: str | None) -> pd.DataFrame:
    """A list of row objects, an object of column lists, or JSON Lines (one row object per line)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ModuleError(
                    "invalid_data",
                    f"Line {number} is not valid JSON ({exc.msg}). Give a list of row objects like "
                    '[{"a": 1, "b": "x"}], an object of columns, or one row object per line.',
                    parameter=parameter,
                ) from None
    if isinstance(value, dict) and all(isinstance(v, list) for v in value.values()):
        lengths = {len(v) for v in value.values()}
        if len(lengths) > 1:
            raise ModuleError(
                "ragged_rows",
                "The JSON columns have different lengths; give every column the same number of values.",
                parameter=parameter,
            )
        return pd.DataFrame(value)
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, list) and all(isinstance(row, dict) for row in value):
        return pd.DataFrame.from_records(value)
    raise ModuleError(
        "invalid_data",
        'JSON data must be a list of row objects like [{"a": 1, "b": "x"}] or an object of columns like '
        '{"a": [1, 2], "b": ["x", "y"]}.',
        parameter=parameter,
    )


def _parse_arff(text: str, parameter: str | None) -> pd.DataFrame:
    from scipy.io import arff

    try:
        records, meta = arff.loadarff(io.StringIO(text))
    except Exception as exc:  # scipy raises ParseArffError, ValueError ... for bad files
        raise ModuleError(
            "invalid_data", f"The ARFF data could not be read: {exc}", parameter=parameter
        ) from None
    frame = pd.DataFrame(records)
    for name, kind in zip(meta.names(), meta.types(), strict=True):
        if kind == "nominal":
            # scipy gives nominal values as bytes and '?' (missing) as b'?'.
            decoded = frame[name].map(lambda v: v.decode() if isinstance(v, bytes) else v)
            frame[name] = decoded.where(decoded != "?").astype("str")
    return frame


def _parse_svmlight(text: str, parameter: str | None) -> pd.DataFrame:
    from sklearn.datasets import load_svmlight_file

    try:
        features, labels = load_svmlight_file(io.BytesIO(text.encode()), zero_based="auto")
    except ValueError as exc:
        raise ModuleError(
            "invalid_data", f"The SvmLight data could not be read: {exc}", parameter=parameter
        ) from None
    frame = pd.DataFrame(features.toarray(), columns=[f"Col{i + 1}" for i in range(features.shape[1])])
    frame.insert(0, "Label", labels)
    return frame


def table_to_bytes(table: DataTable, file_format: str) -> bytes:
    """The table as a CSV, TSV or Parquet file (UTF-8 text with a header row, or Parquet bytes)."""
    if file_format == "Parquet":
        sink = io.BytesIO()
        table.df.to_parquet(sink, index=False)
        return sink.getvalue()
    return table.df.to_csv(index=False, sep=DELIMITERS[file_format]).encode()
