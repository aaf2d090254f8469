"""Neural network regression (scikit-learn MLP trained by SGD)."""

from __future__ import annotations

from typing import Any

from modules.sdk import Category, Task, register
from modules.training.algorithms import (
    NeuralNetworkLearner,
    check_neural_network_params,
    neural_network_params,
)
from modules.training.learners import LearnerModule


@register
class NeuralNetworkRegression(LearnerModule):
    """A fully connected neural network that predicts a number.

    Features are normalised first (Min-Max by default); text categories become 0/1 columns. Missing
    values must be cleaned first (Clean Missing Data).
    """

    key = "regression.neural_network_regression"
    title = "Neural Network Regression"
    category = Category.REGRESSION
    task = Task.REGRESSION
    learner_class = NeuralNetworkLearner
    params = neural_network_params()

    def check_params(self, params: dict[str, Any]) -> None:
        check_neural_network_params(params)
