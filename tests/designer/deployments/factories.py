"""A completed run in the database without a worker: the graph executed in this process, its outputs
stored in the artifact store and recorded on steps exactly as the engine records them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from designer.artifacts import store
from designer.graphs.services import create_pipeline, freeze_version
from designer.runs.models import Experiment, Run, RunStatus, Step, StepStatus
from designer.workspaces.services import personal_workspace
from modules.sdk import get_module

from .inprocess import MemoryArtifacts, run_in_process


def completed_run(user: Any, graph: dict[str, Any], name: str = "deploy test") -> Run:
    view, memory = run_in_process(graph, MemoryArtifacts())
    for digest, (port_type, data) in memory.blobs.items():
        assert store.save_bytes(data, "application/octet-stream", port_type) == digest
    workspace = personal_workspace(user)
    pipeline = create_pipeline(workspace, user, name, graph)
    version = freeze_version(pipeline, graph)
    experiment, _ = Experiment.objects.get_or_create(workspace=workspace, name="Default")
    now = timezone.now()
    run = Run.objects.create(
        workspace=workspace,
        experiment=experiment,
        pipeline_version=version,
        status=RunStatus.COMPLETED,
        created_by=user,
        started_at=now,
        finished_at=now,
    )
    nodes = {n["id"]: n for n in version.graph["nodes"]}
    for node_id, step in view.steps.items():
        module = get_module(step.module_key)
        Step.objects.create(
            run=run,
            node_id=node_id,
            title=module.title,
            module_key=module.key,
            module_version=module.version,
            params=module.validate_params(nodes[node_id].get("params") or {}),
            status=StepStatus.COMPLETED,
            outputs=step.outputs,
            output_schemas=step.output_schemas,
        )
    return run
