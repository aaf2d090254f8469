"""What each module becomes in an inference graph: its *role*.

The module flags (``training_only``, ``pass_through_at_inference``) and ports say most of it: a module
with a trained-model input scores, one with a transformation output learned state that Apply
Transformation can replay. What the flags cannot say is whether a module with no transformation output
is safe to run on each request batch on its own (Select Columns, Edit Metadata ...) or learns something
from the data it sees (Clip Values by percentile, Convert Word to Vector): that is this table. A module
in neither list is refused at deploy time rather than guessed at, and a conformance test makes every
registered module have a role.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from modules.sdk import Module, PortType

WEB_SERVICE_INPUT = "web_service.web_service_input"
WEB_SERVICE_OUTPUT = "web_service.web_service_output"
APPLY_TRANSFORMATION = "model_scoring_evaluation.apply_transformation"
SELECT_COLUMNS = "data_transformation.select_columns_in_dataset"
SCORE_MODEL = "model_scoring_evaluation.score_model"

MODEL_PORT_TYPES = frozenset(
    {PortType.TRAINED_MODEL, PortType.TRAINED_CLUSTER_MODEL, PortType.TRAINED_RECOMMENDER}
)


class Role(StrEnum):
    SOURCE = "source"  # brings data in from outside the pipeline (Import Data, Enter Data Manually)
    WEB_SERVICE_INPUT = "web_service_input"
    WEB_SERVICE_OUTPUT = "web_service_output"
    PASS_THROUGH = "pass_through"  # Split Data, Partition and Sample, SMOTE: bypassed
    TRAINING_ONLY = "training_only"  # Train*, Tune, Cross Validate, Evaluate*, Export Data: removed
    SCORER = "scorer"  # consumes a trained model: Score Model, Assign Data to Clusters ...
    FITTED = "fitted"  # learns state and outputs it as a transformation: replaced by Apply Transformation
    LEARNED_SELECTION = "learned_selection"  # learns which columns to keep: replaced by Select Columns
    STATELESS = "stateless"  # does the same to any batch of rows: kept as it is
    STATEFUL = "stateful"  # learns from the data it sees, with no transformation output: refused


# Modules that compute each output from the batch in front of them and their parameters only.
STATELESS_MODULES = frozenset(
    {
        "data_transformation.add_columns",
        "data_transformation.add_rows",
        "data_transformation.apply_math_operation",
        "data_transformation.apply_sql_transformation",
        "data_transformation.convert_to_csv",
        "data_transformation.convert_to_dataset",
        "data_transformation.edit_metadata",
        "data_transformation.join_data",
        "data_transformation.remove_duplicate_rows",
        SELECT_COLUMNS,
        "text_analytics.preprocess_text",
        "python_language.execute_python_script",
        "statistical_functions.summarize_data",
        APPLY_TRANSFORMATION,
    }
)

# Modules whose only learned state is the list of columns they kept.
LEARNED_SELECTION_MODULES = frozenset({"feature_selection.filter_based_feature_selection"})

# Modules that learn from their input and have no transformation output, with the reason shown.
STATEFUL_MODULES: dict[str, str] = {
    "text_analytics.convert_word_to_vector": "it trains word embeddings on the data it receives",
}

CLIP_VALUES = "data_transformation.clip_values"


def _clip_values_state(params: dict[str, Any]) -> str | None:
    """Clip Values learns from each batch when its thresholds are percentiles or it substitutes the
    column's mean or median; with constant thresholds replaced by the threshold or a missing value it
    is stateless."""
    if params.get("threshold") == "Percentile":
        return "its thresholds are percentiles of the data it receives"
    sides = params.get("set_of_thresholds", "ClipPeaks")
    used = []
    if sides in ("ClipPeaks", "ClipPeaksAndSubpeaks"):
        used.append(params.get("substitute_value_for_peaks", "Threshold"))
    if sides in ("ClipSubPeaks", "ClipPeaksAndSubpeaks"):
        used.append(params.get("substitute_value_for_subpeaks", "Threshold"))
    if {"Mean", "Median"} & set(used):
        return "it substitutes the mean or median of the data it receives"
    return None


def dataset_inputs(module: type[Module]) -> list[str]:
    return [p.name for p in module.inputs if p.type == PortType.DATASET]


def dataset_outputs(module: type[Module]) -> list[str]:
    return [p.name for p in module.outputs if p.type == PortType.DATASET]


def transformation_output(module: type[Module]) -> str | None:
    return next((p.name for p in module.outputs if p.type == PortType.TRANSFORMATION), None)


def model_inputs(module: type[Module]) -> list[str]:
    return [p.name for p in module.inputs if p.type in MODEL_PORT_TYPES]


def role_of(module: type[Module], params: dict[str, Any] | None = None) -> tuple[Role | None, str]:
    """The module's role and, for STATEFUL (or None: unknown), why it cannot run at inference."""
    params = params or {}
    if module.key == WEB_SERVICE_INPUT:
        return Role.WEB_SERVICE_INPUT, ""
    if module.key == WEB_SERVICE_OUTPUT:
        return Role.WEB_SERVICE_OUTPUT, ""
    if module.training_only:
        return Role.TRAINING_ONLY, ""
    if module.pass_through_at_inference:
        return Role.PASS_THROUGH, ""
    if model_inputs(module):
        return Role.SCORER, ""
    if transformation_output(module) and dataset_inputs(module):
        return Role.FITTED, ""
    if module.key in LEARNED_SELECTION_MODULES:
        return Role.LEARNED_SELECTION, ""
    if module.key in STATEFUL_MODULES:
        return Role.STATEFUL, STATEFUL_MODULES[module.key]
    if module.key == CLIP_VALUES:
        reason = _clip_values_state(params)
        return (Role.STATEFUL, reason) if reason else (Role.STATELESS, "")
    if module.key in STATELESS_MODULES:
        return Role.STATELESS, ""
    if not dataset_inputs(module) and not model_inputs(module):
        # Nothing flows in: a data source (Import Data), or a learner that only makes an untrained model.
        return Role.SOURCE, ""
    return None, "it is not known to be safe to run on new rows: it may learn from the data it receives"


def request_outputs(module: type[Module], role: Role) -> list[str]:
    """Output ports that carry data derived from the rows flowing in (the others are constants)."""
    outs = dataset_outputs(module)
    if role == Role.TRAINING_ONLY:
        return []
    if role in (Role.FITTED, Role.LEARNED_SELECTION):
        return outs[:1]
    return outs
