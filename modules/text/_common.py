"""Helpers shared by the text analytics modules: picking the text column, turning rows into documents,
one word tokenizer for every module, and the guard against feature tables too big to hold in memory."""

from __future__ import annotations

import re

import pandas as pd

from modules.sdk import DataTable, ModuleError, column_kind, require_rows, resolve_columns

# Preprocess Text marks sentence boundaries with this token (as the reference product does); the
# tokenizer below never forms an n-gram across it.
SENTENCE_SEPARATOR = "|||"

# A word is a run of letters, digits or underscores: scikit-learn's word pattern without its
# two-character minimum, because Extract N-Gram has its own minimum word length parameter.
WORD_PATTERN = re.compile(r"(?u)\b\w+\b")

# Dense float64 cells one output table may hold (400 MB). Beyond that the run would exhaust memory
# long before a learner could use the features, so we stop early with advice instead.
MAX_DENSE_CELLS = 50_000_000


def text_columns(table: DataTable, selection: dict | None, parameter: str) -> list[str]:
    """The selected columns, checked to hold text (at least one value, not numbers)."""
    require_rows(table)
    columns = resolve_columns(table, selection, parameter)
    if not columns:
        raise ModuleError(
            "missing_parameter",
            "Choose the column that holds the text to analyse.",
            parameter=parameter,
        )
    for column in columns:
        series = table.df[column]
        if series.isna().all():
            raise ModuleError(
                "all_missing_column",
                f"Column '{column}' has no text at all. Choose a column with text in it.",
                column=column,
                parameter=parameter,
            )
        if column_kind(series) not in ("string", "categorical"):
            raise ModuleError(
                "not_text",
                f"Column '{column}' holds {column_kind(series)} values, not text. Choose a text column, "
                "or convert it to text with Edit Metadata first.",
                column=column,
                parameter=parameter,
            )
    return columns


def documents(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """One document per row; several columns are joined with a space, missing text counts as empty."""
    parts = [frame[c].astype(object).where(frame[c].notna(), "").map(str) for c in columns]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + " " + part
    return joined.tolist()


def tokenize(document: str) -> list[list[str]]:
    """Lower-cased words of each sentence (sentences are split on the ``|||`` marker)."""
    return [WORD_PATTERN.findall(sentence.lower()) for sentence in document.split(SENTENCE_SEPARATOR)]


class WordNgramAnalyzer:
    """Turns a document into its word n-grams of length 1..``max_n`` (joined by a space).

    A class rather than a closure so that fitted vectorizers holding it can be stored (pickled) and
    loaded by the allow-list loader. N-grams never cross a sentence boundary.
    """

    def __init__(self, max_n: int) -> None:
        self.max_n = max(1, max_n)

    def __call__(self, document: str) -> list[str]:
        grams: list[str] = []
        for words in tokenize(document):
            grams.extend(words)
            for n in range(2, self.max_n + 1):
                grams.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        return grams


def check_dense_size(rows: int, columns: int, advice: str) -> None:
    if rows * columns > MAX_DENSE_CELLS:
        raise ModuleError(
            "too_many_features",
            f"This would create {columns:,} feature columns for {rows:,} rows ({rows * columns:,} values), "
            f"more than fits in memory. {advice}",
        )


def append_columns(table: DataTable, features: pd.DataFrame, drop: list[str] | None = None) -> DataTable:
    """The input table (minus ``drop``) with ``features`` added on the right, metadata kept."""
    base = table.df.drop(columns=drop or [])
    clashes = [c for c in features.columns if c in base.columns]
    if clashes:
        raise ModuleError(
            "duplicate_columns",
            f"The dataset already has a column named '{clashes[0]}', which this module wants to add. "
            "Rename it with Edit Metadata first.",
            column=clashes[0],
        )
    features.index = base.index
    return DataTable.from_frame(pd.concat([base, features], axis=1), like=table)


def mark_not_features(table: DataTable, columns: list[str]) -> DataTable:
    """Keep text columns visible but out of learners' way (they are ids/free text, not features)."""
    for column in columns:
        if column in table.meta:
            table = table.with_meta(column, is_feature=False)
    return table
