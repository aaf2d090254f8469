"""Pipelines: drafts, upgrades of old graphs, validation and frozen versions."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import math
import re
from typing import Any

from django.db import transaction
from django.db.models import Max, ProtectedError, RestrictedError
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
    material: dict[str, Any] = {"nodes": nodes, "edges": edges}
    # Parameter declarations and recorded values change what a version computes or asks for; graphs
    # without them hash as before.
    for key in ("parameters", "parameter_values"):
        if graph.get(key):
            material[key] = graph[key]
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


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
    except RestrictedError:
        raise ApiError(
            "pipeline_is_published",
            "A version of this pipeline is published: delete the published pipeline first.",
            status_code=status.HTTP_409_CONFLICT,
        ) from None


def validate(graph: Any) -> list[Problem]:
    """Every problem of a draft; pipeline parameters count with their defaults."""
    return prepare_graph(graph, require_values=False)[2]


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
    graph = resolve_parameters(upgrade_graph(graph), require_values=False)[0]
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


# --------------------------------------------------------------------------------------------------
# Pipeline parameters
# --------------------------------------------------------------------------------------------------
# A graph may declare ``"parameters": [{"name", "type", "default", "description"}]`` and any node
# parameter may then be ``{"$param": "<name>"}`` instead of a value (an Import Data's dataset, a learner's
# number of trees ...). ``resolve_parameters`` puts the values in before validation and before the graph
# is frozen and hashed, so a step's cache key sees the value, never the reference. The resolved graph
# keeps the declarations and records the values it used under ``"parameter_values"``.
PARAMETER_TYPES = ("string", "integer", "number", "boolean", "dataset")
PARAMETER_REF = "$param"
_PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")
_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "dataset": "a dataset reference",
}


def parameter_reference(value: Any) -> str | None:
    """The pipeline parameter a node parameter value refers to, or None for a plain value."""
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get(PARAMETER_REF), str):
        return value[PARAMETER_REF]
    return None


def coerce_parameter_value(kind: str, value: Any) -> Any:
    """The value as the declared type, or ValueError saying what was expected."""
    if kind == "integer":
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return int(value.strip())
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind == "number":
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value.strip())
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return value
    elif kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
    elif kind == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    elif kind == "dataset" and isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError(f"must be {_TYPE_WORDS.get(kind, kind)}; got {value!r}")


def declared_parameters(graph: Any) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The graph's parameter declarations (type defaulting to string) and what is wrong with them."""
    raw = graph.get("parameters", []) if isinstance(graph, dict) else []
    if raw in (None, []):
        return [], []
    if not isinstance(raw, list):
        return [], [Problem("invalid_parameters", "'parameters' must be a list of parameter declarations.")]
    declared: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not _PARAMETER_NAME.fullmatch(name):
            problems.append(
                Problem(
                    "invalid_parameter_declaration",
                    f"Pipeline parameter {index + 1} needs a name of letters, digits, '_', '.' or '-' "
                    "(starting with a letter or '_').",
                )
            )
            continue
        if name in seen:
            problems.append(
                Problem("duplicate_parameter", f"Two pipeline parameters are named '{name}'.", parameter=name)
            )
            continue
        seen.add(name)
        kind = item.get("type", "string")
        if kind not in PARAMETER_TYPES:
            problems.append(
                Problem(
                    "invalid_parameter_declaration",
                    f"Pipeline parameter '{name}' has an unknown type {kind!r}; use one of "
                    f"{', '.join(PARAMETER_TYPES)}.",
                    parameter=name,
                )
            )
            continue
        declared.append(
            {
                "name": name,
                "type": kind,
                "default": item.get("default"),
                "description": str(item.get("description") or ""),
            }
        )
    return declared, problems


def resolve_parameters(
    graph: Any, values: dict[str, Any] | None = None, *, require_values: bool = True
) -> tuple[Any, dict[str, Any], list[Problem]]:
    """Put pipeline parameter values into the nodes that refer to them.

    ``values`` override the declared defaults (and the values recorded by an earlier resolution).
    Returns the resolved graph, the values used and the problems, each naming the parameter. A
    reference that cannot be resolved is dropped from its node (which then sees its module default), so
    that validation can still report everything else at once. With ``require_values=False`` (a draft
    being edited, a pipeline being published) a parameter without a value is not a problem.
    """
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list):
        problems = (
            [] if not values else [Problem("unknown_pipeline_parameter", "This pipeline has no parameters.")]
        )
        return graph, {}, problems
    declared, problems = declared_parameters(graph)
    if not declared and not problems and not values and not parameter_sources(graph):
        return graph, {}, []  # the common case: a graph without parameters is used as it is
    values = dict(values or {})
    recorded: dict[str, Any] = (
        graph["parameter_values"] if isinstance(graph.get("parameter_values"), dict) else {}
    )
    by_name = {p["name"]: p for p in declared}
    for name in values:
        if name not in by_name:
            known = ", ".join(by_name) or "none"
            problems.append(
                Problem(
                    "unknown_pipeline_parameter",
                    f"This pipeline has no parameter '{name}' (its parameters: {known}).",
                    parameter=name,
                )
            )
    resolved_values: dict[str, Any] = {}
    for parameter in declared:
        name = parameter["name"]
        if name in values:
            given, source = values[name], "value"
        elif name in recorded:
            given, source = recorded[name], "value"
        else:
            given, source = parameter["default"], "default"
        if given is None:
            if require_values:
                problems.append(
                    Problem(
                        "missing_pipeline_parameter",
                        f"The pipeline parameter '{name}' needs a value (it has no default).",
                        parameter=name,
                    )
                )
            continue
        try:
            resolved_values[name] = coerce_parameter_value(parameter["type"], given)
        except ValueError as exc:
            problems.append(
                Problem(
                    "invalid_pipeline_parameter",
                    f"The pipeline parameter '{name}' {exc}"
                    + (" (its default)." if source == "default" else "."),
                    parameter=name,
                )
            )
    resolved = copy.deepcopy(graph)
    for node in resolved["nodes"]:
        params = node.get("params") if isinstance(node, dict) else None
        if not isinstance(params, dict):
            continue
        for key, value in list(params.items()):
            reference = parameter_reference(value)
            if reference is None:
                continue
            name = reference
            if name in resolved_values:
                params[key] = copy.deepcopy(resolved_values[name])
                continue
            del params[key]
            if name not in by_name:
                problems.append(
                    Problem(
                        "unknown_pipeline_parameter",
                        f"Node '{node.get('id')}' refers to a pipeline parameter '{name}' that is not declared.",
                        node=node.get("id") if isinstance(node.get("id"), str) else None,
                        parameter=key,
                        hint="Declare it in the pipeline's parameters, or set a value on the node.",
                    )
                )
    if declared:
        resolved["parameter_values"] = resolved_values
    return resolved, resolved_values, problems


def parameter_sources(graph: Any) -> dict[tuple[str, str], str]:
    """(node id, node parameter) -> the pipeline parameter it refers to."""
    sources: dict[tuple[str, str], str] = {}
    for node in graph.get("nodes", []) if isinstance(graph, dict) else []:
        if isinstance(node, dict) and isinstance(node.get("params"), dict):
            for key, value in node["params"].items():
                name = parameter_reference(value)
                if name is not None and isinstance(node.get("id"), str):
                    sources[(node["id"], key)] = name
    return sources


def prepare_graph(
    graph: Any, values: dict[str, Any] | None = None, *, require_values: bool = True
) -> tuple[Any, dict[str, Any], list[Problem]]:
    """Resolve the pipeline parameters, then validate: what a submission runs, and every problem.

    A node parameter that fails its module's check because of a pipeline parameter's value is reported
    with the pipeline parameter's name, since that is what the user sets.
    """
    graph = upgrade_graph(graph) if isinstance(graph, dict) else graph
    sources = parameter_sources(graph)
    resolved, used, problems = resolve_parameters(graph, values, require_values=require_values)
    for problem in validate_graph(resolved):
        name = sources.get((problem.node or "", problem.parameter or ""))
        if name is not None:
            if name not in used:
                continue  # no value yet (allowed here): the module's complaint would be about nothing
            problem.message = f"Pipeline parameter '{name}' = {used[name]!r}: {problem.message}"
            problem.hint = problem.hint or f"Give the pipeline parameter '{name}' another value."
        problems.append(problem)
    return resolved, used, problems
