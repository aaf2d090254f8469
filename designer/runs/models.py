"""Experiments, runs, steps and the ordered event log of a run."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Experiment(models.Model):
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="experiments"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_experiment_name")]


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Run(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="runs")
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="runs")
    pipeline_version = models.ForeignKey(
        "graphs.PipelineVersion", on_delete=models.PROTECT, related_name="runs"
    )
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    error = models.TextField(blank=True, default="")
    options = models.JSONField(default=dict)  # from_node / only_node / regenerate
    tags = models.JSONField(default=list)
    cancel_requested = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at"]


class StepStatus(models.TextChoices):
    PENDING = "pending"  # waiting for its inputs
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    CACHED = "cached"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # not needed by a partial run, or its upstream failed


DONE_STATUSES = (StepStatus.COMPLETED, StepStatus.CACHED)
TERMINAL_STATUSES = (*DONE_STATUSES, StepStatus.FAILED, StepStatus.CANCELLED, StepStatus.SKIPPED)


class Step(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    node_id = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    module_key = models.CharField(max_length=200)
    module_version = models.PositiveIntegerField()
    params = models.JSONField(default=dict)
    upstream = models.JSONField(default=dict)  # input port -> [source node id, source port]
    queue = models.CharField(max_length=10, default="cpu")
    regenerate = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=StepStatus.choices, default=StepStatus.PENDING)
    cache_key = models.CharField(max_length=64, blank=True, default="", db_index=True)
    cached_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outputs = models.JSONField(default=dict)  # output port -> artifact digest
    output_schemas = models.JSONField(default=dict)  # output port -> column schema (tables)
    metrics = models.JSONField(default=dict)
    logs = models.TextField(blank=True, default="")
    error = models.JSONField(null=True, blank=True)
    attempt = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=100, blank=True, default="")
    worker = models.CharField(max_length=200, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, db_index=True)
    queued_at = models.DateTimeField(null=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    duration_ms = models.FloatField(null=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["run", "node_id"], name="one_step_per_node")]


class RunEvent(models.Model):
    """The ordered log of what happened in a run; websockets replay it from any id."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    node_id = models.CharField(max_length=100, blank=True, default="")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "id"])]


class WorkerPresence(models.Model):
    """Workers say they are alive every few seconds; routing to the gpu queue reads this."""

    name = models.CharField(max_length=200, primary_key=True)
    queues = models.JSONField(default=list)
    last_seen = models.DateTimeField()
