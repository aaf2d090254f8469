"""The periodic sweep: notifications of finished runs and deploys, automatic deploys of retrained runs,
and webhook deliveries that are due again.

Finished runs and deploys are found by looking back over a short window rather than by a hook in the
run engine: the engine stays unaware of automation, and a notification is never lost to a message that
did not arrive. Each event has a dedupe key, so overlapping windows notify once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from designer.deployments.models import EndpointStatus, EndpointVersion
from designer.runs.models import Run, RunStatus

from . import drift, notifications
from .models import Notification

LOOKBACK = timedelta(minutes=10)


def sweep(now=None) -> dict[str, int]:
    now = now or timezone.now()
    since = now - LOOKBACK
    return {
        "runs": notify_finished_runs(since),
        "deploys": notify_deploys(since),
        "auto_deployed": drift.auto_deploy_ready(now),
        "webhooks": notifications.retry_due_deliveries(now),
    }


def _new_keys(keys: dict[str, Any]) -> dict[str, Any]:
    seen = set(Notification.objects.filter(dedupe_key__in=list(keys)).values_list("dedupe_key", flat=True))
    return {k: v for k, v in keys.items() if k not in seen}


def notify_finished_runs(since) -> int:
    runs = Run.objects.filter(
        finished_at__gte=since, status__in=[RunStatus.COMPLETED, RunStatus.FAILED]
    ).select_related("experiment", "pipeline_version__pipeline", "created_by")
    fresh = _new_keys({f"run:{run.pk}": run for run in runs})
    for key, run in fresh.items():
        pipeline = run.pipeline_version.pipeline.name
        seconds = (run.finished_at - run.created_at).total_seconds() if run.finished_at else 0
        failed = run.status == RunStatus.FAILED
        notifications.notify(
            run.workspace_id,
            "run_failed" if failed else "run_completed",
            f"Run of '{pipeline}' {'failed' if failed else 'completed'}",
            (run.error or "A step failed; open the run to see which and why.")
            if failed
            else f"Experiment '{run.experiment.name}', {seconds:.1f} s.",
            level="error" if failed else "success",
            recipient=run.created_by,
            link={"run": str(run.pk), "experiment": run.experiment.name},
            data={"status": run.status, "pipeline": str(run.pipeline_version.pipeline_id)},
            dedupe_key=key,
        )
    return len(fresh)


def notify_deploys(since) -> int:
    versions = EndpointVersion.objects.filter(
        created_at__gte=since, status__in=[EndpointStatus.HEALTHY, EndpointStatus.FAILED]
    ).select_related("endpoint", "created_by")
    fresh = _new_keys({f"deploy:{v.endpoint.name}:{v.number}": v for v in versions})
    for key, version in fresh.items():
        healthy = version.status == EndpointStatus.HEALTHY
        name = version.endpoint.name
        notifications.notify(
            version.endpoint.workspace_id,
            "deploy_succeeded" if healthy else "deploy_failed",
            f"Version {version.number} of '{name}' is live"
            if healthy
            else f"Deploying version {version.number} of '{name}' failed",
            "Train/serve parity passed." if healthy else version.status_reason,
            level="success" if healthy else "error",
            link={
                "endpoint": name,
                "version": version.number,
                **({"run": str(version.run_id)} if version.run_id else {}),
            },
            dedupe_key=key,
        )
    return len(fresh)
