"""Apply Transformation: apply a fitted transformation (Normalize, Clean Missing Data ...) to new data."""

from __future__ import annotations

from typing import Any

from modules.sdk import (
    Category,
    DataTable,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    Transformation,
    register,
)


@register
class ApplyTransformation(Module):
    """Applies a transformation learned on training data (for example Normalize Data's or Clean Missing
    Data's) to another dataset, such as the test set or new rows at scoring time, so both are prepared
    exactly alike."""

    key = "model_scoring_evaluation.apply_transformation"
    title = "Apply Transformation"
    category = Category.MODEL_SCORING_EVALUATION
    inputs = (
        Port("transformation", "Transformation", PortType.TRANSFORMATION),
        Port("dataset", "Dataset", PortType.DATASET),
    )
    outputs = (Port("transformed_dataset", "Transformed dataset", PortType.DATASET),)

    def run(
        self, ctx: RunContext, params: dict[str, Any], transformation: Any, dataset: DataTable
    ) -> dict[str, Any]:
        if not isinstance(transformation, Transformation):
            raise ModuleError(
                "wrong_input",
                "Apply Transformation needs a fitted transformation (for example the second output of "
                "Normalize Data) on its left input.",
                port="transformation",
            )
        return {"transformed_dataset": transformation.apply(dataset)}
