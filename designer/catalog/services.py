"""The module catalogue as the API serves it: read straight from the registry."""

from __future__ import annotations

from typing import Any

from modules.sdk import all_modules, get_module


def module_specs() -> list[dict[str, Any]]:
    return [module.spec() for module in all_modules()]


def module_spec(key: str) -> dict[str, Any]:
    return get_module(key).spec()


def sample_datasets() -> list[dict[str, Any]]:
    """The bundled sample datasets the palette offers (used through Import Data's "Sample dataset")."""
    from modules.data_io.samples import sample_catalogue

    return sample_catalogue()
