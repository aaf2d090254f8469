"""Anomaly detection: PCA-based, one-class SVM and isolation forest detectors, and their training module."""

from . import isolation_forest, one_class_svm, pca, train

__all__ = ["isolation_forest", "one_class_svm", "pca", "train"]
