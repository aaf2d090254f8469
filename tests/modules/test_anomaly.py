"""Anomaly detectors against scikit-learn called directly, on real data with known anomalies.

Breast cancer (Wisconsin): the detectors learn from benign tumours only; malignant ones are the
anomalies to find among all the rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.ensemble import IsolationForest as SkIsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.svm import OneClassSVM

from modules.anomaly.isolation_forest import IsolationForest
from modules.anomaly.one_class_svm import OneClassSupportVectorMachine
from modules.anomaly.pca import PcaBasedAnomalyDetection
from modules.anomaly.train import TrainAnomalyDetectionModel
from modules.sdk import SCORED_LABELS, SCORED_PROBABILITIES, DataTable, ModuleError, RunContext
from tests.modules import data

FEATURES = [c for c in data.breast_cancer().columns if c != "diagnosis"]


def all_tumours() -> DataTable:
    return data.breast_cancer().with_meta("diagnosis", is_label=True)


def benign_tumours() -> DataTable:
    table = all_tumours()
    return table.with_frame(table.df[table.df["diagnosis"] == "benign"].reset_index(drop=True))


def fit(module: Any, params: dict[str, Any], table: DataTable, seed: int = 0) -> Any:
    untrained = module.execute(RunContext(), params)["untrained_model"]
    return TrainAnomalyDetectionModel.execute(
        RunContext(seed=seed), {}, untrained_model=untrained, dataset=table
    )["trained_model"]


def matrix(table: DataTable) -> np.ndarray:
    return table.df[FEATURES].to_numpy(dtype=float)


def tukey_fence(errors: np.ndarray) -> float:
    q1, q3 = np.percentile(errors, [25, 75])
    return q3 + 3 * (q3 - q1)


def squared_reconstruction_error(estimator: Any, x: np.ndarray) -> np.ndarray:
    return ((x - estimator.inverse_transform(estimator.transform(x))) ** 2).sum(axis=1)


@pytest.mark.parametrize(("components", "oversampling"), [(2, 2), (5, 10)])
def test_pca_with_mean_normalization_matches_sklearn_pca(components: int, oversampling: int) -> None:
    params = {
        "number_of_components_to_use_in_pca": components,
        "oversampling_parameter_for_randomized_pca": oversampling,
        "enable_input_feature_mean_normalization": True,
    }
    model = fit(PcaBasedAnomalyDetection, params, benign_tumours(), seed=13)
    pca = PCA(components, svd_solver="randomized", n_oversamples=oversampling, random_state=13)
    pca.fit(matrix(benign_tumours()))
    train_errors = squared_reconstruction_error(pca, matrix(benign_tumours()))
    errors = squared_reconstruction_error(pca, matrix(all_tumours()))
    threshold = tukey_fence(train_errors)
    assert model.detector.threshold == pytest.approx(threshold, rel=1e-9)
    np.testing.assert_allclose(model.detector.reconstruction_error(matrix(all_tumours())), errors, rtol=1e-9)
    scores = model.score(all_tumours())
    np.testing.assert_allclose(scores[SCORED_PROBABILITIES], errors / (errors + threshold), rtol=1e-9)
    np.testing.assert_array_equal(scores[SCORED_LABELS], (errors > threshold).astype(int))
    malignant = (all_tumours().df["diagnosis"] == "malignant").astype(int)
    assert roc_auc_score(malignant, scores[SCORED_PROBABILITIES]) > 0.7


def test_pca_without_normalization_is_an_uncentred_subspace_like_truncated_svd() -> None:
    model = fit(PcaBasedAnomalyDetection, {"number_of_components_to_use_in_pca": 3}, benign_tumours(), seed=4)
    # PCA's randomized solver uses 7 power iterations when components < 10% of the features, else 4.
    svd = TruncatedSVD(3, algorithm="randomized", n_oversamples=2, n_iter=4, random_state=4)
    svd.fit(matrix(benign_tumours()))
    errors = squared_reconstruction_error(svd, matrix(all_tumours()))
    np.testing.assert_allclose(model.detector.reconstruction_error(matrix(all_tumours())), errors, rtol=1e-9)


def test_pca_oversampling_zero_is_allowed_and_close_to_exact() -> None:
    params = {"oversampling_parameter_for_randomized_pca": 0, "enable_input_feature_mean_normalization": True}
    model = fit(PcaBasedAnomalyDetection, params, benign_tumours())
    exact = PCA(2, svd_solver="full").fit(matrix(benign_tumours()))
    errors = squared_reconstruction_error(exact, matrix(all_tumours()))
    np.testing.assert_allclose(model.detector.reconstruction_error(matrix(all_tumours())), errors, rtol=1e-6)


@pytest.mark.parametrize(
    ("params", "sklearn_params"),
    [
        ({}, {"nu": 0.1, "tol": 0.001}),
        (
            {
                "eta": 0.05,
                "epsilon": 0.01,
                "kernel_type": "Polynomial",
                "gamma": 0.5,
                "degree": 2,
                "coef0": 1.0,
            },
            {"nu": 0.05, "tol": 0.01, "kernel": "poly", "gamma": 0.5, "degree": 2, "coef0": 1.0},
        ),
        ({"kernel_type": "Linear"}, {"nu": 0.1, "tol": 0.001, "kernel": "linear"}),
    ],
)
def test_one_class_svm_matches_sklearn(params: dict[str, Any], sklearn_params: dict[str, Any]) -> None:
    # Standardised features: kernels compare distances, so scale matters (as Normalize Data would do).
    frame = all_tumours().df.copy()
    frame[FEATURES] = (frame[FEATURES] - frame[FEATURES].mean()) / frame[FEATURES].std()
    table = all_tumours().with_frame(frame)
    benign = table.with_frame(frame[frame["diagnosis"] == "benign"].reset_index(drop=True))
    model = fit(OneClassSupportVectorMachine, params, benign)
    reference = OneClassSVM(**sklearn_params).fit(matrix(benign))
    spread = np.std(reference.decision_function(matrix(benign)))
    scores = model.score(table)
    decision = reference.decision_function(matrix(table))
    np.testing.assert_allclose(scores[SCORED_PROBABILITIES], expit(-decision / spread), rtol=1e-12)
    np.testing.assert_array_equal(scores[SCORED_LABELS], (reference.predict(matrix(table)) == -1).astype(int))
    assert ((scores[SCORED_PROBABILITIES] > 0.5) == (scores[SCORED_LABELS] == 1)).all()
    malignant = (table.df["diagnosis"] == "malignant").astype(int)
    if sklearn_params.get("kernel", "rbf") == "rbf":
        assert roc_auc_score(malignant, scores[SCORED_PROBABILITIES]) > 0.9


@pytest.mark.parametrize(
    ("params", "sklearn_params"),
    [
        ({"number_of_trees": 50, "random_number_seed": 9}, {"n_estimators": 50, "random_state": 9}),
        (
            {"number_of_trees": 30, "maximum_samples_per_tree": 100, "contamination": 0.1, "bootstrap": True},
            {
                "n_estimators": 30,
                "max_samples": 100,
                "contamination": 0.1,
                "bootstrap": True,
                "random_state": 21,
            },
        ),
        (
            {"fraction_of_features_per_tree": 0.5, "random_number_seed": 1},
            {"max_features": 0.5, "random_state": 1},
        ),
    ],
)
def test_isolation_forest_matches_sklearn(params: dict[str, Any], sklearn_params: dict[str, Any]) -> None:
    model = fit(IsolationForest, params, benign_tumours(), seed=21)
    reference = SkIsolationForest(**sklearn_params).fit(matrix(benign_tumours()))
    scores = model.score(all_tumours())
    np.testing.assert_array_equal(
        scores[SCORED_PROBABILITIES], -reference.score_samples(matrix(all_tumours()))
    )
    np.testing.assert_array_equal(
        scores[SCORED_LABELS], (reference.predict(matrix(all_tumours())) == -1).astype(int)
    )
    malignant = (all_tumours().df["diagnosis"] == "malignant").astype(int)
    assert roc_auc_score(malignant, scores[SCORED_PROBABILITIES]) > 0.85


def test_label_column_is_ignored_in_training_and_scores_keep_row_order() -> None:
    with_label = fit(IsolationForest, {"number_of_trees": 10}, benign_tumours(), seed=3)
    without_label = fit(
        IsolationForest, {"number_of_trees": 10}, DataTable(benign_tumours().df[FEATURES]), seed=3
    )
    assert with_label.feature_columns == FEATURES == without_label.feature_columns
    assert with_label.label_column == "diagnosis"
    shuffled = all_tumours().with_frame(all_tumours().df.sample(frac=1.0, random_state=0))
    scores = with_label.score(shuffled)
    assert scores.index.equals(shuffled.df.index)
    pd.testing.assert_frame_equal(scores, without_label.score(shuffled))


def test_scores_are_anomaly_scores_in_unit_interval_for_every_detector() -> None:
    for module, params in (
        (PcaBasedAnomalyDetection, {"enable_input_feature_mean_normalization": True}),
        (OneClassSupportVectorMachine, {}),
        (IsolationForest, {"number_of_trees": 10}),
    ):
        scores = fit(module, params, benign_tumours()).score(all_tumours())
        assert scores.columns.tolist() == [SCORED_LABELS, SCORED_PROBABILITIES]
        assert scores[SCORED_PROBABILITIES].between(0, 1).all()
        assert set(scores[SCORED_LABELS].unique()) <= {0, 1}


def test_parameter_range_mode() -> None:
    untrained = PcaBasedAnomalyDetection.execute(
        RunContext(),
        {
            "training_mode": "Parameter Range",
            "range_for_number_of_pca_components": "1; 3",
            "range_for_the_oversampling_parameter_used_in_randomized_pca": "4",
        },
    )["untrained_model"]
    assert untrained.sweep_space() == {
        "number_of_components_to_use_in_pca": [1, 3],
        "oversampling_parameter_for_randomized_pca": [4],
    }
    tuned = untrained.with_params(number_of_components_to_use_in_pca=3)
    assert tuned.sweep_space() == {} and tuned.params["number_of_components_to_use_in_pca"] == 3
    model = TrainAnomalyDetectionModel.execute(
        RunContext(), {}, untrained_model=tuned, dataset=benign_tumours()
    )
    assert model["trained_model"].detector.components.shape == (3, len(FEATURES))


def _wine_with(**columns: Any) -> DataTable:
    frame = data.wine().df.drop(columns="cultivar").head(100)
    for name, values in columns.items():
        frame[name] = values
    return DataTable(frame)


@pytest.mark.parametrize(
    ("table", "module", "params", "code"),
    [
        (lambda: _wine_with(extra=np.nan), IsolationForest, {}, "all_missing_column"),
        (
            lambda: _wine_with(alcohol=[np.nan] + [13.0] * 99),
            OneClassSupportVectorMachine,
            {},
            "missing_values",
        ),
        (
            lambda: DataTable(
                pd.DataFrame({"id": [f"wine {i}" for i in range(1500)], "x": np.arange(1500.0)})
            ),
            IsolationForest,
            {},
            "high_cardinality_feature",
        ),
        (lambda: DataTable(data.wine().df.head(0)), PcaBasedAnomalyDetection, {}, "empty_dataset"),
        (
            lambda: _wine_with(),
            PcaBasedAnomalyDetection,
            {"number_of_components_to_use_in_pca": 14},
            "too_many_components",
        ),
        (
            lambda: DataTable(data.wine().df[["cultivar"]]).with_meta("cultivar", is_label=True),
            IsolationForest,
            {},
            "no_feature_columns",
        ),
    ],
)
def test_bad_inputs_give_clear_errors(table: Any, module: Any, params: dict[str, Any], code: str) -> None:
    with pytest.raises(ModuleError) as caught:
        fit(module, params, table())
    assert caught.value.code == code, caught.value.as_dict()


def test_train_anomaly_detection_model_refuses_other_learners() -> None:
    with pytest.raises(ModuleError) as caught:
        TrainAnomalyDetectionModel.execute(RunContext(), {}, untrained_model=object(), dataset=data.wine())
    assert caught.value.code == "wrong_input" and caught.value.port == "untrained_model"


def test_training_does_not_mutate_its_input() -> None:
    table = benign_tumours()
    before = table.df.copy()
    fit(PcaBasedAnomalyDetection, {"enable_input_feature_mean_normalization": True}, table)
    pd.testing.assert_frame_equal(table.df, before)
