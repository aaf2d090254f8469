"""Conformance examples for feature selection and statistical functions."""

from tests.modules import data
from tests.modules.examples import Example

EXAMPLES = {
    "feature_selection.filter_based_feature_selection": Example(
        inputs=lambda: {"input_dataset": data.penguins()},
        params={"target_column": "species", "number_of_desired_features": 3},
    ),
    "statistical_functions.summarize_data": Example(
        inputs=lambda: {"input": data.cars()},
    ),
}
