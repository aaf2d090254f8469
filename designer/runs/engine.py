"""The run engine: plans a submitted graph into steps and executes them, event-driven.

Each finished step enqueues the successors whose inputs are all ready (decided in one transaction by a
conditional update, so two finishing parents cannot both enqueue the same child). A running step holds
a lease renewed by a heartbeat (one lease-keeper thread per process); the reaper (a thread in every worker) re-queues steps whose lease
expired or fails them after ``MAX_ATTEMPTS``. Claiming and finishing are conditional updates on
``(status, attempt)``, so a step is never run twice to completion and finishing twice changes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import threading
import time
from collections import defaultdict
from datetime import timedelta
from functools import partial
from importlib import metadata
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from designer.artifacts import store as artifacts
from designer.graphs import services as graphs
from designer.graphs.validation import Problem, nodes_by_id, topological_order
from designer.workspaces import audit
from modules.sdk import (
    CancelledError,
    DataTable,
    Evaluation,
    ModuleError,
    PortType,
    RunContext,
    get_module,
)

from . import events
from .models import (
    DONE_STATUSES,
    TERMINAL_STATUSES,
    Experiment,
    Run,
    RunStatus,
    Step,
    StepStatus,
    WorkerPresence,
)

log = logging.getLogger(__name__)

LEASE_SECONDS = 10.0
HEARTBEAT_SECONDS = 2.0
MAX_ATTEMPTS = 3
# How long a step asking for a GPU waits for a gpu worker before it fails with the reason.
GPU_WAIT_SECONDS = float(os.environ.get("DESIGNER_GPU_WAIT_SECONDS", "60"))
REDISPATCH_QUEUED_AFTER = 60.0
LOG_LIMIT = 64 * 1024
WORKER_PRESENCE_FRESH = 15.0
# Bump when the engine changes how outputs are produced, so old cache entries stop matching.
ENGINE_CACHE_EPOCH = 1
_LIBRARIES = ("numpy", "pandas", "pyarrow", "scikit-learn", "lightgbm", "xgboost-cpu", "xgboost", "scipy")


class GraphInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the pipeline")
        self.problems = problems


# --------------------------------------------------------------------------------------------------
# Submitting and planning
# --------------------------------------------------------------------------------------------------


def submit(
    pipeline,
    user,
    *,
    experiment_name: str = "Default",
    graph: dict[str, Any] | None = None,
    from_node: str | None = None,
    only_node: str | None = None,
    regenerate: list[str] | None = None,
    tags: list[str] | None = None,
    parameters: dict[str, Any] | None = None,
) -> Run:
    graph = graphs.upgrade_graph(graph if graph is not None else pipeline.draft)
    # Pipeline parameters are resolved before validation and freezing, so versions and cache keys see values.
    graph, parameter_values, problems = graphs.prepare_graph(graph, parameters)
    nodes = nodes_by_id(graph) if isinstance(graph, dict) else {}
    for name, node in (("from_node", from_node), ("only_node", only_node)):
        if node is not None and node not in nodes:
            problems.append(
                Problem("unknown_node", f"{name}: there is no node '{node}' in this pipeline.", node=node)
            )
    if not nodes and not problems:
        problems.append(Problem("empty_graph", "The pipeline has no modules yet: drag one from the palette."))
    if problems:
        raise GraphInvalid(problems)
    with transaction.atomic():
        version = graphs.freeze_version(pipeline, graph)
        experiment, _ = Experiment.objects.get_or_create(workspace=pipeline.workspace, name=experiment_name)
        run = Run.objects.create(
            workspace=pipeline.workspace,
            experiment=experiment,
            pipeline_version=version,
            created_by=user,
            options={
                "from_node": from_node,
                "only_node": only_node,
                "regenerate": regenerate or [],
                **({"parameters": parameter_values} if parameter_values else {}),
            },
            tags=tags or [],
        )
        _plan_steps(run, version.graph, from_node, only_node, set(regenerate or []))
        audit.record(
            user, run.workspace_id, "run.submitted", run, pipeline=str(pipeline.pk), version=version.number
        )
        events.emit(run.pk, "run_queued", steps=run.steps.count())
        transaction.on_commit(lambda: dispatch_ready(run.pk))
    return run


def _edges(graph: dict[str, Any]) -> list[dict[str, str]]:
    return list(graph.get("edges", []))


def _descendants(start: str, edges: list[dict[str, str]]) -> set[str]:
    children: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        children[edge["source"]].add(edge["target"])
    seen, stack = {start}, [start]
    while stack:
        for child in children[stack.pop()]:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def _ancestors(targets: set[str], edges: list[dict[str, str]]) -> set[str]:
    parents: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        parents[edge["target"]].add(edge["source"])
    seen, stack = set(targets), list(targets)
    while stack:
        for parent in parents[stack.pop()]:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def _plan_steps(
    run: Run, graph: dict[str, Any], from_node: str | None, only_node: str | None, regenerate: set[str]
) -> None:
    nodes = nodes_by_id(graph)
    edges = _edges(graph)
    order = topological_order(list(nodes), edges) or []
    forced: set[str] = set(regenerate)
    needed: set[str] = set(nodes)
    if from_node:
        forced |= _descendants(from_node, edges)
        needed = _ancestors(forced, edges)
    elif only_node:
        forced.add(only_node)
        needed = _ancestors({only_node}, edges)
    upstream: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for edge in edges:
        upstream[edge["target"]][edge["target_port"]] = [edge["source"], edge["source_port"]]
    gpu_up = gpu_worker_available()
    services = module_services(run.workspace_id)
    steps = []
    for node_id in order:
        node = nodes[node_id]
        module = get_module(node["module"])
        steps.append(
            Step(
                run=run,
                node_id=node_id,
                title=module.title,
                module_key=module.key,
                module_version=module.version,
                params=module.pin_params(module.validate_params(node.get("params") or {}), services),
                upstream=upstream[node_id],
                queue=_route(node.get("compute", "auto"), module.gpu_capable, gpu_up),
                regenerate=node_id in forced or bool(node.get("regenerate")),
                status=StepStatus.PENDING if node_id in needed else StepStatus.SKIPPED,
            )
        )
    Step.objects.bulk_create(steps)


def _route(compute: str, gpu_capable: bool, gpu_up: bool) -> str:
    if compute == "gpu" or (compute == "auto" and gpu_capable and gpu_up):
        return "gpu"
    return "cpu"


def gpu_worker_available() -> bool:
    fresh = timezone.now() - timedelta(seconds=WORKER_PRESENCE_FRESH)
    return any("gpu" in (w.queues or []) for w in WorkerPresence.objects.filter(last_seen__gte=fresh))


# --------------------------------------------------------------------------------------------------
# Dispatch: event-driven, one conditional update per step
# --------------------------------------------------------------------------------------------------


def dispatch_ready(run_id: Any, keep_for_queue: str | None = None) -> int | None:
    """Queue every pending step whose inputs are all done; finish the run when nothing is left.

    A ready step whose outputs are already in the cache is marked cached right here, without a trip
    through the broker and a worker, and its successors are considered in the same pass: an unchanged
    resubmission completes inside the submit call. With ``keep_for_queue`` (a worker that just finished
    a step), one ready step of that queue is queued but not sent: its id is returned for the caller to
    run in place.
    """
    to_send: list[Step] = []
    kept: Step | None = None
    with transaction.atomic():
        run = Run.objects.get(pk=run_id)
        if run.cancel_requested:
            return None
        # The heavy columns (logs, schemas, metrics) are not needed to decide what is ready.
        steps = {s.node_id: s for s in run.steps.defer("logs", "output_schemas", "error")}
        progressed = True
        while progressed:
            progressed = False
            done = {node for node, s in steps.items() if s.status in DONE_STATUSES}
            for step in steps.values():
                if step.status != StepStatus.PENDING or not all(
                    src in done for src, _ in step.upstream.values()
                ):
                    continue
                if _resolve_from_cache(step, steps):
                    progressed = True
                    continue
                now = timezone.now()
                task_id = f"step-{step.pk}-{int(now.timestamp() * 1e6)}"
                claimed = Step.objects.filter(pk=step.pk, status=StepStatus.PENDING).update(
                    status=StepStatus.QUEUED, queued_at=now, task_id=task_id
                )
                if claimed:
                    step.task_id, step.status = task_id, StepStatus.QUEUED
                    if kept is None and keep_for_queue == step.queue:
                        kept = step
                    else:
                        to_send.append(step)
                    events.emit(run.pk, "step_queued", step.node_id, queue=step.queue)
        if not to_send and kept is None:
            _finish_run_if_done(run)
    transaction.on_commit(lambda: _send_all(to_send))
    return kept.pk if kept is not None else None


def _resolve_from_cache(step: Step, steps: dict[str, Step]) -> bool:
    module = get_module(step.module_key)
    if step.regenerate or not module.is_deterministic(step.params):
        return False
    digests = {}
    for port, (source, source_port) in step.upstream.items():
        digest = steps[source].outputs.get(source_port)
        if digest is not None:
            digests[port] = digest
    key = step_cache_key(step.module_key, step.module_version, step.params, digests)
    hit = _cache_hit(step, key)
    if hit is None:
        Step.objects.filter(pk=step.pk).update(cache_key=key)
        return False
    origin = _cache_origin(hit)
    now = timezone.now()
    fields = {
        "status": StepStatus.CACHED,
        "cache_key": key,
        "outputs": hit.outputs,
        "output_schemas": hit.output_schemas,
        "metrics": hit.metrics,
        "cached_from": origin,
        "logs": _cached_log(origin),
        "queued_at": now,
        "started_at": now,
        "finished_at": now,
        "duration_ms": 0.0,
    }
    if not Step.objects.filter(pk=step.pk, status=StepStatus.PENDING).update(**fields):
        return False
    for name, value in fields.items():
        setattr(step, name, value)
    events.emit(
        step.run_id,
        "step_cached",
        step.node_id,
        status=StepStatus.CACHED,
        duration_ms=0.0,
        cached_from_run=str(origin.run_id),
        **({"metrics": hit.metrics} if hit.metrics else {}),
    )
    return True


def _cached_log(origin: Step) -> str:
    return f"Reused the outputs of run {origin.run_id} (node '{origin.node_id}'): same module, parameters and inputs."


def _send_all(steps: list[Step]) -> None:
    for step in steps:
        _send(step)


def _cache_origin(hit: Step) -> Step:
    """The step that really computed the outputs (a cached step points at its origin)."""
    return hit.cached_from if hit.status == StepStatus.CACHED and hit.cached_from is not None else hit


def _send(step: Step) -> None:
    from .tasks import execute_step

    execute_step.apply_async(args=[step.pk], queue=step.queue, task_id=step.task_id)


def _finish_run_if_done(run: Run) -> None:
    statuses = list(run.steps.values_list("status", flat=True))
    if any(s not in TERMINAL_STATUSES for s in statuses):
        return
    if run.cancel_requested or StepStatus.CANCELLED in statuses:
        final = RunStatus.CANCELLED
    elif StepStatus.FAILED in statuses:
        final = RunStatus.FAILED
    else:
        final = RunStatus.COMPLETED
    updated = (
        Run.objects.filter(pk=run.pk)
        .exclude(status__in=[RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED])
        .update(status=final, finished_at=timezone.now())
    )
    if updated:
        events.emit(run.pk, "run_finished", status=final)


# --------------------------------------------------------------------------------------------------
# Executing one step (called by the Celery task in a worker)
# --------------------------------------------------------------------------------------------------


def _claim(step_id: int, worker: str, task_id: str = "") -> Step | None:
    now = timezone.now()
    lease = now + timedelta(seconds=LEASE_SECONDS)
    # The task id of the process that runs it (a step continued in place runs under its
    # predecessor's task), so that cancelling can revoke the right task.
    extra = {"task_id": task_id} if task_id else {}
    claimed = Step.objects.filter(pk=step_id, status=StepStatus.QUEUED).update(
        **extra,
        status=StepStatus.RUNNING,
        attempt=F("attempt") + 1,
        worker=worker,
        lease_expires_at=lease,
        started_at=now,
    )
    if not claimed:
        return None  # finished, cancelled, or held by a live lease (the reaper handles an expired one)
    return Step.objects.select_related("run").get(pk=step_id)


def library_versions() -> dict[str, str]:
    versions = {}
    for name in _LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


_LIBRARY_VERSIONS: dict[str, str] | None = None


def step_cache_key(
    module_key: str, module_version: int, params: dict[str, Any], input_digests: dict[str, str]
) -> str:
    global _LIBRARY_VERSIONS
    if _LIBRARY_VERSIONS is None:
        _LIBRARY_VERSIONS = library_versions()
    material = {
        "module": module_key,
        "version": module_version,
        "params": params,
        "inputs": input_digests,
        "libraries": _LIBRARY_VERSIONS,
        "epoch": ENGINE_CACHE_EPOCH,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def execute_step(step_id: int, worker: str, task_id: str = "") -> str:
    """Run a step, then keep going with one successor it made ready (same queue) in this process.

    Running the successor in place saves a trip through the broker and the pool, and its inputs are
    still in this process's memory cache. Other ready successors go to the queue, so branches still
    run in parallel on other processes.
    """
    outcome = "not-claimed"
    current: int | None = step_id
    while current is not None:
        outcome, step = _execute_one(current, worker, task_id)
        current = None
        if outcome in ("completed", "cached") and step is not None:
            current = dispatch_ready(step.run_id, keep_for_queue=step.queue)
    return outcome


def _execute_one(step_id: int, worker: str, task_id: str) -> tuple[str, Step | None]:
    step = _claim(step_id, worker, task_id)
    if step is None:
        return "not-claimed", None
    run = step.run
    if run.cancel_requested:
        _end_step(
            step, StepStatus.CANCELLED, error={"code": "cancelled", "message": "The run was cancelled."}
        )
        return "cancelled", step
    if step.attempt > MAX_ATTEMPTS:
        _fail(
            step, "worker_lost", f"The worker running '{step.title}' stopped {MAX_ATTEMPTS} times; giving up."
        )
        return "failed", step
    if run.status == RunStatus.QUEUED:
        Run.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, started_at=timezone.now()
        )
    events.emit(run.pk, "step_started", step.node_id, attempt=step.attempt, worker=worker)
    module = get_module(step.module_key)
    try:
        inputs, digests = _load_inputs(step, module)
    except Exception as exc:
        log.exception("loading inputs of step %s failed", step.pk)
        _fail(
            step, "input_unavailable", f"Could not read the inputs of '{step.title}': {type(exc).__name__}."
        )
        return "failed", step
    key = step_cache_key(step.module_key, step.module_version, step.params, digests)
    step.cache_key = key  # saved with the step's end, by _end_step
    if module.is_deterministic(step.params) and not step.regenerate:
        hit = _cache_hit(step, key)
        if hit is not None:
            return _finish_cached(step, hit), step
    return _run_module(step, module, inputs), step


def _load_inputs(step: Step, module) -> tuple[dict[str, Any], dict[str, str]]:
    sources = {
        s.node_id: s
        for s in Step.objects.filter(run_id=step.run_id, node_id__in=[u[0] for u in step.upstream.values()])
    }
    inputs, digests = {}, {}
    for port_name, (source_node, source_port) in step.upstream.items():
        digest = sources[source_node].outputs.get(source_port)
        if digest is None:
            continue  # an optional output that was not produced
        port = module.input(port_name)
        inputs[port_name] = artifacts.load_value(port.type, digest)
        digests[port_name] = digest
    return inputs, digests


def _cache_hit(step: Step, key: str) -> Step | None:
    candidates = (
        Step.objects.filter(cache_key=key, status__in=DONE_STATUSES)
        .exclude(pk=step.pk)
        .order_by("-finished_at")[:5]
    )
    store = artifacts.store()
    for candidate in candidates:
        if all(store.exists(d) for d in candidate.outputs.values()):
            return candidate
    return None


def _finish_cached(step: Step, hit: Step) -> str:
    origin = _cache_origin(hit)
    finished = _end_step(
        step,
        StepStatus.CACHED,
        inline=True,
        outputs=hit.outputs,
        output_schemas=hit.output_schemas,
        metrics=hit.metrics,
        cached_from=origin,
        logs=_cached_log(origin),
    )
    return "cached" if finished else "lost"


class _StepLogHandler(logging.Handler):
    def __init__(self, buffer: io.StringIO) -> None:
        super().__init__(logging.INFO)
        self.buffer = buffer
        self.setFormatter(logging.Formatter("%(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if self.buffer.tell() < LOG_LIMIT:
            self.buffer.write(self.format(record) + "\n")


class _LeaseKeeper:
    """One thread per process renews the leases of the steps this process is running.

    A thread per step would cost a thread start on every step (milliseconds on a busy machine); this
    one lives as long as the process and only walks a small dict. It also notices cancellation and a
    lost lease (another attempt took the step over) and tells the running module through its event.
    """

    def __init__(self) -> None:
        self.held: dict[int, tuple[Step, threading.Event]] = {}
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._loop, name="lease-keeper", daemon=True)
        self.thread.start()

    def hold(self, step: Step, cancel: threading.Event) -> None:
        with self.lock:
            self.held[step.pk] = (step, cancel)

    def release(self, step: Step) -> None:
        with self.lock:
            self.held.pop(step.pk, None)

    def _loop(self) -> None:
        from django.db import close_old_connections

        while True:
            time.sleep(HEARTBEAT_SECONDS)
            with self.lock:
                held = list(self.held.values())
            if not held:
                continue
            try:
                close_old_connections()
                lease = timezone.now() + timedelta(seconds=LEASE_SECONDS)
                cancelled = set(
                    Run.objects.filter(pk__in={s.run_id for s, _ in held}, cancel_requested=True).values_list(
                        "pk", flat=True
                    )
                )
                for step, cancel in held:
                    renewed = Step.objects.filter(
                        pk=step.pk, status=StepStatus.RUNNING, attempt=step.attempt
                    ).update(lease_expires_at=lease)
                    if not renewed or step.run_id in cancelled:
                        cancel.set()
            except Exception:  # a database hiccup: the next beat tries again well within the lease
                log.warning("lease renewal failed", exc_info=True)


_lease_keeper: _LeaseKeeper | None = None
_lease_keeper_lock = threading.Lock()


def _leases() -> _LeaseKeeper:
    global _lease_keeper
    with _lease_keeper_lock:
        if _lease_keeper is None or not _lease_keeper.thread.is_alive():
            _lease_keeper = _LeaseKeeper()
        return _lease_keeper


def _reset_leases_after_fork() -> None:
    global _lease_keeper, _lease_keeper_lock
    _lease_keeper, _lease_keeper_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_reset_leases_after_fork)


def module_services(workspace_id: int | None = None) -> dict[str, object]:
    """What modules may reach from the platform (see modules/data_io/services.py for the protocols)."""
    from django.conf import settings

    from designer.datasets.services import dataset_store
    from modules.python_language.sandbox import configured_runner

    return {
        "sqlite_directories": list(settings.SQLITE_IMPORT_DIRS),
        "datasets": dataset_store(workspace_id),
        # Execute Python Script / Create Python Model run user code with it (the sandbox by default).
        "python_script_runner": configured_runner(**settings.DESIGNER_SANDBOX_OPTIONS),
    }


def _run_module(step: Step, module, inputs: dict[str, Any]) -> str:
    buffer = io.StringIO()
    module_logger = logging.getLogger(f"modules.run.{step.pk}")
    module_logger.propagate = False
    handler = _StepLogHandler(buffer)
    module_logger.addHandler(handler)
    cancel = threading.Event()
    last_progress = [0.0]

    def on_progress(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - last_progress[0] >= 0.5 or fraction >= 1.0:
            last_progress[0] = now
            events.emit(
                step.run_id, "step_progress", step.node_id, fraction=round(fraction, 3), message=message
            )

    ctx = RunContext(
        seed=0,
        cpu_budget=1,
        device="cuda" if step.queue == "gpu" else "cpu",
        logger=module_logger,
        on_progress=on_progress,
        cancel_event=cancel,
        services=module_services(step.run.workspace_id),
    )
    leases = _leases()
    leases.hold(step, cancel)
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            outputs = module.execute(ctx, step.params, **inputs)
        digests, schemas, metrics = _store_outputs(module, outputs)
    except CancelledError:
        _end_step(
            step,
            StepStatus.CANCELLED,
            error={"code": "cancelled", "message": "The run was cancelled."},
            logs=buffer.getvalue()[:LOG_LIMIT],
        )
        return "cancelled"
    except ModuleError as exc:
        _fail(step, exc.code, exc.message, details=exc.as_dict(), logs=buffer.getvalue())
        return "failed"
    except Exception as exc:
        log.exception("module %s failed in step %s", step.module_key, step.pk)
        _fail(
            step,
            "module_crashed",
            f"'{step.title}' failed unexpectedly ({type(exc).__name__}: {str(exc)[:300]}).",
            logs=buffer.getvalue(),
        )
        return "failed"
    finally:
        leases.release(step)
        module_logger.removeHandler(handler)
    if cancel.is_set() and Run.objects.filter(pk=step.run_id, cancel_requested=True).exists():
        _end_step(
            step, StepStatus.CANCELLED, error={"code": "cancelled", "message": "The run was cancelled."}
        )
        return "cancelled"
    finished = _end_step(
        step,
        StepStatus.COMPLETED,
        inline=True,
        outputs=digests,
        output_schemas=schemas,
        metrics=metrics,
        logs=buffer.getvalue()[:LOG_LIMIT],
        duration_ms=(time.perf_counter() - started) * 1000,
    )
    return "completed" if finished else "lost"


def _store_outputs(module, outputs: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    digests: dict[str, str] = {}
    schemas: dict[str, Any] = {}
    metrics: dict[str, Any] = {}
    for port in module.outputs:
        value = outputs.get(port.name)
        if value is None:
            continue
        digests[port.name] = artifacts.save_value(port.type, value)
        if port.type == PortType.DATASET and isinstance(value, DataTable):
            schemas[port.name] = {"rows": len(value), "columns": value.schema()}
        if port.type == PortType.EVALUATION and isinstance(value, Evaluation):
            metrics[port.name] = json.loads(json.dumps(value.metrics, default=_json_scalar))
    return digests, schemas, metrics


def _json_scalar(value: Any) -> Any:
    try:
        return value.item()  # numpy scalars
    except AttributeError:
        return str(value)


def _end_step(step: Step, status: str, *, inline: bool = False, **fields: Any) -> bool:
    """Conditional on this attempt still holding the step: a second finish changes nothing.

    ``inline``: the caller dispatches the successors itself (and may run one of them in place).
    """
    now = timezone.now()
    fields.setdefault("finished_at", now)
    if step.cache_key:
        fields.setdefault("cache_key", step.cache_key)
    if step.started_at and "duration_ms" not in fields:
        fields["duration_ms"] = (now - step.started_at).total_seconds() * 1000
    with transaction.atomic():
        updated = Step.objects.filter(pk=step.pk, status=StepStatus.RUNNING, attempt=step.attempt).update(
            status=status, lease_expires_at=None, **fields
        )
        if not updated:
            return False
        payload: dict[str, Any] = {"status": status, "duration_ms": round(fields.get("duration_ms") or 0, 2)}
        if status == StepStatus.CACHED and fields.get("cached_from") is not None:
            payload["cached_from_run"] = str(fields["cached_from"].run_id)
        if fields.get("error"):
            payload["error"] = fields["error"]
        if fields.get("metrics"):
            payload["metrics"] = fields["metrics"]
        events.emit(step.run_id, f"step_{status}", step.node_id, **payload)
        if not inline:
            transaction.on_commit(lambda: dispatch_ready(step.run_id))
    return True


def _fail(
    step: Step, code: str, message: str, *, details: dict[str, Any] | None = None, logs: str = ""
) -> None:
    error = {"code": code, "message": message, **({"details": details} if details else {})}
    with transaction.atomic():
        if not _end_step(step, StepStatus.FAILED, error=error, logs=logs[:LOG_LIMIT]):
            return
        _fail_descendants(step, message)


def _fail_descendants(step: Step, reason: str) -> None:
    graph = Run.objects.select_related("pipeline_version").get(pk=step.run_id).pipeline_version.graph
    for node_id in sorted(_descendants(step.node_id, _edges(graph)) - {step.node_id}):
        updated = Step.objects.filter(
            run_id=step.run_id, node_id=node_id, status__in=[StepStatus.PENDING, StepStatus.QUEUED]
        ).update(
            status=StepStatus.FAILED,
            finished_at=timezone.now(),
            error={
                "code": "upstream_failed",
                "message": f"upstream '{step.title}' failed",
                "upstream": step.node_id,
            },
        )
        if updated:
            events.emit(
                step.run_id,
                "step_failed",
                node_id,
                error={"code": "upstream_failed", "message": f"upstream '{step.title}' failed"},
            )


# --------------------------------------------------------------------------------------------------
# Cancel, rerun, and the reaper
# --------------------------------------------------------------------------------------------------


def cancel(run: Run, actor=None) -> Run:
    from designer.celery_app import app

    with transaction.atomic():
        Run.objects.filter(pk=run.pk).update(cancel_requested=True)
        audit.record(actor, run.workspace_id, "run.cancelled", run)
        now = timezone.now()
        waiting = list(run.steps.filter(status__in=[StepStatus.PENDING, StepStatus.QUEUED]))
        running = list(run.steps.filter(status=StepStatus.RUNNING))
        error = {"code": "cancelled", "message": "The run was cancelled."}
        run.steps.filter(status__in=[StepStatus.PENDING, StepStatus.QUEUED, StepStatus.RUNNING]).update(
            status=StepStatus.CANCELLED, finished_at=now, lease_expires_at=None, error=error
        )
        for step in [*waiting, *running]:
            events.emit(run.pk, "step_cancelled", step.node_id, status=StepStatus.CANCELLED, error=error)
        run.refresh_from_db()
        _finish_run_if_done(run)
    # Stop the modules that are computing now: their pool process is killed and replaced. The queued
    # messages are revoked too, so a worker that receives one drops it.
    task_ids = [s.task_id for s in [*waiting, *running] if s.task_id]
    if task_ids:
        app.control.revoke(task_ids, terminate=bool(running), signal="SIGKILL")
    run.refresh_from_db()
    return run


def rerun(run: Run, user, *, from_node: str | None = None, only_node: str | None = None) -> Run:
    version = run.pipeline_version
    return submit(
        version.pipeline,
        user,
        experiment_name=run.experiment.name,
        graph=version.graph,
        from_node=from_node,
        only_node=only_node,
    )


def reap(now=None) -> dict[str, int]:
    """Re-queue steps whose lease expired (their worker died), fail those out of attempts, fail gpu
    steps that found no gpu worker, and re-send queued steps whose message seems lost."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "redispatched": 0}
    for step in Step.objects.filter(status=StepStatus.RUNNING, lease_expires_at__lt=now).select_related(
        "run"
    ):
        if step.attempt >= MAX_ATTEMPTS:
            with transaction.atomic():
                _fail(
                    step,
                    "worker_lost",
                    f"The worker running '{step.title}' stopped {step.attempt} times; giving up.",
                )
            counts["failed"] += 1
            continue
        task_id = f"step-{step.pk}-{int(now.timestamp() * 1e6)}"
        with transaction.atomic():
            requeued = Step.objects.filter(
                pk=step.pk, status=StepStatus.RUNNING, attempt=step.attempt, lease_expires_at__lt=now
            ).update(status=StepStatus.QUEUED, queued_at=now, task_id=task_id, lease_expires_at=None)
            if requeued:
                step.task_id, step.status = task_id, StepStatus.QUEUED
                events.emit(
                    step.run_id,
                    "step_requeued",
                    step.node_id,
                    reason="the worker running it stopped responding",
                    attempt=step.attempt,
                )
                transaction.on_commit(partial(_send, step))
                counts["requeued"] += 1
    stale = now - timedelta(seconds=GPU_WAIT_SECONDS)
    # Steps for the cpu queue are re-sent below; gpu steps wait for a gpu worker, then fail.
    if not gpu_worker_available():
        for step in Step.objects.filter(
            status=StepStatus.QUEUED, queue="gpu", queued_at__lt=stale
        ).select_related("run"):
            with transaction.atomic():
                if Step.objects.filter(pk=step.pk, status=StepStatus.QUEUED).update(
                    status=StepStatus.RUNNING, attempt=F("attempt") + 1
                ):
                    step.refresh_from_db()
                    _fail(
                        step,
                        "no_gpu_worker",
                        f"'{step.title}' asks for a GPU, but no worker serves the gpu queue. "
                        "Start a GPU worker, or set the node's compute to cpu.",
                    )
                    counts["failed"] += 1
    lost = now - timedelta(seconds=REDISPATCH_QUEUED_AFTER)
    for step in Step.objects.filter(status=StepStatus.QUEUED, queued_at__lt=lost).filter(~Q(queue="gpu")):
        if Step.objects.filter(pk=step.pk, status=StepStatus.QUEUED, queued_at=step.queued_at).update(
            queued_at=now
        ):
            _send(step)
            counts["redispatched"] += 1
    return counts


def record_worker_presence(name: str, queues: list[str]) -> None:
    WorkerPresence.objects.update_or_create(
        name=name, defaults={"queues": queues, "last_seen": timezone.now()}
    )
