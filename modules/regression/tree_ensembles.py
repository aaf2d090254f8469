"""Tree-ensemble regressors: boosted trees (LightGBM), decision forests and the quantile forest."""

from __future__ import annotations

from typing import Any

import pandas as pd

from modules.sdk import Category, DataTable, IntParam, Param, ParameterError, StringParam, Task, register
from modules.training.algorithms import (
    BoostedTreeLearner,
    DecisionForestLearner,
    boosted_tree_params,
    decision_forest_params,
    fraction,
)
from modules.training.estimators import QuantileRegressionForest
from modules.training.learners import (
    EstimatorLearner,
    EstimatorModel,
    FitSetup,
    LearnerModule,
    allow_unknown_param,
    hyperparameter,
    quantile_column,
    seed_param,
    trainer_mode_param,
)


@register
class BoostedDecisionTreeRegression(LearnerModule):
    """Gradient-boosted regression trees (LightGBM): each tree corrects the errors of the ones before.

    Often the most accurate choice on tabular data; handles missing values and text categories without
    preparation. Score Model gives ``Scored Labels``, the predicted value.
    """

    key = "regression.boosted_decision_tree_regression"
    title = "Boosted Decision Tree Regression"
    category = Category.REGRESSION
    task = Task.REGRESSION
    learner_class = BoostedTreeLearner
    params = boosted_tree_params("Total number of trees constructed")


@register
class DecisionForestRegression(LearnerModule):
    """A forest of randomised regression trees whose predictions are averaged.

    Robust with little tuning and handles missing values. "Number of random splits per node" is honoured:
    each node tries that many random splits and keeps the best.
    """

    key = "regression.decision_forest_regression"
    title = "Decision Forest Regression"
    category = Category.REGRESSION
    task = Task.REGRESSION
    learner_class = DecisionForestLearner
    params = decision_forest_params()


# -- quantile regression --------------------------------------------------------------------------------
def parse_quantiles(text: str) -> list[float]:
    parts = [p.strip() for p in text.replace(",", ";").split(";") if p.strip()]
    try:
        quantiles = [float(p) for p in parts]
    except ValueError:
        quantiles = []
    if not quantiles or not all(0.0 < q < 1.0 for q in quantiles):
        raise ParameterError(
            "invalid_parameter",
            f"'Quantiles to be estimated' must be numbers between 0 and 1 separated by semicolons, like "
            f"'0.25; 0.5; 0.75'; got {text!r}.",
            parameter="quantiles_to_be_estimated",
        )
    return sorted(dict.fromkeys(quantiles))


class QuantileForestModel(EstimatorModel):
    """Scores one column per requested quantile: ``Scores for quantile :<q>``."""

    def __init__(self, *, quantiles: list[float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.quantiles = quantiles

    def score(self, table: DataTable) -> pd.DataFrame:
        values = self.estimator.predict_quantiles(self.features(table), self.quantiles)
        return pd.DataFrame(
            {quantile_column(q): values[:, i] for i, q in enumerate(self.quantiles)}, index=table.df.index
        )


class QuantileForestLearner(EstimatorLearner):
    """A quantile regression forest: predicts quantiles of the label, not only its mean."""

    model_class = QuantileForestModel

    def build_estimator(self, setup: FitSetup) -> Any:
        p = self.params
        return QuantileRegressionForest(
            n_trees=p["number_of_trees"],
            n_leaves=p["number_of_leaves"],
            min_leaf_instances=p["minimum_number_of_training_instances_required_to_form_a_leaf"],
            bagging_fraction=p["bagging_fraction"],
            feature_fraction=p["feature_fraction"],
            split_fraction=p["split_fraction"],
            quantile_sample_count=p["quantile_sample_count"],
            random_state=setup.seed,
        )

    def model_options(self) -> dict[str, Any]:
        return {"quantiles": parse_quantiles(self.params["quantiles_to_be_estimated"])}


def _quantile_forest_params() -> tuple[Param, ...]:
    return (
        trainer_mode_param(),
        *hyperparameter(
            IntParam("number_of_trees", "Number of Trees", 100, "Trees in the forest.", min=1), "16; 32; 64"
        ),
        *hyperparameter(
            IntParam("number_of_leaves", "Number of Leaves", 20, "Most leaves per tree.", min=2), "16; 32; 64"
        ),
        *hyperparameter(
            IntParam(
                "minimum_number_of_training_instances_required_to_form_a_leaf",
                "Minimum number of training instances required to form a leaf",
                10,
                "A leaf needs at least this many training rows.",
                min=1,
            ),
            "1; 5; 10",
        ),
        *hyperparameter(
            fraction("bagging_fraction", "Bagging fraction", 0.7, "Share of the rows each tree learns from."),
            "0.25; 0.5; 0.75",
        ),
        *hyperparameter(
            fraction(
                "feature_fraction",
                "Feature fraction",
                0.7,
                "Share of the features each tree may use.",
                advanced=True,
            ),
            "0.25; 0.5; 0.75",
        ),
        *hyperparameter(
            fraction(
                "split_fraction", "Split fraction", 0.7, "Share of a tree's features tried at each split."
            ),
            "0.25; 0.5; 0.75",
        ),
        IntParam(
            "quantile_sample_count",
            "Quantile sample count",
            100,
            "Training labels each leaf keeps to estimate quantiles from.",
            min=1,
            advanced=True,
        ),
        StringParam(
            "quantiles_to_be_estimated",
            "Quantiles to be estimated",
            "0.25; 0.5; 0.75",
            "Quantiles between 0 and 1, separated by semicolons; Score Model outputs one column each.",
        ),
        seed_param(),
        allow_unknown_param(),
    )


@register
class FastForestQuantileRegression(LearnerModule):
    """Predicts quantiles of the label (for example the 25th, 50th and 75th percentile), not only one
    value, with a quantile regression forest.

    Score Model outputs one column per quantile, named ``Scores for quantile :<q>``; Evaluate Model
    reports the quantile (pinball) loss of each. Text categories become 0/1 columns; missing values must
    be cleaned first.
    """

    key = "regression.fast_forest_quantile_regression"
    title = "Fast Forest Quantile Regression"
    category = Category.REGRESSION
    task = Task.REGRESSION
    learner_class = QuantileForestLearner
    params = _quantile_forest_params()

    def check_params(self, params: dict[str, Any]) -> None:
        parse_quantiles(params["quantiles_to_be_estimated"])
