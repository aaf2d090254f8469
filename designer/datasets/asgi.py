"""ASGI middleware: refuse an oversized dataset upload before its body crosses the network.

Django's ASGI handler reads the whole request body (spooled to a temporary file) before any view or
upload handler runs, so under the ASGI server the view's 413 only comes after every byte was received.
Wrapped around the Django HTTP app, this answers the same 413 at once when Content-Length is over the
limit, and cuts off a body sent without one (chunked) as soon as it passes the limit.
"""

from __future__ import annotations

import json
from typing import Any

from .uploads import MULTIPART_OVERHEAD_BYTES

UPLOAD_PATH = "/api/v1/datasets/"


class UploadSizeLimit:
    def __init__(self, app: Any, path: str = UPLOAD_PATH) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("method") != "POST" or scope.get("path") != self.path:
            await self.app(scope, receive, send)
            return
        from . import ingest

        limit = ingest.max_upload_bytes()
        allowed = limit + MULTIPART_OVERHEAD_BYTES
        length = _content_length(scope)
        if length is not None and length > allowed:
            await _refuse(send, limit)
            return
        received = 0
        exceeded = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal received, exceeded
            message = await receive()
            if message.get("type") == "http.request":
                received += len(message.get("body", b""))
                if received > allowed:
                    exceeded = True
                    return {"type": "http.disconnect"}  # Django stops reading and answers nothing
            return message

        await self.app(scope, limited_receive, send)
        if exceeded:
            await _refuse(send, limit)


def _content_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Any, limit: int) -> None:
    from . import ingest

    error = ingest.upload_too_large(limit)
    body = json.dumps(error.body()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
