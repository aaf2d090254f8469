"""Published pipelines (publish, run with parameters, default version) and schedules (kept in step with
their Celery beat ``PeriodicTask``, and triggered at most once per tick)."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from rest_framework import status

from designer.core.api_errors import ApiError
from designer.graphs import services as graphs
from designer.graphs.api import invalid_graph_error
from designer.runs import engine
from designer.runs.models import Run
from designer.workspaces import audit
from designer.workspaces.services import can_write

from . import cron as cronlib
from . import notifications
from .models import (
    PublishedPipeline,
    PublishedRun,
    PublishedVersion,
    Schedule,
    ScheduleTrigger,
    TriggerKind,
    TriggerStatus,
)

log = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
TRIGGER_TASK = "automation.trigger_schedule"


def _forbidden(what: str) -> ApiError:
    return ApiError(
        "forbidden_workspace",
        f"You cannot {what} in this workspace (your role there is reader, or you are not a member).",
        status_code=status.HTTP_403_FORBIDDEN,
    )


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ApiError(
            "invalid_name",
            "A published pipeline's name has 1 to 63 lowercase letters, digits and dashes, starting and "
            "ending with a letter or digit (it is part of the URL), e.g. 'nightly-training'.",
            field="name",
        )
    return name


# -- publishing -------------------------------------------------------------------------------------
def publish(
    pipeline,
    user,
    name: Any,
    *,
    description: str | None = None,
    set_default: bool = True,
    graph: dict[str, Any] | None = None,
) -> PublishedVersion:
    """Freeze the pipeline (its draft, or ``graph``) and publish it as the next version of ``name``.

    The frozen graph keeps its parameter declarations and references, so every run of it can set them.
    It must be valid with its defaults; parameters without a default are left to each run.
    """
    name = check_name(name)
    if not can_write(user, pipeline.workspace_id):
        raise _forbidden("publish pipelines")
    graph = graphs.upgrade_graph(graph if graph is not None else pipeline.draft)
    _, _, problems = graphs.prepare_graph(graph, require_values=False)
    if not problems and not graphs.nodes_by_id(graph):
        problems.append(graphs.Problem("empty_graph", "The pipeline has no modules yet: nothing to publish."))
    if problems:
        raise invalid_graph_error(problems)
    with transaction.atomic():
        published = PublishedPipeline.objects.select_for_update().filter(name=name).first()
        if published is None:
            published = PublishedPipeline.objects.create(
                workspace_id=pipeline.workspace_id, name=name, description=description or "", created_by=user
            )
        elif published.workspace_id != pipeline.workspace_id:
            raise ApiError(
                "name_taken",
                f"The name '{name}' is taken by another workspace's published pipeline; choose another.",
                status_code=status.HTTP_409_CONFLICT,
                field="name",
            )
        frozen = graphs.freeze_version(pipeline, graph)
        number = (published.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = PublishedVersion.objects.create(
            published=published,
            number=number,
            pipeline_version=frozen,
            description=description or "",
            created_by=user,
        )
        if set_default or published.default_version is None:
            published.default_version = number
        if description is not None:
            published.description = description
        published.save()
        audit.record(
            user,
            published.workspace_id,
            "pipeline.published",
            published,
            version=number,
            pipeline=str(pipeline.pk),
            pipeline_version=frozen.number,
        )
    return version


def set_default_version(published: PublishedPipeline, user, number: Any) -> PublishedPipeline:
    if not can_write(user, published.workspace_id):
        raise _forbidden("change published pipelines")
    version = published_version(published, number, field="default_version")
    published.default_version = version.number
    published.save(update_fields=["default_version", "updated_at"])
    audit.record(
        user, published.workspace_id, "pipeline_endpoint.default_changed", published, version=version.number
    )
    return published


def delete_published(published: PublishedPipeline, user) -> None:
    if not can_write(user, published.workspace_id):
        raise _forbidden("delete published pipelines")
    with transaction.atomic():
        for schedule in published.schedules.all():
            _delete_periodic_task(schedule)
        audit.record(
            user, published.workspace_id, "pipeline_endpoint.deleted", published, name=published.name
        )
        published.delete()


def published_version(
    published: PublishedPipeline, number: Any = None, field: str = "version"
) -> PublishedVersion:
    """The pinned version ``number``, or the default one."""
    if number in (None, ""):
        number = published.default_version
    if isinstance(number, bool) or not isinstance(number, int | str) or not str(number).isdigit():
        raise ApiError("invalid_version", f"{field} must be a version number.", field=field)
    version = (
        published.versions.select_related("pipeline_version__pipeline").filter(number=int(number)).first()
    )
    if version is None:
        raise ApiError(
            "unknown_version",
            f"The published pipeline '{published.name}' has no version {number}.",
            status_code=status.HTTP_404_NOT_FOUND if field == "version" else status.HTTP_400_BAD_REQUEST,
            field=field,
        )
    return version


def parameters_of(version: PublishedVersion) -> list[dict[str, Any]]:
    return graphs.declared_parameters(version.pipeline_version.graph)[0]


def check_parameters(version: PublishedVersion, values: Any, field: str = "parameters") -> dict[str, Any]:
    """The values if a run of ``version`` would accept them; else a 400 naming the parameter."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ApiError("invalid", f"{field} must be an object of parameter values.", field=field)
    _, _, problems = graphs.prepare_graph(version.pipeline_version.graph, values)
    if problems:
        raise invalid_graph_error(problems)
    return values


def run_published(
    published: PublishedPipeline,
    user,
    *,
    parameters: dict[str, Any] | None = None,
    version: Any = None,
    experiment: str | None = None,
    trigger: str = TriggerKind.API,
    tags: list[str] | None = None,
) -> Run:
    """Submit a run of the default (or a pinned) version, with parameter values over its defaults."""
    if user is None or not can_write(user, published.workspace_id):
        raise _forbidden("run pipelines")
    chosen = published_version(published, version)
    source = chosen.pipeline_version
    if parameters is not None and not isinstance(parameters, dict):
        raise ApiError("invalid", "parameters must be an object of parameter values.", field="parameters")
    try:
        with transaction.atomic():
            run = engine.submit(
                source.pipeline,
                user,
                experiment_name=(experiment or published.name)[:200],
                graph=source.graph,
                parameters=parameters or {},
                tags=[f"published:{published.name}", f"published-version:{chosen.number}", *(tags or [])],
            )
            PublishedRun.objects.create(published=published, version=chosen.number, run=run, trigger=trigger)
    except engine.GraphInvalid as exc:
        raise invalid_graph_error(exc.problems) from None
    return run


# -- schedules --------------------------------------------------------------------------------------
def min_interval_seconds() -> int:
    return int(getattr(settings, "AUTOMATION_MIN_INTERVAL_SECONDS", 60))


def _clean_spec(data: dict[str, Any], current: Schedule | None) -> dict[str, Any]:
    """Validate the timing fields of a new schedule or a change; returns the fields to set."""
    out: dict[str, Any] = {}
    cron = data.get("cron", current.cron if current else "") or ""
    interval = data.get("interval_seconds", current.interval_seconds if current else None)
    if "cron" in data and data["cron"] and "interval_seconds" not in data:
        interval = None
    if "interval_seconds" in data and data["interval_seconds"] and "cron" not in data:
        cron = ""
    if bool(cron) == bool(interval):
        raise ApiError(
            "invalid_schedule",
            "Give either cron (e.g. '0 2 * * *') or interval_seconds, not both and not neither.",
            field="cron",
        )
    try:
        if cron:
            out["cron"], out["interval_seconds"] = cronlib.parse_cron(cron).expression, None
        else:
            if (
                isinstance(interval, bool)
                or not isinstance(interval, int)
                or interval < min_interval_seconds()
            ):
                raise cronlib.ScheduleSpecError(
                    "interval_seconds",
                    f"interval_seconds must be a whole number of at least {min_interval_seconds()}.",
                )
            out["cron"], out["interval_seconds"] = "", interval
        tz = data.get("timezone", current.timezone if current else "UTC") or "UTC"
        cronlib.parse_timezone(tz)
        out["timezone"] = tz
    except cronlib.ScheduleSpecError as exc:
        raise ApiError("invalid_schedule", exc.message, field=exc.field) from None
    start = data.get("start_at", current.start_at if current else None)
    end = data.get("end_at", current.end_at if current else None)
    if start and end and end <= start:
        raise ApiError("invalid_schedule", "end_at must be after start_at.", field="end_at")
    out["start_at"], out["end_at"] = start, end
    return out


def create_schedule(published: PublishedPipeline, user, data: dict[str, Any]) -> Schedule:
    if not can_write(user, published.workspace_id):
        raise _forbidden("schedule pipelines")
    spec = _clean_spec(data, None)
    version = published_version(published, data.get("version"))
    parameters = check_parameters(version, data.get("parameters"))
    with transaction.atomic():
        schedule = Schedule.objects.create(
            workspace_id=published.workspace_id,
            published=published,
            version=data.get("version"),
            name=(data.get("name") or f"{published.name} schedule")[:200],
            parameters=parameters,
            experiment=data.get("experiment") or "",
            enabled=data.get("enabled", True),
            anchor_at=spec["start_at"] or timezone.now(),
            created_by=user,
            **spec,
        )
        sync_periodic_task(schedule)
        audit.record(
            user, published.workspace_id, "schedule.created", schedule, pipeline_endpoint=published.name
        )
    return schedule


def update_schedule(schedule: Schedule, user, data: dict[str, Any]) -> Schedule:
    if not can_write(user, schedule.workspace_id):
        raise _forbidden("change schedules")
    timing = {"cron", "interval_seconds", "timezone", "start_at", "end_at"}
    fields: dict[str, Any] = _clean_spec(data, schedule) if timing & set(data) else {}
    if "version" in data or "parameters" in data:
        number = data.get("version", schedule.version)
        version = published_version(schedule.published, number)
        fields["version"] = number
        fields["parameters"] = check_parameters(version, data.get("parameters", schedule.parameters))
    for key in ("name", "experiment"):
        if key in data:
            fields[key] = (data[key] or "")[:200]
    if "enabled" in data:
        fields["enabled"] = bool(data["enabled"])
    now = timezone.now()
    restarts = (
        fields.get("interval_seconds") not in (None, schedule.interval_seconds)
        or ("start_at" in fields and fields["start_at"] != schedule.start_at)
        or (fields.get("enabled") and not schedule.enabled)
    )
    with transaction.atomic():
        for key, value in fields.items():
            setattr(schedule, key, value)
        if restarts:
            # Ticks count from the new start (or now), in step with beat, which starts counting afresh too.
            schedule.anchor_at = schedule.start_at if schedule.start_at and schedule.start_at > now else now
        schedule.save()
        sync_periodic_task(schedule)
        audit.record(user, schedule.workspace_id, "schedule.updated", schedule, changed=sorted(fields))
    return schedule


def delete_schedule(schedule: Schedule, user) -> None:
    if not can_write(user, schedule.workspace_id):
        raise _forbidden("delete schedules")
    with transaction.atomic():
        _delete_periodic_task(schedule)
        audit.record(user, schedule.workspace_id, "schedule.deleted", schedule, name=schedule.name)
        schedule.delete()


def periodic_task_name(schedule_id: int) -> str:
    return f"automation.schedule.{schedule_id}"


def sync_periodic_task(schedule: Schedule) -> PeriodicTask:
    """Create or update the beat entry of a schedule. Saving it tells beat to reload (within 5 s)."""
    task = PeriodicTask.objects.filter(name=periodic_task_name(schedule.pk)).first() or PeriodicTask(
        name=periodic_task_name(schedule.pk)
    )
    task.task = TRIGGER_TASK
    task.kwargs = json.dumps({"schedule_id": schedule.pk})
    task.args = "[]"
    if schedule.cron:
        fields = cronlib.parse_cron(schedule.cron)
        task.crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=fields.minute,
            hour=fields.hour,
            day_of_month=fields.day_of_month,
            month_of_year=fields.month_of_year,
            day_of_week=fields.day_of_week,
            timezone=cronlib.parse_timezone(schedule.timezone),
        )
        task.interval = None
    else:
        assert schedule.interval_seconds
        interval = IntervalSchedule.objects.filter(
            every=schedule.interval_seconds, period=IntervalSchedule.SECONDS
        ).first() or IntervalSchedule.objects.create(
            every=schedule.interval_seconds, period=IntervalSchedule.SECONDS
        )
        task.interval, task.crontab = interval, None
    task.start_time = schedule.start_at
    task.expires = schedule.end_at
    task.enabled = schedule.enabled
    task.description = f"Schedule '{schedule.name}' of the published pipeline '{schedule.published.name}'"
    task.save()
    if schedule.periodic_task_id != task.pk:
        Schedule.objects.filter(pk=schedule.pk).update(periodic_task=task)
        schedule.periodic_task = task
    return task


def _delete_periodic_task(schedule: Schedule) -> None:
    # .delete() on the instance, not the queryset: it is what tells beat to reload.
    for task in PeriodicTask.objects.filter(name=periodic_task_name(schedule.pk)):
        task.delete()


def due_time(schedule: Schedule, now: datetime) -> datetime | None:
    """The scheduled time a trigger at ``now`` is for: the latest tick at or before it."""
    if schedule.cron:
        return cronlib.latest_cron_tick(
            cronlib.parse_cron(schedule.cron), cronlib.parse_timezone(schedule.timezone), now
        )
    assert schedule.interval_seconds
    return cronlib.latest_interval_tick(schedule.anchor_at, schedule.interval_seconds, now)


def next_run_at(schedule: Schedule, now: datetime | None = None) -> datetime | None:
    now = now or timezone.now()
    if not schedule.enabled or (schedule.end_at and now >= schedule.end_at):
        return None
    after = max(now, schedule.start_at) if schedule.start_at else now
    if schedule.cron:
        moment = cronlib.next_cron_tick(
            cronlib.parse_cron(schedule.cron), cronlib.parse_timezone(schedule.timezone), after
        )
    else:
        assert schedule.interval_seconds
        moment = cronlib.next_interval_tick(schedule.anchor_at, schedule.interval_seconds, after)
    if moment is None or (schedule.end_at and moment > schedule.end_at):
        return None
    return moment


def trigger_key(schedule_id: int, due: datetime) -> str:
    return f"{schedule_id}@{due.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"


def trigger_schedule(schedule_id: int, now: datetime | None = None) -> str:
    """Submit the run of the tick ``now`` falls in, unless it has one already; says what happened."""
    schedule = Schedule.objects.select_related("published", "created_by").filter(pk=schedule_id).first()
    if schedule is None:
        # Left behind by a deleted workspace: remove the beat entry too.
        for task in PeriodicTask.objects.filter(name=periodic_task_name(schedule_id)):
            task.delete()
        return "missing"
    now = now or timezone.now()
    if not schedule.enabled:
        return "disabled"
    if schedule.start_at and now < schedule.start_at:
        return "not_started"
    if schedule.end_at and now > schedule.end_at:
        return "ended"
    due = due_time(schedule, now)
    if due is None:
        return "no_tick"
    key = trigger_key(schedule.pk, due)
    try:
        with transaction.atomic():
            trigger = ScheduleTrigger.objects.create(
                schedule=schedule, due_at=due, key=key, status=TriggerStatus.SUBMITTED
            )
            try:
                trigger.run = run_published(
                    schedule.published,
                    schedule.created_by,
                    parameters=schedule.parameters,
                    version=schedule.version,
                    experiment=schedule.experiment or None,
                    trigger=TriggerKind.SCHEDULE,
                    tags=[f"schedule:{schedule.pk}"],
                )
            except ApiError as exc:
                trigger.status = TriggerStatus.FAILED
                trigger.error = exc.message
                notifications.notify(
                    schedule.workspace_id,
                    "schedule_failed",
                    f"Schedule '{schedule.name}' could not start a run",
                    exc.message,
                    level="error",
                    recipient=schedule.created_by,
                    link={"schedule": schedule.pk, "pipeline_endpoint": schedule.published.name},
                    dedupe_key=f"schedule-trigger:{key}",
                )
            trigger.save()
    except IntegrityError:
        if not ScheduleTrigger.objects.filter(key=key).exists():
            raise
        return "duplicate"  # this tick has its run already (a repeated message, a restarted beat)
    log.info("schedule %s tick %s: %s", schedule.pk, due.isoformat(), trigger.status)
    return str(trigger.status)
