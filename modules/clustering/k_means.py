"""K-Means Clustering: an untrained clustering model, fitted by Train Clustering Model.

Euclidean k-means is scikit-learn's ``KMeans`` (Lloyd's algorithm, one initialisation). Cosine
k-means is spherical k-means: rows are scaled to unit length, each row joins the centre with the
highest cosine similarity, and each centre is the unit-length mean direction of its rows; the
distance reported is the cosine distance ``1 - cos(row, centre)``. Its starting centres come from the
same initialisations, applied to the unit-length rows.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.preprocessing import MinMaxScaler, normalize

from modules.sdk import (
    ASSIGNMENTS,
    BoolParam,
    Category,
    ChoiceParam,
    DataTable,
    FeatureEncoder,
    IntParam,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    Task,
    TrainedModel,
    cluster_distance_column,
    register,
    require_rows,
)
from modules.training.learners import library_warnings_to_log, resolve_seed, seed_param

from .trainer_mode import SweepableLearner, swept, trainer_mode_param, when_range, when_single

MODULE_KEY = "clustering.k_means_clustering"

RANDOM = "Random"
KMEANS_PLUS_PLUS = "K-Means++"
FIRST_N = "First N"
EVENLY = "Evenly"
USE_LABEL_COLUMN = "Use label column"
KMEANS_PLUS_PLUS_FAST = "K-Means++ Fast"
INITIALIZATIONS = (RANDOM, KMEANS_PLUS_PLUS, FIRST_N, EVENLY, USE_LABEL_COLUMN, KMEANS_PLUS_PLUS_FAST)
SEEDED_INITIALIZATIONS = (RANDOM, KMEANS_PLUS_PLUS, KMEANS_PLUS_PLUS_FAST)

EUCLIDEAN = "Euclidean"
COSINE = "Cosine"

IGNORE_LABEL = "Ignore label column"
FILL_MISSING = "Fill missing values"
OVERWRITE_FROM_CLOSEST = "Overwrite from closest to center"
LABEL_MODES = (IGNORE_LABEL, FILL_MISSING, OVERWRITE_FROM_CLOSEST)

# Spherical k-means stops when no centre moves by more than this (cosine distance), like KMeans' tol.
_COSINE_TOLERANCE = 1e-10


@dataclass
class ClusterLearner(SweepableLearner):
    """An untrained clustering model; Train Clustering Model fits it on chosen feature columns."""

    task = Task.CLUSTERING

    def fit(self, ctx: RunContext, table: DataTable, label_column: str | None) -> TrainedModel:
        exclude = {label_column} if label_column else set()
        return self.fit_columns(ctx, table, table.feature_columns(exclude=exclude), label_column)

    @abstractmethod
    def fit_columns(
        self, ctx: RunContext, table: DataTable, feature_columns: list[str], label_column: str | None
    ) -> ClusterModel: ...


@dataclass
class ClusterModel(TrainedModel):
    """A fitted clustering model: ``score`` gives ``Assignments`` and one distance column per centre.

    ``cluster_labels`` (when the learner's Assign label mode uses the label column) holds, for each
    cluster, the label of the labelled training row closest to its centre; ``relabel`` applies it.
    """

    encoder: FeatureEncoder
    scaler: MinMaxScaler | None
    metric: str
    # Plain arrays rather than the fitted KMeans: a library estimator does not pickle back to the same
    # bytes, and stored models must (their digests feed the cache keys of later steps).
    centres: np.ndarray
    feature_columns: list[str]
    label_mode: str
    cluster_labels: list[Any] | None
    label_column: str | None = None
    learner_key: str = MODULE_KEY
    task = Task.CLUSTERING

    @property
    def n_clusters(self) -> int:
        return len(self.centres)

    def prepare(self, df: pd.DataFrame) -> np.ndarray:
        matrix = self.encoder.transform(df)
        return self.scaler.transform(matrix) if self.scaler is not None else matrix

    def assign(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cluster index and distance to every centre, for prepared rows."""
        if self.metric == EUCLIDEAN:
            # The same computation as KMeans.transform.
            distances = euclidean_distances(matrix, self.centres)
        else:
            distances = cosine_distances_to(matrix, self.centres)
        return np.argmin(distances, axis=1), distances

    def score(self, table: DataTable) -> pd.DataFrame:
        assignments, distances = self.assign(self.prepare(table.df))
        columns: dict[str, Any] = {ASSIGNMENTS: assignments.astype(np.int64)}
        for k in range(self.n_clusters):
            columns[cluster_distance_column(k)] = distances[:, k]
        return pd.DataFrame(columns, index=table.df.index)

    def relabel(self, labels: pd.Series, assignments: pd.Series) -> pd.Series | None:
        """The label column after Assign label mode, or None when labels are left alone."""
        if self.cluster_labels is None:
            return None
        from_cluster = assignments.map(dict(enumerate(self.cluster_labels)))
        if self.label_mode == OVERWRITE_FROM_CLOSEST:
            return from_cluster.astype(labels.dtype) if labels.notna().all() else from_cluster
        return labels.where(labels.notna(), from_cluster)


def cosine_distances_to(matrix: np.ndarray, unit_centres: np.ndarray) -> np.ndarray:
    # A row of zeros has no direction: its similarity to every centre is 0 (distance 1).
    return 1.0 - normalize(matrix) @ unit_centres.T


@dataclass
class KMeansLearner(ClusterLearner):
    module_key = MODULE_KEY
    ranges: ClassVar[dict[str, str]] = {"number_of_centroids": "range_for_number_of_centroids"}
    range_companions: ClassVar[dict[str, str]] = {
        "initialization": "initialization_for_sweep",
        "random_number_seed": "random_number_seed_for_sweep",
    }

    def fit_columns(
        self, ctx: RunContext, table: DataTable, feature_columns: list[str], label_column: str | None
    ) -> ClusterModel:
        settings = self.settings(ctx)
        n_clusters: int = settings["number_of_centroids"]
        initialization: str = settings["initialization"]
        seed = resolve_seed(settings, ctx)
        require_rows(table)
        needs_label = initialization == USE_LABEL_COLUMN or settings["assign_label_mode"] != IGNORE_LABEL
        if needs_label and label_column is None:
            raise ModuleError(
                "no_label_column",
                "Initialization 'Use label column' and the Assign label modes other than 'Ignore label column' "
                "need a label column. Mark one with Edit Metadata, or change those settings.",
                parameter="assign_label_mode" if initialization != USE_LABEL_COLUMN else "initialization",
            )
        encoder = FeatureEncoder(categorical="onehot").fit(table, feature_columns)
        matrix = encoder.transform(table.df)
        if len(matrix) < n_clusters:
            raise ModuleError(
                "too_few_rows",
                f"K-Means needs at least one row per centroid: the dataset has {len(matrix)} rows but "
                f"Number of centroids is {n_clusters}. Lower the number of centroids or add rows.",
                parameter="number_of_centroids",
            )
        scaler = MinMaxScaler().fit(matrix) if settings["normalize_features"] else None
        if scaler is not None:
            matrix = scaler.transform(matrix)
        metric: str = settings["metric"]
        if metric == COSINE:
            matrix = normalize(matrix)
        labels = table.df[label_column] if label_column else None
        ctx.progress(0.1, "initialising centroids")
        init = _initial_centres(initialization, matrix, n_clusters, seed, labels)

        if metric == EUCLIDEAN:
            k_means = KMeans(
                n_clusters=n_clusters, init=init, n_init=1, max_iter=settings["iterations"], random_state=seed
            )
            with library_warnings_to_log(ctx.logger):
                centres = k_means.fit(matrix).cluster_centers_
        else:
            start = init if isinstance(init, np.ndarray) else _seeded_centres(init, matrix, n_clusters, seed)
            centres = _spherical_k_means(matrix, start, settings["iterations"])
        ctx.progress(0.9, "assigning rows")

        model = ClusterModel(
            encoder=encoder,
            scaler=scaler,
            metric=metric,
            centres=np.ascontiguousarray(centres),
            feature_columns=list(feature_columns),
            label_column=label_column,
            label_mode=settings["assign_label_mode"],
            cluster_labels=None,
        )
        if labels is not None and model.label_mode != IGNORE_LABEL:
            model.cluster_labels = _closest_labels(model, matrix, labels)
        return model


def _initial_centres(
    initialization: str, matrix: np.ndarray, n_clusters: int, seed: int, labels: pd.Series | None
) -> np.ndarray | str:
    """Starting centres as an array, or the name scikit-learn's KMeans takes for a seeded method."""
    if initialization == KMEANS_PLUS_PLUS:
        return "k-means++"
    if initialization == RANDOM:
        return "random"
    if initialization == KMEANS_PLUS_PLUS_FAST:
        # Classic k-means++ (one candidate per step) instead of the greedy variant: fewer distance passes.
        centres, _ = kmeans_plusplus(matrix, n_clusters, random_state=seed, n_local_trials=1)
        return centres
    if initialization == FIRST_N:
        return matrix[:n_clusters].copy()
    if initialization == EVENLY:
        # Centres evenly spaced along the diagonal of the data's bounding box, equally far apart.
        low, high = matrix.min(axis=0), matrix.max(axis=0)
        steps = (np.arange(n_clusters) + 0.5) / n_clusters
        return low + steps[:, None] * (high - low)
    assert labels is not None
    return _class_means(matrix, labels, n_clusters)


def _class_means(matrix: np.ndarray, labels: pd.Series, n_clusters: int) -> np.ndarray:
    known = labels.notna().to_numpy()
    classes = sorted(labels[known].unique().tolist(), key=lambda v: (str(type(v)), v))
    if len(classes) != n_clusters:
        raise ModuleError(
            "label_classes_mismatch",
            f"Initialization 'Use label column' puts one centroid at the mean of each class, so Number of "
            f"centroids must equal the number of classes in '{labels.name}' ({len(classes)}); it is {n_clusters}.",
            parameter="number_of_centroids",
            column=str(labels.name),
        )
    values = labels.to_numpy()
    return np.vstack([matrix[known & (values == cls)].mean(axis=0) for cls in classes])


def _seeded_centres(method: str, matrix: np.ndarray, n_clusters: int, seed: int) -> np.ndarray:
    if method == "k-means++":
        centres, _ = kmeans_plusplus(matrix, n_clusters, random_state=seed)
        return centres
    rows = np.random.RandomState(seed).permutation(len(matrix))[:n_clusters]
    return matrix[rows].copy()


def _spherical_k_means(unit_rows: np.ndarray, start: np.ndarray, iterations: int) -> np.ndarray:
    centres = normalize(start)
    for _ in range(iterations):
        assignments = np.argmax(unit_rows @ centres.T, axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, assignments, unit_rows)
        # A centre that lost all its rows (or whose rows cancel out) stays where it was.
        empty = np.linalg.norm(sums, axis=1) == 0
        sums[empty] = centres[empty]
        moved = normalize(sums)
        shift = np.max(1.0 - np.sum(moved * centres, axis=1))
        centres = moved
        if shift <= _COSINE_TOLERANCE:
            break
    return centres


def _closest_labels(model: ClusterModel, matrix: np.ndarray, labels: pd.Series) -> list[Any]:
    known = labels.notna().to_numpy()
    if not known.any():
        raise ModuleError(
            "all_missing_column",
            f"The label column '{labels.name}' has no values, so clusters cannot take a label from it. "
            "Choose 'Ignore label column' or fill the labels.",
            column=str(labels.name),
            parameter="assign_label_mode",
        )
    _, distances = model.assign(matrix[known])
    known_labels = labels[known].tolist()
    return [known_labels[i] for i in np.argmin(distances, axis=0)]


NUMBER_OF_CENTROIDS, RANGE_FOR_NUMBER_OF_CENTROIDS = swept(
    IntParam(
        "number_of_centroids",
        "Number of centroids",
        default=2,
        min=2,
        description="How many clusters to find.",
    ),
    "range_for_number_of_centroids",
    "Range for Number of Centroids",
    "2; 3; 4; 5",
)


@register
class KMeansClustering(Module):
    """Configure a K-Means clustering model, to train with Train Clustering Model.

    K-Means groups rows into a chosen number of clusters so that each row is close to its cluster's
    centre. Use Euclidean distance for most numeric data, Cosine to compare the direction of rows
    (for example word counts) regardless of their size. With *Normalize features*, every feature is
    first scaled to [0, 1] so that large-valued columns do not dominate. Text columns become one 0/1
    column per category. Rows with missing values are refused: add Clean Missing Data first.
    """

    key = MODULE_KEY
    title = "K-Means Clustering"
    category = Category.CLUSTERING
    outputs = (Port("untrained_model", "Untrained model", PortType.UNTRAINED_CLUSTER_MODEL),)
    params = (
        trainer_mode_param("create_trainer_mode", "Create trainer mode"),
        NUMBER_OF_CENTROIDS,
        RANGE_FOR_NUMBER_OF_CENTROIDS,
        ChoiceParam(
            "metric",
            "Metric",
            default=EUCLIDEAN,
            choices=(EUCLIDEAN, COSINE),
            description="How closeness is measured: straight-line distance, or the angle between rows.",
        ),
        BoolParam(
            "normalize_features",
            "Normalize features",
            default=True,
            description="Scale every feature to [0, 1] (min-max, learned on the training rows) first.",
        ),
        ChoiceParam(
            "initialization",
            "Initialization",
            default=KMEANS_PLUS_PLUS,
            choices=INITIALIZATIONS,
            description="How the first centres are chosen. First N takes the first rows; Evenly spaces them "
            "along the data's range; Use label column starts at each class's mean.",
            visible_when=when_single("create_trainer_mode"),
        ),
        ChoiceParam(
            "initialization_for_sweep",
            "Initialization for sweep",
            default=KMEANS_PLUS_PLUS,
            choices=INITIALIZATIONS,
            visible_when=when_range("create_trainer_mode"),
        ),
        IntParam(
            "iterations",
            "Iterations",
            default=100,
            min=1,
            description="The most refinement passes over the data.",
        ),
        seed_param(**when_single("create_trainer_mode"), initialization=SEEDED_INITIALIZATIONS),
        replace(
            seed_param(**when_range("create_trainer_mode"), initialization_for_sweep=SEEDED_INITIALIZATIONS),
            name="random_number_seed_for_sweep",
        ),
        ChoiceParam(
            "assign_label_mode",
            "Assign label mode",
            default=IGNORE_LABEL,
            choices=LABEL_MODES,
            description="When the data has a label column: leave it alone, fill its missing values, or "
            "overwrite it, with the label of the labelled row closest to each cluster's centre.",
        ),
    )

    def run(self, ctx: RunContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"untrained_model": KMeansLearner(dict(params))}
