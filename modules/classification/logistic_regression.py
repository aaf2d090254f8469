"""Logistic regression with L1 and L2 weights and the L-BFGS memory honoured."""

from __future__ import annotations

from modules.sdk import Category, Task, register
from modules.training.algorithms import LbfgsGlmLearner, lbfgs_glm_params
from modules.training.learners import LearnerModule


@register
class TwoClassLogisticRegression(LearnerModule):
    """Logistic regression for two classes: a weighted sum of the features through a sigmoid.

    Fast, and its weights are easy to read. Minimises the log-loss plus ``L1 * |w|_1 + L2 / 2 * |w|^2``
    (L1 drives unhelpful weights to zero; with L1 = 0 this is scikit-learn's ``LogisticRegression`` with
    ``C = 1 / L2``). Text categories become 0/1 columns; missing values must be cleaned first.
    ``Scored Probabilities`` is the probability of the second label value in sorted order.
    """

    key = "classification.two_class_logistic_regression"
    title = "Two-Class Logistic Regression"
    category = Category.CLASSIFICATION
    task = Task.BINARY
    learner_class = LbfgsGlmLearner
    params = lbfgs_glm_params()


@register
class MulticlassLogisticRegression(LearnerModule):
    """Multinomial logistic regression: one weighted sum per class through a softmax.

    Minimises the log-loss plus ``L1 * |w|_1 + L2 / 2 * |w|^2`` by L-BFGS with the given memory. Text
    categories become 0/1 columns; missing values must be cleaned first.
    """

    key = "classification.multiclass_logistic_regression"
    title = "Multiclass Logistic Regression"
    category = Category.CLASSIFICATION
    task = Task.MULTICLASS
    learner_class = LbfgsGlmLearner
    params = lbfgs_glm_params()
