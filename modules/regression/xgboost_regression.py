"""XGBoost regression (new: not in the reference product)."""

from __future__ import annotations

from modules.sdk import Category, Task, register
from modules.training.algorithms import XGBoostLearner, xgboost_params
from modules.training.learners import LearnerModule


@register
class XGBoostRegression(LearnerModule):
    """Gradient-boosted regression trees by XGBoost.

    Handles missing values and text categories natively, and trains on a GPU when the step runs on one.
    """

    key = "regression.xgboost_regression"
    title = "XGBoost Regression"
    category = Category.REGRESSION
    task = Task.REGRESSION
    gpu_capable = True
    learner_class = XGBoostLearner
    params = xgboost_params()
