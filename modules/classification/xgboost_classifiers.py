"""XGBoost classifiers (new: not in the reference product)."""

from __future__ import annotations

from modules.sdk import Category, Task, register
from modules.training.algorithms import XGBoostLearner, xgboost_params
from modules.training.learners import LearnerModule


@register
class TwoClassXGBoost(LearnerModule):
    """Gradient-boosted trees by XGBoost that tell two classes apart.

    Handles missing values and text categories natively, and trains on a GPU when the step runs on one.
    ``Scored Probabilities`` is the probability of the second label value in sorted order.
    """

    key = "classification.two_class_xgboost"
    title = "Two-Class XGBoost"
    category = Category.CLASSIFICATION
    task = Task.BINARY
    gpu_capable = True
    learner_class = XGBoostLearner
    params = xgboost_params()


@register
class MulticlassXGBoost(LearnerModule):
    """Gradient-boosted trees by XGBoost that predict one of several classes (softmax objective).

    Handles missing values and text categories natively, and trains on a GPU when the step runs on one.
    """

    key = "classification.multiclass_xgboost"
    title = "Multiclass XGBoost"
    category = Category.CLASSIFICATION
    task = Task.MULTICLASS
    gpu_capable = True
    learner_class = XGBoostLearner
    params = xgboost_params()
