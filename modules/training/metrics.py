"""Evaluation of scored datasets: which task they hold, their metrics and chart data.

Evaluate Model, Cross Validate Model, Tune Model Hyperparameters and Permutation Feature Importance all
use these functions, so a metric means the same thing everywhere.

Chart data is column-oriented: ``{"column name": [values ...]}``; a confusion matrix is
``{"labels": [...], "matrix": [[count of true label i predicted as j]]}``. Metrics that are undefined on
the data (AUC with one class present, relative errors of a constant label) are ``None``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from modules.sdk import (
    ASSIGNMENTS,
    SCORED_LABELS,
    SCORED_PROBABILITIES,
    DataTable,
    Evaluation,
    ModuleError,
    column_kind,
)

from .learners import QUANTILE_COLUMN_PREFIX, sort_key

# Column names the reference product's Evaluate Model also accepts from outside (e.g. a Python script).
EXTERNAL_LABELS = "Labels"
EXTERNAL_REGRESSION = "Regression Scored Labels"
EXTERNAL_BINARY_LABELS = "Binary Class Scored Labels"
EXTERNAL_BINARY_PROBABILITIES = "Binary Class Scored Probabilities"
EXTERNAL_MULTICLASS_LABELS = "Multi Class Scored Labels"
DISTANCE_PREFIX = "DistancesToClusterCenter no."
PROBABILITY_PREFIX = SCORED_PROBABILITIES + "_"

BINARY_THRESHOLD = 0.5
CURVE_BUCKETS = 1000  # "same precision as Studio v1"
THRESHOLD_TABLE_STEPS = 100
HISTOGRAM_BINS = 20
SCATTER_SAMPLE = 1000


def clean(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [clean(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


# -- what a scored dataset holds ------------------------------------------------------------------------
@dataclass
class Scored:
    """The parts of a scored dataset an evaluation reads (rows without a true label are dropped)."""

    kind: str
    truth: pd.Series | None = None
    labels: pd.Series | None = None
    probabilities: pd.DataFrame | None = None  # binary: one column; multiclass: one per class
    quantiles: dict[float, pd.Series] | None = None
    frame: pd.DataFrame | None = None  # clustering reads the whole frame


def read_scored(table: DataTable, port: str = "scored_dataset") -> Scored:
    df = table.df
    if len(df) == 0:
        raise ModuleError("empty_dataset", "The scored dataset has no rows.", port=port)
    if ASSIGNMENTS in df.columns:
        return Scored("clustering", frame=df)
    quantile_columns = [c for c in df.columns if c.startswith(QUANTILE_COLUMN_PREFIX)]
    label_names = [SCORED_LABELS, EXTERNAL_REGRESSION, EXTERNAL_BINARY_LABELS, EXTERNAL_MULTICLASS_LABELS]
    label_column = next((c for c in label_names if c in df.columns), None)
    if label_column is None and not quantile_columns:
        raise ModuleError(
            "not_scored",
            "This dataset has no score columns. Connect the output of Score Model (or Cross Validate "
            "Model's scored results) to Evaluate Model.",
            port=port,
        )
    truth_column = table.label_column or (EXTERNAL_LABELS if EXTERNAL_LABELS in df.columns else None)
    if truth_column is None:
        raise ModuleError(
            "no_label_column",
            "Evaluate Model compares the scores with the true values, but no column is marked as the label. "
            "Score a dataset that still has the label column, or mark it as the label with Edit Metadata.",
            port=port,
        )
    known = df[truth_column].notna()
    if not known.any():
        raise ModuleError(
            "all_missing_column",
            f"The label column '{truth_column}' has no values, so there is nothing to compare the scores with.",
            column=truth_column,
            port=port,
        )
    rows = df[known]
    truth = rows[truth_column]
    if quantile_columns:
        quantiles = {
            float(c[len(QUANTILE_COLUMN_PREFIX) :]): rows[c].astype(np.float64) for c in quantile_columns
        }
        return Scored("quantile_regression", truth=_numeric_truth(truth, truth_column), quantiles=quantiles)
    assert label_column is not None
    labels = rows[label_column]
    binary_probability = next(
        (c for c in (SCORED_PROBABILITIES, EXTERNAL_BINARY_PROBABILITIES) if c in df.columns), None
    )
    if binary_probability is not None:
        return Scored("binary", truth=truth, labels=labels, probabilities=rows[[binary_probability]])
    class_columns = [c for c in df.columns if c.startswith(PROBABILITY_PREFIX)]
    if class_columns or label_column == EXTERNAL_MULTICLASS_LABELS:
        probabilities = rows[class_columns].rename(columns=lambda c: c[len(PROBABILITY_PREFIX) :])
        return Scored("multiclass", truth=truth, labels=labels, probabilities=probabilities)
    regression = label_column == EXTERNAL_REGRESSION or (
        column_kind(labels) in ("integer", "double") and column_kind(truth) in ("integer", "double")
    )
    if regression:
        return Scored(
            "regression", truth=_numeric_truth(truth, truth_column), labels=labels.astype(np.float64)
        )
    return Scored("multiclass", truth=truth, labels=labels)


def _numeric_truth(truth: pd.Series, column: str) -> pd.Series:
    converted = pd.to_numeric(truth, errors="coerce")
    if converted.isna().any():
        raise ModuleError(
            "not_numeric",
            f"The label column '{column}' has text values, but the scores are numbers (regression). Check "
            "that the right model and label column were used.",
            column=column,
        )
    return converted.astype(np.float64)


def evaluate(table: DataTable, port: str = "scored_dataset") -> Evaluation:
    scored = read_scored(table, port)
    if scored.kind == "clustering":
        return clustering_evaluation(scored.frame)  # type: ignore[arg-type]
    if scored.kind == "quantile_regression":
        return quantile_evaluation(scored.truth, scored.quantiles)  # type: ignore[arg-type]
    if scored.kind == "regression":
        return regression_evaluation(scored.truth.to_numpy(), scored.labels.to_numpy())  # type: ignore[union-attr]
    if scored.kind == "binary":
        return binary_evaluation(scored.truth, scored.labels, scored.probabilities.iloc[:, 0])  # type: ignore[arg-type,union-attr]
    return multiclass_evaluation(scored.truth, scored.labels, scored.probabilities)  # type: ignore[arg-type]


def comparable_labels(truth: pd.Series, labels: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """True and predicted labels as arrays that compare equal when they mean the same class."""
    t, p = truth.to_numpy(dtype=object), labels.to_numpy(dtype=object)
    text = [column_kind(s) in ("string", "categorical") for s in (truth, labels)]
    if text[0] != text[1]:  # e.g. labels 0/1 read back as text: compare as text
        t, p = np.array([str(v) for v in t], dtype=object), np.array([str(v) for v in p], dtype=object)
    return t, p


# -- binary ---------------------------------------------------------------------------------------------
def positive_and_negative(truth: np.ndarray, labels: np.ndarray, probability: np.ndarray) -> tuple[Any, Any]:
    """Which label value the probability is for: the label predicted where it is above 0.5.

    Falls back to the reference rule (the second of the sorted label values is positive).
    """
    above = set(labels[probability > BINARY_THRESHOLD].tolist())
    below = set(labels[probability <= BINARY_THRESHOLD].tolist())
    values = sorted(set(truth.tolist()) | above | below, key=sort_key)
    positive = next(iter(above)) if len(above) == 1 else None
    negative = next(iter(below)) if len(below) == 1 else None
    if positive is None:
        rest = [v for v in values if v != negative]
        positive = rest[-1] if rest else values[-1]
    if negative is None:
        rest = [v for v in values if v != positive]
        negative = rest[0] if rest else None
    extra = [v for v in values if v not in (positive, negative)]
    if extra:
        raise ModuleError(
            "not_binary",
            f"The scores are for two classes but the label has other values too, like {str(extra[0])!r}. "
            "Evaluate the model on data with the same two label values it was trained on.",
        )
    return positive, negative


def confusion_counts(y: np.ndarray, predicted: np.ndarray) -> dict[str, int]:
    return {
        "True_Positive": int((predicted & y).sum()),
        "False_Positive": int((predicted & ~y).sum()),
        "True_Negative": int((~predicted & ~y).sum()),
        "False_Negative": int((~predicted & y).sum()),
    }


def rates(counts: dict[str, int]) -> dict[str, float | None]:
    tp, fp, tn, fn = (
        counts[k] for k in ("True_Positive", "False_Positive", "True_Negative", "False_Negative")
    )
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    return {
        "Accuracy": _ratio(tp + tn, tp + fp + tn + fn),
        "Precision": precision,
        "Recall": recall,
        "F1_Score": f1,
        "False_Positive_Rate": _ratio(fp, fp + tn),
    }


def binary_evaluation(truth: pd.Series, labels: pd.Series, probability: pd.Series) -> Evaluation:
    t, p = comparable_labels(truth, labels)
    scores = probability.to_numpy(dtype=np.float64)
    if np.isnan(scores).any():
        raise ModuleError("missing_scores", "Some rows have no Scored Probabilities; score every row first.")
    positive, negative = positive_and_negative(t, p, scores)
    y = t == positive
    counts = confusion_counts(y, scores > BINARY_THRESHOLD)
    both_classes = bool(y.any() and (~y).any())
    metrics: dict[str, Any] = {
        "AUC": skm.roc_auc_score(y, scores) if both_classes else None,
        **{k: v for k, v in rates(counts).items() if k != "False_Positive_Rate"},
        "Log_Loss": skm.log_loss(y, scores, labels=[False, True]),
        **counts,
        "Threshold": BINARY_THRESHOLD,
        "Positive_Label": str(positive),
        "Negative_Label": str(negative),
        "Number_of_Rows": len(y),
    }
    charts = {**_curves(y, scores), **_threshold_charts(y, scores)}
    charts["confusion_matrix"] = {
        "labels": [str(negative), str(positive)],
        "matrix": [
            [counts["True_Negative"], counts["False_Positive"]],
            [counts["False_Negative"], counts["True_Positive"]],
        ],
    }
    return Evaluation("binary", clean(metrics), clean(charts))


def _counts_above(y: np.ndarray, scores: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True and false positives when rows scoring above each threshold are called positive."""
    positives = np.sort(scores[y])
    negatives = np.sort(scores[~y])
    tp = len(positives) - np.searchsorted(positives, thresholds, side="right")
    fp = len(negatives) - np.searchsorted(negatives, thresholds, side="right")
    return tp, fp


def _curves(y: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """ROC, precision-recall and lift curves from up to 1000 score buckets (repeated points dropped)."""
    thresholds = np.linspace(0.0, 1.0, CURVE_BUCKETS + 1)
    tp, fp = _counts_above(y, scores, thresholds)
    n_pos, n_neg, n = int(y.sum()), int((~y).sum()), len(y)
    # Every row called positive is the curves' other end; no bucket threshold reaches it when a score is 0.
    tp = np.concatenate([[n_pos], tp])
    fp = np.concatenate([[n_neg], fp])
    cut: list[float | None] = [None, *thresholds.tolist()]
    keep = [0] + [i for i in range(1, len(tp)) if (tp[i], fp[i]) != (tp[i - 1], fp[i - 1])]
    roc: dict[str, list[Any]] = {"threshold": [], "false_positive_rate": [], "true_positive_rate": []}
    pr: dict[str, list[Any]] = {"threshold": [], "recall": [], "precision": []}
    lift: dict[str, list[Any]] = {"threshold": [], "fraction_predicted_positive": [], "true_positives": []}
    for i in keep:
        roc["threshold"].append(cut[i])
        roc["false_positive_rate"].append(_ratio(fp[i], n_neg))
        roc["true_positive_rate"].append(_ratio(tp[i], n_pos))
        lift["threshold"].append(cut[i])
        lift["fraction_predicted_positive"].append((tp[i] + fp[i]) / n)
        lift["true_positives"].append(int(tp[i]))
        if tp[i] + fp[i]:
            pr["threshold"].append(cut[i])
            pr["recall"].append(_ratio(tp[i], n_pos))
            pr["precision"].append(tp[i] / (tp[i] + fp[i]))
    return {"roc_curve": roc, "precision_recall_curve": pr, "lift_curve": lift}


def _threshold_charts(y: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """Counts and rates at thresholds 0.00, 0.01 ... 1.00 (the threshold slider) and the 10 score bins."""
    thresholds = np.round(np.linspace(0.0, 1.0, THRESHOLD_TABLE_STEPS + 1), 10)
    tp, fp = _counts_above(y, scores, thresholds)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    table: dict[str, list[Any]] = {"threshold": thresholds.tolist()}
    for i in range(len(thresholds)):
        counts = {
            "True_Positive": int(tp[i]),
            "False_Positive": int(fp[i]),
            "True_Negative": n_neg - int(fp[i]),
            "False_Negative": n_pos - int(tp[i]),
        }
        for key, value in {**counts, **rates(counts)}.items():
            table.setdefault(key, []).append(value)
    edges = np.linspace(0.0, 1.0, 11)
    bins = np.clip(np.digitize(scores, edges[1:-1], right=True), 0, 9)
    scored_bins = {
        "score_from": edges[:-1].round(10).tolist(),
        "score_to": edges[1:].round(10).tolist(),
        "positive_examples": [int((y & (bins == b)).sum()) for b in range(10)],
        "negative_examples": [int((~y & (bins == b)).sum()) for b in range(10)],
    }
    return {"thresholds": table, "scored_bins": scored_bins}


# -- multiclass -----------------------------------------------------------------------------------------
def multiclass_evaluation(
    truth: pd.Series, labels: pd.Series, probabilities: pd.DataFrame | None
) -> Evaluation:
    t, p = comparable_labels(truth, labels)
    classes = sorted(set(t.tolist()) | set(p.tolist()), key=sort_key)
    matrix = skm.confusion_matrix(t, p, labels=classes)
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        t, p, labels=classes, zero_division=0.0
    )
    metrics: dict[str, Any] = {
        "Overall_Accuracy": skm.accuracy_score(t, p),
        "Micro_Precision": skm.precision_score(t, p, labels=classes, average="micro", zero_division=0.0),
        "Macro_Precision": skm.precision_score(t, p, labels=classes, average="macro", zero_division=0.0),
        "Micro_Recall": skm.recall_score(t, p, labels=classes, average="micro", zero_division=0.0),
        "Macro_Recall": skm.recall_score(t, p, labels=classes, average="macro", zero_division=0.0),
        "Macro_F1_Score": skm.f1_score(t, p, labels=classes, average="macro", zero_division=0.0),
        "Log_Loss": None,
        "Macro_AUC": None,
        "Number_of_Classes": len(classes),
        "Number_of_Rows": len(t),
    }
    if probabilities is not None and len(probabilities.columns):
        metrics.update(_probability_metrics(t, probabilities))
    charts = {
        "confusion_matrix": {"labels": [str(c) for c in classes], "matrix": matrix.tolist()},
        "per_class": {
            "class": [str(c) for c in classes],
            "precision": precision.tolist(),
            "recall": recall.tolist(),
            "f1_score": f1.tolist(),
            "support": support.tolist(),
        },
    }
    return Evaluation("multiclass", clean(metrics), clean(charts))


def _probability_metrics(t: np.ndarray, probabilities: pd.DataFrame) -> dict[str, Any]:
    """Log loss and one-vs-rest macro AUC, when every true class has a probability column."""
    names = [str(c) for c in probabilities.columns]
    position = {name: i for i, name in enumerate(names)}
    truth_names = np.array([str(v) for v in t], dtype=object)
    if not set(truth_names) <= set(names):
        return {}
    matrix = probabilities.to_numpy(dtype=np.float64)
    # Libraries return float32 probabilities that sum to 1 only within rounding; make them exact.
    totals = matrix.sum(axis=1, keepdims=True)
    matrix = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    codes = np.array([position[v] for v in truth_names])
    out: dict[str, Any] = {"Log_Loss": skm.log_loss(codes, matrix, labels=list(range(len(names))))}
    present = sorted(set(codes.tolist()))
    if len(present) > 1:
        aucs = [skm.roc_auc_score(codes == k, matrix[:, k]) for k in present]
        out["Macro_AUC"] = float(np.mean(aucs))
    return out


# -- regression -----------------------------------------------------------------------------------------
def regression_evaluation(truth: np.ndarray, predicted: np.ndarray) -> Evaluation:
    if np.isnan(predicted).any():
        raise ModuleError("missing_scores", "Some rows have no Scored Labels; score every row first.")
    residual = truth - predicted
    absolute_spread = float(np.abs(truth - truth.mean()).sum())
    squared_spread = float(((truth - truth.mean()) ** 2).sum())
    relative_squared = _ratio(float((residual**2).sum()), squared_spread)
    metrics = {
        "Mean_Absolute_Error": float(np.abs(residual).mean()),
        "Root_Mean_Squared_Error": math.sqrt(float((residual**2).mean())),
        "Relative_Absolute_Error": _ratio(float(np.abs(residual).sum()), absolute_spread),
        "Relative_Squared_Error": relative_squared,
        "Coefficient_of_Determination": None if relative_squared is None else 1.0 - relative_squared,
        "Number_of_Rows": len(truth),
    }
    counts, edges = np.histogram(residual, bins=HISTOGRAM_BINS)
    sample = np.arange(len(truth))
    if len(sample) > SCATTER_SAMPLE:  # evenly spaced rows: deterministic, and spread over the data
        sample = np.linspace(0, len(truth) - 1, SCATTER_SAMPLE).round().astype(int)
    charts = {
        "residual_histogram": {
            "bin_from": edges[:-1].tolist(),
            "bin_to": edges[1:].tolist(),
            "count": counts.tolist(),
        },
        "predicted_vs_actual": {"actual": truth[sample].tolist(), "predicted": predicted[sample].tolist()},
    }
    return Evaluation("regression", clean(metrics), clean(charts))


def quantile_evaluation(truth: pd.Series, quantiles: dict[float, pd.Series]) -> Evaluation:
    y = truth.to_numpy()
    losses = {}
    for q, predicted in sorted(quantiles.items()):
        error = y - predicted.to_numpy()
        losses[f"Quantile_Loss:{q:g}"] = float(np.maximum(q * error, (q - 1.0) * error).mean())
    metrics = {
        **losses,
        "Average_Quantile_Loss": float(np.mean(list(losses.values()))),
        "Number_of_Rows": len(y),
    }
    return Evaluation("quantile_regression", clean(metrics), {})


# -- clustering -----------------------------------------------------------------------------------------
def clustering_evaluation(df: pd.DataFrame) -> Evaluation:
    distance_columns = {
        int(c[len(DISTANCE_PREFIX) :]): c
        for c in df.columns
        if c.startswith(DISTANCE_PREFIX) and c[len(DISTANCE_PREFIX) :].isdigit()
    }
    if not distance_columns:
        raise ModuleError(
            "not_scored",
            "The dataset has cluster assignments but no 'DistancesToClusterCenter no.<k>' columns. Connect "
            "the output of Assign Data to Clusters or Train Clustering Model.",
        )
    numbers = sorted(distance_columns)
    distances = df[[distance_columns[k] for k in numbers]].to_numpy(dtype=np.float64)
    assignments = df[ASSIGNMENTS].to_numpy()
    own_position = np.array([numbers.index(int(a)) if int(a) in numbers else -1 for a in assignments])
    if (own_position < 0).any():
        raise ModuleError(
            "not_scored",
            "Some rows are assigned to a cluster that has no distance column; re-run Assign Data to Clusters.",
        )
    rows = np.arange(len(df))
    own = distances[rows, own_position]
    others = (distances.sum(axis=1) - own) / max(len(numbers) - 1, 1)
    table: dict[str, list[Any]] = {
        "Result_Description": [],
        "Average_Distance_to_Cluster_Center": [],
        "Average_Distance_to_Other_Center": [],
        "Number_of_Points": [],
        "Maximal_Distance_to_Cluster_Center": [],
    }

    def add(name: str, mask: np.ndarray) -> None:
        table["Result_Description"].append(name)
        table["Number_of_Points"].append(int(mask.sum()))
        any_rows = bool(mask.any())
        table["Average_Distance_to_Cluster_Center"].append(float(own[mask].mean()) if any_rows else None)
        table["Average_Distance_to_Other_Center"].append(float(others[mask].mean()) if any_rows else None)
        table["Maximal_Distance_to_Cluster_Center"].append(float(own[mask].max()) if any_rows else None)

    for position, number in enumerate(numbers):
        add(f"Cluster No.{number}", own_position == position)
    add("Combined Evaluation", np.ones(len(df), dtype=bool))
    metrics = {key: values[-1] for key, values in table.items() if key != "Result_Description"}
    metrics["Number_of_Clusters"] = len(numbers)
    return Evaluation("clustering", clean(metrics), clean({"clusters": table}))


# -- single metrics for tuning and feature importance ---------------------------------------------------
# name -> (metric key per evaluation kind, whether larger is better)
CLASSIFICATION_METRICS: dict[str, tuple[dict[str, str], bool]] = {
    "Accuracy": ({"binary": "Accuracy", "multiclass": "Overall_Accuracy"}, True),
    "Precision": ({"binary": "Precision", "multiclass": "Macro_Precision"}, True),
    "Recall": ({"binary": "Recall", "multiclass": "Macro_Recall"}, True),
    "F-score": ({"binary": "F1_Score", "multiclass": "Macro_F1_Score"}, True),
    "AUC": ({"binary": "AUC", "multiclass": "Macro_AUC"}, True),
    "Average Log Loss": ({"binary": "Log_Loss", "multiclass": "Log_Loss"}, False),
}
REGRESSION_METRICS: dict[str, tuple[str, bool]] = {
    "Mean absolute error": ("Mean_Absolute_Error", False),
    "Root of mean squared error": ("Root_Mean_Squared_Error", False),
    "Relative absolute error": ("Relative_Absolute_Error", False),
    "Relative squared error": ("Relative_Squared_Error", False),
    "Coefficient of determination": ("Coefficient_of_Determination", True),
}


def metric_key(evaluation_kind: str, metric: str) -> tuple[str, bool]:
    """The Evaluation metric key for a user-facing metric name, and whether larger is better."""
    if metric in REGRESSION_METRICS:
        if evaluation_kind != "regression":
            raise ModuleError(
                "metric_task_mismatch",
                f"'{metric}' is a regression metric, but the model is a {evaluation_kind} model.",
            )
        return REGRESSION_METRICS[metric]
    keys, larger_is_better = CLASSIFICATION_METRICS[metric]
    if evaluation_kind not in keys:
        raise ModuleError(
            "metric_task_mismatch",
            f"'{metric}' is a classification metric, but the model is a {evaluation_kind} model.",
        )
    return keys[evaluation_kind], larger_is_better


def scalar_metrics(evaluation: Evaluation) -> dict[str, float | None]:
    """The numeric metrics of an evaluation (for tables of folds or sweep runs)."""
    return {
        k: (None if v is None else float(v))
        for k, v in evaluation.metrics.items()
        if (isinstance(v, (int, float)) and not isinstance(v, bool)) or v is None
    }
