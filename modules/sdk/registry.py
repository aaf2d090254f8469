"""The registry: the single source of truth for which modules exist.

The palette, the parameter forms, REST, GraphQL, validation and the run engine all read it.
"""

from __future__ import annotations

import importlib
from typing import TypeVar

from .errors import ModuleError
from .module import Module

M = TypeVar("M", bound=type[Module])

# Every category package registers its modules on import; this list is the catalogue.
CATEGORY_PACKAGES = (
    "modules.data_io",
    "modules.transforms",
    "modules.feature_selection",
    "modules.classification",
    "modules.regression",
    "modules.clustering",
    "modules.anomaly",
    "modules.recommendation",
    "modules.text",
    "modules.training",
    "modules.python_language",
    "modules.web_service",
)

_MODULES: dict[str, type[Module]] = {}
_ALIASES: dict[str, str] = {}
_loaded = False


def register(cls: M) -> M:
    key = cls.key
    if key in _MODULES and _MODULES[key] is not cls:
        raise RuntimeError(f"module key {key!r} registered twice")
    _MODULES[key] = cls
    for old in cls.replaces:
        _ALIASES[old] = key
    return cls


def load_all() -> None:
    global _loaded
    if _loaded:
        return
    for package in CATEGORY_PACKAGES:
        importlib.import_module(package)
    _loaded = True


def all_modules() -> list[type[Module]]:
    load_all()
    return sorted(_MODULES.values(), key=lambda m: (str(m.category), m.title))


def get_module(key: str) -> type[Module]:
    load_all()
    key = _ALIASES.get(key, key)
    try:
        return _MODULES[key]
    except KeyError:
        raise ModuleError(
            "unknown_module", f"There is no module '{key}'. It may have been removed or misspelled."
        ) from None


def has_module(key: str) -> bool:
    load_all()
    return _ALIASES.get(key, key) in _MODULES
