"""Convert Word to Vector: learn word embeddings (gensim Word2Vec or FastText) from a text column."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    Category,
    ChoiceParam,
    ColumnsParam,
    DataTable,
    IntParam,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    register,
)

from ._common import documents, text_columns, tokenize

GLOVE = "GloVe pretrained English model"
WORD2VEC = "Gensim Word2Vec model"
FASTTEXT = "Gensim FastText model"
_TRAINED = {"word2vec_strategy": (WORD2VEC, FASTTEXT)}

# FastText's default of 2,000,000 character n-gram buckets allocates 800 MB at 100 dimensions before
# reading a word; 2^18 buckets keep it under 110 MB and are plenty for a designer's corpora.
FASTTEXT_BUCKETS = 2**18


def stable_hash(text: str) -> int:
    """gensim seeds some vectors with ``hash(word)``, which Python salts per process; CRC32 is not salted,
    so the same seed gives the same embeddings in every worker."""
    return zlib.crc32(text.encode("utf-8"))


def sentences_of(docs: list[str]) -> list[list[str]]:
    return [words for doc in docs for words in tokenize(doc) if words]


@register
class ConvertWordToVector(Module):
    """Learn a vector (embedding) for every frequent word of a text column.

    The text is split into sentences (at the ||| marks of Preprocess Text) and lower-cased words, and a
    gensim Word2Vec or FastText model is trained on it with the chosen algorithm (Skip-Gram predicts the
    context from a word; CBOW predicts a word from its context), embedding length, context window and
    epochs. Words seen fewer than Minimum count times are left out, and at most Maximum number of words
    are kept. Training runs on one thread with the run's random seed, so results are repeatable.

    The output has one row per word: "Vocabulary" then "Embedding Dim 0", "Embedding Dim 1" ...
    The pretrained GloVe choice needs a model file that this installation does not ship (nothing is
    downloaded while a pipeline runs), so it explains that and asks you to pick a trained strategy.
    """

    key = "text_analytics.convert_word_to_vector"
    title = "Convert Word to Vector"
    category = Category.TEXT_ANALYTICS
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (Port("vocabulary_with_embeddings", "Vocabulary with embeddings", PortType.DATASET),)
    params = (
        ColumnsParam("target_column", "Target column", port="dataset", single=True),
        ChoiceParam(
            "word2vec_strategy", "Word2Vec strategy", default=WORD2VEC, choices=(GLOVE, WORD2VEC, FASTTEXT)
        ),
        ChoiceParam(
            "word2vec_training_algorithm",
            "Word2Vec Training Algorithm",
            default="Skip-Gram",
            choices=("Skip-Gram", "CBOW"),
            visible_when=_TRAINED,
        ),
        IntParam(
            "maximum_number_of_words_in_vocabulary",
            "Maximum number of words in vocabulary",
            default=10000,
            min=10,
            max=2**31 - 1,
        ),
        IntParam("minimum_count_of_one_word", "Minimum count of one word", default=5, min=1, max=100),
        IntParam(
            "length_of_word_embedding",
            "Length of word embedding",
            default=100,
            min=10,
            max=2000,
            visible_when=_TRAINED,
        ),
        IntParam(
            "context_window_size", "Context window size", default=5, min=1, max=100, visible_when=_TRAINED
        ),
        IntParam("number_of_epochs", "Number of epochs", default=5, min=1, max=1024, visible_when=_TRAINED),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        if params["word2vec_strategy"] == GLOVE:
            raise ModuleError(
                "pretrained_model_unavailable",
                "The pretrained GloVe model is not part of this installation, and pipelines never download "
                "models while they run. Choose 'Gensim Word2Vec model' or 'Gensim FastText model' to learn "
                "embeddings from your own text.",
                parameter="word2vec_strategy",
            )
        (column,) = text_columns(dataset, params["target_column"], "target_column")
        sentences = sentences_of(documents(dataset.df, [column]))
        model = train_embeddings(sentences, params, ctx.seed)
        if model is None:
            raise ModuleError(
                "empty_vocabulary",
                f"No word occurs at least {params['minimum_count_of_one_word']} times in column '{column}'. "
                "Lower Minimum count of one word, or use more text.",
                parameter="minimum_count_of_one_word",
            )
        words = list(model.wv.index_to_key)
        vectors = np.asarray(model.wv.vectors, dtype=np.float64)
        table = pd.DataFrame(vectors, columns=[f"Embedding Dim {i}" for i in range(vectors.shape[1])])
        table.insert(0, "Vocabulary", pd.Series(words, dtype=object))
        return {"vocabulary_with_embeddings": DataTable(table)}


def train_embeddings(sentences: list[list[str]], params: dict[str, Any], seed: int) -> Any:
    """The trained gensim model, or None when no word is frequent enough to learn."""
    from gensim.models import FastText, Word2Vec  # heavy import, only when the module runs

    settings: dict[str, Any] = {
        "vector_size": params["length_of_word_embedding"],
        "window": params["context_window_size"],
        "min_count": params["minimum_count_of_one_word"],
        "max_final_vocab": params["maximum_number_of_words_in_vocabulary"],
        "sg": 1 if params["word2vec_training_algorithm"] == "Skip-Gram" else 0,
        "epochs": params["number_of_epochs"],
        "seed": seed,
        "workers": 1,
        "hashfxn": stable_hash,
    }
    if params["word2vec_strategy"] == FASTTEXT:
        model = FastText(bucket=FASTTEXT_BUCKETS, **settings)
    else:
        model = Word2Vec(**settings)
    model.build_vocab(sentences)
    if not model.wv.index_to_key:
        return None
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    return model
