"""Run a training graph in this process, recording what the engine would (step outputs as artifact
digests, output schemas), so derivation and plans can be tested without a worker or a database."""

from __future__ import annotations

import hashlib
from typing import Any

from designer.deployments.derivation import RunView, StepView
from designer.graphs.validation import nodes_by_id, topological_order
from modules.sdk import DataTable, PortType, RunContext, codecs, get_module


class MemoryArtifacts:
    """Artifacts by digest, decoded on every load like the store does (a fresh object each time)."""

    def __init__(self) -> None:
        self.blobs: dict[str, tuple[str, bytes]] = {}

    def save(self, port_type: str, value: Any) -> str:
        data, _ = codecs.encode(port_type, value)
        digest = hashlib.sha256(data).hexdigest()
        self.blobs[digest] = (port_type, data)
        return digest

    def load(self, port_type: str, digest: str) -> Any:
        stored_type, data = self.blobs[digest]
        return codecs.decode(stored_type, data)


def run_in_process(
    graph: dict[str, Any], artifacts: MemoryArtifacts | None = None
) -> tuple[RunView, MemoryArtifacts]:
    artifacts = artifacts or MemoryArtifacts()
    nodes = nodes_by_id(graph)
    values: dict[tuple[str, str], Any] = {}
    steps: dict[str, StepView] = {}
    for node_id in topological_order(list(nodes), graph["edges"]) or []:
        node = nodes[node_id]
        module = get_module(node["module"])
        inputs = {
            e["target_port"]: values[(e["source"], e["source_port"])]
            for e in graph["edges"]
            if e["target"] == node_id
        }
        result = module.execute(RunContext(seed=0), node.get("params") or {}, **inputs)
        outputs, schemas = {}, {}
        for port in module.outputs:
            value = result.get(port.name)
            if value is None:
                continue
            digest = artifacts.save(port.type, value)
            outputs[port.name] = digest
            # Successors read the stored value, as they do in the engine.
            values[(node_id, port.name)] = artifacts.load(port.type, digest)
            if port.type == PortType.DATASET and isinstance(value, DataTable):
                schemas[port.name] = {"rows": len(value), "columns": value.schema()}
        steps[node_id] = StepView(node_id, module.key, "completed", outputs, schemas)
    return RunView("in-process", "completed", graph, steps), artifacts
