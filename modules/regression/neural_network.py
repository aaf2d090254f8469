"""Neural network regression (scikit-learn MLP trained by SGD)."""

from __future__ import annotations

from modules.sdk import Category, Task, register
from modules.training.algorithms import NeuralNetworkModule


@register
class NeuralNetworkRegression(NeuralNetworkModule):
    """A fully connected neural network that predicts a number.

    Features are normalised first (Min-Max by default) and the label is standardised while training;
    text categories become 0/1 columns. Missing values must be cleaned first (Clean Missing Data).
    """

    key = "regression.neural_network_regression"
    title = "Neural Network Regression"
    category = Category.REGRESSION
    task = Task.REGRESSION
