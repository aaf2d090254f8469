"""Endpoints, their versions and keys, and what the scoring route records (requests, input samples).

An endpoint is a stable name (``/score/<name>``) in a workspace; each deploy adds an immutable version
that holds the derived inference graph, the artifacts it binds and the input schema. Traffic goes to
one version, or is split between two by percentage. Keys are never stored: only an HMAC-SHA256 of a
256-bit random key under the server's SECRET_KEY (a fast hash is right for high-entropy keys; a password
hasher costs milliseconds per request).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class EndpointStatus(models.TextChoices):
    DEPLOYING = "deploying"
    HEALTHY = "healthy"
    FAILED = "failed"


class Endpoint(models.Model):
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="endpoints")
    # Unique across the server: the scoring URL has no workspace in it.
    name = models.CharField(max_length=63, unique=True)
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=20, choices=EndpointStatus.choices, default=EndpointStatus.DEPLOYING)
    status_reason = models.TextField(blank=True, default="")
    # Version number (as text) -> percentage of requests; one or two entries summing to 100.
    traffic = models.JSONField(default=dict)
    # Bumped on every change that scoring processes must see (versions, traffic, keys, status), so their
    # in-memory copies refresh with one small query.
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EndpointVersion(models.Model):
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    run = models.ForeignKey("runs.Run", null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=EndpointStatus.choices, default=EndpointStatus.DEPLOYING)
    status_reason = models.TextField(blank=True, default="")
    # The inference graph (graph JSON with its "bindings") and what the derivation says about it.
    graph = models.JSONField()
    bindings = models.JSONField(default=dict)
    input_schema = models.JSONField(default=list)  # [{"name", "type"}] of WebServiceInput0
    inputs = models.JSONField(default=list)  # Web Service Input names
    outputs = models.JSONField(default=list)  # Web Service Output names
    derivation = models.JSONField(default=dict)  # removed nodes, notes, source, label columns, parity points
    parity = models.JSONField(default=dict)  # the train/serve parity report
    drift_reference = models.JSONField(default=dict)  # per-feature training distribution (PSI bins)
    example = models.JSONField(default=list)  # a few training rows in the input schema
    fast_path = models.BooleanField(default=False)
    deploy_seconds = models.FloatField(null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["endpoint", "number"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "number"], name="unique_endpoint_version")]


class KeySlot(models.TextChoices):
    PRIMARY = "primary"
    SECONDARY = "secondary"


class EndpointKey(models.Model):
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="keys")
    slot = models.CharField(max_length=10, choices=KeySlot.choices)
    digest = models.CharField(max_length=64)  # hex HMAC-SHA256(SECRET_KEY, key)
    prefix = models.CharField(max_length=12)  # the first characters, to tell keys apart in the UI
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["endpoint", "slot"], name="one_key_per_slot")]


class RequestLog(models.Model):
    """One scoring request; written in batches by a background flusher, never on the request path."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(null=True)  # null when no version was chosen (auth, 4xx)
    status = models.PositiveSmallIntegerField()
    latency_ms = models.FloatField()
    rows = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=50, blank=True, default="")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["endpoint", "created_at"])]


class InputSample(models.Model):
    """A sample of request rows (at most a few hundred per endpoint per second) for input drift."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    rows = models.JSONField(default=list)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["endpoint", "created_at"])]


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class BatchScoringJob(models.Model):
    """A dataset scored through an endpoint version's plan by a Celery job; the result is a new dataset
    version (the input's columns as the plan returns them, with the score columns)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="batch_jobs")
    version = models.PositiveIntegerField()
    input_reference = models.CharField(max_length=100)
    output_name = models.CharField(max_length=200)
    output_reference = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    error = models.TextField(blank=True, default="")
    rows = models.PositiveIntegerField(null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at"]
