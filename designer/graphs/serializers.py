from __future__ import annotations

from rest_framework import serializers

from .models import Pipeline, PipelineVersion


class PipelineSerializer(serializers.ModelSerializer):
    graph = serializers.JSONField(source="draft", required=False)
    workspace = serializers.IntegerField(
        source="workspace_id", required=False, help_text="Where to create it (default: your personal one)."
    )

    class Meta:
        model = Pipeline
        fields = ["id", "workspace", "name", "description", "graph", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class PipelineListSerializer(PipelineSerializer):
    class Meta(PipelineSerializer.Meta):
        fields = ["id", "workspace", "name", "description", "created_at", "updated_at"]


class PipelineVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PipelineVersion
        fields = ["number", "graph", "semantic_digest", "created_at"]


class ValidateSerializer(serializers.Serializer):
    graph = serializers.JSONField(required=False)
