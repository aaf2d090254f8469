"""Model training, scoring and evaluation modules, and the learner machinery they share."""

from . import (  # noqa: F401
    apply_transformation,
    cross_validate_model,
    evaluate_model,
    permutation_feature_importance,
    score_model,
    train_model,
    tune_model_hyperparameters,
)
