"""Lineage: from any dataset version, run, model version or endpoint, what it came from and what used it.

The answer is a small graph, ``{"root", "nodes": [{key, kind, id, label, url}], "edges": [{from, to,
relation}], "truncated"}``; an edge names its ends by node ``key`` (``<kind>:<id>``). Edges point the
way data flowed:

    dataset_version --read_by--> run --registered_as--> model_version --served_by--> endpoint
    pipeline_version --ran_as--> run --deployed_as--> endpoint
    dataset_version --edited_into--> dataset_version     (a column edit makes a new version)
    dataset_version --trained--> model_version           (only when the model's run was deleted)

From the starting object the walk goes upstream through what it came from and downstream through what
used it, never sideways (the lineage of a model does not list the other runs that read its dataset).
Ids: a dataset or pipeline version is ``<uuid>@<n>``, a model version ``<model name>@<n>``, a run its
uuid, an endpoint its name. Everything is looked up in the caller's workspaces only.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from designer.datasets import services as datasets
from designer.datasets.models import DatasetVersion
from designer.graphs.models import PipelineVersion
from designer.runs.models import DONE_STATUSES, Run, Step
from designer.workspaces.services import readable_workspace_ids

from .models import ModelVersion
from .services import datasets_read

KINDS = ("dataset_version", "run", "model_version", "endpoint", "pipeline_version")
MAX_NODES = 200
MAX_NUMBER = 2**31 - 1  # version numbers are 32-bit: a larger one names nothing


class LineageError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Ref:
    kind: str
    id: str


Link = tuple[Ref, Any, str]  # (the other end, its object, relation)


# --------------------------------------------------------------------------------------------------
# Nodes: ids and labels
# --------------------------------------------------------------------------------------------------


def _ref(obj: Any) -> Ref:
    if isinstance(obj, DatasetVersion):
        return Ref("dataset_version", obj.reference)
    if isinstance(obj, Run):
        return Ref("run", str(obj.pk))
    if isinstance(obj, ModelVersion):
        return Ref("model_version", obj.reference)
    if isinstance(obj, PipelineVersion):
        return Ref("pipeline_version", f"{obj.pipeline_id}@{obj.number}")
    return Ref("endpoint", obj.name)


def _describe(obj: Any) -> dict[str, Any]:
    if isinstance(obj, DatasetVersion):
        return {
            "label": f"{obj.dataset.name} v{obj.number}",
            "url": f"/api/v1/datasets/{obj.dataset_id}/versions/{obj.number}/",
        }
    if isinstance(obj, Run):
        version = obj.pipeline_version
        return {
            "label": f"Run of {version.pipeline.name} v{version.number} in {obj.experiment.name} ({obj.status})",
            "status": obj.status,
            "created_at": obj.created_at.isoformat(),
            "url": f"/api/v1/runs/{obj.pk}/",
        }
    if isinstance(obj, ModelVersion):
        return {
            "label": f"{obj.model.name} v{obj.number}",
            "url": f"/api/v1/models/{obj.model.name}/versions/{obj.number}/",
        }
    if isinstance(obj, PipelineVersion):
        return {"label": f"{obj.pipeline.name} v{obj.number}", "url": f"/api/v1/pipelines/{obj.pipeline_id}/"}
    return {
        "label": f"{obj.name} ({obj.status})",
        "status": obj.status,
        "url": f"/api/v1/endpoints/{obj.name}/",
    }


# --------------------------------------------------------------------------------------------------
# Finding the starting object
# --------------------------------------------------------------------------------------------------


def _versioned(identifier: str) -> tuple[str, int | None]:
    head, at, number = identifier.rpartition("@")
    if not at:
        return identifier, None
    if not number.isdigit() or int(number) > MAX_NUMBER:
        raise LookupError(identifier)
    return head, int(number)


def resolve(kind: str, identifier: str, workspaces: Any, workspace: int | None = None) -> Any:
    """The object ``kind``/``identifier`` names in ``workspaces``; LookupError when there is none."""
    if workspace is not None:
        workspaces = [w for w in workspaces if w == workspace]
    found: Any
    if kind == "dataset_version":
        dataset_id, number = datasets.parse_reference(identifier)
        if number is not None and number > MAX_NUMBER:
            raise LookupError(identifier)
        versions = DatasetVersion.objects.select_related("dataset").filter(
            dataset_id=dataset_id, dataset__workspace_id__in=workspaces
        )
        found = (
            versions.filter(number=number).first()
            if number is not None
            else versions.order_by("-number").first()
        )
    elif kind == "run":
        found = Run.objects.filter(pk=_uuid(identifier), workspace_id__in=workspaces).first()
    elif kind == "pipeline_version":
        pipeline, number = _versioned(identifier)
        if number is None:
            raise LookupError(identifier)
        found = PipelineVersion.objects.filter(
            pipeline_id=_uuid(pipeline), number=number, pipeline__workspace_id__in=workspaces
        ).first()
    elif kind == "model_version":
        name, number = _versioned(identifier)
        if number is None:
            raise LookupError(identifier)
        matches = list(
            ModelVersion.objects.filter(model__name=name, number=number, workspace_id__in=workspaces)[:2]
        )
        if len(matches) > 1:
            raise LineageError(
                "ambiguous",
                f"Model {name!r} exists in several of your workspaces: add workspace=<id> to choose one.",
            )
        found = matches[0] if matches else None
    elif kind == "endpoint":
        from designer.deployments.models import Endpoint

        found = Endpoint.objects.filter(name=identifier, workspace_id__in=workspaces).first()
    else:
        raise LineageError("invalid", f"kind is one of {', '.join(KINDS)}.")
    if found is None:
        raise LookupError(identifier)
    return found


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise LookupError(text) from None


def _workspace_of(obj: Any) -> int:
    if isinstance(obj, DatasetVersion):
        return obj.dataset.workspace_id
    if isinstance(obj, PipelineVersion):
        return obj.pipeline.workspace_id
    return int(obj.workspace_id)


# --------------------------------------------------------------------------------------------------
# Relations, one kind at a time
# --------------------------------------------------------------------------------------------------


def _runs(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("experiment", "pipeline_version__pipeline")


def _endpoint_versions(workspace_id: int) -> QuerySet:
    from designer.deployments.models import EndpointVersion

    return EndpointVersion.objects.filter(endpoint__workspace_id=workspace_id).select_related("endpoint")


def _bound_digests(bindings: Any) -> set[str]:
    return {
        b["digest"] for ports in (bindings or {}).values() if isinstance(ports, dict)
        for b in ports.values() if isinstance(b, dict) and isinstance(b.get("digest"), str)
    }  # fmt: skip


def _model_versions(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("model")


def parents(obj: Any, workspace_id: int) -> list[Link]:
    links: list[Link] = []
    if isinstance(obj, DatasetVersion):
        if obj.derived_from_id:
            source = DatasetVersion.objects.select_related("dataset").filter(pk=obj.derived_from_id).first()
            if source is not None:
                links.append((_ref(source), source, "edited_into"))
    elif isinstance(obj, Run):
        version = PipelineVersion.objects.select_related("pipeline").get(pk=obj.pipeline_version_id)
        links.append((_ref(version), version, "ran_as"))
        for _, _, read in datasets_read(obj):
            if read is not None:
                links.append((_ref(read), read, "read_by"))
    elif isinstance(obj, ModelVersion):
        run = (
            _runs(Run.objects.filter(pk=obj.run_id, workspace_id=workspace_id)).first()
            if obj.run_id
            else None
        )
        if run is not None:
            links.append((_ref(run), run, "registered_as"))
        else:
            for read in obj.dataset_versions.select_related("dataset"):
                links.append((_ref(read), read, "trained"))
    elif not isinstance(obj, PipelineVersion):  # an endpoint
        versions = list(_endpoint_versions(workspace_id).filter(endpoint=obj))
        run_ids = {v.run_id for v in versions if v.run_id}
        for run in _runs(Run.objects.filter(pk__in=run_ids, workspace_id=workspace_id)).order_by(
            "created_at"
        ):
            links.append((_ref(run), run, "deployed_as"))
        digests = set().union(*(_bound_digests(v.bindings) for v in versions)) if versions else set()
        for model_version in _model_versions(
            ModelVersion.objects.filter(workspace_id=workspace_id, digest__in=digests)
        ).order_by("model__name", "number"):
            links.append((_ref(model_version), model_version, "served_by"))
    return links


def children(obj: Any, workspace_id: int) -> list[Link]:
    links: list[Link] = []
    if isinstance(obj, DatasetVersion):
        readers = Step.objects.filter(
            run__workspace_id=workspace_id,
            module_key=datasets.IMPORT_DATA,
            status__in=DONE_STATUSES,
            params__dataset=obj.reference,
        ).values_list("run_id", "params")
        run_ids = {
            run_id for run_id, params in readers
            if (params or {}).get("data_source", datasets.REGISTERED_SOURCE) == datasets.REGISTERED_SOURCE
        }  # fmt: skip
        for run in _runs(Run.objects.filter(pk__in=run_ids)).order_by("created_at"):
            links.append((_ref(run), run, "read_by"))
        for edited in (
            DatasetVersion.objects.select_related("dataset").filter(derived_from=obj).order_by("number")
        ):
            links.append((_ref(edited), edited, "edited_into"))
    elif isinstance(obj, PipelineVersion):
        for run in _runs(Run.objects.filter(pipeline_version=obj)).order_by("created_at"):
            links.append((_ref(run), run, "ran_as"))
    elif isinstance(obj, Run):
        for model_version in _model_versions(ModelVersion.objects.filter(run=obj)).order_by(
            "model__name", "number"
        ):
            links.append((_ref(model_version), model_version, "registered_as"))
        seen: set[int] = set()
        for version in _endpoint_versions(workspace_id).filter(run=obj).order_by("endpoint__name"):
            if version.endpoint_id not in seen:
                seen.add(version.endpoint_id)
                links.append((_ref(version.endpoint), version.endpoint, "deployed_as"))
    elif isinstance(obj, ModelVersion):
        seen = set()
        bound = (
            _endpoint_versions(workspace_id)
            .annotate(bindings_text=Cast("bindings", TextField()))
            .filter(bindings_text__contains=obj.digest)
            .order_by("endpoint__name")
        )
        for version in bound:
            if obj.digest in _bound_digests(version.bindings) and version.endpoint_id not in seen:
                seen.add(version.endpoint_id)
                links.append((_ref(version.endpoint), version.endpoint, "served_by"))
    return links


# --------------------------------------------------------------------------------------------------
# The walk
# --------------------------------------------------------------------------------------------------


def _key(ref: Ref) -> str:
    """What edges name a node by: ids alone could coincide across kinds (an endpoint named like a run)."""
    return f"{ref.kind}:{ref.id}"


class _Graph:
    def __init__(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        self.nodes: dict[Ref, dict[str, Any]] = {}
        self.edges: dict[tuple[Ref, Ref, str], None] = {}
        self.truncated = False

    def add(self, ref: Ref, obj: Any) -> bool:
        """Whether the node is new (and was added)."""
        if ref in self.nodes:
            return False
        if len(self.nodes) >= MAX_NODES:
            self.truncated = True
            return False
        self.nodes[ref] = {"key": _key(ref), "kind": ref.kind, "id": ref.id, **_describe(obj)}
        return True

    def walk(self, start: Any, step: Callable[[Any, int], Iterable[Link]], upstream: bool) -> None:
        queue = deque([start])
        while queue:
            current = queue.popleft()
            here = _ref(current)
            for other_ref, other, relation in step(current, self.workspace_id):
                new = self.add(other_ref, other)
                if other_ref not in self.nodes:
                    continue  # over the limit
                edge = (other_ref, here, relation) if upstream else (here, other_ref, relation)
                self.edges.setdefault(edge, None)
                if new:
                    queue.append(other)


def lineage(user: Any, kind: str, identifier: str, workspace: int | None = None) -> dict[str, Any]:
    """The lineage graph around one object of the caller's workspaces (LookupError: no such object)."""
    if kind not in KINDS:
        raise LineageError("invalid", f"kind is one of {', '.join(KINDS)}.")
    if not identifier:
        raise LineageError("invalid", "id: name the object, e.g. a run id or <dataset id>@<version>.")
    readable = list(readable_workspace_ids(user).values_list("workspace_id", flat=True))
    start = resolve(kind, identifier, readable, workspace)
    graph = _Graph(_workspace_of(start))
    graph.add(_ref(start), start)
    graph.walk(start, parents, upstream=True)
    graph.walk(start, children, upstream=False)
    root = _ref(start)
    return {
        "root": {"kind": root.kind, "id": root.id},
        "nodes": list(graph.nodes.values()),
        "edges": [{"from": _key(a), "to": _key(b), "relation": r} for a, b, r in graph.edges],
        "truncated": graph.truncated,
    }
