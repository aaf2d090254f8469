"""The module declaration: everything about a module in one class."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, ClassVar

from .context import RunContext
from .errors import ModuleError
from .params import Param, params_json_schema, validate_params
from .ports import Port


class Category(StrEnum):
    DATA_INPUT_OUTPUT = "Data Input and Output"
    DATA_TRANSFORMATION = "Data Transformation"
    FEATURE_SELECTION = "Feature Selection"
    STATISTICAL_FUNCTIONS = "Statistical Functions"
    CLASSIFICATION = "Machine Learning Algorithms/Classification"
    REGRESSION = "Machine Learning Algorithms/Regression"
    CLUSTERING = "Machine Learning Algorithms/Clustering"
    ANOMALY_DETECTION = "Anomaly Detection"
    RECOMMENDATION = "Recommendation"
    MODEL_TRAINING = "Model Training"
    MODEL_SCORING_EVALUATION = "Model Scoring & Evaluation"
    PYTHON_LANGUAGE = "Python Language"
    TEXT_ANALYTICS = "Text Analytics"
    WEB_SERVICE = "Web Service"


class Module:
    """Subclass, fill in the class attributes, implement ``run``, and decorate with ``@register``.

    The docstring of the subclass is the help text the palette shows.
    """

    key: ClassVar[str]
    version: ClassVar[int] = 1
    title: ClassVar[str]
    category: ClassVar[Category]
    inputs: ClassVar[tuple[Port, ...]] = ()
    outputs: ClassVar[tuple[Port, ...]] = ()
    params: ClassVar[tuple[Param, ...]] = ()

    # Same inputs and parameters give the same outputs, so results may be cached.
    deterministic: ClassVar[bool] = True
    # At inference, the input passes straight to the (first) output (Split Data, sampling, SMOTE).
    pass_through_at_inference: ClassVar[bool] = False
    # Only meaningful when training (Train Model, Tune, Cross Validate, Evaluate ...): removed at inference.
    training_only: ClassVar[bool] = False
    gpu_capable: ClassVar[bool] = False
    # Output table port -> input table port whose columns it keeps unchanged (rows may differ), so
    # the design-time schema flows through (Split Data, sampling, SMOTE, Remove Duplicate Rows ...).
    schema_preserving_outputs: ClassVar[dict[str, str]] = {}
    # Older keys this module answers to, and an upgrader for parameters saved by older versions.
    replaces: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def upgrade_params(cls, params: dict[str, Any], from_version: int) -> dict[str, Any]:
        """Rewrite parameters saved by an older version of this module; the default keeps them."""
        return params

    @classmethod
    def pin_params(cls, params: dict[str, Any], services: dict[str, object]) -> dict[str, Any]:
        """Parameters with moving references fixed at submit time, before they are hashed for the cache.

        Import Data turns "the latest version of dataset X" into "version n of X", so a run after a
        re-upload reads (and caches) the new version. The default changes nothing.
        """
        return params

    @classmethod
    def is_deterministic(cls, params: dict[str, Any]) -> bool:
        """Whether outputs may be cached for these validated parameters.

        ``deterministic`` unless a module knows better per parameters: Import Data reading a registered
        dataset version is cacheable, reading a URL is only when "Regenerate output" is unchecked.
        """
        return cls.deterministic

    @classmethod
    def infer_output_schemas(
        cls, params: dict[str, Any], input_schemas: dict[str, list[dict[str, Any]] | None]
    ) -> dict[str, list[dict[str, Any]] | None]:
        """Column schemas of the output tables, when they can be known without running.

        ``input_schemas`` maps input port -> column list (None when unknown). Used at design time for
        column pickers and validation; the default knows nothing. Overriding modules must not read
        data beyond what the parameters name (it runs in the web process).
        """
        return {out: input_schemas.get(source) for out, source in cls.schema_preserving_outputs.items()}

    @classmethod
    def help_text(cls) -> str:
        return (cls.__doc__ or "").strip()

    @classmethod
    def validate_params(cls, given: dict[str, Any] | None) -> dict[str, Any]:
        try:
            return validate_params(cls.params, given)
        except ModuleError as exc:
            exc.module = cls.key
            raise

    @classmethod
    def input(cls, name: str) -> Port:
        return next(p for p in cls.inputs if p.name == name)

    @classmethod
    def output(cls, name: str) -> Port:
        return next(p for p in cls.outputs if p.name == name)

    @classmethod
    def spec(cls) -> dict[str, Any]:
        """The module as data: what the palette, the parameter panel and the API read."""
        return {
            "key": cls.key,
            "version": cls.version,
            "title": cls.title,
            "category": str(cls.category),
            "help": cls.help_text(),
            "inputs": [p.as_dict() for p in cls.inputs],
            "outputs": [p.as_dict() for p in cls.outputs],
            "params_schema": params_json_schema(cls.params),
            "flags": {
                "deterministic": cls.deterministic,
                "pass_through_at_inference": cls.pass_through_at_inference,
                "training_only": cls.training_only,
                "gpu_capable": cls.gpu_capable,
            },
            "replaces": list(cls.replaces),
        }

    # ``run(self, ctx, params, **inputs) -> outputs``: each module names its own input ports as keyword
    # arguments, so the base declares it as a callable of any arguments rather than a method whose
    # signature every subclass would have to break.
    run: Callable[..., dict[str, Any]]

    @classmethod
    def execute(cls, ctx: RunContext, params: dict[str, Any] | None = None, **inputs: Any) -> dict[str, Any]:
        """Validate, check required inputs, run, and check the outputs match the declared ports."""
        clean = cls.validate_params(params)
        for port in cls.inputs:
            if inputs.get(port.name) is None and not port.optional:
                raise ModuleError(
                    "missing_input",
                    f"'{cls.title}' needs something connected to its '{port.title}' input.",
                    module=cls.key,
                    port=port.name,
                )
        unknown = set(inputs) - {p.name for p in cls.inputs}
        if unknown:
            raise ModuleError(
                "unknown_input", f"'{cls.title}' has no input named {sorted(unknown)[0]!r}.", module=cls.key
            )
        try:
            outputs = cls().run(ctx, clean, **{k: v for k, v in inputs.items() if v is not None})
        except ModuleError as exc:
            exc.module = exc.module or cls.key
            raise
        declared = {p.name for p in cls.outputs}
        if set(outputs) - declared:
            raise RuntimeError(f"{cls.key} returned undeclared outputs {sorted(set(outputs) - declared)}")
        missing = {p.name for p in cls.outputs if not p.optional} - set(outputs)
        if missing:
            raise RuntimeError(f"{cls.key} did not produce outputs {sorted(missing)}")
        return outputs
