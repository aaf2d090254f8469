"""Split Data: divide the rows of a dataset into two datasets, by fraction, by regular expression or by a
relational expression on one column. The expressions are parsed here; nothing is ever evaluated as code."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    UINT32_MAX,
    BoolParam,
    Category,
    ChoiceParam,
    ColumnsParam,
    DataTable,
    FloatParam,
    IntParam,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    StringParam,
    column_kind,
    register,
)

from ._row_selection import draw_fraction, single_column, strata_codes, stratum_members, take_rows

SPLIT_ROWS, REGULAR_EXPRESSION, RELATIVE_EXPRESSION = (
    "Split Rows",
    "Regular Expression",
    "Relative Expression",
)
REGEX_PARAM, RELATION_PARAM = "regular_expression", "relational_expression"

# \"column name" rest   or   (\3) rest   (a 1-based column number); the backslash is optional.
_NAMED_COLUMN = re.compile(r'^\s*\\?"(?P<name>[^"]*)"(?P<rest>.*)$', re.DOTALL)
_NUMBERED_COLUMN = re.compile(r"^\s*\(\\?(?P<number>\d+)\)(?P<rest>.*)$", re.DOTALL)
_CONNECTIVE = re.compile(r"(&&|\|\||&|\|)")
_TERM = re.compile(r"^\s*(?P<op>==|!=|<=|>=|=|<|>)\s*(?P<value>.*?)\s*$", re.DOTALL)
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_TRUE_WORDS, _FALSE_WORDS = ("true", "1", "yes"), ("false", "0", "no")


def _expression_error(parameter: str, message: str) -> ModuleError:
    return ModuleError("invalid_expression", message, parameter=parameter)


def split_column_reference(table: DataTable, text: str | None, parameter: str) -> tuple[str, str]:
    """The column an expression starts with (``\\"name"`` or ``(\\N)``) and the rest of the text."""
    text = text or ""
    named, numbered = _NAMED_COLUMN.match(text), _NUMBERED_COLUMN.match(text)
    if named:
        column = named["name"].strip()
        table.require_columns([column], parameter=parameter)
        return column, named["rest"].strip()
    if numbered:
        number = int(numbered["number"])
        if not 1 <= number <= len(table.columns):
            raise _expression_error(
                parameter, f"Column number {number} does not exist; the dataset has {len(table.columns)}."
            )
        return table.columns[number - 1], numbered["rest"].strip()
    raise _expression_error(
        parameter,
        'Start the expression with the column in quotes, like \\"age" > 30, or with its number, like (\\2) > 30.',
    )


def regex_mask(table: DataTable, expression: str | None) -> np.ndarray:
    """Rows whose value, as text, contains a match of the pattern (missing values are empty text)."""
    column, pattern_text = split_column_reference(table, expression, REGEX_PARAM)
    try:
        pattern = re.compile(pattern_text)
    except re.error as exc:
        raise _expression_error(
            REGEX_PARAM, f"{pattern_text!r} is not a valid regular expression: {exc}."
        ) from None
    texts = table.df[column].map(lambda v: "" if pd.isna(v) else str(v))
    return texts.map(lambda s: pattern.search(s) is not None).to_numpy(dtype=bool)


def _parse_value(series: pd.Series, column: str, op: str, text: str) -> Any:
    kind = column_kind(series)
    if kind in ("integer", "double"):
        try:
            return float(text)
        except ValueError:
            raise _expression_error(
                RELATION_PARAM, f"Column '{column}' is numeric, so compare it with a number, not {text!r}."
            ) from None
    if kind == "boolean":
        if text.lower() not in _TRUE_WORDS + _FALSE_WORDS or op not in ("==", "=", "!="):
            raise _expression_error(
                RELATION_PARAM, f"Column '{column}' is true/false: use == true, == false or != with it."
            )
        return text.lower() in _TRUE_WORDS
    if kind == "datetime":
        try:
            moment = pd.Timestamp(text)
        except ValueError:
            raise _expression_error(
                RELATION_PARAM, f"Column '{column}' holds dates: {text!r} is not a date like 2020-01-31."
            ) from None
        zone = getattr(series.dt, "tz", None)
        if zone is not None and moment.tzinfo is None:
            return moment.tz_localize(zone)
        return moment.tz_convert(None) if zone is None and moment.tzinfo is not None else moment
    if op not in ("==", "=", "!="):
        raise _expression_error(
            RELATION_PARAM, f"Column '{column}' holds text, which can only be compared with == or !=."
        )
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" else text


def relation_mask(table: DataTable, expression: str | None) -> np.ndarray:
    """Rows whose value satisfies the comparisons. Comparisons are joined by & (and) or | (or), read from
    left to right without precedence, as the reference product does; a missing value satisfies none."""
    column, rest = split_column_reference(table, expression, RELATION_PARAM)
    parts = _CONNECTIVE.split(rest)
    series = table.df[column]
    known = series.notna().to_numpy()
    kind = column_kind(series)
    values: Any = series
    if kind in ("integer", "double"):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    elif kind in ("string", "categorical"):
        values = series.astype(object).to_numpy()
    result: np.ndarray | None = None
    for position in range(0, len(parts), 2):
        term = _TERM.match(parts[position])
        if term is None or not term["value"]:
            raise _expression_error(
                RELATION_PARAM,
                f"{parts[position].strip()!r} is not a comparison; write one like > 3, <= 10 or == text, "
                "joined by & or |.",
            )
        value = _parse_value(series, column, term["op"], term["value"])
        with np.errstate(invalid="ignore"):
            compared = _COMPARISONS[term["op"]](values, value)
        if isinstance(compared, pd.Series):
            compared = compared.to_numpy(dtype=bool, na_value=False)
        matches = known & np.asarray(compared, dtype=bool)
        if result is None:
            result = matches
        elif parts[position - 1] in ("&", "&&"):
            result = result & matches
        else:
            result = result | matches
    assert result is not None
    return result


def split_rows_positions(
    table: DataTable, fraction: float, randomized: bool, seed: int, strata: pd.Series | None
) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the two outputs; see the module's help for the exact rule."""
    rng = np.random.RandomState(seed) if randomized else None
    if strata is not None:
        return draw_fraction(stratum_members(strata_codes(strata)), fraction, rng)
    rows = len(table)
    first_count = round(fraction * rows)
    if rng is None:
        return np.arange(first_count), np.arange(first_count, rows)
    # scikit-learn's ShuffleSplit: the first (rows - first_count) of a permutation form the second set.
    permutation = rng.permutation(rows)
    return permutation[rows - first_count :], permutation[: rows - first_count]


@register
class SplitData(Module):
    """Divide the rows of a dataset into two datasets.

    **Split Rows** puts round(fraction × rows) rows in the first output and the rest in the second:
    - randomized, not stratified: exactly scikit-learn's
      ``train_test_split(data, train_size=n1, test_size=rows - n1, random_state=seed)``, rows in its
      (shuffled) order;
    - randomized and stratified: each value of the stratification column (a missing value is a value
      too) contributes round(fraction × its rows), drawn like pandas'
      ``groupby(key, sort=False, dropna=False).sample(frac=fraction, random_state=seed)``; the second
      output keeps the original row order;
    - not randomized: the first rows (of each stratum, when stratified), original order kept.

    **Regular Expression**: ``\\"column" pattern`` sends rows whose value (as text) contains a match of
    the pattern to the first output, e.g. ``\\"name" ^A``.

    **Relative Expression**: ``\\"column" > 3`` sends rows that satisfy the comparison to the first
    output. Operators: ``==`` (or ``=``), ``!=``, ``<``, ``<=``, ``>``, ``>=``; join comparisons with ``&``
    (and) or ``|`` (or), read left to right, e.g. ``\\"age" >= 18 & < 65``. Numbers, dates
    (``> 2020-01-31``), true/false and text (``== red``, equality only) are supported; a missing value
    never satisfies a comparison. Columns can also be named by number: ``(\\2) > 3``.

    At inference the input passes straight through (the split only matters when training).
    """

    key = "data_transformation.split_data"
    title = "Split Data"
    category = Category.DATA_TRANSFORMATION
    pass_through_at_inference = True
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (
        Port("results_dataset1", "Results dataset1", PortType.DATASET, description="The selected rows."),
        Port("results_dataset2", "Results dataset2", PortType.DATASET, description="All other rows."),
    )
    schema_preserving_outputs = {"results_dataset1": "dataset", "results_dataset2": "dataset"}
    params = (
        ChoiceParam(
            "splitting_mode",
            "Splitting mode",
            default=SPLIT_ROWS,
            choices=(SPLIT_ROWS, REGULAR_EXPRESSION, RELATIVE_EXPRESSION),
        ),
        FloatParam(
            "fraction_of_rows_in_the_first_output_dataset",
            "Fraction of rows in the first output dataset",
            default=0.5,
            min=0.0,
            max=1.0,
            visible_when={"splitting_mode": (SPLIT_ROWS,)},
        ),
        BoolParam(
            "randomized_split",
            "Randomized split",
            default=True,
            visible_when={"splitting_mode": (SPLIT_ROWS,)},
        ),
        IntParam(
            "random_seed",
            "Random seed",
            default=0,
            min=0,
            max=UINT32_MAX,
            visible_when={"splitting_mode": (SPLIT_ROWS,)},
        ),
        ChoiceParam(
            "stratified_split",
            "Stratified split",
            default="False",
            choices=("True", "False"),
            visible_when={"splitting_mode": (SPLIT_ROWS,)},
        ),
        ColumnsParam(
            "stratification_key_column",
            "Stratification key column",
            port="dataset",
            single=True,
            visible_when={"splitting_mode": (SPLIT_ROWS,), "stratified_split": ("True",)},
        ),
        StringParam(
            REGEX_PARAM,
            "Regular expression",
            default='\\"column name" ^start',
            visible_when={"splitting_mode": (REGULAR_EXPRESSION,)},
        ),
        StringParam(
            RELATION_PARAM,
            "Relational expression",
            default='\\"column name" > 3',
            visible_when={"splitting_mode": (RELATIVE_EXPRESSION,)},
        ),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        mode = params["splitting_mode"]
        if mode == SPLIT_ROWS:
            strata = None
            if params["stratified_split"] == "True":
                column = single_column(
                    dataset,
                    params["stratification_key_column"],
                    "stratification_key_column",
                    "Stratification key column",
                )
                strata = dataset.df[column]
            first, second = split_rows_positions(
                dataset,
                params["fraction_of_rows_in_the_first_output_dataset"],
                params["randomized_split"],
                params["random_seed"],
                strata,
            )
        else:
            if mode == REGULAR_EXPRESSION:
                mask = regex_mask(dataset, params[REGEX_PARAM])
            else:
                mask = relation_mask(dataset, params[RELATION_PARAM])
            first, second = np.flatnonzero(mask), np.flatnonzero(~mask)
        return {"results_dataset1": take_rows(dataset, first), "results_dataset2": take_rows(dataset, second)}
