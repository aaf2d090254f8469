"""Conformance examples for K-Means Clustering, Train Clustering Model and Assign Data to Clusters."""

from __future__ import annotations

from typing import Any

from modules.clustering.k_means import KMeansClustering
from modules.clustering.training import TrainClusteringModel
from modules.sdk import DataTable, RunContext
from tests.modules import data
from tests.modules.examples import Example


def labelled_iris() -> DataTable:
    return data.iris().with_meta("species", is_label=True)


def k_means_learner(**params: Any) -> Any:
    return KMeansClustering.execute(RunContext(seed=5), {"number_of_centroids": 3, **params})[
        "untrained_model"
    ]


def trained_iris_clusters() -> Any:
    return TrainClusteringModel.execute(
        RunContext(seed=5), {}, untrained_model=k_means_learner(), dataset=labelled_iris()
    )["trained_model"]


EXAMPLES = {
    "clustering.k_means_clustering": Example(params={"number_of_centroids": 3}),
    "model_training.train_clustering_model": Example(
        inputs=lambda: {"untrained_model": k_means_learner(), "dataset": labelled_iris()},
        params={"column_set": {"rules": [{"op": "include", "kind": "numeric"}]}},
        bad_param=("column_set", 42),
    ),
    "model_scoring_evaluation.assign_data_to_clusters": Example(
        inputs=lambda: {"trained_model": trained_iris_clusters(), "dataset": labelled_iris()},
        bad_param=("check_for_append_or_uncheck_for_result_only", "maybe"),
    ),
}
