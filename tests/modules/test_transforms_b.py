"""Reference tests for Group Data into Bins, Join Data, Normalize Data, Partition and Sample, Remove
Duplicate Rows, SMOTE, Select Columns Transform and Split Data: each is compared with scikit-learn,
imbalanced-learn, scipy or pandas called directly with the same parameters, on real data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE, SMOTENC
from scipy import special, stats
from sklearn.datasets import load_digits
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.preprocessing import KBinsDiscretizer, MinMaxScaler, StandardScaler

from modules.sdk import FOLD_COLUMN, DataTable, ModuleError, RunContext, get_module
from tests.modules import data
from tests.modules.examples import all_examples

PENGUIN_NUMBERS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def run(key: str, params: dict[str, Any], **inputs: Any) -> dict[str, Any]:
    return get_module(key).execute(RunContext(), params, **inputs)


def error_of(key: str, params: dict[str, Any], **inputs: Any) -> ModuleError:
    with pytest.raises(ModuleError) as caught:
        run(key, params, **inputs)
    return caught.value


def train_test(table: DataTable, rows: int = 240) -> tuple[DataTable, DataTable]:
    """The first rows to fit on, the others to apply the fitted state to (penguins are ordered by species,
    so the test rows hold values outside the training range)."""
    return (
        DataTable.from_frame(table.df.iloc[:rows].reset_index(drop=True), like=table),
        DataTable.from_frame(table.df.iloc[rows:].reset_index(drop=True), like=table),
    )


def assert_close(actual: Any, expected: Any) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64), rtol=1e-12, atol=1e-9
    )


def assert_same_rows(actual: DataTable, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(actual.df, expected.reset_index(drop=True), check_dtype=False)


# -- every module of this area leaves its inputs untouched -----------------------------------------

MODULE_KEYS = [
    "data_transformation.group_data_into_bins",
    "data_transformation.join_data",
    "data_transformation.normalize_data",
    "data_transformation.partition_and_sample",
    "data_transformation.remove_duplicate_rows",
    "data_transformation.smote",
    "data_transformation.select_columns_transform",
    "data_transformation.split_data",
]


@pytest.mark.parametrize("key", MODULE_KEYS)
def test_inputs_are_not_mutated(key: str) -> None:
    example = all_examples()[key]
    inputs = example.inputs()
    before = {name: (table.df.copy(), dict(table.meta)) for name, table in inputs.items()}
    run(key, example.params, **inputs)
    for name, table in inputs.items():
        pd.testing.assert_frame_equal(table.df, before[name][0])
        assert table.meta == before[name][1]


def test_training_only_row_modules_pass_through_at_inference() -> None:
    for key in (
        "data_transformation.split_data",
        "data_transformation.partition_and_sample",
        "data_transformation.smote",
    ):
        assert get_module(key).pass_through_at_inference


# -- Normalize Data ------------------------------------------------------------------------------------

NORMALIZE = "data_transformation.normalize_data"


@pytest.mark.parametrize("method, scaler", [("ZScore", StandardScaler), ("MinMax", MinMaxScaler)])
def test_normalize_fits_on_train_and_applies_train_statistics(method: str, scaler: type) -> None:
    train, test = train_test(data.penguins())
    out = run(
        NORMALIZE, {"transformation_method": method, "columns_to_transform": PENGUIN_NUMBERS}, dataset=train
    )
    reference = scaler().fit(train.df[PENGUIN_NUMBERS])  # both ignore missing values when fitting
    assert_close(
        out["transformed_dataset"].df[PENGUIN_NUMBERS], reference.transform(train.df[PENGUIN_NUMBERS])
    )
    applied = out["transformation_function"].apply(test)
    assert_close(applied.df[PENGUIN_NUMBERS], reference.transform(test.df[PENGUIN_NUMBERS]))
    pd.testing.assert_frame_equal(
        applied.df.drop(columns=PENGUIN_NUMBERS), test.df.drop(columns=PENGUIN_NUMBERS)
    )
    assert out["transformation_function"].input_columns == PENGUIN_NUMBERS


@pytest.mark.parametrize("method, function", [("Logistic", special.expit), ("Tanh", np.tanh)])
def test_normalize_fixed_functions(method: str, function: Any) -> None:
    table = data.diabetes()
    columns = ["bmi", "bp", "s1"]
    out = run(NORMALIZE, {"transformation_method": method, "columns_to_transform": columns}, dataset=table)
    assert_close(out["transformed_dataset"].df[columns], function(table.df[columns].to_numpy()))


def test_normalize_lognormal_matches_scipy_fit_with_location_zero() -> None:
    train, test = train_test(data.penguins())
    out = run(
        NORMALIZE,
        {"transformation_method": "LogNormal", "columns_to_transform": PENGUIN_NUMBERS},
        dataset=train,
    )
    applied = out["transformation_function"].apply(test)
    for column in PENGUIN_NUMBERS:
        values = train.df[column].dropna()
        shape, loc, scale = stats.lognorm.fit(values[values > 0], floc=0)
        assert_close(
            out["transformed_dataset"].df[column], stats.lognorm.cdf(train.df[column], shape, loc, scale)
        )
        assert_close(applied.df[column], stats.lognorm.cdf(test.df[column], shape, loc, scale))


@pytest.mark.parametrize("use_zero, expected", [(True, 0.0), (False, np.nan)])
def test_normalize_constant_column(use_zero: bool, expected: float) -> None:
    table = data.penguins()
    adelie = DataTable.from_frame(
        table.df[table.df["species"] == "Adelie"].reset_index(drop=True), like=table
    )
    params = {
        "transformation_method": "ZScore",
        "columns_to_transform": ["year", "body_mass_g"],
        "use_0_for_constant_columns_when_checked": use_zero,
    }
    # All Adelie rows of 2007 only: the year is constant.
    first_year = DataTable.from_frame(
        adelie.df[adelie.df["year"] == 2007].reset_index(drop=True), like=adelie
    )
    out = run(NORMALIZE, params, dataset=first_year)["transformed_dataset"].df
    np.testing.assert_array_equal(out["year"].to_numpy(), np.full(len(out), expected))
    assert out["body_mass_g"].notna().sum() == first_year.df["body_mass_g"].notna().sum()


def test_normalize_errors() -> None:
    penguins = data.penguins()
    assert error_of(NORMALIZE, {"columns_to_transform": ["species"]}, dataset=penguins).code == "not_numeric"
    missing = error_of(NORMALIZE, {"columns_to_transform": ["no such column"]}, dataset=penguins)
    assert missing.code == "missing_column" and missing.parameter == "columns_to_transform"
    blank = DataTable(penguins.df.assign(blank=np.nan))
    assert (
        error_of(NORMALIZE, {"columns_to_transform": ["blank"]}, dataset=blank).code == "all_missing_column"
    )
    empty = DataTable.from_frame(penguins.df.iloc[:0], like=penguins)
    assert error_of(NORMALIZE, {"columns_to_transform": ["year"]}, dataset=empty).code == "empty_dataset"
    fitted = run(NORMALIZE, {"columns_to_transform": ["body_mass_g"]}, dataset=penguins)[
        "transformation_function"
    ]
    with pytest.raises(ModuleError) as caught:
        fitted.apply(DataTable(penguins.df.drop(columns=["body_mass_g"])))
    assert caught.value.code == "missing_column"
    negative = DataTable(penguins.df.assign(body_mass_g=-penguins.df["body_mass_g"]))
    params = {"transformation_method": "LogNormal", "columns_to_transform": ["body_mass_g"]}
    assert error_of(NORMALIZE, params, dataset=negative).code == "no_positive_values"


# -- Group Data into Bins ----------------------------------------------------------------------------

BINS = "data_transformation.group_data_into_bins"


def _bins(params: dict[str, Any], table: DataTable) -> dict[str, Any]:
    return run(BINS, {"columns_to_bin": PENGUIN_NUMBERS, **params}, dataset=table)


def test_quantile_bins_match_pandas_qcut_and_apply_training_edges() -> None:
    train, test = train_test(data.penguins())
    out = _bins({"output_mode": "Result Only", "quantile_normalization": "Quantile Index"}, train)
    fitted = out["binning_transformation"]
    applied = fitted.apply(test).df
    for column in PENGUIN_NUMBERS:
        expected, edges = pd.qcut(train.df[column], 10, labels=False, retbins=True, duplicates="drop")
        assert out["quantized_dataset"].df[column].astype("Float64").equals((expected + 1).astype("Float64"))
        open_edges = [-np.inf, *edges[1:-1], np.inf]
        expected_test = pd.cut(test.df[column], open_edges, labels=False) + 1
        assert applied[column].astype("Float64").equals(expected_test.astype("Float64"))
        # scikit-learn's KBinsDiscretizer learns the same edges; it closes bins on the left instead of the
        # right, so compare the test values that do not sit exactly on an edge.
        present = train.df[column].dropna().to_numpy().reshape(-1, 1)
        binner = KBinsDiscretizer(10, encode="ordinal", strategy="quantile", quantile_method="linear").fit(
            present
        )
        values = test.df[column].dropna()
        off_edge = ~values.isin(binner.bin_edges_[0])
        sklearn_bins = binner.transform(values.to_numpy().reshape(-1, 1)).ravel() + 1
        np.testing.assert_array_equal(
            applied[column].dropna()[off_edge].to_numpy(dtype=float), sklearn_bins[off_edge]
        )


@pytest.mark.parametrize("normalization, multiplier", [("Percent", 100.0), ("PQuantile", 1.0)])
def test_quantile_normalization(normalization: str, multiplier: float) -> None:
    table = data.penguins()
    out = _bins({"quantile_normalization": normalization, "number_of_bins": 4}, table)["quantized_dataset"].df
    for column in PENGUIN_NUMBERS:
        index = pd.qcut(table.df[column], 4, labels=False, duplicates="drop") + 1
        assert_close(out[f"{column}_quantized"], index / 5 * multiplier)


def test_equal_width_bins_match_pandas_cut() -> None:
    train, test = train_test(data.penguins())
    out = _bins({"binning_mode": "Equal Width", "number_of_bins": 5, "output_mode": "Inplace"}, train)
    applied = out["binning_transformation"].apply(test).df
    for column in PENGUIN_NUMBERS:
        expected, edges = pd.cut(train.df[column], 5, labels=False, retbins=True)
        assert out["quantized_dataset"].df[column].astype("Float64").equals((expected + 1).astype("Float64"))
        expected_test = pd.cut(test.df[column], [-np.inf, *edges[1:-1], np.inf], labels=False) + 1
        assert applied[column].astype("Float64").equals(expected_test.astype("Float64"))
    assert out["quantized_dataset"].meta["body_mass_g"].categorical


@pytest.mark.parametrize(
    "params, edges",
    [
        (
            {"binning_mode": "Custom Edges", "comma_separated_list_of_bin_edges": "3000, 3500,4000 ,5000"},
            [3000, 3500, 4000, 5000],
        ),
        (
            {
                "binning_mode": "Equal Width With Custom Start and Stop",
                "first_edge_position": 3000.0,
                "bin_width": 700.0,
                "last_edge_position": 5000.0,
            },
            [3000, 3700, 4400, 5000],
        ),
    ],
)
def test_fixed_edges(params: dict[str, Any], edges: list[float]) -> None:
    table = data.penguins()
    out = run(
        BINS,
        {"columns_to_bin": ["body_mass_g"], "tag_columns_as_categorical": False, **params},
        dataset=table,
    )
    expected = pd.cut(table.df["body_mass_g"], [-np.inf, *edges, np.inf], labels=False) + 1
    quantized = out["quantized_dataset"]
    assert quantized.df["body_mass_g_quantized"].astype("Float64").equals(expected.astype("Float64"))
    assert not quantized.meta["body_mass_g_quantized"].categorical


def _reference_mdl_cuts(values: np.ndarray, labels: np.ndarray) -> list[float]:
    """Fayyad and Irani (1993), written out plainly: recursive best-entropy cut with the MDL stop rule."""

    def entropy(part: np.ndarray) -> float:
        _, counts = np.unique(part, return_counts=True)
        shares = counts / counts.sum()
        return float(-(shares * np.log2(shares)).sum())

    def split(x: np.ndarray, y: np.ndarray) -> list[float]:
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
        best = None
        for i in range(1, len(x)):
            if x[i] == x[i - 1]:
                continue
            gain = entropy(y) - (i * entropy(y[:i]) + (len(x) - i) * entropy(y[i:])) / len(x)
            if best is None or gain > best[0]:
                best = (gain, i)
        if best is None:
            return []
        gain, i = best
        k, k1, k2 = (len(np.unique(part)) for part in (y, y[:i], y[i:]))
        delta = np.log2(3.0**k - 2) - (k * entropy(y) - k1 * entropy(y[:i]) - k2 * entropy(y[i:]))
        if gain <= (np.log2(len(x) - 1) + delta) / len(x):
            return []
        return [*split(x[:i], y[:i]), (x[i - 1] + x[i]) / 2, *split(x[i:], y[i:])]

    return split(values, labels)


def test_entropy_mdl_matches_fayyad_irani() -> None:
    iris = data.iris()
    columns = ["sepal length (cm)", "petal length (cm)", "petal width (cm)"]
    params = {
        "binning_mode": "Entropy MDL",
        "columns_to_bin": columns,
        "number_of_bins": 100,
        "target_column": "species",
    }
    fitted = run(BINS, params, dataset=iris)["binning_transformation"]
    for column in columns:
        expected = _reference_mdl_cuts(iris.df[column].to_numpy(), iris.df["species"].to_numpy())
        assert expected, "iris features do separate the species"
        assert_close(fitted.cut_points[column], expected)
    # Capped at two bins: the single best cut of the whole column (petal length 2.45 splits off setosa).
    capped = run(BINS, {**params, "number_of_bins": 2}, dataset=iris)["binning_transformation"]
    first_cut = _reference_mdl_cuts(iris.df["petal length (cm)"].to_numpy(), iris.df["species"].to_numpy())
    assert len(capped.cut_points["petal length (cm)"]) == 1
    assert capped.cut_points["petal length (cm)"][0] in first_cut
    # Without a target parameter the column marked as label is used.
    labelled = iris.with_meta("species", is_label=True)
    no_target = {k: v for k, v in params.items() if k != "target_column"}
    fitted_from_label = run(BINS, no_target, dataset=labelled)["binning_transformation"]
    assert_close(fitted_from_label.cut_points["petal width (cm)"], fitted.cut_points["petal width (cm)"])


def test_binning_output_modes_and_names() -> None:
    table = DataTable(data.penguins().df.assign(body_mass_g_quantized="taken"))
    appended = run(BINS, {"columns_to_bin": ["body_mass_g"]}, dataset=table)["quantized_dataset"]
    assert appended.columns == [*table.columns, "body_mass_g_quantized2"]
    assert appended.meta["body_mass_g_quantized2"].categorical
    only = run(BINS, {"columns_to_bin": ["body_mass_g", "year"], "output_mode": "Result Only"}, dataset=table)
    assert only["quantized_dataset"].columns == ["body_mass_g", "year"]
    assert only["quantized_dataset"].df["body_mass_g"].isna().sum() == table.df["body_mass_g"].isna().sum()


def test_binning_errors() -> None:
    penguins = data.penguins()
    assert error_of(BINS, {"columns_to_bin": ["island"]}, dataset=penguins).code == "not_numeric"
    blank = DataTable(penguins.df.assign(blank=np.nan))
    assert error_of(BINS, {"columns_to_bin": ["blank"]}, dataset=blank).code == "all_missing_column"
    for edges in ("1, 3, 2", "1, two", ""):
        bad = error_of(
            BINS,
            {
                "columns_to_bin": ["year"],
                "binning_mode": "Custom Edges",
                "comma_separated_list_of_bin_edges": edges,
            },
            dataset=penguins,
        )
        assert bad.code == "invalid_bin_edges" and bad.parameter == "comma_separated_list_of_bin_edges"
    infinite = DataTable(penguins.df.assign(body_mass_g=penguins.df["body_mass_g"].replace(3750.0, np.inf)))
    assert error_of(BINS, {"columns_to_bin": ["body_mass_g"]}, dataset=infinite).code == "infinite_values"
    no_label = error_of(BINS, {"columns_to_bin": ["year"], "binning_mode": "Entropy MDL"}, dataset=penguins)
    assert no_label.code == "missing_label_column"
    reversed_stop = {
        "columns_to_bin": ["year"],
        "binning_mode": "Equal Width With Custom Start and Stop",
        "first_edge_position": 2.0,
        "last_edge_position": 1.0,
    }
    assert error_of(BINS, reversed_stop, dataset=penguins).code == "invalid_bin_edges"
    empty = DataTable.from_frame(penguins.df.iloc[:0], like=penguins)
    assert error_of(BINS, {"columns_to_bin": ["year"]}, dataset=empty).code == "empty_dataset"


# -- Join Data -------------------------------------------------------------------------------------------

JOIN = "data_transformation.join_data"


def _join_inputs() -> tuple[DataTable, DataTable]:
    """Penguins (left) and a per-species-and-island summary (right) with its own key names; row ids on
    both sides let the pandas result be put in our documented order."""
    penguins = data.penguins().df
    summary = penguins.groupby(["species", "island"]).agg(mean_mass=("body_mass_g", "mean")).reset_index()
    summary = summary.rename(columns={"species": "Species", "island": "Island"})
    summary = pd.concat(
        [summary, pd.DataFrame({"Species": ["Emperor"], "Island": ["Ross"], "mean_mass": [23000.0]})]
    )
    left = penguins.assign(left_row=np.arange(len(penguins)))
    left = left[left["island"] != "Torgersen"].reset_index(drop=True)  # some right rows stay unmatched
    right = summary.reset_index(drop=True).assign(right_row=np.arange(len(summary)))
    return DataTable(left), DataTable(right)


KEYS = {
    "join_key_columns_for_left_dataset": ["species", "island"],
    "join_key_columns_for_right_dataset": ["Species", "Island"],
}


@pytest.mark.parametrize(
    "join_type, how", [("Inner Join", "inner"), ("Left Outer Join", "left"), ("Full Outer Join", "outer")]
)
def test_join_matches_pandas_merge(join_type: str, how: str) -> None:
    left, right = _join_inputs()
    out = run(JOIN, {**KEYS, "join_type": join_type}, left_dataset=left, right_dataset=right)[
        "results_dataset"
    ]
    expected = left.df.merge(right.df, left_on=["species", "island"], right_on=["Species", "Island"], how=how)
    expected = expected.sort_values(["left_row", "right_row"], kind="stable", na_position="last")
    pd.testing.assert_frame_equal(out.df, expected.reset_index(drop=True), check_dtype=False)


def test_left_semi_join_and_dropping_right_keys() -> None:
    left, right = _join_inputs()
    semi = run(JOIN, {**KEYS, "join_type": "Left Semi-Join"}, left_dataset=left, right_dataset=right)[
        "results_dataset"
    ]
    pairs = set(zip(right.df["Species"], right.df["Island"], strict=True))
    matched = [(s, i) in pairs for s, i in zip(left.df["species"], left.df["island"], strict=True)]
    assert_same_rows(semi, left.df[matched])
    dropped = run(
        JOIN,
        {**KEYS, "keep_right_key_columns_in_joined_table": False},
        left_dataset=left,
        right_dataset=right,
    )
    assert dropped["results_dataset"].columns == [*left.columns, "mean_mass", "right_row"]


def test_join_ignores_case_when_asked_and_never_matches_missing_keys() -> None:
    left, right = _join_inputs()
    shouting = DataTable(right.df.assign(Species=right.df["Species"].str.upper()))
    params = {**KEYS, "match_case": False}
    out = run(JOIN, params, left_dataset=left, right_dataset=shouting)["results_dataset"]
    expected = left.df.assign(key=left.df["species"].str.upper()).merge(
        shouting.df, left_on=["key", "island"], right_on=["Species", "Island"]
    )
    assert (
        out.df["right_row"].tolist() == expected.sort_values("left_row", kind="stable")["right_row"].tolist()
    )
    assert len(run(JOIN, KEYS, left_dataset=left, right_dataset=shouting)["results_dataset"]) == 0
    # pandas.merge pairs missing with missing; a database join (and this module) does not.
    sexes = DataTable(pd.DataFrame({"sex": ["male", "female", None], "code": ["M", "F", "?"]}))
    by_sex = {"join_key_columns_for_left_dataset": ["sex"], "join_key_columns_for_right_dataset": ["sex"]}
    joined = run(JOIN, {**by_sex, "join_type": "Left Outer Join"}, left_dataset=left, right_dataset=sexes)[
        "results_dataset"
    ]
    assert joined.columns[-2:] == ["sex_R", "code"]
    assert joined.df.loc[left.df["sex"].isna().to_numpy(), "code"].isna().all()
    assert joined.df.loc[left.df["sex"].notna().to_numpy(), "code"].notna().all()


def test_join_suffixes_avoid_taken_names() -> None:
    left = DataTable(pd.DataFrame({"k": [1, 2], "v": [10, 20], "v_R": [0, 0]}))
    right = DataTable(pd.DataFrame({"k": [2, 1], "v": [200, 100]}))
    keys = {"join_key_columns_for_left_dataset": ["k"], "join_key_columns_for_right_dataset": ["k"]}
    out = run(JOIN, keys, left_dataset=left, right_dataset=right)["results_dataset"]
    assert out.columns == ["k", "v", "v_R", "k_R1", "v_R1"]
    assert out.df["v_R1"].tolist() == [100, 200]


def test_join_errors() -> None:
    left, right = _join_inputs()
    mismatch = {
        "join_key_columns_for_left_dataset": ["species", "island"],
        "join_key_columns_for_right_dataset": ["Species"],
    }
    assert error_of(JOIN, mismatch, left_dataset=left, right_dataset=right).code == "key_count_mismatch"
    types = {"join_key_columns_for_left_dataset": ["year"], "join_key_columns_for_right_dataset": ["Species"]}
    assert error_of(JOIN, types, left_dataset=left, right_dataset=right).code == "incompatible_key_types"
    unknown = {
        "join_key_columns_for_left_dataset": ["nope"],
        "join_key_columns_for_right_dataset": ["Species"],
    }
    error = error_of(JOIN, unknown, left_dataset=left, right_dataset=right)
    assert error.code == "missing_column" and error.parameter == "join_key_columns_for_left_dataset"


# -- Remove Duplicate Rows and Select Columns Transform ------------------------------------------------


@pytest.mark.parametrize("retain_first, keep", [(True, "first"), (False, "last")])
def test_remove_duplicates_matches_pandas(retain_first: bool, keep: str) -> None:
    penguins = data.penguins()
    keys = ["species", "island", "sex"]
    params = {"key_column_selection_filter_expression": keys, "retain_first_duplicate_row": retain_first}
    out = run("data_transformation.remove_duplicate_rows", params, dataset=penguins)["results_dataset"]
    assert_same_rows(out, penguins.df.drop_duplicates(subset=keys, keep=keep))
    selection = {"rules": [{"op": "include", "kind": "numeric"}, {"op": "exclude", "kind": "numeric"}]}
    error = error_of(
        "data_transformation.remove_duplicate_rows",
        {"key_column_selection_filter_expression": selection},
        dataset=penguins,
    )
    assert error.code == "no_columns_selected"


def test_select_columns_transform_keeps_the_remembered_columns() -> None:
    penguins = data.penguins()
    chosen = DataTable.from_frame(penguins.df[["sex", "body_mass_g", "species"]], like=penguins).with_meta(
        "sex", is_label=True
    )
    fitted = run("data_transformation.select_columns_transform", {}, dataset_with_desired_columns=chosen)
    transformation = fitted["columns_selection_transformation"]
    assert transformation.input_columns == ["body_mass_g", "species"]
    assert transformation.apply(penguins).df.equals(penguins.df[["sex", "body_mass_g", "species"]])
    scoring_request = DataTable(penguins.df.drop(columns=["sex"]))
    assert transformation.apply(scoring_request).columns == ["body_mass_g", "species"]
    with pytest.raises(ModuleError) as caught:
        transformation.apply(DataTable(penguins.df.drop(columns=["species"])))
    assert caught.value.code == "missing_column" and caught.value.column == "species"


# -- Split Data ------------------------------------------------------------------------------------------

SPLIT = "data_transformation.split_data"


def _split(table: DataTable, **params: Any) -> tuple[DataTable, DataTable]:
    out = run(SPLIT, params, dataset=table)
    return out["results_dataset1"], out["results_dataset2"]


@pytest.mark.parametrize("fraction, seed", [(0.7, 0), (0.25, 123), (1.0, 5)])
def test_split_rows_is_train_test_split(fraction: float, seed: int) -> None:
    penguins = data.penguins()
    first, second = _split(penguins, fraction_of_rows_in_the_first_output_dataset=fraction, random_seed=seed)
    n_first = round(fraction * len(penguins))
    assert len(first) == n_first and len(second) == len(penguins) - n_first
    if 0 < n_first < len(penguins):
        train, test = train_test_split(
            penguins.df, train_size=n_first, test_size=len(penguins) - n_first, random_state=seed
        )
        assert_same_rows(first, train)
        assert_same_rows(second, test)
    ordered = _split(penguins, fraction_of_rows_in_the_first_output_dataset=fraction, randomized_split=False)
    train, test = (
        train_test_split(penguins.df, train_size=n_first, test_size=len(penguins) - n_first, shuffle=False)
        if 0 < n_first < len(penguins)
        else (penguins.df, penguins.df.iloc[:0])
    )
    assert_same_rows(ordered[0], train)
    assert_same_rows(ordered[1], test)


def test_stratified_split_rows_samples_each_stratum() -> None:
    penguins = data.penguins()  # 'sex' has missing values: they form a stratum of their own
    params = {
        "fraction_of_rows_in_the_first_output_dataset": 0.6,
        "random_seed": 9,
        "stratified_split": "True",
        "stratification_key_column": "sex",
    }
    first, second = _split(penguins, **params)
    expected = penguins.df.groupby("sex", sort=False, dropna=False).sample(
        frac=0.6, random_state=np.random.RandomState(9)
    )
    assert_same_rows(first, expected)
    assert_same_rows(second, penguins.df.drop(index=expected.index))
    sizes = penguins.df["sex"].value_counts(dropna=False)
    assert first.df["sex"].value_counts(dropna=False).to_dict() == {
        k: round(0.6 * v) for k, v in sizes.items()
    }
    ordered_first, _ = _split(penguins, **params, randomized_split=False)
    groups = penguins.df.groupby("sex", sort=False, dropna=False)
    limit = groups["year"].transform("size").map(lambda size: round(0.6 * size))
    assert_same_rows(ordered_first, penguins.df[groups.cumcount() < limit])


def test_regular_expression_split() -> None:
    penguins = data.penguins()
    first, second = _split(penguins, splitting_mode="Regular Expression", regular_expression='\\"island" ^Bi')
    mask = penguins.df["island"].str.contains("^Bi", regex=True)
    assert_same_rows(first, penguins.df[mask])
    assert_same_rows(second, penguins.df[~mask])
    # Numbers are matched as text; missing values as empty text; columns may be given by number.
    first, _ = _split(
        penguins, splitting_mode="Regular Expression", regular_expression="(\\6) ^4\\d\\d\\d\\."
    )
    assert_same_rows(first, penguins.df[penguins.df["body_mass_g"].between(4000, 4999)])
    blank, _ = _split(penguins, splitting_mode="Regular Expression", regular_expression='\\"sex" ^$')
    assert_same_rows(blank, penguins.df[penguins.df["sex"].isna()])


@pytest.mark.parametrize(
    "expression, expected",
    [
        ('\\"body_mass_g" > 4000', lambda df: df["body_mass_g"] > 4000),
        (
            '\\"body_mass_g" >= 3500 & < 4500 | == 5000',
            lambda df: (
                ((df["body_mass_g"] >= 3500) & (df["body_mass_g"] < 4500)) | (df["body_mass_g"] == 5000)
            ),
        ),
        (
            '\\"body_mass_g" < 3000 || > 5500 && != 6300',
            lambda df: (
                ((df["body_mass_g"] < 3000) | (df["body_mass_g"] > 5500)) & (df["body_mass_g"] != 6300)
            ),
        ),
        ('\\"year" = 2008', lambda df: df["year"] == 2008),
        ('\\"year" <= 2008', lambda df: df["year"] <= 2008),
        ('\\"species" == Gentoo', lambda df: df["species"] == "Gentoo"),
        ('\\"sex" != "male"', lambda df: df["sex"].notna() & (df["sex"] != "male")),
        (
            '\\"flipper_length_mm" != 200',
            lambda df: df["flipper_length_mm"].notna() & (df["flipper_length_mm"] != 200),
        ),
    ],
)
def test_relative_expression_split(expression: str, expected: Any) -> None:
    penguins = data.penguins()
    first, second = _split(penguins, splitting_mode="Relative Expression", relational_expression=expression)
    mask = expected(penguins.df).fillna(False).astype(bool)
    assert_same_rows(first, penguins.df[mask])
    assert_same_rows(second, penguins.df[~mask])


def test_relative_expression_on_dates() -> None:
    cars = data.cars()
    first, _ = _split(
        cars, splitting_mode="Relative Expression", relational_expression='\\"Year" > 1975-06-01'
    )
    assert_same_rows(first, cars.df[cars.df["Year"] > pd.Timestamp("1975-06-01")])


@pytest.mark.parametrize(
    "mode, parameter, expression, code",
    [
        ("Relative Expression", "relational_expression", '\\"nope" > 3', "missing_column"),
        ("Relative Expression", "relational_expression", "body_mass_g > 3", "invalid_expression"),
        ("Relative Expression", "relational_expression", '\\"body_mass_g" ~ 3', "invalid_expression"),
        ("Relative Expression", "relational_expression", '\\"body_mass_g" > heavy', "invalid_expression"),
        ("Relative Expression", "relational_expression", '\\"species" > Adelie', "invalid_expression"),
        ("Relative Expression", "relational_expression", "(\\99) > 3", "invalid_expression"),
        ("Regular Expression", "regular_expression", '\\"species" (unclosed', "invalid_expression"),
    ],
)
def test_split_expression_errors(mode: str, parameter: str, expression: str, code: str) -> None:
    error = error_of(SPLIT, {"splitting_mode": mode, parameter: expression}, dataset=data.penguins())
    assert error.code == code and error.parameter == parameter


def test_stratified_split_needs_its_column() -> None:
    error = error_of(SPLIT, {"stratified_split": "True"}, dataset=data.penguins())
    assert error.code == "missing_parameter" and error.parameter == "stratification_key_column"


# -- Partition and Sample ---------------------------------------------------------------------------

PARTITION = "data_transformation.partition_and_sample"
FOLDS = {"partition_or_sample_mode": "Assign to Folds"}


def _sklearn_folds(splitter: Any, table: DataTable, y: Any = None) -> np.ndarray:
    folds = np.empty(len(table), dtype=int)
    for number, (_, test_rows) in enumerate(splitter.split(table.df, y)):
        folds[test_rows] = number + 1
    return folds


@pytest.mark.parametrize("randomized", [True, False])
def test_even_folds_are_kfold(randomized: bool) -> None:
    penguins = data.penguins()
    params = {
        **FOLDS,
        "randomized_split": randomized,
        "random_seed": 11,
        "specify_number_of_folds_to_split_evenly_into": 7,
    }
    out = run(PARTITION, params, dataset=penguins)["results_dataset"]
    splitter = KFold(7, shuffle=randomized, random_state=11 if randomized else None)
    np.testing.assert_array_equal(out.df[FOLD_COLUMN].to_numpy(), _sklearn_folds(splitter, penguins))
    pd.testing.assert_frame_equal(out.df.drop(columns=[FOLD_COLUMN]), penguins.df)
    assert not out.meta[FOLD_COLUMN].is_feature and FOLD_COLUMN not in out.feature_columns()


@pytest.mark.parametrize("randomized", [True, False])
def test_stratified_even_folds_are_stratified_kfold(randomized: bool) -> None:
    penguins = data.penguins()
    params = {
        **FOLDS,
        "randomized_split": randomized,
        "random_seed": 3,
        "stratified_split": "True",
        "stratification_key_column": "island",
    }
    out = run(PARTITION, params, dataset=penguins)["results_dataset"]
    splitter = StratifiedKFold(5, shuffle=randomized, random_state=3 if randomized else None)
    np.testing.assert_array_equal(
        out.df[FOLD_COLUMN].to_numpy(), _sklearn_folds(splitter, penguins, penguins.df["island"])
    )
    # A missing key is a stratum of its own (scikit-learn cannot stratify on it).
    by_sex = run(PARTITION, {**params, "stratification_key_column": "sex"}, dataset=penguins)[
        "results_dataset"
    ].df
    per_fold = by_sex.groupby([by_sex["sex"].fillna("missing"), FOLD_COLUMN]).size().unstack()
    assert (per_fold.max(axis=1) - per_fold.min(axis=1)).max() <= 1


def test_custom_proportion_folds() -> None:
    penguins = data.penguins()
    params = {
        **FOLDS,
        "specify_the_partitioner_method": "Partition with customized proportions",
        "list_of_proportions_separated_by_comma": "0.5, 0.3",
    }
    folds = run(PARTITION, params, dataset=penguins)["results_dataset"].df[FOLD_COLUMN]
    assert folds.value_counts().sort_index().tolist() == [
        172,
        103,
        69,
    ]  # round(344*0.5), round(344*0.3), rest
    strata = {
        **params,
        "stratified_split_for_customized_fold_assignment": "True",
        "stratification_key_column_for_customized_fold_assignment": "species",
    }
    stratified = run(PARTITION, strata, dataset=penguins)["results_dataset"].df
    for species, rows in penguins.df.groupby("species"):
        counts = stratified.loc[rows.index, FOLD_COLUMN].value_counts().sort_index().tolist()
        first, second = round(len(rows) * 0.5), round(len(rows) * 0.3)
        assert counts == [first, second, len(rows) - first - second], species
    error = error_of(
        PARTITION, {**params, "list_of_proportions_separated_by_comma": "0.7, 0.6"}, dataset=penguins
    )
    assert error.code == "invalid_proportions" and error.parameter == "list_of_proportions_separated_by_comma"


def test_folds_with_replacement_keep_fold_sizes_and_strata() -> None:
    penguins = data.penguins()
    params = {**FOLDS, "stratified_split": "True", "stratification_key_column": "species"}
    plain = run(PARTITION, params, dataset=penguins)["results_dataset"].df
    drawn = run(PARTITION, {**params, "use_replacement_in_the_partitioning": True}, dataset=penguins)[
        "results_dataset"
    ].df
    assert len(drawn) == len(penguins)
    plain_sizes = plain.groupby([FOLD_COLUMN, "species"]).size()
    pd.testing.assert_series_equal(drawn.groupby([FOLD_COLUMN, "species"]).size(), plain_sizes)
    assert drawn.drop(columns=[FOLD_COLUMN]).duplicated().any()  # drawn with replacement
    assert drawn[FOLD_COLUMN].is_monotonic_increasing


def test_pick_fold_after_assigning() -> None:
    penguins = data.penguins()
    assigned = run(PARTITION, {**FOLDS, "random_seed": 4}, dataset=penguins)["results_dataset"]
    picked = run(
        PARTITION,
        {"partition_or_sample_mode": "Pick Fold", "specify_which_fold_to_be_sampled_from": 2},
        dataset=assigned,
    )
    folds = assigned.df[FOLD_COLUMN]
    assert_same_rows(picked["results_dataset"], penguins.df[(folds == 2).to_numpy()])
    rest = run(
        PARTITION,
        {
            "partition_or_sample_mode": "Pick Fold",
            "specify_which_fold_to_be_sampled_from": 2,
            "pick_complement_of_the_selected_fold": True,
        },
        dataset=assigned,
    )
    assert_same_rows(rest["results_dataset"], penguins.df[(folds != 2).to_numpy()])
    missing = error_of(PARTITION, {"partition_or_sample_mode": "Pick Fold"}, dataset=penguins)
    assert missing.code == "no_fold_assignments"
    too_far = error_of(
        PARTITION,
        {"partition_or_sample_mode": "Pick Fold", "specify_which_fold_to_be_sampled_from": 6},
        dataset=assigned,
    )
    assert too_far.code == "fold_not_found" and too_far.parameter == "specify_which_fold_to_be_sampled_from"


def test_sampling_is_pandas_sample() -> None:
    penguins = data.penguins()
    out = run(PARTITION, {"rate_of_sampling": 0.3, "random_seed_for_sampling": 17}, dataset=penguins)[
        "results_dataset"
    ]
    assert_same_rows(out, penguins.df.sample(frac=0.3, random_state=17))
    params = {
        "rate_of_sampling": 0.3,
        "random_seed_for_sampling": 17,
        "stratified_split_for_sampling": "True",
        "stratification_key_column_for_sampling": "sex",
    }
    stratified = run(PARTITION, params, dataset=penguins)["results_dataset"]
    expected = penguins.df.groupby("sex", sort=False, dropna=False).sample(
        frac=0.3, random_state=np.random.RandomState(17)
    )
    assert_same_rows(stratified, expected)


def test_head_and_partition_errors() -> None:
    penguins = data.penguins()
    head = run(
        PARTITION, {"partition_or_sample_mode": "Head", "number_of_rows_to_select": 25}, dataset=penguins
    )
    assert_same_rows(head["results_dataset"], penguins.df.head(25))
    everything = run(
        PARTITION, {"partition_or_sample_mode": "Head", "number_of_rows_to_select": 1000}, dataset=penguins
    )
    assert len(everything["results_dataset"]) == len(penguins)
    tiny = DataTable.from_frame(penguins.df.head(3), like=penguins)
    assert error_of(PARTITION, FOLDS, dataset=tiny).code == "too_few_rows"
    assert (
        error_of(PARTITION, {**FOLDS, "stratified_split": "True"}, dataset=penguins).code
        == "missing_parameter"
    )


# -- SMOTE -------------------------------------------------------------------------------------------

SMOTE_KEY = "data_transformation.smote"


def test_smote_numeric_features_match_imbalanced_learn() -> None:
    cancer = data.breast_cancer()
    params = {
        "label_column": "diagnosis",
        "smote_percentage": 150,
        "number_of_nearest_neighbors": 4,
        "random_seed": 21,
    }
    out = run(SMOTE_KEY, params, samples=cancer)["results_dataset"]
    features = cancer.df.drop(columns=["diagnosis"])
    minority_count = int((cancer.df["diagnosis"] == "malignant").sum())
    sampler = SMOTE(
        sampling_strategy={"malignant": int(2.5 * minority_count)}, k_neighbors=4, random_state=21
    )
    expected_x, expected_y = sampler.fit_resample(features, cancer.df["diagnosis"])
    assert out.columns == cancer.columns
    assert_close(out.df[features.columns], expected_x)
    assert out.df["diagnosis"].tolist() == list(expected_y)
    pd.testing.assert_frame_equal(out.df.iloc[: len(cancer)], cancer.df)


def test_smote_mixed_features_match_smote_nc() -> None:
    penguins = DataTable(data.penguins().df.dropna().reset_index(drop=True))
    chinstrap = DataTable(
        penguins.df.assign(chinstrap=penguins.df["species"] == "Chinstrap").drop(columns=["species"])
    )
    params = {
        "label_column": "chinstrap",
        "smote_percentage": 200,
        "number_of_nearest_neighbors": 5,
        "random_seed": 2,
    }
    out = run(SMOTE_KEY, params, samples=chinstrap)["results_dataset"].df
    features = chinstrap.df.drop(columns=["chinstrap"])
    categorical = ["island", "sex"]
    matrix = features.astype({c: object for c in categorical}).astype(
        {c: float for c in features.columns if c not in categorical}
    )
    minority_count = int(chinstrap.df["chinstrap"].sum())
    sampler = SMOTENC(
        categorical_features=[features.columns.get_loc(c) for c in categorical],
        sampling_strategy={True: 3 * minority_count},
        k_neighbors=5,
        random_state=2,
    )
    expected_x, expected_y = sampler.fit_resample(matrix, chinstrap.df["chinstrap"].to_numpy())
    expected_x["year"] = np.rint(expected_x["year"].astype(float))  # whole-number columns are rounded
    assert_close(
        out[["bill_length_mm", "body_mass_g", "year"]], expected_x[["bill_length_mm", "body_mass_g", "year"]]
    )
    assert out["island"].tolist() == expected_x["island"].tolist()
    assert out["chinstrap"].tolist() == list(expected_y)
    assert out["year"].dtype == np.int64 and out["chinstrap"].dtype == bool


def test_smote_errors_and_zero_percentage() -> None:
    cancer = data.breast_cancer()
    unchanged = run(SMOTE_KEY, {"label_column": "diagnosis", "smote_percentage": 0}, samples=cancer)[
        "results_dataset"
    ]
    pd.testing.assert_frame_equal(unchanged.df, cancer.df)
    assert error_of(SMOTE_KEY, {"label_column": "sex"}, samples=data.penguins()).code == "missing_values"
    one_class = DataTable.from_frame(cancer.df[cancer.df["diagnosis"] == "benign"], like=cancer)
    assert error_of(SMOTE_KEY, {"label_column": "diagnosis"}, samples=one_class).code == "single_class_label"
    few = DataTable.from_frame(
        pd.concat([cancer.df.head(3).assign(diagnosis="rare"), cancer.df.tail(50)]), like=cancer
    )
    error = error_of(SMOTE_KEY, {"label_column": "diagnosis", "number_of_nearest_neighbors": 3}, samples=few)
    assert error.code == "not_enough_minority_rows" and error.parameter == "number_of_nearest_neighbors"
    digits = load_digits(as_frame=True).frame
    with_ids = DataTable(
        digits.assign(target=digits["target"] == 0, row_id=[f"image-{i}" for i in range(len(digits))])
    )
    assert (
        error_of(SMOTE_KEY, {"label_column": "target"}, samples=with_ids).code == "high_cardinality_feature"
    )
    empty = DataTable.from_frame(cancer.df.iloc[:0], like=cancer)
    assert error_of(SMOTE_KEY, {"label_column": "diagnosis"}, samples=empty).code == "empty_dataset"
