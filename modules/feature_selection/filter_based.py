"""Filter Based Feature Selection: score every feature against the target, keep the best ones."""

from __future__ import annotations

from typing import Any

import pandas as pd

from modules.sdk import (
    BoolParam,
    Category,
    ChoiceParam,
    ColumnsParam,
    DataTable,
    IntParam,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    register,
    resolve_columns,
)

from .scoring import COUNT_BASED, METHODS, PEARSON, SUPERVISED_METHODS, score_columns


@register
class FilterBasedFeatureSelection(Module):
    """Rank the columns of a dataset by how much they tell about a target column, and keep the best.

    Scoring methods: **Pearson**, **Kendall** and **Spearman** correlations (absolute value; a text
    column facing a numeric one is replaced by its per-category means of the other), **Chi Squared**
    (statistic of the contingency table), **Mutual Information** (in nats), **Fisher Score** (between-
    over within-class scatter; for class targets and numeric features), and **Count Based** (number of
    non-zero values; needs no target). Chi Squared and Mutual Information first cut numeric columns with
    more than 10 distinct values into 10 k-means bins. Rows where the feature or target is missing are
    ignored; a column with no usable values scores 0.

    **Filtered dataset**: the target, then the "Number of desired features" best features, best first
    (Count Based: every numeric column with at least "Minimum number of non-zero elements" non-zero
    values, in their original order). **Features**: one row of scores, one column per scored feature
    (best first), after the target itself with score 1. Label and score columns are never scored; with
    "Operate on feature columns only", neither are columns marked as non-features.
    """

    key = "feature_selection.filter_based_feature_selection"
    title = "Filter Based Feature Selection"
    category = Category.FEATURE_SELECTION
    inputs = (Port("input_dataset", "Input dataset", PortType.DATASET),)
    outputs = (
        Port("filtered_dataset", "Filtered dataset", PortType.DATASET),
        Port("features", "Features", PortType.DATASET, description="Names of the columns and their scores."),
    )
    params = (
        BoolParam(
            "operate_on_feature_columns_only", "Operate on feature columns only", default=True, optional=True
        ),
        ColumnsParam(
            "target_column",
            "Target column",
            port="input_dataset",
            single=True,
            visible_when={"feature_scoring_method": SUPERVISED_METHODS},
        ),
        IntParam(
            "number_of_desired_features",
            "Number of desired features",
            default=1,
            min=1,
            visible_when={"feature_scoring_method": SUPERVISED_METHODS},
        ),
        ChoiceParam("feature_scoring_method", "Feature scoring method", default=PEARSON, choices=METHODS),
        IntParam(
            "minimum_number_of_non_zero_elements",
            "Minimum number of non-zero elements",
            default=1,
            min=1,
            visible_when={"feature_scoring_method": (COUNT_BASED,)},
        ),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], input_dataset: DataTable) -> dict[str, Any]:
        table = input_dataset
        if len(table) == 0:
            raise ModuleError(
                "empty_dataset", "The input dataset has no rows to score.", port="input_dataset"
            )
        method = params["feature_scoring_method"]
        target = None if method == COUNT_BASED else self._target(table, params["target_column"])
        candidates = self._candidates(
            table, method, target, params["operate_on_feature_columns_only"] is not False
        )
        scores = score_columns(table, method, candidates, target)
        if method == COUNT_BASED:
            minimum = params["minimum_number_of_non_zero_elements"]
            kept = [c for c in candidates if scores[c] > 0 and scores[c] >= minimum]
            features = pd.DataFrame({c: [scores[c]] for c in candidates}, dtype="float64")
        else:
            assert target is not None
            ranked = sorted(candidates, key=lambda c: -scores[c])  # stable: ties keep the table order
            kept = [target, *ranked[: params["number_of_desired_features"]]]
            features = pd.DataFrame({target: [1.0], **{c: [scores[c]] for c in ranked}}, dtype="float64")
        return {
            "filtered_dataset": DataTable.from_frame(table.df[kept].copy(), like=table),
            "features": DataTable(features),
        }

    @staticmethod
    def _target(table: DataTable, selection: dict[str, Any] | None) -> str:
        columns = resolve_columns(table, selection, "target_column")
        if len(columns) != 1:
            raise ModuleError(
                "single_column_required",
                f"'Target column' must pick exactly one column; it picks {len(columns)}.",
                parameter="target_column",
            )
        target = columns[0]
        if table.df[target].isna().all():
            raise ModuleError(
                "all_missing_column",
                f"The target column '{target}' has no values, so nothing can be scored against it.",
                column=target,
                parameter="target_column",
            )
        return target

    @staticmethod
    def _candidates(table: DataTable, method: str, target: str | None, features_only: bool) -> list[str]:
        candidates = []
        for column, meta in table.meta.items():
            excluded = column == target or meta.is_score or (meta.is_label and method != COUNT_BASED)
            if not excluded and (meta.is_feature or not features_only):
                candidates.append(column)
        if not candidates:
            raise ModuleError(
                "no_feature_columns",
                "There are no columns to score besides the target. Check 'Operate on feature columns only' "
                "and the feature flags set by Edit Metadata.",
                parameter="operate_on_feature_columns_only",
            )
        return candidates
