"""Reference tests for Filter Based Feature Selection and Summarize Data: every score and statistic is
recomputed with scipy, scikit-learn or pandas directly on the same real data."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.datasets import load_digits
from sklearn.feature_selection import f_classif
from sklearn.metrics import mutual_info_score
from sklearn.preprocessing import KBinsDiscretizer

from modules.sdk import DataTable, ModuleError, RunContext, get_module
from tests.modules import data

FILTER = "feature_selection.filter_based_feature_selection"
SUMMARIZE = "statistical_functions.summarize_data"
PENGUIN_NUMBERS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]


def run(key: str, params: dict[str, Any], **inputs: Any) -> dict[str, Any]:
    return get_module(key).execute(RunContext(), params, **inputs)


def feature_scores(table: DataTable, method: str, target: str, **params: Any) -> dict[str, float]:
    out = run(
        FILTER, {"feature_scoring_method": method, "target_column": target, **params}, input_dataset=table
    )
    features = out["features"].df
    assert len(features) == 1 and features.columns[0] == target and features.iloc[0, 0] == 1.0
    return features.iloc[0, 1:].to_dict()


def pairwise(table: DataTable, feature: str, target: str) -> pd.DataFrame:
    return table.df[[feature, target]].dropna()


def binned(values: pd.Series) -> np.ndarray:
    """The categories Chi Squared and Mutual Information use: 10 k-means bins for many-valued numbers."""
    if pd.api.types.is_numeric_dtype(values) and values.nunique() > 10:
        binner = KBinsDiscretizer(n_bins=10, encode="ordinal", strategy="kmeans", subsample=None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return binner.fit_transform(values.to_numpy(dtype=float).reshape(-1, 1)).ravel()
    return values.astype(str).to_numpy()


# -- correlations -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, statistic",
    [
        ("Pearson Correlation", stats.pearsonr),
        ("Kendall Correlation", stats.kendalltau),
        ("Spearman Correlation", stats.spearmanr),
    ],
)
def test_correlations_with_a_numeric_target(method: str, statistic: Any) -> None:
    penguins = data.penguins()
    scores = feature_scores(penguins, method, "body_mass_g")
    for feature in ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "year"]:
        pair = pairwise(penguins, feature, "body_mass_g")
        expected = abs(statistic(pair[feature], pair["body_mass_g"]).statistic)
        assert scores[feature] == pytest.approx(expected, abs=1e-12), feature
    # A text feature facing a numeric target is replaced by the target's mean within each category.
    pair = pairwise(penguins, "species", "body_mass_g")
    means = pair.groupby("species")["body_mass_g"].transform("mean")
    assert scores["species"] == pytest.approx(abs(statistic(means, pair["body_mass_g"]).statistic), abs=1e-12)


def test_pearson_with_a_text_target_uses_conditional_means_of_the_feature() -> None:
    penguins = data.penguins()
    scores = feature_scores(penguins, "Pearson Correlation", "species")
    for feature in ["bill_length_mm", "flipper_length_mm", "body_mass_g"]:
        pair = pairwise(penguins, feature, "species")
        means = pair.groupby("species")[feature].transform("mean")
        assert scores[feature] == pytest.approx(
            abs(stats.pearsonr(pair[feature], means).statistic), abs=1e-12
        )
    assert scores["island"] == 0.0 and scores["sex"] == 0.0  # two text columns have no correlation


def test_chi_squared_matches_scipy_on_the_contingency_table() -> None:
    penguins = data.penguins()
    scores = feature_scores(penguins, "Chi Squared", "species")
    for feature in ["island", "sex", "bill_length_mm", "body_mass_g", "year"]:
        pair = pairwise(penguins, feature, "species")
        table = pd.crosstab(binned(pair[feature]), binned(pair["species"]))
        expected = stats.chi2_contingency(table.to_numpy(), correction=False).statistic
        assert scores[feature] == pytest.approx(expected, rel=1e-12), feature


def test_mutual_information_matches_scikit_learn() -> None:
    cars = data.cars()
    scores = feature_scores(cars, "Mutual Information", "Miles_per_Gallon")
    for feature in ["Cylinders", "Horsepower", "Weight_in_lbs", "Origin"]:
        pair = pairwise(cars, feature, "Miles_per_Gallon")
        expected = mutual_info_score(binned(pair[feature]), binned(pair["Miles_per_Gallon"]))
        assert scores[feature] == pytest.approx(expected, rel=1e-12), feature


def test_fisher_score_is_the_anova_f_rescaled() -> None:
    wine = data.wine()
    features = [c for c in wine.columns if c != "cultivar"]
    scores = feature_scores(wine, "Fisher Score", "cultivar")
    f_values, _ = f_classif(wine.df[features], wine.df["cultivar"])
    classes, rows = wine.df["cultivar"].nunique(), len(wine)
    for feature, f_value in zip(features, f_values, strict=True):
        # between/within scatter = F × (classes - 1) / (rows - classes)
        assert scores[feature] == pytest.approx(f_value * (classes - 1) / (rows - classes), rel=1e-10)


def test_count_based_counts_non_zero_values_and_keeps_table_order() -> None:
    digits = load_digits(as_frame=True).frame.iloc[:, [0, 1, 5, 20, 63]]
    table = DataTable(digits.assign(kind=np.where(digits["pixel_0_5"] > 4, "dark", "light")))
    params = {"feature_scoring_method": "Count Based", "minimum_number_of_non_zero_elements": 100}
    out = run(FILTER, params, input_dataset=table)
    non_zero = (table.df.drop(columns=["kind"]) != 0).sum()
    scores = out["features"].df.iloc[0]
    assert scores.drop("kind").to_dict() == {c: float(n) for c, n in non_zero.items()}
    assert scores["kind"] == 0.0  # text columns score 0
    assert out["filtered_dataset"].columns == [c for c, n in non_zero.items() if n >= 100]


# -- selection and candidates ---------------------------------------------------------------------------


def test_filtered_dataset_holds_the_target_and_the_best_features() -> None:
    diabetes = data.diabetes()
    out = run(FILTER, {"target_column": "target", "number_of_desired_features": 4}, input_dataset=diabetes)
    features = [c for c in diabetes.columns if c != "target"]
    correlations = {c: abs(stats.pearsonr(diabetes.df[c], diabetes.df["target"]).statistic) for c in features}
    best = sorted(features, key=lambda c: -correlations[c])
    assert out["filtered_dataset"].columns == ["target", *best[:4]]
    assert list(out["features"].df.columns) == ["target", *best]
    pd.testing.assert_frame_equal(out["filtered_dataset"].df, diabetes.df[["target", *best[:4]]])
    everything = run(
        FILTER, {"target_column": "target", "number_of_desired_features": 50}, input_dataset=diabetes
    )
    assert everything["filtered_dataset"].columns == ["target", *best]


def test_labels_scores_and_non_features_are_not_scored() -> None:
    penguins = data.penguins().with_meta("sex", is_label=True).with_meta("year", is_feature=False)
    scored = feature_scores(penguins, "Pearson Correlation", "body_mass_g")
    assert "sex" not in scored and "year" not in scored and "species" in scored
    everything = feature_scores(
        penguins, "Pearson Correlation", "body_mass_g", operate_on_feature_columns_only=False
    )
    assert "year" in everything and "sex" not in everything


def test_filter_errors() -> None:
    penguins = data.penguins()

    def error(params: dict[str, Any], table: DataTable = penguins) -> ModuleError:
        with pytest.raises(ModuleError) as caught:
            run(FILTER, params, input_dataset=table)
        return caught.value

    assert error({}).code == "missing_parameter"
    assert error({"target_column": "weight"}).code == "missing_column"
    several = {"target_column": {"rules": [{"op": "include", "kind": "numeric"}]}}
    assert error(several).code == "single_column_required"
    blank = DataTable(penguins.df.assign(blank=np.nan))
    assert error({"target_column": "blank"}, blank).code == "all_missing_column"
    empty = DataTable.from_frame(penguins.df.iloc[:0], like=penguins)
    assert error({"target_column": "species"}, empty).code == "empty_dataset"
    ids = DataTable(
        load_digits(as_frame=True).frame.assign(image=lambda f: [f"img{i}" for i in range(len(f))])
    )
    assert (
        error({"target_column": "target", "feature_scoring_method": "Chi Squared"}, ids).code
        == "high_cardinality_feature"
    )
    alone = DataTable(penguins.df[["species"]])
    assert error({"target_column": "species"}, alone).code == "no_feature_columns"


# -- Summarize Data -------------------------------------------------------------------------------------


def test_summary_statistics_match_pandas_and_scipy() -> None:
    penguins = data.penguins()
    out = run(SUMMARIZE, {}, input=penguins)["result_dataset"].df.set_index("Feature")
    assert list(out.index) == penguins.columns
    for column in PENGUIN_NUMBERS:
        series, row = penguins.df[column], out.loc[column]
        values = series.dropna().to_numpy(dtype=float)
        expected = {
            "Count": len(values),
            "Unique Value Count": len(np.unique(values)),
            "Missing Value Count": int(series.isna().sum()),
            "Min": values.min(),
            "Max": values.max(),
            "Mean": values.mean(),
            "Mean Deviation": np.abs(values - values.mean()).mean(),
            "1st quantile": np.percentile(values, 25),
            "Median": np.median(values),
            "3rd quantile": np.percentile(values, 75),
            "Range": np.ptp(values),
            "Sample Variance": np.var(values, ddof=1),
            "Sample Standard Deviation": np.std(values, ddof=1),
            "Sample Skewness": stats.skew(values, bias=False),
            "Sample Kurtosis": stats.kurtosis(values, bias=False),
            **{f"P{p:g}": np.percentile(values, p) for p in (0.5, 1, 5, 95, 99, 99.5)},
        }
        for statistic, value in expected.items():
            assert row[statistic] == pytest.approx(value, rel=1e-12, abs=1e-9), (column, statistic)
        modes = series.mode()
        assert row["Mode"] == (str(modes[0]) if len(modes) == 1 else "{" + ", ".join(map(str, modes)) + "}")
    species = out.loc["species"]
    assert (species["Count"], species["Unique Value Count"], species["Missing Value Count"]) == (344, 3, 0)
    assert species[["Min", "Mean", "Sample Variance", "P99"]].isna().all()
    assert out["Count"].dtype == np.int64 and out["Mean"].dtype == np.float64


def test_summary_of_true_false_and_dates() -> None:
    cars = data.cars()
    table = DataTable(cars.df.assign(american=cars.df["Origin"] == "USA"))
    out = run(SUMMARIZE, {}, input=table)["result_dataset"].df.set_index("Feature")
    american = out.loc["american"]
    share = table.df["american"].mean()
    assert float(american["Mean"]) == pytest.approx(share, abs=1e-12)
    assert american["Range"] == 1.0 and american["Mode"] == "True"
    year = out.loc["Year"]  # with a date column, the position statistics are written as text
    assert (
        year["Min"] == cars.df["Year"].min().isoformat() and year["Max"] == cars.df["Year"].max().isoformat()
    )
    assert year["Median"] == cars.df["Year"].median().isoformat()
    assert float(out.loc["Cylinders", "Mean"]) == pytest.approx(cars.df["Cylinders"].mean(), abs=1e-12)
