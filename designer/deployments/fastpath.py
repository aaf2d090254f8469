"""The fast path: an inference graph compiled to array code.

Measured for one row through a 100-tree LightGBM: the module path (DataFrames in, DataFrames out, the
model's pandas feature encoding) costs milliseconds; the native booster on a numpy row costs tens of
microseconds. So a chain the compiler understands runs on one float64 matrix built from the request:

    Web Service Input -> [Apply Transformation: Clean Missing Data | Normalize Data] ...
                      -> [Select Columns by name] -> Score Model (library estimator) -> Web Service Output

Each op mirrors, element for element, what the module does on a DataFrame (the same numpy expressions on
the same float64 values, so the same bits). Anything else raises ``Unsupported`` when compiling (the
version then uses the general path), and a batch an op cannot treat identically raises ``Fallback`` (that
batch goes through the general path, which also gives its errors). The deploy-time parity check compares
both paths on the training rows before the fast path is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import SCORED_LABELS, SCORED_PROBABILITIES, Task, scored_probability_column
from modules.sdk.columns import normalize_selection
from modules.training.algorithms import LightGBMBooster
from modules.training.learners import EstimatorModel
from modules.transforms.clean_missing import (
    CUSTOM,
    MEAN,
    MEDIAN,
    MODE,
    REMOVE_COLUMN,
    REMOVE_ROW,
    CleaningTransformation,
)
from modules.transforms.normalize import NormalizeTransformation

from .plan import Batch, Fallback, OutputReply, float_values
from .roles import (
    APPLY_TRANSFORMATION,
    SCORE_MODEL,
    SELECT_COLUMNS,
    WEB_SERVICE_INPUT,
    WEB_SERVICE_OUTPUT,
)

FLOAT, INT, TEXT, ARRAY = "f", "i", "o", "a"
EXACT_INT = 2**53


class Unsupported(Exception):
    """The graph has something the fast path does not compile: the general path serves it."""


@dataclass
class Col:
    name: str
    kind: str  # FLOAT / INT: a column of the matrix; TEXT: a Python list; ARRAY: a numpy array (scores)
    slot: int


@dataclass
class State:
    n: int
    matrix: np.ndarray
    texts: list[list[Any]]
    arrays: list[np.ndarray] = field(default_factory=list)
    # Whether every value of the matrix is finite (no missing value, no infinity); None: not known.
    # Most requests are complete, and knowing it once lets cleaning and scaling skip their checks.
    finite: bool | None = None

    def all_finite(self) -> bool:
        if self.finite is None:
            self.finite = bool(np.isfinite(self.matrix).all())
        return self.finite


def _index(slots: list[int]) -> Any:
    """A slice when the slots are consecutive (a view, no copy), else an index array."""
    if slots and slots == list(range(slots[0], slots[0] + len(slots))):
        return slice(slots[0], slots[0] + len(slots))
    return np.array(slots, dtype=np.intp)


class FastReply(OutputReply):
    """The fast path's reply: columns become Python values only when a format asks for them."""

    def __init__(self, program: FastProgram, state: State) -> None:
        super().__init__(program.output_names, program.scores, state.n, {})
        self._program = program
        self._state = state

    def _compute(self, column: str) -> list[Any]:
        kind, slot = self._program.output_slots[column]
        state = self._state
        if kind == FLOAT:
            return float_values(state.matrix[:, slot])
        if kind == INT:
            return [int(v) for v in state.matrix[:, slot].tolist()]
        if kind == TEXT:
            return list(state.texts[slot])
        return _array_values(state.arrays[slot])


class FastProgram:
    def __init__(self, input_name: str, output_name: str) -> None:
        self.input_name = input_name
        self.output_name = output_name
        self.matrix_columns: list[str] = []  # request columns into the matrix, in slot order
        self.int_columns: list[str] = []
        self.float_placeholders = 0
        self.text_columns: list[str] = []
        self.text_placeholders = 0
        self.direct = False  # the matrix is exactly the request's row tuples
        self.ops: list[Any] = []
        self.output: list[Col] = []
        self.output_names: list[str] = []
        self.output_slots: dict[str, tuple[str, int]] = {}
        self.scores: list[str] = []

    def finish(self, schema: list[str], output: list[Col]) -> None:
        self.direct = self.matrix_columns == schema and not self.text_columns and not self.int_columns
        self.output = output
        self.output_names = [c.name for c in output]
        self.output_slots = {c.name: (c.kind, c.slot) for c in output}

    def run(self, batch: Batch) -> dict[str, OutputReply]:
        n = batch.rows
        if n == 0:
            raise Fallback("no rows")
        if self.direct and batch.tuples is not None:
            matrix = np.array(batch.tuples, dtype=np.float64)
            if matrix.ndim != 2:
                raise Fallback("ragged rows")
        else:
            columns = batch.columns
            for name in self.int_columns:
                values = columns[name]
                if None in values or max(map(abs, values)) >= EXACT_INT:
                    raise Fallback(f"{name}: missing or too large for exact floats")
            if self.matrix_columns:
                matrix = np.ascontiguousarray(
                    np.array([columns[c] for c in self.matrix_columns], dtype=np.float64).T
                )
            else:
                matrix = np.empty((n, 0))
        if self.float_placeholders:
            matrix = np.hstack([matrix, np.full((n, self.float_placeholders), np.nan)])
        texts = [list(batch.columns[c]) for c in self.text_columns] if self.text_columns else []
        if self.text_placeholders:
            texts += [[None] * n for _ in range(self.text_placeholders)]
        state = State(n, matrix, texts)
        for op in self.ops:
            op(state)
        return {self.output_name: FastReply(self, state)}


def _array_values(values: np.ndarray) -> list[Any]:
    if values.dtype.kind == "f":
        return float_values(values)
    out = values.tolist()
    if values.dtype.kind == "O":
        return [v.item() if isinstance(v, np.generic) else v for v in out]
    return out


# -- compiling ------------------------------------------------------------------------------------------
def _chain(plan: Any) -> list[Any]:
    steps = plan.program.steps
    if len(plan.inputs) != 1 or len(plan.outputs) != 1:
        raise Unsupported("more than one web service input or output")
    previous = None
    for step in steps:
        if previous is None:
            if step.module.key != WEB_SERVICE_INPUT:
                raise Unsupported("the graph does not start with its Web Service Input")
        else:
            sources = set(step.wiring.values())
            if len(sources) != 1 or next(iter(sources))[0] != previous.node_id:
                raise Unsupported(f"'{step.node_id}' is not a simple chain link")
        previous = step
    if previous is None or previous.module.key != WEB_SERVICE_OUTPUT:
        raise Unsupported("the graph does not end with its Web Service Output")
    return steps


def compile_fast_program(plan: Any) -> FastProgram:
    steps = _chain(plan)
    spec = plan.inputs[0]
    program = FastProgram(spec.name, plan.outputs[0])
    cols: list[Col] = []
    for name, _ in spec.columns:
        dtype = spec.dtype(name)
        if isinstance(dtype, np.dtype) and dtype.kind == "f":
            cols.append(Col(name, FLOAT, len(program.matrix_columns)))
            program.matrix_columns.append(name)
        elif isinstance(dtype, np.dtype) and dtype.kind in "iu":
            cols.append(Col(name, INT, len(program.matrix_columns)))
            program.matrix_columns.append(name)
            program.int_columns.append(name)
        elif isinstance(dtype, pd.StringDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "O"):
            cols.append(Col(name, TEXT, len(program.text_columns)))
            program.text_columns.append(name)
        else:
            raise Unsupported(f"column '{name}' has a {dtype} type")
    for name in plan.placeholders:
        dtype = spec.dtype(name)
        if isinstance(dtype, np.dtype) and dtype.kind in "fiu":
            cols.append(Col(name, FLOAT, len(program.matrix_columns) + program.float_placeholders))
            program.float_placeholders += 1
        elif isinstance(dtype, pd.StringDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "O"):
            cols.append(Col(name, TEXT, len(program.text_columns) + program.text_placeholders))
            program.text_placeholders += 1
        else:
            raise Unsupported(f"label column '{name}' has a {dtype} type")
    for step in steps[1:-1]:
        key = step.module.key
        if key == APPLY_TRANSFORMATION:
            tx = step.fixed.get("transformation")
            if type(tx) is CleaningTransformation:
                op, cols = _compile_cleaning(tx, cols)
            elif type(tx) is NormalizeTransformation:
                op, cols = _compile_normalize(tx, cols)
            else:
                raise Unsupported(f"transformation {type(tx).__name__}")
        elif key == SELECT_COLUMNS:
            op, cols = _compile_select(step.params, cols)
        elif key == SCORE_MODEL:
            op, cols, program.scores = _compile_score(step, cols)
        else:
            raise Unsupported(f"module {key}")
        program.ops.append(op)
    placeholders = set(plan.placeholders)
    program.finish([name for name, _ in spec.columns], [c for c in cols if c.name not in placeholders])
    return program


def _compile_cleaning(tx: CleaningTransformation, cols: list[Col]) -> tuple[Any, list[Col]]:
    if tx.imputer is not None or tx.indicator:
        raise Unsupported("MICE cleaning or missing-value indicators")
    if tx.mode not in (CUSTOM, MEAN, MEDIAN, MODE, REMOVE_ROW, REMOVE_COLUMN):
        raise Unsupported(f"cleaning mode {tx.mode}")
    by_name = {c.name: c for c in cols}
    present = [by_name[c] for c in tx.columns if c in by_name]
    check_float = _index([c.slot for c in present if c.kind == FLOAT])
    check_text = [c.slot for c in present if c.kind == TEXT]
    if tx.mode == REMOVE_ROW and any(c.kind == ARRAY for c in present):
        raise Unsupported("row removal on a computed column")
    fill_slots, fill_values, text_fills = [], [], []
    for column, value in tx.fill_values.items():
        col = by_name.get(column)
        if col is None or col.kind == INT:
            continue  # absent; or an integer column, which has no missing values on this path
        if col.kind == FLOAT and type(value) in (float, np.float64):
            fill_slots.append(col.slot)
            fill_values.append(float(value))
        elif col.kind == TEXT and isinstance(value, str):
            text_fills.append((col.slot, value))
        else:
            raise Unsupported(f"filling '{column}' with {type(value).__name__}")
    slots = _index(fill_slots)
    values = np.array(fill_values, dtype=np.float64)
    remove_rows = tx.mode == REMOVE_ROW and bool(present)

    def op(state: State) -> None:
        if state.all_finite() and not check_text and not text_fills:
            return  # nothing missing in the matrix: filling and row removal change nothing
        if remove_rows:
            missing = np.isnan(state.matrix[:, check_float]).any(axis=1)
            for slot in check_text:
                missing |= np.fromiter((v is None for v in state.texts[slot]), bool, state.n)
            if missing.any():
                keep = ~missing
                if not keep.any():
                    raise Fallback("every row removed")
                state.matrix = np.ascontiguousarray(state.matrix[keep])
                state.texts = [[v for v, k in zip(t, keep, strict=True) if k] for t in state.texts]
                state.arrays = [a[keep] for a in state.arrays]
                state.n = int(keep.sum())
        if fill_slots:
            sub = state.matrix[:, slots]
            nan = np.isnan(sub)
            if nan.any():
                state.matrix[:, slots] = np.where(nan, values, sub)
                state.finite = None
        for slot, value in text_fills:
            state.texts[slot] = [value if v is None else v for v in state.texts[slot]]

    dropped = set(tx.drop_columns)
    return op, [c for c in cols if c.name not in dropped]


def _compile_normalize(tx: NormalizeTransformation, cols: list[Col]) -> tuple[Any, list[Col]]:
    by_name = {c.name: c for c in cols}
    targets = []
    for column in tx.columns:
        col = by_name.get(column)
        if col is None or col.kind not in (FLOAT, INT):
            raise Unsupported(f"normalizing '{column}'")
        targets.append(col)
    linear = tx.method in ("ZScore", "MinMax")
    fitted = [(c, tx.statistics.get(c.name)) for c in targets]
    variable = [(c, s) for c, s in fitted if linear and s is not None and not s.constant]
    constant = [c for c, s in fitted if linear and (s is None or s.constant)]
    if linear and any(s is None for _, s in fitted):
        raise Unsupported("missing statistics")
    var_slots = _index([c.slot for c, _ in variable])
    var_location = np.array([s.location for _, s in variable], dtype=np.float64)
    var_spread = np.array([s.spread for _, s in variable], dtype=np.float64)
    const_slots = _index([c.slot for c in constant])
    any_variable, any_constant = bool(variable), bool(constant)
    filler = 0.0 if tx.zero_for_constant else np.nan
    others = [] if linear else targets

    def op(state: State) -> None:
        matrix = state.matrix
        if any_variable:
            sub = matrix[:, var_slots]
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                if isinstance(var_slots, slice) and np.isfinite(sub).all():
                    # In place on the view: the same subtraction and division, value for value.
                    np.subtract(sub, var_location, out=sub)
                    np.divide(sub, var_spread, out=sub)
                else:
                    matrix[:, var_slots] = np.where(
                        np.isfinite(sub), (sub - var_location) / var_spread, np.nan
                    )
        if any_constant:
            sub = matrix[:, const_slots]
            matrix[:, const_slots] = np.where(np.isfinite(sub), filler, np.nan)
        for col in others:
            matrix[:, col.slot] = tx.rescale(col.name, np.ascontiguousarray(matrix[:, col.slot]))
        state.finite = None  # scaling can overflow to infinity, or turn infinity into a missing value

    target_names = {c.name for c in targets}
    return op, [Col(c.name, FLOAT, c.slot) if c.name in target_names else c for c in cols]


def _compile_select(params: dict[str, Any], cols: list[Col]) -> tuple[Any, list[Col]]:
    selection = normalize_selection(params.get("select_columns"), "select_columns")
    if not selection or "names" not in selection:
        raise Unsupported("column selection by rules")
    names = selection["names"]
    by_name = {c.name: c for c in cols}
    if len(set(names)) != len(names) or any(n not in by_name for n in names):
        raise Unsupported("column selection naming absent or repeated columns")
    return (lambda state: None), [by_name[n] for n in names]


def _compile_score(step: Any, cols: list[Col]) -> tuple[Any, list[Col], list[str]]:
    model = step.fixed.get("trained_model")
    if not isinstance(model, EstimatorModel):
        raise Unsupported(f"model {type(model).__name__}")
    if type(model).score is not EstimatorModel.score or type(model).features is not EstimatorModel.features:
        raise Unsupported(f"{type(model).__name__} scores in its own way")
    encoder = model.encoder
    by_name = {c.name: c for c in cols}
    parts: list[tuple[str, Col, Any]] = []  # ("num", col, None) | ("ordinal"/"onehot", col, {level: code})
    numeric_slots = []
    for column in encoder.columns:
        col = by_name.get(column)
        if col is None:
            raise Unsupported(f"feature '{column}' is not in the data")
        if column in encoder.categories:
            levels = encoder.categories[column]
            if col.kind != TEXT or not all(type(level) is str for level in levels):
                raise Unsupported(f"categorical feature '{column}'")
            codes = {level: i for i, level in enumerate(levels)}
            parts.append((encoder.categorical, col, codes))
        elif col.kind in (FLOAT, INT):
            parts.append(("num", col, None))
            numeric_slots.append(col.slot)
        else:
            raise Unsupported(f"feature '{column}' is text")
    if encoder.categorical not in ("onehot", "ordinal"):
        raise Unsupported(f"encoding {encoder.categorical}")
    all_numeric = all(kind == "num" for kind, _, _ in parts)
    feature_slots = _index(numeric_slots)
    whole = isinstance(feature_slots, slice) and feature_slots.start == 0
    allow_missing = encoder.allow_missing
    allow_unknown = model.allow_unknown_levels
    estimator = model.estimator
    task = model.task
    if task == Task.REGRESSION:
        names = [SCORED_LABELS]
    elif task == Task.BINARY:
        names = [SCORED_LABELS, SCORED_PROBABILITIES]
    elif task == Task.MULTICLASS:
        names = [scored_probability_column(c) for c in model.classes or []] + [SCORED_LABELS]
    else:
        raise Unsupported(f"task {task}")
    class_values = model.class_values() if task != Task.REGRESSION else np.empty(0, dtype=object)
    append = step.params.get("append_score_columns_to_output", True)

    def features(state: State) -> np.ndarray:
        if all_numeric:
            matrix = state.matrix
            X = matrix if whole and matrix.shape[1] == feature_slots.stop else matrix[:, feature_slots]
            if not allow_missing and np.isnan(X).any():
                raise Fallback("missing values the learner refuses")
            return np.ascontiguousarray(X)
        blocks = []
        for kind, col, codes in parts:
            if kind == "num":
                values = state.matrix[:, col.slot].reshape(-1, 1)
                if not allow_missing and np.isnan(values).any():
                    raise Fallback("missing values the learner refuses")
                blocks.append(values)
                continue
            texts = state.texts[col.slot]
            if not allow_unknown and any(v is not None and v not in codes for v in texts):
                raise Fallback("unknown category")
            found = np.fromiter((codes.get(v, -1) if v is not None else -1 for v in texts), np.intp, state.n)
            if kind == "onehot":
                if not allow_missing and any(v is None for v in texts):
                    raise Fallback("missing category")
                block = np.zeros((state.n, len(codes)), dtype=np.float64)
                known = found >= 0
                block[np.nonzero(known)[0], found[known]] = 1.0
            else:
                block = found.astype(np.float64).reshape(-1, 1)
                block[found < 0] = np.nan
            blocks.append(block)
        return np.hstack(blocks)

    # LightGBM's binary probabilities are [1 - p, p] (LightGBMBooster.predict_proba): the label is the
    # second class exactly when p > 1 - p (argmax keeps the first of equal values), and the probability
    # column is p itself. Skipping the two-column array saves its allocations on every request.
    booster = estimator.booster if type(estimator) is LightGBMBooster and task == Task.BINARY else None

    def op(state: State) -> None:
        X = features(state)
        if booster is not None:
            raw = np.asarray(booster.predict(X), dtype=np.float64)
            if raw.ndim == 1:
                state.arrays.extend([class_values[(raw > 1.0 - raw).view(np.int8)], raw])
                return
        if task == Task.REGRESSION:
            scores = [estimator.predict(X).astype(np.float64)]
        else:
            probabilities = np.asarray(estimator.predict_proba(X), dtype=np.float64)
            labels = class_values[probabilities.argmax(axis=1)]
            if task == Task.BINARY:
                scores = [labels, np.ascontiguousarray(probabilities[:, 1])]
            else:
                scores = [np.ascontiguousarray(probabilities[:, i]) for i in range(probabilities.shape[1])]
                scores.append(labels)
        state.arrays.extend(scores)

    score_set = set(names)
    kept = [c for c in cols if c.name not in score_set] if append else []

    # Score columns land in ``state.arrays`` after whatever earlier ops put there (none do today).
    new = [Col(name, ARRAY, i) for i, name in enumerate(names)]
    return op, kept + new, names
