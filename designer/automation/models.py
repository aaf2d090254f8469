"""Published pipelines and their versions, schedules and what they triggered, drift monitors and alerts,
notifications and workspace webhooks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class TriggerKind(models.TextChoices):
    API = "api"
    SCHEDULE = "schedule"
    DRIFT = "drift"


class PublishedPipeline(models.Model):
    """A pipeline published under a stable name; each publish adds a version, one of which is the default."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    # Unique across the server, like endpoint names: the URL has no workspace in it.
    name = models.CharField(max_length=63, unique=True)
    description = models.TextField(blank=True, default="")
    default_version = models.PositiveIntegerField(null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PublishedVersion(models.Model):
    published = models.ForeignKey(PublishedPipeline, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # The frozen graph, with its parameter declarations and {"$param": ...} references unresolved.
    # RESTRICT: a published pipeline version cannot vanish under its publication, but a workspace being
    # deleted takes both.
    pipeline_version = models.ForeignKey(
        "graphs.PipelineVersion", on_delete=models.RESTRICT, related_name="+"
    )
    description = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["published", "number"]
        constraints = [
            models.UniqueConstraint(fields=["published", "number"], name="unique_published_version")
        ]


class PublishedRun(models.Model):
    """A run submitted through a published pipeline: by the API, a schedule or a drift alert."""

    published = models.ForeignKey(PublishedPipeline, on_delete=models.CASCADE, related_name="runs")
    version = models.PositiveIntegerField()
    run = models.OneToOneField("runs.Run", on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=10, choices=TriggerKind.choices, default=TriggerKind.API)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class Schedule(models.Model):
    """Runs a published pipeline on a cron expression or a fixed interval.

    Celery beat's database scheduler does the timing: each schedule owns one ``PeriodicTask`` that sends
    ``automation.trigger_schedule``. The task works out which tick it is for and records a
    ``ScheduleTrigger`` under a unique key, so a duplicate message or a restarted scheduler cannot start
    a second run for the same tick.
    """

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    published = models.ForeignKey(PublishedPipeline, on_delete=models.CASCADE, related_name="schedules")
    version = models.PositiveIntegerField(null=True, blank=True)  # pinned; null runs the default
    name = models.CharField(max_length=200)
    cron = models.CharField(max_length=120, blank=True, default="")
    interval_seconds = models.PositiveIntegerField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    start_at = models.DateTimeField(null=True, blank=True)
    end_at = models.DateTimeField(null=True, blank=True)
    # The origin of an interval schedule's ticks: start_at, or when the interval was last set.
    anchor_at = models.DateTimeField()
    parameters = models.JSONField(default=dict)
    experiment = models.CharField(max_length=200, blank=True, default="")
    enabled = models.BooleanField(default=True)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]


class TriggerStatus(models.TextChoices):
    SUBMITTED = "submitted"
    FAILED = "failed"


class ScheduleTrigger(models.Model):
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="triggers")
    due_at = models.DateTimeField()
    key = models.CharField(max_length=100, unique=True)  # "<schedule id>@<due time, ISO 8601 UTC>"
    status = models.CharField(max_length=10, choices=TriggerStatus.choices)
    run = models.ForeignKey("runs.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_at"]
        constraints = [models.UniqueConstraint(fields=["schedule", "due_at"], name="one_trigger_per_tick")]


class DriftMonitor(models.Model):
    """Per-feature PSI thresholds on an endpoint and the published pipeline that retrains it."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    endpoint = models.OneToOneField("deployments.Endpoint", on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(default=True)
    # Features not named in ``thresholds`` use the default; null watches only the named ones.
    default_threshold = models.FloatField(null=True, blank=True, default=0.25)
    thresholds = models.JSONField(default=dict)
    window_seconds = models.PositiveIntegerField(default=24 * 3600)
    min_rows = models.PositiveIntegerField(default=100)
    retrain_pipeline = models.ForeignKey(
        PublishedPipeline, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retrain_version = models.PositiveIntegerField(null=True, blank=True)
    retrain_parameters = models.JSONField(default=dict)
    auto_deploy = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_report = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class AlertStatus(models.TextChoices):
    OPEN = "open"
    RESOLVED = "resolved"


class DeployState(models.TextChoices):
    NONE = "", "not deployed"
    DEPLOYING = "deploying"
    HEALTHY = "healthy"
    FAILED = "failed"
    SKIPPED = "skipped"


class DriftAlert(models.Model):
    """One breach: opened when a feature's PSI first exceeds its threshold, resolved when none does."""

    monitor = models.ForeignKey(DriftMonitor, on_delete=models.CASCADE, related_name="alerts")
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    endpoint_version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    features = models.JSONField(default=list)  # [{"name", "psi", "threshold"}] that breached, at opening
    latest = models.JSONField(default=dict)  # the last check's report while open
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    retrain_run = models.ForeignKey(
        "runs.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retrain_error = models.TextField(blank=True, default="")
    deploy_state = models.CharField(max_length=10, choices=DeployState.choices, blank=True, default="")
    deploy_message = models.TextField(blank=True, default="")
    deployed_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["monitor"], condition=Q(status="open"), name="one_open_drift_alert_per_monitor"
            )
        ]


class Notification(models.Model):
    """Something a user should know: a run finished or failed, drift, a deploy's result, a schedule failing.

    One row per event; ``recipient`` null means every member of the workspace. Sent once to the
    workspace's webhook, if it has one.
    """

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40)
    level = models.CharField(max_length=10, default="info")
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True, default="")
    link = models.JSONField(default=dict)
    data = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    webhook_state = models.CharField(max_length=10, blank=True, default="")
    webhook_attempts = models.PositiveSmallIntegerField(default=0)
    webhook_next_at = models.DateTimeField(null=True, blank=True)
    webhook_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "created_at"]), models.Index(fields=["webhook_state"])]


class NotificationRead(models.Model):
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notification", "user"], name="one_read_per_user")]


class Webhook(models.Model):
    """Where a workspace's notifications are POSTed (signed with HMAC-SHA256 under ``secret``)."""

    workspace = models.OneToOneField("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=2048)
    secret = models.CharField(max_length=100)
    events = models.JSONField(default=list)  # notification kinds to send; empty sends all
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
