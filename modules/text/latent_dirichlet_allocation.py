"""Latent Dirichlet Allocation: discover topics in text and score every row against them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.decomposition import LatentDirichletAllocation as SklearnLDA
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer

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
from .feature_hashing import hashing_vectorizer

INT32_MAX = 2**31 - 1
_ALL = {"show_all_options": ("True",)}
_BASIC = {"show_all_options": ("False",)}


def topic_names(count: int) -> list[str]:
    return [f"Topic {k}" for k in range(1, count + 1)]


@dataclass(eq=False)
class LdaTransform(Transformation):
    text_columns: list[str]
    vectorizer: CountVectorizer | HashingVectorizer
    model: SklearnLDA
    normalize: bool
    title: str = field(default="Latent Dirichlet Allocation", init=False)

    @property
    def input_columns(self) -> list[str]:
        return list(self.text_columns)

    def topic_scores(self, table: DataTable) -> pd.DataFrame:
        table.require_columns(self.text_columns)
        counts = self.vectorizer.transform(documents(table.df, self.text_columns))
        scores = self.model.transform(counts, normalize=self.normalize)
        return pd.DataFrame(scores, columns=topic_names(self.model.n_components))

    def apply(self, table: DataTable) -> DataTable:
        return mark_not_features(append_columns(table, self.topic_scores(table)), self.text_columns)


@register
class LatentDirichletAllocation(Module):
    """Group text into topics with Latent Dirichlet Allocation (scikit-learn, online variational Bayes).

    The text of the chosen columns (joined per row) is split into lower-cased words and their n-grams,
    counted with a dictionary of the most frequent n-grams (or hashed into 2^bits buckets), and a topic
    model with the chosen number of topics is learned. Outputs: the dataset with one column per topic
    ("Topic 1" ...) giving each row's topic weights (probabilities summing to 1 when Normalize is on),
    the feature-topic matrix (one row per n-gram; with Normalize, P(n-gram | topic)), and the fitted
    transformation to score new text with Apply Transformation.

    Show all options reveals the learning settings (rho = topic-word prior, alpha = document-topic prior,
    batch size, the learning-rate schedule tau0 and kappa, iterations); the run's random seed makes
    results repeatable.
    """

    key = "text_analytics.latent_dirichlet_allocation"
    title = "Latent Dirichlet Allocation"
    category = Category.TEXT_ANALYTICS
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (
        Port("transformed_dataset", "Transformed dataset", PortType.DATASET),
        Port("feature_topic_matrix", "Feature topic matrix", PortType.DATASET),
        Port("lda_transformation", "LDA transformation", PortType.TRANSFORMATION),
    )
    params = (
        ColumnsParam("target_columns", "Target column(s)", port="dataset"),
        IntParam("number_of_topics_to_model", "Number of topics to model", default=5, min=1, max=1000),
        IntParam("n_grams", "N-grams", default=2, min=1, max=10),
        BoolParam("normalize", "Normalize", default=True),
        ChoiceParam("show_all_options", "Show all options", default="False", choices=("True", "False")),
        FloatParam(
            "rho_parameter",
            "Rho parameter",
            default=0.01,
            min=0.0,
            exclusive_min=True,
            max=1.0,
            visible_when=_ALL,
        ),
        FloatParam(
            "alpha_parameter",
            "Alpha parameter",
            default=0.01,
            min=0.0,
            exclusive_min=True,
            max=1.0,
            visible_when=_ALL,
        ),
        IntParam(
            "estimated_number_of_documents",
            "Estimated number of documents",
            default=1000,
            min=1,
            max=INT32_MAX,
            visible_when=_ALL,
        ),
        IntParam("size_of_the_batch", "Size of the batch", default=32, min=1, max=1024, visible_when=_ALL),
        IntParam(
            "initial_value_of_iteration_used_in_learning_rate_update_schedule",
            "Initial value of iteration used in learning rate update schedule",
            default=10,
            min=1,
            max=INT32_MAX,
            visible_when=_ALL,
        ),
        FloatParam(
            "power_applied_to_the_iteration_during_updates",
            "Power applied to the iteration during updates",
            default=0.5,
            min=0.5,
            max=1.0,
            visible_when=_ALL,
        ),
        IntParam(
            "number_of_training_iterations",
            "Number of training iterations",
            default=25,
            min=1,
            max=1024,
            visible_when=_ALL,
        ),
        ChoiceParam(
            "build_dictionary_of_ngrams",
            "Build dictionary of ngrams",
            default="True",
            choices=("True", "False"),
            visible_when=_BASIC,
        ),
        IntParam(
            "maximum_size_of_ngram_dictionary",
            "Maximum size of ngram dictionary",
            default=20000,
            min=1,
            max=INT32_MAX,
            visible_when={**_BASIC, "build_dictionary_of_ngrams": ("True",)},
        ),
        IntParam(
            "number_of_bits_to_use_for_feature_hashing",
            "Number of bits to use for feature hashing",
            default=12,
            min=1,
            max=31,
            visible_when={**_BASIC, "build_dictionary_of_ngrams": ("False",)},
        ),
        ChoiceParam(
            "build_dictionary_of_ngrams_prior_to_lda",
            "Build dictionary of ngrams prior to LDA",
            default="True",
            choices=("True", "False"),
            visible_when=_ALL,
        ),
        IntParam(
            "maximum_number_of_ngrams_in_dictionary",
            "Maximum number of ngrams in dictionary",
            default=20000,
            min=1,
            max=INT32_MAX,
            visible_when={**_ALL, "build_dictionary_of_ngrams_prior_to_lda": ("True",)},
        ),
        IntParam(
            "number_of_hash_bits",
            "Number of hash bits",
            default=12,
            min=1,
            max=31,
            visible_when={**_ALL, "build_dictionary_of_ngrams_prior_to_lda": ("False",)},
        ),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        columns = text_columns(dataset, params["target_columns"], "target_columns")
        docs = documents(dataset.df, columns)
        vectorizer = self._vectorizer(params)
        topics = params["number_of_topics_to_model"]
        if isinstance(vectorizer, HashingVectorizer):
            check_dense_size(topics, vectorizer.n_features, "Lower the number of hash bits.")
            counts = vectorizer.transform(docs)
            features = [f"HashingFeature.{i}" for i in range(vectorizer.n_features)]
        else:
            try:
                counts = vectorizer.fit_transform(docs)
            except ValueError:
                raise ModuleError(
                    "empty_vocabulary",
                    "The text columns contain no words to model. Check the Target column(s).",
                    parameter="target_columns",
                ) from None
            features = vectorizer.get_feature_names_out().tolist()
        ctx.progress(0.2, "learning topics")
        model = fit_lda(counts, params, ctx.seed)
        transform = LdaTransform(columns, vectorizer, model, params["normalize"])
        weights = model.components_
        if params["normalize"]:
            weights = weights / weights.sum(axis=1, keepdims=True)
        matrix = pd.DataFrame(weights.T, columns=topic_names(topics))
        matrix.insert(0, "Feature", pd.Series(features, dtype=object))
        return {
            "transformed_dataset": transform.apply(dataset),
            "feature_topic_matrix": DataTable(matrix),
            "lda_transformation": transform,
        }

    @staticmethod
    def _vectorizer(params: dict[str, Any]) -> CountVectorizer | HashingVectorizer:
        analyzer = WordNgramAnalyzer(params["n_grams"])
        if params["show_all_options"] == "True":
            use_dictionary = params["build_dictionary_of_ngrams_prior_to_lda"] == "True"
            size, bits = params["maximum_number_of_ngrams_in_dictionary"], params["number_of_hash_bits"]
        else:
            use_dictionary = params["build_dictionary_of_ngrams"] == "True"
            size, bits = (
                params["maximum_size_of_ngram_dictionary"],
                params["number_of_bits_to_use_for_feature_hashing"],
            )
        if use_dictionary:
            return CountVectorizer(analyzer=analyzer, max_features=size, dtype=np.float64)
        return hashing_vectorizer(bits, params["n_grams"])


def fit_lda(counts: Any, params: dict[str, Any], seed: int) -> SklearnLDA:
    """Online variational Bayes, one pass over the rows per training iteration.

    scikit-learn's ``fit`` ignores ``total_samples`` (it uses the row count); calling ``partial_fit``
    once per iteration runs the same mini-batch updates while honouring Estimated number of documents.
    """
    iterations = params["number_of_training_iterations"]
    model = SklearnLDA(
        n_components=params["number_of_topics_to_model"],
        doc_topic_prior=params["alpha_parameter"],
        topic_word_prior=params["rho_parameter"],
        learning_method="online",
        learning_decay=params["power_applied_to_the_iteration_during_updates"],
        learning_offset=float(params["initial_value_of_iteration_used_in_learning_rate_update_schedule"]),
        max_iter=iterations,
        batch_size=params["size_of_the_batch"],
        total_samples=params["estimated_number_of_documents"],
        random_state=seed,
    )
    for _ in range(iterations):
        model.partial_fit(counts)
    model.n_iter_ = iterations
    return model
