"""Recommendation: Train SVD Recommender, Score SVD Recommender and Evaluate Recommender."""

from . import evaluate, score, train

__all__ = ["evaluate", "score", "train"]
