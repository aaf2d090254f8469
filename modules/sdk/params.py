"""Typed module parameters: defaults, ranges, choices, conditional visibility, JSON Schema export.

A parameter's ``name`` is its stable id in saved graphs; ``title`` is the label users of the reference
product know. ``visible_when`` makes it conditional ("shown when mode = Custom"): a hidden parameter is
neither validated nor passed to ``run`` (it arrives as its default), mirroring the reference panel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .columns import normalize_selection
from .errors import ParameterError

UINT32_MAX = 2**32 - 1


@dataclass(frozen=True)
class Param:
    name: str
    title: str
    default: Any = None
    description: str = ""
    advanced: bool = False
    optional: bool = False
    # {"other_param": [allowed values]}: shown only when every listed parameter has one of the values.
    visible_when: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    widget = "text"

    def is_visible(self, values: Mapping[str, Any]) -> bool:
        return all(values.get(other) in allowed for other, allowed in self.visible_when.items())

    def coerce(self, value: Any) -> Any:
        return value

    def validate(self, value: Any) -> Any:
        """Return the clean value or raise ParameterError naming this parameter."""
        if value is None:
            if self.optional or self.default is None:
                return None
            raise self._error("missing_parameter", f"'{self.title}' needs a value.")
        return self.coerce(value)

    def _error(self, code: str, message: str) -> ParameterError:
        return ParameterError(code, message, parameter=self.name)

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"title": self.title}
        if self.description:
            schema["description"] = self.description
        if self.default is not None:
            schema["default"] = self.default
        return schema

    def ui_hints(self) -> dict[str, Any]:
        hints: dict[str, Any] = {"widget": self.widget}
        if self.advanced:
            hints["advanced"] = True
        if self.visible_when:
            hints["visible_when"] = {k: list(v) for k, v in self.visible_when.items()}
        return hints


@dataclass(frozen=True)
class _Bounded(Param):
    min: float | None = None
    max: float | None = None
    exclusive_min: bool = False

    def _check_range(self, number: float) -> None:
        low_bad = self.min is not None and (number <= self.min if self.exclusive_min else number < self.min)
        high_bad = self.max is not None and number > self.max
        if low_bad or high_bad:
            low = "" if self.min is None else (f"> {self.min}" if self.exclusive_min else f">= {self.min}")
            high = "" if self.max is None else f"<= {self.max}"
            bounds = " and ".join(b for b in (low, high) if b)
            raise self._error("parameter_out_of_range", f"'{self.title}' must be {bounds}; got {number}.")

    def json_schema(self) -> dict[str, Any]:
        schema = super().json_schema()
        if self.min is not None:
            schema["exclusiveMinimum" if self.exclusive_min else "minimum"] = self.min
        if self.max is not None:
            schema["maximum"] = self.max
        return schema


@dataclass(frozen=True)
class IntParam(_Bounded):
    widget = "number"

    def coerce(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self._error("invalid_parameter", f"'{self.title}' must be a whole number, not true/false.")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise self._error(
                    "invalid_parameter", f"'{self.title}' must be a whole number; got {value!r}."
                ) from None
        if not isinstance(value, int):
            raise self._error("invalid_parameter", f"'{self.title}' must be a whole number; got {value!r}.")
        self._check_range(value)
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": ["integer", "null"] if self.optional else "integer", **super().json_schema()}


@dataclass(frozen=True)
class FloatParam(_Bounded):
    widget = "number"

    def coerce(self, value: Any) -> float:
        if isinstance(value, bool):
            raise self._error("invalid_parameter", f"'{self.title}' must be a number, not true/false.")
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise self._error(
                    "invalid_parameter", f"'{self.title}' must be a number; got {value!r}."
                ) from None
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self._error("invalid_parameter", f"'{self.title}' must be a finite number; got {value!r}.")
        self._check_range(float(value))
        return float(value)

    def json_schema(self) -> dict[str, Any]:
        return {"type": ["number", "null"] if self.optional else "number", **super().json_schema()}


@dataclass(frozen=True)
class BoolParam(Param):
    widget = "checkbox"

    def coerce(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise self._error("invalid_parameter", f"'{self.title}' must be true or false; got {value!r}.")

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean", **super().json_schema()}


@dataclass(frozen=True)
class ChoiceParam(Param):
    choices: tuple[str, ...] = ()
    widget = "select"

    def coerce(self, value: Any) -> str:
        if value not in self.choices:
            raise self._error(
                "invalid_choice",
                f"'{self.title}' must be one of: {', '.join(self.choices)}; got {value!r}.",
            )
        return str(value)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.choices), **super().json_schema()}


@dataclass(frozen=True)
class StringParam(Param):
    max_length: int = 10_000
    widget = "text"

    def coerce(self, value: Any) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise self._error("invalid_parameter", f"'{self.title}' must be text; got {value!r}.")
        if len(value) > self.max_length:
            raise self._error(
                "parameter_out_of_range", f"'{self.title}' is longer than {self.max_length} characters."
            )
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": ["string", "null"] if self.optional else "string", **super().json_schema()}


@dataclass(frozen=True)
class TextParam(StringParam):
    """Multi-line text or a script; ``language`` tells the editor how to highlight it."""

    language: str = "text"
    max_length: int = 1_000_000
    widget = "code"

    def ui_hints(self) -> dict[str, Any]:
        return {**super().ui_hints(), "language": self.language}


@dataclass(frozen=True)
class ColumnsParam(Param):
    """A column picker over the dataset arriving on input port ``port``."""

    port: str = "dataset"
    single: bool = False
    widget = "columns"

    def coerce(self, value: Any) -> dict[str, Any] | None:
        selection = normalize_selection(value, self.name)
        if selection and self.single and "names" in selection and len(selection["names"]) != 1:
            raise self._error("invalid_parameter", f"'{self.title}' takes exactly one column.")
        return selection

    def validate(self, value: Any) -> Any:
        selection = self.coerce(value) if value is not None else None
        if selection is None and not self.optional:
            raise self._error("missing_parameter", f"Choose the column(s) for '{self.title}'.")
        return selection

    def json_schema(self) -> dict[str, Any]:
        schema = super().json_schema()
        schema["type"] = ["object", "array", "string", "null"]
        return schema

    def ui_hints(self) -> dict[str, Any]:
        return {**super().ui_hints(), "port": self.port, "single": self.single}


@dataclass(frozen=True)
class SweepParam(Param):
    """A list of values for Tune Model Hyperparameters, written like ``2; 8; 32``.

    ``of`` is the single-value parameter each element must satisfy (type and range).
    """

    of: Param | None = None
    widget = "sweep"

    def coerce(self, value: Any) -> list[Any]:
        if isinstance(value, str):
            items: list[Any] = [v.strip() for v in value.replace(",", ";").split(";") if v.strip()]
        elif isinstance(value, (list, tuple)):
            items = list(value)
        else:
            items = [value]
        if not items:
            raise self._error(
                "invalid_parameter", f"'{self.title}' needs at least one value, like '1; 10; 100'."
            )
        assert self.of is not None
        try:
            return [self.of.coerce(v) for v in items]
        except ParameterError as exc:
            raise self._error(exc.code, f"'{self.title}': {exc.message}") from None

    def json_schema(self) -> dict[str, Any]:
        return {"type": ["string", "array"], **super().json_schema()}


def validate_params(declared: tuple[Param, ...], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check every visible parameter, all at once; unknown names are an error.

    Returns the clean values (defaults filled in). Raises a ParameterError for the first problem;
    ``collect_param_problems`` gives all of them for graph validation.
    """
    problems, clean = _check(declared, given or {})
    if problems:
        raise problems[0]
    return clean


def collect_param_problems(
    declared: tuple[Param, ...], given: Mapping[str, Any] | None
) -> list[ParameterError]:
    return _check(declared, given or {})[0]


def _check(
    declared: tuple[Param, ...], given: Mapping[str, Any]
) -> tuple[list[ParameterError], dict[str, Any]]:
    by_name = {p.name: p for p in declared}
    problems: list[ParameterError] = []
    for name in given:
        if name not in by_name:
            problems.append(
                ParameterError(
                    "unknown_parameter",
                    f"This module has no parameter '{name}'. Known: {', '.join(by_name) or 'none'}.",
                    parameter=name,
                )
            )
    # Visibility depends on other parameters' values (defaults when not given).
    raw = {p.name: given.get(p.name, p.default) for p in declared}
    clean: dict[str, Any] = {}
    for param in declared:
        if not param.is_visible(raw):
            clean[param.name] = param.default if not isinstance(param, (ColumnsParam, SweepParam)) else None
            continue
        try:
            clean[param.name] = param.validate(raw[param.name])
        except ParameterError as exc:
            problems.append(exc)
    return problems, clean


def params_json_schema(declared: tuple[Param, ...]) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) for the parameter object, plus UI hints per property."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {p.name: p.json_schema() for p in declared},
        "required": [
            p.name for p in declared if not p.optional and p.default is not None and not p.visible_when
        ],
        "x-order": [p.name for p in declared],
        "x-ui": {p.name: p.ui_hints() for p in declared},
    }
