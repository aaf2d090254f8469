"""Classification learners: each module outputs an untrained model for Train Model."""

from . import (  # noqa: F401
    logistic_regression,
    margin_classifiers,
    multiclass_wrappers,
    neural_networks,
    tree_ensembles,
    xgboost_classifiers,
)
