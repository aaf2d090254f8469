"""Saved graphs from older module versions or keys are upgraded on load."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from designer.graphs.services import semantic_digest, upgrade_graph
from modules.sdk import Category, IntParam, Module, Port, PortType, registry


class _RenamedModule(Module):
    """A module whose version 2 renamed a parameter and whose key changed."""

    key = "data_transformation.renamed_for_test"
    version = 2
    title = "Renamed for test"
    category = Category.DATA_TRANSFORMATION
    replaces: ClassVar[tuple[str, ...]] = ("data_transformation.old_name_for_test",)
    outputs = (Port("dataset", "Dataset", PortType.DATASET),)
    params = (IntParam("number_of_rows", "Number of rows", default=10, min=0),)

    @classmethod
    def upgrade_params(cls, params: dict[str, Any], from_version: int) -> dict[str, Any]:
        if from_version < 2 and "rows" in params:
            params = {**params, "number_of_rows": params["rows"]}
            params.pop("rows")
        return params


@pytest.fixture
def registered(monkeypatch):
    registry.load_all()
    monkeypatch.setitem(registry._MODULES, _RenamedModule.key, _RenamedModule)
    monkeypatch.setitem(registry._ALIASES, "data_transformation.old_name_for_test", _RenamedModule.key)


def test_old_key_and_version_are_upgraded(registered) -> None:
    saved = {
        "schema_version": 1,
        "nodes": [
            {
                "id": "n",
                "module": "data_transformation.old_name_for_test",
                "module_version": 1,
                "params": {"rows": 5},
            }
        ],
        "edges": [],
    }
    upgraded = upgrade_graph(saved)
    node = upgraded["nodes"][0]
    assert node == {
        "id": "n",
        "module": _RenamedModule.key,
        "module_version": 2,
        "params": {"number_of_rows": 5},
    }
    assert saved["nodes"][0]["module_version"] == 1, "the saved graph itself is not modified"
    assert _RenamedModule.validate_params(node["params"]) == {"number_of_rows": 5}


def test_layout_and_comments_do_not_change_the_semantic_digest() -> None:
    graph = {
        "nodes": [{"id": "a", "module": "m", "params": {}, "comment": "x"}],
        "edges": [],
        "ui": {"a": {"x": 1}},
    }
    moved = {
        "nodes": [{"id": "a", "module": "m", "params": {}, "comment": "y"}],
        "edges": [],
        "ui": {"a": {"x": 9}},
    }
    changed = {"nodes": [{"id": "a", "module": "m", "params": {"k": 1}}], "edges": []}
    assert semantic_digest(graph) == semantic_digest(moved) != semantic_digest(changed)
