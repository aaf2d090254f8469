"""REST for automation: publishing pipelines, published pipeline endpoints and their runs, schedules,
drift monitors and alerts, notifications and workspace webhooks. Views parse and shape; services work."""

from __future__ import annotations

import time
from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from designer.core.api_errors import ApiError
from designer.deployments.models import Endpoint
from designer.graphs.models import Pipeline
from designer.workspaces.models import Membership, Workspace
from designer.workspaces.services import require_role, scope_to_user

from . import drift, notifications, services
from .models import DriftAlert, DriftMonitor, Notification, PublishedPipeline, PublishedRun, Schedule, Webhook

NAME_REGEX = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"


def _valid(
    serializer_class: type[serializers.Serializer], data: Any, *, partial: bool = False
) -> dict[str, Any]:
    body = serializer_class(data=data, partial=partial)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


# -- publishing and published pipelines ---------------------------------------------------------------
class PublishSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=63, help_text="The published pipeline's name (part of its URL).")
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    set_default = serializers.BooleanField(
        default=True, help_text="Make this version the one runs and schedules use unless they pin another."
    )


class PipelineEndpointRunSerializer(serializers.Serializer):
    parameters = serializers.DictField(
        required=False, help_text="Values over the version's parameter defaults."
    )
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="Pin a version (default: the default)."
    )
    experiment = serializers.CharField(
        required=False, max_length=200, help_text="Default: the published name."
    )


class PipelineEndpointUpdateSerializer(serializers.Serializer):
    default_version = serializers.IntegerField(required=False, min_value=1)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


def version_summary(version) -> dict[str, Any]:
    frozen = version.pipeline_version
    return {
        "number": version.number,
        "description": version.description,
        "pipeline": str(frozen.pipeline_id),
        "pipeline_version": frozen.number,
        "parameters": services.parameters_of(version),
        "created_at": _iso(version.created_at),
    }


def pipeline_endpoint_detail(published: PublishedPipeline, *, full: bool = True) -> dict[str, Any]:
    versions = list(published.versions.select_related("pipeline_version"))
    default = next((v for v in versions if v.number == published.default_version), None)
    out: dict[str, Any] = {
        "name": published.name,
        "description": published.description,
        "workspace": published.workspace_id,
        "default_version": published.default_version,
        "parameters": services.parameters_of(default) if default else [],
        "latest_version": max((v.number for v in versions), default=None),
        "created_at": _iso(published.created_at),
        "updated_at": _iso(published.updated_at),
    }
    if full:
        out["versions"] = [version_summary(v) for v in versions]
        out["schedules"] = [schedule_detail(s) for s in published.schedules.all()]
        out["runs_url"] = f"/api/v1/pipeline-endpoints/{published.name}/runs/"
    return out


def published_run_detail(entry: PublishedRun) -> dict[str, Any]:
    run = entry.run
    return {
        "id": str(run.pk),
        "status": run.status,
        "experiment": run.experiment.name,
        "pipeline_endpoint": entry.published.name,
        "version": entry.version,
        "trigger": entry.trigger,
        "parameters": (run.options or {}).get("parameters", {}),
        "created_at": _iso(run.created_at),
        "finished_at": _iso(run.finished_at),
    }


@extend_schema(request=PublishSerializer, responses={201: OpenApiTypes.OBJECT})
@api_view(["POST"])
def publish(request: Request, pk: str) -> Response:
    """Publish the pipeline's draft as the next version of a published pipeline."""
    pipeline = scope_to_user(Pipeline.objects.all(), request.user).filter(pk=pk).first()
    if pipeline is None:
        raise ApiError("not_found", "There is no such pipeline.", status_code=404)
    body = _valid(PublishSerializer, request.data)
    version = services.publish(
        pipeline,
        request.user,
        body["name"],
        description=body.get("description"),
        set_default=body["set_default"],
    )
    detail = pipeline_endpoint_detail(version.published)
    return Response({**detail, "published_version": version.number}, status=status.HTTP_201_CREATED)


class PipelineEndpointViewSet(viewsets.GenericViewSet):
    """Published pipelines: versions, the default one, their parameters, and runs with parameters."""

    lookup_field = "name"
    lookup_value_regex = NAME_REGEX
    queryset = PublishedPipeline.objects.none()
    serializer_class = PipelineEndpointUpdateSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PublishedPipeline.objects.none()
        return scope_to_user(PublishedPipeline.objects.all(), self.request.user)

    def _published(self, name: str | None) -> PublishedPipeline:
        published = self.get_queryset().filter(name=name).first()
        if published is None:
            raise ApiError("not_found", "There is no such published pipeline.", status_code=404)
        return published

    @extend_schema(operation_id="pipeline_endpoints_list", responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request) -> Response:
        return Response([pipeline_endpoint_detail(p, full=False) for p in self.get_queryset()])

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def retrieve(self, request: Request, name: str | None = None) -> Response:
        return Response(pipeline_endpoint_detail(self._published(name)))

    @extend_schema(request=PipelineEndpointUpdateSerializer, responses={200: OpenApiTypes.OBJECT})
    def partial_update(self, request: Request, name: str | None = None) -> Response:
        published = self._published(name)
        body = _valid(PipelineEndpointUpdateSerializer, request.data, partial=True)
        if "default_version" in body:
            services.set_default_version(published, request.user, body["default_version"])
        if "description" in body:
            if not services.can_write(request.user, published.workspace_id):
                raise services._forbidden("change published pipelines")
            published.description = body["description"]
            published.save(update_fields=["description", "updated_at"])
        return Response(pipeline_endpoint_detail(published))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, name: str | None = None) -> Response:
        services.delete_published(self._published(name), request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PipelineEndpointRunSerializer, responses={201: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="runs")
    def runs(self, request: Request, name: str | None = None) -> Response:
        """Submit a run of the default (or a pinned) version with parameter values; answers its id."""
        published = self._published(name)
        body = _valid(PipelineEndpointRunSerializer, request.data)
        run = services.run_published(
            published,
            request.user,
            parameters=body.get("parameters"),
            version=body.get("version"),
            experiment=body.get("experiment"),
        )
        entry = PublishedRun.objects.select_related("run__experiment", "published").get(run=run)
        return Response(published_run_detail(entry), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @runs.mapping.get
    def list_runs(self, request: Request, name: str | None = None) -> Response:
        published = self._published(name)
        entries = published.runs.select_related("run__experiment", "published")[:200]
        return Response([published_run_detail(e) for e in entries])


# -- schedules --------------------------------------------------------------------------------------
class ScheduleSerializer(serializers.Serializer):
    pipeline_endpoint = serializers.CharField(max_length=63, help_text="The published pipeline to run.")
    name = serializers.CharField(required=False, max_length=200)
    cron = serializers.CharField(
        required=False, allow_blank=True, max_length=120, help_text="Five fields or an alias (@daily ...)."
    )
    interval_seconds = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    timezone = serializers.CharField(
        required=False, max_length=64, help_text="IANA name; cron is read in it."
    )
    start_at = serializers.DateTimeField(required=False, allow_null=True)
    end_at = serializers.DateTimeField(required=False, allow_null=True)
    parameters = serializers.DictField(required=False)
    version = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    experiment = serializers.CharField(required=False, allow_blank=True, max_length=200)
    enabled = serializers.BooleanField(required=False)


class ScheduleUpdateSerializer(ScheduleSerializer):
    pipeline_endpoint = None  # type: ignore[assignment]


def schedule_detail(schedule: Schedule) -> dict[str, Any]:
    last = schedule.triggers.first()
    return {
        "id": schedule.pk,
        "name": schedule.name,
        "pipeline_endpoint": schedule.published.name,
        "version": schedule.version,
        "cron": schedule.cron or None,
        "interval_seconds": schedule.interval_seconds,
        "timezone": schedule.timezone,
        "start_at": _iso(schedule.start_at),
        "end_at": _iso(schedule.end_at),
        "parameters": schedule.parameters,
        "experiment": schedule.experiment,
        "enabled": schedule.enabled,
        "next_run_at": _iso(services.next_run_at(schedule)),
        "last_triggered_at": _iso(last.due_at) if last else None,
        "created_at": _iso(schedule.created_at),
        "updated_at": _iso(schedule.updated_at),
    }


class ScheduleViewSet(viewsets.GenericViewSet):
    """Run a published pipeline on a cron expression or an interval, with parameter values."""

    queryset = Schedule.objects.none()
    serializer_class = ScheduleSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Schedule.objects.none()
        schedules = scope_to_user(Schedule.objects.select_related("published"), self.request.user)
        if self.request.query_params.get("pipeline_endpoint"):
            schedules = schedules.filter(published__name=self.request.query_params["pipeline_endpoint"])
        return schedules

    def _schedule(self, pk: str | None) -> Schedule:
        schedule = self.get_queryset().filter(pk=pk).first() if str(pk).isdigit() else None
        if schedule is None:
            raise ApiError("not_found", "There is no such schedule.", status_code=404)
        return schedule

    @extend_schema(
        operation_id="schedules_list",
        parameters=[OpenApiParameter("pipeline_endpoint", str, required=False)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def list(self, request: Request) -> Response:
        return Response([schedule_detail(s) for s in self.get_queryset()])

    @extend_schema(request=ScheduleSerializer, responses={201: OpenApiTypes.OBJECT})
    def create(self, request: Request) -> Response:
        body = _valid(ScheduleSerializer, request.data)
        name = body.pop("pipeline_endpoint")
        published = scope_to_user(PublishedPipeline.objects.all(), request.user).filter(name=name).first()
        if published is None:
            raise ApiError(
                "unknown_pipeline_endpoint",
                "There is no such published pipeline.",
                field="pipeline_endpoint",
            )
        schedule = services.create_schedule(published, request.user, body)
        return Response(schedule_detail(schedule), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(schedule_detail(self._schedule(pk)))

    @extend_schema(request=ScheduleUpdateSerializer, responses={200: OpenApiTypes.OBJECT})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        schedule = self._schedule(pk)
        body = _valid(ScheduleUpdateSerializer, request.data, partial=True)
        return Response(schedule_detail(services.update_schedule(schedule, request.user, body)))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        services.delete_schedule(self._schedule(pk), request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def runs(self, request: Request, pk: str | None = None) -> Response:
        """The history of triggered runs, newest first."""
        schedule = self._schedule(pk)
        return Response(
            [
                {
                    "key": t.key,
                    "due_at": _iso(t.due_at),
                    "triggered_at": _iso(t.created_at),
                    "status": t.status,
                    "error": t.error,
                    "run": str(t.run_id) if t.run_id else None,
                    "run_status": t.run.status if t.run else None,
                }
                for t in schedule.triggers.select_related("run")[:500]
            ]
        )


# -- drift monitors and alerts ----------------------------------------------------------------------
class DriftMonitorSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    default_threshold = serializers.FloatField(
        required=False, allow_null=True, help_text="PSI for features without their own threshold; null: none."
    )
    thresholds = serializers.DictField(child=serializers.FloatField(), required=False)
    window_seconds = serializers.IntegerField(required=False, min_value=60)
    min_rows = serializers.IntegerField(required=False, min_value=1)
    retrain_pipeline = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=63,
        help_text="A published pipeline's name.",
    )
    retrain_version = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    retrain_parameters = serializers.DictField(required=False)
    auto_deploy = serializers.BooleanField(
        required=False, help_text="Deploy the retrained run when it completes (after the parity check)."
    )


def alert_detail(alert: DriftAlert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "endpoint": alert.monitor.endpoint.name,
        "endpoint_version": alert.endpoint_version,
        "status": alert.status,
        "features": alert.features,
        "latest": alert.latest,
        "opened_at": _iso(alert.opened_at),
        "resolved_at": _iso(alert.resolved_at),
        "retrain_run": str(alert.retrain_run_id) if alert.retrain_run_id else None,
        "retrain_run_status": alert.retrain_run.status if alert.retrain_run else None,
        "retrain_error": alert.retrain_error,
        "deploy_state": alert.deploy_state,
        "deploy_message": alert.deploy_message,
        "deployed_version": alert.deployed_version,
        "deploy_url": f"/api/v1/drift-alerts/{alert.pk}/deploy/",
    }


def monitor_detail(monitor: DriftMonitor) -> dict[str, Any]:
    open_alert = (
        monitor.alerts.filter(status="open").select_related("retrain_run", "monitor__endpoint").first()
    )
    return {
        "endpoint": monitor.endpoint.name,
        "enabled": monitor.enabled,
        "default_threshold": monitor.default_threshold,
        "thresholds": monitor.thresholds,
        "window_seconds": monitor.window_seconds,
        "min_rows": monitor.min_rows,
        "retrain_pipeline": monitor.retrain_pipeline.name if monitor.retrain_pipeline else None,
        "retrain_version": monitor.retrain_version,
        "retrain_parameters": monitor.retrain_parameters,
        "auto_deploy": monitor.auto_deploy,
        "last_checked_at": _iso(monitor.last_checked_at),
        "last_report": monitor.last_report,
        "open_alert": alert_detail(open_alert) if open_alert else None,
    }


def _endpoint(request: Request, name: str) -> Endpoint:
    endpoint = scope_to_user(Endpoint.objects.all(), request.user).filter(name=name).first()
    if endpoint is None:
        raise ApiError("not_found", "There is no such endpoint.", status_code=404)
    return endpoint


def _monitor(endpoint: Endpoint) -> DriftMonitor:
    monitor = (
        DriftMonitor.objects.select_related("endpoint", "retrain_pipeline").filter(endpoint=endpoint).first()
    )
    if monitor is None:
        raise ApiError(
            "no_drift_monitor", f"The endpoint '{endpoint.name}' has no drift monitor yet.", status_code=404
        )
    return monitor


@extend_schema(methods=["GET"], responses={200: OpenApiTypes.OBJECT})
@extend_schema(methods=["PUT"], request=DriftMonitorSerializer, responses={200: OpenApiTypes.OBJECT})
@extend_schema(methods=["DELETE"], responses={204: None})
@api_view(["GET", "PUT", "DELETE"])
def drift_monitor(request: Request, name: str) -> Response:
    """An endpoint's drift thresholds and retraining pipeline (PUT creates or changes it)."""
    endpoint = _endpoint(request, name)
    if request.method == "GET":
        return Response(monitor_detail(_monitor(endpoint)))
    if request.method == "DELETE":
        monitor = _monitor(endpoint)
        if not services.can_write(request.user, endpoint.workspace_id):
            raise services._forbidden("change endpoints")
        monitor.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
    body = _valid(DriftMonitorSerializer, request.data, partial=True)
    monitor = drift.set_monitor(endpoint, request.user, body)
    return Response(monitor_detail(monitor))


@extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
@api_view(["POST"])
def drift_check(request: Request, name: str) -> Response:
    """Check now (as the periodic task does): the PSI report and what it led to."""
    endpoint = _endpoint(request, name)
    monitor = _monitor(endpoint)
    if not services.can_write(request.user, endpoint.workspace_id):
        raise services._forbidden("check drift")
    return Response(drift.check(monitor))


class DriftAlertViewSet(viewsets.GenericViewSet):
    queryset = DriftAlert.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DriftAlert.objects.none()
        alerts = scope_to_user(
            DriftAlert.objects.select_related("monitor__endpoint", "retrain_run"), self.request.user
        )
        params = self.request.query_params
        if params.get("endpoint"):
            alerts = alerts.filter(monitor__endpoint__name=params["endpoint"])
        if params.get("status") in ("open", "resolved"):
            alerts = alerts.filter(status=params["status"])
        return alerts

    def _alert(self, pk: str | None) -> DriftAlert:
        alert = self.get_queryset().filter(pk=pk).first() if str(pk).isdigit() else None
        if alert is None:
            raise ApiError("not_found", "There is no such drift alert.", status_code=404)
        return alert

    @extend_schema(
        operation_id="drift_alerts_list",
        parameters=[
            OpenApiParameter("endpoint", str, required=False),
            OpenApiParameter("status", str, required=False),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def list(self, request: Request) -> Response:
        return Response([alert_detail(a) for a in self.get_queryset()[:200]])

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(alert_detail(self._alert(pk)))

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def deploy(self, request: Request, pk: str | None = None) -> Response:
        """Deploy the retrained run to the alert's endpoint (as its next version, after the parity check)."""
        alert = drift.deploy_retrained(self._alert(pk), request.user)
        return Response(alert_detail(alert))


# -- notifications ----------------------------------------------------------------------------------
def notification_detail(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "level": notification.level,
        "title": notification.title,
        "message": notification.message,
        "link": notification.link,
        "data": notification.data,
        "workspace": notification.workspace_id,
        "read": bool(getattr(notification, "is_read", False)),
        "created_at": _iso(notification.created_at),
        "webhook": notification.webhook_state or None,
    }


class NotificationViewSet(viewsets.GenericViewSet):
    """Run finished or failed, drift alerts, deploy results, schedules that could not start a run."""

    queryset = Notification.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return notifications.visible_to(self.request.user)

    @extend_schema(
        operation_id="notifications_list",
        parameters=[
            OpenApiParameter("unread", bool, required=False),
            OpenApiParameter("kind", str, required=False),
            OpenApiParameter("limit", int, required=False),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def list(self, request: Request) -> Response:
        items = self.get_queryset()
        params = request.query_params
        if params.get("unread") in ("1", "true", "True"):
            items = items.filter(is_read=False)
        if params.get("kind"):
            items = items.filter(kind=params["kind"])
        try:
            limit = min(max(int(params.get("limit", 100)), 1), 500)
        except ValueError:
            raise ApiError("invalid", "limit must be a whole number.", field="limit") from None
        unread = self.get_queryset().filter(is_read=False).count()
        return Response({"unread": unread, "results": [notification_detail(n) for n in items[:limit]]})

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = self.get_queryset().filter(pk=pk).first() if str(pk).isdigit() else None
        if notification is None:
            raise Http404
        notifications.mark_read(notification, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": notifications.mark_all_read(request.user)})


# -- workspace webhook ------------------------------------------------------------------------------
class WebhookSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2048, help_text="A public http(s) address.")
    events = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    enabled = serializers.BooleanField(default=True)


def webhook_detail(webhook: Webhook) -> dict[str, Any]:
    return {
        "url": webhook.url,
        "events": webhook.events,
        "enabled": webhook.enabled,
        "secret": webhook.secret,
        "signature": "X-Designer-Signature: sha256=HMAC-SHA256(secret, '<X-Designer-Timestamp>.<body>')",
        "updated_at": _iso(webhook.updated_at),
    }


def _owned_workspace(request: Request, workspace_id: str) -> Workspace:
    workspace = (
        scope_to_user(Workspace.objects.all(), request.user, field="pk").filter(pk=workspace_id).first()
        if str(workspace_id).isdigit()
        else None
    )
    if workspace is None:
        raise ApiError("not_found", "There is no such workspace.", status_code=404)
    require_role(request.user, workspace, Membership.Role.OWNER)
    return workspace


@extend_schema(methods=["GET"], responses={200: OpenApiTypes.OBJECT})
@extend_schema(methods=["PUT"], request=WebhookSerializer, responses={200: OpenApiTypes.OBJECT})
@extend_schema(methods=["DELETE"], responses={204: None})
@api_view(["GET", "PUT", "DELETE"])
def webhook(request: Request, pk: str) -> Response:
    """The workspace's notification webhook (owners only); the URL must lead to a public address."""
    workspace = _owned_workspace(request, pk)
    current = Webhook.objects.filter(workspace=workspace).first()
    if request.method == "PUT":
        body = _valid(WebhookSerializer, request.data)
        return Response(webhook_detail(notifications.set_webhook(workspace, request.user, **body)))
    if current is None:
        raise ApiError("no_webhook", "This workspace has no webhook.", status_code=404)
    if request.method == "DELETE":
        current.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(webhook_detail(current))


@extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
@api_view(["POST"])
def webhook_test(request: Request, pk: str) -> Response:
    """Send a test notification to the webhook now and say how it went."""
    workspace = _owned_workspace(request, pk)
    if not Webhook.objects.filter(workspace=workspace, enabled=True).exists():
        raise ApiError("no_webhook", "This workspace has no enabled webhook.", status_code=404)
    sent = notifications.notify(
        workspace.pk,
        "webhook_test",
        "Webhook test",
        "If you can read this, the webhook works.",
        recipient=request.user,
        dedupe_key=f"webhook-test:{workspace.pk}:{time.time_ns()}",
        enqueue=False,
    )
    assert sent is not None
    state = notifications.deliver(sent.pk)
    sent.refresh_from_db()
    return Response({"state": state, "error": sent.webhook_error})
