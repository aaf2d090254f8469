"""Feature scores of Filter Based Feature Selection: how strongly each column relates to the target.

Each score is a standard statistic computed by scipy or scikit-learn on the rows where both the feature
and the target have a value. Rules shared with the reference product:
- correlations are reported as absolute values (strength, whatever the sign);
- a text (categorical) column facing a numeric one is replaced by the mean of the numeric column within
  each of its categories, then correlated; two categorical columns get 0;
- Chi Squared and Mutual Information work on categories: a numeric column with more than 10 distinct
  values is first cut into 10 bins by k-means (scikit-learn's KBinsDiscretizer, strategy "kmeans");
- a feature with no usable values scores 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import mutual_info_score
from sklearn.preprocessing import KBinsDiscretizer

from modules.sdk import DataTable, check_not_high_cardinality, column_kind

PEARSON = "Pearson Correlation"
MUTUAL_INFORMATION = "Mutual Information"
KENDALL = "Kendall Correlation"
SPEARMAN = "Spearman Correlation"
CHI_SQUARED = "Chi Squared"
FISHER = "Fisher Score"
COUNT_BASED = "Count Based"
METHODS = (PEARSON, MUTUAL_INFORMATION, KENDALL, SPEARMAN, CHI_SQUARED, FISHER, COUNT_BASED)
SUPERVISED_METHODS = tuple(m for m in METHODS if m != COUNT_BASED)
# Numeric columns with more distinct values than this are binned before Chi Squared / Mutual Information.
CATEGORY_BINS = 10


@dataclass
class ScoredColumn:
    """A column ready for scoring: numbers (NaN when missing) or category labels (None when missing)."""

    name: str
    categorical: bool
    numbers: np.ndarray | None = None
    categories: np.ndarray | None = None

    @property
    def present(self) -> np.ndarray:
        if self.categorical:
            assert self.categories is not None
            return pd.notna(self.categories)
        assert self.numbers is not None
        return ~np.isnan(self.numbers)


def prepare_column(table: DataTable, column: str) -> ScoredColumn:
    """Numbers for numeric, true/false and date columns (unless marked categorical); categories otherwise."""
    series = table.df[column]
    kind = column_kind(series)
    if table.meta[column].categorical or kind in ("string", "categorical"):
        categories = series.astype(object).where(series.notna(), None).to_numpy()
        return ScoredColumn(column, True, categories=categories)
    if kind == "datetime":
        utc = series.dt.tz_convert(None) if series.dt.tz is not None else series
        instants = utc.to_numpy(dtype="datetime64[ns]").view("int64").astype(np.float64)
        numbers = np.where(series.isna().to_numpy(), np.nan, instants)
    else:
        numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
    return ScoredColumn(column, False, numbers=np.where(np.isfinite(numbers), numbers, np.nan))


def conditional_means(categories: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """Each category replaced by the mean of ``numbers`` over the rows of that category."""
    means = pd.Series(numbers).groupby(pd.Series(categories, dtype=object), sort=False).transform("mean")
    return means.to_numpy(dtype=np.float64)


def discretized(values: np.ndarray, categorical: bool) -> np.ndarray:
    """Category codes: numeric values with more than 10 distinct values are binned by k-means first."""
    if not categorical and len(np.unique(values)) > CATEGORY_BINS:
        binner = KBinsDiscretizer(n_bins=CATEGORY_BINS, encode="ordinal", strategy="kmeans", subsample=None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "bins too small were merged" is expected and harmless
            return binner.fit_transform(values.reshape(-1, 1)).ravel()
    codes, _ = pd.factorize(pd.Series(values, dtype=object))
    return codes


def _paired(feature: ScoredColumn, target: ScoredColumn) -> tuple[np.ndarray, np.ndarray]:
    both = feature.present & target.present
    feature_values = feature.categories if feature.categorical else feature.numbers
    target_values = target.categories if target.categorical else target.numbers
    assert feature_values is not None and target_values is not None
    return feature_values[both], target_values[both]


def correlation(statistic: Callable[[np.ndarray, np.ndarray], float]) -> Callable[..., float]:
    def score(feature: ScoredColumn, target: ScoredColumn) -> float:
        if feature.categorical and target.categorical:
            return 0.0
        feature_values, target_values = _paired(feature, target)
        if len(feature_values) < 2:
            return 0.0
        if feature.categorical:
            feature_values = conditional_means(feature_values, target_values)
        elif target.categorical:
            target_values = conditional_means(target_values, feature_values)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a constant column has no correlation: scored 0 below
            value = statistic(
                np.asarray(feature_values, dtype=np.float64), np.asarray(target_values, dtype=np.float64)
            )
        return 0.0 if np.isnan(value) else float(abs(value))

    return score


def chi_squared(feature: ScoredColumn, target: ScoredColumn) -> float:
    """Pearson's chi-squared statistic of the feature × target contingency table (no continuity correction)."""
    feature_values, target_values = _paired(feature, target)
    if len(feature_values) == 0:
        return 0.0
    table = pd.crosstab(
        discretized(feature_values, feature.categorical), discretized(target_values, target.categorical)
    )
    if min(table.shape) < 2:
        return 0.0
    return float(stats.chi2_contingency(table.to_numpy(), correction=False).statistic)


def mutual_information(feature: ScoredColumn, target: ScoredColumn) -> float:
    """Mutual information (in nats) between the feature's and the target's categories."""
    feature_values, target_values = _paired(feature, target)
    if len(feature_values) == 0:
        return 0.0
    return float(
        mutual_info_score(
            discretized(feature_values, feature.categorical), discretized(target_values, target.categorical)
        )
    )


def fisher_score(feature: ScoredColumn, target: ScoredColumn) -> float:
    """Between-class over within-class scatter of a numeric feature, the target's values being the classes:
    sum_c n_c (mean_c - mean)^2 / sum_c n_c var_c (population variances). Text features score 0."""
    if feature.categorical:
        return 0.0
    numbers, classes = _paired(feature, target)
    if len(numbers) == 0:
        return 0.0
    grouped = pd.Series(numbers).groupby(pd.Series(classes, dtype=object), sort=False)
    sizes, means = grouped.size().to_numpy(), grouped.mean().to_numpy()
    within = (grouped.var(ddof=0).to_numpy() * sizes).sum()
    between = (sizes * (means - numbers.mean()) ** 2).sum()
    if within == 0:
        return 0.0 if between == 0 else float("inf")
    return float(between / within)


def count_score(feature: ScoredColumn) -> float:
    """How many values are present and not zero; text columns score 0."""
    if feature.categorical:
        return 0.0
    assert feature.numbers is not None
    return float(np.count_nonzero(feature.present & (feature.numbers != 0)))


SCORERS: dict[str, Callable[[ScoredColumn, ScoredColumn], float]] = {
    PEARSON: correlation(lambda x, y: stats.pearsonr(x, y).statistic),
    KENDALL: correlation(lambda x, y: stats.kendalltau(x, y).statistic),
    SPEARMAN: correlation(lambda x, y: stats.spearmanr(x, y).statistic),
    CHI_SQUARED: chi_squared,
    MUTUAL_INFORMATION: mutual_information,
    FISHER: fisher_score,
}
# Methods that read the categories of text features (so an id-like text column would dominate them).
USES_CATEGORIES = (PEARSON, KENDALL, SPEARMAN, CHI_SQUARED, MUTUAL_INFORMATION)


def score_columns(
    table: DataTable, method: str, candidates: list[str], target: str | None
) -> dict[str, float]:
    """Score of each candidate column, in candidate order."""
    if method == COUNT_BASED:
        return {column: count_score(prepare_column(table, column)) for column in candidates}
    assert target is not None
    prepared_target = prepare_column(table, target)
    scores = {}
    for column in candidates:
        feature = prepare_column(table, column)
        if feature.categorical and method in USES_CATEGORIES:
            check_not_high_cardinality(table.df[column], column)
        scores[column] = SCORERS[method](feature, prepared_target)
    return scores
