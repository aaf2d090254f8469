"""Graphs with pipeline parameters for the automation tests."""

from __future__ import annotations

from typing import Any

from tests.designer.runs import graphs as g

CSV = "x,y\n1,2\n3,4\n5,6\n7,8\n"


def split_graph() -> dict[str, Any]:
    """Enter Data -> Split Data, with the data, the fraction and the seed as pipeline parameters."""
    graph = g.graph(
        [
            g.node("data", "data_input_output.enter_data_manually", data={"$param": "rows"}),
            g.node(
                "split",
                "data_transformation.split_data",
                fraction_of_rows_in_the_first_output_dataset={"$param": "fraction"},
                random_seed={"$param": "seed"},
            ),
        ],
        [g.edge("data", "dataset", "split", "dataset")],
    )
    graph["parameters"] = [
        {"name": "rows", "type": "string", "default": CSV, "description": "The table, as CSV."},
        {"name": "fraction", "type": "number", "default": 0.5},
        {"name": "seed", "type": "integer", "default": 7},
    ]
    return graph


def tiny_graph(data: str = CSV) -> dict[str, Any]:
    """One Enter Data node whose text is the parameter ``rows``: runs (and caches) in milliseconds."""
    graph = g.graph([g.node("data", "data_input_output.enter_data_manually", data={"$param": "rows"})], [])
    graph["parameters"] = [{"name": "rows", "type": "string", "default": data}]
    return graph
