"""Feature Hashing: word n-gram counts hashed into a fixed number of columns (no vocabulary to store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import HashingVectorizer

from modules.sdk import (
    Category,
    ColumnsParam,
    DataTable,
    IntParam,
    Module,
    Port,
    PortType,
    RunContext,
    Transformation,
    register,
)

from ._common import (
    WordNgramAnalyzer,
    append_columns,
    check_dense_size,
    documents,
    mark_not_features,
    text_columns,
)


def hashing_vectorizer(bits: int, n_grams: int) -> HashingVectorizer:
    """Plain counts per bucket (no sign flipping, no normalisation), so every feature reads as a count."""
    return HashingVectorizer(
        analyzer=WordNgramAnalyzer(n_grams),
        n_features=2**bits,
        alternate_sign=False,
        norm=None,
        dtype=np.float64,
    )


@dataclass
class FeatureHasher(Transformation):
    text_columns: list[str]
    bits: int
    n_grams: int
    title: str = field(default="Feature hashing", init=False)

    @property
    def input_columns(self) -> list[str]:
        return list(self.text_columns)

    def apply(self, table: DataTable) -> DataTable:
        table.require_columns(self.text_columns)
        width = 2**self.bits
        check_dense_size(len(table), width * len(self.text_columns), "Lower the Hashing bitsize.")
        vectorizer = hashing_vectorizer(self.bits, self.n_grams)
        blocks = [
            pd.DataFrame(
                vectorizer.transform(documents(table.df, [column])).toarray(),
                columns=[f"{column}_HashingFeature.{i}" for i in range(width)],
            )
            for column in self.text_columns
        ]
        hashed = append_columns(table, pd.concat(blocks, axis=1))
        return mark_not_features(hashed, self.text_columns)


@register
class FeatureHashing(Module):
    """Turn text into a fixed number of numeric features by hashing its words and n-grams.

    Each row's words (lower-cased runs of letters and digits) and their n-grams of up to N-grams words
    (0 and 1 both mean single words) are hashed (MurmurHash3, as scikit-learn's HashingVectorizer) into
    2^bitsize buckets; each bucket becomes a column "<column>_HashingFeature.<i>" counting the n-grams
    that fell into it. No vocabulary is learned, so new words at scoring time need nothing special; more
    bits mean fewer collisions but wider tables. The text columns are kept but marked as not features,
    so learners ignore them.
    """

    key = "text_analytics.feature_hashing"
    title = "Feature Hashing"
    category = Category.TEXT_ANALYTICS
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (
        Port("transformed_dataset", "Transformed dataset", PortType.DATASET),
        Port("feature_hashing_transformation", "Feature hashing transformation", PortType.TRANSFORMATION),
    )
    params = (
        ColumnsParam("target_column", "Target column", port="dataset"),
        IntParam("hashing_bitsize", "Hashing bitsize", default=10, min=1, max=31),
        IntParam("n_grams", "N-grams", default=2, min=0, max=10),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        columns = text_columns(dataset, params["target_column"], "target_column")
        hasher = FeatureHasher(columns, params["hashing_bitsize"], params["n_grams"])
        return {"transformed_dataset": hasher.apply(dataset), "feature_hashing_transformation": hasher}
