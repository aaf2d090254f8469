"""Linear regressors: linear regression (least squares or online gradient descent), Poisson regression
and Bayesian linear regression."""

from __future__ import annotations

from typing import Any

from sklearn.linear_model import LinearRegression, Ridge, SGDRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from modules.sdk import BoolParam, Category, ChoiceParam, FloatParam, IntParam, Task, register
from modules.training.algorithms import LbfgsGlmLearner, lbfgs_glm_params
from modules.training.estimators import BayesianLinearRegression
from modules.training.learners import (
    EstimatorLearner,
    FitSetup,
    LearnerModule,
    allow_unknown_param,
    hyperparameter,
    seed_param,
    trainer_mode_param,
)

ONLINE_GRADIENT_DESCENT = "Online Gradient Descent"
ORDINARY_LEAST_SQUARES = "Ordinary Least Squares"
WHEN_OGD = {"solution_method": (ONLINE_GRADIENT_DESCENT,)}


class LinearRegressionLearner(EstimatorLearner):
    """Ordinary Least Squares: scikit-learn ``Ridge(alpha = L2 weight)`` (plain ``LinearRegression`` when
    the weight is 0), minimising ``|y - Xw|^2 + L2 * |w|^2``.

    Online Gradient Descent: scikit-learn ``SGDRegressor`` with the squared loss and an L2 penalty
    ``alpha = L2 weight``, the given learning rate (decreasing as ``rate / t^0.25`` when "Decrease
    learning rate" is checked), exactly "Number of training epochs" passes, weights averaged over all
    updates when "Average final hypothesis" is checked, and features scaled to [0, 1] first when
    "Normalize features" is checked.
    """

    def build_estimator(self, setup: FitSetup) -> Any:
        p = self.params
        if p["solution_method"] == ORDINARY_LEAST_SQUARES:
            if p["l2_regularization_weight"] == 0:
                return LinearRegression(fit_intercept=p["include_intercept_term"])
            return Ridge(alpha=p["l2_regularization_weight"], fit_intercept=p["include_intercept_term"])
        descent = SGDRegressor(
            loss="squared_error",
            penalty="l2",
            alpha=p["l2_regularization_weight"],
            learning_rate="invscaling" if p["decrease_learning_rate"] else "constant",
            eta0=p["learning_rate"],
            max_iter=p["number_of_training_epochs"],
            tol=None,  # run exactly the requested number of epochs
            average=p["average_final_hypothesis"],
            shuffle=True,
            random_state=setup.seed,
        )
        return make_pipeline(MinMaxScaler(), descent) if p["normalize_features"] else descent


@register
class LinearRegressionModule(LearnerModule):
    """Predicts a number as a weighted sum of the features.

    Ordinary Least Squares finds the best weights directly (with a small L2 penalty); Online Gradient
    Descent learns them pass by pass, which suits large data and lets Tune Model Hyperparameters sweep
    the learning rate and epochs. Text categories become 0/1 columns; missing values must be cleaned
    first.
    """

    key = "regression.linear_regression"
    title = "Linear Regression"
    category = Category.REGRESSION
    task = Task.REGRESSION
    learner_class = LinearRegressionLearner
    params = (
        ChoiceParam(
            "solution_method",
            "Solution method",
            ORDINARY_LEAST_SQUARES,
            "How the weights are found.",
            choices=(ONLINE_GRADIENT_DESCENT, ORDINARY_LEAST_SQUARES),
        ),
        trainer_mode_param(),
        BoolParam(
            "normalize_features",
            "Normalize features",
            True,
            "Scale every feature to [0, 1] first.",
            visible_when=WHEN_OGD,
        ),
        BoolParam(
            "average_final_hypothesis",
            "Average final hypothesis",
            True,
            "Use the average of the weights over all updates, which is steadier than the last ones.",
            advanced=True,
            visible_when=WHEN_OGD,
        ),
        *hyperparameter(
            FloatParam(
                "learning_rate",
                "Learning rate",
                0.1,
                "Initial step size of gradient descent.",
                min=0.0,
                exclusive_min=True,
                visible_when=WHEN_OGD,
            ),
            "0.025; 0.05; 0.1; 0.2",
        ),
        *hyperparameter(
            IntParam(
                "number_of_training_epochs",
                "Number of training epochs",
                10,
                "Passes over the training data.",
                min=1,
                visible_when=WHEN_OGD,
            ),
            "1; 10; 100",
        ),
        BoolParam(
            "decrease_learning_rate",
            "Decrease learning rate",
            True,
            "Shrink the step size as training goes on.",
            visible_when=WHEN_OGD,
        ),
        *hyperparameter(
            FloatParam(
                "l2_regularization_weight",
                "L2 regularization weight",
                0.001,
                "Penalty on squared weights; keeps the model from leaning too hard on any feature.",
                min=0.0,
            ),
            "0.001; 0.01; 0.1",
        ),
        seed_param(),
        BoolParam(
            "include_intercept_term",
            "Include intercept term",
            True,
            "Learn a constant added to every prediction.",
            visible_when={"solution_method": (ORDINARY_LEAST_SQUARES,)},
        ),
        allow_unknown_param(),
    )


@register
class PoissonRegression(LearnerModule):
    """Predicts counts (visits, calls, defects ...) with a log-linear Poisson model.

    The label must be a count or rate that is never negative. Minimises the Poisson negative
    log-likelihood plus ``L1 * |w|_1 + L2 / 2 * |w|^2`` by L-BFGS with the given memory (with L1 = 0 this
    is scikit-learn's ``PoissonRegressor(alpha = L2 / number of rows)``). Text categories become 0/1
    columns; missing values must be cleaned first.
    """

    key = "regression.poisson_regression"
    title = "Poisson Regression"
    category = Category.REGRESSION
    task = Task.REGRESSION
    learner_class = LbfgsGlmLearner
    params = lbfgs_glm_params(seed_visible=False)


class BayesianLinearRegressionLearner(EstimatorLearner):
    def build_estimator(self, setup: FitSetup) -> Any:
        return BayesianLinearRegression(regularization_weight=self.params["regularization_weight"])


@register
class BayesianLinearRegressionModule(LearnerModule):
    """Linear regression with a Bayesian prior on the weights: a weighted sum of the features whose
    weights are pulled towards zero as much as the data allow.

    "Regularization weight" is the ratio of the prior's precision to the noise's, so the prediction (the
    posterior mean, ``Scored Labels``) equals ridge regression with that penalty; the noise level is
    learned from the data. Text categories become 0/1 columns; missing values must be cleaned first.
    """

    key = "regression.bayesian_linear_regression"
    title = "Bayesian Linear Regression"
    category = Category.REGRESSION
    task = Task.REGRESSION
    learner_class = BayesianLinearRegressionLearner
    params = (
        FloatParam(
            "regularization_weight",
            "Regularization weight",
            1.0,
            "Prior precision relative to the noise precision: larger values keep weights closer to zero.",
            min=0.0,
            exclusive_min=True,
        ),
        allow_unknown_param(),
    )
