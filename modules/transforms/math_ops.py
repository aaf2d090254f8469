"""Apply Math Operation: one of ~110 basic, comparison, arithmetic, rounding, special or trigonometric
functions applied to numeric columns, with a constant or other columns as second argument.

Every function works on whole columns with NumPy/SciPy (no per-value Python), on float64 values with
missing values as NaN. Results follow IEEE arithmetic: log(0) is -inf, sqrt(-1) and 0/0 are missing
(NaN), x/0 is ±inf. Comparisons give true/false, and missing where either side is missing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from modules.sdk import (
    Category,
    ChoiceParam,
    ColumnsParam,
    DataTable,
    FloatParam,
    Module,
    ModuleError,
    Param,
    Port,
    PortType,
    RunContext,
    register,
    resolve_columns,
)
from modules.sdk.columns import require_numeric_columns, unique_column_name

Array = np.ndarray

CONSTANT = "Constant"
COLUMN_SET = "ColumnSet"
NUMERIC_COLUMNS = {"rules": [{"op": "include", "kind": "numeric"}]}


@dataclass(frozen=True)
class Operation:
    function: Callable[..., Array]
    binary: bool = False
    result: str = "double"  # "double", "boolean" (comparisons) or "text" (Cis: complex numbers)


def _unary(function: Callable[[Array], Array]) -> Operation:
    return Operation(function)


def _binary(function: Callable[[Array, Array], Array], result: str = "double") -> Operation:
    return Operation(function, binary=True, result=result)


# -- basic ------------------------------------------------------------------------------------------
def _double_factorial(x: Array) -> Array:
    def one(value: float) -> float:
        if math.isnan(value) or value < 0:
            return math.nan
        n = int(value)
        if n > 300:  # beyond float range
            return math.inf
        return float(math.prod(range(n, 0, -2)))

    return np.frompyfunc(one, 1, 1)(x).astype(np.float64)


def _factorial(x: Array) -> Array:
    return np.where(x < 0, np.nan, special.gamma(np.floor(x) + 1))


def _log_base(x: Array, base: Array) -> Array:
    return np.where((base <= 0) | (base == 1), np.nan, np.log(x) / np.log(base))


def _nth_root(x: Array, n: Array) -> Array:
    return np.where(n == 0, np.nan, np.power(x, 1.0 / np.where(n == 0, np.nan, n)))


BASIC: dict[str, Operation] = {
    "Abs": _unary(np.abs),
    # Like ATAN2(Y, X): the selected column is the y-coordinate, the second argument the x-coordinate.
    "Atan2": _binary(np.arctan2),
    "Conj": _unary(lambda x: x.copy()),  # real numbers are their own conjugate
    "Cuberoot": _unary(np.cbrt),
    "DoubleFactorial": _unary(_double_factorial),
    "Eps": _unary(lambda x: np.spacing(np.abs(x))),
    "Exp": _unary(np.exp),
    # y = multiplier * 2^x: the column holds the exponents, the second argument the multiplier.
    "Exp2": _binary(lambda x, multiplier: np.exp2(x) * multiplier),
    "ExpMinus1": _unary(np.expm1),
    "Factorial": _unary(_factorial),
    "Hypotenuse": _binary(np.hypot),
    "ImaginaryPart": _unary(lambda x: np.where(np.isnan(x), np.nan, 0.0)),
    "Ln": _unary(np.log),
    "LnPlus1": _unary(np.log1p),
    "Log": _binary(_log_base),
    "Log10": _unary(np.log10),
    "Log2": _unary(np.log2),
    "NthRoot": _binary(_nth_root),
    "Pow": _binary(np.power),
    "RealPart": _unary(lambda x: x.copy()),
    "Sqrt": _unary(np.sqrt),
    "SqrtPi": _unary(lambda x: np.sqrt(x * np.pi)),
    "Square": _unary(np.square),
}

COMPARE: dict[str, Operation] = {
    "EqualTo": _binary(np.equal, "boolean"),
    "GreaterThan": _binary(np.greater, "boolean"),
    "GreaterThanOrEqualTo": _binary(np.greater_equal, "boolean"),
    "LessThan": _binary(np.less, "boolean"),
    "LessThanOrEqualTo": _binary(np.less_equal, "boolean"),
    "NotEqualTo": _binary(np.not_equal, "boolean"),
    "PairMax": _binary(np.maximum),
    "PairMin": _binary(np.minimum),
}

ARITHMETIC: dict[str, Operation] = {
    "Add": _binary(np.add),
    "Divide": _binary(np.divide),
    "Multiply": _binary(np.multiply),
    "Subtract": _binary(np.subtract),
}


# -- rounding: the precision is a number of decimal digits, or a divisor/multiple where noted ---------
def _scale(digits: Array) -> Array:
    return np.power(10.0, np.trunc(digits))


def _to_multiple(x: Array, multiple: Array) -> Array:
    safe = np.where(multiple > 0, multiple, np.nan)
    remainder = np.mod(x, safe)
    nearest = np.where(2 * remainder >= safe, x + safe - remainder, x - remainder)
    return np.where(multiple == 0, 0.0, np.where(multiple < 0, np.nan, nearest))


ROUNDING: dict[str, Operation] = {
    "Ceiling": _binary(lambda x, p: np.ceil(x * _scale(p)) / _scale(p)),
    "CeilingPower2": _unary(lambda x: np.square(np.ceil(x))),  # the ceiling, squared
    "Floor": _binary(lambda x, p: np.floor(x * _scale(p)) / _scale(p)),
    "Mod": _binary(lambda x, divisor: np.mod(x, np.where(divisor == 0, np.nan, divisor))),
    "Quotient": _binary(lambda x, divisor: np.trunc(x / divisor)),
    "Remainder": _binary(np.fmod),  # takes the sign of the dividend, unlike Mod
    # Half away from zero ("4/5 rule").
    "RoundDigits": _binary(lambda x, p: np.sign(x) * np.floor(np.abs(x) * _scale(p) + 0.5) / _scale(p)),
    "RoundDown": _binary(lambda x, p: np.trunc(x * _scale(p)) / _scale(p)),  # towards zero
    "RoundUp": _binary(lambda x, p: np.sign(x) * np.ceil(np.abs(x) * _scale(p)) / _scale(p)),  # away from 0
    "ToEven": _unary(lambda x: np.round(x / 2) * 2),
    "ToMultiple": _binary(_to_multiple),
    "ToOdd": _unary(lambda x: np.floor(x / 2) * 2 + 1),
    "Truncate": _binary(lambda x, p: np.trunc(x * _scale(p)) / _scale(p)),
}


# -- special --------------------------------------------------------------------------------------------
def _ein(x: Array) -> Array:
    """Ein(x) = integral from 0 to x of (1 - e^-t)/t dt = gamma + ln|x| - Ei(-x), and 0 at 0."""
    nonzero = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 0.0, np.euler_gamma + np.log(np.abs(nonzero)) - special.expi(-nonzero))


def _polygamma(x: Array, order: Array) -> Array:
    order = np.trunc(order)
    valid = order >= 0
    return np.where(valid, special.polygamma(np.where(valid, order, 0).astype(np.int64), x), np.nan)


SPECIAL: dict[str, Operation] = {
    "Beta": _binary(special.beta),
    "BetaLn": _binary(special.betaln),
    "EllipticIntegralE": _unary(special.ellipe),
    "EllipticIntegralK": _unary(special.ellipk),
    "Erf": _unary(special.erf),
    "Erfc": _unary(special.erfc),
    "ErfcScaled": _unary(special.erfcx),
    "ErfInverse": _unary(special.erfinv),
    "ExponentialIntegralEin": _unary(_ein),
    "Gamma": _unary(special.gamma),
    "GammaLn": _unary(special.gammaln),
    "GammaRegularizedP": _binary(special.gammainc),
    "GammaRegularizedPInverse": _binary(special.gammaincinv),
    "GammaRegularizedQ": _binary(special.gammaincc),
    "GammaRegularizedQInverse": _binary(special.gammainccinv),
    # The second argument is the order n: 0 gives the digamma function.
    "Polygamma": _binary(_polygamma),
}


# -- trigonometric: "Degrees" takes angles in degrees, or gives inverse functions' angles in degrees ----
def _cis(x: Array) -> Array:
    """e^(ix) as text like '(0.5403023058681398+0.8414709848078965j)': tables hold no complex numbers."""
    values = np.cos(x) + 1j * np.sin(x)
    return np.array([None if math.isnan(v.real) else str(complex(v)) for v in values], dtype=object)


def _in_degrees(function: Callable[[Array], Array]) -> Callable[[Array], Array]:
    return lambda x: function(np.radians(x))


def _to_degrees(function: Callable[[Array], Array]) -> Callable[[Array], Array]:
    return lambda x: np.degrees(function(x))


def _of_reciprocal(function: Callable[[Array], Array]) -> Callable[[Array], Array]:
    return lambda x: function(1.0 / x)


def _reciprocal_of(function: Callable[[Array], Array]) -> Callable[[Array], Array]:
    return lambda x: 1.0 / function(x)


_acot = _of_reciprocal(np.arctan)
_acsc = _of_reciprocal(np.arcsin)
_asec = _of_reciprocal(np.arccos)
_cot = _reciprocal_of(np.tan)
_csc = _reciprocal_of(np.sin)
_sec = _reciprocal_of(np.cos)

TRIGONOMETRIC: dict[str, Operation] = {
    "Acos": _unary(np.arccos),
    "AcosDegrees": _unary(_to_degrees(np.arccos)),
    "Acosh": _unary(np.arccosh),
    "Acot": _unary(_acot),
    "AcotDegrees": _unary(_to_degrees(_acot)),
    "Acoth": _unary(_of_reciprocal(np.arctanh)),
    "Acsc": _unary(_acsc),
    "AcscDegrees": _unary(_to_degrees(_acsc)),
    "Acsch": _unary(_of_reciprocal(np.arcsinh)),
    "Arg": _unary(np.angle),  # 0 for positive numbers, pi for negative ones
    "Asec": _unary(_asec),
    "AsecDegrees": _unary(_to_degrees(_asec)),
    "Asech": _unary(_of_reciprocal(np.arccosh)),
    "Asin": _unary(np.arcsin),
    "AsinDegrees": _unary(_to_degrees(np.arcsin)),
    "Asinh": _unary(np.arcsinh),
    "Atan": _unary(np.arctan),
    "AtanDegrees": _unary(_to_degrees(np.arctan)),
    "Atanh": _unary(np.arctanh),
    "Cis": Operation(_cis, result="text"),
    "Cos": _unary(np.cos),
    "CosDegrees": _unary(_in_degrees(np.cos)),
    "Cosh": _unary(np.cosh),
    "Cot": _unary(_cot),
    "CotDegrees": _unary(_in_degrees(_cot)),
    "Coth": _unary(_reciprocal_of(np.tanh)),
    "Csc": _unary(_csc),
    "CscDegrees": _unary(_in_degrees(_csc)),
    "Csch": _unary(_reciprocal_of(np.sinh)),
    "DegreesToRadians": _unary(np.radians),
    "RadiansToDegrees": _unary(np.degrees),
    "Sec": _unary(_sec),
    "SecDegrees": _unary(_in_degrees(_sec)),
    "Sech": _unary(_reciprocal_of(np.cosh)),
    "Sign": _unary(np.sign),
    "Sin": _unary(np.sin),
    "Sinc": _unary(np.sinc),  # sin(pi x) / (pi x)
    "SinDegrees": _unary(_in_degrees(np.sin)),
    "Sinh": _unary(np.sinh),
    "Tan": _unary(np.tan),
    "TanDegrees": _unary(_in_degrees(np.tan)),
    "Tanh": _unary(np.tanh),
}


@dataclass(frozen=True)
class MathCategory:
    """One category: its function picker and, for functions with a second argument, its three parameters."""

    name: str
    function_param: str
    function_title: str
    operations: dict[str, Operation]
    argument_prefix: str = ""  # the second argument's parameters: <prefix>_type, <prefix>, <prefix>_columns
    argument_title: str = "Second argument"
    argument_type_title: str = "Second argument type"

    def params(self) -> list[Param]:
        shown = {"category": (self.name,)}
        names = tuple(self.operations)
        params: list[Param] = [
            ChoiceParam(
                self.function_param, self.function_title, default=names[0], choices=names, visible_when=shown
            )
        ]
        binary = tuple(name for name, op in self.operations.items() if op.binary)
        if not binary:
            return params
        # Categories where every function is binary show the argument whatever the function.
        when = shown if len(binary) == len(names) else {**shown, self.function_param: binary}
        type_name = f"{self.argument_prefix}_type"
        params += [
            ChoiceParam(
                type_name,
                self.argument_type_title,
                default=CONSTANT,
                choices=(CONSTANT, COLUMN_SET),
                visible_when=when,
            ),
            FloatParam(
                self.argument_prefix,
                self.argument_title,
                default=0.0,
                visible_when={**when, type_name: (CONSTANT,)},
            ),
            ColumnsParam(
                f"{self.argument_prefix}_columns",
                self.argument_title,
                port="input",
                visible_when={**when, type_name: (COLUMN_SET,)},
            ),
        ]
        return params


CATEGORIES: dict[str, MathCategory] = {
    c.name: c
    for c in (
        MathCategory("Basic", "basic_math_function", "Basic math function", BASIC, "second_argument"),
        MathCategory(
            "Compare",
            "comparison_function",
            "Comparison function",
            COMPARE,
            "value_to_compare",
            "Value to compare",
            "Value to compare type",
        ),
        MathCategory(
            "Operations", "arithmetic_operation", "Arithmetic operation", ARITHMETIC, "arithmetic_argument"
        ),
        MathCategory(
            "Rounding",
            "rounding_operation",
            "Rounding operation",
            ROUNDING,
            "precision",
            "Precision",
            "Precision type",
        ),
        MathCategory("Special", "special_function", "Special function", SPECIAL, "special_argument"),
        MathCategory("Trigonometric", "trigonometric_function", "Trigonometric function", TRIGONOMETRIC),
    )
}


@register
class ApplyMathOperation(Module):
    """Applies a mathematical operation to column values.

    Pick the numeric columns (**Column set**), a **Category** and a function in it. Functions with two
    arguments (Pow, Log, comparisons, arithmetic, rounding precision, Beta ...) take a **Constant** or a
    **ColumnSet**: with one column on either side every pair is computed, otherwise columns are paired in
    order. **Output mode**: *Append* adds result columns named like ``Pow(price_$2)`` or
    ``Add(a_b)``, *Inplace* replaces the selected columns, *ResultOnly* returns only the results.

    Rounding precision is a number of decimal digits (0 = whole numbers); for Mod, Quotient, Remainder
    and ToMultiple it is the divisor or multiple. Invalid inputs give missing values (sqrt(-1)) or
    infinities (1/0), as in NumPy.
    """

    key = "data_transformation.apply_math_operation"
    title = "Apply Math Operation"
    category = Category.DATA_TRANSFORMATION
    inputs = (Port("input", "Input", PortType.DATASET),)
    outputs = (Port("result_dataset", "Result_dataset", PortType.DATASET),)
    params = (
        ColumnsParam("column_set", "Column set", default=NUMERIC_COLUMNS, port="input"),
        ChoiceParam("category", "Category", default="Basic", choices=tuple(CATEGORIES)),
        *(param for math_category in CATEGORIES.values() for param in math_category.params()),
        ChoiceParam(
            "output_mode", "Output mode", default="Append", choices=("Append", "Inplace", "ResultOnly")
        ),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], input: DataTable) -> dict[str, Any]:  # noqa: A002
        math_category = CATEGORIES[params["category"]]
        name = params[math_category.function_param]
        operation = math_category.operations[name]
        columns = resolve_columns(input, params["column_set"], "column_set")
        if not columns:
            raise ModuleError(
                "no_columns_selected",
                "No columns are selected: choose numeric columns in 'Column set'.",
                parameter="column_set",
            )
        require_numeric_columns(input, columns, parameter="column_set")
        results = self._compute(input, params, math_category, name, operation, columns)
        return {"result_dataset": self._assemble(input, columns, results, params["output_mode"])}

    @staticmethod
    def _compute(
        table: DataTable,
        params: dict[str, Any],
        math_category: MathCategory,
        name: str,
        operation: Operation,
        columns: list[str],
    ) -> list[tuple[str, str, pd.Series]]:
        """(source column, result name, values) for every result column."""
        arguments: list[tuple[str, Array | float | None]] = (
            _second_arguments(table, params, math_category, columns) if operation.binary else [("", None)]
        )
        if len(arguments) == 1 or len(columns) == 1:
            combos = [(c, a) for c in columns for a in arguments]
        else:
            combos = list(zip(columns, arguments, strict=True))
        out = []
        with np.errstate(all="ignore"):
            for column, (argument_label, argument) in combos:
                x = _values(table, column)
                if argument is None:
                    label, values, missing = f"{name}({column})", operation.function(x), np.isnan(x)
                else:
                    label = f"{name}({column}_{argument_label})"
                    values = operation.function(x, argument)
                    missing = np.isnan(x) | np.isnan(argument)
                out.append((column, label, _finish(operation, values, missing, table.df.index)))
        return out

    @staticmethod
    def _assemble(
        table: DataTable, columns: list[str], results: list[tuple[str, str, pd.Series]], mode: str
    ) -> DataTable:
        if mode == "Inplace":
            frame = table.df.copy()
            for source, _, values in results:
                frame[source] = values
            return DataTable.from_frame(frame, like=table)
        taken: set[str] = set(table.columns) if mode == "Append" else set()
        result_columns: dict[str, pd.Series] = {}
        for _, label, values in results:
            name = unique_column_name(label, taken)
            taken.add(name)
            result_columns[name] = values
        result_frame = pd.DataFrame(result_columns, index=table.df.index)
        if mode == "ResultOnly":
            return DataTable(result_frame.reset_index(drop=True))
        frame = pd.concat([table.df, result_frame], axis=1).reset_index(drop=True)
        return DataTable.from_frame(frame, like=table)


def _second_arguments(
    table: DataTable, params: dict[str, Any], math_category: MathCategory, columns: list[str]
) -> list[tuple[str, Array | float | None]]:
    """The second argument(s) with their labels: ``$2`` for a constant, the column name for a column."""
    prefix = math_category.argument_prefix
    if params[f"{prefix}_type"] == CONSTANT:
        constant = params[prefix]
        return [(f"${_format_constant(constant)}", constant)]
    parameter = f"{prefix}_columns"
    names = resolve_columns(table, params[parameter], parameter)
    if not names:
        raise ModuleError(
            "no_columns_selected",
            f"Choose the column(s) for '{math_category.argument_title}'.",
            parameter=parameter,
        )
    require_numeric_columns(table, names, parameter=parameter)
    if len(columns) > 1 and len(names) > 1 and len(columns) != len(names):
        raise ModuleError(
            "column_count_mismatch",
            f"'Column set' has {len(columns)} columns and '{math_category.argument_title}' has {len(names)}. "
            "Select one column on either side, or the same number on both to pair them in order.",
            parameter=parameter,
        )
    if len(columns) == 1 and len(names) > 1 and params["output_mode"] == "Inplace":
        raise ModuleError(
            "column_count_mismatch",
            f"Inplace output replaces each selected column with one result, but one column is paired with "
            f"{len(names)} second arguments. Choose Append or ResultOnly.",
            parameter="output_mode",
        )
    return [(n, _values(table, n)) for n in names]


def _values(table: DataTable, column: str) -> Array:
    return table.df[column].to_numpy(dtype=np.float64, na_value=np.nan)


def _finish(operation: Operation, values: Any, missing: Array, index: pd.Index) -> pd.Series:
    """Typed result column: floats, booleans (missing where an operand is missing), or text."""
    if operation.result == "boolean":
        return pd.Series(np.asarray(values, dtype=bool), index=index, dtype="boolean").mask(missing)
    if operation.result == "text":
        return pd.Series(values, index=index).astype("str")
    return pd.Series(np.asarray(values, dtype=np.float64), index=index)


def _format_constant(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
