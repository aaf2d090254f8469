"""Small builders of designer graphs for engine tests."""

from __future__ import annotations

from typing import Any

from modules.sdk import get_module


def node(node_id: str, module: str, **params: Any) -> dict[str, Any]:
    return {"id": node_id, "module": module, "module_version": get_module(module).version, "params": params}


def edge(source: str, source_port: str, target: str, target_port: str) -> dict[str, str]:
    return {"source": source, "source_port": source_port, "target": target, "target_port": target_port}


def graph(nodes: list[dict], edges: list[dict], ui: dict | None = None) -> dict[str, Any]:
    return {"schema_version": 1, "nodes": nodes, "edges": edges, "ui": ui or {}}


def script(body: str) -> str:
    return (
        "import time\nimport pandas as pd\n\ndef azureml_main(dataframe1=None, dataframe2=None):\n"
        + "\n".join("    " + line for line in body.strip().splitlines())
    )


TINY_CSV = "x,y\n1,2\n3,4\n5,6\n"


def sleeper_graph(seconds: float, *, fail_right: bool = False) -> dict[str, Any]:
    """A diamond: data -> two script branches that sleep -> Add Columns."""
    right_body = (
        "raise ValueError('this branch fails on purpose')"
        if fail_right
        else f"time.sleep({seconds})\nreturn dataframe1.rename(columns=lambda c: c + '_r'),"
    )
    return graph(
        [
            node("data", "data_input_output.enter_data_manually", data=TINY_CSV),
            node(
                "left",
                "python_language.execute_python_script",
                python_script=script(f"time.sleep({seconds})\nreturn dataframe1,"),
            ),
            node("right", "python_language.execute_python_script", python_script=script(right_body)),
            node("join", "data_transformation.add_columns"),
        ],
        [
            edge("data", "dataset", "left", "dataset1"),
            edge("data", "dataset", "right", "dataset1"),
            edge("left", "result_dataset", "join", "left_dataset"),
            edge("right", "result_dataset", "join", "right_dataset"),
        ],
    )


def reference_graph(normalize_method: str = "ZScore") -> dict[str, Any]:
    """Import -> Clean Missing Data -> Normalize -> Split -> Train (boosted tree) -> Score -> Evaluate."""
    return graph(
        [
            node(
                "import",
                "data_input_output.import_data",
                data_source="Sample dataset",
                sample_dataset="breast-cancer",
            ),
            node(
                "clean",
                "data_transformation.clean_missing_data",
                columns_to_be_cleaned={"rules": [{"op": "include", "kind": "numeric"}]},
                cleaning_mode="Replace with mean",
            ),
            node(
                "normalize",
                "data_transformation.normalize_data",
                transformation_method=normalize_method,
                columns_to_transform={"rules": [{"op": "include", "kind": "numeric"}]},
            ),
            node(
                "split",
                "data_transformation.split_data",
                fraction_of_rows_in_the_first_output_dataset=0.7,
                random_seed=42,
            ),
            node("learner", "classification.two_class_boosted_decision_tree", number_of_trees_constructed=30),
            node("train", "model_training.train_model", label_column="diagnosis"),
            node("score", "model_scoring_evaluation.score_model"),
            node("evaluate", "model_scoring_evaluation.evaluate_model"),
        ],
        [
            edge("import", "results_dataset", "clean", "dataset"),
            edge("clean", "cleaned_dataset", "normalize", "dataset"),
            edge("normalize", "transformed_dataset", "split", "dataset"),
            edge("learner", "untrained_model", "train", "untrained_model"),
            edge("split", "results_dataset1", "train", "dataset"),
            edge("train", "trained_model", "score", "trained_model"),
            edge("split", "results_dataset2", "score", "dataset"),
            edge("score", "scored_dataset", "evaluate", "scored_dataset"),
        ],
    )
