"""Extract N-Gram Features from Text: a vocabulary of word n-grams and one feature column per n-gram."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from modules.sdk import (
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
    Transformation,
    column_kind,
    register,
    resolve_columns,
)

from ._common import WordNgramAnalyzer, append_columns, check_dense_size, documents, text_columns
from ._feature_scores import SCORING_METHODS, select_features, target_codes

BINARY, TF, IDF, TF_IDF = "Binary Weight", "TF Weight", "IDF Weight", "TF-IDF Weight"
CREATE, READ_ONLY, UPDATE, MERGE = "Create", "ReadOnly", "Update", "Merge"

# Columns of the vocabulary dataset. "Corpus size" (rows the document frequencies were counted on)
# is what lets Update and Merge add new counts to old ones and recompute IDF exactly.
VOCAB_ID, VOCAB_NGRAM, VOCAB_DF, VOCAB_IDF, VOCAB_CORPUS = "Id", "NGram", "DF", "IDF", "Corpus size"

_LEARNS_NGRAMS = {"vocabulary_mode": (CREATE, MERGE)}
_SELECTS = {"vocabulary_mode": (CREATE,), "use_filter_based_feature_selection": ("True",)}
_SCORED_SELECTION = {
    **_SELECTS,
    "feature_scoring_method": tuple(m for m in SCORING_METHODS if m != "Count Based"),
}


@dataclass
class NgramVocabulary:
    ngrams: list[str]
    document_frequency: np.ndarray
    corpus_size: int

    @property
    def idf(self) -> np.ndarray:
        """log(corpus size / document frequency), the reference product's IDF (natural log)."""
        with np.errstate(divide="ignore"):
            idf = np.log(self.corpus_size / self.document_frequency.astype(np.float64))
        return np.where(self.document_frequency > 0, idf, 0.0)

    def to_table(self) -> DataTable:
        frame = pd.DataFrame(
            {
                VOCAB_ID: np.arange(len(self.ngrams), dtype=np.int64),
                VOCAB_NGRAM: pd.Series(self.ngrams, dtype=object),
                VOCAB_DF: self.document_frequency.astype(np.int64),
                VOCAB_IDF: self.idf,
                VOCAB_CORPUS: np.full(len(self.ngrams), self.corpus_size, dtype=np.int64),
            }
        )
        return DataTable(frame)

    @classmethod
    def from_table(cls, table: DataTable) -> NgramVocabulary:
        """Read a vocabulary made by this module, or a hand-made one with just an NGram column."""
        if VOCAB_NGRAM not in table.df.columns or column_kind(table.df[VOCAB_NGRAM]) != "string":
            raise ModuleError(
                "invalid_vocabulary",
                f"The input vocabulary needs a text column named '{VOCAB_NGRAM}' with one n-gram per row "
                "(connect the Result vocabulary output of another Extract N-Gram Features from Text).",
                port="input_vocabulary",
            )
        ngrams = [" ".join(str(g).lower().split()) for g in table.df[VOCAB_NGRAM].dropna()]
        if len(set(ngrams)) != len(ngrams):
            duplicate = next(g for g in ngrams if ngrams.count(g) > 1)
            raise ModuleError(
                "invalid_vocabulary",
                f"The input vocabulary lists the n-gram '{duplicate}' more than once.",
                port="input_vocabulary",
            )
        frame = table.df[table.df[VOCAB_NGRAM].notna()]
        if VOCAB_DF in frame.columns and VOCAB_CORPUS in frame.columns and len(frame):
            df = frame[VOCAB_DF].fillna(0).to_numpy(dtype=np.int64)
            corpus = int(frame[VOCAB_CORPUS].max())
        else:  # no statistics: every n-gram counts as seen once in a one-document corpus (IDF 0)
            df, corpus = np.ones(len(ngrams), dtype=np.int64), 1
        return cls(ngrams, df, corpus)


@dataclass(eq=False)
class NgramFeaturizer(Transformation):
    """The fitted state: which n-grams become columns and how they are weighted."""

    text_column: str
    ngrams: list[str]
    idf: np.ndarray
    weighting: str
    normalize: bool
    title: str = field(default="N-gram features", init=False)

    @property
    def input_columns(self) -> list[str]:
        return [self.text_column]

    @property
    def feature_names(self) -> list[str]:
        return [f"{self.text_column}.[{g}]" for g in self.ngrams]

    def counts(self, docs: list[str]) -> sparse.csr_matrix:
        return ngram_counts(docs, self.ngrams)

    def weigh(self, counts: sparse.csr_matrix) -> np.ndarray:
        present = (counts > 0).astype(np.float64)
        weighted = {
            BINARY: present,
            TF: counts,
            IDF: present.multiply(self.idf[np.newaxis, :]),
            TF_IDF: counts.multiply(self.idf[np.newaxis, :]),
        }[self.weighting]
        weighted = sparse.csr_matrix(weighted, dtype=np.float64)
        if self.normalize:
            weighted = normalize(weighted, norm="l2")
        return weighted.toarray()

    def apply(self, table: DataTable) -> DataTable:
        table.require_columns([self.text_column])
        check_dense_size(
            len(table), len(self.ngrams), "Raise the minimum document frequency or lower the n-gram size."
        )
        values = self.weigh(self.counts(documents(table.df, [self.text_column])))
        features = pd.DataFrame(values, columns=self.feature_names)
        return append_columns(table, features, drop=[self.text_column])


def ngram_counts(docs: list[str], ngrams: list[str]) -> sparse.csr_matrix:
    """Occurrences of each of ``ngrams`` in each document (rows × n-grams)."""
    if not ngrams:
        return sparse.csr_matrix((len(docs), 0), dtype=np.float64)
    longest = max(len(g.split()) for g in ngrams)
    vectorizer = CountVectorizer(
        analyzer=WordNgramAnalyzer(longest), vocabulary={g: i for i, g in enumerate(ngrams)}, dtype=np.float64
    )
    return vectorizer.transform(docs).tocsr()


@register
class ExtractNGramFeaturesFromText(Module):
    """Turn a column of free text into numeric features, one column per word n-gram.

    Vocabulary mode **Create** builds the n-gram vocabulary from this dataset; **ReadOnly** uses the
    vocabulary connected to Input vocabulary unchanged (use it on the scoring path so test data gets
    exactly the training columns); **Update** keeps that vocabulary's n-grams and adds this dataset's
    counts to their document frequencies; **Merge** also adds the new n-grams found here.

    Words are runs of letters and digits, lower-cased; n-grams of 1 up to N-grams size words are
    counted within sentences (never across the ||| marks of Preprocess Text). An n-gram is kept when
    every word has between the minimum and maximum word length, it occurs in at least the minimum
    number of rows and in at most the maximum ratio of rows. Weighting: Binary (1 when present), TF
    (occurrences in the row), IDF (log(rows / rows containing it) when present) or TF-IDF (their
    product); Normalize divides each row by its L2 norm. Optional filter-based feature selection keeps
    only the n-grams that best predict a target column.

    Outputs: the dataset with the text column replaced by the n-gram columns (named
    "<column>.[<n-gram>]"), the vocabulary (Id, NGram, DF, IDF, Corpus size) and the fitted
    transformation for Apply Transformation.
    """

    key = "text_analytics.extract_n_gram_features_from_text"
    title = "Extract N-Gram Features from Text"
    category = Category.TEXT_ANALYTICS
    inputs = (
        Port("dataset", "Dataset", PortType.DATASET),
        Port("input_vocabulary", "Input vocabulary", PortType.DATASET, optional=True),
    )
    outputs = (
        Port("results_dataset", "Results dataset", PortType.DATASET),
        Port("result_vocabulary", "Result vocabulary", PortType.DATASET),
        Port("n_gram_transformation", "N-gram transformation", PortType.TRANSFORMATION),
    )
    params = (
        ColumnsParam("text_column", "Text column", port="dataset", single=True),
        ChoiceParam(
            "vocabulary_mode", "Vocabulary mode", default=CREATE, choices=(CREATE, READ_ONLY, UPDATE, MERGE)
        ),
        IntParam("n_grams_size", "N-grams size", default=1, min=1, max=20, visible_when=_LEARNS_NGRAMS),
        ChoiceParam(
            "weighting_function", "Weighting function", default=BINARY, choices=(BINARY, TF, IDF, TF_IDF)
        ),
        IntParam("minimum_word_length", "Minimum word length", default=3, min=1, visible_when=_LEARNS_NGRAMS),
        IntParam(
            "maximum_word_length", "Maximum word length", default=25, min=2, visible_when=_LEARNS_NGRAMS
        ),
        FloatParam(
            "minimum_n_gram_document_absolute_frequency",
            "Minimum n-gram document absolute frequency",
            default=5.0,
            min=1.0,
            visible_when=_LEARNS_NGRAMS,
        ),
        FloatParam(
            "maximum_n_gram_document_ratio",
            "Maximum n-gram document ratio",
            default=1.0,
            min=0.0001,
            visible_when=_LEARNS_NGRAMS,
        ),
        BoolParam("normalize_n_gram_feature_vectors", "Normalize n-gram feature vectors", default=False),
        ChoiceParam(
            "use_filter_based_feature_selection",
            "Use filter-based feature selection",
            default="False",
            choices=("False", "True"),
            visible_when={"vocabulary_mode": (CREATE,)},
        ),
        ChoiceParam(
            "feature_scoring_method",
            "Feature scoring method",
            default="Fisher Score",
            choices=SCORING_METHODS,
            visible_when=_SELECTS,
        ),
        ColumnsParam(
            "target_column",
            "Target column",
            port="dataset",
            single=True,
            optional=True,
            description="The column the n-grams should predict; the dataset's label when left empty.",
            visible_when=_SCORED_SELECTION,
        ),
        IntParam(
            "number_of_desired_features",
            "Number of desired features",
            default=1,
            min=1,
            visible_when=_SCORED_SELECTION,
        ),
        IntParam(
            "minimum_number_of_non_zero_elements",
            "Minimum number of non-zero elements",
            default=1,
            min=1,
            visible_when={**_SELECTS, "feature_scoring_method": ("Count Based",)},
        ),
    )

    def run(
        self,
        ctx: RunContext,
        params: dict[str, Any],
        dataset: DataTable,
        input_vocabulary: DataTable | None = None,
    ) -> dict[str, Any]:
        (column,) = text_columns(dataset, params["text_column"], "text_column")
        mode = params["vocabulary_mode"]
        if mode != CREATE and input_vocabulary is None:
            raise ModuleError(
                "missing_input",
                f"Vocabulary mode {mode} needs a vocabulary: connect the Result vocabulary of the Extract N-Gram "
                "Features from Text that ran on the training data to the Input vocabulary port.",
                port="input_vocabulary",
            )
        docs = documents(dataset.df, [column])
        previous = NgramVocabulary.from_table(input_vocabulary) if input_vocabulary is not None else None
        if mode == READ_ONLY:
            assert previous is not None
            vocabulary = previous
        elif mode == UPDATE:
            assert previous is not None
            vocabulary = updated_vocabulary(previous, docs)
        else:
            vocabulary = learned_vocabulary(docs, params, previous)
        featurizer = NgramFeaturizer(
            column,
            vocabulary.ngrams,
            vocabulary.idf,
            params["weighting_function"],
            params["normalize_n_gram_feature_vectors"],
        )
        if mode == CREATE and params["use_filter_based_feature_selection"] == "True":
            keep = self._selected(ctx, params, dataset, featurizer, docs)
            vocabulary = NgramVocabulary(
                [vocabulary.ngrams[i] for i in keep],
                vocabulary.document_frequency[keep],
                vocabulary.corpus_size,
            )
            featurizer.ngrams, featurizer.idf = vocabulary.ngrams, vocabulary.idf
        ctx.progress(0.8, f"{len(vocabulary.ngrams)} n-grams")
        return {
            "results_dataset": featurizer.apply(dataset),
            "result_vocabulary": vocabulary.to_table(),
            "n_gram_transformation": featurizer,
        }

    @staticmethod
    def _selected(
        ctx: RunContext,
        params: dict[str, Any],
        dataset: DataTable,
        featurizer: NgramFeaturizer,
        docs: list[str],
    ) -> np.ndarray:
        method = params["feature_scoring_method"]
        if method == "Count Based":
            target = pd.Series(np.zeros(len(dataset)))
        else:
            chosen = resolve_columns(dataset, params["target_column"], "target_column")
            target_name = chosen[0] if chosen else dataset.label_column
            if target_name is None:
                raise ModuleError(
                    "missing_parameter",
                    "Feature selection needs the column to predict: choose a Target column, or mark the "
                    "label with Edit Metadata.",
                    parameter="target_column",
                )
            target = dataset.df[target_name]
            if target.nunique() < 2:
                raise ModuleError(
                    "single_class_label",
                    f"Feature selection needs a target with at least two different values; '{target_name}' "
                    "has fewer. Choose another Target column, or turn feature selection off.",
                    column=target_name,
                    parameter="target_column",
                )
        check_dense_size(len(docs), len(featurizer.ngrams), "Raise the minimum document frequency first.")
        values = featurizer.weigh(featurizer.counts(docs))
        known = target.notna().to_numpy()
        return select_features(
            method,
            values[known],
            target_codes(target[known]),
            keep=params["number_of_desired_features"],
            min_nonzero=params["minimum_number_of_non_zero_elements"],
            seed=ctx.seed,
            discrete=featurizer.weighting in (BINARY, TF, IDF) and not featurizer.normalize,
        )


def learned_vocabulary(
    docs: list[str], params: dict[str, Any], previous: NgramVocabulary | None
) -> NgramVocabulary:
    """Create (previous is None) or Merge: count this corpus's n-grams and keep those passing the filters.

    In Merge, the previous vocabulary's n-grams all stay; its counts are added to this corpus's and the
    frequency filters judge new n-grams on the combined counts.
    """
    vectorizer = CountVectorizer(analyzer=WordNgramAnalyzer(params["n_grams_size"]), dtype=np.int64)
    try:
        counts = vectorizer.fit_transform(docs)
    except ValueError:  # no words at all in any row
        counts, names = sparse.csr_matrix((len(docs), 0), dtype=np.int64), np.array([], dtype=object)
    else:
        names = vectorizer.get_feature_names_out()
    frequency = np.asarray((counts > 0).sum(axis=0)).ravel().astype(np.int64)
    corpus = len(docs)
    stats = dict(zip(names.tolist(), frequency.tolist(), strict=True))
    if previous is not None:
        corpus += previous.corpus_size
        for gram, df in zip(previous.ngrams, previous.document_frequency.tolist(), strict=True):
            stats[gram] = stats.get(gram, 0) + df
    low, high = params["minimum_word_length"], params["maximum_word_length"]
    min_df = params["minimum_n_gram_document_absolute_frequency"]
    max_df = params["maximum_n_gram_document_ratio"] * corpus
    old = set(previous.ngrams) if previous is not None else set()
    kept = sorted(
        gram
        for gram, df in stats.items()
        if gram in old or (all(low <= len(w) <= high for w in gram.split()) and min_df <= df <= max_df)
    )
    if not kept:
        raise ModuleError(
            "empty_vocabulary",
            f"No n-gram passed the filters (words of {low}–{high} letters, in at least {min_df:g} rows and at "
            f"most {params['maximum_n_gram_document_ratio']:g} of the rows). Lower the Minimum n-gram document "
            "absolute frequency or the Minimum word length.",
            parameter="minimum_n_gram_document_absolute_frequency",
        )
    return NgramVocabulary(kept, np.array([stats[g] for g in kept], dtype=np.int64), corpus)


def updated_vocabulary(previous: NgramVocabulary, docs: list[str]) -> NgramVocabulary:
    """Update: the same n-grams, with this corpus's document frequencies added to the stored ones."""
    present = ngram_counts(docs, previous.ngrams) > 0
    frequency = np.asarray(present.sum(axis=0)).ravel().astype(np.int64)
    return NgramVocabulary(
        list(previous.ngrams), previous.document_frequency + frequency, previous.corpus_size + len(docs)
    )
