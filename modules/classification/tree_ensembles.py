"""Boosted decision trees (LightGBM) and decision forests (extremely randomised trees) for classification."""

from __future__ import annotations

from modules.sdk import Category, Task, register
from modules.training.algorithms import (
    BoostedTreeLearner,
    DecisionForestLearner,
    boosted_tree_params,
    decision_forest_params,
)
from modules.training.learners import LearnerModule


@register
class TwoClassBoostedDecisionTree(LearnerModule):
    """Gradient-boosted decision trees (LightGBM) that tell two classes apart.

    Each tree corrects the errors of the trees before it. Often the most accurate choice on tabular
    data; handles missing values and text categories without preparation. Score Model gives
    ``Scored Labels`` and ``Scored Probabilities``, the probability of the second label value in sorted
    order (for example ``1`` for 0/1, ``>50K`` for <=50K/>50K).
    """

    key = "classification.two_class_boosted_decision_tree"
    title = "Two-Class Boosted Decision Tree"
    category = Category.CLASSIFICATION
    task = Task.BINARY
    learner_class = BoostedTreeLearner
    params = boosted_tree_params()


@register
class MultiClassBoostedDecisionTree(LearnerModule):
    """Gradient-boosted decision trees (LightGBM) that predict one of several classes.

    Handles missing values and text categories without preparation. Score Model gives a
    ``Scored Probabilities_<class>`` column per class and ``Scored Labels``.
    """

    key = "classification.multiclass_boosted_decision_tree"
    title = "MultiClass Boosted Decision Tree"
    category = Category.CLASSIFICATION
    task = Task.MULTICLASS
    learner_class = BoostedTreeLearner
    params = boosted_tree_params()


@register
class TwoClassDecisionForest(LearnerModule):
    """A forest of randomised decision trees that vote on one of two classes.

    Robust with little tuning and handles missing values. "Number of random splits per node" is honoured:
    each node tries that many random splits (one random threshold on each of that many features) and
    keeps the best. ``Scored Probabilities`` is the share of trees voting for the second label value in
    sorted order.
    """

    key = "classification.two_class_decision_forest"
    title = "Two-Class Decision Forest"
    category = Category.CLASSIFICATION
    task = Task.BINARY
    learner_class = DecisionForestLearner
    params = decision_forest_params()


@register
class MulticlassDecisionForest(LearnerModule):
    """A forest of randomised decision trees that vote on one of several classes.

    Robust with little tuning and handles missing values. Each node tries "Number of random splits per
    node" random splits and keeps the best. Score Model gives each class's share of the votes.
    """

    key = "classification.multiclass_decision_forest"
    title = "Multiclass Decision Forest"
    category = Category.CLASSIFICATION
    task = Task.MULTICLASS
    learner_class = DecisionForestLearner
    params = decision_forest_params()
