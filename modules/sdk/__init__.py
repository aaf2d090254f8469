"""The module SDK: ports, parameters, tables, the module base class, the registry and codecs."""

from .columns import resolve_columns
from .context import RunContext
from .errors import CancelledError, ModuleError, ParameterError
from .features import FeatureEncoder, check_not_high_cardinality, require_rows
from .models import (
    ASSIGNMENTS,
    FOLD_COLUMN,
    SCORED_LABELS,
    SCORED_PROBABILITIES,
    Evaluation,
    Learner,
    Task,
    TrainedModel,
    Transformation,
    cluster_distance_column,
    scored_probability_column,
)
from .module import Category, Module
from .params import (
    UINT32_MAX,
    BoolParam,
    ChoiceParam,
    ColumnsParam,
    FloatParam,
    IntParam,
    Param,
    StringParam,
    SweepParam,
    TextParam,
)
from .ports import Port, PortType, port_types_compatible
from .registry import all_modules, get_module, has_module, register
from .table import ColumnMeta, DataTable, column_kind, is_numeric

__all__ = [
    "ASSIGNMENTS",
    "FOLD_COLUMN",
    "SCORED_LABELS",
    "SCORED_PROBABILITIES",
    "UINT32_MAX",
    "BoolParam",
    "CancelledError",
    "Category",
    "ChoiceParam",
    "ColumnMeta",
    "ColumnsParam",
    "DataTable",
    "Evaluation",
    "FeatureEncoder",
    "FloatParam",
    "IntParam",
    "Learner",
    "Module",
    "ModuleError",
    "Param",
    "ParameterError",
    "Port",
    "PortType",
    "RunContext",
    "StringParam",
    "SweepParam",
    "Task",
    "TextParam",
    "TrainedModel",
    "Transformation",
    "all_modules",
    "check_not_high_cardinality",
    "cluster_distance_column",
    "column_kind",
    "get_module",
    "has_module",
    "is_numeric",
    "port_types_compatible",
    "register",
    "require_rows",
    "resolve_columns",
    "scored_probability_column",
]
