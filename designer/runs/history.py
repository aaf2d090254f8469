"""Run history: the runs list's filters and sort orders, "best run" by a metric, and comparing runs.

Metrics are what Evaluate steps record (``Step.metrics``: evaluation port -> {metric name: value}). A
run's value of a metric is read from its first finished step (in plan order) that reports it, or from
one node when the metric is named with ``@<node id>``:

    ordering=-metric:AUC             the highest AUC first (runs without an AUC last)
    ordering=metric:Log_Loss@eval2   the lowest Log_Loss of node "eval2" first
    ordering=-created | created | -duration | duration

Only numbers sort; a run whose value is missing or not a number goes last in both directions.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import DurationField, ExpressionWrapper, F, Q, QuerySet, TextField
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from designer.artifacts import store as artifacts
from designer.core.api_errors import ApiError
from modules.sdk import Evaluation, PortType, get_module, has_module

from .models import DONE_STATUSES, Run, RunStatus, Step

MIN_COMPARED, MAX_COMPARED = 2, 5
MAX_ID = 2**63 - 1  # a larger number names no row (and must not reach the database)
# Metric names that get smaller as models get better: "best" minimises these unless told otherwise.
_LOWER_IS_BETTER = re.compile(r"error|loss|deviation|distance|perplexity", re.IGNORECASE)
_ORDER_FIELDS = {"created": "created_at", "duration": "duration"}


# --------------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------------


def _moment(value: str, field: str, *, end_of_day: bool) -> datetime:
    """An ISO date-time, or a date (its start; with ``end_of_day`` the start of the next day)."""
    try:
        day = parse_date(value)  # a plain date first: parse_datetime would read it as midnight
        moment = (
            datetime.combine(day + timedelta(days=1) if end_of_day else day, time.min)
            if day is not None
            else parse_datetime(value)
        )
    except ValueError:
        moment = None
    if moment is None:
        raise ApiError(
            "invalid",
            f"{field} must be an ISO date (2025-01-31) or date-time (2025-01-31T14:00:00Z).",
            field=field,
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def filter_runs(runs: QuerySet, params: Any) -> QuerySet:
    """``experiment`` (name or id), ``status`` (one or several, comma-separated), ``pipeline`` (id),
    ``tag``, ``created_after`` / ``created_before`` (a date counts whole: ``created_before=2025-01-31``
    includes that day)."""
    if params.get("experiment"):
        value = params["experiment"]
        match = Q(experiment__name=value)
        if value.isdigit() and int(value) <= MAX_ID:
            match |= Q(experiment_id=int(value))
        runs = runs.filter(match)
    if params.get("status"):
        statuses = [s.strip() for s in params["status"].split(",") if s.strip()]
        unknown = [s for s in statuses if s not in RunStatus.values]
        if unknown:
            raise ApiError(
                "invalid",
                f"status {unknown[0]!r} is not one of {', '.join(RunStatus.values)}.",
                field="status",
            )
        runs = runs.filter(status__in=statuses)
    if params.get("pipeline"):
        try:
            pipeline = uuid.UUID(params["pipeline"])
        except ValueError:
            raise ApiError("invalid", "pipeline must be a pipeline id.", field="pipeline") from None
        runs = runs.filter(pipeline_version__pipeline_id=pipeline)
    if params.get("tag"):
        runs = _with_tag(runs, params["tag"])
    if params.get("created_after"):
        runs = runs.filter(
            created_at__gte=_moment(params["created_after"], "created_after", end_of_day=False)
        )
    if params.get("created_before"):
        runs = runs.filter(
            created_at__lt=_moment(params["created_before"], "created_before", end_of_day=True)
        )
    return runs


def _with_tag(runs: QuerySet, tag: str) -> QuerySet:
    if connection.features.supports_json_field_contains:
        return runs.filter(tags__contains=[tag])
    # SQLite stores the list as JSON text: the quoted tag is one whole element of it.
    return runs.annotate(tags_text=Cast("tags", TextField())).filter(tags_text__contains=json.dumps(tag))


# --------------------------------------------------------------------------------------------------
# Metrics and sort orders
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricRef:
    name: str
    node: str | None = None

    @classmethod
    def parse(cls, text: str, field: str = "metric") -> MetricRef:
        name, _, node = text.partition("@")
        if not name.strip():
            raise ApiError("invalid", f"{field}: name a metric, e.g. AUC or AUC@evaluate.", field=field)
        return cls(name.strip(), node.strip() or None)

    def label(self) -> str:
        return f"{self.name}@{self.node}" if self.node else self.name


@dataclass(frozen=True)
class Ordering:
    descending: bool
    field: str | None = None  # created / duration
    metric: MetricRef | None = None


def parse_ordering(text: str | None) -> Ordering:
    if not text:
        return Ordering(descending=True, field="created")
    descending = text.startswith("-")
    key = text.lstrip("-")
    if key.startswith("metric:"):
        return Ordering(descending, metric=MetricRef.parse(key[len("metric:") :], "ordering"))
    if key in _ORDER_FIELDS:
        return Ordering(descending, field=key)
    raise ApiError(
        "invalid",
        "ordering is created, duration or metric:<name>[@<node>] (a leading '-' for descending), "
        "e.g. -metric:AUC.",
        field="ordering",
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def metric_values(run_ids: list[Any], metric: MetricRef) -> dict[Any, tuple[float, str]]:
    """Run id -> (value, node) of ``metric``, for the runs that report it as a number."""
    steps = Step.objects.filter(run_id__in=run_ids, status__in=DONE_STATUSES).exclude(metrics={})
    if metric.node:
        steps = steps.filter(node_id=metric.node)
    found: dict[Any, tuple[float, str]] = {}
    for run_id, node_id, metrics in steps.order_by("id").values_list("run_id", "node_id", "metrics"):
        if run_id in found or not isinstance(metrics, dict):
            continue
        for values in metrics.values():
            value = _number(values.get(metric.name)) if isinstance(values, dict) else None
            if value is not None:
                found[run_id] = (value, node_id)
                break
    return found


def sorted_by_metric(runs: QuerySet, ordering: Ordering) -> list[tuple[Any, float | None, str | None]]:
    """(run id, value, node) for every run of ``runs``, sorted by the metric; runs without it last,
    newest first among themselves."""
    assert ordering.metric is not None
    ids = list(runs.order_by("-created_at").values_list("pk", flat=True))
    values = metric_values(ids, ordering.metric)
    rank = {run_id: position for position, run_id in enumerate(ids)}
    with_value = sorted(
        (run_id for run_id in ids if run_id in values),
        key=lambda r: (-values[r][0] if ordering.descending else values[r][0], rank[r]),
    )
    return [(r, *values[r]) for r in with_value] + [(r, None, None) for r in ids if r not in values]


def order_runs(runs: QuerySet, ordering: Ordering) -> QuerySet:
    """Database ordering for created / duration (unfinished runs have no duration and go last)."""
    if ordering.field == "duration":
        runs = runs.annotate(duration=run_duration_expression())
    expression = F(_ORDER_FIELDS[ordering.field or "created"])
    key = expression.desc(nulls_last=True) if ordering.descending else expression.asc(nulls_last=True)
    return runs.order_by(key, "-created_at")


def run_duration_expression() -> ExpressionWrapper:
    return ExpressionWrapper(
        F("finished_at") - Coalesce("started_at", "created_at"), output_field=DurationField()
    )


def run_seconds(run: Run) -> float | None:
    if run.finished_at is None:
        return None
    return round((run.finished_at - (run.started_at or run.created_at)).total_seconds(), 3)


def default_goal(metric_name: str) -> str:
    return "min" if _LOWER_IS_BETTER.search(metric_name) else "max"


def best_run(
    runs: QuerySet, metric: MetricRef, goal: str
) -> tuple[Run | None, float | None, str | None, int]:
    """The completed run with the best value of ``metric`` (ties: the earlier run), with its value, the
    node it was read from, and how many runs reported the metric."""
    completed = list(
        runs.filter(status=RunStatus.COMPLETED).order_by("created_at").values_list("pk", flat=True)
    )
    values = metric_values(completed, metric)
    if not values:
        return None, None, None, 0
    pick = max if goal == "max" else min  # both keep the first of equal values: the earlier run
    best = pick((r for r in completed if r in values), key=lambda r: values[r][0])
    run = runs.get(pk=best)
    return run, values[best][0], values[best][1], len(values)


# --------------------------------------------------------------------------------------------------
# Comparing runs
# --------------------------------------------------------------------------------------------------


def parse_run_ids(text: str | None) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        try:
            run_id = uuid.UUID(part.strip())
        except ValueError:
            raise ApiError("invalid", f"ids: {part.strip()!r} is not a run id.", field="ids") from None
        if run_id not in ids:
            ids.append(run_id)
    if not MIN_COMPARED <= len(ids) <= MAX_COMPARED:
        raise ApiError(
            "invalid",
            f"ids: compare {MIN_COMPARED} to {MAX_COMPARED} different runs, comma-separated "
            "(?ids=<run id>,<run id>).",
            field="ids",
        )
    return ids


def _title(module_key: str) -> str:
    return get_module(module_key).title if has_module(module_key) else module_key


def _nodes(run: Run, steps: list[Step]) -> dict[str, dict[str, Any]]:
    """Node id -> module, title and effective parameters (the step's validated ones: defaults filled,
    dataset references pinned), falling back to the graph's when a node has no step."""
    by_node = {s.node_id: s for s in steps}
    nodes: dict[str, dict[str, Any]] = {}
    for node in run.pipeline_version.graph.get("nodes", []):
        if not isinstance(node, dict) or "id" not in node:
            continue
        step = by_node.get(node["id"])
        module = step.module_key if step else str(node.get("module", ""))
        nodes[node["id"]] = {
            "module": module,
            "title": step.title if step else _title(module),
            "params": step.params if step else (node.get("params") or {}),
        }
    return nodes


def _edge_keys(run: Run) -> set[tuple[str, str, str, str]]:
    return {
        (e["source"], e["source_port"], e["target"], e["target_port"])
        for e in run.pipeline_version.graph.get("edges", [])
        if isinstance(e, dict)
    }


def graph_diff(a: Run, a_steps: list[Step], b: Run, b_steps: list[Step]) -> dict[str, Any]:
    """What differs between two runs' graphs, by node id: nodes only in one, a node whose module
    changed, parameters changed per node, and edges only in one."""
    nodes_a, nodes_b = _nodes(a, a_steps), _nodes(b, b_steps)

    def brief(node_id: str, node: dict[str, Any]) -> dict[str, Any]:
        return {"node": node_id, "module": node["module"], "title": node["title"]}

    changed_modules, changed_params = [], []
    for node_id, node in nodes_a.items():
        other = nodes_b.get(node_id)
        if other is None:
            continue
        if node["module"] != other["module"]:
            changed_modules.append({"node": node_id, "a": brief(node_id, node), "b": brief(node_id, other)})
            continue
        names = list(dict.fromkeys([*node["params"], *other["params"]]))
        changes = [
            {"parameter": name, "a": node["params"].get(name), "b": other["params"].get(name)}
            for name in names
            if node["params"].get(name) != other["params"].get(name)
        ]
        if changes:
            changed_params.append({**brief(node_id, node), "changes": changes})
    edges_a, edges_b = _edge_keys(a), _edge_keys(b)

    def edge(key: tuple[str, str, str, str]) -> dict[str, str]:
        return dict(zip(("source", "source_port", "target", "target_port"), key, strict=True))

    only_a = [brief(n, v) for n, v in nodes_a.items() if n not in nodes_b]
    only_b = [brief(n, v) for n, v in nodes_b.items() if n not in nodes_a]
    return {
        "a": str(a.pk),
        "b": str(b.pk),
        "identical": not (only_a or only_b or changed_modules or changed_params or edges_a ^ edges_b),
        "nodes_only_in_a": only_a,
        "nodes_only_in_b": only_b,
        "module_changed": changed_modules,
        "parameters_changed": changed_params,
        "edges_only_in_a": [edge(k) for k in sorted(edges_a - edges_b)],
        "edges_only_in_b": [edge(k) for k in sorted(edges_b - edges_a)],
    }


def _evaluation_ports(module_key: str) -> list[str]:
    if not has_module(module_key):
        return []
    return [p.name for p in get_module(module_key).outputs if p.type == PortType.EVALUATION]


def run_summary(run: Run) -> dict[str, Any]:
    version = run.pipeline_version
    return {
        "id": str(run.pk),
        "experiment": run.experiment.name,
        "pipeline": str(version.pipeline_id),
        "pipeline_name": version.pipeline.name,
        "pipeline_version": version.number,
        "status": run.status,
        "tags": run.tags,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_s": run_seconds(run),
    }


def compare_runs(runs: list[Run]) -> dict[str, Any]:
    """Graph diffs against the first run, metrics side by side per evaluation node, each run's
    evaluation charts for overlay, and durations (whole run and per node)."""
    steps = {run.pk: list(run.steps.all()) for run in runs}
    base = runs[0]
    diffs = [graph_diff(base, steps[base.pk], other, steps[other.pk]) for other in runs[1:]]

    # Evaluation nodes in first-seen order: (node, port) -> per run, the step.
    evaluations: dict[tuple[str, str], list[Step | None]] = {}
    for index, run in enumerate(runs):
        for step in steps[run.pk]:
            for port in _evaluation_ports(step.module_key):
                evaluations.setdefault((step.node_id, port), [None] * len(runs))[index] = step
    metrics, curves = [], []
    for (node_id, port), per_run in evaluations.items():
        first = next(s for s in per_run if s is not None)
        values: dict[str, list[Any]] = {}
        for index, cell in enumerate(per_run):
            reported = (cell.metrics or {}).get(port) if cell is not None else None
            for name, value in (reported or {}).items():
                values.setdefault(name, [None] * len(runs))[index] = value
        metrics.append(
            {
                "node": node_id,
                "port": port,
                "module": first.module_key,
                "title": first.title,
                "values": values,
            }
        )
        curves.append(
            {
                "node": node_id,
                "port": port,
                "title": first.title,
                "runs": [_charts(run, step, port) for run, step in zip(runs, per_run, strict=True)],
            }
        )
    node_order: dict[str, Step] = {}
    for run in runs:
        for step in steps[run.pk]:
            node_order.setdefault(step.node_id, step)
    by_run_node = {(run.pk, s.node_id): s for run in runs for s in steps[run.pk]}
    step_durations = []
    for node_id, step in node_order.items():
        cells = [by_run_node.get((run.pk, node_id)) for run in runs]
        step_durations.append(
            {
                "node": node_id,
                "title": step.title,
                "duration_ms": [c.duration_ms if c is not None else None for c in cells],
                "status": [c.status if c is not None else None for c in cells],
            }
        )
    return {
        "runs": [run_summary(run) for run in runs],
        "base": str(base.pk),
        "diffs": diffs,
        "metrics": metrics,
        "curves": curves,
        "durations": {
            "runs": [{"run": str(run.pk), "seconds": run_seconds(run)} for run in runs],
            "steps": step_durations,
        },
    }


def _charts(run: Run, step: Step | None, port: str) -> dict[str, Any] | None:
    digest = (step.outputs or {}).get(port) if step is not None else None
    if step is None or digest is None:
        return None
    try:
        evaluation = artifacts.load_value(PortType.EVALUATION, digest)
    except (FileNotFoundError, ValueError, KeyError):
        return {"run": str(run.pk), "kind": None, "charts": {}, "missing": True}
    if not isinstance(evaluation, Evaluation):
        return None
    return {"run": str(run.pk), "kind": evaluation.kind, "charts": evaluation.charts}
