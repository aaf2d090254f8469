"""The lean scoring route: ``POST /score/<name>``, a raw ASGI app mounted in front of Django.

Measured (see bench/scoring.py): Django's request cycle under uvicorn costs more than the model itself for
one-row requests, so the hot path skips it: no middleware, no URL resolver, no ORM. The request body is
read with a size cap, the endpoint's state (plans, key digests, traffic) comes from the in-process
registry, and scoring runs inline on the event loop for small bodies (a thread for large ones, so one big
batch does not stall other requests). The database is touched only to load an endpoint the process has
not seen yet and, at most once per REFRESH_SECONDS, to see whether it changed: that runs in a thread
while requests keep being served from the copy in memory. Logs are written by the recorder's thread.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
from django.db import close_old_connections

from designer.deployments import runtime

log = logging.getLogger(__name__)

PREFIX = "/score/"
NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
INLINE_BODY_BYTES = 64 * 1024
_db = ThreadPoolExecutor(max_workers=2, thread_name_prefix="scoring-db")
_work = ThreadPoolExecutor(max_workers=4, thread_name_prefix="scoring-batch")

CORS = [
    (b"access-control-allow-origin", b"*"),
]
PREFLIGHT = [
    *CORS,
    (b"access-control-allow-methods", b"POST, OPTIONS"),
    (b"access-control-allow-headers", b"authorization, content-type, x-endpoint-version"),
    (b"access-control-max-age", b"600"),
]


async def _send(send: Any, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *CORS]
    if extra:
        headers.extend(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _error_body(code: str, message: str) -> bytes:
    return orjson.dumps({"error": {"code": code, "message": message}})


async def _read_body(receive: Any, limit: int) -> bytes | None:
    """The whole body, or None as soon as it grows past ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks) if len(chunks) != 1 else chunks[0]


async def _state(name: str) -> runtime.EndpointRuntime | None:
    registry = runtime.registry
    state = registry.cached(name)
    loop = asyncio.get_running_loop()
    if state is None:
        return await loop.run_in_executor(_db, registry.refresh_in_thread, name)
    if registry.is_stale(state) and registry.begin_refresh(name):
        # Serve from memory now; see whether the endpoint changed in the background.
        future = loop.run_in_executor(_db, registry.refresh_in_thread, name)
        future.add_done_callback(functools.partial(_refreshed, name=name))
    return state


def _refreshed(future: Any, *, name: str) -> None:
    runtime.registry.end_refresh(name)
    if future.exception() is not None:
        log.warning("refreshing endpoint %s failed: %s", name, future.exception())


def _score_in_thread(
    state: Any, body: bytes, authorization: Any, pin: Any, started: float
) -> runtime.Outcome:
    close_old_connections()  # a pool thread may load a pinned version: its connection is its own
    return runtime.score(state, body, authorization=authorization, pin=pin, started=started)


async def scoring_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    started = time.perf_counter()
    method = scope["method"]
    name = scope["path"][len(PREFIX) :].rstrip("/")
    if method == "OPTIONS":
        await send({"type": "http.response.start", "status": 204, "headers": PREFLIGHT})
        await send({"type": "http.response.body", "body": b""})
        return
    if method != "POST":
        await _send(
            send,
            405,
            _error_body("method_not_allowed", "Score with POST and a JSON body."),
            [(b"allow", b"POST, OPTIONS")],
        )
        return
    if not NAME.fullmatch(name):
        await _send(
            send, 404, _error_body("unknown_endpoint", "Scoring URLs look like /score/<endpoint-name>.")
        )
        return
    authorization = pin = None
    length = 0
    for key, value in scope["headers"]:
        if key == b"authorization":
            authorization = value.decode("latin-1")
        elif key == b"content-length":
            length = int(value) if value.isdigit() else 0
        elif key == b"x-endpoint-version":
            pin = value.decode("latin-1")
        elif key == b"content-type":
            kind = value.split(b";")[0].strip().lower()
            if (
                kind
                and kind not in (b"application/json", b"text/json", b"*/*")
                and not kind.endswith(b"+json")
            ):
                await _send(
                    send, 415, _error_body("unsupported_media_type", "Send the body as application/json.")
                )
                return
    limit = runtime.MAX_BODY_BYTES
    if length > limit:
        await _send(send, 413, _error_body("body_too_large", f"The body is larger than {limit} bytes."))
        return
    body = await _read_body(receive, limit)
    if body is None:
        await _send(send, 413, _error_body("body_too_large", f"The body is larger than {limit} bytes."))
        return
    try:
        state = await _state(name)
    except Exception:
        log.exception("loading endpoint %s failed", name)
        await _send(send, 503, _error_body("unavailable", "The endpoint could not be loaded; try again."))
        return
    if state is None:
        outcome = runtime.unknown_endpoint(name)
    elif len(body) > INLINE_BODY_BYTES or (pin and pin.isdigit() and int(pin) not in state.versions):
        outcome = await asyncio.get_running_loop().run_in_executor(
            _work, _score_in_thread, state, body, authorization, pin, started
        )
    else:
        outcome = runtime.score(state, body, authorization=authorization, pin=pin, started=started)
    extra = []
    if outcome.version is not None:
        extra.append((b"x-endpoint-version", str(outcome.version).encode()))
    if outcome.status == 200:
        extra.append((b"x-scoring-path", b"fast" if outcome.fast else b"general"))
    elif outcome.status == 401:
        extra.append((b"www-authenticate", b'Bearer realm="scoring"'))
    await _send(send, outcome.status, outcome.body, extra)


class ScoringMount:
    """Sends ``/score/...`` HTTP requests to the scoring app and everything else to Django/Channels."""

    def __init__(self, inner: Any, scoring: Any = scoring_app, prefix: str = PREFIX) -> None:
        self.inner = inner
        self.scoring = scoring
        self.prefix = prefix

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            try:
                await self.scoring(scope, receive, send)
            except Exception:  # never a bare 500 page from the scoring route
                log.exception("scoring route failed")
                await _send(send, 500, _error_body("internal_error", "Scoring failed on the server."))
            return
        await self.inner(scope, receive, send)
