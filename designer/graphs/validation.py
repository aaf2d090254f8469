"""Graph validation: every problem at once, each with a stable code, the node/port concerned and a hint.

Runs on drafts (so the canvas can show problems inline) and before every submission.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import asdict, dataclass
from typing import Any

from modules.sdk import ColumnsParam, ModuleError, get_module, has_module, port_types_compatible
from modules.sdk.columns import normalize_selection, selection_names_at_design_time
from modules.sdk.params import collect_param_problems

SCHEMA_VERSION = 1
COMPUTE_CHOICES = ("auto", "cpu", "gpu")
MAX_NODES = 2000


@dataclass
class Problem:
    code: str
    message: str
    node: str | None = None
    port: str | None = None
    parameter: str | None = None
    hint: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _structure_problems(graph: Any) -> list[Problem]:
    if not isinstance(graph, dict):
        return [Problem("invalid_graph", "The pipeline must be a JSON object with nodes and edges.")]
    problems = []
    version = graph.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        problems.append(
            Problem(
                "unsupported_schema_version",
                f"schema_version {version!r} is not supported; use {SCHEMA_VERSION}.",
            )
        )
    for key in ("nodes", "edges"):
        if not isinstance(graph.get(key, []), list):
            problems.append(Problem("invalid_graph", f"'{key}' must be a list."))
    if "ui" in graph and not isinstance(graph["ui"], dict):
        problems.append(Problem("invalid_graph", "'ui' must be an object of node positions."))
    if isinstance(graph.get("nodes"), list) and len(graph["nodes"]) > MAX_NODES:
        problems.append(Problem("too_many_nodes", f"A pipeline can have at most {MAX_NODES} nodes."))
    return problems


def _node_problems(node: Any, index: int, seen: set[str]) -> list[Problem]:
    if not isinstance(node, dict):
        return [Problem("invalid_node", f"Node {index + 1} must be an object.")]
    node_id = node.get("id")
    if not isinstance(node_id, str) or not node_id or len(node_id) > 100:
        return [Problem("invalid_node", f"Node {index + 1} needs an 'id' of 1 to 100 characters.")]
    if node_id in seen:
        return [Problem("duplicate_node_id", f"Two nodes share the id '{node_id}'.", node=node_id)]
    seen.add(node_id)
    problems = []
    key = node.get("module")
    if not isinstance(key, str) or not has_module(key):
        problems.append(
            Problem(
                "unknown_module",
                f"Node '{node_id}' uses a module '{key}' that does not exist.",
                node=node_id,
                hint="Delete the node and add the module again from the palette.",
            )
        )
    if not isinstance(node.get("params", {}), dict):
        problems.append(
            Problem("invalid_node", f"Node '{node_id}': 'params' must be an object.", node=node_id)
        )
    if node.get("compute", "auto") not in COMPUTE_CHOICES:
        problems.append(
            Problem("invalid_compute", f"Node '{node_id}': compute must be auto, cpu or gpu.", node=node_id)
        )
    return problems


def nodes_by_id(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        n["id"]: n for n in graph.get("nodes", []) if isinstance(n, dict) and isinstance(n.get("id"), str)
    }


def _edge_problems(
    graph: dict[str, Any], nodes: dict[str, dict[str, Any]]
) -> tuple[list[Problem], list[dict]]:
    problems: list[Problem] = []
    good_edges: list[dict] = []
    into_input: dict[tuple[str, str], int] = defaultdict(int)
    for index, edge in enumerate(graph.get("edges", [])):
        if not isinstance(edge, dict) or not all(
            isinstance(edge.get(k), str) for k in ("source", "source_port", "target", "target_port")
        ):
            problems.append(
                Problem(
                    "invalid_edge", f"Edge {index + 1} needs source, source_port, target and target_port."
                )
            )
            continue
        source, target = nodes.get(edge["source"]), nodes.get(edge["target"])
        if source is None or target is None:
            missing = edge["source"] if source is None else edge["target"]
            problems.append(
                Problem("unknown_node", f"Edge {index + 1} connects a node '{missing}' that does not exist.")
            )
            continue
        if not has_module(source.get("module", "")) or not has_module(target.get("module", "")):
            continue  # reported as unknown_module
        src_module, dst_module = get_module(source["module"]), get_module(target["module"])
        out_port = next((p for p in src_module.outputs if p.name == edge["source_port"]), None)
        in_port = next((p for p in dst_module.inputs if p.name == edge["target_port"]), None)
        if out_port is None or in_port is None:
            bad_node, bad_port = (
                (edge["source"], edge["source_port"])
                if out_port is None
                else (edge["target"], edge["target_port"])
            )
            problems.append(
                Problem(
                    "unknown_port",
                    f"'{nodes[bad_node]['module']}' has no port '{bad_port}'.",
                    node=bad_node,
                    port=bad_port,
                )
            )
            continue
        if not port_types_compatible(out_port.type, in_port.type):
            problems.append(
                Problem(
                    "incompatible_ports",
                    f"'{src_module.title}' outputs {out_port.title} ({out_port.type}), but '{dst_module.title}' "
                    f"expects {in_port.title} ({in_port.type}) on that input.",
                    node=edge["target"],
                    port=edge["target_port"],
                    hint="Connect an output of the matching type.",
                )
            )
            continue
        into_input[(edge["target"], edge["target_port"])] += 1
        if into_input[(edge["target"], edge["target_port"])] == 2:
            problems.append(
                Problem(
                    "multiple_edges_into_input",
                    f"'{dst_module.title}' input '{in_port.title}' has more than one connection; an input takes one.",
                    node=edge["target"],
                    port=edge["target_port"],
                    hint="Remove the extra connection, or combine the data first with Add Rows or Join Data.",
                )
            )
            continue
        good_edges.append(edge)
    return problems, good_edges


def topological_order(node_ids: list[str], edges: list[dict]) -> list[str] | None:
    """Kahn's algorithm; None when there is a cycle."""
    indegree = {n: 0 for n in node_ids}
    successors: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        if edge["source"] in indegree and edge["target"] in indegree:
            successors[edge["source"]].append(edge["target"])
            indegree[edge["target"]] += 1
    ready = deque(n for n in node_ids if indegree[n] == 0)
    order = []
    while ready:
        node = ready.popleft()
        order.append(node)
        for nxt in successors[node]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    return order if len(order) == len(node_ids) else None


def infer_schemas(graph: dict[str, Any], edges: list[dict], order: list[str]) -> dict[tuple[str, str], Any]:
    """Column schema per (node, output port) where it can be known without running."""
    nodes = nodes_by_id(graph)
    known: dict[tuple[str, str], Any] = {}
    incoming: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    for edge in edges:
        incoming[edge["target"]][edge["target_port"]] = (edge["source"], edge["source_port"])
    for node_id in order:
        node = nodes[node_id]
        if not has_module(node.get("module", "")) or not isinstance(node.get("params") or {}, dict):
            continue
        module = get_module(node["module"])
        inputs = {port: known.get(src) for port, src in incoming[node_id].items()}
        try:
            clean = module.validate_params(node.get("params") or {})
            outputs = module.infer_output_schemas(clean, inputs) or {}
        except (ModuleError, ValueError, TypeError, KeyError, LookupError, OSError):
            outputs = {}
        for port, schema in outputs.items():
            known[(node_id, port)] = schema
    return known


def validate_graph(graph: Any) -> list[Problem]:
    problems = _structure_problems(graph)
    if problems and any(p.code == "invalid_graph" for p in problems):
        return problems
    seen: set[str] = set()
    for index, node in enumerate(graph.get("nodes", [])):
        problems += _node_problems(node, index, seen)
    nodes = nodes_by_id(graph)
    edge_problems, edges = _edge_problems(graph, nodes)
    problems += edge_problems

    order = topological_order(list(nodes), edges)
    if order is None:
        problems.append(
            Problem(
                "cycle",
                "The pipeline has a loop: data would flow back into a module it came from.",
                hint="Remove one of the connections that closes the loop.",
            )
        )
        order = []
    schemas = infer_schemas(graph, edges, order) if order else {}
    connected = {(e["target"], e["target_port"]): (e["source"], e["source_port"]) for e in edges}

    for node_id, node in nodes.items():
        if not has_module(node.get("module", "")) or not isinstance(node.get("params", {}), dict):
            continue
        module = get_module(node["module"])
        for port in module.inputs:
            if not port.optional and (node_id, port.name) not in connected:
                problems.append(
                    Problem(
                        "missing_required_input",
                        f"'{module.title}' needs something connected to its '{port.title}' input.",
                        node=node_id,
                        port=port.name,
                        hint=f"Drag a connection from a {port.type.replace('_', ' ')} output to this input.",
                    )
                )
        params = node.get("params") or {}
        for error in collect_param_problems(module.params, params):
            problems.append(
                Problem(
                    error.code, f"{module.title}: {error.message}", node=node_id, parameter=error.parameter
                )
            )
        problems += _column_problems(module, node_id, params, connected, schemas)
    return problems


def _column_problems(module, node_id: str, params: dict, connected: dict, schemas: dict) -> list[Problem]:
    problems = []
    for param in module.params:
        if not isinstance(param, ColumnsParam) or params.get(param.name) in (None, "", [], {}):
            continue
        source = connected.get((node_id, param.port))
        schema = schemas.get(source) if source else None
        if not schema:
            continue
        try:
            names = selection_names_at_design_time(normalize_selection(params[param.name], param.name))
        except ModuleError:
            continue  # reported by the parameter check
        available = {column["name"] for column in schema}
        for name in names:
            if name not in available:
                problems.append(
                    Problem(
                        "unknown_column",
                        f"{module.title}: column '{name}' is not in the input dataset.",
                        node=node_id,
                        parameter=param.name,
                        hint=f"Available columns: {', '.join(sorted(available)[:15])}.",
                    )
                )
    return problems
