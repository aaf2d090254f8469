"""Scores for picking the most informative n-gram features against a target column.

Extract N-Gram Features from Text offers these (as its reference did) to keep only the best n-grams.
Each function returns one score per feature column; higher means more useful.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.feature_selection import chi2, mutual_info_classif

SCORING_METHODS = (
    "Pearson Correlation",
    "Mutual Information",
    "Kendall Correlation",
    "Spearman Correlation",
    "Chi Squared",
    "Fisher Score",
    "Count Based",
)


def target_codes(target: pd.Series) -> np.ndarray:
    """Numbers for the target: numeric targets as they are, text/categories as category codes."""
    if pd.api.types.is_numeric_dtype(target) and not pd.api.types.is_bool_dtype(target):
        return target.to_numpy(dtype=np.float64)
    return pd.Categorical(target).codes.astype(np.float64)


def _per_column(x: np.ndarray, scorer: Callable[[np.ndarray], float]) -> np.ndarray:
    scores = np.array([scorer(x[:, j]) for j in range(x.shape[1])], dtype=np.float64)
    return np.nan_to_num(np.abs(scores), nan=0.0)


def pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    xc = x - x.mean(axis=0)
    yc = y - y.mean()
    denominator = np.sqrt((xc**2).sum(axis=0) * (yc**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(np.abs(xc.T @ yc) / denominator, nan=0.0)


def fisher(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Between-class spread of each feature's means over its within-class variance."""
    overall = x.mean(axis=0)
    between = np.zeros(x.shape[1])
    within = np.zeros(x.shape[1])
    for cls in np.unique(y):
        rows = x[y == cls]
        between += len(rows) * (rows.mean(axis=0) - overall) ** 2
        within += len(rows) * rows.var(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(between / within, nan=0.0, posinf=np.finfo(np.float64).max)


def feature_scores(method: str, x: np.ndarray, y: np.ndarray, seed: int, discrete: bool) -> np.ndarray:
    if method == "Pearson Correlation":
        return pearson(x, y)
    if method == "Kendall Correlation":
        return _per_column(x, lambda col: stats.kendalltau(col, y).statistic)
    if method == "Spearman Correlation":
        return _per_column(x, lambda col: stats.spearmanr(col, y).statistic)
    if method == "Mutual Information":
        return mutual_info_classif(x, y, discrete_features=discrete, random_state=seed)
    if method == "Chi Squared":
        return np.nan_to_num(chi2(x, y)[0], nan=0.0)
    if method == "Fisher Score":
        return fisher(x, y)
    if method == "Count Based":
        return (x != 0).sum(axis=0).astype(np.float64)
    raise ValueError(f"unknown scoring method {method!r}")


def select_features(
    method: str, x: np.ndarray, y: np.ndarray, *, keep: int, min_nonzero: int, seed: int, discrete: bool
) -> np.ndarray:
    """Indices (ascending) of the features to keep.

    Count Based keeps every feature with at least ``min_nonzero`` non-zero values; the others keep the
    ``keep`` best scores (ties go to the earlier feature, so the choice is reproducible).
    """
    if method == "Count Based":
        return np.flatnonzero((x != 0).sum(axis=0) >= min_nonzero)
    scores = feature_scores(method, x, y, seed, discrete)
    best = np.argsort(-scores, kind="stable")[:keep]
    return np.sort(best)
