"""Training graphs for deployment tests, one per shape the derivation rules must handle."""

from __future__ import annotations

from typing import Any

from tests.designer.runs.graphs import edge, graph, node, reference_graph

NUMERIC = {"rules": [{"op": "include", "kind": "numeric"}]}

__all__ = ["edge", "graph", "node", "reference_graph"]


def sample(node_id: str, slug: str) -> dict[str, Any]:
    return node(node_id, "data_input_output.import_data", data_source="Sample dataset", sample_dataset=slug)


def trained(
    data: list[dict[str, Any]],
    edges: list[dict[str, str]],
    last: tuple[str, str],
    label: str,
    learner: str = "classification.two_class_boosted_decision_tree",
    learner_params: dict[str, Any] | None = None,
    evaluate: bool = True,
) -> dict[str, Any]:
    """``data`` nodes ending at ``last`` -> Split -> Train (learner) -> Score (-> Evaluate)."""
    nodes = [
        *data,
        node(
            "split",
            "data_transformation.split_data",
            fraction_of_rows_in_the_first_output_dataset=0.7,
            random_seed=7,
        ),
        node("learner", learner, **(learner_params or {})),
        node("train", "model_training.train_model", label_column=label),
        node("score", "model_scoring_evaluation.score_model"),
    ]
    more = [
        edge(last[0], last[1], "split", "dataset"),
        edge("learner", "untrained_model", "train", "untrained_model"),
        edge("split", "results_dataset1", "train", "dataset"),
        edge("train", "trained_model", "score", "trained_model"),
        edge("split", "results_dataset2", "score", "dataset"),
    ]
    if evaluate:
        nodes.append(node("evaluate", "model_scoring_evaluation.evaluate_model"))
        more.append(edge("score", "scored_dataset", "evaluate", "scored_dataset"))
    return graph(nodes, [*edges, *more])


def penguins(
    learner: str = "classification.multiclass_boosted_decision_tree",
    method: str = "MinMax",
    **learner_params: Any,
) -> dict[str, Any]:
    """Text categories with missing values, floats with missing values, an integer column, 3 classes."""
    return trained(
        [
            sample("import", "penguins"),
            node(
                "clean_num",
                "data_transformation.clean_missing_data",
                columns_to_be_cleaned=NUMERIC,
                cleaning_mode="Replace with mean",
            ),
            node(
                "clean_txt",
                "data_transformation.clean_missing_data",
                columns_to_be_cleaned={
                    "rules": [{"op": "include", "kind": "string"}, {"op": "exclude", "names": ["species"]}]
                },
                cleaning_mode="Replace with mode",
            ),
            node(
                "normalize",
                "data_transformation.normalize_data",
                transformation_method=method,
                columns_to_transform=NUMERIC,
            ),
        ],
        [
            edge("import", "results_dataset", "clean_num", "dataset"),
            edge("clean_num", "cleaned_dataset", "clean_txt", "dataset"),
            edge("clean_txt", "cleaned_dataset", "normalize", "dataset"),
        ],
        ("normalize", "transformed_dataset"),
        "species",
        learner,
        learner_params,
    )


def normalize_after_split() -> dict[str, Any]:
    """Normalize fitted on the training split only; its transformation applied to the test split."""
    g = reference_graph()
    nodes = [n for n in g["nodes"] if n["id"] not in ("normalize",)]
    nodes += [
        node(
            "normalize",
            "data_transformation.normalize_data",
            transformation_method="ZScore",
            columns_to_transform=NUMERIC,
        ),
        node("apply", "model_scoring_evaluation.apply_transformation"),
    ]
    edges = [
        edge("import", "results_dataset", "clean", "dataset"),
        edge("clean", "cleaned_dataset", "split", "dataset"),
        edge("split", "results_dataset1", "normalize", "dataset"),
        edge("normalize", "transformed_dataset", "train", "dataset"),
        edge("normalize", "transformation_function", "apply", "transformation"),
        edge("split", "results_dataset2", "apply", "dataset"),
        edge("learner", "untrained_model", "train", "untrained_model"),
        edge("train", "trained_model", "score", "trained_model"),
        edge("apply", "transformed_dataset", "score", "dataset"),
        edge("score", "scored_dataset", "evaluate", "scored_dataset"),
    ]
    return graph(nodes, edges)


LOOKUP_CSV = "island,island_area\nTorgersen,2.3\nBiscoe,11.0\nDream,5.6\n"


def join_with_lookup() -> dict[str, Any]:
    """The scored data is the request joined with a constant lookup table (bound at inference)."""
    return trained(
        [
            sample("import", "penguins"),
            node("lookup", "data_input_output.enter_data_manually", data=LOOKUP_CSV),
            node(
                "join",
                "data_transformation.join_data",
                join_key_columns_for_left_dataset=["island"],
                join_key_columns_for_right_dataset=["island"],
                join_type="Left Outer Join",
                keep_right_key_columns_in_joined_table=False,
            ),
            node(
                "clean",
                "data_transformation.clean_missing_data",
                columns_to_be_cleaned=NUMERIC,
                cleaning_mode="Replace with median",
            ),
        ],
        [
            edge("import", "results_dataset", "join", "left_dataset"),
            edge("lookup", "dataset", "join", "right_dataset"),
            edge("join", "results_dataset", "clean", "dataset"),
        ],
        ("clean", "cleaned_dataset"),
        "species",
        "classification.multiclass_boosted_decision_tree",
    )


def feature_selection() -> dict[str, Any]:
    """Filter Based Feature Selection keeps 5 columns: replaced by Select Columns with those."""
    return trained(
        [
            sample("import", "breast-cancer"),
            node(
                "select",
                "feature_selection.filter_based_feature_selection",
                target_column=["diagnosis"],
                number_of_desired_features=5,
                feature_scoring_method="Mutual Information",
            ),
        ],
        [edge("import", "results_dataset", "select", "input_dataset")],
        ("select", "filtered_dataset"),
        "diagnosis",
        "classification.two_class_logistic_regression",
    )


def selected_columns(columns: list[str]) -> dict[str, Any]:
    """Select Columns by name (features and the label) before training."""
    return trained(
        [
            sample("import", "breast-cancer"),
            node("pick", "data_transformation.select_columns_in_dataset", select_columns=columns),
        ],
        [edge("import", "results_dataset", "pick", "dataset")],
        ("pick", "results_dataset"),
        "diagnosis",
    )


def regression() -> dict[str, Any]:
    return trained(
        [
            sample("import", "diabetes"),
            node(
                "normalize",
                "data_transformation.normalize_data",
                transformation_method="ZScore",
                columns_to_transform={
                    "rules": [
                        {"op": "include", "kind": "numeric"},
                        {"op": "exclude", "names": ["disease_progression"]},
                    ]
                },
            ),
        ],
        [edge("import", "results_dataset", "normalize", "dataset")],
        ("normalize", "transformed_dataset"),
        "disease_progression",
        "regression.linear_regression",
    )


def numeric_label_normalized() -> dict[str, Any]:
    """Normalize fitted on every numeric column, the 0/1 label included: the label is not asked for,
    and fed as missing where the transformation insists on it."""
    csv = "a,b,label\n" + "\n".join(f"{i % 7},{(i * 3) % 11},{int(i % 7 > 3)}" for i in range(60)) + "\n"
    return trained(
        [
            node("data", "data_input_output.enter_data_manually", data=csv),
            node(
                "normalize",
                "data_transformation.normalize_data",
                transformation_method="MinMax",
                columns_to_transform=NUMERIC,
            ),
        ],
        [edge("data", "dataset", "normalize", "dataset")],
        ("normalize", "transformed_dataset"),
        "label",
        "classification.two_class_logistic_regression",
    )


def clustering() -> dict[str, Any]:
    return graph(
        [
            sample("import", "iris"),
            node(
                "pick",
                "data_transformation.select_columns_in_dataset",
                select_columns={"rules": [{"op": "include", "kind": "numeric"}]},
            ),
            node(
                "split",
                "data_transformation.split_data",
                fraction_of_rows_in_the_first_output_dataset=0.7,
                random_seed=3,
            ),
            node("kmeans", "clustering.k_means_clustering", number_of_centroids=3),
            node(
                "train",
                "model_training.train_clustering_model",
                column_set={"rules": [{"op": "include", "kind": "numeric"}]},
            ),
            node("assign", "model_scoring_evaluation.assign_data_to_clusters"),
        ],
        [
            edge("import", "results_dataset", "pick", "dataset"),
            edge("pick", "results_dataset", "split", "dataset"),
            edge("kmeans", "untrained_model", "train", "untrained_model"),
            edge("split", "results_dataset1", "train", "dataset"),
            edge("train", "trained_model", "assign", "trained_model"),
            edge("split", "results_dataset2", "assign", "dataset"),
        ],
    )


def with_extra_nodes(
    base: dict[str, Any], nodes: list[dict[str, Any]], edges: list[dict[str, str]]
) -> dict[str, Any]:
    return graph([*base["nodes"], *nodes], [*base["edges"], *edges], base.get("ui"))


def without_cleaning(learner: str = "classification.two_class_logistic_regression") -> dict[str, Any]:
    """No Clean Missing Data: a request with a missing value meets the learner's own refusal."""
    return trained(
        [
            sample("import", "breast-cancer"),
            node(
                "normalize",
                "data_transformation.normalize_data",
                transformation_method="ZScore",
                columns_to_transform=NUMERIC,
            ),
        ],
        [edge("import", "results_dataset", "normalize", "dataset")],
        ("normalize", "transformed_dataset"),
        "diagnosis",
        learner,
    )
