"""Permutation Feature Importance: rank a trained model's features by how much shuffling each hurts."""

from __future__ import annotations

from typing import Any

import pandas as pd

from modules.sdk import (
    UINT32_MAX,
    Category,
    ChoiceParam,
    DataTable,
    IntParam,
    Module,
    Port,
    PortType,
    RunContext,
    register,
)

from .common import require_trained_model
from .importance import PFI_METRICS, permutation_importances


@register
class PermutationFeatureImportance(Module):
    """Scores each feature of a trained model by how much worse the model does on the test data when
    that feature's values are shuffled among the rows (breaking its link with the label).

    Outputs one row per feature, most important first: ``Score`` is the drop in the chosen metric (for
    error metrics such as Mean Absolute Error, the rise in error), so larger means more important and a
    score near zero means the model hardly uses the feature. The test data must include the label.
    """

    key = "feature_selection.permutation_feature_importance"
    title = "Permutation Feature Importance"
    category = Category.FEATURE_SELECTION
    training_only = True
    inputs = (
        Port("trained_model", "Trained model", PortType.TRAINED_MODEL),
        Port("test_data", "Test data", PortType.DATASET),
    )
    outputs = (Port("feature_importance", "Feature importance", PortType.DATASET),)
    params = (
        IntParam("random_seed", "Random seed", 0, "Fixes the shuffles.", min=0, max=UINT32_MAX),
        ChoiceParam(
            "metric_for_measuring_performance",
            "Metric for measuring performance",
            PFI_METRICS[0],
            "Pick a classification metric for classifiers and a regression metric for regressors.",
            choices=PFI_METRICS,
        ),
    )

    def run(
        self, ctx: RunContext, params: dict[str, Any], trained_model: Any, test_data: DataTable
    ) -> dict[str, Any]:
        model = require_trained_model(trained_model, "trained_model", self.title)
        pairs = permutation_importances(
            model, test_data, params["metric_for_measuring_performance"], params["random_seed"]
        )
        frame = pd.DataFrame({"Feature": [p[0] for p in pairs], "Score": [p[1] for p in pairs]})
        return {"feature_importance": DataTable(frame)}
