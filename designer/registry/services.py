"""The model registry: registering a run's trained model under a name, versions, edits, deletes.

Views call these; nothing else writes the registry's models. A version records everything it needs at
registration (input schema, metrics, lineage), read from the run once, so later reads touch no
artifact.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, TextField
from django.db.models.functions import Cast
from rest_framework import status

from designer.artifacts import store as artifacts
from designer.core.api_errors import ApiError
from designer.datasets import services as datasets
from designer.datasets.models import DatasetVersion
from designer.runs.models import DONE_STATUSES, Run, RunStatus, Step
from designer.workspaces import audit
from designer.workspaces.services import can_write
from modules.sdk import PortType, get_module, has_module

from .models import ModelVersion, RegisteredModel

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
MODEL_PORT_TYPES = (PortType.TRAINED_MODEL, PortType.TRAINED_CLUSTER_MODEL, PortType.TRAINED_RECOMMENDER)
MAX_TAGS, MAX_TAG_LENGTH = 50, 100


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ApiError(
            "invalid_name",
            "A model name has 1 to 100 letters, digits, '.', '_' and '-', starting with a letter or digit "
            "(it is part of the model's URL), e.g. 'churn-classifier'.",
            field="name",
        )
    return name


def check_tags(tags: Any) -> list[str]:
    if tags is None:
        return []
    if (
        not isinstance(tags, list)
        or len(tags) > MAX_TAGS
        or not all(isinstance(t, str) and 0 < len(t) <= MAX_TAG_LENGTH for t in tags)
    ):
        raise ApiError(
            "invalid",
            f"tags is a list of at most {MAX_TAGS} texts of 1 to {MAX_TAG_LENGTH} characters.",
            field="tags",
        )
    return list(dict.fromkeys(tags))


def check_description(description: Any) -> str:
    if description is None:
        return ""
    if not isinstance(description, str):
        raise ApiError("invalid", "description must be text.", field="description")
    return description


# --------------------------------------------------------------------------------------------------
# What a version records about its run
# --------------------------------------------------------------------------------------------------


def model_port(step: Step, port: str | None) -> tuple[str, PortType]:
    """The trained-model output of ``step`` that ``port`` names (or its only one)."""
    if not has_module(step.module_key):
        raise ApiError("unknown_module", f"Node '{step.node_id}' uses a module that no longer exists.",
                       field="node")  # fmt: skip
    module = get_module(step.module_key)
    ports = [p for p in module.outputs if p.type in MODEL_PORT_TYPES]
    if port is None:
        if len(ports) != 1:
            raise ApiError(
                "not_a_model",
                f"'{step.title}' ({step.node_id}) has no trained-model output: register the output of Train "
                "Model, Train Clustering Model, Tune Model Hyperparameters or another training module."
                if not ports
                else f"'{step.title}' has several trained-model outputs: name one with port "
                f"({', '.join(p.name for p in ports)}).",
                field="node" if not ports else "port",
                node=step.node_id,
            )
        return ports[0].name, ports[0].type
    found = next((p for p in module.outputs if p.name == port), None)
    if found is None or found.type not in MODEL_PORT_TYPES:
        raise ApiError(
            "not_a_model",
            f"'{step.title}' has no trained-model output '{port}'"
            + (f" (its trained-model outputs: {', '.join(p.name for p in ports)})." if ports else "."),
            field="port",
            node=step.node_id,
        )
    return found.name, found.type


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict)):
        value = value.item()  # numpy scalars
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def model_summary(value: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {"type": type(value).__name__}
    for attribute in ("task", "learner_key", "label_column", "feature_columns", "classes"):
        if hasattr(value, attribute):
            found = getattr(value, attribute)
            summary[attribute] = (
                [_plain(v) for v in found] if isinstance(found, (list, tuple)) else _plain(found)
            )
    return summary


def training_input(run: Run, step: Step) -> tuple[Step, str] | None:
    """The step and output port that fed the training step's (first) dataset input."""
    if not has_module(step.module_key):
        return None
    for port in get_module(step.module_key).inputs:
        if port.type == PortType.DATASET and port.name in (step.upstream or {}):
            source, source_port = step.upstream[port.name]
            found = run.steps.filter(node_id=source).first()
            return (found, source_port) if found is not None else None
    return None


def input_schema(run: Run, step: Step, summary: dict[str, Any]) -> list[dict[str, str]]:
    """The model's feature columns with their types, read from the schema of the table it was trained
    on (in the model's own column order)."""
    fed = training_input(run, step)
    schema = (fed[0].output_schemas or {}).get(fed[1]) if fed else None
    columns = {c["name"]: c for c in (schema or {}).get("columns", []) if isinstance(c, dict)}
    features = summary.get("feature_columns")
    if not isinstance(features, list):
        features = [
            name for name, c in columns.items()
            if c.get("is_feature", True) and not c.get("is_label") and not c.get("is_score")
        ]  # fmt: skip
    return [
        {"name": str(name), "type": str(columns.get(name, {}).get("type", "double"))} for name in features
    ]


def run_metrics(run: Run) -> dict[str, Any]:
    """Node -> evaluation port -> metrics, for every finished step that recorded metrics."""
    return {
        node: metrics
        for node, metrics in run.steps.filter(status__in=DONE_STATUSES)
        .exclude(metrics={})
        .values_list("node_id", "metrics")
    }


def _ancestors(graph: dict[str, Any], node: str) -> set[str]:
    parents: dict[str, set[str]] = defaultdict(set)
    for edge in graph.get("edges", []):
        if isinstance(edge, dict):
            parents[edge.get("target", "")].add(edge.get("source", ""))
    seen, stack = {node}, [node]
    while stack:
        for parent in parents[stack.pop()]:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def datasets_read(run: Run, node: str | None = None) -> list[tuple[Step, str, DatasetVersion | None]]:
    """(Import Data step, pinned reference, the version or None if gone) for each registered dataset
    the run read; with ``node``, only those upstream of that node."""
    steps = run.steps.filter(module_key=datasets.IMPORT_DATA, status__in=DONE_STATUSES).order_by("id")
    upstream = _ancestors(run.pipeline_version.graph, node) if node else None
    found = []
    for step in steps:
        params = step.params or {}
        if upstream is not None and step.node_id not in upstream:
            continue
        if params.get("data_source", datasets.REGISTERED_SOURCE) != datasets.REGISTERED_SOURCE:
            continue
        reference = params.get("dataset")
        if not isinstance(reference, str):
            continue
        try:
            version: DatasetVersion | None = datasets.resolve_reference(run.workspace_id, reference)
        except LookupError:
            version = None
        found.append((step, reference, version))
    return found


def lineage_record(run: Run, read: list[tuple[Step, str, DatasetVersion | None]]) -> dict[str, Any]:
    version = run.pipeline_version
    return {
        "run": str(run.pk),
        "experiment": run.experiment.name,
        "pipeline": {
            "id": str(version.pipeline_id),
            "name": version.pipeline.name,
            "version": version.number,
        },
        "datasets": [
            {
                "node": step.node_id,
                "reference": reference,
                "name": found.dataset.name if found is not None else None,
                "version": found.number if found is not None else None,
            }
            for step, reference, found in read
        ],
    }


# --------------------------------------------------------------------------------------------------
# Registering
# --------------------------------------------------------------------------------------------------


def register_model(
    user: Any,
    run: Run,
    *,
    name: Any,
    node: Any,
    port: Any = None,
    description: Any = None,
    tags: Any = None,
) -> ModelVersion:
    """A new version of the model ``name`` in the run's workspace (the model is created on first use)."""
    name = check_name(name)
    description = check_description(description)
    tags = check_tags(tags)
    if not can_write(user, run.workspace_id):
        raise ApiError(
            "forbidden",
            "You can read this workspace but not register models in it (your role is reader).",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    if not isinstance(node, str) or not node:
        raise ApiError("invalid", "node: name the node whose trained model to register.", field="node")
    if port is not None and not isinstance(port, str):
        raise ApiError("invalid", "port must be an output name.", field="port")
    if run.status != RunStatus.COMPLETED:
        raise ApiError(
            "run_not_completed",
            f"This run has not completed (its status is {run.status}); register a model of a completed run.",
            status_code=status.HTTP_409_CONFLICT,
            field="run",
        )
    step = run.steps.filter(node_id=node).first()
    if step is None:
        raise ApiError("unknown_node", f"This run has no node '{node}'.", field="node", node=node)
    port_name, port_type = model_port(step, port)
    digest = (step.outputs or {}).get(port_name)
    if step.status not in DONE_STATUSES or not digest:
        raise ApiError(
            "output_not_ready",
            f"'{step.title}' produced no '{port_name}' in this run (status: {step.status}).",
            status_code=status.HTTP_409_CONFLICT,
            node=node,
        )
    try:
        value = artifacts.load_value(port_type, digest)
    except FileNotFoundError:
        raise ApiError(
            "artifact_missing", "The bytes of this trained model are missing from the artifact store.",
            status_code=status.HTTP_409_CONFLICT, node=node,
        ) from None  # fmt: skip
    summary = model_summary(value)
    read = datasets_read(run, node)
    fields = {
        "description": description,
        "tags": tags,
        "run": run,
        "node": node,
        "port": port_name,
        "port_type": str(port_type),
        "digest": digest,
        "module_key": step.module_key,
        "summary": summary,
        "input_schema": input_schema(run, step, summary),
        "metrics": run_metrics(run),
        "pipeline_version": run.pipeline_version,
        "lineage": lineage_record(run, read),
        "created_by": user if getattr(user, "is_authenticated", False) else None,
    }
    for attempt in range(2):  # a concurrent first registration of the same name wins the create
        try:
            with transaction.atomic():
                return _create_version(run, name, description, user, fields, read)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _create_version(
    run: Run,
    name: str,
    description: str,
    user: Any,
    fields: dict[str, Any],
    read: list[tuple[Step, str, DatasetVersion | None]],
) -> ModelVersion:
    model = (
        RegisteredModel.objects.select_for_update().filter(workspace_id=run.workspace_id, name=name).first()
    )
    if model is None:
        model = RegisteredModel.objects.create(
            workspace_id=run.workspace_id, name=name, description=description, created_by=fields["created_by"]
        )
    RegisteredModel.objects.filter(pk=model.pk).update(last_number=F("last_number") + 1)
    model.refresh_from_db()
    version = ModelVersion.objects.create(
        model=model, workspace_id=run.workspace_id, number=model.last_number, **fields
    )
    version.dataset_versions.set([found for _, _, found in read if found is not None])
    audit.record(
        user,
        run.workspace_id,
        "model.registered",
        version,
        model=model.name,
        version=version.number,
        run=str(run.pk),
        node=version.node,
        port=version.port,
    )
    return version


def update_version(
    version: ModelVersion, user: Any, *, description: Any = None, tags: Any = None
) -> ModelVersion:
    changed: dict[str, Any] = {}
    if description is not None:
        changed["description"] = check_description(description)
    if tags is not None:
        changed["tags"] = check_tags(tags)
    if not changed:
        raise ApiError("invalid", "Send description or tags.", field="description")
    with transaction.atomic():
        ModelVersion.objects.filter(pk=version.pk).update(**changed)
        version.refresh_from_db()
        audit.record(user, version.workspace_id, "model_version.updated", version, fields=sorted(changed))
    return version


def update_model(model: RegisteredModel, user: Any, *, description: Any) -> RegisteredModel:
    with transaction.atomic():
        model.description = check_description(description)
        model.save(update_fields=["description", "updated_at"])
        audit.record(user, model.workspace_id, "model.updated", model, fields=["description"])
    return model


# --------------------------------------------------------------------------------------------------
# In use, and deleting
# --------------------------------------------------------------------------------------------------

InUseCheck = Callable[[ModelVersion], "str | None"]
_in_use_checks: list[InUseCheck] = []


def register_in_use_check(check: InUseCheck) -> InUseCheck:
    """Add a reason a model version cannot be deleted. A check returns a sentence naming what uses the
    version, or None. Usable as a decorator."""
    if check not in _in_use_checks:
        _in_use_checks.append(check)
    return check


def model_version_in_use(version: ModelVersion) -> str | None:
    for check in list(_in_use_checks):
        reason = check(version)
        if reason:
            return reason
    return None


def endpoints_serving(workspace_id: int, digest: str) -> list[tuple[Any, int]]:
    """(endpoint, version number) for every healthy endpoint version that binds the artifact ``digest``
    and takes a share of its endpoint's traffic."""
    from designer.deployments.models import EndpointStatus, EndpointVersion

    candidates = (
        EndpointVersion.objects.filter(endpoint__workspace_id=workspace_id, status=EndpointStatus.HEALTHY)
        .select_related("endpoint")
        .annotate(bindings_text=Cast("bindings", TextField()))
        .filter(bindings_text__contains=digest)
        .order_by("endpoint__name", "number")
    )
    serving = []
    for version in candidates:
        endpoint = version.endpoint
        digests = {
            b.get("digest") for ports in (version.bindings or {}).values() if isinstance(ports, dict)
            for b in ports.values() if isinstance(b, dict)
        }  # fmt: skip
        share = (endpoint.traffic or {}).get(str(version.number), 0)
        if digest in digests and share and endpoint.status == EndpointStatus.HEALTHY:
            serving.append((endpoint, version.number))
    return serving


@register_in_use_check
def used_by_live_endpoints(version: ModelVersion) -> str | None:
    serving = endpoints_serving(version.workspace_id, version.digest)
    if not serving:
        return None
    endpoint, number = serving[0]
    return (
        f"Version {version.number} of model {version.model.name!r} is served by the live endpoint "
        f"{endpoint.name!r} (its version {number}). Roll the endpoint to another version or delete it, "
        "then try again."
    )


def delete_version(version: ModelVersion, user: Any) -> None:
    """Delete one version (its number is never given again); a version in use is a 409 naming the user.
    The trained model's bytes stay: they are the run's output."""
    with transaction.atomic():
        version = ModelVersion.objects.select_related("model").select_for_update().get(pk=version.pk)
        reason = model_version_in_use(version)
        if reason:
            raise ApiError("model_in_use", reason, status_code=status.HTTP_409_CONFLICT)
        audit.record(
            user, version.workspace_id, "model_version.deleted", version, model=version.model.name,
            version=version.number, run=str(version.run_id) if version.run_id else None,
        )  # fmt: skip
        version.delete()


def delete_model(model: RegisteredModel, user: Any) -> None:
    """Delete a model with all its versions, unless one of them is in use (409 naming the user)."""
    with transaction.atomic():
        versions = list(ModelVersion.objects.select_related("model").select_for_update().filter(model=model))
        for version in versions:
            reason = model_version_in_use(version)
            if reason:
                raise ApiError("model_in_use", reason, status_code=status.HTTP_409_CONFLICT)
        audit.record(user, model.workspace_id, "model.deleted", model, versions=[v.number for v in versions])
        model.delete()


def dataset_version_used_by_models(version: DatasetVersion) -> str | None:
    """Registered for the datasets app: a dataset version a registered model was trained on stays."""
    used = ModelVersion.objects.filter(dataset_versions=version).select_related("model").first()
    if used is None:
        return None
    return (
        f"Version {version.number} of dataset {version.dataset.name!r} is in the lineage of model "
        f"{used.model.name!r} version {used.number}. Delete that model version first."
    )
