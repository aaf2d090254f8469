"""The inference plan: a deployed version's graph with its bound artifacts loaded once, kept in memory.

Two ways to score a batch, with identical results:

- the general path runs the inference graph's modules in order, exactly as a training run would
  (tables in, tables out), so every module works at inference;
- the fast path (``fastpath.py``), compiled when the graph is a chain it understands (fitted
  transformations, Select Columns, Score Model on a library estimator), works on a float matrix built
  straight from the request and calls the estimator on it: no DataFrame on the hot path.

When the fast path meets a batch it does not handle identically (a missing value a learner refuses, an
unknown category ...), it hands the batch to the general path, so errors and results are the general
path's. The parity check at deploy time compares the two on the training rows and turns the fast path
off for that version if they differ in any value.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from designer.graphs.validation import nodes_by_id, topological_order
from modules.sdk import DataTable, ModuleError, RunContext, get_module
from modules.web_service.endpoints import SCHEMA_DTYPES, SERVICE_INPUTS, SERVICE_OUTPUTS

from .roles import WEB_SERVICE_INPUT

log = logging.getLogger(__name__)
_MODULE_LOG = logging.getLogger("designer.scoring.modules")


# -- what goes in: validated columns ---------------------------------------------------------------------
@dataclass
class InputSpec:
    """One Web Service Input: its name, the columns a request carries, and a small table with the
    training data's dtypes and column flags, so request tables look exactly like training tables."""

    name: str
    columns: list[tuple[str, str]]  # (column, kind) as in the input schema
    prototype: DataTable  # a few training rows: schema columns plus the label (for placeholders)

    def dtype(self, column: str) -> Any:
        if column in self.prototype.df.columns:
            return self.prototype.df[column].dtype
        kind = dict(self.columns).get(column, "string")
        return pd.Series(dtype=SCHEMA_DTYPES.get(kind, "object")).dtype


class Batch:
    """A request's rows for one input, validated: row tuples in schema order (what the fast path turns
    into a matrix in one call), and the same values column by column (missing values are None)."""

    __slots__ = ("_columns", "names", "rows", "tuples")

    def __init__(
        self,
        rows: int,
        columns: dict[str, list[Any]] | None = None,
        *,
        names: list[str] | None = None,
        tuples: list[tuple[Any, ...]] | None = None,
    ) -> None:
        self.rows = rows
        self._columns = columns
        self.names = names if names is not None else list(columns or {})
        self.tuples = tuples

    @property
    def columns(self) -> dict[str, list[Any]]:
        if self._columns is None:
            if self.tuples:
                self._columns = {
                    n: list(v) for n, v in zip(self.names, zip(*self.tuples, strict=True), strict=True)
                }
            else:
                self._columns = {n: [] for n in self.names}
        return self._columns


def _series(values: list[Any], dtype: Any) -> pd.Series:
    """Values into a column of the training dtype (what pandas would have made of them when reading)."""
    has_missing = any(v is None for v in values)
    if isinstance(dtype, pd.CategoricalDtype):
        categories = list(dtype.categories)
        known = set(categories)
        extra = [v for v in dict.fromkeys(values) if v is not None and v not in known]
        return pd.Series(pd.Categorical(values, categories=categories + extra))
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return pd.Series(pd.to_datetime(values)).astype(dtype)
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return pd.Series(pd.array(values, dtype="boolean") if has_missing else np.array(values, dtype=bool))
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        if has_missing:
            return pd.Series(np.array(values, dtype=np.float64))
        return pd.Series(np.array(values, dtype=dtype))
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return pd.Series(np.array(values, dtype=np.float64))
    if isinstance(dtype, pd.StringDtype):
        return pd.Series(values, dtype=dtype)
    if pd.api.types.is_extension_array_dtype(dtype):
        return pd.Series(pd.array(values, dtype=dtype))
    return pd.Series(values, dtype=object)


def build_table(spec: InputSpec, batch: Batch, placeholders: Sequence[str] = ()) -> DataTable:
    data = {column: _series(batch.columns[column], spec.dtype(column)) for column, _ in spec.columns}
    for column in placeholders:
        data[column] = _series([None] * batch.rows, spec.dtype(column))
    frame = pd.DataFrame(data) if data else pd.DataFrame(index=range(batch.rows))
    meta = {c: m for c, m in spec.prototype.meta.items() if c in frame.columns}
    return DataTable(frame, meta)


# -- what comes out: column-major Python values ------------------------------------------------------------
class OutputReply:
    """One Web Service Output as plain Python values (None for missing), column by column.

    Columns are converted when first asked for: a reply in our format reads only the score columns, so
    the echoed feature columns of a one-row request are never turned into Python values."""

    def __init__(self, columns: list[str], scores: list[str], rows: int, getters: dict[str, Any]) -> None:
        self.columns = columns
        self.scores = scores  # the score columns among them (what "predictions" returns)
        self.rows = rows
        self._getters = getters
        self._values: dict[str, list[Any]] = {}

    def values(self, column: str) -> list[Any]:
        found = self._values.get(column)
        if found is None:
            found = self._values[column] = self._compute(column)
        return found

    def _compute(self, column: str) -> list[Any]:
        return self._getters[column]()

    def records(self, columns: Sequence[str] | None = None, missing: Any = None) -> list[dict[str, Any]]:
        names = list(self.columns if columns is None else columns)
        if not names:
            return [{} for _ in range(self.rows)]
        data = [self.values(c) for c in names]
        if missing is not None:
            data = [[missing if v is None else v for v in column] for column in data]
        if self.rows == 1:
            return [{name: column[0] for name, column in zip(names, data, strict=True)}]
        return [dict(zip(names, row, strict=True)) for row in zip(*data, strict=True)]


class Fallback(Exception):  # noqa: N818 - a signal, not an error
    """The fast path hands this batch to the general path (which gives the same result, or the error)."""


def float_values(values: np.ndarray) -> list[Any]:
    out = values.tolist()
    # NaN is the only value not equal to itself; for a few rows a Python scan beats a numpy call.
    if (len(out) < 32 and any(v != v for v in out)) or (len(out) >= 32 and np.isnan(values).any()):
        return [None if v != v else v for v in out]
    return out


def column_values(series: pd.Series) -> list[Any]:
    """A column as JSON-ready Python values; every kind of missing becomes None."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind == "f":
            return float_values(series.to_numpy())
        if dtype.kind in "iub":
            return series.tolist()
        if dtype.kind == "M":
            return [None if pd.isna(v) else v.isoformat() for v in series]
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return [None if pd.isna(v) else v.isoformat() for v in series]
    out: list[Any] = []
    for value in series.astype(object).tolist():
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            out.append(None)
        elif isinstance(value, np.generic):
            out.append(value.item())
        elif isinstance(value, pd.Timestamp):
            out.append(value.isoformat())
        else:
            out.append(value)
    return out


def table_reply(table: DataTable, drop: set[str]) -> OutputReply:
    columns = [c for c in table.columns if c not in drop]
    frame = table.df
    return OutputReply(
        columns=columns,
        scores=[c for c in columns if table.meta[c].is_score],
        rows=len(table),
        getters={c: (lambda c=c: column_values(frame[c])) for c in columns},
    )


Reply = dict[str, OutputReply]


# -- the general path -----------------------------------------------------------------------------------
@dataclass
class PlanStep:
    node_id: str
    module: Any
    params: dict[str, Any]
    wiring: dict[str, tuple[str, str]]  # input port -> (node, output port)
    fixed: dict[str, Any]  # input port -> bound value


class GraphProgram:
    """The inference graph's modules in order, their parameters validated and bound inputs loaded."""

    def __init__(self, graph: dict[str, Any], bound: dict[tuple[str, str], Any]) -> None:
        nodes = nodes_by_id(graph)
        edges = graph.get("edges", [])
        order = topological_order(list(nodes), edges)
        if order is None:
            raise ModuleError("cycle", "The inference graph has a cycle.")
        self.steps: list[PlanStep] = []
        for node_id in order:
            node = nodes[node_id]
            module = get_module(node["module"])
            self.steps.append(
                PlanStep(
                    node_id=node_id,
                    module=module,
                    params=module.validate_params(node.get("params") or {}),
                    wiring={
                        e["target_port"]: (e["source"], e["source_port"])
                        for e in edges
                        if e["target"] == node_id
                    },
                    fixed={port: value for (n, port), value in bound.items() if n == node_id},
                )
            )

    def run(
        self, tables: dict[str, DataTable], capture: Sequence[str] = ()
    ) -> tuple[dict[str, DataTable], dict[str, tuple[dict[str, Any], dict[str, Any]]]]:
        replies: dict[str, DataTable] = {}
        ctx = RunContext(
            seed=0, logger=_MODULE_LOG, services={SERVICE_INPUTS: tables, SERVICE_OUTPUTS: replies}
        )
        values: dict[tuple[str, str], Any] = {}
        captured: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        for step in self.steps:
            inputs = dict(step.fixed)
            for port, source in step.wiring.items():
                inputs[port] = values.get(source)
            outputs = step.module.execute(ctx, step.params, **inputs)
            if step.node_id in capture:
                captured[step.node_id] = (inputs, outputs)
            for port, value in outputs.items():
                values[(step.node_id, port)] = value
        return replies, captured


@dataclass
class InferencePlan:
    graph: dict[str, Any]
    bound: dict[tuple[str, str], Any]
    inputs: list[InputSpec]
    outputs: list[str]
    label_columns: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.program = GraphProgram(self.graph, self.bound)
        self.input_specs = {spec.name: spec for spec in self.inputs}
        self.fast: Any = None
        self.fast_note = "not compiled"

    # -- the general path ---------------------------------------------------------------------------
    def tables(self, batches: dict[str, Batch]) -> dict[str, DataTable]:
        return {
            name: build_table(spec, batches[name], self.placeholders)
            for name, spec in self.input_specs.items()
            if name in batches
        }

    def run_general(self, batches: dict[str, Batch], capture: Sequence[str] = ()) -> tuple[Reply, dict]:
        replies, captured = self.program.run(self.tables(batches), capture)
        drop = set(self.placeholders)
        missing = [name for name in self.outputs if name not in replies]
        if missing:
            raise ModuleError(
                "no_reply", f"The inference graph produced nothing for the output '{missing[0]}'."
            )
        return {name: table_reply(replies[name], drop) for name in self.outputs}, captured

    def run_tables(self, batches: dict[str, Batch]) -> dict[str, DataTable]:
        """The general path's output tables themselves (batch scoring keeps them as datasets)."""
        replies, _ = self.program.run(self.tables(batches))
        drop = set(self.placeholders)
        out = {}
        for name in self.outputs:
            table = replies[name]
            present = [c for c in table.columns if c in drop]
            out[name] = table.with_frame(table.df.drop(columns=present)) if present else table
        return out

    # -- the fast path ------------------------------------------------------------------------------
    def compile_fast_path(self) -> None:
        from .fastpath import Unsupported, compile_fast_program

        try:
            self.fast = compile_fast_program(self)
            self.fast_note = "compiled"
        except Unsupported as exc:
            self.fast, self.fast_note = None, str(exc)

    def disable_fast_path(self, reason: str) -> None:
        self.fast, self.fast_note = None, reason

    def score(self, batches: dict[str, Batch]) -> tuple[Reply, bool]:
        """The reply, and whether the fast path produced it."""
        if self.fast is not None:
            try:
                return self.fast.run(batches[self.fast.input_name]), True
            except Fallback:
                pass
        reply, _ = self.run_general(batches)
        return reply, False

    def resolve_placeholders(self, batches: dict[str, Batch]) -> None:
        """A label column that some kept node insists on (Normalize fitted on a numeric label, Select
        Columns naming it) is fed as an all-missing column and never returned; found by a dry run."""
        for _ in range(len(self.label_columns) + 1):
            try:
                self.run_general(batches)
                return
            except ModuleError as exc:
                column = exc.column
                if exc.code != "missing_column" or column not in self.label_columns:
                    return
                if column in self.placeholders:
                    return
                if not any(column in spec.prototype.df.columns for spec in self.inputs):
                    return
                self.placeholders.append(column)


def input_specs_from(
    prototype: DataTable, schemas: dict[str, list[dict[str, str]]], labels: list[str]
) -> list[InputSpec]:
    specs = []
    for name, schema in schemas.items():
        keep = [c["name"] for c in schema] + [c for c in labels if c in prototype.df.columns]
        keep = [c for c in dict.fromkeys(keep) if c in prototype.df.columns]
        specs.append(
            InputSpec(
                name=name,
                columns=[(c["name"], c["type"]) for c in schema],
                prototype=DataTable(prototype.df[keep].copy(), {c: prototype.meta[c] for c in keep}),
            )
        )
    return specs


def web_service_input_names(graph: dict[str, Any]) -> list[str]:
    return [
        (n.get("params") or {}).get("name", "WebServiceInput0")
        for n in graph.get("nodes", [])
        if n.get("module") == WEB_SERVICE_INPUT
    ]


def output_names(graph: dict[str, Any]) -> list[str]:
    nodes = nodes_by_id(graph)
    order = topological_order(list(nodes), graph.get("edges", [])) or list(nodes)
    return [
        (nodes[n].get("params") or {}).get("name", "WebServiceOutput0")
        for n in order
        if nodes[n].get("module") == "web_service.web_service_output"
    ]


def input_schemas(graph: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    from modules.web_service.endpoints import parse_schema

    schemas = {}
    for node in graph.get("nodes", []):
        if node.get("module") == WEB_SERVICE_INPUT:
            params = node.get("params") or {}
            schemas[params.get("name", "WebServiceInput0")] = [
                {"name": name, "type": kind} for name, kind in parse_schema(params.get("schema"))
            ]
    return schemas


def make_plan(
    graph: dict[str, Any],
    load: Any,
    prototype: DataTable,
    label_columns: Sequence[str] = (),
    placeholders: Sequence[str] = (),
) -> InferencePlan:
    """Load the graph's bound artifacts once and put the plan together (the fast path is compiled by
    ``compile_fast_path`` once placeholders are known)."""
    bound = {
        (node, port): load(binding["type"], binding["digest"])
        for node, ports in (graph.get("bindings") or {}).items()
        for port, binding in ports.items()
    }
    inputs = input_specs_from(prototype, input_schemas(graph), list(label_columns))
    return InferencePlan(
        graph=graph,
        bound=bound,
        inputs=inputs,
        outputs=output_names(graph),
        label_columns=list(label_columns),
        placeholders=list(placeholders),
    )
