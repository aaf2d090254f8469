"""Train Clustering Model and Assign Data to Clusters: fit a clustering model, then label rows with it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from modules.sdk import (
    ASSIGNMENTS,
    BoolParam,
    Category,
    ColumnMeta,
    ColumnsParam,
    DataTable,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    register,
    require_rows,
    resolve_columns,
)

from .k_means import ClusterLearner, ClusterModel

_SCORE_META = ColumnMeta(is_feature=False, is_score=True)


def append_param() -> BoolParam:
    return BoolParam(
        "check_for_append_or_uncheck_for_result_only",
        "Check for append or uncheck for result only",
        default=True,
        description="Checked: the output is the input dataset plus the cluster columns. Unchecked: only "
        "the cluster columns (and the label column, when Assign label mode changed it).",
    )


def cluster_results(model: ClusterModel, dataset: DataTable, append: bool) -> DataTable:
    """``Assignments`` and ``DistancesToClusterCenter no.<k>`` for every row, appended or alone."""
    require_rows(dataset)
    scores = model.score(dataset)
    if append:
        # Re-clustering an earlier result replaces its cluster columns instead of duplicating them.
        base = dataset.df.drop(columns=[c for c in scores.columns if c in dataset.df.columns])
    else:
        base = pd.DataFrame(index=dataset.df.index)
    label = model.label_column
    if label is not None and label in dataset.df.columns:
        relabelled = model.relabel(dataset.df[label], scores[ASSIGNMENTS])
        if relabelled is not None:
            base[label] = relabelled
    frame = pd.concat([base, scores], axis=1)
    return DataTable(frame, {**dataset.meta, **{column: _SCORE_META for column in scores.columns}})


def _require_cluster_model(value: Any, port: str, trained: bool) -> None:
    expected = ClusterModel if trained else ClusterLearner
    if not isinstance(value, expected):
        what = "a trained clustering model (from Train Clustering Model)" if trained else "K-Means Clustering"
        raise ModuleError(
            "wrong_input",
            f"This input takes {what}; the connected model is a {type(value).__name__}.",
            port=port,
        )


@register
class TrainClusteringModel(Module):
    """Train a clustering model (such as K-Means Clustering) on a dataset and assign its rows to clusters.

    Choose the columns to cluster on with *Column set* (all feature columns when left empty; the label
    column is never clustered on). Besides the trained model, the results dataset gives every row its
    cluster in `Assignments` and its distance to each cluster's centre in
    `DistancesToClusterCenter no.0`, `no.1`, ...
    """

    key = "model_training.train_clustering_model"
    title = "Train Clustering Model"
    category = Category.MODEL_TRAINING
    training_only = True
    inputs = (
        Port("untrained_model", "Untrained model", PortType.UNTRAINED_CLUSTER_MODEL),
        Port("dataset", "Dataset", PortType.DATASET),
    )
    outputs = (
        Port("trained_model", "Trained model", PortType.TRAINED_CLUSTER_MODEL),
        Port("results_dataset", "Results dataset", PortType.DATASET),
    )
    params = (
        ColumnsParam(
            "column_set",
            "Column set",
            port="dataset",
            optional=True,
            description="The columns to cluster on; empty means every feature column.",
        ),
        append_param(),
    )

    def run(
        self, ctx: RunContext, params: dict[str, Any], untrained_model: Any, dataset: DataTable
    ) -> dict[str, Any]:
        _require_cluster_model(untrained_model, "untrained_model", trained=False)
        label = dataset.label_column
        if params["column_set"] is None:
            features = dataset.feature_columns(exclude={label} if label else set())
        else:
            features = [c for c in resolve_columns(dataset, params["column_set"], "column_set") if c != label]
        model = untrained_model.fit_columns(ctx, dataset, features, label)
        results = cluster_results(model, dataset, params["check_for_append_or_uncheck_for_result_only"])
        return {"trained_model": model, "results_dataset": results}


@register
class AssignDataToClusters(Module):
    """Assign each row of a dataset to the nearest cluster of a trained clustering model.

    Adds `Assignments` (the cluster number) and `DistancesToClusterCenter no.<k>` (the distance to each
    centre) to the dataset, using exactly the features and scaling the model was trained with.
    """

    key = "model_scoring_evaluation.assign_data_to_clusters"
    title = "Assign Data to Clusters"
    category = Category.MODEL_SCORING_EVALUATION
    inputs = (
        Port("trained_model", "Trained model", PortType.TRAINED_CLUSTER_MODEL),
        Port("dataset", "Dataset", PortType.DATASET),
    )
    outputs = (Port("results_dataset", "Results dataset", PortType.DATASET),)
    params = (append_param(),)

    def run(
        self, ctx: RunContext, params: dict[str, Any], trained_model: Any, dataset: DataTable
    ) -> dict[str, Any]:
        _require_cluster_model(trained_model, "trained_model", trained=True)
        results = cluster_results(
            trained_model, dataset, params["check_for_append_or_uncheck_for_result_only"]
        )
        return {"results_dataset": results}
