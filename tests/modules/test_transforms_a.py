"""Add Columns/Rows, Apply Math Operation, Clean Missing Data, Clip Values, Convert to CSV/Dataset,
Convert to Indicator Values and Edit Metadata against pandas, NumPy, SciPy and scikit-learn directly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special

from modules.data_io.samples import load_sample
from modules.sdk import DataTable, ModuleError, PortType, RunContext, codecs, get_module
from modules.transforms.math_ops import CATEGORIES
from tests.modules import data

ADD_COLUMNS = get_module("data_transformation.add_columns")
ADD_ROWS = get_module("data_transformation.add_rows")
MATH = get_module("data_transformation.apply_math_operation")
CLEAN = get_module("data_transformation.clean_missing_data")
CLIP = get_module("data_transformation.clip_values")
TO_CSV = get_module("data_transformation.convert_to_csv")
TO_DATASET = get_module("data_transformation.convert_to_dataset")
INDICATORS = get_module("data_transformation.convert_to_indicator_values")
EDIT = get_module("data_transformation.edit_metadata")


def _run(module, params: dict[str, Any] | None = None, **inputs: Any) -> dict[str, Any]:
    return module.execute(RunContext(seed=3), params or {}, **inputs)


def _error(module, params: dict[str, Any] | None = None, **inputs: Any) -> ModuleError:
    with pytest.raises(ModuleError) as caught:
        _run(module, params, **inputs)
    return caught.value


def _table(frame: pd.DataFrame) -> DataTable:
    return DataTable(frame.copy())


# -- Add Columns / Add Rows ------------------------------------------------------------------------


def test_add_columns_matches_pandas_concat_and_renames_clashes() -> None:
    iris = data.iris().df
    left, right = _table(iris.iloc[:, :3]), _table(iris.iloc[:, 2:])
    out = _run(ADD_COLUMNS, left_dataset=left, right_dataset=right)["combined_dataset"].df
    expected = pd.concat([iris.iloc[:, :3], iris.iloc[:, 2:]], axis=1)
    expected.columns = [*iris.columns[:3], "petal length (cm)(2)", *iris.columns[3:]]
    pd.testing.assert_frame_equal(out, expected)


def test_add_columns_keeps_both_sides_metadata() -> None:
    left = data.iris().with_meta("species", is_label=True)
    right = DataTable(pd.DataFrame({"extra": np.arange(150)})).with_meta("extra", is_feature=False)
    out = _run(ADD_COLUMNS, left_dataset=left, right_dataset=right)["combined_dataset"]
    assert out.label_column == "species" and out.meta["extra"].is_feature is False


def test_add_columns_needs_equal_row_counts() -> None:
    iris = data.iris().df
    error = _error(ADD_COLUMNS, left_dataset=_table(iris), right_dataset=_table(iris.head(10)))
    assert error.code == "row_count_mismatch" and error.port == "right_dataset"


def test_add_rows_matches_pandas_concat_in_the_first_column_order() -> None:
    penguins = data.penguins().df
    first, second = penguins.iloc[:200], penguins.iloc[200:]
    out = _run(ADD_ROWS, dataset1=_table(first), dataset2=_table(second[second.columns[::-1]]))
    pd.testing.assert_frame_equal(out["results_dataset"].df, penguins.reset_index(drop=True))


def test_add_rows_keeps_the_first_datasets_metadata() -> None:
    first = data.iris().with_meta("species", is_label=True)
    out = _run(ADD_ROWS, dataset1=first, dataset2=data.iris())["results_dataset"]
    assert out.label_column == "species" and len(out) == 300


def test_add_rows_refuses_different_columns_or_kinds() -> None:
    iris = data.iris().df
    error = _error(ADD_ROWS, dataset1=_table(iris), dataset2=_table(iris.drop(columns="species")))
    assert error.code == "schema_mismatch" and error.column == "species"
    text = iris.assign(**{"sepal width (cm)": iris["sepal width (cm)"].astype("str")})
    error = _error(ADD_ROWS, dataset1=_table(iris), dataset2=_table(text))
    assert error.code == "column_type_mismatch" and error.column == "sepal width (cm)"


# -- Apply Math Operation --------------------------------------------------------------------------

CARS = data.cars().df
MPG = CARS["Miles_per_Gallon"].to_numpy(dtype=float)
HP = CARS["Horsepower"].to_numpy(dtype=float)
ACCEL = CARS["Acceleration"].to_numpy(dtype=float)


def _math(
    category: str, function: str, columns: Any, *, argument: Any = None, mode: str = "ResultOnly", table=None
):
    math_category = CATEGORIES[category]
    params: dict[str, Any] = {
        "category": category,
        math_category.function_param: function,
        "column_set": columns,
    }
    params["output_mode"] = mode
    if isinstance(argument, (int, float)):
        params[math_category.argument_prefix] = argument
    elif argument is not None:
        params[f"{math_category.argument_prefix}_type"] = "ColumnSet"
        params[f"{math_category.argument_prefix}_columns"] = argument
    return _run(MATH, params, input=table or data.cars())["result_dataset"].df


def _same(actual: pd.Series, expected: np.ndarray) -> None:
    np.testing.assert_allclose(actual.to_numpy(dtype=float), expected, rtol=1e-12, atol=0, equal_nan=True)


with np.errstate(all="ignore"):  # the expected values include log(-1) and the like
    BASIC_EXPECTED = [
        ("Abs", np.abs(MPG - 20)),
        ("Sqrt", np.sqrt(MPG - 20)),
        ("Ln", np.log(MPG - 20)),
        ("Log10", np.log10(MPG - 20)),
        ("Exp", np.exp((MPG - 20) / 10)),
        ("Square", np.square(MPG - 20)),
        ("Cuberoot", np.cbrt(MPG - 20)),
        ("Eps", np.spacing(np.abs(MPG - 20))),
        ("Factorial", special.factorial(np.floor(MPG - 20), exact=False)),
    ]


@pytest.mark.parametrize(("function", "expected"), BASIC_EXPECTED)
def test_basic_unary_functions_match_numpy(function: str, expected: np.ndarray) -> None:
    shifted = CARS.assign(x=(CARS["Miles_per_Gallon"] - 20) / (10 if function == "Exp" else 1))
    out = _math("Basic", function, ["x"], table=_table(shifted))
    if function == "Factorial":
        expected = np.where(MPG - 20 < 0, np.nan, expected)
    _same(out[f"{function}(x)"], expected)


def test_double_factorial_matches_scipy() -> None:
    table = _table(pd.DataFrame({"n": [0.0, 1, 5, 6, 7.9, -1, np.nan]}))
    out = _math("Basic", "DoubleFactorial", ["n"], table=table)
    expected = special.factorial2(np.array([0, 1, 5, 6, 7]), exact=True).astype(float)
    _same(out["DoubleFactorial(n)"], np.append(expected, [np.nan, np.nan]))


def test_binary_functions_with_constants_and_columns_match_numpy() -> None:
    pow_out = _math("Basic", "Pow", ["Miles_per_Gallon"], argument=2)
    _same(pow_out["Pow(Miles_per_Gallon_$2)"], np.power(MPG, 2))
    log_out = _math("Basic", "Log", ["Horsepower"], argument=["Acceleration"])
    _same(log_out["Log(Horsepower_Acceleration)"], np.log(HP) / np.log(ACCEL))
    atan = _math("Basic", "Atan2", ["Miles_per_Gallon"], argument=["Acceleration"])
    _same(atan["Atan2(Miles_per_Gallon_Acceleration)"], np.arctan2(MPG, ACCEL))
    hyp = _math("Basic", "Hypotenuse", ["Miles_per_Gallon"], argument=1.5)
    _same(hyp["Hypotenuse(Miles_per_Gallon_$1.5)"], np.hypot(MPG, 1.5))
    root = _math("Basic", "NthRoot", ["Horsepower"], argument=3)
    _same(root["NthRoot(Horsepower_$3)"], np.power(HP, 1 / 3))


def test_arithmetic_pairs_columns_in_order_or_against_one_column() -> None:
    pairs = _math(
        "Operations", "Subtract", ["Miles_per_Gallon", "Horsepower"], argument=["Acceleration", "Cylinders"]
    )
    _same(pairs["Subtract(Miles_per_Gallon_Acceleration)"], MPG - ACCEL)
    _same(pairs["Subtract(Horsepower_Cylinders)"], HP - CARS["Cylinders"].to_numpy(float))
    fan = _math("Operations", "Divide", ["Miles_per_Gallon", "Horsepower"], argument=["Acceleration"])
    _same(fan["Divide(Horsepower_Acceleration)"], HP / ACCEL)
    assert list(fan.columns) == ["Divide(Miles_per_Gallon_Acceleration)", "Divide(Horsepower_Acceleration)"]


def test_comparisons_are_booleans_missing_where_an_operand_is() -> None:
    out = _math("Compare", "GreaterThanOrEqualTo", ["Miles_per_Gallon"], argument=25)
    result = out["GreaterThanOrEqualTo(Miles_per_Gallon_$25)"]
    assert result.dtype == "boolean"
    present = ~np.isnan(MPG)
    np.testing.assert_array_equal(result[present].to_numpy(dtype=bool), MPG[present] >= 25)
    assert result[~present].isna().all()
    pair_max = _math("Compare", "PairMax", ["Miles_per_Gallon"], argument=["Acceleration"])
    _same(pair_max["PairMax(Miles_per_Gallon_Acceleration)"], np.maximum(MPG, ACCEL))


@pytest.mark.parametrize(
    ("function", "precision", "expected"),
    [
        ("Ceiling", 0, np.ceil(ACCEL)),
        ("Floor", 1, np.floor(ACCEL * 10) / 10),
        ("RoundDigits", 0, np.floor(ACCEL + 0.5)),
        ("RoundDown", 0, np.trunc(ACCEL)),
        ("RoundUp", 0, np.ceil(ACCEL)),
        ("Truncate", 0, np.trunc(ACCEL)),
        ("Mod", 4, np.mod(ACCEL, 4)),
        ("Remainder", 4, np.fmod(ACCEL, 4)),
        ("Quotient", 4, np.trunc(ACCEL / 4)),
        ("ToMultiple", 5, np.floor(ACCEL / 5 + 0.5) * 5),  # ties go up
    ],
)
def test_rounding_matches_numpy(function: str, precision: float, expected: np.ndarray) -> None:
    out = _math("Rounding", function, ["Acceleration"], argument=precision)
    _same(out[f"{function}(Acceleration_${precision})"], expected)


def test_unary_rounding_and_negative_values() -> None:
    table = _table(pd.DataFrame({"x": [-2.5, -1.5, -0.4, 0.5, 1.5, 2.2, 3.0]}))
    _same(
        _math("Rounding", "ToEven", ["x"], table=table)["ToEven(x)"],
        np.round(table.df["x"].to_numpy() / 2) * 2,
    )
    _same(
        _math("Rounding", "ToOdd", ["x"], table=table)["ToOdd(x)"],
        np.floor(table.df["x"].to_numpy() / 2) * 2 + 1,
    )
    rounded = _math("Rounding", "RoundDigits", ["x"], argument=0, table=table)["RoundDigits(x_$0)"]
    assert rounded.tolist() == [-3, -2, -0, 1, 2, 2, 3]  # half away from zero
    _same(
        _math("Rounding", "CeilingPower2", ["x"], table=table)["CeilingPower2(x)"],
        np.ceil(table.df["x"]) ** 2,
    )


def test_special_functions_match_scipy() -> None:
    x = ACCEL / 10
    for function, expected in [
        ("Erf", special.erf(x)),
        ("Erfc", special.erfc(x)),
        ("ErfcScaled", special.erfcx(x)),
        ("Gamma", special.gamma(x)),
        ("GammaLn", special.gammaln(x)),
        ("EllipticIntegralK", special.ellipk(x / 3)),
    ]:
        column = "k" if function == "EllipticIntegralK" else "x"
        table = _table(CARS.assign(x=x, k=x / 3))
        _same(_math("Special", function, [column], table=table)[f"{function}({column})"], expected)
    table = _table(CARS.assign(x=x))
    _same(_math("Special", "Beta", ["x"], argument=2.5, table=table)["Beta(x_$2.5)"], special.beta(x, 2.5))
    _same(
        _math("Special", "Polygamma", ["x"], argument=1, table=table)["Polygamma(x_$1)"],
        special.polygamma(1, x),
    )
    _same(_math("Special", "Polygamma", ["x"], table=table)["Polygamma(x_$0)"], special.digamma(x))
    _same(
        _math("Special", "GammaRegularizedP", ["x"], argument=1.5, table=table)["GammaRegularizedP(x_$1.5)"],
        special.gammainc(x, 1.5),
    )


def test_exponential_integral_ein_matches_its_definition() -> None:
    points = np.array([-3.0, -0.5, 0.0, 0.7, 2.0, 10.0])
    out = _math("Special", "ExponentialIntegralEin", ["x"], table=_table(pd.DataFrame({"x": points})))
    by_quadrature = [integrate.quad(lambda t: -np.expm1(-t) / t, 0, v)[0] if v else 0.0 for v in points]
    np.testing.assert_allclose(out["ExponentialIntegralEin(x)"], by_quadrature, rtol=1e-9, atol=1e-12)


TRIG_POINTS = np.array([-2.5, -1.2, -0.5, 0.3, 0.9, 1.7, 30.0, np.nan])
with np.errstate(all="ignore"):
    TRIG_EXPECTED = {
        "Acos": np.arccos(TRIG_POINTS),
        "AcosDegrees": np.degrees(np.arccos(TRIG_POINTS)),
        "Acosh": np.arccosh(TRIG_POINTS),
        "Acot": np.arctan(1 / TRIG_POINTS),
        "AcotDegrees": np.degrees(np.arctan(1 / TRIG_POINTS)),
        "Acoth": np.arctanh(1 / TRIG_POINTS),
        "Acsc": np.arcsin(1 / TRIG_POINTS),
        "AcscDegrees": np.degrees(np.arcsin(1 / TRIG_POINTS)),
        "Acsch": np.arcsinh(1 / TRIG_POINTS),
        "Arg": np.where(np.isnan(TRIG_POINTS), np.nan, np.where(TRIG_POINTS < 0, np.pi, 0.0)),
        "Asec": np.arccos(1 / TRIG_POINTS),
        "AsecDegrees": np.degrees(np.arccos(1 / TRIG_POINTS)),
        "Asech": np.arccosh(1 / TRIG_POINTS),
        "Asin": np.arcsin(TRIG_POINTS),
        "AsinDegrees": np.degrees(np.arcsin(TRIG_POINTS)),
        "Asinh": np.arcsinh(TRIG_POINTS),
        "Atan": np.arctan(TRIG_POINTS),
        "AtanDegrees": np.degrees(np.arctan(TRIG_POINTS)),
        "Atanh": np.arctanh(TRIG_POINTS),
        "Cos": np.cos(TRIG_POINTS),
        "CosDegrees": np.cos(np.radians(TRIG_POINTS)),
        "Cosh": np.cosh(TRIG_POINTS),
        "Cot": 1 / np.tan(TRIG_POINTS),
        "CotDegrees": 1 / np.tan(np.radians(TRIG_POINTS)),
        "Coth": 1 / np.tanh(TRIG_POINTS),
        "Csc": 1 / np.sin(TRIG_POINTS),
        "CscDegrees": 1 / np.sin(np.radians(TRIG_POINTS)),
        "Csch": 1 / np.sinh(TRIG_POINTS),
        "DegreesToRadians": np.radians(TRIG_POINTS),
        "RadiansToDegrees": np.degrees(TRIG_POINTS),
        "Sec": 1 / np.cos(TRIG_POINTS),
        "SecDegrees": 1 / np.cos(np.radians(TRIG_POINTS)),
        "Sech": 1 / np.cosh(TRIG_POINTS),
        "Sign": np.sign(TRIG_POINTS),
        "Sin": np.sin(TRIG_POINTS),
        "Sinc": np.sinc(TRIG_POINTS),
        "SinDegrees": np.sin(np.radians(TRIG_POINTS)),
        "Sinh": np.sinh(TRIG_POINTS),
        "Tan": np.tan(TRIG_POINTS),
        "TanDegrees": np.tan(np.radians(TRIG_POINTS)),
        "Tanh": np.tanh(TRIG_POINTS),
    }


def test_every_trigonometric_function_matches_numpy() -> None:
    assert set(CATEGORIES["Trigonometric"].operations) == {*TRIG_EXPECTED, "Cis"} and len(TRIG_EXPECTED) == 41
    table = _table(pd.DataFrame({"x": TRIG_POINTS}))
    for function, expected in TRIG_EXPECTED.items():
        _same(_math("Trigonometric", function, ["x"], table=table)[f"{function}(x)"], expected)
    cis = _math("Trigonometric", "Cis", ["x"], table=table)["Cis(x)"]
    assert complex(cis[0]) == complex(np.cos(-2.5), np.sin(-2.5)) and pd.isna(cis.iloc[-1])


def test_every_function_of_every_category_runs_and_stores() -> None:
    table = _table(pd.DataFrame({"a": [0.25, 0.5, 2.0, np.nan], "b": [1.0, 3.0, 0.5, 2.0]}))
    for category, math_category in CATEGORIES.items():
        for function in math_category.operations:
            out = _run(
                MATH,
                {"category": category, math_category.function_param: function, "column_set": ["a"]},
                input=table,
            )["result_dataset"]
            assert out.columns[:2] == ["a", "b"] and len(out.columns) == 3, function
            codecs.table_from_bytes(codecs.table_to_bytes(out))


def test_output_modes() -> None:
    table = data.cars()
    appended = _math("Basic", "Abs", ["Horsepower"], mode="Append", table=table)
    assert list(appended.columns) == [*CARS.columns, "Abs(Horsepower)"]
    twice = _run(MATH, {"column_set": ["Abs(Horsepower)"], "output_mode": "Append"}, input=_table(appended))
    assert twice["result_dataset"].columns[-1] == "Abs(Abs(Horsepower))"
    clash = _table(CARS.assign(**{"Abs(Horsepower)": 1.0}))
    assert (
        _math("Basic", "Abs", ["Horsepower"], mode="Append", table=clash).columns[-1] == "Abs(Horsepower)(2)"
    )
    inplace = _run(
        MATH,
        {
            "category": "Basic",
            "basic_math_function": "Square",
            "column_set": ["Horsepower"],
            "output_mode": "Inplace",
        },
        input=data.cars().with_meta("Horsepower", is_label=True),
    )["result_dataset"]
    assert inplace.columns == list(CARS.columns) and inplace.label_column == "Horsepower"
    _same(inplace.df["Horsepower"], np.square(HP))
    pd.testing.assert_frame_equal(inplace.df.drop(columns="Horsepower"), CARS.drop(columns="Horsepower"))


def test_math_refuses_text_columns_and_mismatched_column_counts() -> None:
    error = _error(MATH, {"column_set": ["Name"]}, input=data.cars())
    assert error.code == "not_numeric" and error.column == "Name" and "chevrolet" in error.message
    error = _error(
        MATH,
        {
            "category": "Operations",
            "column_set": ["Horsepower", "Acceleration", "Cylinders"],
            "arithmetic_argument_type": "ColumnSet",
            "arithmetic_argument_columns": ["Miles_per_Gallon", "Weight_in_lbs"],
        },
        input=data.cars(),
    )
    assert error.code == "column_count_mismatch"
    assert _error(MATH, {"column_set": ["nope"]}, input=data.cars()).code == "missing_column"


# -- Clean Missing Data ----------------------------------------------------------------------------

NUMERIC_PENGUINS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def _penguin_split() -> tuple[DataTable, DataTable]:
    penguins = data.penguins().df
    train = penguins.sample(frac=0.6, random_state=1).sort_index()
    test = penguins.drop(train.index)
    # The first test rows lose values the training set saw, so applying must use training statistics.
    test.loc[test.index[:5], NUMERIC_PENGUINS + ["sex"]] = np.nan
    return _table(train.reset_index(drop=True)), _table(test.reset_index(drop=True))


@pytest.mark.parametrize(
    ("mode", "statistic"),
    [
        ("Replace with mean", lambda s: s.mean()),
        ("Replace with median", lambda s: s.median()),
        ("Replace with mode", lambda s: s.mode().iloc[0]),
    ],
)
def test_statistics_learned_on_training_data_are_applied_to_new_data(mode: str, statistic) -> None:
    train, test = _penguin_split()
    columns = NUMERIC_PENGUINS + (["sex", "island"] if mode == "Replace with mode" else [])
    out = _run(CLEAN, {"columns_to_be_cleaned": columns, "cleaning_mode": mode}, dataset=train)
    expected_train = train.df.fillna({c: statistic(train.df[c]) for c in columns})
    pd.testing.assert_frame_equal(out["cleaned_dataset"].df, expected_train)
    transformation = codecs.decode(
        PortType.TRANSFORMATION, codecs.encode(PortType.TRANSFORMATION, out["cleaning_transformation"])[0]
    )
    expected_test = test.df.fillna({c: statistic(train.df[c]) for c in columns})
    pd.testing.assert_frame_equal(transformation.apply(test).df, expected_test)
    assert transformation.input_columns == columns


def test_custom_value_is_typed_per_column_and_indicators_mark_the_gaps() -> None:
    penguins = data.penguins()
    out = _run(
        CLEAN,
        {
            "columns_to_be_cleaned": ["body_mass_g"],
            "replacement_value": "-1",
            "generate_missing_value_indicator_column": True,
        },
        dataset=penguins,
    )["cleaned_dataset"].df
    pd.testing.assert_series_equal(out["body_mass_g"], penguins.df["body_mass_g"].fillna(-1.0))
    np.testing.assert_array_equal(out["body_mass_g_isMissing"], penguins.df["body_mass_g"].isna())
    text = _run(CLEAN, {"columns_to_be_cleaned": ["sex"], "replacement_value": "unknown"}, dataset=penguins)
    assert text["cleaned_dataset"].df["sex"].tolist() == penguins.df["sex"].fillna("unknown").tolist()


def test_missing_ratio_bounds_choose_the_columns() -> None:
    # The first 20 penguins: 'sex' is missing in 25% of rows, 'body_mass_g' in 5%.
    head = data.penguins().df.head(20).reset_index(drop=True)
    table = DataTable(head)
    ratios = head.isna().mean()
    params = {
        "columns_to_be_cleaned": ["sex", "body_mass_g"],
        "cleaning_mode": "Replace with mode",
        "minimum_missing_value_ratio": 0.1,
        "maximum_missing_value_ratio": 0.5,
    }
    assert 0.1 <= ratios["sex"] <= 0.5 and ratios["body_mass_g"] < 0.1
    out = _run(CLEAN, params, dataset=table)
    pd.testing.assert_series_equal(
        out["cleaned_dataset"].df["sex"], head["sex"].fillna(head["sex"].mode()[0])
    )
    pd.testing.assert_series_equal(out["cleaned_dataset"].df["body_mass_g"], head["body_mass_g"])
    assert out["cleaning_transformation"].columns == ["sex"]


def test_remove_rows_and_columns_match_pandas() -> None:
    train, test = _penguin_split()
    rows = _run(
        CLEAN,
        {"columns_to_be_cleaned": ["sex", "body_mass_g"], "cleaning_mode": "Remove entire row"},
        dataset=train,
    )
    pd.testing.assert_frame_equal(
        rows["cleaned_dataset"].df, train.df.dropna(subset=["sex", "body_mass_g"]).reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(
        rows["cleaning_transformation"].apply(test).df,
        test.df.dropna(subset=["sex", "body_mass_g"]).reset_index(drop=True),
    )
    cols = _run(
        CLEAN,
        {"columns_to_be_cleaned": ["sex", "island"], "cleaning_mode": "Remove entire column"},
        dataset=train,
    )
    assert cols["cleaned_dataset"].columns == [c for c in train.columns if c != "sex"]
    assert cols["cleaning_transformation"].apply(test).columns == [c for c in test.columns if c != "sex"]


def test_columns_with_every_value_missing_propagate_or_go() -> None:
    table = _table(data.iris().df.assign(empty=np.nan))
    params = {"columns_to_be_cleaned": ["empty", "sepal length (cm)"], "cleaning_mode": "Replace with mean"}
    assert "empty" not in _run(CLEAN, params, dataset=table)["cleaned_dataset"].columns
    kept = _run(CLEAN, {**params, "cols_with_all_missing_values": "Propagate"}, dataset=table)[
        "cleaned_dataset"
    ]
    assert kept.df["empty"].isna().all()


def test_mice_matches_sklearn_iterative_imputer() -> None:
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    train, test = _penguin_split()
    params = {
        "columns_to_be_cleaned": NUMERIC_PENGUINS,
        "cleaning_mode": "Replace using MICE",
        "number_of_iterations": 7,
    }
    out = _run(CLEAN, params, dataset=train)
    imputer = IterativeImputer(max_iter=7, random_state=3).fit(train.df[NUMERIC_PENGUINS].to_numpy(float))
    np.testing.assert_array_equal(
        out["cleaned_dataset"].df[NUMERIC_PENGUINS].to_numpy(float),
        imputer.transform(train.df[NUMERIC_PENGUINS].to_numpy(float)),
    )
    applied = out["cleaning_transformation"].apply(test).df[NUMERIC_PENGUINS].to_numpy(float)
    np.testing.assert_array_equal(applied, imputer.transform(test.df[NUMERIC_PENGUINS].to_numpy(float)))


def test_clean_missing_errors() -> None:
    penguins = data.penguins()
    error = _error(
        CLEAN, {"columns_to_be_cleaned": ["sex"], "cleaning_mode": "Replace with mean"}, dataset=penguins
    )
    assert error.code == "not_numeric" and error.column == "sex"
    error = _error(
        CLEAN, {"columns_to_be_cleaned": ["body_mass_g"], "replacement_value": "heavy"}, dataset=penguins
    )
    assert error.code == "invalid_replacement_value" and error.column == "body_mass_g"
    error = _error(CLEAN, {"columns_to_be_cleaned": ["x"]}, dataset=penguins)
    assert error.code == "missing_column"
    empty = _table(penguins.df.head(0))
    assert _error(CLEAN, {"columns_to_be_cleaned": ["sex"]}, dataset=empty).code == "empty_dataset"
    bounds = {
        "columns_to_be_cleaned": ["sex"],
        "minimum_missing_value_ratio": 0.6,
        "maximum_missing_value_ratio": 0.2,
    }
    assert _error(CLEAN, bounds, dataset=penguins).parameter == "minimum_missing_value_ratio"
    assert _error(CLEAN, {}, dataset=penguins).code == "missing_parameter"


# -- Clip Values -----------------------------------------------------------------------------------


def test_clip_with_constant_thresholds_matches_numpy_clip() -> None:
    params = {
        "set_of_thresholds": "ClipPeaksAndSubpeaks",
        "constant_value_for_upper_threshold": 150,
        "constant_value_for_lower_threshold": 60,
        "list_of_columns": ["Horsepower"],
        "add_indicator_columns": True,
    }
    out = _run(CLIP, params, input=data.cars())["result_dataset"].df
    _same(out["Horsepower"], np.clip(HP, 60, 150))
    np.testing.assert_array_equal(out["Horsepower_clipped"], (HP > 150) | (HP < 60))
    assert list(out.columns).index("Horsepower_clipped") == list(out.columns).index("Horsepower") + 1


def test_clip_with_percentiles_and_substitutes() -> None:
    params = {
        "set_of_thresholds": "ClipPeaksAndSubpeaks",
        "threshold": "Percentile",
        "percentile_value_for_upper_threshold": 90,
        "percentile_value_for_lower_threshold": 10,
        "substitute_value_for_peaks": "Median",
        "substitute_value_for_subpeaks": "Missing",
        "list_of_columns": ["Horsepower", "Acceleration"],
        "overwrite_flag": False,
    }
    out = _run(CLIP, params, input=data.cars())["result_dataset"].df
    for name, values in (("Horsepower", HP), ("Acceleration", ACCEL)):
        upper, lower = np.nanpercentile(values, 90), np.nanpercentile(values, 10)
        expected = np.where(values > upper, np.nanmedian(values), np.where(values < lower, np.nan, values))
        _same(out[f"{name}_clipped_value"], expected)
        _same(out[name], values)  # the original stays beside the clipped copy


def test_clip_subpeaks_replace_with_mean_and_errors() -> None:
    params = {
        "set_of_thresholds": "ClipSubPeaks",
        "substitute_value_for_subpeaks": "Mean",
        "list_of_columns": ["Acceleration"],
    }
    params["constant_value_for_lower_threshold"] = 12
    out = _run(CLIP, params, input=data.cars())["result_dataset"].df
    _same(out["Acceleration"], np.where(ACCEL < 12, np.nanmean(ACCEL), ACCEL))
    error = _error(CLIP, {"list_of_columns": ["Name"]}, input=data.cars())
    assert error.code == "not_numeric" and error.column == "Name"
    crossed = {
        "set_of_thresholds": "ClipPeaksAndSubpeaks",
        "constant_value_for_upper_threshold": 1,
        "constant_value_for_lower_threshold": 5,
    }
    assert _error(CLIP, crossed, input=data.cars()).code == "invalid_thresholds"


# -- Convert to CSV / Convert to Dataset -----------------------------------------------------------


def test_convert_to_csv_reads_back_the_same_table_and_settings() -> None:
    penguins = data.penguins().with_meta("species", is_label=True)
    out = _run(TO_CSV, dataset=penguins)["results_dataset"]
    pd.testing.assert_frame_equal(out.df, penguins.df)
    assert out.label_column == "species"
    wine = _run(TO_CSV, dataset=data.wine())["results_dataset"]
    pd.testing.assert_frame_equal(wine.df, data.wine().df)  # full float precision survives
    weather = load_sample("seattle-weather")
    pd.testing.assert_frame_equal(_run(TO_CSV, dataset=weather)["results_dataset"].df, weather.df)


def test_convert_to_dataset_marks_missing_codes_and_detects_numbers() -> None:
    cars = CARS.copy()
    cars["Horsepower"] = cars["Horsepower"].map(lambda v: "?" if np.isnan(v) else repr(v)).astype("str")
    out = _run(TO_DATASET, {"action": "SetMissingValues"}, dataset=_table(cars))["results_dataset"].df
    pd.testing.assert_series_equal(out["Horsepower"], CARS["Horsepower"])
    pd.testing.assert_frame_equal(out.drop(columns="Horsepower"), CARS.drop(columns="Horsepower"))


def test_convert_to_dataset_replaces_values() -> None:
    penguins = data.penguins().df
    out = _run(
        TO_DATASET, {"action": "ReplaceValues", "new_value": "0"}, dataset=_table(penguins[NUMERIC_PENGUINS])
    )
    pd.testing.assert_frame_equal(out["results_dataset"].df, penguins[NUMERIC_PENGUINS].fillna(0.0))
    custom = {"action": "ReplaceValues", "replace": "Custom", "custom_value": "Dream", "new_value": "Fantasy"}
    island = _run(TO_DATASET, custom, dataset=_table(penguins[["island"]]))["results_dataset"].df["island"]
    assert island.tolist() == penguins["island"].replace("Dream", "Fantasy").tolist()
    error = _error(TO_DATASET, {"action": "ReplaceValues", "new_value": "none"}, dataset=_table(penguins))
    assert error.code == "invalid_replacement_value" and error.column == "bill_length_mm"


# -- Convert to Indicator Values -------------------------------------------------------------------


def test_indicator_values_match_get_dummies_and_unknown_levels_are_zero() -> None:
    train, test = _penguin_split()
    out = _run(INDICATORS, {"categorical_columns_to_convert": ["island", "sex"]}, dataset=train)
    frame = out["results_dataset"].df
    dummies = pd.get_dummies(train.df[["island", "sex"]], prefix_sep="-", dtype=np.int64)
    pd.testing.assert_frame_equal(frame[dummies.columns], dummies)
    assert list(frame.columns[:4]) == ["species", "island", "island-Biscoe", "island-Dream"]
    new = _table(test.df.assign(island=["Atlantis"] + test.df["island"].tolist()[1:]))
    applied = out["indicator_values_transformation"].apply(new).df
    assert applied.loc[0, ["island-Biscoe", "island-Dream", "island-Torgersen"]].tolist() == [0, 0, 0]
    expected = pd.get_dummies(new.df["sex"], prefix="sex", prefix_sep="-", dtype=np.int64)
    pd.testing.assert_frame_equal(applied[expected.columns], expected)


def test_indicator_values_overwrite_and_numeric_categories() -> None:
    cars = data.cars().with_meta("Cylinders", categorical=True)
    params = {"categorical_columns_to_convert": ["Cylinders"], "overwrite_categorical_columns": True}
    frame = _run(INDICATORS, params, dataset=cars)["results_dataset"].df
    levels = sorted(CARS["Cylinders"].unique())
    assert "Cylinders" not in frame.columns and [f"Cylinders-{v}" for v in levels] == [
        c for c in frame if c.startswith("Cyl")
    ]
    np.testing.assert_array_equal(frame["Cylinders-4"], (CARS["Cylinders"] == 4).astype(int))


def test_indicator_values_refuse_numbers_and_ids() -> None:
    error = _error(INDICATORS, {"categorical_columns_to_convert": ["Horsepower"]}, dataset=data.cars())
    assert error.code == "not_categorical" and error.column == "Horsepower"
    ids = _table(pd.DataFrame({"id": [f"user-{i}" for i in range(1500)]}))
    assert (
        _error(INDICATORS, {"categorical_columns_to_convert": ["id"]}, dataset=ids).code
        == "high_cardinality_feature"
    )


# -- Edit Metadata ---------------------------------------------------------------------------------


def test_edit_metadata_converts_types_like_pandas() -> None:
    frame = pd.DataFrame(
        {"n": ["1", "2", None, "4"], "x": ["1.5", " 2", "3e2", None], "b": ["yes", "No", "1", None]}
    )
    table = _table(frame)
    integer = _run(EDIT, {"column": ["n"], "data_type": "Integer"}, dataset=table)["results_dataset"].df["n"]
    pd.testing.assert_series_equal(integer, pd.to_numeric(frame["n"]).astype("Int64"))
    double = _run(EDIT, {"column": ["x"], "data_type": "Double"}, dataset=table)["results_dataset"].df["x"]
    pd.testing.assert_series_equal(double, pd.to_numeric(frame["x"].str.strip()))
    boolean = _run(EDIT, {"column": ["b"], "data_type": "Boolean"}, dataset=table)["results_dataset"].df["b"]
    assert boolean.tolist()[:3] == [True, False, True] and pd.isna(boolean[3])
    text = _run(EDIT, {"column": ["Cylinders"], "data_type": "String"}, dataset=data.cars())[
        "results_dataset"
    ].df
    assert text["Cylinders"].tolist() == CARS["Cylinders"].astype(str).tolist()


def test_edit_metadata_dates_and_timespans() -> None:
    frame = pd.DataFrame({"d": ["31/12/2020", "01/02/2021", None], "t": [90, 3600, 5]})
    params = {"column": ["d"], "data_type": "DateTime", "datetime_format": "%d/%m/%Y"}
    out = _run(EDIT, params, dataset=_table(frame))["results_dataset"].df["d"]
    pd.testing.assert_series_equal(out, pd.to_datetime(frame["d"], format="%d/%m/%Y"))
    spans = _run(
        EDIT, {"column": ["t"], "data_type": "TimeSpan", "timespan_format": "min"}, dataset=_table(frame)
    )
    pd.testing.assert_series_equal(spans["results_dataset"].df["t"], pd.to_timedelta(frame["t"], unit="min"))
    error = _error(EDIT, {**params, "datetime_format": "%Y-%m-%d"}, dataset=_table(frame))
    assert error.code == "cannot_convert" and "31/12/2020" in error.message and error.column == "d"


def test_edit_metadata_names_the_value_that_cannot_convert() -> None:
    error = _error(EDIT, {"column": ["Name"], "data_type": "Double"}, dataset=data.cars())
    assert (
        error.code == "cannot_convert"
        and error.column == "Name"
        and "chevrolet chevelle malibu" in error.message
    )
    error = _error(EDIT, {"column": ["Acceleration"], "data_type": "Integer"}, dataset=data.cars())
    assert error.code == "cannot_convert" and "12.0" not in error.message and "11.5" in error.message
    error = _error(EDIT, {"column": ["Cylinders"], "data_type": "Boolean"}, dataset=data.cars())
    assert error.code == "cannot_convert" and "8" in error.message


def test_edit_metadata_fields_categorical_and_names() -> None:
    penguins = data.penguins().with_meta("sex", is_label=True)
    out = _run(EDIT, {"column": ["species"], "fields": "Label"}, dataset=penguins)["results_dataset"]
    assert out.label_column == "species" and not out.meta["sex"].is_label
    assert "species" not in out.feature_columns()
    features = _run(EDIT, {"column": ["species"], "fields": "Features"}, dataset=out)["results_dataset"]
    assert features.label_column is None and "species" in features.feature_columns()
    cleared = _run(EDIT, {"column": ["year"], "fields": "Clear feature"}, dataset=penguins)["results_dataset"]
    assert "year" not in cleared.feature_columns()
    categorical = _run(EDIT, {"column": ["year"], "categorical": "Make Categorical"}, dataset=penguins)[
        "results_dataset"
    ]
    assert categorical.meta["year"].categorical and categorical.df["year"].dtype == "int64"
    renamed = _run(EDIT, {"column": ["species", "sex"], "new_column_names": "kind, gender"}, dataset=penguins)
    table = renamed["results_dataset"]
    assert table.columns[0] == "kind" and "gender" in table.columns and table.label_column == "gender"


def test_edit_metadata_refusals() -> None:
    penguins = data.penguins()
    error = _error(EDIT, {"column": ["species", "sex"], "fields": "Label"}, dataset=penguins)
    assert error.code == "one_label_only"
    error = _error(EDIT, {"column": ["species", "sex"], "new_column_names": "only_one"}, dataset=penguins)
    assert error.code == "column_count_mismatch" and error.parameter == "new_column_names"
    error = _error(EDIT, {"column": ["species"], "new_column_names": "island"}, dataset=penguins)
    assert error.code == "duplicate_columns"


def test_clean_missing_reads_booleans_and_skips_columns_absent_at_scoring() -> None:
    frame = pd.DataFrame({"flag": pd.array([True, None, False], dtype="boolean"), "y": [1.0, None, 3.0]})
    out = _run(CLEAN, {"columns_to_be_cleaned": ["flag"], "replacement_value": "Yes"}, dataset=_table(frame))
    assert out["cleaned_dataset"].df["flag"].tolist() == [True, True, False]
    error = _error(
        CLEAN, {"columns_to_be_cleaned": ["flag"], "replacement_value": "maybe"}, dataset=_table(frame)
    )
    assert error.code == "invalid_replacement_value" and error.column == "flag"
    both = _run(
        CLEAN,
        {"columns_to_be_cleaned": ["flag", "y"], "cleaning_mode": "Replace with mean"},
        dataset=_table(frame),
    )
    # A scoring request has no label column: the cleaning of the other columns still applies.
    scored = both["cleaning_transformation"].apply(
        _table(pd.DataFrame({"flag": pd.array([None], dtype="boolean")}))
    )
    assert scored.df["flag"].tolist() == [True]  # the mean of True and False is a tie, which rounds up
