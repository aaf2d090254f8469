"""K-Means Clustering, Train Clustering Model and Assign Data to Clusters against scikit-learn directly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.metrics.pairwise import cosine_distances
from sklearn.preprocessing import MinMaxScaler, normalize

from modules.clustering.k_means import KMeansClustering
from modules.clustering.training import AssignDataToClusters, TrainClusteringModel
from modules.sdk import ASSIGNMENTS, DataTable, ModuleError, RunContext, cluster_distance_column
from tests.modules import data

APPEND = "check_for_append_or_uncheck_for_result_only"
WINE_FEATURES = [c for c in data.wine().columns if c != "cultivar"]


def learner(**params: Any) -> Any:
    return KMeansClustering.execute(RunContext(), params)["untrained_model"]


def train(table: DataTable, seed: int = 0, train_params: dict[str, Any] | None = None, **params: Any):
    outputs = TrainClusteringModel.execute(
        RunContext(seed=seed), train_params or {}, untrained_model=learner(**params), dataset=table
    )
    return outputs["trained_model"], outputs["results_dataset"]


def labelled_wine() -> DataTable:
    return data.wine().with_meta("cultivar", is_label=True)


def distances(results: DataTable, k: int) -> np.ndarray:
    return results.df[[cluster_distance_column(j) for j in range(k)]].to_numpy()


def sklearn_k_means(matrix: np.ndarray, k: int, init: Any, seed: int, iterations: int = 100) -> KMeans:
    return KMeans(n_clusters=k, init=init, n_init=1, max_iter=iterations, random_state=seed).fit(matrix)


@pytest.mark.parametrize(
    ("initialization", "sklearn_init"), [("K-Means++", "k-means++"), ("Random", "random"), ("First N", None)]
)
@pytest.mark.parametrize("normalize_features", [True, False])
def test_euclidean_matches_sklearn(initialization: str, sklearn_init: Any, normalize_features: bool) -> None:
    table = labelled_wine()
    model, results = train(
        table,
        number_of_centroids=3,
        initialization=initialization,
        random_number_seed=11,
        normalize_features=normalize_features,
        iterations=50,
    )
    matrix = table.df[WINE_FEATURES].to_numpy(dtype=float)
    if normalize_features:
        matrix = MinMaxScaler().fit_transform(matrix)
    init = matrix[:3] if sklearn_init is None else sklearn_init
    reference = sklearn_k_means(matrix, 3, init, seed=11, iterations=50)
    np.testing.assert_array_equal(model.centres, reference.cluster_centers_)
    np.testing.assert_array_equal(results.df[ASSIGNMENTS].to_numpy(), reference.labels_)
    np.testing.assert_array_equal(results.df[ASSIGNMENTS].to_numpy(), reference.predict(matrix))
    np.testing.assert_allclose(distances(results, 3), reference.transform(matrix), rtol=0, atol=1e-12)


def test_fast_k_means_plus_plus_and_evenly_start_where_documented() -> None:
    table = labelled_wine()
    matrix = MinMaxScaler().fit_transform(table.df[WINE_FEATURES].to_numpy(dtype=float))
    fast_model, _ = train(table, number_of_centroids=4, initialization="K-Means++ Fast", random_number_seed=3)
    start, _ = kmeans_plusplus(matrix, 4, random_state=3, n_local_trials=1)
    np.testing.assert_array_equal(
        fast_model.centres, sklearn_k_means(matrix, 4, start, seed=3).cluster_centers_
    )

    even_model, _ = train(table, number_of_centroids=4, initialization="Evenly")
    low, high = matrix.min(axis=0), matrix.max(axis=0)
    diagonal = low + np.array([[0.125], [0.375], [0.625], [0.875]]) * (high - low)
    np.testing.assert_array_equal(
        even_model.centres, sklearn_k_means(matrix, 4, diagonal, seed=0).cluster_centers_
    )


def test_use_label_column_starts_at_class_means_and_needs_one_centroid_per_class() -> None:
    table = labelled_wine()
    model, _ = train(table, number_of_centroids=3, initialization="Use label column")
    matrix = MinMaxScaler().fit_transform(table.df[WINE_FEATURES].to_numpy(dtype=float))
    labels = table.df["cultivar"].to_numpy()
    means = np.vstack([matrix[labels == c].mean(axis=0) for c in ("class_0", "class_1", "class_2")])
    np.testing.assert_array_equal(model.centres, sklearn_k_means(matrix, 3, means, seed=0).cluster_centers_)
    with pytest.raises(ModuleError) as caught:
        train(table, number_of_centroids=4, initialization="Use label column")
    assert caught.value.code == "label_classes_mismatch" and caught.value.parameter == "number_of_centroids"
    with pytest.raises(ModuleError) as caught:
        train(data.wine(), number_of_centroids=3, initialization="Use label column")
    assert caught.value.code == "no_label_column"


def test_cosine_is_spherical_k_means() -> None:
    table = labelled_wine()
    model, results = train(table, number_of_centroids=3, metric="Cosine", random_number_seed=4)
    unit_rows = normalize(MinMaxScaler().fit_transform(table.df[WINE_FEATURES].to_numpy(dtype=float)))
    expected = cosine_distances(unit_rows, model.centres)
    np.testing.assert_allclose(distances(results, 3), expected, rtol=0, atol=1e-12)
    assignments = results.df[ASSIGNMENTS].to_numpy()
    np.testing.assert_array_equal(assignments, expected.argmin(axis=1))
    # Converged: every centre is the unit-length mean direction of its rows.
    for k in range(3):
        np.testing.assert_allclose(
            model.centres[k], normalize(unit_rows[assignments == k].sum(axis=0)[None])[0]
        )
    # And the clusters found are real: they mostly agree with the three cultivars.
    agreement = pd.crosstab(assignments, table.df["cultivar"]).max(axis=1).sum() / len(table)
    assert agreement > 0.8


def test_assign_data_to_clusters_scores_new_rows_like_sklearn_predict() -> None:
    table = labelled_wine()
    first, rest = table.with_frame(table.df.iloc[::2].copy()), table.with_frame(table.df.iloc[1::2].copy())
    model, _ = train(first, number_of_centroids=3, random_number_seed=8, normalize_features=False)
    before = rest.df.copy()
    appended = AssignDataToClusters.execute(RunContext(), {}, trained_model=model, dataset=rest)[
        "results_dataset"
    ]
    pd.testing.assert_frame_equal(rest.df, before)  # the input is not mutated
    reference = sklearn_k_means(first.df[WINE_FEATURES].to_numpy(dtype=float), 3, "k-means++", seed=8)
    new_rows = rest.df[WINE_FEATURES].to_numpy(dtype=float)
    np.testing.assert_array_equal(appended.df[ASSIGNMENTS].to_numpy(), reference.predict(new_rows))
    np.testing.assert_allclose(distances(appended, 3), reference.transform(new_rows), rtol=0, atol=1e-12)
    assert appended.columns[: len(rest.columns)] == rest.columns
    assert appended.meta[ASSIGNMENTS].is_score and not appended.meta[ASSIGNMENTS].is_feature
    assert appended.meta["cultivar"].is_label

    alone = AssignDataToClusters.execute(RunContext(), {APPEND: False}, trained_model=model, dataset=rest)
    assert alone["results_dataset"].columns == [ASSIGNMENTS] + [cluster_distance_column(k) for k in range(3)]
    # Assigning an already-clustered table replaces its cluster columns instead of duplicating them.
    again = AssignDataToClusters.execute(RunContext(), {}, trained_model=model, dataset=appended)
    pd.testing.assert_frame_equal(again["results_dataset"].df, appended.df)


def test_column_set_picks_the_features_and_never_the_label() -> None:
    table = labelled_wine()
    chosen = ["alcohol", "malic_acid", "cultivar"]
    model, _ = train(table, train_params={"column_set": chosen}, number_of_centroids=2, random_number_seed=1)
    assert model.feature_columns == ["alcohol", "malic_acid"]
    reference = sklearn_k_means(
        MinMaxScaler().fit_transform(table.df[chosen[:2]].to_numpy()), 2, "k-means++", 1
    )
    np.testing.assert_array_equal(model.centres, reference.cluster_centers_)


def test_text_features_are_one_hot_encoded() -> None:
    penguins = data.penguins().df.dropna().reset_index(drop=True)
    table = DataTable(penguins[["island", "bill_length_mm", "body_mass_g"]])
    model, results = train(table, number_of_centroids=3, random_number_seed=2)
    island = pd.get_dummies(penguins["island"]).to_numpy(dtype=float)
    matrix = MinMaxScaler().fit_transform(np.hstack([island, penguins[["bill_length_mm", "body_mass_g"]]]))
    reference = sklearn_k_means(matrix, 3, "k-means++", seed=2)
    np.testing.assert_array_equal(results.df[ASSIGNMENTS].to_numpy(), reference.labels_)


@pytest.mark.parametrize("mode", ["Overwrite from closest to center", "Fill missing values"])
def test_assign_label_mode_takes_the_label_closest_to_each_centre(mode: str) -> None:
    frame = data.wine().df
    frame.loc[::3, "cultivar"] = None
    table = DataTable(frame).with_meta("cultivar", is_label=True)
    settings = {"number_of_centroids": 3, "random_number_seed": 5, "assign_label_mode": mode}
    model, results = train(table, **settings)
    model_learner = learner(**settings)
    matrix = MinMaxScaler().fit_transform(frame[WINE_FEATURES].to_numpy(dtype=float))
    known = frame["cultivar"].notna().to_numpy()
    nearest = np.argmin(((matrix[known][:, None, :] - model.centres[None]) ** 2).sum(axis=2), axis=0)
    cluster_label = frame["cultivar"][known].to_numpy()[nearest]
    from_cluster = cluster_label[results.df[ASSIGNMENTS].to_numpy()]
    if mode == "Fill missing values":
        expected = np.where(known, frame["cultivar"].to_numpy(), from_cluster)
    else:
        expected = from_cluster
    np.testing.assert_array_equal(results.df["cultivar"].to_numpy(), expected)
    alone = TrainClusteringModel.execute(
        RunContext(seed=5), {APPEND: False}, untrained_model=model_learner, dataset=table
    )["results_dataset"]
    assert alone.columns == ["cultivar", ASSIGNMENTS] + [cluster_distance_column(k) for k in range(3)]


def test_parameter_range_mode_sweeps_and_trains_with_defaults() -> None:
    swept = learner(
        create_trainer_mode="Parameter Range",
        range_for_number_of_centroids="2; 4",
        initialization_for_sweep="First N",
    )
    assert swept.sweep_space() == {"number_of_centroids": [2, 4]}
    model, _ = train(
        labelled_wine(),
        create_trainer_mode="Parameter Range",
        range_for_number_of_centroids="3; 4",
        initialization_for_sweep="First N",
    )
    assert len(model.centres) == 2  # the single-value default, as the reference product does
    tuned = swept.with_params(number_of_centroids=4)
    assert tuned.sweep_space() == {}
    assert tuned.params["number_of_centroids"] == 4 and tuned.params["initialization"] == "First N"


def test_same_seed_same_clusters_and_seed_matters() -> None:
    one, _ = train(labelled_wine(), seed=1, number_of_centroids=5, initialization="Random")
    again, _ = train(labelled_wine(), seed=1, number_of_centroids=5, initialization="Random")
    other, _ = train(labelled_wine(), seed=2, number_of_centroids=5, initialization="Random")
    np.testing.assert_array_equal(one.centres, again.centres)
    assert not np.array_equal(one.centres, other.centres)


def _frame_with(**columns: Any) -> DataTable:
    base = data.wine().df[["alcohol", "malic_acid"]].head(60).copy()
    for name, values in columns.items():
        base[name] = values
    return DataTable(base)


@pytest.mark.parametrize(
    ("table", "train_params", "code"),
    [
        (lambda: _frame_with(extra=np.nan), {}, "all_missing_column"),
        (lambda: _frame_with(alcohol=[np.nan] + [1.0] * 59), {}, "missing_values"),
        (
            lambda: DataTable(pd.DataFrame({"id": [f"row{i}" for i in range(1200)]})),
            {},
            "high_cardinality_feature",
        ),
        (lambda: DataTable(data.wine().df.head(0)), {}, "empty_dataset"),
        (lambda: DataTable(data.wine().df.head(1)), {}, "too_few_rows"),
        (lambda: data.wine(), {"column_set": ["no such column"]}, "missing_column"),
        (
            lambda: DataTable(data.wine().df[["cultivar"]]).with_meta("cultivar", is_label=True),
            {},
            "no_feature_columns",
        ),
    ],
)
def test_bad_inputs_give_clear_errors(table: Any, train_params: dict[str, Any], code: str) -> None:
    with pytest.raises(ModuleError) as caught:
        train(table(), train_params=train_params, number_of_centroids=2)
    assert caught.value.code == code, caught.value.as_dict()
    assert "Traceback" not in caught.value.message


def test_training_modules_refuse_other_models() -> None:
    with pytest.raises(ModuleError) as caught:
        TrainClusteringModel.execute(RunContext(), {}, untrained_model=object(), dataset=data.wine())
    assert caught.value.code == "wrong_input" and caught.value.port == "untrained_model"
    with pytest.raises(ModuleError) as caught:
        AssignDataToClusters.execute(RunContext(), {}, trained_model=learner(), dataset=data.wine())
    assert caught.value.code == "wrong_input" and caught.value.port == "trained_model"
