"""Column selections: the value of a column-picker parameter, and how it resolves against a table.

A selection is stored as JSON in the graph. Accepted forms:
- ``"price"`` or ``["price", "horsepower"]``: columns by name;
- ``{"names": ["price"]}``: the same, explicit;
- ``{"rules": [{"op": "include", "kind": "numeric"}, {"op": "exclude", "names": ["id"]}]}``:
  rules applied in order, starting from no columns (or from all columns when the first rule excludes).
  ``kind`` is one of ``all``, ``numeric``, ``string``, ``categorical``, ``feature``, ``label``, ``score``
  or ``names`` (the default when ``names`` is given).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import ModuleError, ParameterError
from .table import DataTable, column_kind

RULE_KINDS = ("all", "numeric", "string", "categorical", "feature", "label", "score", "names")


def normalize_selection(value: Any, parameter: str) -> dict[str, Any] | None:
    """Turn any accepted form into ``{"names": [...]}`` or ``{"rules": [...]}``; None when empty."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, str):
        return {"names": [value]}
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            raise ParameterError(
                "invalid_parameter", f"'{parameter}' must be a list of column names.", parameter=parameter
            )
        return {"names": list(value)}
    if isinstance(value, dict):
        if "names" in value and "rules" not in value:
            return normalize_selection(value["names"], parameter)
        rules = value.get("rules")
        if not isinstance(rules, list) or not rules:
            raise ParameterError(
                "invalid_parameter",
                f"'{parameter}' must list column names or rules like "
                '{"rules": [{"op": "include", "kind": "numeric"}]}.',
                parameter=parameter,
            )
        clean = []
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict):
                raise ParameterError(
                    "invalid_parameter",
                    f"Rule {i + 1} of '{parameter}' must be an object.",
                    parameter=parameter,
                )
            op = rule.get("op", "include")
            kind = rule.get("kind", "names" if "names" in rule else "all")
            if op not in ("include", "exclude") or kind not in RULE_KINDS:
                raise ParameterError(
                    "invalid_parameter",
                    f"Rule {i + 1} of '{parameter}' needs op include/exclude and kind one of "
                    f"{', '.join(RULE_KINDS)}.",
                    parameter=parameter,
                )
            names = rule.get("names", [])
            if kind == "names" and (not isinstance(names, list) or not names):
                raise ParameterError(
                    "invalid_parameter",
                    f"Rule {i + 1} of '{parameter}' picks columns by name but lists none.",
                    parameter=parameter,
                )
            clean.append({"op": op, "kind": kind, **({"names": list(names)} if kind == "names" else {})})
        return {"rules": clean}
    raise ParameterError(
        "invalid_parameter", f"'{parameter}' is not a column selection.", parameter=parameter
    )


def _matches(table: DataTable, column: str, kind: str, names: list[str]) -> bool:
    meta = table.meta[column]
    ckind = column_kind(table.df[column])
    return {
        "all": True,
        "numeric": ckind in ("integer", "double", "boolean"),
        "string": ckind == "string",
        "categorical": meta.categorical,
        "feature": meta.is_feature and not meta.is_label and not meta.is_score,
        "label": meta.is_label,
        "score": meta.is_score,
        "names": column in names,
    }[kind]


def resolve_columns(table: DataTable, selection: dict[str, Any] | None, parameter: str) -> list[str]:
    """The selected columns in table order (names keep the order the user gave)."""
    if selection is None:
        return []
    if "names" in selection:
        table.require_columns(selection["names"], parameter=parameter)
        return list(selection["names"])
    rules = selection["rules"]
    chosen: set[str] = set(table.columns) if rules[0]["op"] == "exclude" else set()
    for rule in rules:
        names = rule.get("names", [])
        # Excluding a column that is not there removes nothing; it matters at scoring time, where an
        # inference graph's input holds only the columns the model needs (design-time validation still
        # reports an unknown name). Including one that is not there is an error.
        if rule["kind"] == "names" and rule["op"] == "include":
            table.require_columns(names, parameter=parameter)
        hits = {c for c in table.columns if _matches(table, c, rule["kind"], names)}
        chosen = chosen | hits if rule["op"] == "include" else chosen - hits
    return [c for c in table.columns if c in chosen]


def selection_names_at_design_time(selection: dict[str, Any] | None) -> list[str]:
    """Column names a selection mentions explicitly (for design-time validation)."""
    if selection is None:
        return []
    if "names" in selection:
        return list(selection["names"])
    return [n for r in selection["rules"] if r["kind"] == "names" for n in r.get("names", [])]


def require_numeric_columns(table: DataTable, columns: list[str], *, parameter: str | None = None) -> None:
    """Refuse the first non-numeric column among ``columns``, naming it and one of its values.

    Integer, double and boolean columns are numeric. Shared by every module that does arithmetic on
    columns, so the error reads the same everywhere.
    """
    for column in columns:
        series = table.df[column]
        kind = column_kind(series)
        if kind in ("integer", "double", "boolean"):
            continue
        values = series.dropna()
        example = f" such as {str(values.iloc[0])!r}" if len(values) else ""
        raise ModuleError(
            "not_numeric",
            f"Column '{column}' holds {kind} values{example}, but numbers are needed here. Convert it with "
            "Edit Metadata (Data type: Double) or Convert to Dataset, or leave it out of the selection.",
            column=column,
            parameter=parameter,
        )


def unique_column_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name(2)``, ``name(3)`` ... when it is taken (the reference product's renaming)."""
    used = set(taken)
    if name not in used:
        return name
    index = 2
    while f"{name}({index})" in used:
        index += 1
    return f"{name}({index})"
