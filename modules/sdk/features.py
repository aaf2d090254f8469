"""Turning a table's feature columns into a numeric matrix, identically at training and at scoring.

Learners, clustering and anomaly detection share this, so categorical handling, the missing-value
errors and the high-cardinality guard behave the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ModuleError
from .table import DataTable, column_kind

# The reference product's guard rail: a string column with more than this many distinct values that
# are also more than this share of its non-null rows is an id or free text, not a category.
HIGH_CARDINALITY_DISTINCT = 1000
HIGH_CARDINALITY_SHARE = 0.97


def check_not_high_cardinality(series: pd.Series, column: str) -> None:
    non_null = series.dropna()
    distinct = non_null.nunique()
    if distinct > HIGH_CARDINALITY_DISTINCT and distinct > HIGH_CARDINALITY_SHARE * len(non_null):
        raise ModuleError(
            "high_cardinality_feature",
            f"Column '{column}' has {distinct} distinct text values out of {len(non_null)} rows, so it looks "
            "like an id or free text rather than a category. Remove it with Select Columns in Dataset, or "
            "turn text into features with Extract N-Gram Features from Text.",
            column=column,
        )


@dataclass
class FeatureEncoder:
    """Fitted on the training table; ``transform`` gives a float matrix in a fixed column order.

    ``categorical="onehot"`` expands categories into 0/1 columns (unknown levels become all zeros);
    ``categorical="ordinal"`` gives each category an integer code (unknown levels become NaN), which
    tree learners handle natively. ``allow_missing=False`` refuses NaN with a clear error.
    """

    categorical: str = "onehot"
    allow_missing: bool = False
    columns: list[str] = field(default_factory=list)
    categories: dict[str, list[Any]] = field(default_factory=dict)
    feature_names: list[str] = field(default_factory=list)

    def fit(self, table: DataTable, columns: list[str]) -> FeatureEncoder:
        if not columns:
            raise ModuleError(
                "no_feature_columns",
                "There are no feature columns left to learn from. Check Select Columns in Dataset and "
                "Edit Metadata upstream.",
            )
        table.require_columns(columns)
        self.columns = list(columns)
        self.categories = {}
        names: list[str] = []
        for col in columns:
            series = table.df[col]
            if series.isna().all():
                raise ModuleError(
                    "all_missing_column",
                    f"Column '{col}' has no values at all. Remove it with Select Columns in Dataset, or fill it "
                    "with Clean Missing Data.",
                    column=col,
                )
            if self._is_categorical(table, col):
                check_not_high_cardinality(series, col)
                levels = sorted(series.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))
                self.categories[col] = levels
                if self.categorical == "onehot":
                    names.extend(f"{col}_{level}" for level in levels)
                else:
                    names.append(col)
            else:
                names.append(col)
        self.feature_names = names
        return self

    @staticmethod
    def _is_categorical(table: DataTable, col: str) -> bool:
        return table.meta[col].categorical or column_kind(table.df[col]) in ("string", "categorical")

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        missing = [c for c in self.columns if c not in df.columns]
        if missing:
            raise ModuleError(
                "missing_column",
                f"Column '{missing[0]}' was used in training but is not in this dataset.",
                column=missing[0],
            )
        blocks: list[np.ndarray] = []
        for col in self.columns:
            series = df[col]
            if col in self.categories:
                levels = self.categories[col]
                # -1 for levels not seen in training and for missing values.
                codes = pd.Index(levels).get_indexer(series.astype(object).where(series.notna(), None))
                if self.categorical == "onehot":
                    block = np.zeros((len(series), len(levels)), dtype=np.float64)
                    known = codes >= 0
                    block[np.nonzero(known)[0], codes[known]] = 1.0
                    if not self.allow_missing and series.isna().any():
                        self._missing_error(col)
                else:
                    block = codes.astype(np.float64).reshape(-1, 1)
                    block[codes < 0] = np.nan
                blocks.append(block)
            else:
                values = self._numeric(series, col)
                if not self.allow_missing and np.isnan(values).any():
                    self._missing_error(col)
                blocks.append(values.reshape(-1, 1))
        return np.hstack(blocks) if blocks else np.empty((len(df), 0))

    @staticmethod
    def _numeric(series: pd.Series, col: str) -> np.ndarray:
        if column_kind(series) in ("integer", "double", "boolean"):
            return series.to_numpy(dtype=np.float64, na_value=np.nan)
        converted = pd.to_numeric(series, errors="coerce")
        bad = series[converted.isna() & series.notna()]
        if len(bad):
            raise ModuleError(
                "not_numeric",
                f"Column '{col}' has text values like {str(bad.iloc[0])!r} where numbers are needed; convert it "
                "with Edit Metadata or Clean Missing Data.",
                column=col,
            )
        return converted.to_numpy(dtype=np.float64, na_value=np.nan)

    @staticmethod
    def _missing_error(col: str) -> None:
        raise ModuleError(
            "missing_values",
            f"Column '{col}' has missing values, which this learner cannot use. Add Clean Missing Data "
            "before training, or choose a boosted tree, which handles them.",
            column=col,
        )


def require_rows(table: DataTable, port_title: str = "dataset") -> None:
    if len(table) == 0:
        raise ModuleError("empty_dataset", f"The {port_title} has no rows.", port=port_title)
