from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from designer.deployments import keys, runtime
from designer.deployments.derivation import InferenceGraph, RunView, derive
from designer.deployments.parity import check_parity
from designer.deployments.plan import InferencePlan, make_plan
from modules.sdk import DataTable

from . import graphs as g
from .inprocess import MemoryArtifacts, run_in_process


@dataclass
class Deployed:
    """A training graph run in this process, derived, planned and parity-checked, without a database."""

    run: RunView
    artifacts: MemoryArtifacts
    inference: InferenceGraph
    plan: InferencePlan
    source: DataTable
    parity: dict[str, Any]


def deployed(graph: dict[str, Any]) -> Deployed:
    run, artifacts = run_in_process(graph)
    inference = derive(run, artifacts.load)
    source = artifacts.load("dataset", inference.source["digest"])
    plan = make_plan(
        inference.graph, artifacts.load, source.with_frame(source.df.head(5)), inference.label_columns
    )
    plan.compile_fast_path()
    parity = check_parity(plan, inference.as_dict(), artifacts.load)
    return Deployed(run, artifacts, inference, plan, source, parity)


_cache: dict[str, Deployed] = {}


def cached(name: str, build: Any) -> Deployed:
    if name not in _cache:
        _cache[name] = deployed(build())
    return _cache[name]


@pytest.fixture
def reference() -> Deployed:
    return cached("reference", g.reference_graph)


@pytest.fixture
def penguins() -> Deployed:
    return cached("penguins", g.penguins)


class NullRecorder:
    def record(self, *args: Any) -> None:
        pass

    def sample(self, *args: Any) -> None:
        pass


@pytest.fixture
def memory_endpoint(monkeypatch):
    """An endpoint held only in memory (no database): a key, one version, the recorder silenced."""
    monkeypatch.setattr(runtime, "recorder", NullRecorder())

    def make(dep: Deployed, number: int = 1) -> tuple[runtime.EndpointRuntime, str]:
        key = keys.new_key()
        state = runtime.EndpointRuntime(
            id=1,
            name="memory",
            workspace_id=1,
            revision=1,
            status="healthy",
            digests=(keys.key_digest(key),),
            versions={number: runtime.version_runtime(number, dep.plan)},
            traffic=[(100.0, number)],
        )
        return state, key

    return make
