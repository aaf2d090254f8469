"""Neural networks (scikit-learn MLP trained by SGD) for classification."""

from __future__ import annotations

from modules.sdk import Category, Task, register
from modules.training.algorithms import NeuralNetworkModule


@register
class TwoClassNeuralNetwork(NeuralNetworkModule):
    """A fully connected neural network that tells two classes apart.

    Features are normalised first (Min-Max by default); text categories become 0/1 columns. Missing
    values must be cleaned first (Clean Missing Data). ``Scored Probabilities`` is the probability of the
    second label value in sorted order.
    """

    key = "classification.two_class_neural_network"
    title = "Two-Class Neural Network"
    category = Category.CLASSIFICATION
    task = Task.BINARY


@register
class MulticlassNeuralNetwork(NeuralNetworkModule):
    """A fully connected neural network that predicts one of several classes (softmax output).

    Features are normalised first (Min-Max by default); text categories become 0/1 columns. Missing
    values must be cleaned first (Clean Missing Data).
    """

    key = "classification.multiclass_neural_network"
    title = "Multiclass Neural Network"
    category = Category.CLASSIFICATION
    task = Task.MULTICLASS
