"""Every malformed file gets its own clear 4xx, and leaves nothing stored."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.designer.datasets.conftest import stored_state, upload, upload_ok

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("artifact_root")]

CORPUS = Path(__file__).resolve().parents[3] / "fixtures" / "malformed"
EXPECTED = {
    k: v for k, v in json.loads((CORPUS / "expected.json").read_text()).items() if not k.startswith("_")
}


def _refused(client, filename: str, data: bytes, status: int, code: str, fragment: str, **fields) -> dict:
    before = stored_state()
    response = upload(client, filename, data, **fields)
    body = response.json()
    assert response.status_code == status, body
    error = body["error"]
    assert error["code"] == code, error
    assert fragment in error["message"], error
    assert error.get("field") in ("file", "name", "format"), error
    assert stored_state() == before, "a refused upload left something stored"
    return error


def test_the_corpus_is_complete() -> None:
    files = {p.name for p in CORPUS.iterdir()} - {"expected.json", "README.md"}
    assert files == set(EXPECTED), "every file in fixtures/malformed needs an expectation, and the reverse"
    assert len(files) >= 20
    assert all(p.stat().st_size < 8 * 1024 for p in CORPUS.iterdir()), "keep the committed corpus tiny"


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_malformed_file_is_refused_with_its_reason(api, settings, filename) -> None:
    settings.DATASET_MAX_COLUMNS = 500
    expected = EXPECTED[filename]
    _refused(
        api,
        filename,
        (CORPUS / filename).read_bytes(),
        expected["status"],
        expected["code"],
        expected["message"],
    )


def test_a_good_file_after_refusals_is_accepted(api) -> None:
    # The refusals above must not be the only thing the endpoint does.
    before = stored_state()
    upload_ok(api, "fine.csv", "a,b\n1,2\n")
    after = stored_state()
    assert (after["datasets"], after["versions"]) == (before["datasets"] + 1, before["versions"] + 1)
    assert len(after["artifact_files"]) == len(before["artifact_files"]) + 1


# -- generated at run time: too big to commit ---------------------------------------------------------


def _xlsx_with_sheet_xml(size: int) -> bytes:
    """A real workbook whose first sheet is padded with ``size`` bytes of XML whitespace."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["a", "b"])
    workbook.active.append([1, 2])
    plain = io.BytesIO()
    workbook.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * size, 1)
            target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def test_xlsx_zip_bomb_is_refused_by_ratio_before_parsing(api) -> None:
    bomb = _xlsx_with_sheet_xml(64 * 1024 * 1024)  # 64 MiB of XML in about 64 KB
    assert len(bomb) < 200 * 1024
    started = time.perf_counter()
    error = _refused(api, "bomb.xlsx", bomb, 413, "xlsx_zip_bomb", "zip bomb")
    assert time.perf_counter() - started < 5, "the archive must be refused without inflating it"
    assert "unzips to 64.0 MB" in error["message"]


def test_xlsx_over_the_unzipped_size_limit_is_refused(api, settings) -> None:
    settings.DATASET_XLSX_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    workbook = _xlsx_with_sheet_xml(2 * 1024 * 1024)
    _refused(api, "big.xlsx", workbook, 413, "xlsx_too_large", "more than the limit of 1 MB")


def test_over_the_size_limit_is_413_with_the_limit_while_streaming(api, settings) -> None:
    settings.DATASET_MAX_UPLOAD_BYTES = 10_000
    data = b"a,b\n" + b"1,2\n" * 5_000  # 20 KB: under Content-Length slack, refused while streaming
    _refused(api, "big.csv", data, 413, "file_too_large", "upload limit of 9.8 KB (10,000 bytes)")


def test_over_the_size_limit_is_413_from_the_content_length(api, settings) -> None:
    settings.DATASET_MAX_UPLOAD_BYTES = 10_000
    data = b"a,b\n" + b"1,2\n" * 50_000  # 200 KB: refused before the body is read
    _refused(api, "big.csv", data, 413, "file_too_large", "(10,000 bytes)")


def test_the_default_size_limit_is_200_mb(api) -> None:
    from designer.datasets import ingest

    assert ingest.max_upload_bytes() == 200 * 1024 * 1024
    assert "200 MB" in ingest.upload_too_large(ingest.max_upload_bytes()).message


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("../etc/passwd", "file path"),
        ("reports/q1", "file path"),
        ("C:\\data\\x", "file path"),
        ("..", "file path"),
        ("bad\x00name", "NUL byte"),
        ("tab\there", "control character (U+0009)"),
        ("escape\x1b[31m", "control character (U+001B)"),
        ("right\u202eto left", "control character (U+202E)"),
        ("   ", "empty"),
        ("x" * 201, "the limit is 200"),
    ],
)
def test_bad_names_are_refused(api, name, fragment) -> None:
    error = _refused(api, "good.csv", b"a\n1\n", 400, "invalid_name", fragment, name=name)
    assert error["field"] == "name"


def test_unknown_declared_format_is_refused(api) -> None:
    _refused(api, "good.csv", b"a\n1\n", 415, "unsupported_format", "Unknown format", format="sav")
