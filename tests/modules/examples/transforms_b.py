"""Conformance examples for the second half of the data transformations."""

from modules.sdk import DataTable
from tests.modules import data
from tests.modules.examples import Example

NUMERIC = {"rules": [{"op": "include", "kind": "numeric"}, {"op": "exclude", "names": ["year"]}]}


def _species_islands() -> DataTable:
    """A small lookup table built from the penguins themselves: rows per species and island."""
    counts = data.penguins().df.groupby(["species", "island"]).size().rename("penguins").reset_index()
    return DataTable(counts)


EXAMPLES = {
    "data_transformation.group_data_into_bins": Example(
        inputs=lambda: {"dataset": data.penguins()},
        params={"columns_to_bin": NUMERIC},
    ),
    "data_transformation.join_data": Example(
        inputs=lambda: {"left_dataset": data.penguins(), "right_dataset": _species_islands()},
        params={
            "join_key_columns_for_left_dataset": ["species", "island"],
            "join_key_columns_for_right_dataset": ["species", "island"],
        },
    ),
    "data_transformation.normalize_data": Example(
        inputs=lambda: {"dataset": data.penguins()},
        params={"columns_to_transform": NUMERIC},
    ),
    "data_transformation.partition_and_sample": Example(
        inputs=lambda: {"dataset": data.penguins()},
        params={
            "partition_or_sample_mode": "Assign to Folds",
            "stratified_split": "True",
            "stratification_key_column": "species",
        },
        bad_param=("specify_number_of_folds_to_split_evenly_into", 0),
    ),
    "data_transformation.remove_duplicate_rows": Example(
        inputs=lambda: {"dataset": data.penguins()},
        params={"key_column_selection_filter_expression": ["species", "island"]},
        bad_param=("retain_first_duplicate_row", "sometimes"),
    ),
    "data_transformation.smote": Example(
        inputs=lambda: {"samples": data.breast_cancer()},
        params={"label_column": "diagnosis", "number_of_nearest_neighbors": 3},
    ),
    "data_transformation.select_columns_transform": Example(
        inputs=lambda: {"dataset_with_desired_columns": data.iris()},
    ),
    "data_transformation.split_data": Example(
        inputs=lambda: {"dataset": data.penguins()},
        params={"fraction_of_rows_in_the_first_output_dataset": 0.7, "random_seed": 42},
    ),
}
