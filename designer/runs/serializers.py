from __future__ import annotations

from rest_framework import serializers

from .history import run_seconds
from .models import Experiment, Run, Step


class StepSerializer(serializers.ModelSerializer):
    node = serializers.CharField(source="node_id")
    module = serializers.CharField(source="module_key")
    cached_from_run = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = [
            "node", "title", "module", "module_version", "status", "queue", "attempt", "error", "metrics",
            "outputs", "output_schemas", "cached_from_run", "queued_at", "started_at", "finished_at", "duration_ms",
        ]  # fmt: skip

    def get_cached_from_run(self, step: Step) -> str | None:
        return str(step.cached_from.run_id) if step.cached_from is not None else None


class RunSerializer(serializers.ModelSerializer):
    experiment = serializers.CharField(source="experiment.name")
    pipeline = serializers.UUIDField(source="pipeline_version.pipeline_id")
    pipeline_version = serializers.IntegerField(source="pipeline_version.number")
    duration_s = serializers.SerializerMethodField()
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = Run
        fields = [
            "id", "experiment", "pipeline", "pipeline_version", "status", "error", "options", "tags",
            "created_at", "started_at", "finished_at", "duration_s", "steps",
        ]  # fmt: skip

    def get_duration_s(self, run: Run) -> float | None:
        """Seconds from the first step's start (or the submission) to the end; None while it runs."""
        return run_seconds(run)


class RunListSerializer(RunSerializer):
    class Meta(RunSerializer.Meta):
        fields = [f for f in RunSerializer.Meta.fields if f != "steps"]


class ExperimentSerializer(serializers.ModelSerializer):
    runs = serializers.IntegerField(source="run_count", read_only=True)

    class Meta:
        model = Experiment
        fields = ["id", "name", "description", "created_at", "runs"]


class SubmitSerializer(serializers.Serializer):
    experiment = serializers.CharField(max_length=200, default="Default")
    graph = serializers.JSONField(required=False)
    from_node = serializers.CharField(max_length=100, required=False)
    only_node = serializers.CharField(max_length=100, required=False)
    regenerate = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    parameters = serializers.DictField(
        required=False, help_text="Values of the pipeline's parameters (the declared defaults fill the rest)."
    )

    def validate(self, attrs):
        if attrs.get("from_node") and attrs.get("only_node"):
            raise serializers.ValidationError({"only_node": "Give from_node or only_node, not both."})
        return attrs


class RerunSerializer(serializers.Serializer):
    from_node = serializers.CharField(max_length=100, required=False)
    only_node = serializers.CharField(max_length=100, required=False)
