"""Registered models and their immutable versions.

A version points at one trained-model output of a run (node, port and the artifact digest) and keeps
what it needs to stand on its own: the model's input schema, the run's metrics, and its lineage (the
run, the pipeline version it ran, the dataset versions its Import Data steps read). The foreign keys
make lineage queryable; ``lineage`` keeps the same facts as text, so they outlive a deleted run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RegisteredModel(models.Model):
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="registered_models"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    # The highest version number ever given: numbers are never reused, even after a delete, so
    # "churn@3" can never silently mean a different model.
    last_number = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_model_name")]

    def __str__(self) -> str:
        return self.name


class ModelVersion(models.Model):
    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="versions")
    # The model's workspace, repeated so that scoping (and the isolation checks) need no join.
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    description = models.TextField(blank=True, default="")
    tags = models.JSONField(default=list)
    run = models.ForeignKey("runs.Run", null=True, on_delete=models.SET_NULL, related_name="model_versions")
    node = models.CharField(max_length=100)
    port = models.CharField(max_length=100)
    port_type = models.CharField(max_length=50)
    digest = models.CharField(max_length=64, db_index=True)  # the trained model artifact
    module_key = models.CharField(max_length=200)  # the module that trained it
    summary = models.JSONField(default=dict)  # task, learner, feature and label columns, classes
    input_schema = models.JSONField(default=list)  # [{"name", "type"}] of the features it reads
    metrics = models.JSONField(default=dict)  # node -> evaluation port -> metrics, as the run recorded
    pipeline_version = models.ForeignKey(
        "graphs.PipelineVersion", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    dataset_versions = models.ManyToManyField("datasets.DatasetVersion", blank=True, related_name="+")
    lineage = models.JSONField(default=dict)  # the same, as text: run, pipeline, dataset references
    bundle_digest = models.CharField(max_length=64, blank=True, default="")  # built on first download
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["model", "number"], name="unique_model_version")]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """How lineage names a version: ``<model name>@<number>``."""
        return f"{self.model.name}@{self.number}"

    @property
    def title(self) -> str:  # what the audit log shows
        return f"{self.model.name} version {self.number}"
