"""Registered datasets and their immutable versions.

A version's table lives in the artifact store as Arrow IPC (the same bytes a pipeline step hands on), so
Import Data reads it without conversion; the row records where it came from, what it looks like and its
profile (computed once, by a Celery job, after the version is created).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Dataset(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # The highest version number ever given: numbers are never reused, even after a delete, so a pinned
    # reference ("<id>@3") can never silently point at different data.
    last_number = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_dataset_name")]

    def __str__(self) -> str:
        return self.name


class ProfileStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


class VersionSource(models.TextChoices):
    UPLOAD = "upload"  # a file uploaded by a user
    PIPELINE = "pipeline"  # saved by Export Data in a run
    EDIT = "edit"  # column types or flags changed on an earlier version


class DatasetVersion(models.Model):
    """One immutable version. Only the profile fields change after creation."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    digest = models.CharField(max_length=64, db_index=True)  # artifact holding the Arrow table
    source = models.CharField(max_length=20, choices=VersionSource.choices, default=VersionSource.UPLOAD)
    derived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    original_filename = models.CharField(max_length=255, blank=True, default="")
    format = models.CharField(max_length=20)
    size = models.BigIntegerField()  # bytes of the uploaded file (of the Arrow table when not uploaded)
    rows = models.BigIntegerField()
    columns = models.JSONField(default=list)  # [{"name", "type", "is_feature", "is_label", ...}]
    encoding = models.CharField(max_length=30, blank=True, default="")
    delimiter = models.CharField(max_length=5, blank=True, default="")
    profile = models.JSONField(null=True, blank=True)
    profile_status = models.CharField(
        max_length=20, choices=ProfileStatus.choices, default=ProfileStatus.PENDING
    )
    profile_error = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="unique_dataset_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id}@{self.number}"

    @property
    def reference(self) -> str:
        """The pinned reference Import Data's ``dataset`` parameter takes."""
        return f"{self.dataset_id}@{self.number}"
