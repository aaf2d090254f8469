"""What a scoring process keeps in memory, and the scoring function both routes call.

- ``registry``: per endpoint name, its key digests, traffic split and the plans of its serving versions.
  Loaded from the database once; afterwards one small query (the endpoint's ``revision``) at most every
  ``REFRESH_SECONDS`` tells whether anything changed. Plans are cached by version, so a traffic change
  or a key rotation reloads no model.
- ``recorder``: request logs and input samples, appended in memory on the request path and written in
  batches by a background thread.
- ``score``: auth, version choice, parsing, validation, the plan, the reply. Synchronous and free of
  database access: the lean ASGI app calls it inline, the Django view through the same function.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from django.conf import settings
from django.db import DatabaseError, IntegrityError, close_old_connections, connection, transaction
from threadpoolctl import threadpool_limits

from modules.sdk import ModuleError

from . import keys
from .formats import RequestError, RowValidator, parse_body, render, split_inputs
from .plan import InferencePlan

log = logging.getLogger(__name__)

REFRESH_SECONDS = float(getattr(settings, "SCORING_REFRESH_SECONDS", 1.0))
MAX_ROWS = int(getattr(settings, "SCORING_MAX_ROWS", 10_000))
MAX_BODY_BYTES = int(getattr(settings, "SCORING_MAX_BODY_BYTES", 8 * 1024 * 1024))
FLUSH_SECONDS = 0.25
ACCEPTED_KEYS = 16
MAX_PENDING = 200_000
WRITE_CHUNK = 500
SAMPLE_ROWS = 100  # per endpoint version per SAMPLE_SECONDS, reservoir-sampled
SAMPLE_SECONDS = 10.0


@dataclass
class VersionRuntime:
    number: int
    plan: InferencePlan
    validators: dict[str, RowValidator]
    input_names: list[str]
    outputs: list[str]


@dataclass
class EndpointRuntime:
    id: int
    name: str
    workspace_id: int
    revision: int
    status: str
    digests: tuple[str, ...]
    versions: dict[int, VersionRuntime]
    traffic: list[tuple[float, int]]  # (cumulative percentage, version number)
    # With the id, which endpoint this is: a deleted endpoint's name and even its id can come back
    # (a flushed test database reuses ids), and its revision starts at 1 again.
    created_at: str = ""
    checked_at: float = field(default_factory=time.monotonic)
    # Keys that matched a digest since this state was loaded (a key change loads a new state).
    accepted: set[str] = field(default_factory=set)

    def choose(self) -> VersionRuntime | None:
        if not self.traffic:
            return None
        if len(self.traffic) == 1:
            return self.versions.get(self.traffic[0][1])
        draw = random.random() * 100.0
        for threshold, number in self.traffic:
            if draw < threshold:
                return self.versions.get(number)
        return self.versions.get(self.traffic[-1][1])


SCORING_THREADS = int(getattr(settings, "SCORING_THREADS", 1))


_thread_state = threading.local()


def limit_threads() -> None:
    """One thread per prediction in a scoring process: it serves many small requests at once, and a
    thread pool per call only adds latency (measured, one row through LightGBM on a busy 2-core machine:
    0.8-4 ms with OpenMP's default threads, 20-40 us with one). OpenMP keeps this setting per thread and
    per loaded library, so each scoring thread applies it again whenever new plans (new libraries) have
    been loaded. Training runs in the workers, untouched."""
    if getattr(_thread_state, "generation", None) != registry.generation:
        threadpool_limits(limits=SCORING_THREADS)
        _thread_state.generation = registry.generation


def version_runtime(number: int, plan: InferencePlan) -> VersionRuntime:
    registry.generation += 1
    return VersionRuntime(
        number=number,
        plan=plan,
        validators={spec.name: RowValidator(spec.name, spec.columns) for spec in plan.inputs},
        input_names=[spec.name for spec in plan.inputs],
        outputs=list(plan.outputs),
    )


class Registry:
    def __init__(self) -> None:
        self._endpoints: dict[str, EndpointRuntime] = {}
        self._plans: dict[tuple[int, str], VersionRuntime] = {}  # EndpointVersion -> loaded plan
        self._lock = threading.Lock()
        self._refreshing: set[str] = set()
        self.generation = 0  # bumped whenever a plan is loaded (see limit_threads)

    def cached(self, name: str) -> EndpointRuntime | None:
        return self._endpoints.get(name)

    def is_stale(self, state: EndpointRuntime) -> bool:
        return time.monotonic() - state.checked_at > REFRESH_SECONDS

    def get(self, name: str) -> EndpointRuntime | None:
        """The endpoint, refreshed from the database when older than REFRESH_SECONDS (sync callers)."""
        state = self._endpoints.get(name)
        if state is None or self.is_stale(state):
            state = self.refresh(name)
        return state

    def invalidate(self, name: str) -> None:
        state = self._endpoints.get(name)
        if state is not None:
            state.checked_at = -1e9
            state.revision = -1

    @staticmethod
    def _plan_key(version: Any) -> tuple[int, str]:
        # Not the primary key alone: a deleted endpoint's version ids can be given again.
        return (version.pk, version.created_at.isoformat())

    def install_plan(self, version: Any, plan: InferencePlan) -> None:
        """Deploying checked this plan already: keep it, so the first request loads nothing."""
        with self._lock:
            self._plans[self._plan_key(version)] = version_runtime(version.number, plan)

    def begin_refresh(self, name: str) -> bool:
        with self._lock:
            if name in self._refreshing:
                return False
            self._refreshing.add(name)
            return True

    def end_refresh(self, name: str) -> None:
        with self._lock:
            self._refreshing.discard(name)

    def refresh_in_thread(self, name: str) -> EndpointRuntime | None:
        """``refresh`` from a thread of the scoring app's pool, which manages its own connection."""
        close_old_connections()
        return self.refresh(name)

    def refresh(self, name: str) -> EndpointRuntime | None:
        from .models import Endpoint, EndpointKey, EndpointStatus, EndpointVersion
        from .services import plan_for_version

        close_old_connections()
        row = (
            Endpoint.objects.filter(name=name)
            .values("id", "workspace_id", "revision", "status", "traffic", "created_at")
            .first()
        )
        if row is None:
            self._endpoints.pop(name, None)
            return None
        previous = self._endpoints.get(name)
        incarnation = row["created_at"].isoformat()
        if (
            previous is not None
            and previous.revision == row["revision"]
            and previous.id == row["id"]
            and previous.created_at == incarnation
        ):
            previous.checked_at = time.monotonic()
            return previous
        digests = tuple(EndpointKey.objects.filter(endpoint_id=row["id"]).values_list("digest", flat=True))
        numbers = {int(n): share for n, share in (row["traffic"] or {}).items() if share > 0}
        versions: dict[int, VersionRuntime] = {}
        for version in EndpointVersion.objects.filter(
            endpoint_id=row["id"], number__in=list(numbers), status=EndpointStatus.HEALTHY
        ):
            versions[version.number] = self._version(version, plan_for_version)
        traffic, total = [], 0.0
        for number in sorted(numbers):
            if number in versions:
                total += numbers[number]
                traffic.append((total, number))
        state = EndpointRuntime(
            id=row["id"],
            name=name,
            workspace_id=row["workspace_id"],
            revision=row["revision"],
            status=row["status"],
            digests=digests,
            versions=versions,
            traffic=traffic,
            created_at=incarnation,
        )
        self._endpoints[name] = state
        return state

    def _version(self, version: Any, build: Any) -> VersionRuntime:
        key = self._plan_key(version)
        loaded = self._plans.get(key)
        if loaded is None:
            loaded = version_runtime(version.number, build(version))
            with self._lock:
                self._plans[key] = loaded
        return loaded

    def pinned(self, state: EndpointRuntime, number: int) -> VersionRuntime | None:
        """A version asked for by number (``X-Endpoint-Version``); loaded on first use (sync)."""
        if number in state.versions:
            return state.versions[number]
        from .models import EndpointStatus, EndpointVersion
        from .services import plan_for_version

        version = EndpointVersion.objects.filter(
            endpoint_id=state.id, number=number, status=EndpointStatus.HEALTHY
        ).first()
        return self._version(version, plan_for_version) if version is not None else None

    def clear(self) -> None:
        with self._lock:
            self._endpoints.clear()
            self._plans.clear()


registry = Registry()


class Recorder:
    """Request logs and input samples, kept in memory and written by a background thread every second."""

    def __init__(self) -> None:
        self._logs: list[tuple] = []
        self._samples: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
        self._seen: dict[tuple[int, int], int] = defaultdict(int)
        self._samples_since = time.monotonic()
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def record(
        self, endpoint_id: int, version: int | None, status: int, latency_ms: float, rows: int, code: str
    ) -> None:
        with self._lock:
            self._logs.append((endpoint_id, version, status, latency_ms, rows, code, time.time()))
        if self._thread is None:
            self._start()

    def sample(self, endpoint_id: int, version: int, batch: Any) -> None:
        """Reservoir-sample request rows (at most SAMPLE_ROWS per version per SAMPLE_SECONDS)."""
        key = (endpoint_id, version)
        seen = self._seen.get(key, 0)
        if seen >= SAMPLE_ROWS and batch.rows == 1 and random.random() * (seen + 1) >= SAMPLE_ROWS:
            # The common case once the reservoir is full: this row is not kept. (Counted without the
            # lock: a count off by one under contention only nudges the sampling odds.)
            self._seen[key] = seen + 1
            return
        with self._lock:
            self._sample(key, batch)

    def _sample(self, key: tuple[int, int], batch: Any) -> None:
        kept = self._samples[key]
        for i in range(batch.rows):
            self._seen[key] += 1
            if len(kept) < SAMPLE_ROWS:
                kept.append({c: v[i] for c, v in batch.columns.items()})
            else:
                slot = random.randrange(self._seen[key])
                if slot < SAMPLE_ROWS:
                    kept[slot] = {c: v[i] for c, v in batch.columns.items()}

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._loop, name="scoring-recorder", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            time.sleep(FLUSH_SECONDS)
            try:
                close_old_connections()  # this thread's own connection (the request threads' are Django's)
                self.flush(force=False)
            except Exception:  # the next pass retries; scoring never waits for this
                log.warning("writing scoring logs failed", exc_info=True)

    def flush(self, force: bool = True) -> int:
        """Write what was recorded since the last flush; returns the number of request logs written.

        Logs of an endpoint deleted meanwhile are dropped (the others are written); when the database
        cannot be written at all, the batch is kept for the next pass, up to MAX_PENDING logs."""
        with self._flush_lock:
            with self._lock:
                logs, self._logs = self._logs, []
                samples: dict[tuple[int, int], list[dict[str, Any]]] = {}
                if force or time.monotonic() - self._samples_since >= SAMPLE_SECONDS:
                    samples, self._samples = self._samples, defaultdict(list)
                    self._seen = defaultdict(int)
                    self._samples_since = time.monotonic()
            if not logs and not samples:
                return 0
            try:
                return self._write(logs, samples)
            except IntegrityError:
                from .models import Endpoint

                alive = set(
                    Endpoint.objects.filter(
                        pk__in={e for e, *_ in logs} | {e for e, _ in samples}
                    ).values_list("pk", flat=True)
                )
                logs = [entry for entry in logs if entry[0] in alive]
                samples = {key: rows for key, rows in samples.items() if key[0] in alive}
                return self._write(logs, samples)
            except DatabaseError:
                with self._lock:
                    self._logs = (logs + self._logs)[-MAX_PENDING:]
                raise

    def _write(self, logs: list[tuple], samples: dict[tuple[int, int], list[dict[str, Any]]]) -> int:
        """Plain parameterised INSERTs in chunks, not model instances: at thousands of requests per second
        this thread must hold the interpreter as little as possible (the event loop shares it)."""
        from .models import InputSample, RequestLog

        adapt = connection.ops.adapt_datetimefield_value
        quote = connection.ops.quote_name
        columns = ("endpoint_id", "version", "status", "latency_ms", "rows", "error_code", "created_at")
        sql = (
            f"INSERT INTO {quote(RequestLog._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        with transaction.atomic():
            for start in range(0, len(logs), WRITE_CHUNK):
                chunk = logs[start : start + WRITE_CHUNK]
                params = [
                    (e, v, s, ms, r, code, adapt(datetime.fromtimestamp(at, tz=UTC)))
                    for e, v, s, ms, r, code, at in chunk
                ]
                with connection.cursor() as cursor:
                    cursor.executemany(sql, params)
                time.sleep(0)  # let the event loop run between chunks
            now = datetime.now(tz=UTC)
            InputSample.objects.bulk_create(
                [
                    InputSample(endpoint_id=e, version=v, rows=rows, created_at=now)
                    for (e, v), rows in samples.items()
                    if rows
                ]
            )
        return len(logs)


recorder = Recorder()


@dataclass
class Outcome:
    status: int
    body: bytes
    version: int | None = None
    rows: int = 0
    code: str = ""
    fast: bool = False


def _error(exc: RequestError, version: int | None = None) -> Outcome:
    return Outcome(exc.status, orjson.dumps(exc.body()), version=version, code=exc.code)


def score(
    state: EndpointRuntime,
    body: bytes,
    *,
    authorization: str | None,
    authorized: bool = False,
    pin: str | None = None,
    started: float | None = None,
) -> Outcome:
    """Score one request against an endpoint; every failure is a coded JSON error, logged."""
    started = time.perf_counter() if started is None else started
    limit_threads()
    outcome = _score(state, body, authorization, authorized, pin)
    recorder.record(
        state.id,
        outcome.version,
        outcome.status,
        (time.perf_counter() - started) * 1000.0,
        outcome.rows,
        outcome.code,
    )
    return outcome


def _score(
    state: EndpointRuntime, body: bytes, authorization: str | None, authorized: bool, pin: str | None
) -> Outcome:
    if not authorized:
        key = keys.bearer_key(authorization)
        if key is None:
            return _error(
                RequestError(401, "missing_key", "Send the endpoint's key: Authorization: Bearer <key>.")
            )
        if key not in state.accepted:
            if not keys.key_matches(key, state.digests):
                return _error(RequestError(401, "invalid_key", "The key is not valid for this endpoint."))
            if len(state.accepted) < ACCEPTED_KEYS:
                state.accepted.add(key)
    if pin:
        if not pin.isdigit():
            return _error(
                RequestError(400, "invalid_version", "X-Endpoint-Version must be a version number.")
            )
        try:
            version = registry.pinned(state, int(pin))
        except Exception:
            log.exception("loading version %s of %s failed", pin, state.name)
            return _error(RequestError(503, "unavailable", f"Version {pin} could not be loaded; try again."))
        if version is None:
            return _error(
                RequestError(404, "unknown_version", f"Version {pin} of this endpoint is not serving.")
            )
    else:
        version = state.choose()
    if version is None:
        return _error(
            RequestError(
                503,
                "not_ready",
                f"The endpoint '{state.name}' has no healthy version serving (status: {state.status}).",
            )
        )
    if len(body) > MAX_BODY_BYTES:
        return _error(
            RequestError(413, "body_too_large", f"The body is larger than {MAX_BODY_BYTES} bytes."),
            version.number,
        )
    try:
        fmt, inputs = split_inputs(parse_body(body), version.input_names, MAX_ROWS)
        batches = {name: version.validators[name](rows) for name, rows in inputs.items()}
        replies, fast = version.plan.score(batches)
        payload = orjson.dumps(render(fmt, replies, version.outputs, version.number))
    except RequestError as exc:
        return _error(exc, version.number)
    except ModuleError as exc:
        error = RequestError(
            400,
            "invalid_data",
            f"The data cannot be scored: {exc.message}",
            field=exc.column,
            module=exc.module,
        )
        return _error(error, version.number)
    except RecursionError:
        return _error(RequestError(400, "too_deep", "The JSON is nested too deeply."), version.number)
    except Exception:
        log.exception("scoring %s version %s failed", state.name, version.number)
        return Outcome(
            500,
            orjson.dumps(
                {
                    "error": {
                        "code": "internal_error",
                        "message": "Scoring failed on the server; the error is logged.",
                    }
                }
            ),
            version=version.number,
            code="internal_error",
        )
    rows = sum(batch.rows for batch in batches.values())
    first = version.input_names[0]
    recorder.sample(state.id, version.number, batches[first])
    return Outcome(200, payload, version=version.number, rows=rows, fast=fast)


def unknown_endpoint(name: str) -> Outcome:
    return _error(RequestError(404, "unknown_endpoint", f"There is no endpoint named '{name}'."))
