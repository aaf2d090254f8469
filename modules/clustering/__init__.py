"""Clustering: K-Means Clustering, Train Clustering Model and Assign Data to Clusters."""

from . import k_means, training

__all__ = ["k_means", "training"]
