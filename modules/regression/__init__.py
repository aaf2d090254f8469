"""Regression learners: each module outputs an untrained model for Train Model."""

from . import linear_models, neural_network, tree_ensembles, xgboost_regression  # noqa: F401
