"""``derive_inference_graph``: from a completed training run to the graph a real-time endpoint runs.

The derivation is a fixed sequence of named rules (``RULES``), each a small function over one working
state, each unit-tested on its own:

1. ``check_run_completed`` / ``check_has_trained_model``: refuse what cannot be deployed, with the reason.
2. ``classify_nodes``: each node's role (``roles.py``): source, pass-through, training-only, scorer,
   fitted (learns state, outputs a transformation), learned selection, stateless, stateful.
3. ``bypass_pass_through_nodes``: Split Data, Partition and Sample, SMOTE hand their input straight on.
4. ``find_scoring_nodes`` and ``choose_request_source``: where new rows enter (the data source that
   feeds the scoring step), and which steps score them.
5. ``keep_request_path``: keep exactly the nodes between the request and the scored output; everything
   else is removed *with a reason* (training only, evaluation, learner, off the path).
6. ``refuse_training_time_data`` and ``refuse_stateful_nodes``: a kept node must not depend on rows that
   only exist while training, nor learn from each request.
7. ``replace_fitted_with_apply_transformation`` and ``replace_learned_selections``: whatever learned
   state is replayed from what it learned in this run.
8. ``bind_fixed_inputs``: trained models, transformations and constant data become bound artifacts (the
   run's output digests).
9. ``replace_source_with_web_service_input`` / ``add_web_service_outputs``.
10. ``derive_input_schema``: the columns the pipeline really reads (the label is never asked for).

Nothing here touches the database: the run is given as a ``RunView`` and artifacts through a loader, so
the rules are tested without a server.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from designer.graphs.validation import SCHEMA_VERSION, nodes_by_id, topological_order
from modules.sdk import FOLD_COLUMN, Module, ModuleError, PortType, get_module, has_module
from modules.sdk.columns import normalize_selection

from .roles import (
    APPLY_TRANSFORMATION,
    MODEL_PORT_TYPES,
    SELECT_COLUMNS,
    WEB_SERVICE_INPUT,
    WEB_SERVICE_OUTPUT,
    Role,
    dataset_inputs,
    dataset_outputs,
    model_inputs,
    request_outputs,
    role_of,
    transformation_output,
)

Loader = Callable[[str, str], Any]


class DerivationRefused(Exception):
    """The run cannot become an inference graph; ``message`` says why and what to do."""

    def __init__(self, code: str, message: str, *, node: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.node = node

    def as_dict(self) -> dict[str, Any]:
        out = {"code": self.code, "message": self.message}
        if self.node:
            out["node"] = self.node
        return out


@dataclass
class StepView:
    node_id: str
    module_key: str
    status: str
    outputs: dict[str, str] = field(default_factory=dict)  # port -> digest
    output_schemas: dict[str, Any] = field(default_factory=dict)  # port -> {"rows", "columns"}


@dataclass
class RunView:
    run_id: str
    status: str
    graph: dict[str, Any]
    steps: dict[str, StepView]


@dataclass
class InferenceGraph:
    """What the derivation returns: graph JSON (with its bindings) and what it found on the way."""

    graph: dict[str, Any]
    bindings: dict[str, dict[str, dict[str, Any]]]
    input_schema: list[dict[str, str]]
    inputs: list[str]
    outputs: list[str]
    label_columns: list[str]
    source: dict[str, Any]
    parity_points: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    notes: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "graph": self.graph,
            "bindings": self.bindings,
            "input_schema": self.input_schema,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "label_columns": self.label_columns,
            "source": self.source,
            "parity_points": self.parity_points,
            "removed": self.removed,
            "notes": self.notes,
        }


DONE = ("completed", "cached")


@dataclass
class Derivation:
    """The working state the rules read and write, in the order ``RULES`` lists them."""

    run: RunView
    load: Loader
    input_node: str | None = None
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    modules: dict[str, type[Module]] = field(default_factory=dict)
    roles: dict[str, Role | None] = field(default_factory=dict)
    role_reasons: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    edges: list[dict[str, str]] = field(default_factory=list)  # the training graph's edges
    data_edges: list[dict[str, str]] = field(default_factory=list)  # dataset edges, pass-through bypassed
    scorers: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    request_nodes: set[str] = field(default_factory=set)
    request_reach: set[str] = field(default_factory=set)  # everything the rows reach while training
    kept: set[str] = field(default_factory=set)
    final_nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    final_edges: list[dict[str, str]] = field(default_factory=list)
    # final node -> {final input port: original input port}; missing entries map to themselves
    port_origin: dict[str, dict[str, str]] = field(default_factory=dict)
    # final node -> the training node whose step holds its schemas and outputs
    origin: dict[str, str] = field(default_factory=dict)
    bindings: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    web_inputs: list[str] = field(default_factory=list)
    web_outputs: list[str] = field(default_factory=list)
    input_schema: list[dict[str, str]] = field(default_factory=list)
    label_columns: list[str] = field(default_factory=list)
    removed: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    # -- helpers the rules share -------------------------------------------------------------------
    def title(self, node_id: str) -> str:
        module = self.modules.get(node_id)
        return f"'{module.title if module else node_id}' ({node_id})"

    def step(self, node_id: str) -> StepView | None:
        return self.run.steps.get(node_id)

    def digest(self, node_id: str, port: str) -> str | None:
        step = self.step(node_id)
        return step.outputs.get(port) if step else None

    def schema_columns(self, node_id: str, port: str) -> list[dict[str, Any]] | None:
        step = self.step(node_id)
        schema = step.output_schemas.get(port) if step else None
        return schema.get("columns") if isinstance(schema, dict) else None

    def incoming(self, node_id: str) -> dict[str, tuple[str, str]]:
        """The training graph's input wiring of a node: port -> (source node, source port)."""
        return {
            e["target_port"]: (e["source"], e["source_port"]) for e in self.edges if e["target"] == node_id
        }

    def port_type(self, node_id: str, port: str, output: bool) -> PortType:
        module = self.modules[node_id]
        ports = module.outputs if output else module.inputs
        return next(p.type for p in ports if p.name == port)

    def remove(self, node_id: str, rule: str, reason: str) -> None:
        self.removed.setdefault(node_id, {"rule": rule, "reason": reason})


# ----------------------------------------------------------------------------------------------------
# The rules
# ----------------------------------------------------------------------------------------------------


def check_run_completed(d: Derivation) -> None:
    """Only a run that finished can be deployed: its outputs are what gets bound."""
    if d.run.status != "completed":
        raise DerivationRefused(
            "run_not_completed",
            f"This run has not completed (its status is {d.run.status}). Deploy a run whose nodes all "
            "finished.",
        )
    graph = d.run.graph
    d.nodes = nodes_by_id(graph)
    d.edges = [dict(e) for e in graph.get("edges", [])]
    for node_id, node in d.nodes.items():
        if not has_module(node["module"]):
            raise DerivationRefused(
                "unknown_module", f"Node '{node_id}' uses a module that no longer exists.", node=node_id
            )
        d.modules[node_id] = get_module(node["module"])
    d.order = topological_order(list(d.nodes), d.edges) or list(d.nodes)


def check_has_trained_model(d: Derivation) -> None:
    """A real-time endpoint scores with a trained model; a run without one has nothing to serve."""
    for node_id, module in d.modules.items():
        step = d.step(node_id)
        for port in module.outputs:
            if (
                port.type in MODEL_PORT_TYPES
                and step is not None
                and step.status in DONE
                and step.outputs.get(port.name)
            ):
                return
    raise DerivationRefused(
        "no_trained_model",
        "This run has no trained model. Add Train Model (or Tune Model Hyperparameters, Train Clustering "
        "Model ...) and Score Model to the pipeline, submit it, and deploy the completed run.",
    )


def classify_nodes(d: Derivation) -> None:
    """Each node's role at inference (see roles.py)."""
    for node_id in d.order:
        role, reason = role_of(d.modules[node_id], d.nodes[node_id].get("params") or {})
        d.roles[node_id] = role
        d.role_reasons[node_id] = reason


def bypass_pass_through_nodes(d: Derivation) -> None:
    """Split Data, Partition and Sample and SMOTE pass their input straight on at inference: every
    edge leaving one of them now leaves whatever feeds its first dataset input."""
    feeds: dict[str, tuple[str, str] | None] = {}
    for node_id in d.order:
        if d.roles[node_id] != Role.PASS_THROUGH:
            continue
        inputs = dataset_inputs(d.modules[node_id])
        upstream = d.incoming(node_id).get(inputs[0]) if inputs else None
        # A pass-through fed by another pass-through is fed by what feeds that one.
        while upstream is not None and upstream[0] in feeds:
            upstream = feeds[upstream[0]]
        feeds[node_id] = upstream
        d.remove(node_id, "bypass_pass_through", "Bypassed: at inference its input passes straight through.")
    edges = []
    for edge in d.edges:
        if edge["target"] in feeds:
            continue
        if edge["source"] in feeds:
            upstream = feeds[edge["source"]]
            if upstream is None:
                continue
            edge = {**edge, "source": upstream[0], "source_port": upstream[1]}
        if d.port_type(edge["source"], edge["source_port"], output=True) == PortType.DATASET:
            edges.append(edge)
    d.data_edges = edges


def find_scoring_nodes(d: Derivation) -> None:
    """Steps that score rows with a trained model (Score Model, Assign Data to Clusters ...)."""
    d.scorers = [n for n in d.order if d.roles[n] == Role.SCORER and dataset_inputs(d.modules[n])]
    if not d.scorers:
        raise DerivationRefused(
            "no_scoring_step",
            "This run trains a model but never scores data with it. Connect the trained model and the "
            "data to Score Model (or Assign Data to Clusters), submit, and deploy that run.",
        )


def _sources_upstream(d: Derivation, node_id: str) -> list[str]:
    """Data sources that reach ``node_id`` through dataset edges, nearest first, first ports first."""
    found: list[str] = []
    seen: set[str] = set()
    parents: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for e in d.data_edges:
        parents[e["target"]].append((e["target_port"], e["source"]))
    stack = [node_id]
    while stack:
        current = stack.pop(0)
        if current in seen:
            continue
        seen.add(current)
        role = d.roles[current]
        if role in (Role.SOURCE, Role.WEB_SERVICE_INPUT) and current != node_id:
            found.append(current)
            if role == Role.SOURCE:
                continue
        if role == Role.TRAINING_ONLY and current != node_id:
            continue
        order = dataset_inputs(d.modules[current])
        for _, parent in sorted(parents[current], key=lambda p: order.index(p[0]) if p[0] in order else 99):
            stack.append(parent)
    return found


def choose_request_source(d: Derivation) -> None:
    """Where new rows enter: the data source that feeds the scoring step's data input.

    An existing Web Service Input wins (the pipeline says where requests enter). Otherwise, when
    several sources feed the scored data (a join with a lookup table), the one that also feeds the
    training data, then the one reached through first input ports (the left side of a join). The
    caller may name the node instead (``input_node``); the other sources become constant inputs.
    """
    if d.input_node is not None:
        if d.input_node not in d.nodes or d.roles[d.input_node] not in (Role.SOURCE, Role.WEB_SERVICE_INPUT):
            raise DerivationRefused(
                "invalid_input_node",
                f"'{d.input_node}' is not a data source of this pipeline (Import Data, Enter Data Manually "
                "or Web Service Input), so requests cannot enter there.",
                node=d.input_node,
            )
        d.sources = [d.input_node]
        return
    candidates: list[str] = []
    for scorer in d.scorers:
        for source in _sources_upstream(d, scorer):
            if source not in candidates:
                candidates.append(source)
    if not candidates:
        raise DerivationRefused(
            "no_data_source",
            "The data Score Model scores does not come from a data source (Import Data, Enter Data "
            "Manually or Web Service Input), so there is nowhere for requests to enter.",
            node=d.scorers[0],
        )
    web_inputs = [c for c in candidates if d.roles[c] == Role.WEB_SERVICE_INPUT]
    if web_inputs:
        d.sources = web_inputs
        return
    if len(candidates) > 1:
        training = {
            s
            for n in d.order
            if d.roles[n] == Role.TRAINING_ONLY
            and any(p.type == PortType.UNTRAINED_MODEL for p in d.modules[n].inputs)
            for s in _sources_upstream(d, n)
        }
        both = [c for c in candidates if c in training]
        if both:
            candidates = both
        d.notes.append(
            f"Several data sources feed the scored data; requests enter in place of {d.title(candidates[0])}. "
            "Pass input_node to choose another."
        )
    d.sources = [candidates[0]]


def _forward(d: Derivation, starts: list[str], edges: list[dict[str, str]], *, through_all: bool) -> set[str]:
    """Nodes that the rows leaving ``starts`` reach. Without ``through_all``, only through request-derived
    outputs and never into training-only nodes."""
    reached = set(starts)
    stack = list(starts)
    while stack:
        current = stack.pop()
        role = d.roles[current]
        ports = (
            set(dataset_outputs(d.modules[current]))
            if through_all
            else set(request_outputs(d.modules[current], role or Role.STATELESS))
        )
        for e in edges:
            if e["source"] != current or e["source_port"] not in ports or e["target"] in reached:
                continue
            if not through_all and d.roles[e["target"]] == Role.TRAINING_ONLY:
                continue
            reached.add(e["target"])
            stack.append(e["target"])
    return reached


def keep_request_path(d: Derivation) -> None:
    """Keep the nodes the request's rows flow through on their way to and from a scoring step."""
    d.request_nodes = _forward(d, d.sources, d.data_edges, through_all=False)
    original_data_edges = [
        e for e in d.edges if d.port_type(e["source"], e["source_port"], output=True) == PortType.DATASET
    ]
    d.request_reach = _forward(d, d.sources, original_data_edges, through_all=True)
    request_edges = [
        e
        for e in d.data_edges
        if e["source"] in d.request_nodes
        and e["target"] in d.request_nodes
        and e["source_port"]
        in request_outputs(d.modules[e["source"]], d.roles[e["source"]] or Role.STATELESS)
    ]
    scorers = [s for s in d.scorers if s in d.request_nodes and any(e["target"] == s for e in request_edges)]
    if not scorers:
        raise DerivationRefused(
            "no_scoring_step",
            f"No scoring step is fed by {d.title(d.sources[0])}, so requests entering there would not be "
            "scored. Connect the data to Score Model's dataset input.",
            node=d.sources[0],
        )
    for s in d.scorers:
        if s not in scorers:
            d.remove(s, "off_request_path", "It scores data that does not come from the request.")
    d.scorers = scorers
    children: dict[str, set[str]] = defaultdict(set)
    parents: dict[str, set[str]] = defaultdict(set)
    for e in request_edges:
        children[e["source"]].add(e["target"])
        parents[e["target"]].add(e["source"])

    def closure(start: set[str], links: dict[str, set[str]]) -> set[str]:
        seen, stack = set(start), list(start)
        while stack:
            for nxt in links[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    downstream = closure(set(scorers), children)
    d.kept = closure(downstream, parents) | set(d.sources)
    d.final_edges = [dict(e) for e in request_edges if e["source"] in d.kept and e["target"] in d.kept]
    for node_id in d.kept:
        d.final_nodes[node_id] = copy.deepcopy(d.nodes[node_id])
        d.origin[node_id] = node_id


def refuse_training_time_data(d: Derivation) -> None:
    """A kept node must not read rows that a training-only node derived from the request's data source
    (e.g. Train Clustering Model's assignments): they line up with the training rows, not the request's.
    (Other fixed data, such as the training rows a recommender scores against, is bound as it was.)"""
    wired = {(e["target"], e["target_port"]) for e in d.final_edges}
    for node_id in d.kept:
        for port in dataset_inputs(d.modules[node_id]):
            if (node_id, port) in wired:
                continue
            upstream = d.incoming(node_id).get(port)
            if upstream and upstream[0] in d.request_reach and d.roles[upstream[0]] == Role.TRAINING_ONLY:
                raise DerivationRefused(
                    "training_time_data",
                    f"{d.title(node_id)} reads rows that {d.title(upstream[0])} derives from the training "
                    "data, and that node only runs while training. Feed it from the scored path instead.",
                    node=node_id,
                )


def refuse_stateful_nodes(d: Derivation) -> None:
    """A kept node that learns from the data it receives, with no transformation output to replay, would
    learn from each request: refused, naming the node."""
    for node_id in d.order:
        if node_id not in d.kept:
            continue
        role = d.roles[node_id]
        if role == Role.STATEFUL or role is None:
            raise DerivationRefused(
                "stateful_node",
                f"Node {d.title(node_id)} learns state but has no transformation output "
                f"({d.role_reasons[node_id]}), so it cannot be reproduced at inference. Replace it with a "
                "module that outputs a transformation, or move it before the data source.",
                node=node_id,
            )


def _rename_ports(d: Derivation, node_id: str, inputs: dict[str, str], outputs: dict[str, str]) -> None:
    for e in d.final_edges:
        if e["target"] == node_id and e["target_port"] in inputs:
            e["target_port"] = inputs[e["target_port"]]
        if e["source"] == node_id and e["source_port"] in outputs:
            e["source_port"] = outputs[e["source_port"]]


def replace_fitted_with_apply_transformation(d: Derivation) -> None:
    """Every kept module that learned state (Clean Missing Data, Normalize Data, indicator values,
    binning, n-grams ...) becomes Apply Transformation bound to the transformation it fitted in this run,
    so new rows get exactly the training statistics."""
    apply_module = get_module(APPLY_TRANSFORMATION)
    for node_id in d.order:
        if node_id not in d.kept or d.roles[node_id] != Role.FITTED:
            continue
        module = d.modules[node_id]
        tx_port = transformation_output(module)
        digest = d.digest(node_id, tx_port) if tx_port else None
        if not digest:
            raise DerivationRefused(
                "no_transformation_output",
                f"Node {d.title(node_id)} learns state but has no transformation output in this run, so "
                "the state it learned cannot be replayed at inference.",
                node=node_id,
            )
        data_in = dataset_inputs(module)[0]
        data_out = dataset_outputs(module)[0]
        wired = {e["target_port"] for e in d.final_edges if e["target"] == node_id}
        if data_in not in wired:
            raise DerivationRefused(
                "unsupported_wiring",
                f"The request reaches {d.title(node_id)} on a secondary input; only its first dataset input "
                "can be replayed with Apply Transformation.",
                node=node_id,
            )
        original = d.nodes[node_id]
        d.final_nodes[node_id] = {
            "id": node_id,
            "module": apply_module.key,
            "module_version": apply_module.version,
            "params": {},
            "comment": f"Replaces {module.title}: applies the {module.title} fitted in the training run.",
            "compute": original.get("compute", "auto"),
        }
        _rename_ports(d, node_id, {data_in: "dataset"}, {data_out: "transformed_dataset"})
        d.port_origin[node_id] = {"dataset": data_in}
        d.bindings.setdefault(node_id, {})["transformation"] = {
            "digest": digest,
            "type": PortType.TRANSFORMATION.value,
            "source": {"node": node_id, "port": tx_port},
            "title": f"{module.title} fitted in the training run",
        }


def replace_learned_selections(d: Derivation) -> None:
    """Filter Based Feature Selection learned which columns to keep: at inference it is Select Columns
    with exactly the columns it kept in this run (the label, never sent, left out)."""
    select = get_module(SELECT_COLUMNS)
    for node_id in d.order:
        if node_id not in d.kept or d.roles[node_id] != Role.LEARNED_SELECTION:
            continue
        module = d.modules[node_id]
        out_port = dataset_outputs(module)[0]
        columns = d.schema_columns(node_id, out_port)
        if columns is None:
            raise DerivationRefused(
                "no_output",
                f"Node {d.title(node_id)} has no recorded output columns in this run.",
                node=node_id,
            )
        params = d.nodes[node_id].get("params") or {}
        target = normalize_selection(params.get("target_column"), "target_column") or {}
        targets = set(target.get("names", []))
        names = [c["name"] for c in columns if not c.get("is_label") and c["name"] not in targets]
        d.final_nodes[node_id] = {
            "id": node_id,
            "module": select.key,
            "module_version": select.version,
            "params": {"select_columns": {"names": names}},
            "comment": f"Replaces {module.title}: keeps the {len(names)} columns it selected in training.",
            "compute": "auto",
        }
        data_in = dataset_inputs(module)[0]
        _rename_ports(d, node_id, {data_in: "dataset"}, {out_port: "results_dataset"})
        d.port_origin[node_id] = {"dataset": data_in}


def bind_fixed_inputs(d: Derivation) -> None:
    """Inputs of kept nodes that do not carry the request (trained models, transformations, lookup
    tables, scripts) are bound to what flowed into them in the training run: the run's output digests."""
    wired = {(e["target"], e["target_port"]) for e in d.final_edges}
    for node_id in d.order:
        if node_id not in d.kept or node_id in d.sources:
            continue
        final = d.final_nodes[node_id]
        module = get_module(final["module"])
        for port in module.inputs:
            if (node_id, port.name) in wired or port.name in d.bindings.get(node_id, {}):
                continue
            original_port = d.port_origin.get(node_id, {}).get(port.name, port.name)
            upstream = d.incoming(node_id).get(original_port)
            if upstream is None:
                if not port.optional:
                    raise DerivationRefused(
                        "unconnected_input",
                        f"{d.title(node_id)} has nothing connected to '{port.title}'.",
                        node=node_id,
                    )
                continue
            digest = d.digest(*upstream)
            if not digest:
                raise DerivationRefused(
                    "missing_output",
                    f"{d.title(node_id)} needs '{port.title}' from {d.title(upstream[0])}, which produced "
                    "nothing in this run.",
                    node=node_id,
                )
            source_module = d.modules[upstream[0]]
            d.bindings.setdefault(node_id, {})[port.name] = {
                "digest": digest,
                "type": d.port_type(upstream[0], upstream[1], output=True).value,
                "source": {"node": upstream[0], "port": upstream[1]},
                "title": f"{source_module.output(upstream[1]).title} of {source_module.title}",
            }


def _unique_id(d: Derivation, base: str) -> str:
    taken = set(d.nodes) | set(d.final_nodes)
    if base not in taken:
        return base
    i = 1
    while f"{base}_{i}" in taken:
        i += 1
    return f"{base}_{i}"


def replace_source_with_web_service_input(d: Derivation) -> None:
    """The training data source gives way to a Web Service Input on the same downstream ports (an
    existing Web Service Input stays, unplugged from its training data)."""
    wsi = get_module(WEB_SERVICE_INPUT)
    names: list[str] = []
    for index, source in enumerate(d.sources):
        if d.roles[source] == Role.WEB_SERVICE_INPUT:
            params = dict(d.nodes[source].get("params") or {})
            name = params.get("name") or f"WebServiceInput{index}"
            d.final_nodes[source]["params"] = {**params, "name": name}
            d.origin[source] = source
            names.append(name)
            continue
        out_ports = request_outputs(d.modules[source], Role.SOURCE)
        new_id = _unique_id(d, "web_service_input" if index == 0 else f"web_service_input{index}")
        name = f"WebServiceInput{index}"
        d.final_nodes.pop(source)
        d.final_nodes[new_id] = {
            "id": new_id,
            "module": wsi.key,
            "module_version": wsi.version,
            "params": {"name": name, "schema": ""},
            "comment": f"Requests enter here, in place of {d.modules[source].title} of the training run.",
            "compute": "auto",
        }
        for e in d.final_edges:
            if e["source"] == source:
                if e["source_port"] != out_ports[0]:
                    raise DerivationRefused(
                        "unsupported_wiring",
                        f"Kept nodes read a secondary output of the data source {d.title(source)}.",
                        node=source,
                    )
                e["source"], e["source_port"] = new_id, "output_dataset"
        d.kept.discard(source)
        d.kept.add(new_id)
        d.origin[new_id] = source
        d.port_origin[new_id] = {}
        d.remove(
            source,
            "replace_source_with_web_service_input",
            "The training data source: requests enter through a Web Service Input in its place.",
        )
        d.sources[index] = new_id
        names.append(name)
    d.web_inputs = names


def add_web_service_outputs(d: Derivation) -> None:
    """A Web Service Output after each last step of the scored path (Score Model, or what follows it)."""
    wso = get_module(WEB_SERVICE_OUTPUT)
    sources = {e["source"] for e in d.final_edges}
    order = topological_order(list(d.final_nodes), d.final_edges) or list(d.final_nodes)
    names: list[str] = []
    existing = [n for n in order if d.final_nodes[n]["module"] == WEB_SERVICE_OUTPUT and n in d.final_nodes]
    for node_id in existing:
        params = d.final_nodes[node_id].setdefault("params", {})
        params.setdefault("name", f"WebServiceOutput{len(names)}")
        names.append(params["name"])
    for node_id in order:
        final = d.final_nodes[node_id]
        module = get_module(final["module"])
        if node_id in sources or module.key == WEB_SERVICE_OUTPUT or module.key == WEB_SERVICE_INPUT:
            continue
        outs = dataset_outputs(module)
        if not outs:
            continue
        name = f"WebServiceOutput{len(names)}"
        while name in names:
            name += "_"
        new_id = _unique_id(d, "web_service_output" if not names else f"web_service_output{len(names)}")
        d.final_nodes[new_id] = {
            "id": new_id,
            "module": wso.key,
            "module_version": wso.version,
            "params": {"name": name},
            "comment": f"The reply: what {module.title} outputs.",
            "compute": "auto",
        }
        d.final_edges.append(
            {"source": node_id, "source_port": outs[0], "target": new_id, "target_port": "dataset"}
        )
        d.origin[new_id] = ""
        names.append(name)
    d.web_outputs = names


def _training_columns(d: Derivation, node_id: str, port: str) -> list[str] | None:
    """The columns that arrived at (final node, input port) in the training run."""
    origin = d.origin.get(node_id, node_id)
    original_port = d.port_origin.get(node_id, {}).get(port, port)
    upstream = d.incoming(origin).get(original_port) if origin in d.nodes else None
    if upstream is None:
        return None
    columns = d.schema_columns(*upstream)
    return [c["name"] for c in columns] if columns is not None else None


def _training_output_columns(d: Derivation, node_id: str) -> list[str] | None:
    origin = d.origin.get(node_id, node_id)
    if origin not in d.nodes:
        return None
    outs = request_outputs(d.modules[origin], d.roles[origin] or Role.STATELESS)
    return [c["name"] for c in d.schema_columns(origin, outs[0]) or []] if outs else None


def _bound_value(d: Derivation, node_id: str, port: str) -> Any:
    binding = d.bindings.get(node_id, {}).get(port)
    return d.load(binding["type"], binding["digest"]) if binding else None


def derive_input_schema(d: Derivation) -> None:
    """The columns a request must carry: what the kept nodes really read, traced back from the scoring
    step (the model's feature columns) through each transformation (the columns it was fitted on),
    less the label, which a request never has. Modules whose reads are not known ask for every column
    they saw in training, so nothing they need is ever left out."""
    order = topological_order(list(d.final_nodes), d.final_edges) or list(d.final_nodes)
    need: dict[tuple[str, str], set[str]] = {}
    labels: set[str] = set()
    for node_id in order:
        for port, binding in d.bindings.get(node_id, {}).items():
            if binding["type"] in ("trained_model", "trained_cluster_model", "trained_recommender"):
                label = getattr(_bound_value(d, node_id, port), "label_column", None)
                if label:
                    labels.add(label)
    for node_id in reversed(order):
        final = d.final_nodes[node_id]
        module = get_module(final["module"])
        out_need: set[str] = set()
        for e in d.final_edges:
            if e["source"] == node_id:
                out_need |= need.get((e["target"], e["target_port"]), set())
        if module.key == WEB_SERVICE_INPUT:
            need[(node_id, "")] = out_need
            continue
        for port in dataset_inputs(module):
            if not any(e["target"] == node_id and e["target_port"] == port for e in d.final_edges):
                continue
            in_cols = _training_columns(d, node_id, port)
            out_cols = _training_output_columns(d, node_id)
            produced = set(out_cols or []) - set(in_cols or [])
            downstream = out_need - produced
            params = final.get("params") or {}
            if module.key == WEB_SERVICE_OUTPUT:
                reads: set[str] = set()
            elif model_inputs(module):
                model = _bound_value(d, node_id, model_inputs(module)[0])
                features = getattr(model, "feature_columns", None)
                reads = set(features) if features is not None else set(in_cols or [])
            elif module.key == APPLY_TRANSFORMATION:
                tx = _bound_value(d, node_id, "transformation")
                reads = set(getattr(tx, "input_columns", None) or in_cols or [])
            elif module.key == SELECT_COLUMNS:
                selection = normalize_selection(params.get("select_columns"), "select_columns") or {}
                reads = set(selection.get("names", []))
                if "rules" in selection:
                    reads = set(out_cols or in_cols or [])
                downstream = set()
            else:
                reads = set(in_cols or [])
            wanted = reads | downstream
            need[(node_id, port)] = wanted & set(in_cols) if in_cols is not None else wanted
    schema_columns = []
    for wsi_node in [n for n in order if d.final_nodes[n]["module"] == WEB_SERVICE_INPUT]:
        origin = d.origin.get(wsi_node, wsi_node)
        port = request_outputs(d.modules[origin], d.roles[origin] or Role.SOURCE)[0]
        columns = d.schema_columns(origin, port)
        if columns is None and d.roles.get(origin) == Role.WEB_SERVICE_INPUT:
            columns = d.schema_columns(origin, "output_dataset")
        if columns is None:
            raise DerivationRefused(
                "no_source_schema", f"The data source {d.title(origin)} recorded no columns in this run."
            )
        labels |= {c["name"] for c in columns if c.get("is_label")}
        wanted = need.get((wsi_node, ""), set())
        schema = [
            {"name": c["name"], "type": c.get("type", "string")}
            for c in columns
            if c["name"] in wanted and c["name"] not in labels and c["name"] != FOLD_COLUMN
        ]
        if not schema:
            raise DerivationRefused(
                "empty_input_schema",
                "The scored path reads no column of the request data, so there is nothing to ask for.",
                node=wsi_node,
            )
        d.final_nodes[wsi_node].setdefault("params", {})["schema"] = json.dumps(schema)
        schema_columns.append(schema)
    d.input_schema = schema_columns[0]
    d.label_columns = sorted(labels)


def explain_removed_nodes(d: Derivation) -> None:
    """Nothing is dropped silently: every training node not in the inference graph says why."""
    bound_from = {b["source"]["node"]: node for node, ports in d.bindings.items() for b in ports.values()}
    for node_id in d.order:
        if node_id in d.final_nodes or node_id in d.removed:
            continue
        module = d.modules[node_id]
        role = d.roles[node_id]
        if role == Role.TRAINING_ONLY:
            evaluation = (
                any(p.type == PortType.EVALUATION for p in module.outputs) or "evaluate" in module.key
            )
            if evaluation:
                d.remove(node_id, "remove_evaluation", "Evaluation: only meaningful while training.")
            else:
                d.remove(node_id, "remove_training_only", "Training only: its result is bound instead.")
        elif role == Role.SOURCE and not dataset_outputs(module):
            d.remove(node_id, "remove_learner", "A learner: its settings live in the trained model.")
        elif node_id in bound_from:
            d.remove(
                node_id,
                "bind_fixed_inputs",
                f"Its output from the training run is bound as a fixed input of '{bound_from[node_id]}'.",
            )
        else:
            d.remove(node_id, "off_request_path", "Not on the path from the request to a scored output.")


def lay_out(d: Derivation) -> dict[str, Any]:
    """Canvas positions: kept nodes where they were, new ones beside what they replace or follow."""
    ui_in = d.run.graph.get("ui") or {}
    ui: dict[str, Any] = {}
    for node_id in d.final_nodes:
        origin = d.origin.get(node_id, node_id)
        if isinstance(ui_in.get(origin), dict):
            ui[node_id] = dict(ui_in[origin])
    for e in d.final_edges:
        if e["target"] not in ui and e["source"] in ui:
            position = ui[e["source"]]
            ui[e["target"]] = {"x": position.get("x", 0), "y": position.get("y", 0) + 120}
    return ui


RULES: tuple[Callable[[Derivation], None], ...] = (
    check_run_completed,
    check_has_trained_model,
    classify_nodes,
    bypass_pass_through_nodes,
    find_scoring_nodes,
    choose_request_source,
    keep_request_path,
    refuse_training_time_data,
    refuse_stateful_nodes,
    replace_fitted_with_apply_transformation,
    replace_learned_selections,
    bind_fixed_inputs,
    replace_source_with_web_service_input,
    add_web_service_outputs,
    derive_input_schema,
    explain_removed_nodes,
)


def derive(run: RunView, load: Loader, *, input_node: str | None = None) -> InferenceGraph:
    """Apply ``RULES`` in order; raises DerivationRefused with the reason when the run cannot be served."""
    d = Derivation(run=run, load=load, input_node=input_node)
    try:
        for rule in RULES:
            rule(d)
    except ModuleError as exc:  # e.g. an old module's parameters no longer validate
        raise DerivationRefused(exc.code, exc.message) from None
    order = topological_order(list(d.final_nodes), d.final_edges) or list(d.final_nodes)
    graph = {
        "schema_version": SCHEMA_VERSION,
        "nodes": [d.final_nodes[n] for n in order],
        "edges": d.final_edges,
        "ui": lay_out(d),
        "bindings": d.bindings,
    }
    source_origin = d.origin[d.sources[0]]
    source_port = request_outputs(d.modules[source_origin], d.roles[source_origin] or Role.SOURCE)[0]
    parity_points = []
    for scorer in d.scorers:
        data_port = next(e["target_port"] for e in d.final_edges if e["target"] == scorer)
        upstream = d.incoming(scorer).get(data_port)
        out_port = dataset_outputs(d.modules[scorer])[0]
        if upstream and d.digest(*upstream) and d.digest(scorer, out_port):
            parity_points.append(
                {
                    "node": scorer,
                    "input_port": data_port,
                    "output_port": out_port,
                    "run_input": d.digest(*upstream),
                    "run_output": d.digest(scorer, out_port),
                }
            )
    return InferenceGraph(
        graph=graph,
        bindings=d.bindings,
        input_schema=d.input_schema,
        inputs=d.web_inputs,
        outputs=d.web_outputs,
        label_columns=d.label_columns,
        source={"node": source_origin, "port": source_port, "digest": d.digest(source_origin, source_port)},
        parity_points=parity_points,
        removed=[
            {
                "node": node_id,
                "module": d.nodes[node_id]["module"],
                "title": d.modules[node_id].title,
                **info,
            }
            for node_id, info in sorted(d.removed.items(), key=lambda kv: d.order.index(kv[0]))
        ],
        notes=d.notes,
    )
