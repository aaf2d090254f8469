"""SMOTE: add synthetic rows of the rarest class, interpolated between neighbouring rows of that class."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    UINT32_MAX,
    Category,
    ColumnsParam,
    DataTable,
    IntParam,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    check_not_high_cardinality,
    column_kind,
    register,
)

from ._row_selection import check_rows, single_column

NEIGHBORS = "number_of_nearest_neighbors"


def is_continuous(table: DataTable, column: str) -> bool:
    """Numbers (and dates) are interpolated; everything else is a category, copied from a neighbour."""
    kind = column_kind(table.df[column])
    return (kind in ("integer", "double") and not table.meta[column].categorical) or kind == "datetime"


def minority_class(labels: pd.Series) -> Any:
    """The least frequent class; among equally rare classes, the first in sorted order."""
    counts = labels.value_counts()
    rarest = [value for value, count in counts.items() if count == counts.min()]
    return sorted(rarest, key=lambda v: (str(type(v)), v))[0]


def sampler_inputs(table: DataTable, label: str) -> tuple[pd.DataFrame, list[int]]:
    """The feature matrix imbalanced-learn receives: continuous columns as float64 (dates as
    nanoseconds), categories as Python objects; and the positions of the categorical columns."""
    features = {}
    categorical = []
    for position, column in enumerate(c for c in table.columns if c != label):
        series = table.df[column]
        if is_continuous(table, column):
            if column_kind(series) == "datetime":
                series = series.dt.as_unit("ns").astype("int64")
            features[column] = series.astype(np.float64)
        else:
            features[column] = series.astype(object)
            categorical.append(position)
    return pd.DataFrame(features), categorical


def restore_types(resampled: pd.DataFrame, original: pd.DataFrame) -> pd.DataFrame:
    """Give synthetic values their column's type back: whole numbers are rounded to the nearest one."""
    restored = {}
    for column in resampled.columns:
        dtype = original[column].dtype
        values = resampled[column]
        kind = column_kind(original[column])
        if kind == "integer":
            values = np.rint(values.to_numpy(dtype=np.float64))
        elif kind == "datetime":
            nanoseconds = np.rint(values.to_numpy(dtype=np.float64)).astype("int64")
            zone = getattr(dtype, "tz", None)
            values = pd.to_datetime(nanoseconds, unit="ns", utc=zone is not None)
            if zone is not None:
                values = values.tz_convert(zone)
        restored[column] = pd.Series(values, index=resampled.index).astype(dtype)
    return pd.DataFrame(restored)


@register
class Smote(Module):
    """Increase the number of rows of the rarest class with synthetic examples (SMOTE).

    The rarest class of the label column (among equally rare classes, the first in sorted order) gets
    "SMOTE percentage" / 100 × its count new rows, each interpolated between a row of that class and one
    of its "Number of nearest neighbors" nearest neighbours of the same class (imbalanced-learn's SMOTE;
    SMOTE-NC when some columns are categories, SMOTE-N when all are). Other classes are unchanged. The
    output is the input rows, in order, followed by the synthetic rows; whole-number columns are rounded.
    All columns other than the label are used to find neighbours: remove ids first. The data must have no
    missing values. At inference the input passes straight through.
    """

    key = "data_transformation.smote"
    title = "SMOTE"
    category = Category.DATA_TRANSFORMATION
    pass_through_at_inference = True
    inputs = (Port("samples", "Samples", PortType.DATASET),)
    outputs = (Port("results_dataset", "Results dataset", PortType.DATASET),)
    schema_preserving_outputs = {"results_dataset": "samples"}
    params = (
        ColumnsParam("label_column", "Label column", port="samples", single=True),
        IntParam(
            "smote_percentage",
            "SMOTE percentage",
            default=100,
            min=0,
            description="How many synthetic rows to add, as a percentage of the rarest class (100 doubles it).",
        ),
        IntParam(NEIGHBORS, "Number of nearest neighbors", default=1, min=1),
        IntParam("random_seed", "Random seed", default=0, min=0, max=UINT32_MAX),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], samples: DataTable) -> dict[str, Any]:
        check_rows(samples, "samples", "Samples")
        label = single_column(samples, params["label_column"], "label_column", "Label column")
        self._check_data(samples, label)
        labels = samples.df[label]
        minority = minority_class(labels)
        minority_count = int((labels == minority).sum())
        neighbors = params[NEIGHBORS]
        if neighbors > minority_count - 1:
            raise ModuleError(
                "not_enough_minority_rows",
                f"The rarest class ({minority!r}) has {minority_count} rows, so each row has at most "
                f"{minority_count - 1} neighbours of its class; lower 'Number of nearest neighbors'.",
                parameter=NEIGHBORS,
            )
        # The reference's target: (100 + percentage) / 100 × count rows of the rarest class in all.
        target_count = int((100 + params["smote_percentage"]) / 100 * minority_count)
        if target_count <= minority_count:
            return {"results_dataset": DataTable.from_frame(samples.df.copy(), like=samples)}
        # Imported here: imbalanced-learn takes ~2 s to import, which every worker and web process
        # would otherwise pay at start-up for a module most pipelines never use.
        from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC

        features, categorical = sampler_inputs(samples, label)
        settings = {
            "sampling_strategy": {minority: target_count},
            "random_state": params["random_seed"],
            "k_neighbors": neighbors,
        }
        if not categorical:
            sampler: Any = SMOTE(**settings)
        elif len(categorical) == features.shape[1]:
            sampler = SMOTEN(**settings)
        else:
            sampler = SMOTENC(categorical_features=categorical, **settings)
        resampled, resampled_labels = sampler.fit_resample(features, labels.to_numpy())
        frame = restore_types(pd.DataFrame(resampled, columns=features.columns), samples.df)
        frame[label] = pd.Series(resampled_labels).astype(labels.dtype)
        return {"results_dataset": DataTable.from_frame(frame[samples.columns], like=samples)}

    @staticmethod
    def _check_data(samples: DataTable, label: str) -> None:
        for column in samples.columns:
            if samples.df[column].isna().any():
                raise ModuleError(
                    "missing_values",
                    f"Column '{column}' has missing values, which SMOTE cannot use. Add Clean Missing Data "
                    "before SMOTE.",
                    column=column,
                )
        if samples.df[label].nunique() < 2:
            raise ModuleError(
                "single_class_label",
                f"The label column '{label}' has only one class; SMOTE needs at least two to find the "
                "rarest one.",
                column=label,
                parameter="label_column",
            )
        if len(samples.columns) < 2:
            raise ModuleError(
                "no_feature_columns",
                "SMOTE needs at least one column besides the label to find neighbours.",
                port="samples",
            )
        for column in samples.columns:
            if column != label and not is_continuous(samples, column):
                check_not_high_cardinality(samples.df[column], column)
