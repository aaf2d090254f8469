"""Group Data into Bins: replace numbers by the number of the bin they fall in, with bins learned once
(quantiles, equal widths, entropy) and then applied unchanged to new data."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    BoolParam,
    Category,
    ChoiceParam,
    ColumnMeta,
    ColumnsParam,
    DataTable,
    FloatParam,
    IntParam,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    StringParam,
    Transformation,
    register,
    resolve_columns,
)

from ._numeric_columns import fitted_numeric_values, no_columns_error, numeric_values, require_fitted_columns
from ._row_selection import check_rows, single_column

QUANTILES = "Quantiles"
EQUAL_WIDTH = "Equal Width"
CUSTOM_START_STOP = "Equal Width With Custom Start and Stop"
CUSTOM_EDGES = "Custom Edges"
ENTROPY_MDL = "Entropy MDL"
BINNING_MODES = (QUANTILES, EQUAL_WIDTH, CUSTOM_START_STOP, CUSTOM_EDGES, ENTROPY_MDL)
OUTPUT_MODES = ("Append", "Inplace", "Result Only")
# Quantile normalization: how the bin number i (1..k) is reported; Percent and PQuantile follow the
# reference's formulas i / (k + 1) * 100 and i / (k + 1).
NORMALIZATION_MULTIPLIER = {"Percent": 100.0, "PQuantile": 1.0, "Quantile Index": None}
QUANTIZED_SUFFIX = "_quantized"


@dataclass
class BinningTransformation(Transformation):
    """Fitted bins: for each column, the sorted cut points. A value's bin is 1 + the number of cut points
    strictly below it, so bins are closed on the right, (c_i, c_i+1], and the first and last bins reach
    out to -inf and +inf: new values outside the training range land in the first or last bin."""

    columns: list[str]
    cut_points: dict[str, np.ndarray] = field(default_factory=dict)
    output_mode: str = "Append"
    categorical: bool = True
    # Quantiles only: report i / (bin_count + 1) * multiplier instead of i.
    normalization_multiplier: float | None = None
    bin_count: int = 0
    title: str = "Group Data into Bins"

    @property
    def input_columns(self) -> list[str]:
        return list(self.columns)

    def bin_numbers(self, column: str, values: np.ndarray) -> pd.Series:
        missing = np.isnan(values)
        numbers = np.searchsorted(self.cut_points[column], np.where(missing, 0.0, values), side="left") + 1
        if self.normalization_multiplier is not None:
            scaled = numbers / (self.bin_count + 1) * self.normalization_multiplier
            return pd.Series(np.where(missing, np.nan, scaled), dtype="float64")
        return pd.Series(pd.array(np.where(missing, 0, numbers), dtype="Int64")).mask(missing)

    def apply(self, table: DataTable) -> DataTable:
        require_fitted_columns(table, self.columns)
        binned = {
            column: self.bin_numbers(column, numeric_values(table.df[column], column)).set_axis(
                table.df.index
            )
            for column in self.columns
        }
        if self.output_mode == "Result Only":
            meta = {c: replace(table.meta[c], categorical=self.categorical) for c in self.columns}
            return DataTable(pd.DataFrame(binned).reset_index(drop=True), meta)
        frame = table.df.copy()
        meta = dict(table.meta)
        for column, series in binned.items():
            if self.output_mode == "Inplace":
                frame[column] = series
                meta[column] = replace(meta[column], categorical=self.categorical)
            else:
                name = _unused_name(f"{column}{QUANTIZED_SUFFIX}", set(frame.columns))
                frame[name] = series
                meta[name] = ColumnMeta(categorical=self.categorical)
        return DataTable(frame, meta)


def _unused_name(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}{number}", number + 1
    return candidate


# -- fitting the cut points ---------------------------------------------------------------------------


def quantile_cut_points(values: np.ndarray, bin_count: int) -> np.ndarray:
    """Inner edges of pandas.qcut(values, bin_count, duplicates="drop") (linear-interpolated quantiles)."""
    edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, bin_count + 1)))
    return edges[1:-1]


def equal_width_cut_points(values: np.ndarray, bin_count: int) -> np.ndarray:
    """Inner edges of pandas.cut(values, bin_count): equal widths from the minimum to the maximum."""
    _, edges = pd.cut(values, bin_count, retbins=True)
    return np.asarray(edges[1:-1], dtype=np.float64)


def start_stop_cut_points(first: float, width: float, last: float) -> np.ndarray:
    if last <= first:
        raise ModuleError(
            "invalid_bin_edges",
            f"'Last edge position' ({last}) must be greater than 'First edge position' ({first}).",
            parameter="last_edge_position",
        )
    # A tiny tolerance so that (1 - 0) / 0.1 counts as 10 steps despite floating-point rounding.
    steps = math.floor((last - first) / width + 1e-9)
    edges = first + width * np.arange(steps + 1)
    if edges[-1] < last - 1e-9 * max(1.0, abs(last)):
        edges = np.append(edges, last)
    return edges


def parse_edge_list(text: str | None) -> np.ndarray:
    parameter = "comma_separated_list_of_bin_edges"
    items = [item.strip() for item in (text or "").split(",") if item.strip()]
    if not items:
        raise ModuleError(
            "invalid_bin_edges",
            "Type the bin edges as numbers separated by commas, for example '0, 18, 65'.",
            parameter=parameter,
        )
    try:
        edges = np.array([float(item) for item in items])
    except ValueError:
        raise ModuleError(
            "invalid_bin_edges",
            f"'Comma-separated list of bin edges' must list numbers, like '0, 18, 65'; got {text!r}.",
            parameter=parameter,
        ) from None
    if not np.isfinite(edges).all() or (np.diff(edges) <= 0).any():
        raise ModuleError(
            "invalid_bin_edges",
            "The bin edges must be finite numbers in strictly increasing order, like '0, 18, 65'.",
            parameter=parameter,
        )
    return edges


def _entropy(counts: np.ndarray) -> np.ndarray:
    """Base-2 entropy of each row of class counts."""
    totals = counts.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(counts > 0, counts / totals, 1.0)
        return -(np.where(counts > 0, shares * np.log2(shares), 0.0)).sum(axis=-1)


def _log2_three_power_minus_two(classes: np.ndarray) -> np.ndarray:
    """log2(3^k - 2) without overflowing for many classes."""
    k = classes.astype(np.float64)
    return k * math.log2(3.0) + np.log2(1.0 - 2.0 / np.power(3.0, np.minimum(k, 600.0)))


class _EntropySplitter:
    """Fayyad and Irani's minimum-description-length discretisation (1993) on sorted values."""

    def __init__(self, values: np.ndarray, classes: np.ndarray) -> None:
        order = np.argsort(values, kind="stable")
        self.values = values[order]
        codes = classes[order]
        one_hot = np.zeros((len(codes), int(codes.max()) + 1))
        one_hot[np.arange(len(codes)), codes] = 1.0
        # cumulative[i] = class counts among the first i sorted values.
        self.cumulative = np.vstack([np.zeros(one_hot.shape[1]), np.cumsum(one_hot, axis=0)])

    def best_accepted_cut(self, start: int, end: int) -> tuple[float, int] | None:
        """(information gain, position) of the best cut of values[start:end] that passes the MDL test."""
        count = end - start
        positions = start + 1 + np.flatnonzero(self.values[start + 1 : end] != self.values[start : end - 1])
        if count < 2 or len(positions) == 0:
            return None
        whole = self.cumulative[end] - self.cumulative[start]
        left = self.cumulative[positions] - self.cumulative[start]
        right = whole - left
        left_n = (positions - start).astype(np.float64)
        whole_entropy = float(_entropy(whole))
        left_entropy, right_entropy = _entropy(left), _entropy(right)
        gains = whole_entropy - (left_n * left_entropy + (count - left_n) * right_entropy) / count
        best = int(np.argmax(gains))
        classes = np.count_nonzero(whole)
        left_classes, right_classes = np.count_nonzero(left[best]), np.count_nonzero(right[best])
        delta = float(_log2_three_power_minus_two(np.array([classes]))[0]) - (
            classes * whole_entropy - left_classes * left_entropy[best] - right_classes * right_entropy[best]
        )
        threshold = (math.log2(count - 1) + delta) / count
        return (float(gains[best]), int(positions[best])) if gains[best] > threshold else None

    def cut_points(self, max_bins: int) -> np.ndarray:
        """Accepted cuts, best gain first, until no interval can be split or ``max_bins`` is reached
        (without the cap this is the classic recursive algorithm: the order does not change the result)."""
        cuts: list[float] = []
        candidates: list[tuple[float, int, int, int]] = []

        def consider(start: int, end: int) -> None:
            found = self.best_accepted_cut(start, end)
            if found is not None:
                heapq.heappush(candidates, (-found[0], found[1], start, end))

        consider(0, len(self.values))
        while candidates and len(cuts) + 1 < max_bins:
            _, position, start, end = heapq.heappop(candidates)
            cuts.append((self.values[position - 1] + self.values[position]) / 2.0)
            consider(start, position)
            consider(position, end)
        return np.array(sorted(cuts), dtype=np.float64)


def entropy_cut_points(values: np.ndarray, labels: pd.Series, max_bins: int) -> np.ndarray:
    known = ~np.isnan(values) & labels.notna().to_numpy()
    if not known.any():
        return np.empty(0)
    classes, _ = pd.factorize(labels[known])
    return _EntropySplitter(values[known], np.asarray(classes)).cut_points(max_bins)


@register
class GroupDataIntoBins(Module):
    """Put the values of numeric columns into bins and output each value's bin number.

    Binning modes:
    - **Quantiles**: bins holding about the same number of rows (pandas.qcut; repeated edges dropped).
    - **Equal Width**: bins of equal width between the column's minimum and maximum (pandas.cut).
    - **Equal Width With Custom Start and Stop**: edges at first, first + width, ..., last.
    - **Custom Edges**: the edges you list, for example ``0, 18, 65``.
    - **Entropy MDL**: supervised bins that best separate the classes of a target column (Fayyad and
      Irani's entropy criterion with the minimum-description-length stopping rule; at most
      "Number of bins", splitting the highest-gain interval first). The target defaults to the column
      marked as label.

    Bins are closed on the right, ``(a, b]``. The edges are learned once, from this dataset, and kept in
    the **Binning transformation** output; Apply Transformation uses the same edges on new data, where
    values below the first edge go to bin 1 and values above the last edge to the last bin. With fixed
    edges (custom start/stop or custom edges) the bins are always: bin 1 = values <= first edge, then one
    bin per interval, then a last bin for values above the last edge.

    Output: bin numbers 1, 2, ... (for Quantiles, optionally normalised: Percent = i / (k + 1) * 100,
    PQuantile = i / (k + 1)); missing values stay missing. Output mode **Append** adds a
    ``<column>_quantized`` column, **Inplace** replaces the column, **Result Only** outputs only the
    binned columns.
    """

    key = "data_transformation.group_data_into_bins"
    title = "Group Data into Bins"
    category = Category.DATA_TRANSFORMATION
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (
        Port("quantized_dataset", "Quantized dataset", PortType.DATASET),
        Port("binning_transformation", "Binning transformation", PortType.TRANSFORMATION),
    )
    params = (
        ChoiceParam("binning_mode", "Binning mode", default=QUANTILES, choices=BINNING_MODES),
        ColumnsParam("columns_to_bin", "Columns to bin", port="dataset", description="Numeric columns."),
        ChoiceParam("output_mode", "Output mode", default="Append", choices=OUTPUT_MODES),
        BoolParam("tag_columns_as_categorical", "Tag columns as categorical", default=True),
        IntParam(
            "number_of_bins",
            "Number of bins",
            default=10,
            min=1,
            visible_when={"binning_mode": (QUANTILES, EQUAL_WIDTH, ENTROPY_MDL)},
        ),
        ChoiceParam(
            "quantile_normalization",
            "Quantile normalization",
            default="Percent",
            choices=tuple(NORMALIZATION_MULTIPLIER),
            visible_when={"binning_mode": (QUANTILES,)},
        ),
        FloatParam(
            "first_edge_position",
            "First edge position",
            default=0.0,
            visible_when={"binning_mode": (CUSTOM_START_STOP,)},
        ),
        FloatParam(
            "bin_width",
            "Bin width",
            default=0.5,
            min=0.0,
            exclusive_min=True,
            visible_when={"binning_mode": (CUSTOM_START_STOP,)},
        ),
        FloatParam(
            "last_edge_position",
            "Last edge position",
            default=1.0,
            visible_when={"binning_mode": (CUSTOM_START_STOP,)},
        ),
        StringParam(
            "comma_separated_list_of_bin_edges",
            "Comma-separated list of bin edges",
            visible_when={"binning_mode": (CUSTOM_EDGES,)},
        ),
        ColumnsParam(
            "target_column",
            "Target column",
            port="dataset",
            single=True,
            optional=True,
            description="The classes the bins should separate; the label column when left empty.",
            visible_when={"binning_mode": (ENTROPY_MDL,)},
        ),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        check_rows(dataset, "dataset", "Dataset")
        mode = params["binning_mode"]
        columns = resolve_columns(dataset, params["columns_to_bin"], "columns_to_bin")
        if not columns:
            raise no_columns_error("columns_to_bin", "Columns to bin")
        fixed_edges = None
        if mode == CUSTOM_EDGES:
            fixed_edges = parse_edge_list(params["comma_separated_list_of_bin_edges"])
        elif mode == CUSTOM_START_STOP:
            fixed_edges = start_stop_cut_points(
                params["first_edge_position"], params["bin_width"], params["last_edge_position"]
            )
        labels = self._entropy_target(dataset, params) if mode == ENTROPY_MDL else None
        cut_points = {}
        for column in columns:
            values = fitted_numeric_values(dataset, column, "columns_to_bin")
            if fixed_edges is not None:
                cut_points[column] = fixed_edges
                continue
            finite = values[~np.isnan(values)]
            if np.isinf(finite).any():
                raise ModuleError(
                    "infinite_values",
                    f"Column '{column}' contains infinite values, so its bins cannot be computed. Replace "
                    "them first (Clip Values or Clean Missing Data), or use Custom Edges.",
                    column=column,
                )
            bin_count = params["number_of_bins"]
            if mode == QUANTILES:
                cut_points[column] = quantile_cut_points(finite, bin_count)
            elif mode == EQUAL_WIDTH:
                cut_points[column] = equal_width_cut_points(finite, bin_count)
            else:
                assert labels is not None
                cut_points[column] = entropy_cut_points(values, labels, bin_count)
        transformation = BinningTransformation(
            columns=columns,
            cut_points=cut_points,
            output_mode=params["output_mode"],
            categorical=params["tag_columns_as_categorical"],
            normalization_multiplier=(
                NORMALIZATION_MULTIPLIER[params["quantile_normalization"]] if mode == QUANTILES else None
            ),
            bin_count=params["number_of_bins"],
        )
        return {"quantized_dataset": transformation.apply(dataset), "binning_transformation": transformation}

    @staticmethod
    def _entropy_target(dataset: DataTable, params: dict[str, Any]) -> pd.Series:
        if params["target_column"] is not None:
            target = single_column(dataset, params["target_column"], "target_column", "Target column")
        elif dataset.label_column is not None:
            target = dataset.label_column
        else:
            raise ModuleError(
                "missing_label_column",
                "Entropy MDL bins values by how well they separate the classes of a target column. Choose "
                "the 'Target column', or mark the label with Edit Metadata.",
                parameter="target_column",
            )
        labels = dataset.df[target]
        if labels.isna().all():
            raise ModuleError(
                "all_missing_column",
                f"The target column '{target}' has no values, so Entropy MDL has no classes to separate.",
                column=target,
                parameter="target_column",
            )
        return labels
