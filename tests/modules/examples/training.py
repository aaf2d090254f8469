from __future__ import annotations

from modules.sdk import DataTable, Transformation
from tests.modules import data
from tests.modules.examples import Example
from tests.modules.examples._training_helpers import learner, scored, small_boosted_tree, trained

BOOSTED = "classification.two_class_boosted_decision_tree"


class ScaleColumns(Transformation):
    """A fitted transformation for the Apply Transformation example: divides columns by fixed values."""

    def __init__(self, divisors: dict[str, float]) -> None:
        self.divisors = divisors

    @property
    def input_columns(self) -> list[str]:
        return list(self.divisors)

    def apply(self, table: DataTable) -> DataTable:
        df = table.df.copy()
        for column, divisor in self.divisors.items():
            df[column] = df[column] / divisor
        return table.with_frame(df)


def _tuning_learner():
    return learner(
        BOOSTED,
        create_trainer_mode="Parameter Range",
        number_of_trees_constructed_range="3; 6",
        maximum_number_of_leaves_per_tree_range="2; 4",
        minimum_number_of_samples_per_leaf_node_range="5",
        learning_rate_range="0.1; 0.3",
    )


def _halves() -> dict[str, DataTable]:
    table = data.breast_cancer()
    return {
        "training_dataset": table.with_frame(table.df.iloc[::2].reset_index(drop=True)),
        "optional_validation_dataset": table.with_frame(table.df.iloc[1::2].reset_index(drop=True)),
    }


EXAMPLES = {
    "model_training.train_model": Example(
        # Penguins: text categories and missing values, which the boosted tree takes as they are.
        inputs=lambda: {
            "untrained_model": learner(
                "classification.multiclass_boosted_decision_tree", **small_boosted_tree()
            ),
            "dataset": data.penguins(),
        },
        params={"label_column": "species", "model_explanations": True},
        bad_param=("label_column", 42),
    ),
    "model_scoring_evaluation.score_model": Example(
        inputs=lambda: {
            "trained_model": trained(BOOSTED, data.breast_cancer(), "diagnosis", **small_boosted_tree()),
            "dataset": data.breast_cancer(),
        },
    ),
    "model_scoring_evaluation.evaluate_model": Example(
        inputs=lambda: {
            "scored_dataset": scored(BOOSTED, data.breast_cancer(), "diagnosis", **small_boosted_tree()),
            "scored_dataset_to_compare": scored(
                "classification.two_class_decision_forest", data.breast_cancer(), "diagnosis"
            ),
        },
    ),
    "model_scoring_evaluation.cross_validate_model": Example(
        inputs=lambda: {
            "untrained_model": learner("classification.multiclass_decision_forest"),
            "dataset": data.iris(),
        },
        params={"label_column": "species", "number_of_folds": 3},
    ),
    "model_training.tune_model_hyperparameters": Example(
        inputs=lambda: {"untrained_model": _tuning_learner(), **_halves()},
        params={
            "label_column": "diagnosis",
            "specify_parameter_sweeping_mode": "Bayesian sweep",
            "maximum_number_of_runs_on_random_sweep": 3,
            "metric_for_measuring_performance_for_classification": "AUC",
        },
    ),
    "model_scoring_evaluation.apply_transformation": Example(
        inputs=lambda: {
            "transformation": ScaleColumns({"sepal length (cm)": 10.0}),
            "dataset": data.iris(),
        },
    ),
    "feature_selection.permutation_feature_importance": Example(
        inputs=lambda: {
            "trained_model": trained("regression.linear_regression", data.diabetes(), "target"),
            "test_data": data.diabetes(),
        },
        params={"metric_for_measuring_performance": "Regression - Mean Absolute Error"},
    ),
}
