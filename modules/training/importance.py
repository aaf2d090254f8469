"""Permutation feature importance: how much a metric worsens when one feature's values are shuffled.

Runs through scikit-learn's ``permutation_importance`` (one shuffle per feature, the given seed), with
the trained model wrapped as an estimator and the chosen metric as the scorer, so the permutations are
exactly scikit-learn's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.base import BaseEstimator
from sklearn.inspection import permutation_importance

from modules.sdk import SCORED_LABELS, SCORED_PROBABILITIES, DataTable, ModuleError, Task, TrainedModel
from modules.sdk.models import scored_probability_column

from .metrics import comparable_labels

CLASSIFICATION_PREFIX = "Classification - "
REGRESSION_PREFIX = "Regression - "
PFI_METRICS = (
    "Classification - Accuracy",
    "Classification - Precision",
    "Classification - Recall",
    "Regression - Mean Absolute Error",
    "Regression - Root Mean Squared Error",
    "Regression - Relative Absolute Error",
    "Regression - Relative Squared Error",
    "Regression - Coefficient of Determination",
    "Classification - Average Log Loss",
)
# Metrics where smaller is better: their importance is the increase in error.
ERROR_METRICS = {
    "Classification - Average Log Loss",
    "Regression - Mean Absolute Error",
    "Regression - Root Mean Squared Error",
    "Regression - Relative Absolute Error",
    "Regression - Relative Squared Error",
}


# Anomaly detectors score like two-class models (label 1 = anomaly), so the classification metrics apply.
BINARY_TASKS = (Task.BINARY, Task.ANOMALY)
EXPLAINABLE_TASKS = (*BINARY_TASKS, Task.MULTICLASS, Task.REGRESSION)


def default_metric(model: TrainedModel) -> str:
    if model.task == Task.REGRESSION:
        return "Regression - Coefficient of Determination"
    return "Classification - Accuracy"


def _classification_value(metric: str, model: TrainedModel, truth: pd.Series, scores: pd.DataFrame) -> float:
    t, p = comparable_labels(truth, scores[SCORED_LABELS])
    classes = list(model.classes or [])
    binary = model.task in BINARY_TASKS
    if metric == "Classification - Accuracy":
        return float(skm.accuracy_score(t, p))
    if metric == "Classification - Average Log Loss":
        if binary:
            return float(skm.log_loss(t == classes[1], scores[SCORED_PROBABILITIES], labels=[False, True]))
        matrix = scores[[scored_probability_column(c) for c in classes]].to_numpy()
        return float(skm.log_loss(t, matrix, labels=classes))
    score_function = skm.precision_score if metric == "Classification - Precision" else skm.recall_score
    if binary:
        return float(score_function(t, p, pos_label=classes[1], zero_division=0.0))
    return float(score_function(t, p, labels=classes, average="macro", zero_division=0.0))


def _regression_value(metric: str, truth: np.ndarray, predicted: np.ndarray) -> float:
    residual = truth - predicted
    spread = truth - truth.mean()
    if metric == "Regression - Mean Absolute Error":
        return float(np.abs(residual).mean())
    if metric == "Regression - Root Mean Squared Error":
        return float(np.sqrt((residual**2).mean()))
    if metric == "Regression - Relative Absolute Error":
        return float(np.abs(residual).sum() / np.abs(spread).sum())
    relative_squared = float((residual**2).sum() / (spread**2).sum())
    return relative_squared if metric == "Regression - Relative Squared Error" else 1.0 - relative_squared


def metric_function(model: TrainedModel, metric: str) -> Callable[[pd.DataFrame, pd.Series], float]:
    """A function of (feature rows, true labels) giving the metric of the model's scores on them."""
    regression = model.task == Task.REGRESSION
    if regression != metric.startswith(REGRESSION_PREFIX) or model.task not in EXPLAINABLE_TASKS:
        raise ModuleError(
            "metric_task_mismatch",
            f"'{metric}' does not fit a {model.task} model; pick a "
            f"{'regression' if regression else 'classification'} metric.",
            parameter="metric_for_measuring_performance",
        )

    def value(rows: pd.DataFrame, truth: pd.Series) -> float:
        scores = model.score(DataTable(rows.reset_index(drop=True)))
        if regression:
            return _regression_value(
                metric, truth.to_numpy(dtype=np.float64), scores[SCORED_LABELS].to_numpy()
            )
        return _classification_value(metric, model, truth.reset_index(drop=True), scores)

    return value


class _ScoringAdapter(BaseEstimator):
    """Lets scikit-learn's permutation_importance drive a trained model (it is never refitted)."""

    def __init__(self, model: TrainedModel | None = None) -> None:
        self.model = model

    def fit(self, X: Any, y: Any = None) -> _ScoringAdapter:
        return self


def permutation_importances(
    model: TrainedModel, table: DataTable, metric: str, seed: int
) -> list[tuple[str, float]]:
    """(feature, importance) for each of the model's feature columns, most important first."""
    label = model.label_column
    if not label or label not in table.df.columns:
        raise ModuleError(
            "missing_column",
            f"The test data needs the label column '{label}' the model was trained on, to measure how "
            "good its scores are.",
            column=label,
            port="test_data",
        )
    table.require_columns(model.feature_columns)
    known = table.df[label].notna()
    if not known.any():
        raise ModuleError("empty_dataset", "The test data has no rows with a label.", port="test_data")
    rows = table.df.loc[known, model.feature_columns].reset_index(drop=True)
    truth = table.df.loc[known, label].reset_index(drop=True)
    value = metric_function(model, metric)
    sign = -1.0 if metric in ERROR_METRICS else 1.0
    result = permutation_importance(
        _ScoringAdapter(model),
        rows,
        truth,
        scoring=lambda estimator, X, y: sign * value(X, y),
        n_repeats=1,
        random_state=seed,
    )
    pairs = list(zip(model.feature_columns, result.importances_mean.tolist(), strict=True))
    return sorted(pairs, key=lambda pair: -pair[1])
