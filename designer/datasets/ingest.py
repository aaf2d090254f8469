"""Reading an uploaded file (already on disk) into a table, refusing bad files before anything is stored.

Every refusal is an :class:`ApiError` with a stable code and a message that names the problem (the line,
the column, the limit), raised before the caller writes a row or an artifact. The checks that protect
the server run before the parser: size and binary signatures before decoding text, the zip directory of
an .xlsx (total unzipped size and compression ratio) before the workbook is opened.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from rest_framework import status

from designer.core.api_errors import ApiError
from modules.sdk import DataTable, ModuleError

# Extensions accepted, and the format each means. ".txt" is read as delimited text (delimiter sniffed).
FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
}
DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_COLUMNS = 10_000
# An .xlsx is a zip of XML; the reader's time grows with the unzipped size (measured: a 3.7 MB workbook
# that unzips to 421 MiB kept it busy for over 120 s), so both are capped before it is opened.
DEFAULT_XLSX_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
DEFAULT_XLSX_MAX_RATIO = 200
XLSX_MAX_MEMBERS = 10_000
_RATIO_CHECK_FROM_BYTES = 8 * 1024 * 1024  # small archives may compress well; only big ones are bombs
NAME_MAX_LENGTH = 200
_HEAD_BYTES = 64 * 1024
_CHUNK = 1024 * 1024
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)

# What a file that is not text usually is, by its first bytes.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (an Excel workbook is one: give it the .xlsx extension)"),
    (b"PAR1", "a Parquet file (give it the .parquet extension)"),
    (b"\xd0\xcf\x11\xe0", "an old-style Office file such as .xls (save it as .xlsx or CSV)"),
    (b"\x1f\x8b", "a gzip-compressed file (decompress it first)"),
    (b"BZh", "a bzip2-compressed file (decompress it first)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (extract it first)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x7fELF", "a program"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"ARROW1", "an Arrow file"),
)


@dataclass
class ParsedFile:
    table: DataTable
    format: str
    encoding: str = ""
    delimiter: str = ""


def max_upload_bytes() -> int:
    return int(getattr(settings, "DATASET_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def max_columns() -> int:
    return int(getattr(settings, "DATASET_MAX_COLUMNS", DEFAULT_MAX_COLUMNS))


def xlsx_max_uncompressed_bytes() -> int:
    return int(getattr(settings, "DATASET_XLSX_MAX_UNCOMPRESSED_BYTES", DEFAULT_XLSX_MAX_UNCOMPRESSED_BYTES))


def xlsx_max_ratio() -> float:
    return float(getattr(settings, "DATASET_XLSX_MAX_RATIO", DEFAULT_XLSX_MAX_RATIO))


def human_bytes(size: float) -> str:
    if size < 1024:
        return f"{size:.0f} bytes"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            break
    return f"{size:.0f} {unit}" if size == int(size) else f"{size:.1f} {unit}"


def upload_too_large(limit: int) -> ApiError:
    return ApiError(
        "file_too_large",
        f"The file is larger than the upload limit of {human_bytes(limit)} ({limit:,} bytes). Upload a "
        "smaller file, or save it as Parquet, which is usually several times smaller than CSV.",
        status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        field="file",
    )


def _refuse(code: str, message: str, *, field: str = "file", status_code: int = 400) -> ApiError:
    return ApiError(code, message, status_code=status_code, field=field)


# --------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------


def clean_name(value: Any, field: str = "name", what: str = "dataset name") -> str:
    """A dataset name: printable text without path characters, NUL bytes or control characters."""
    if not isinstance(value, str):
        raise _refuse("invalid_name", f"Give the {what}.", field=field)
    name = value.strip()
    if not name:
        raise _refuse("invalid_name", f"The {what} is empty.", field=field)
    if "\x00" in name:
        raise _refuse("invalid_name", f"The {what} contains a NUL byte; remove it.", field=field)
    # Format characters (Cf) include the right-to-left override that disguises names; the zero-width
    # joiner is one too, but it is part of many emoji.
    bad = next(
        (c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") and c != "\u200d"),
        None,
    )
    if bad is not None:
        raise _refuse(
            "invalid_name",
            f"The {what} contains a control character (U+{ord(bad):04X}); use printable characters only.",
            field=field,
        )
    if "/" in name or "\\" in name or set(name) == {"."}:
        raise _refuse(
            "invalid_name",
            f"The {what} {name!r} looks like a file path: remove '/', '\\' and names made only of dots.",
            field=field,
        )
    if len(name) > NAME_MAX_LENGTH:
        raise _refuse(
            "invalid_name",
            f"The {what} is {len(name)} characters long; the limit is {NAME_MAX_LENGTH}.",
            field=field,
        )
    return name


def format_of(filename: str, declared: str | None = None) -> str:
    """The format from the file name's extension (or an explicit ``format`` field)."""
    if declared:
        fmt = declared.strip().lower().lstrip(".")
        fmt = {"excel": "xlsx", "json lines": "jsonl", "ndjson": "jsonl", "text": "csv"}.get(fmt, fmt)
        if fmt not in set(FORMATS.values()):
            raise _refuse(
                "unsupported_format",
                f"Unknown format {declared!r}. Use one of: {', '.join(sorted(set(FORMATS.values())))}.",
                field="format",
                status_code=415,
            )
        return fmt
    suffix = Path(filename).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    accepted = ", ".join(sorted(FORMATS))
    if suffix == ".xls":
        hint = " Old .xls workbooks are not read: save the sheet as .xlsx or CSV."
    elif suffix in (".gz", ".zip", ".bz2", ".7z", ".xz"):
        hint = " Compressed files are not read: extract the file and upload it."
    else:
        hint = ""
    what = f"the extension {suffix!r}" if suffix else "no extension"
    raise _refuse(
        "unsupported_format",
        f"'{filename}' has {what}, which is not a dataset format this designer reads. Accepted: {accepted}.{hint}",
        status_code=415,
    )


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------


def parse_file(path: str | Path, filename: str, fmt: str) -> ParsedFile:
    """Read the file at ``path`` (uploaded as ``filename``) as ``fmt``, or raise an ApiError."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise _refuse("empty_file", f"'{filename}' is empty (0 bytes): there is nothing to import.")
    if size > max_upload_bytes():
        raise upload_too_large(max_upload_bytes())
    if fmt in ("csv", "tsv"):
        parsed = _read_delimited(path, filename, fmt)
    elif fmt in ("json", "jsonl"):
        parsed = _read_json(path, filename, fmt)
    elif fmt == "parquet":
        parsed = ParsedFile(_wrap(_read_parquet(path, filename), filename), fmt)
    elif fmt == "xlsx":
        parsed = ParsedFile(_wrap(_read_xlsx(path, filename), filename), fmt)
    else:  # pragma: no cover - format_of only returns known formats
        raise _refuse("unsupported_format", f"Unknown format {fmt!r}.", status_code=415)
    if len(parsed.table) == 0:
        raise _refuse(
            "no_rows",
            f"'{filename}' has column names ({', '.join(parsed.table.columns[:5])}) but no rows of data.",
        )
    return parsed


def _wrap(frame: pd.DataFrame, filename: str) -> DataTable:
    _check_columns([str(c) for c in frame.columns], filename)
    frame = normalise_frame(frame)
    if frame.shape[1] == 0:
        raise _refuse("no_columns", f"'{filename}' has no columns.")
    try:
        return DataTable(frame)
    except ModuleError as exc:
        raise _refuse(exc.code, exc.message) from None


def _check_columns(names: list[str], filename: str) -> None:
    limit = max_columns()
    if len(names) > limit:
        raise _refuse(
            "too_many_columns",
            f"'{filename}' has {len(names):,} columns; the limit is {limit:,}. Remove columns you do not "
            "need, or transpose the data so that columns are rows.",
        )
    # Empty names are allowed (the parser names them "Unnamed: <n>").
    duplicates = [name for name, count in Counter(names).items() if count > 1 and name.strip()]
    if duplicates:
        listed = ", ".join(repr(d) for d in duplicates[:5])
        raise _refuse(
            "duplicate_columns",
            f"'{filename}' has more than one column named {listed}. Give every column a unique name.",
        )


# --------------------------------------------------------------------------------------------------
# Text: encoding, binary detection, delimiter
# --------------------------------------------------------------------------------------------------


def _read_head(path: Path, size: int = _HEAD_BYTES) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path, head: bytes) -> str:
    """BOMs first, then strict UTF-8 over the whole file, then Windows-1252, then Latin-1 (never fails)."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        if _decodes(path, encoding):
            return encoding
    return "latin-1"


def _refuse_binary(head: bytes, encoding: str, filename: str, fmt: str) -> None:
    kind = "CSV" if fmt in ("csv", "tsv") else "JSON"
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise _refuse(
                "binary_file",
                f"'{filename}' is not {kind} text: it looks like {what}.",
                status_code=415,
            )
    if not encoding.startswith(("utf-16", "utf-32")) and b"\x00" in head:
        raise _refuse(
            "binary_file",
            f"'{filename}' is not {kind} text: it contains NUL bytes, so it is a binary file.",
            status_code=415,
        )
    text = head.decode(encoding, errors="replace")
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\x0c")
    # A stray control byte or two happens in real text (Latin-1 files); binary files are full of them.
    if controls > max(8, len(text) * 0.01):
        raise _refuse(
            "binary_file",
            f"'{filename}' is not {kind} text: {controls} of its first {len(text)} characters are control "
            "characters, so it is a binary file.",
            status_code=415,
        )


def _text_sample(head: bytes, encoding: str) -> str:
    text = head.decode(encoding, errors="ignore")
    if len(head) == _HEAD_BYTES and "\n" in text:
        text = text[: text.rfind("\n")]  # drop the line cut in the middle
    return text.lstrip("\ufeff")


def sniff_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines() if line.strip()][:50]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_delimited(path: Path, filename: str, fmt: str) -> ParsedFile:
    head = _read_head(path)
    encoding = detect_encoding(path, head)
    _refuse_binary(head, encoding, filename, fmt)
    delimiter = "\t" if fmt == "tsv" else sniff_delimiter(_text_sample(head, encoding))
    header = _scan_rows(path, filename, encoding, delimiter)
    _check_columns(header, filename)
    try:
        frame = pd.read_csv(
            path, sep=delimiter, encoding=encoding, quotechar='"', doublequote=True, low_memory=False
        )
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        raise _refuse("invalid_data", f"'{filename}' could not be read: {str(exc)[:300]}") from None
    if delimiter != ",":
        frame = _decimal_commas(frame)
    return ParsedFile(_wrap(frame, filename), fmt, encoding=encoding, delimiter=delimiter)


_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$|^[+-]?\d+$")


def _decimal_commas(frame: pd.DataFrame) -> pd.DataFrame:
    """Files separated by ';' (or tabs) often write decimals with a comma (1,5): read those as numbers."""
    for name in frame.columns:
        series = frame[name]
        if not pd.api.types.is_string_dtype(series.dtype):
            continue
        values = series.dropna()
        if values.empty or not values.str.contains(",", regex=False).any():
            continue
        if values.str.match(_DECIMAL_COMMA).all():
            frame[name] = pd.to_numeric(series.str.replace(",", ".", regex=False))
    return frame


def _scan_rows(path: Path, filename: str, encoding: str, delimiter: str) -> list[str]:
    """One streaming pass: every row has as many values as the header; returns the header."""
    header: list[str] | None = None
    with path.open("r", encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
        try:
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip() and header is None):
                    continue  # blank lines are skipped, as the parser does
                if header is None:
                    header = row
                    if len(header) > max_columns():
                        _check_columns(header, filename)
                    continue
                if len(row) != len(header) and not (len(row) == 1 and not row[0].strip()):
                    raise _refuse(
                        "ragged_rows",
                        f"Line {reader.line_num} of '{filename}' has {len(row)} values but the header has "
                        f"{len(header)}. Every row needs the same number of values: add the missing ones "
                        "(leave them empty for missing values) or remove the extra ones, and quote values "
                        "that contain the delimiter.",
                    )
        except csv.Error as exc:
            raise _refuse(
                "invalid_data", f"Line {reader.line_num} of '{filename}' cannot be read: {exc}."
            ) from None
        except UnicodeDecodeError:  # pragma: no cover - detect_encoding checked the whole file
            raise _refuse("invalid_encoding", f"'{filename}' is not readable as {encoding} text.") from None
    if header is None:
        raise _refuse("empty_file", f"'{filename}' has no data: it holds only blank lines.")
    return header


# --------------------------------------------------------------------------------------------------
# JSON: a list of row objects, an object of columns, or JSON Lines
# --------------------------------------------------------------------------------------------------


class _Object(dict):
    """A JSON object that remembers keys it saw twice (json keeps only the last value)."""

    duplicates: tuple[str, ...] = ()


def _object_hook(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        obj.duplicates = tuple(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
    return obj


def _json_error(filename: str, exc: json.JSONDecodeError, line_offset: int = 0) -> ApiError:
    line = exc.lineno + line_offset
    return _refuse(
        "invalid_json",
        f"'{filename}' is not valid JSON: {exc.msg} at line {line}, column {exc.colno}. Give a list of row "
        'objects like [{"a": 1, "b": "x"}], or one row object per line (JSON Lines).',
    )


def _read_json(path: Path, filename: str, fmt: str) -> ParsedFile:
    head = _read_head(path)
    encoding = detect_encoding(path, head)
    _refuse_binary(head, encoding, filename, fmt)
    rows: Any
    if fmt == "jsonl":
        rows = _json_lines(path, filename, encoding)
    else:
        with path.open("r", encoding=encoding) as handle:
            text = handle.read()
        if not text.strip():
            raise _refuse("empty_file", f"'{filename}' has no data: it holds only white space.")
        try:
            rows = json.loads(text, object_pairs_hook=_object_hook)
        except json.JSONDecodeError as exc:
            if exc.msg != "Extra data" or not text.lstrip().startswith("{"):
                raise _json_error(filename, exc) from None
            rows, fmt = _json_lines(path, filename, encoding), "jsonl"  # JSON Lines in a .json file
        del text
    frame = _frame_from_json(rows, filename)
    return ParsedFile(_wrap(frame, filename), fmt, encoding=encoding)


def _json_lines(path: Path, filename: str, encoding: str) -> list[Any]:
    rows: list[Any] = []
    with path.open("r", encoding=encoding) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line.rstrip("\r\n"), object_pairs_hook=_object_hook)
            except json.JSONDecodeError as exc:
                raise _json_error(filename, exc, number - 1) from None
            if not isinstance(row, dict):
                raise _refuse(
                    "invalid_json",
                    f"Line {number} of '{filename}' is a JSON {type(row).__name__}, not a row object like "
                    '{"a": 1, "b": "x"}.',
                )
            rows.append(row)
    if not rows:
        raise _refuse("empty_file", f"'{filename}' has no data: it holds only blank lines.")
    return rows


def _frame_from_json(value: Any, filename: str) -> pd.DataFrame:
    if isinstance(value, dict) and value and all(isinstance(v, list) for v in value.values()):
        duplicates: tuple[str, ...] = getattr(value, "duplicates", ())
        if duplicates:
            _check_columns([*value, *duplicates], filename)
        lengths = {len(v) for v in value.values()}
        if len(lengths) > 1:
            raise _refuse(
                "ragged_rows",
                f"The columns of '{filename}' have different lengths ({min(lengths)} to {max(lengths)} "
                "values); give every column the same number of values.",
            )
        _check_columns(list(value), filename)
        return pd.DataFrame({k: _plain_values(v) for k, v in value.items()})
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        bad = value if not isinstance(value, list) else next(r for r in value if not isinstance(r, dict))
        raise _refuse(
            "invalid_json",
            f"'{filename}' holds a JSON {type(bad).__name__} where row objects were expected. Give a list "
            'of row objects like [{"a": 1, "b": "x"}], an object of columns like {"a": [1, 2]}, or one '
            "row object per line.",
        )
    columns: dict[str, None] = {}
    for number, row in enumerate(value, start=1):
        if getattr(row, "duplicates", ()):
            raise _refuse(
                "duplicate_columns",
                f"Row {number} of '{filename}' has the key {row.duplicates[0]!r} more than once; every "
                "column name must be unique.",
            )
        for key in row:
            if key not in columns:
                columns[key] = None
                if len(columns) > max_columns():
                    _check_columns(list(columns), filename)
    return pd.DataFrame.from_records(
        [{k: _plain(v) for k, v in row.items()} for row in value], columns=list(columns)
    )


def _plain(value: Any) -> Any:
    """Nested objects and lists are kept as their JSON text: a table cell holds one value."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=False, ensure_ascii=False)
    return value


def _plain_values(values: list[Any]) -> list[Any]:
    return [_plain(v) for v in values]


# --------------------------------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------------------------------


def _read_parquet(path: Path, filename: str) -> pd.DataFrame:
    import pyarrow.parquet as pq

    size = path.stat().st_size
    with path.open("rb") as handle:
        start = handle.read(4)
        handle.seek(max(0, size - 4))
        end = handle.read(4)
    if start != b"PAR1" or end != b"PAR1" or size < 12:
        raise _refuse(
            "invalid_parquet",
            f"'{filename}' is not a Parquet file (a Parquet file starts and ends with 'PAR1'); it may be "
            "truncated, or another format with the wrong extension.",
        )
    try:
        parquet = pq.ParquetFile(path)
        _check_columns(list(parquet.schema_arrow.names), filename)
        table = parquet.read()
        frame = table.to_pandas()
    except ApiError:
        raise
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise _refuse(
            "invalid_parquet", f"'{filename}' is not a readable Parquet file: {str(exc)[:300]}"
        ) from None
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    return frame


# --------------------------------------------------------------------------------------------------
# Excel (.xlsx)
# --------------------------------------------------------------------------------------------------


def check_xlsx_archive(path: Path, filename: str) -> None:
    """Refuse a workbook whose zip directory promises too much XML, before any of it is inflated.

    The sizes come from the zip directory; Python's zipfile stops reading a member at its declared size,
    so an archive that lies about them cannot make the reader inflate more than was checked here.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(
            "invalid_xlsx",
            f"'{filename}' is not an Excel .xlsx workbook (it is not a ZIP archive). Old .xls files must be "
            "saved as .xlsx or CSV first.",
        ) from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
        raise _refuse(
            "invalid_xlsx", f"'{filename}' is a ZIP archive but not an Excel workbook (no xl/workbook.xml)."
        )
    if len(members) > XLSX_MAX_MEMBERS:
        raise _refuse(
            "xlsx_too_complex",
            f"'{filename}' holds {len(members):,} files; an Excel workbook has far fewer. It was refused "
            "unread.",
            status_code=413,
        )
    unzipped = sum(m.file_size for m in members)
    zipped = sum(m.compress_size for m in members)
    limit = xlsx_max_uncompressed_bytes()
    if unzipped > limit:
        raise _refuse(
            "xlsx_too_large",
            f"'{filename}' unzips to {human_bytes(unzipped)}, more than the limit of {human_bytes(limit)} "
            "for Excel workbooks (reading that much XML takes minutes). Save the sheet as CSV or Parquet "
            "and upload that instead.",
            status_code=413,
        )
    ratio = unzipped / max(zipped, 1)
    if unzipped >= _RATIO_CHECK_FROM_BYTES and ratio > xlsx_max_ratio():
        raise _refuse(
            "xlsx_zip_bomb",
            f"'{filename}' unzips to {human_bytes(unzipped)} from {human_bytes(zipped)} (a compression "
            f"ratio of {ratio:,.0f}:1, above {xlsx_max_ratio():,.0f}:1): that is a zip bomb, not a "
            "spreadsheet. It was refused unread.",
            status_code=413,
        )


def _read_xlsx(path: Path, filename: str) -> pd.DataFrame:
    check_xlsx_archive(path, filename)
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        finally:
            workbook.close()
    except ApiError:
        raise
    except Exception as exc:
        raise _refuse(
            "invalid_xlsx", f"'{filename}' is not a readable Excel workbook: {str(exc)[:300]}"
        ) from None
    header = [str(v) for v in first if v is not None]
    if not header:
        raise _refuse("empty_file", f"The first sheet of '{filename}' is empty: there is nothing to import.")
    _check_columns(header, filename)
    try:
        frame = pd.read_excel(path, sheet_name=0, engine="openpyxl")
    except Exception as exc:
        raise _refuse(
            "invalid_xlsx", f"'{filename}' is not a readable Excel workbook: {str(exc)[:300]}"
        ) from None
    # Formatting can make empty columns without a header part of the sheet: drop them.
    unnamed = [
        c
        for i, c in enumerate(frame.columns)
        if (i >= len(first) or first[i] is None) and frame[c].isna().all()
    ]
    return frame.drop(columns=unnamed)


# --------------------------------------------------------------------------------------------------
# Types
# --------------------------------------------------------------------------------------------------


def normalise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns that Arrow can store and whose type says what they hold.

    Text columns whose every value is an ISO date or timestamp become datetimes; columns mixing numbers
    and text become text (a cell reads as it was written); anything else keeps the parser's type.
    """
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    for name in frame.columns:
        series = frame[name]
        if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
            continue
        values = series.dropna()
        if values.empty:
            continue
        if all(isinstance(v, str) for v in values):
            if all(_ISO_DATE.match(v) for v in values.head(1000)) and all(_ISO_DATE.match(v) for v in values):
                converted = _to_datetime(series)
                if converted is not None:
                    frame[name] = converted
                    continue
            if series.dtype == object:
                frame[name] = series.astype("str")
            continue
        kinds = {type(v) for v in values}
        if kinds <= {bool, np.bool_}:
            continue  # booleans with missing values stay as they are
        frame[name] = series.map(lambda v: v if _missing(v) else _cell_text(v)).astype("str")
    return frame


def _to_datetime(series: pd.Series) -> pd.Series | None:
    try:
        converted = pd.to_datetime(series, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        try:
            converted = pd.to_datetime(series, format="ISO8601", utc=True)  # mixed offsets
        except (ValueError, TypeError, OverflowError):
            return None
    if converted.isna().sum() != series.isna().sum():
        return None
    return converted


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell_text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", errors="replace")
    return str(value)
