"""The ASGI size limit answers 413 before the body is read (Content-Length) or as soon as it passes
the limit (chunked), and leaves every other request alone."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from django.core.asgi import get_asgi_application

from designer.datasets.asgi import UploadSizeLimit
from designer.datasets.uploads import MULTIPART_OVERHEAD_BYTES

LIMIT = 1000


@pytest.fixture(autouse=True)
def small_limit(settings) -> None:
    settings.DATASET_MAX_UPLOAD_BYTES = LIMIT


def _scope(
    path: str = "/api/v1/datasets/", method: str = "POST", length: int | None = None
) -> dict[str, Any]:
    headers = [(b"content-type", b"multipart/form-data; boundary=x")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return {"type": "http", "method": method, "path": path, "headers": headers, "query_string": b""}


def _call(app, scope: dict[str, Any], chunks: list[bytes]) -> tuple[list[dict], int]:
    """Run the app; returns what it sent and how many body chunks were handed out."""
    sent: list[dict] = []
    handed = 0

    async def receive() -> dict[str, Any]:
        nonlocal handed
        if handed < len(chunks):
            handed += 1
            return {"type": "http.request", "body": chunks[handed - 1], "more_body": handed < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent, handed


class _Echo:
    """Reads the whole body and answers 200 with its size."""

    def __init__(self) -> None:
        self.called = False

    async def __call__(self, scope, receive, send) -> None:
        self.called = True
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(size).encode()})


def _error(sent: list[dict]) -> dict:
    assert sent[0]["status"] == 413
    return json.loads(sent[1]["body"])["error"]


def test_content_length_over_the_limit_is_refused_unread() -> None:
    app = _Echo()
    sent, handed = _call(UploadSizeLimit(app), _scope(length=LIMIT + MULTIPART_OVERHEAD_BYTES + 1), [b"x"])
    assert not app.called and handed == 0
    error = _error(sent)
    assert error["code"] == "file_too_large" and "(1,000 bytes)" in error["message"]


def test_chunked_body_is_cut_off_when_it_passes_the_limit() -> None:
    chunk = b"x" * 16 * 1024
    chunks = [chunk] * 100  # 1.6 MB, no Content-Length
    sent, handed = _call(UploadSizeLimit(get_asgi_application()), _scope(), chunks)
    assert handed < len(chunks), "the body must not be read to its end"
    assert len(sent) == 2 and _error(sent)["code"] == "file_too_large"


def test_other_requests_pass_through() -> None:
    for scope in (_scope(path="/api/v1/pipelines/", length=10**9), _scope(method="GET", length=10**9)):
        app = _Echo()
        sent, _ = _call(UploadSizeLimit(app), scope, [b"abc", b"de"])
        assert app.called and sent[0]["status"] == 200 and sent[1]["body"] == b"5"
    app = _Echo()
    sent, _ = _call(UploadSizeLimit(app), _scope(length=500), [b"a" * 500])
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"500"
