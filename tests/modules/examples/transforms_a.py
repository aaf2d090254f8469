"""Conformance examples for Add Columns/Rows, Apply Math Operation, Clean Missing Data, Clip Values,
Convert to CSV/Dataset, Convert to Indicator Values and Edit Metadata."""

from __future__ import annotations

from modules.sdk import DataTable
from tests.modules import data
from tests.modules.examples import Example


def _iris_halves() -> dict[str, DataTable]:
    iris = data.iris().df
    return {"left_dataset": DataTable(iris.iloc[:, :2]), "right_dataset": DataTable(iris.iloc[:, 2:])}


def _iris_rows() -> dict[str, DataTable]:
    iris = data.iris().df
    return {"dataset1": DataTable(iris.iloc[:100]), "dataset2": DataTable(iris.iloc[100:])}


def _cars_with_question_marks() -> dict[str, DataTable]:
    cars = data.cars().df
    cars["Horsepower"] = cars["Horsepower"].map(lambda v: "?" if v != v else str(v)).astype("str")
    return {"dataset": DataTable(cars)}


EXAMPLES = {
    "data_transformation.add_columns": Example(inputs=_iris_halves),
    "data_transformation.add_rows": Example(inputs=_iris_rows),
    "data_transformation.apply_math_operation": Example(
        inputs=lambda: {"input": data.cars()},
        params={"category": "Basic", "basic_math_function": "Pow", "second_argument": 2},
    ),
    "data_transformation.clean_missing_data": Example(
        inputs=lambda: {"dataset": data.penguins()},
        params={
            "columns_to_be_cleaned": {"rules": [{"op": "include", "kind": "numeric"}]},
            "cleaning_mode": "Replace with mean",
            "generate_missing_value_indicator_column": True,
        },
    ),
    "data_transformation.clip_values": Example(
        inputs=lambda: {"input": data.cars()},
        params={"set_of_thresholds": "ClipPeaksAndSubpeaks", "threshold": "Percentile"},
    ),
    "data_transformation.convert_to_csv": Example(inputs=lambda: {"dataset": data.penguins()}),
    "data_transformation.convert_to_dataset": Example(
        inputs=_cars_with_question_marks, params={"action": "SetMissingValues"}
    ),
    "data_transformation.convert_to_indicator_values": Example(
        inputs=lambda: {"dataset": data.penguins()},
        params={"categorical_columns_to_convert": ["species", "island"]},
    ),
    "data_transformation.edit_metadata": Example(
        inputs=lambda: {"dataset": data.penguins()},
        params={"column": ["species"], "fields": "Label", "categorical": "Make Categorical"},
    ),
}
