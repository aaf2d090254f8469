"""'Create trainer mode': a learner built with one value per parameter, or with sweep ranges.

Clustering and anomaly-detection learners share this. In *Parameter Range* mode the single-value
parameters are hidden; Tune Model Hyperparameters reads ``sweep_space`` and builds candidates with
``with_params``, while a plain training module uses the single-value defaults, as the reference product
does (and as Train Model does for the supervised learners in ``modules.training.learners``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from modules.sdk import ChoiceParam, Learner, Param, RunContext, SweepParam

SINGLE_PARAMETER = "Single Parameter"
PARAMETER_RANGE = "Parameter Range"


def trainer_mode_param(name: str, title: str) -> ChoiceParam:
    return ChoiceParam(
        name,
        title,
        default=SINGLE_PARAMETER,
        choices=(SINGLE_PARAMETER, PARAMETER_RANGE),
        description="One value per parameter, or ranges of values for Tune Model Hyperparameters to sweep.",
    )


def when_single(mode_param: str) -> dict[str, tuple[str, ...]]:
    return {mode_param: (SINGLE_PARAMETER,)}


def when_range(mode_param: str) -> dict[str, tuple[str, ...]]:
    return {mode_param: (PARAMETER_RANGE,)}


def swept(
    param: Param,
    range_name: str,
    range_title: str,
    range_default: str,
    mode_param: str = "create_trainer_mode",
) -> tuple[Param, SweepParam]:
    """``param`` shown in single mode, and its range twin (each value checked like ``param``)."""
    single = replace(param, visible_when={**param.visible_when, **when_single(mode_param)})
    sweep = SweepParam(
        range_name,
        range_title,
        default=range_default,
        of=param,
        description=f"Values of '{param.title}' for Tune Model Hyperparameters to try, separated by ';'.",
        visible_when=when_range(mode_param),
    )
    return single, sweep


@dataclass
class SweepableLearner(Learner):
    """A learner whose parameters are the module's validated parameter values.

    Subclasses set ``mode_param`` (the trainer-mode parameter's name) and ``ranges`` (single-value
    parameter name -> the range parameter that sweeps it); ``range_companions`` maps a single-value
    parameter that has a separate range-mode twin (e.g. Initialization / Initialization for sweep).
    """

    params: dict[str, Any]

    mode_param: ClassVar[str] = "create_trainer_mode"
    ranges: ClassVar[Mapping[str, str]] = {}
    range_companions: ClassVar[Mapping[str, str]] = {}

    @property
    def is_range_mode(self) -> bool:
        return self.params.get(self.mode_param) == PARAMETER_RANGE

    def settings(self, ctx: RunContext | None = None) -> dict[str, Any]:
        """The values training uses. In range mode the swept parameters keep their single-value defaults
        (hidden parameters arrive as defaults) and companions take their range-mode twin's value."""
        values = dict(self.params)
        if self.is_range_mode:
            if ctx is not None:
                ctx.logger.warning(
                    "This model was created in Parameter Range mode; training it directly uses the "
                    "single-value defaults of %s. Connect it to Tune Model Hyperparameters to try the ranges.",
                    ", ".join(self.ranges),
                )
            for single, twin in self.range_companions.items():
                values[single] = self.params[twin]
        return values

    def sweep_space(self) -> dict[str, list[Any]]:
        if not self.is_range_mode:
            return {}
        return {single: list(self.params[sweep]) for single, sweep in self.ranges.items()}

    def with_params(self, **overrides: Any) -> SweepableLearner:
        unknown = set(overrides) - set(self.params)
        if unknown:
            raise ValueError(f"{type(self).__name__} has no parameter {sorted(unknown)[0]!r}")
        return type(self)({**self.settings(), self.mode_param: SINGLE_PARAMETER, **overrides})
