"""Example inputs and parameters for every registered module, used by the conformance suite.

Each file in this package defines ``EXAMPLES: dict[str, Example]`` keyed by module key. The
conformance test fails for a registered module that has no example, so a new module cannot skip it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Example:
    # Builds fresh inputs each call (modules must not mutate their inputs, but tests stay independent).
    inputs: Callable[[], dict[str, Any]] = dict
    params: dict[str, Any] = field(default_factory=dict)
    # A parameter and a value the module must refuse (auto-derived from declared ranges when None).
    bad_param: tuple[str, Any] | None = None
    # How to compare two runs for the same-seed check: "value" (frames/evaluations/pickles) or "skip"
    # with a reason for modules that read the outside world.
    determinism: str = "value"
    reason: str = ""
    # Builds the RunContext services a module needs (a dataset store for Import/Export Data ...).
    services: Callable[[], dict[str, Any]] = dict


def all_examples() -> dict[str, Example]:
    found: dict[str, Example] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, example in getattr(module, "EXAMPLES", {}).items():
            if key in found:
                raise RuntimeError(f"two examples for {key}")
            found[key] = example
    return found
