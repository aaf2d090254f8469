"""Deployments: deriving inference graphs from runs, deploying them as endpoint versions (with the parity
check), keys, traffic and rollback. Views call these; nothing else writes the deployment models."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from designer.artifacts import store as artifacts
from designer.runs.models import Run, Step
from modules.sdk import DataTable, Module, ModuleError, PortType, get_module, has_module
from modules.web_service.endpoints import parse_schema

from . import drift, keys
from .derivation import DerivationRefused, InferenceGraph, RunView, StepView, derive
from .models import (
    BatchScoringJob,
    Endpoint,
    EndpointKey,
    EndpointStatus,
    EndpointVersion,
    JobStatus,
    KeySlot,
)
from .parity import source_records
from .plan import InferencePlan, make_plan
from .roles import WEB_SERVICE_INPUT, WEB_SERVICE_OUTPUT, Role, role_of

log = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
PROTOTYPE_ROWS = 5
EXAMPLE_ROWS = 3
DRIFT_ROWS = 20_000


class DeployError(Exception):
    def __init__(
        self, code: str, message: str, *, status: int = 400, node: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.node = node
        self.field = field


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise DeployError(
            "invalid_name",
            "An endpoint name has 1 to 63 lowercase letters, digits and dashes, starting and ending with a "
            "letter or digit (it is part of the scoring URL), e.g. 'breast-cancer'.",
            field="name",
        )
    return name


# -- runs as the derivation sees them ---------------------------------------------------------------------
def run_view(run: Run) -> RunView:
    steps = {
        s.node_id: StepView(s.node_id, s.module_key, s.status, s.outputs or {}, s.output_schemas or {})
        for s in Step.objects.filter(run=run).only(
            "node_id", "module_key", "status", "outputs", "output_schemas"
        )
    }
    return RunView(str(run.pk), run.status, run.pipeline_version.graph, steps)


def load_artifact(port_type: str, digest: str) -> Any:
    return artifacts.load_value(port_type, digest)


def derive_inference_graph(run: Run, input_node: str | None = None) -> InferenceGraph:
    """The inference graph of a completed run (raises DerivationRefused with the reason)."""
    return derive(run_view(run), load_artifact, input_node=input_node)


# -- an edited inference graph ---------------------------------------------------------------------------
ALLOWED_ROLES = (Role.WEB_SERVICE_INPUT, Role.WEB_SERVICE_OUTPUT, Role.SCORER, Role.STATELESS)


def check_edited_graph(graph: Any, derived: InferenceGraph, run: RunView) -> dict[str, Any]:
    """An inference graph edited on the canvas (e.g. a Select Columns before the output): only modules
    that run the same on any batch, bindings only to this run's outputs, every input connected or bound."""
    if (
        not isinstance(graph, dict)
        or not isinstance(graph.get("nodes"), list)
        or not isinstance(graph.get("edges"), list)
    ):
        raise DeployError(
            "invalid_graph", "graph must be a JSON object with nodes, edges and bindings.", field="graph"
        )
    bindings = graph.get("bindings") or {}
    if not isinstance(bindings, dict):
        raise DeployError("invalid_graph", "graph.bindings must be an object.", field="graph.bindings")
    produced = {digest for step in run.steps.values() for digest in step.outputs.values()}
    nodes: dict[str, dict[str, Any]] = {}
    modules: dict[str, type[Module]] = {}
    for node in graph["nodes"]:
        if (
            not isinstance(node, dict)
            or not isinstance(node.get("id"), str)
            or not has_module(node.get("module", ""))
        ):
            raise DeployError(
                "invalid_graph", "Every node needs an id and a known module.", field="graph.nodes"
            )
        module = get_module(node["module"])
        role, _ = role_of(module, node.get("params") or {})
        if role not in ALLOWED_ROLES:
            raise DeployError(
                "not_allowed_at_inference",
                f"'{module.title}' ({node['id']}) cannot run at inference: only scoring, web service and "
                "modules that do the same to any batch of rows may be added to an inference graph.",
                node=node["id"],
            )
        try:
            module.validate_params(node.get("params") or {})
        except Exception as exc:
            raise DeployError("invalid_parameter", f"{node['id']}: {exc}", node=node["id"]) from None
        nodes[node["id"]] = node
        modules[node["id"]] = module
    wired: set[tuple[str, str]] = set()
    for edge in graph["edges"]:
        try:
            source, target = modules[edge["source"]], modules[edge["target"]]
            out_port, in_port = source.output(edge["source_port"]), target.input(edge["target_port"])
        except (KeyError, StopIteration, TypeError):
            raise DeployError(
                "invalid_graph", f"Edge {edge!r} does not join existing ports.", field="graph.edges"
            ) from None
        if out_port.type != in_port.type:
            raise DeployError(
                "invalid_graph", f"Edge {edge!r} joins ports of different types.", field="graph.edges"
            )
        wired.add((edge["target"], edge["target_port"]))
    for node_id, ports in bindings.items():
        if node_id not in modules or not isinstance(ports, dict):
            raise DeployError("invalid_graph", f"Bindings name an unknown node '{node_id}'.", node=node_id)
        for port, binding in ports.items():
            try:
                expected = modules[node_id].input(port).type
            except StopIteration:
                raise DeployError(
                    "invalid_graph", f"'{node_id}' has no input '{port}'.", node=node_id
                ) from None
            if (
                not isinstance(binding, dict)
                or binding.get("digest") not in produced
                or binding.get("type") != expected.value
            ):
                raise DeployError(
                    "invalid_binding",
                    f"The binding of '{node_id}.{port}' must be a {expected.value} output of this run.",
                    node=node_id,
                )
            wired.add((node_id, port))
    for node_id, module in modules.items():
        for port in module.inputs:
            if not port.optional and (node_id, port.name) not in wired and module.key != WEB_SERVICE_INPUT:
                raise DeployError(
                    "unconnected_input", f"'{module.title}' ({node_id}) needs '{port.title}'.", node=node_id
                )
    inputs = [n for n, m in modules.items() if m.key == WEB_SERVICE_INPUT]
    outputs = [n for n, m in modules.items() if m.key == WEB_SERVICE_OUTPUT]
    if len(inputs) != 1 or not outputs:
        raise DeployError(
            "invalid_graph",
            "An inference graph has one Web Service Input and at least one Web Service Output.",
        )
    try:
        if not parse_schema((nodes[inputs[0]].get("params") or {}).get("schema")):
            raise DeployError("invalid_graph", "The Web Service Input needs a schema.", node=inputs[0])
    except DeployError:
        raise
    except Exception as exc:
        raise DeployError("invalid_graph", str(exc), node=inputs[0]) from None
    from designer.graphs.validation import topological_order

    if topological_order(list(nodes), graph["edges"]) is None:
        raise DeployError("invalid_graph", "The inference graph has a cycle.")
    return {
        "schema_version": graph.get("schema_version", 1),
        "nodes": graph["nodes"],
        "edges": graph["edges"],
        "ui": graph.get("ui") or {},
        "bindings": bindings,
    }


# -- deploying ----------------------------------------------------------------------------------------------
@dataclass
class Deployment:
    endpoint: Endpoint
    version: EndpointVersion
    new_keys: dict[str, str] | None  # plaintext keys, only when the endpoint was created


def _create_keys(endpoint: Endpoint) -> dict[str, str]:
    plain = {}
    for slot in (KeySlot.PRIMARY, KeySlot.SECONDARY):
        key = keys.new_key()
        EndpointKey.objects.update_or_create(
            endpoint=endpoint,
            slot=slot,
            defaults={"digest": keys.key_digest(key), "prefix": key[: keys.SHOWN_PREFIX]},
        )
        plain[slot.value] = key
    return plain


def _bump(endpoint: Endpoint, **fields: Any) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(
        revision=F("revision") + 1, updated_at=timezone.now(), **fields
    )
    endpoint.refresh_from_db()
    from .runtime import registry

    registry.invalidate(endpoint.name)


def deploy_run(
    run: Run,
    user: Any,
    name: str,
    *,
    description: str | None = None,
    graph: dict[str, Any] | None = None,
    input_node: str | None = None,
) -> Deployment:
    """Create the endpoint (or a new version of it), check parity, and make it live when it passes."""
    started = time.perf_counter()
    name = check_name(name)
    view = run_view(run)
    try:
        derived = derive(view, load_artifact, input_node=input_node)
    except DerivationRefused as exc:
        raise DeployError(exc.code, exc.message, node=exc.node) from None
    final_graph = check_edited_graph(graph, derived, view) if graph is not None else derived.graph
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().filter(name=name).first()
        new_keys = None
        if endpoint is None:
            endpoint = Endpoint.objects.create(
                workspace=run.workspace, name=name, description=description or "", created_by=user
            )
            new_keys = _create_keys(endpoint)
        elif endpoint.workspace_id != run.workspace_id:
            raise DeployError(
                "name_taken",
                f"The endpoint name '{name}' is taken; choose another.",
                status=409,
                field="name",
            )
        number = (endpoint.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = EndpointVersion.objects.create(
            endpoint=endpoint,
            number=number,
            run=run,
            graph=final_graph,
            bindings=final_graph.get("bindings") or {},
            input_schema=derived.input_schema,
            inputs=derived.inputs,
            outputs=derived.outputs,
            derivation={k: v for k, v in derived.as_dict().items() if k not in ("graph", "bindings")},
            created_by=user,
        )
        fields: dict[str, Any] = {
            "status": EndpointStatus.DEPLOYING,
            "status_reason": f"Deploying version {number}.",
        }
        if description is not None:
            fields["description"] = description
        Endpoint.objects.filter(pk=endpoint.pk).update(**fields)
    try:
        plan, parity = prepare_version(version, derived)
    except Exception as exc:  # a deploy never stays "deploying": anything unexpected fails the version
        log.exception("deploying %s version %s failed", name, number)
        plan, parity = (
            None,
            {"ok": False, "message": f"Deploying failed unexpectedly ({type(exc).__name__}: {exc})."},
        )
    _finish_deploy(endpoint, version, plan, parity, time.perf_counter() - started)
    return Deployment(endpoint=endpoint, version=version, new_keys=new_keys)


def prepare_version(
    version: EndpointVersion, derived: InferenceGraph
) -> tuple[InferencePlan, dict[str, Any]]:
    """Build the plan, run the parity check, and keep what scoring needs (prototype rows, drift
    reference, example) on the version."""
    from .parity import check_parity

    source: DataTable = load_artifact(PortType.DATASET, derived.source["digest"])
    prototype = source.with_frame(source.df.head(PROTOTYPE_ROWS).reset_index(drop=True))
    prototype_digest = artifacts.save_value(PortType.DATASET, prototype)
    graph = version.graph
    plan = make_plan(graph, load_artifact, prototype, derived.label_columns)
    plan.compile_fast_path()
    from .runtime import limit_threads

    limit_threads()
    inference = derived.as_dict()
    if graph is not derived.graph:
        kept = {n["id"] for n in graph["nodes"]}
        inference["parity_points"] = [p for p in inference["parity_points"] if p["node"] in kept]
    parity = check_parity(plan, inference, load_artifact)
    schema = plan.inputs[0].columns
    sample = (
        source
        if len(source) <= DRIFT_ROWS
        else source.with_frame(source.df.sample(n=DRIFT_ROWS, random_state=0))
    )
    version.drift_reference = drift.reference_distribution(
        sample, [{"name": n, "type": t} for n, t in schema]
    )
    version.example = source_records(source.with_frame(source.df.head(EXAMPLE_ROWS)), [n for n, _ in schema])
    version.input_schema = [{"name": n, "type": t} for n, t in schema]
    version.derivation = {
        **version.derivation,
        "prototype": prototype_digest,
        "placeholders": list(plan.placeholders),
    }
    return plan, parity


def _finish_deploy(
    endpoint: Endpoint,
    version: EndpointVersion,
    plan: InferencePlan | None,
    parity: dict[str, Any],
    seconds: float,
) -> None:
    healthy = bool(parity.get("ok")) and plan is not None
    version.parity = parity
    version.fast_path = bool(healthy and plan is not None and plan.fast is not None)
    version.status = EndpointStatus.HEALTHY if healthy else EndpointStatus.FAILED
    version.status_reason = "" if healthy else str(parity.get("message") or "The parity check failed.")
    version.deploy_seconds = round(seconds, 4)
    version.save()
    if healthy and plan is not None:
        from .runtime import registry

        registry.install_plan(version, plan)
        _bump(
            endpoint,
            status=EndpointStatus.HEALTHY,
            status_reason="",
            traffic={str(version.number): 100},
        )
        return
    serving = [
        n
        for n in (endpoint.traffic or {})
        if endpoint.versions.filter(number=int(n), status=EndpointStatus.HEALTHY).exists()
    ]
    if serving:
        _bump(
            endpoint,
            status=EndpointStatus.HEALTHY,
            status_reason=f"Version {version.number} failed and does not serve: {version.status_reason}",
        )
    else:
        _bump(endpoint, status=EndpointStatus.FAILED, status_reason=version.status_reason)


def plan_for_version(version: EndpointVersion) -> InferencePlan:
    """A deployed version's plan, built from what was stored when it was checked."""
    derivation = version.derivation or {}
    prototype = load_artifact(PortType.DATASET, derivation["prototype"])
    plan = make_plan(
        version.graph,
        load_artifact,
        prototype,
        derivation.get("label_columns") or [],
        derivation.get("placeholders") or [],
    )
    if version.fast_path:
        plan.compile_fast_path()
    else:
        plan.disable_fast_path("turned off when the version was deployed")
    return plan


# -- keys, traffic, rollback -----------------------------------------------------------------------------
def regenerate_key(endpoint: Endpoint, slot: str) -> tuple[str, EndpointKey]:
    if slot not in KeySlot.values:
        raise DeployError("invalid_slot", "slot must be 'primary' or 'secondary'.", field="slot")
    key = keys.new_key()
    record, _ = EndpointKey.objects.update_or_create(
        endpoint=endpoint,
        slot=slot,
        defaults={"digest": keys.key_digest(key), "prefix": key[: keys.SHOWN_PREFIX]},
    )
    _bump(endpoint)
    return key, record


def set_traffic(endpoint: Endpoint, traffic: Any) -> Endpoint:
    """Send all requests to one version (a rollback) or split them between two, by percentage."""
    if not isinstance(traffic, dict) or not 1 <= len(traffic) <= 2:
        raise DeployError(
            "invalid_traffic",
            'traffic maps one or two version numbers to percentages: {"1": 90, "2": 10}.',
            field="traffic",
        )
    clean: dict[str, int] = {}
    for number, share in traffic.items():
        if not str(number).isdigit() or type(share) is not int or not 0 <= share <= 100:
            raise DeployError(
                "invalid_traffic",
                "Each version number needs a whole percentage from 0 to 100.",
                field="traffic",
            )
        version = endpoint.versions.filter(number=int(number)).first()
        if version is None:
            raise DeployError("unknown_version", f"This endpoint has no version {number}.", field="traffic")
        if version.status != EndpointStatus.HEALTHY:
            raise DeployError(
                "version_not_healthy",
                f"Version {number} did not pass its parity check and cannot serve: {version.status_reason}",
                field="traffic",
            )
        clean[str(int(number))] = share
    if sum(clean.values()) != 100:
        raise DeployError("invalid_traffic", "The percentages must add up to 100.", field="traffic")
    _bump(endpoint, traffic=clean, status=EndpointStatus.HEALTHY, status_reason="")
    return endpoint


def rollback(endpoint: Endpoint, number: Any) -> Endpoint:
    if not isinstance(number, int) or isinstance(number, bool):
        raise DeployError("invalid_version", "version must be a version number.", field="version")
    return set_traffic(endpoint, {str(number): 100})


def serving_versions(endpoint: Endpoint) -> list[int]:
    return sorted(int(n) for n, share in (endpoint.traffic or {}).items() if share > 0)


# -- batch scoring ---------------------------------------------------------------------------------------
BATCH_CHUNK_ROWS = 5000


def serving_version(endpoint: Endpoint) -> int | None:
    """The version taking the largest share of traffic (the newest among equals)."""
    traffic = {int(n): share for n, share in (endpoint.traffic or {}).items() if share > 0}
    return max(traffic, key=lambda n: (traffic[n], n)) if traffic else None


def start_batch_scoring(
    endpoint: Endpoint, user: Any, dataset: Any, *, output_name: Any = None, version: Any = None
) -> BatchScoringJob:
    """Queue a Celery job that scores a registered dataset version through the endpoint's plan."""
    from designer.datasets import ingest
    from designer.datasets import services as datasets

    if not isinstance(dataset, str):
        raise DeployError(
            "invalid", "dataset is a dataset reference: '<dataset id>@<version>'.", field="dataset"
        )
    try:
        reference = datasets.pin_reference(endpoint.workspace_id, dataset)
    except LookupError as exc:
        raise DeployError("unknown_dataset", f"{exc}.", field="dataset") from None
    number = serving_version(endpoint) if version is None else version
    if not isinstance(number, int) or isinstance(number, bool):
        raise DeployError("invalid_version", "version must be a version number.", field="version")
    if not endpoint.versions.filter(number=number, status=EndpointStatus.HEALTHY).exists():
        raise DeployError(
            "version_not_healthy", f"Version {number} of this endpoint cannot score.", field="version"
        )
    try:
        name = ingest.clean_name(output_name or f"{endpoint.name} scored", field="output_name")
    except Exception as exc:
        raise DeployError("invalid", str(getattr(exc, "message", exc)), field="output_name") from None
    job = BatchScoringJob.objects.create(
        endpoint=endpoint,
        version=number,
        input_reference=reference,
        output_name=name,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    job_id = str(job.pk)

    def send() -> None:
        from .tasks import batch_score

        batch_score.apply_async(args=[job_id], queue="cpu")

    transaction.on_commit(send)
    return job


def run_batch_scoring(job_id: str) -> str:
    """Score the job's dataset in chunks through the plan (the same validation and code as requests) and
    save the result as a new dataset version. Returns the job's final status."""
    from designer.datasets import services as datasets
    from designer.datasets.models import VersionSource

    from .formats import RequestError, RowValidator
    from .parity import source_records

    claimed = BatchScoringJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "not-claimed"
    job = BatchScoringJob.objects.select_related("endpoint").get(pk=job_id)

    def fail(message: str) -> str:
        BatchScoringJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, error=message, finished_at=timezone.now()
        )
        return JobStatus.FAILED

    try:
        version = EndpointVersion.objects.get(endpoint=job.endpoint, number=job.version)
        plan = plan_for_version(version)
        source_version = datasets.resolve_reference(job.endpoint.workspace_id, job.input_reference)
        table = datasets.load_table(source_version)
        spec = plan.inputs[0]
        names = [n for n, _ in spec.columns]
        missing = [n for n in names if n not in table.df.columns]
        if missing:
            return fail(f"The dataset has no column {missing[0]!r}, which the endpoint's input schema needs.")
        validate = RowValidator(spec.name, spec.columns)
        parts = []
        for start in range(0, len(table), BATCH_CHUNK_ROWS):
            chunk = table.with_frame(table.df.iloc[start : start + BATCH_CHUNK_ROWS].reset_index(drop=True))
            try:
                batch = validate(source_records(chunk, names))
            except RequestError as exc:
                row = exc.fields.get("row")
                where = f" (row {start + row} of the dataset)" if isinstance(row, int) else ""
                return fail(f"{exc.message}{where}")
            parts.append(plan.run_tables({spec.name: batch})[plan.outputs[0]])
        if not parts:
            return fail("The dataset has no rows.")
        first = parts[0]
        frame = pd.concat([p.df for p in parts], ignore_index=True) if len(parts) > 1 else first.df
        result = DataTable(frame, dict(first.meta))
        created = datasets.create_version(
            job.endpoint.workspace,
            job.output_name,
            result,
            user=job.created_by,
            source=VersionSource.PIPELINE,
            derived_from=source_version,
            description=f"Scored by endpoint {job.endpoint.name}, version {job.version}.",
        )
    except ModuleError as exc:
        return fail(f"Scoring failed: {exc.message}")
    except LookupError as exc:
        return fail(f"The dataset cannot be read: {exc}.")
    except Exception as exc:
        log.exception("batch scoring job %s failed", job_id)
        return fail(f"Batch scoring failed unexpectedly ({type(exc).__name__}: {str(exc)[:300]}).")
    BatchScoringJob.objects.filter(pk=job_id).update(
        status=JobStatus.COMPLETED,
        output_reference=created.reference,
        rows=len(result),
        finished_at=timezone.now(),
    )
    return JobStatus.COMPLETED


def job_summary(job: BatchScoringJob) -> dict[str, Any]:
    return {
        "id": str(job.pk),
        "endpoint": job.endpoint.name,
        "version": job.version,
        "dataset": job.input_reference,
        "output_name": job.output_name,
        "output_dataset": job.output_reference or None,
        "status": job.status,
        "error": job.error,
        "rows": job.rows,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
