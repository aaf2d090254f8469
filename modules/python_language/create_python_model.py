"""Create Python Model: a learner written as a Python class, trained and scored in a separate process."""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from modules.sdk import (
    SCORED_LABELS,
    Category,
    DataTable,
    Learner,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    Task,
    TextParam,
    TrainedModel,
    register,
    require_rows,
)

from .execute_python_script import TIMEOUT_PARAM
from .runner import run_python_script, runner_for

MODULE_KEY = "python_language.create_python_model"
DEFAULT_SCRIPT = """\
# The script must define a class named AzureMLModel with these methods:
#   __init__(self): set up the model
#   train(self, df_train, df_label): df_train is a DataFrame of the feature columns,
#       df_label a Series of labels
#   predict(self, df): return a DataFrame with a "Scored Labels" column (and optionally
#       probability columns such as "Scored Probabilities"), one row per row of df
# The trained object is pickled, so keep everything it needs in attributes.
import pandas as pd
from sklearn.linear_model import LogisticRegression


class AzureMLModel:
    def __init__(self):
        self.model = LogisticRegression()
        self.feature_column_names = list()

    def train(self, df_train, df_label):
        self.feature_column_names = df_train.columns.tolist()
        self.model.fit(df_train, df_label)

    def predict(self, df):
        return pd.DataFrame({"Scored Labels": self.model.predict(df[self.feature_column_names])})
"""

logger = logging.getLogger(__name__)


def check_model_script(script: str) -> None:
    """Catch syntax errors and a missing AzureMLModel before any training starts (parsing runs nothing)."""
    try:
        tree = ast.parse(script)
    except SyntaxError as exc:
        raise ModuleError(
            "script_error",
            f"Your Python script failed at line {exc.lineno}: SyntaxError: {exc.msg}",
            parameter="python_script",
        ) from None
    if not any(isinstance(node, ast.ClassDef) and node.name == "AzureMLModel" for node in tree.body):
        raise ModuleError(
            "missing_entry_point",
            "The script must define a class AzureMLModel with train(df_train, df_label) and predict(df).",
            parameter="python_script",
        )


@dataclass(eq=False)
class PythonScriptModel(TrainedModel):
    """The user's trained AzureMLModel, kept as the bytes pickled inside the script's process.

    The bytes are only ever unpickled in a script process again (to score), never in the designer.
    """

    script: str
    state: bytes
    feature_columns: list[str]
    timeout_seconds: int
    seed: int
    label_column: str | None = None
    task: Task = field(default=Task.CUSTOM, init=False)
    learner_key: str = field(default=MODULE_KEY, init=False)

    def score(self, table: DataTable) -> pd.DataFrame:
        table.require_columns(self.feature_columns)
        # No RunContext here (Score Model, a deployment's scoring): the default runner, which the
        # designer sets to its configured sandbox when it starts, runs the script.
        result = run_python_script(
            "predict",
            self.script,
            inputs={"df": table.df[self.feature_columns]},
            state=self.state,
            seed=self.seed,
            timeout=self.timeout_seconds,
            logger=logger,
        )
        scores = result.tables["scores"]
        if scores is None or SCORED_LABELS not in scores.columns:
            raise ModuleError(
                "invalid_script_output",
                f"AzureMLModel.predict must return a DataFrame with a '{SCORED_LABELS}' column.",
            )
        if len(scores) != len(table):
            raise ModuleError(
                "invalid_script_output",
                f"AzureMLModel.predict returned {len(scores)} rows for {len(table)} input rows; return one "
                "row per input row.",
            )
        scores.index = table.df.index
        return scores


@dataclass(eq=False)
class PythonScriptLearner(Learner):
    script: str
    timeout_seconds: int
    task = Task.CUSTOM
    module_key = MODULE_KEY

    @property
    def params(self) -> dict[str, Any]:  # type: ignore[override]
        return {"python_script": self.script, "timeout_seconds": self.timeout_seconds}

    def fit(self, ctx: RunContext, table: DataTable, label_column: str | None) -> PythonScriptModel:
        label = label_column or table.label_column
        if label is None:
            raise ModuleError(
                "missing_label",
                "Choose the label column in Train Model, or mark it with Edit Metadata.",
                parameter="label_column",
            )
        table.require_columns([label])
        require_rows(table)
        features = table.feature_columns(exclude={label})
        if not features:
            raise ModuleError(
                "no_feature_columns", "There are no feature columns to train on besides the label."
            )
        labelled = table.df[table.df[label].notna()]
        if labelled.empty:
            raise ModuleError("missing_values", f"Every row's label ('{label}') is missing.", column=label)
        result = run_python_script(
            "train",
            self.script,
            inputs={"df_train": labelled[features], "df_label": labelled[[label]]},
            seed=ctx.seed,
            timeout=self.timeout_seconds,
            logger=ctx.logger,
            cancel_event=ctx.cancel_event,
            runner=runner_for(ctx.services),
            cpu_threads=ctx.cpu_budget,
        )
        assert result.state is not None
        return PythonScriptModel(
            self.script, result.state, features, self.timeout_seconds, ctx.seed, label_column=label
        )


@register
class CreatePythonModel(Module):
    """Write your own learner in Python and use it with Train Model and Score Model.

    The script defines a class ``AzureMLModel`` with ``__init__(self)``, ``train(self, df_train,
    df_label)`` (feature columns as a DataFrame, the label as a Series) and ``predict(self, df)``, which
    returns a DataFrame with a "Scored Labels" column and, if you like, probability columns such as
    "Scored Probabilities". Connect the output to Train Model: training and scoring each run the script
    in a separate Python process (seeded with the run's random seed, stopped after Timeout), and the
    trained object is stored as the process pickled it. Import only packages installed with the
    product: the trained object must be loadable again when scoring.
    """

    key = MODULE_KEY
    title = "Create Python Model"
    category = Category.PYTHON_LANGUAGE
    outputs = (Port("untrained_model", "Untrained model", PortType.UNTRAINED_MODEL),)
    params = (
        TextParam("python_script", "Python script", default=DEFAULT_SCRIPT, language="python"),
        TIMEOUT_PARAM,
    )

    def run(self, ctx: RunContext, params: dict[str, Any]) -> dict[str, Any]:
        # Refuse here, on this node, when scripts cannot run, rather than later in Train Model.
        runner_for(ctx.services).ensure_available()
        check_model_script(params["python_script"])
        return {"untrained_model": PythonScriptLearner(params["python_script"], params["timeout_seconds"])}
