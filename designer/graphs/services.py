"""Pipelines: drafts, upgrades of old graphs, validation and frozen versions."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from django.db import transaction
from django.db.models import Max, ProtectedError
from rest_framework import status

from designer.core.api_errors import ApiError
from designer.workspaces import audit
from modules.sdk import get_module, has_module

from .models import Pipeline, PipelineVersion
from .validation import SCHEMA_VERSION, Problem, infer_schemas, nodes_by_id, topological_order, validate_graph

EMPTY_GRAPH: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "nodes": [], "edges": [], "ui": {}}


def upgrade_graph(graph: dict[str, Any]) -> dict[str, Any]:
    """Rewrite nodes saved with old module keys or versions to the current ones."""
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list):
        return graph
    graph = copy.deepcopy(graph)
    for node in graph["nodes"]:
        if (
            not isinstance(node, dict)
            or not isinstance(node.get("module"), str)
            or not has_module(node["module"])
        ):
            continue
        module = get_module(node["module"])
        node["module"] = module.key
        saved_version = node.get("module_version", module.version)
        if (
            isinstance(saved_version, int)
            and saved_version < module.version
            and isinstance(node.get("params"), dict)
        ):
            node["params"] = module.upgrade_params(node["params"], saved_version)
        node["module_version"] = module.version
    return graph


def semantic_digest(graph: dict[str, Any]) -> str:
    """A hash of what the graph computes: layout and comments do not count."""
    nodes = sorted(
        (
            {k: n.get(k) for k in ("id", "module", "module_version", "params", "compute", "regenerate")}
            for n in graph.get("nodes", [])
        ),
        key=lambda n: n["id"],
    )
    edges = sorted(
        graph.get("edges", []), key=lambda e: (e["source"], e["source_port"], e["target"], e["target_port"])
    )
    return hashlib.sha256(json.dumps({"nodes": nodes, "edges": edges}, sort_keys=True).encode()).hexdigest()


def create_pipeline(
    workspace, user, name: str, graph: dict[str, Any] | None = None, description: str = ""
) -> Pipeline:
    pipeline = Pipeline.objects.create(
        workspace=workspace,
        name=name,
        description=description,
        draft=upgrade_graph(graph) if graph else copy.deepcopy(EMPTY_GRAPH),
        created_by=user,
    )
    audit.record(user, workspace, "pipeline.created", pipeline)
    return pipeline


def save_draft(
    pipeline: Pipeline, graph: dict[str, Any] | None = None, *, actor=None, **fields: Any
) -> Pipeline:
    if graph is not None:
        pipeline.draft = upgrade_graph(graph)
    for key, value in fields.items():
        setattr(pipeline, key, value)
    pipeline.save()
    # Autosave writes every few seconds: one audit event per editor and 10 minutes, with a count.
    audit.record(actor, pipeline.workspace_id, "pipeline.updated", pipeline, coalesce=audit.EDIT_COALESCE)
    return pipeline


def delete_pipeline(pipeline: Pipeline, actor=None) -> None:
    try:
        with transaction.atomic():
            audit.record(actor, pipeline.workspace_id, "pipeline.deleted", pipeline, name=pipeline.name)
            pipeline.delete()
    except ProtectedError:
        raise ApiError(
            "pipeline_has_runs",
            "This pipeline has runs, which keep its versions: delete the runs first.",
            status_code=status.HTTP_409_CONFLICT,
        ) from None


def validate(graph: Any) -> list[Problem]:
    return validate_graph(upgrade_graph(graph) if isinstance(graph, dict) else graph)


def freeze_version(pipeline: Pipeline, graph: dict[str, Any]) -> PipelineVersion:
    """An immutable version; an unchanged graph reuses the latest version instead of adding one."""
    graph = upgrade_graph(graph)
    digest = semantic_digest(graph)
    with transaction.atomic():
        locked = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
        latest = locked.versions.order_by("-number").first()
        if (
            latest is not None
            and latest.semantic_digest == digest
            and latest.graph.get("ui") == graph.get("ui")
        ):
            return latest
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        return PipelineVersion.objects.create(
            pipeline=locked, number=number, graph=graph, semantic_digest=digest
        )


def column_schemas(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Design-time column schema per node output, for the canvas's column pickers."""
    graph = upgrade_graph(graph)
    nodes = nodes_by_id(graph)
    edges = [
        e
        for e in graph.get("edges", [])
        if isinstance(e, dict) and e.get("source") in nodes and e.get("target") in nodes
    ]
    order = topological_order(list(nodes), edges)
    if order is None:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for (node_id, port), schema in infer_schemas(graph, edges, order).items():
        out.setdefault(node_id, {})[port] = schema
    return out
