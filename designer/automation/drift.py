"""Drift-triggered retraining: per-feature PSI thresholds on an endpoint, alerts, and the retraining run.

A periodic task compares the input rows the scoring route sampled (for the version that serves most
traffic, over the monitor's window) with that version's training distribution, using the deployments
app's PSI. When a feature's PSI first exceeds its threshold an alert opens, at most one per monitor at a
time (a database constraint), and in the same transaction the chosen published pipeline is submitted:
one breach, one alert, one retraining run. The alert stays open, and quiet, while the drift lasts; it is
resolved when no feature is over its threshold or another version takes the traffic. Deploying the
retrained run goes through the deployments service (with its train/serve parity check), on request or
automatically once the run has completed.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from designer.core.api_errors import ApiError
from designer.deployments import services as deployments
from designer.deployments.metrics import endpoint_metrics
from designer.deployments.models import Endpoint, EndpointStatus
from designer.runs.models import Run, RunStatus
from designer.workspaces import audit
from designer.workspaces.services import can_write

from . import notifications
from .models import AlertStatus, DeployState, DriftAlert, DriftMonitor, PublishedPipeline, TriggerKind
from .services import check_parameters, published_version, run_published

log = logging.getLogger(__name__)


# -- monitors ---------------------------------------------------------------------------------------
def _check_threshold(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 100:
        raise ApiError(
            "invalid_threshold",
            f"{field} must be a PSI above 0 (0.1 moderate, 0.25 significant).",
            field=field,
        )
    return float(value)


def set_monitor(endpoint: Endpoint, user, data: dict[str, Any]) -> DriftMonitor:
    """Create or change the drift monitor of an endpoint."""
    if not can_write(user, endpoint.workspace_id):
        raise ApiError(
            "forbidden_workspace",
            "You cannot change this endpoint (your role in its workspace is reader).",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    monitor = DriftMonitor.objects.filter(endpoint=endpoint).first() or DriftMonitor(
        endpoint=endpoint, workspace_id=endpoint.workspace_id, created_by=user
    )
    if "default_threshold" in data:
        monitor.default_threshold = _check_threshold(data["default_threshold"], "default_threshold")
    if "thresholds" in data:
        thresholds = data["thresholds"] or {}
        if not isinstance(thresholds, dict):
            raise ApiError(
                "invalid_threshold", "thresholds maps feature names to PSI values.", field="thresholds"
            )
        monitor.thresholds = {
            str(name): _check_threshold(value, f"thresholds.{name}") for name, value in thresholds.items()
        }
    for key in ("window_seconds", "min_rows"):
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ApiError("invalid", f"{key} must be a whole number of at least 1.", field=key)
            setattr(monitor, key, value)
    for key in ("enabled", "auto_deploy"):
        if key in data:
            setattr(monitor, key, bool(data[key]))
    if "retrain_pipeline" in data:
        name = data["retrain_pipeline"]
        if name in (None, ""):
            monitor.retrain_pipeline = None
        else:
            published = PublishedPipeline.objects.filter(
                name=name, workspace_id=endpoint.workspace_id
            ).first()
            if published is None:
                raise ApiError(
                    "unknown_pipeline_endpoint",
                    f"There is no published pipeline '{name}' in this endpoint's workspace.",
                    field="retrain_pipeline",
                )
            monitor.retrain_pipeline = published
    if "retrain_version" in data:
        monitor.retrain_version = data["retrain_version"]
    if "retrain_parameters" in data:
        monitor.retrain_parameters = data["retrain_parameters"] or {}
    if monitor.retrain_pipeline is not None:
        version = published_version(
            monitor.retrain_pipeline, monitor.retrain_version, field="retrain_version"
        )
        check_parameters(version, monitor.retrain_parameters, field="retrain_parameters")
    monitor.created_by = monitor.created_by or user
    monitor.save()
    audit.record(user, endpoint.workspace_id, "drift_monitor.updated", monitor, endpoint=endpoint.name)
    return monitor


def threshold_for(monitor: DriftMonitor, feature: str) -> float | None:
    value = (monitor.thresholds or {}).get(feature)
    return float(value) if value is not None else monitor.default_threshold


# -- checking ---------------------------------------------------------------------------------------
def check_all(now=None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for monitor in DriftMonitor.objects.filter(enabled=True).select_related("endpoint"):
        try:
            outcome = check(monitor, now)["outcome"]
        except Exception:  # one endpoint's trouble must not stop the others' checks
            log.exception("drift check of endpoint %s failed", monitor.endpoint.name)
            outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _main_version(endpoint: Endpoint) -> int | None:
    serving = deployments.serving_versions(endpoint)
    if not serving or endpoint.status != EndpointStatus.HEALTHY:
        return None
    return max(serving, key=lambda n: (endpoint.traffic or {}).get(str(n), 0))


def report_for(monitor: DriftMonitor, now=None) -> dict[str, Any]:
    """PSI per feature of the main serving version over the monitor's window, against its thresholds."""
    now = now or timezone.now()
    endpoint = Endpoint.objects.get(pk=monitor.endpoint_id)
    version = _main_version(endpoint)
    report: dict[str, Any] = {"checked_at": now.isoformat(), "version": version, "rows": 0, "features": []}
    if version is None:
        return report
    metrics = endpoint_metrics(
        endpoint, window_seconds=monitor.window_seconds, bucket_seconds=monitor.window_seconds
    )
    drift = (metrics.get("drift") or {}).get(str(version)) or {}
    report["rows"] = int(drift.get("sample_rows") or 0)
    for feature in drift.get("features") or []:
        threshold = threshold_for(monitor, feature["name"])
        report["features"].append(
            {
                "name": feature["name"],
                "psi": feature["psi"],
                "threshold": threshold,
                "breached": threshold is not None and feature["psi"] > threshold,
            }
        )
    return report


def check(monitor: DriftMonitor, now=None) -> dict[str, Any]:
    """One check: open an alert (and start the retraining) on a new breach, resolve one that has ended."""
    now = now or timezone.now()
    report = report_for(monitor, now)
    breaches = [f for f in report["features"] if f["breached"]]
    open_alert = monitor.alerts.filter(status=AlertStatus.OPEN).first()
    outcome = "quiet"
    if open_alert is not None and open_alert.endpoint_version != report["version"]:
        _resolve(open_alert, now, "Another version of the endpoint now takes the traffic.")
        open_alert, outcome = None, "resolved"
    if report["version"] is None:
        outcome = "not_serving"
    elif report["rows"] < monitor.min_rows:
        outcome = "too_few_rows"
    elif breaches and open_alert is None:
        alert = _fire(monitor, report, breaches)
        outcome = "alert" if alert is not None else "quiet"
    elif breaches:
        DriftAlert.objects.filter(pk=open_alert.pk).update(latest=report)  # type: ignore[union-attr]
        outcome = "still_drifting"
    elif open_alert is not None:
        _resolve(open_alert, now, "No feature is over its threshold any more.")
        outcome = "resolved"
    DriftMonitor.objects.filter(pk=monitor.pk).update(
        last_checked_at=now, last_report={**report, "outcome": outcome}
    )
    return {**report, "outcome": outcome}


def _fire(monitor: DriftMonitor, report: dict[str, Any], breaches: list[dict[str, Any]]) -> DriftAlert | None:
    endpoint = monitor.endpoint
    with transaction.atomic():
        try:
            with transaction.atomic():
                alert = DriftAlert.objects.create(
                    monitor=monitor,
                    workspace_id=monitor.workspace_id,
                    endpoint_version=report["version"],
                    features=[{k: f[k] for k in ("name", "psi", "threshold")} for f in breaches],
                    latest=report,
                )
        except IntegrityError:
            return None  # another check opened the alert for this breach a moment ago
        if monitor.retrain_pipeline_id is not None:
            try:
                alert.retrain_run = run_published(
                    monitor.retrain_pipeline,  # type: ignore[arg-type]
                    monitor.created_by,
                    parameters=monitor.retrain_parameters,
                    version=monitor.retrain_version,
                    experiment=f"retrain-{endpoint.name}",
                    trigger=TriggerKind.DRIFT,
                    tags=[f"drift-alert:{alert.pk}"],
                )
            except ApiError as exc:
                alert.retrain_error = exc.message
            alert.save(update_fields=["retrain_run", "retrain_error"])
        names = ", ".join(f"{f['name']} (PSI {f['psi']:.3f} > {f['threshold']})" for f in breaches[:5])
        more = f" and {len(breaches) - 5} more" if len(breaches) > 5 else ""
        if alert.retrain_run_id:
            follow = f" Retraining run {alert.retrain_run_id} was started."
        elif alert.retrain_error:
            follow = f" The retraining run could not start: {alert.retrain_error}"
        else:
            follow = ""
        notifications.notify(
            monitor.workspace_id,
            "drift_alert",
            f"Input drift on endpoint '{endpoint.name}'",
            f"Version {report['version']}: {names}{more}.{follow}",
            level="warning",
            link={
                "endpoint": endpoint.name,
                "alert": alert.pk,
                **({"run": str(alert.retrain_run_id)} if alert.retrain_run_id else {}),
            },
            data={"features": alert.features, "rows": report["rows"]},
            dedupe_key=f"drift-alert:{alert.pk}",
        )
    return alert


def _resolve(alert: DriftAlert, now, reason: str) -> None:
    updated = DriftAlert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
        status=AlertStatus.RESOLVED, resolved_at=now
    )
    if updated:
        notifications.notify(
            alert.workspace_id,
            "drift_resolved",
            f"Drift on endpoint '{alert.monitor.endpoint.name}' has ended",
            reason,
            link={"endpoint": alert.monitor.endpoint.name, "alert": alert.pk},
            dedupe_key=f"drift-resolved:{alert.pk}",
        )


# -- deploying the retrained run --------------------------------------------------------------------
def deploy_retrained(alert: DriftAlert, user, *, automatic: bool = False) -> DriftAlert:
    """Deploy the alert's retraining run as the next version of its endpoint (with the parity check)."""
    endpoint = alert.monitor.endpoint
    if not can_write(user, endpoint.workspace_id):
        raise ApiError(
            "forbidden_workspace",
            "You cannot deploy to this endpoint (your role in its workspace is reader).",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    run = (
        Run.objects.select_related("pipeline_version", "workspace").filter(pk=alert.retrain_run_id).first()
        if alert.retrain_run_id
        else None
    )
    if run is None:
        raise ApiError("no_retraining_run", "This alert has no retraining run to deploy.", status_code=409)
    if run.status != RunStatus.COMPLETED:
        raise ApiError(
            "retraining_not_completed",
            f"The retraining run has not completed (its status is {run.status}).",
            status_code=409,
        )
    claimed = (
        DriftAlert.objects.filter(pk=alert.pk)
        .exclude(deploy_state__in=[DeployState.DEPLOYING, DeployState.HEALTHY])
        .update(deploy_state=DeployState.DEPLOYING, deploy_message="")
    )
    if not claimed:
        raise ApiError(
            "already_deployed",
            "The retraining run of this alert is deployed or being deployed.",
            status_code=409,
        )
    try:
        deployment = deployments.deploy_run(run, user, endpoint.name)
    except deployments.DeployError as exc:
        state, message, number = DeployState.FAILED, exc.message, None
    except Exception as exc:  # never leave the alert "deploying"
        log.exception("deploying retrained run %s failed", run.pk)
        state, message, number = (
            DeployState.FAILED,
            f"Deploying failed unexpectedly ({type(exc).__name__}).",
            None,
        )
    else:
        version = deployment.version
        healthy = version.status == EndpointStatus.HEALTHY
        state = DeployState.HEALTHY if healthy else DeployState.FAILED
        message, number = version.status_reason, version.number
    DriftAlert.objects.filter(pk=alert.pk).update(
        deploy_state=state, deploy_message=message, deployed_version=number
    )
    how = "automatically " if automatic else ""
    if state == DeployState.HEALTHY:
        title = f"Retrained model {how}deployed to '{endpoint.name}' (version {number})"
    else:
        title = f"Deploying the retrained model to '{endpoint.name}' failed"
    notifications.notify(
        endpoint.workspace_id,
        "deploy_succeeded" if state == DeployState.HEALTHY else "deploy_failed",
        title,
        message,
        level="success" if state == DeployState.HEALTHY else "error",
        link={"endpoint": endpoint.name, "alert": alert.pk, "run": str(run.pk)},
        dedupe_key=f"deploy:{endpoint.name}:{number}"
        if number
        else f"deploy-failed:alert:{alert.pk}:{timezone.now().timestamp()}",
    )
    audit.record(
        user,
        endpoint.workspace_id,
        "drift_alert.deployed",
        alert,
        endpoint=endpoint.name,
        version=number,
        state=state,
    )
    alert.refresh_from_db()
    return alert


def auto_deploy_ready(now=None) -> int:
    """Deploy the completed retraining runs of monitors that opted in; skip failed ones, once."""
    now = now or timezone.now()
    done = 0
    candidates = DriftAlert.objects.filter(
        monitor__auto_deploy=True,
        deploy_state="",
        retrain_run__isnull=False,
        opened_at__gte=now - timedelta(days=7),
    ).select_related("monitor__endpoint", "monitor__created_by", "retrain_run")
    for alert in candidates:
        run = alert.retrain_run
        if run is None or run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
            continue
        if run.status != RunStatus.COMPLETED:
            DriftAlert.objects.filter(pk=alert.pk, deploy_state="").update(
                deploy_state=DeployState.SKIPPED,
                deploy_message=f"The retraining run {run.status}; nothing deployed.",
            )
            continue
        try:
            deploy_retrained(alert, alert.monitor.created_by, automatic=True)
            done += 1
        except ApiError as exc:
            DriftAlert.objects.filter(pk=alert.pk, deploy_state="").update(
                deploy_state=DeployState.SKIPPED, deploy_message=exc.message
            )
    return done
