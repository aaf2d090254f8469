"""Clip Values: find values above an upper threshold (peaks) or below a lower one (subpeaks) and replace
them with the threshold, the column's mean or median, or a missing value."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    BoolParam,
    Category,
    ChoiceParam,
    ColumnsParam,
    DataTable,
    FloatParam,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    register,
    resolve_columns,
)
from modules.sdk.columns import require_numeric_columns, unique_column_name

PEAKS = "ClipPeaks"
SUBPEAKS = "ClipSubPeaks"
BOTH = "ClipPeaksAndSubpeaks"
CONSTANT = "Constant"
PERCENTILE = "Percentile"
SUBSTITUTES = ("Threshold", "Mean", "Median", "Missing")
_UPPER = (PEAKS, BOTH)
_LOWER = (SUBPEAKS, BOTH)


@register
class ClipValues(Module):
    """Detects outliers and clips or replaces their values.

    Choose which side to clip (**Set of thresholds**: peaks above an upper threshold, subpeaks below a
    lower one, or both), how thresholds are given (a **Constant**, or a **Percentile** of each column's
    values), and what replaces a clipped value (the threshold, the column's mean or median, or a missing
    value). Values equal to a threshold are kept. With **Overwrite flag** off, clipped values go into a new
    column ``<name>_clipped_value`` beside the original; **Add indicator columns** adds ``<name>_clipped``
    saying which values were replaced. Mean and median are those of the column before clipping.
    """

    key = "data_transformation.clip_values"
    title = "Clip Values"
    category = Category.DATA_TRANSFORMATION
    inputs = (Port("input", "Input", PortType.DATASET),)
    outputs = (Port("result_dataset", "Result_dataset", PortType.DATASET),)
    params = (
        ChoiceParam("set_of_thresholds", "Set of thresholds", default=PEAKS, choices=(PEAKS, SUBPEAKS, BOTH)),
        ChoiceParam("threshold", "Threshold", default=CONSTANT, choices=(CONSTANT, PERCENTILE)),
        FloatParam(
            "constant_value_for_upper_threshold",
            "Constant value for upper threshold",
            default=99.0,
            visible_when={"set_of_thresholds": _UPPER, "threshold": (CONSTANT,)},
        ),
        FloatParam(
            "constant_value_for_lower_threshold",
            "Constant value for lower threshold",
            default=1.0,
            visible_when={"set_of_thresholds": _LOWER, "threshold": (CONSTANT,)},
        ),
        FloatParam(
            "percentile_value_for_upper_threshold",
            "Percentile value for upper threshold",
            default=99.0,
            min=0.0,
            max=100.0,
            visible_when={"set_of_thresholds": _UPPER, "threshold": (PERCENTILE,)},
        ),
        FloatParam(
            "percentile_value_for_lower_threshold",
            "Percentile value for lower threshold",
            default=1.0,
            min=0.0,
            max=100.0,
            visible_when={"set_of_thresholds": _LOWER, "threshold": (PERCENTILE,)},
        ),
        ChoiceParam(
            "substitute_value_for_peaks",
            "Substitute value for peaks",
            default="Threshold",
            choices=SUBSTITUTES,
            visible_when={"set_of_thresholds": _UPPER},
        ),
        ChoiceParam(
            "substitute_value_for_subpeaks",
            "Substitute value for subpeaks",
            default="Threshold",
            choices=SUBSTITUTES,
            visible_when={"set_of_thresholds": _LOWER},
        ),
        ColumnsParam(
            "list_of_columns",
            "List of columns",
            default={"rules": [{"op": "include", "kind": "numeric"}]},
            port="input",
        ),
        BoolParam("overwrite_flag", "Overwrite flag", default=True),
        BoolParam("add_indicator_columns", "Add indicator columns", default=False),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], input: DataTable) -> dict[str, Any]:  # noqa: A002
        columns = resolve_columns(input, params["list_of_columns"], "list_of_columns")
        require_numeric_columns(input, columns, parameter="list_of_columns")
        mode = params["set_of_thresholds"]
        frame = input.df.copy()
        for column in columns:
            values = input.df[column].to_numpy(dtype=np.float64, na_value=np.nan)
            upper = self._threshold(params, values, "upper") if mode in _UPPER else None
            lower = self._threshold(params, values, "lower") if mode in _LOWER else None
            if upper is not None and lower is not None and lower > upper:
                raise ModuleError(
                    "invalid_thresholds",
                    f"The lower threshold ({lower:g}) is above the upper threshold ({upper:g}) for column "
                    f"'{column}'. Lower the lower threshold or raise the upper one.",
                    column=column,
                    parameter="constant_value_for_lower_threshold"
                    if params["threshold"] == CONSTANT
                    else "percentile_value_for_lower_threshold",
                )
            clipped, replaced = values.copy(), np.zeros(len(values), dtype=bool)
            for bound, side, beyond in ((upper, "peaks", np.greater), (lower, "subpeaks", np.less)):
                if bound is None:
                    continue
                with np.errstate(invalid="ignore"):
                    hit = beyond(values, bound)
                clipped[hit] = _substitute(params[f"substitute_value_for_{side}"], bound, values)
                replaced |= hit
            self._place(frame, column, clipped, replaced, params)
        return {"result_dataset": DataTable.from_frame(frame, like=input)}

    @staticmethod
    def _threshold(params: dict[str, Any], values: np.ndarray, side: str) -> float | None:
        if params["threshold"] == CONSTANT:
            return float(params[f"constant_value_for_{side}_threshold"])
        present = values[~np.isnan(values)]
        if not len(present):
            return None  # an all-missing column has nothing to clip
        return float(np.percentile(present, params[f"percentile_value_for_{side}_threshold"]))

    @staticmethod
    def _place(
        frame: pd.DataFrame, column: str, clipped: np.ndarray, replaced: np.ndarray, params: dict[str, Any]
    ) -> None:
        """Overwrite the column or insert ``<name>_clipped_value`` after it; then the indicator."""
        position = frame.columns.get_loc(column)
        if params["overwrite_flag"]:
            frame[column] = clipped
        else:
            position += 1
            frame.insert(position, unique_column_name(f"{column}_clipped_value", frame.columns), clipped)
        if params["add_indicator_columns"]:
            frame.insert(position + 1, unique_column_name(f"{column}_clipped", frame.columns), replaced)


def _substitute(how: str, threshold: float, values: np.ndarray) -> float:
    if how == "Threshold":
        return threshold
    if how == "Missing" or np.isnan(values).all():
        return np.nan
    return float(np.nanmean(values) if how == "Mean" else np.nanmedian(values))
