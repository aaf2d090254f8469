"""Text analytics modules against scikit-learn and gensim called directly, on real text (WordNet definitions)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from gensim.models import FastText, Word2Vec
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
)
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.preprocessing import normalize

from modules.sdk import DataTable, ModuleError, RunContext, get_module
from tests.modules import data

PREPROCESS = "text_analytics.preprocess_text"
NGRAMS = "text_analytics.extract_n_gram_features_from_text"
HASHING = "text_analytics.feature_hashing"
LDA = "text_analytics.latent_dirichlet_allocation"
WORD2VEC = "text_analytics.convert_word_to_vector"
# The word tokenizer every text module uses, written as scikit-learn's token_pattern.
TOKEN_PATTERN = r"(?u)\b\w+\b"


def run(key: str, params: dict[str, Any], seed: int = 0, **inputs: Any) -> dict[str, Any]:
    return get_module(key).execute(RunContext(seed=seed), params, **inputs)


def reviews(rows: int = 200) -> DataTable:
    return data.fine_food_reviews(rows)


def error_of(key: str, params: dict[str, Any], **inputs: Any) -> ModuleError:
    with pytest.raises(ModuleError) as caught:
        run(key, params, **inputs)
    assert "Traceback" not in caught.value.message
    return caught.value


def frame(**columns: list[Any]) -> DataTable:
    return DataTable(pd.DataFrame(columns))


# -- shared bad inputs ------------------------------------------------------------------------------

TEXT_PARAM = {
    PREPROCESS: "text_column_to_clean",
    NGRAMS: "text_column",
    HASHING: "target_column",
    LDA: "target_columns",
    WORD2VEC: "target_column",
}


@pytest.mark.parametrize("key", sorted(TEXT_PARAM))
def test_bad_text_inputs_give_clear_errors(key: str) -> None:
    param = TEXT_PARAM[key]
    table = DataTable(
        pd.DataFrame(
            {
                "text": ["good tea", None],
                "number": [1.0, 2.0],
                "nothing": pd.Series([None, None], dtype=object),
            }
        )
    )
    assert error_of(key, {param: "missing"}, dataset=table).code == "missing_column"
    assert error_of(key, {param: "number"}, dataset=table).code == "not_text"
    assert error_of(key, {param: "nothing"}, dataset=table).code == "all_missing_column"
    empty = DataTable(pd.DataFrame({"text": pd.Series([], dtype=object)}))
    assert error_of(key, {param: "text"}, dataset=empty).code == "empty_dataset"


@pytest.mark.parametrize("key", sorted(TEXT_PARAM))
def test_inputs_are_not_mutated(key: str) -> None:
    table = reviews(40)
    before = table.df.copy()
    run(
        key,
        {TEXT_PARAM[key]: "review", **({"minimum_count_of_one_word": 1} if key == WORD2VEC else {})},
        dataset=table,
    )
    pd.testing.assert_frame_equal(table.df, before)


# -- Preprocess Text --------------------------------------------------------------------------------


def preprocess(texts: list[str], **params: Any) -> list[str]:
    table = DataTable(pd.DataFrame({"text": texts}))
    out = run(PREPROCESS, {"text_column_to_clean": "text", **params}, dataset=table)["results_dataset"]
    assert list(out.df.columns) == ["text", "Preprocessed text"]
    return out.df["Preprocessed text"].tolist()


def test_preprocess_each_step() -> None:
    text = (
        "I can't believe it's SOOOO good!!! Mail me at jane.doe@example.com or see "
        "https://example.com/tea?x=1 now. Dr. Smith paid 12.50 dollars for 3 boxes of C:\\tea\\green."
    )
    everything_off = {
        name: False
        for name in (
            "remove_stop_words",
            "use_lemmatization",
            "detect_sentences",
            "normalize_case_to_lowercase",
            "remove_numbers",
            "remove_special_characters",
            "remove_duplicate_characters",
            "remove_email_addresses",
            "remove_urls",
            "expand_verb_contractions",
            "normalize_backslashes_to_slashes",
            "split_tokens_on_special_characters",
        )
    }
    assert preprocess([text], **everything_off) == [" ".join(text.split())]
    (cleaned,) = preprocess([text])
    sentences = cleaned.split(" ||| ")
    # Sentence ends at "!!!" and "now." but not after the abbreviation "Dr.".
    assert len(sentences) == 3, sentences
    words = cleaned.replace("|||", " ").split()
    assert "jane" not in cleaned and "example" not in cleaned  # e-mail and URL removed
    assert "believe" in words and "soo" in words and "sooo" not in cleaned  # repeats cut to two
    assert not any(w.isdigit() for w in words)
    assert all(w == w.lower() for w in words)
    assert not set(words) & ENGLISH_STOP_WORDS
    assert "box" in words and "boxes" not in words  # lemmatized
    assert all(re.fullmatch(r"\w+", w) for w in words)


def test_preprocess_single_options() -> None:
    text = "Don't write C:\\temp\\file, it's MS---Word"
    keep_all = {
        "remove_stop_words": False,
        "use_lemmatization": False,
        "remove_special_characters": False,
        "normalize_case_to_lowercase": False,
        "detect_sentences": False,
        "remove_duplicate_characters": False,
    }
    assert preprocess([text], **keep_all) == ["Do not write C :/ temp / file , it is MS --- Word"]
    assert preprocess([text], **{**keep_all, "remove_duplicate_characters": True}) == [
        "Do not write C :/ temp / file , it is MS -- Word"
    ]
    assert preprocess([text], **keep_all, split_tokens_on_special_characters=False) == [
        "Do not write C:/temp/file, it is MS---Word"
    ]
    assert preprocess(
        [text],
        **keep_all,
        expand_verb_contractions=False,
        normalize_backslashes_to_slashes=False,
        split_tokens_on_special_characters=False,
    ) == ["Don't write C:\\temp\\file, it's MS---Word"]
    assert preprocess(["tea 42 and 3.5 cups"], **keep_all) == ["tea and cups"]
    assert preprocess(["tea 42"], **keep_all, remove_numbers=False) == ["tea 42"]
    assert preprocess(
        ["order #123 and #456"],
        **keep_all,
        remove_numbers=False,
        custom_regular_expression=r"#\d+",
        custom_replacement_string="ORDER",
    ) == ["order ORDER and ORDER"]


def test_preprocess_real_reviews_keeps_rows_and_missing_text() -> None:
    table = reviews(150)
    table.df.loc[3, "review"] = None
    out = run(PREPROCESS, {"text_column_to_clean": "review"}, dataset=table)["results_dataset"]
    cleaned = out.df["Preprocessed review"]
    assert len(out) == 150 and cleaned.isna().tolist() == table.df["review"].isna().tolist()
    pd.testing.assert_frame_equal(out.df[["review", "score"]], table.df)
    words = {w for text in cleaned.dropna() for w in text.split() if w != "|||"}
    assert words and not words & ENGLISH_STOP_WORDS
    assert not any("http" in w or "@" in w for w in words)


def test_preprocess_custom_stop_words_replace_the_default_list() -> None:
    stop_words = DataTable(pd.DataFrame({"word": ["Tea", "good"]}))
    table = DataTable(pd.DataFrame({"text": ["This tea is good and the cups are nice"]}))
    out = run(
        PREPROCESS,
        {"text_column_to_clean": "text", "use_lemmatization": False},
        dataset=table,
        stop_words=stop_words,
    )["results_dataset"]
    assert out.df["Preprocessed text"].tolist() == ["this is and the cups are nice"]
    bad = DataTable(pd.DataFrame({"n": [1, 2]}))
    assert error_of(PREPROCESS, {"text_column_to_clean": "text"}, dataset=table, stop_words=bad).code == (
        "invalid_stop_words"
    )


def test_preprocess_invalid_regular_expression() -> None:
    error = error_of(
        PREPROCESS,
        {"text_column_to_clean": "text", "custom_regular_expression": "(unclosed"},
        dataset=frame(text=["a"]),
    )
    assert error.code == "invalid_regular_expression" and error.parameter == "custom_regular_expression"


# -- Extract N-Gram Features from Text ------------------------------------------------------------


def sklearn_ngrams(
    texts: list[str], n: int, min_df: int, max_df: float, low: int, high: int, binary: bool
) -> tuple[list[str], Any]:
    """CountVectorizer with the same words and frequency filters, then the word-length rule."""
    vectorizer = CountVectorizer(
        token_pattern=TOKEN_PATTERN, ngram_range=(1, n), min_df=min_df, max_df=max_df, binary=binary
    )
    counts = vectorizer.fit_transform(texts)
    names = vectorizer.get_feature_names_out().tolist()
    keep = [i for i, g in enumerate(names) if all(low <= len(w) <= high for w in g.split())]
    return [names[i] for i in keep], counts[:, keep]


def feature_block(table: DataTable, column: str) -> np.ndarray:
    names = [c for c in table.columns if c.startswith(f"{column}.[")]
    return table.df[names].to_numpy()


@pytest.mark.parametrize(
    ("weighting", "binary"), [("Binary Weight", True), ("TF Weight", False)], ids=["binary", "tf"]
)
def test_ngrams_match_count_vectorizer(weighting: str, binary: bool) -> None:
    table = reviews(300)
    params = {
        "text_column": "review",
        "n_grams_size": 2,
        "weighting_function": weighting,
        "minimum_word_length": 3,
        "maximum_word_length": 12,
        "minimum_n_gram_document_absolute_frequency": 5,
        "maximum_n_gram_document_ratio": 0.5,
    }
    out = run(NGRAMS, params, dataset=table)
    names, counts = sklearn_ngrams(table.df["review"].tolist(), 2, 5, 0.5, 3, 12, binary)
    vocabulary = out["result_vocabulary"].df
    assert vocabulary["NGram"].tolist() == names
    assert any(" " in g for g in names), "bigrams are counted"
    result = out["results_dataset"]
    assert "review" not in result.columns and result.df["score"].tolist() == table.df["score"].tolist()
    assert [c for c in result.columns if c != "score"] == [f"review.[{g}]" for g in names]
    np.testing.assert_array_equal(feature_block(result, "review"), counts.toarray())
    np.testing.assert_array_equal(vocabulary["DF"].to_numpy(), np.asarray((counts > 0).sum(axis=0)).ravel())
    np.testing.assert_allclose(
        vocabulary["IDF"].to_numpy(), np.log(300 / vocabulary["DF"].to_numpy()), rtol=1e-12
    )


def test_ngram_tf_idf_and_idf_weights_with_l2_norm_match_sklearn() -> None:
    table = reviews(300)
    texts = table.df["review"].tolist()
    names, counts = sklearn_ngrams(texts, 1, 5, 1.0, 3, 25, binary=False)
    # scikit-learn's unsmoothed IDF is ln(n/df) + 1; the reference product's IDF is ln(n/df).
    idf = TfidfTransformer(smooth_idf=False, norm=None).fit(counts).idf_ - 1.0
    for weighting, expected in (
        ("TF-IDF Weight", counts.multiply(idf).tocsr()),
        ("IDF Weight", (counts > 0).multiply(idf).tocsr()),
    ):
        out = run(
            NGRAMS,
            {
                "text_column": "review",
                "weighting_function": weighting,
                "normalize_n_gram_feature_vectors": True,
            },
            dataset=table,
        )
        assert out["result_vocabulary"].df["NGram"].tolist() == names
        np.testing.assert_allclose(
            feature_block(out["results_dataset"], "review"),
            normalize(expected).toarray(),
            rtol=1e-9,
            atol=1e-12,
        )


def test_ngram_read_only_vocabulary_and_transformation_score_new_rows_like_training() -> None:
    everything = reviews(400)
    train, test = DataTable(everything.df.iloc[:300].copy()), DataTable(everything.df.iloc[300:].copy())
    params = {"text_column": "review", "n_grams_size": 2, "weighting_function": "TF-IDF Weight"}
    trained = run(NGRAMS, params, dataset=train)
    scored = run(
        NGRAMS,
        {**params, "vocabulary_mode": "ReadOnly"},
        dataset=test,
        input_vocabulary=trained["result_vocabulary"],
    )
    assert scored["results_dataset"].columns == trained["results_dataset"].columns
    vocabulary = trained["result_vocabulary"].df
    pd.testing.assert_frame_equal(scored["result_vocabulary"].df, vocabulary)
    grams = vocabulary["NGram"].tolist()
    counts = CountVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=(1, 2), vocabulary=grams).transform(
        test.df["review"]
    )
    expected = counts.multiply(vocabulary["IDF"].to_numpy()).toarray()
    np.testing.assert_allclose(feature_block(scored["results_dataset"], "review"), expected, rtol=1e-12)
    applied = trained["n_gram_transformation"].apply(test)
    pd.testing.assert_frame_equal(applied.df, scored["results_dataset"].df)
    assert trained["n_gram_transformation"].input_columns == ["review"]


def test_ngram_update_and_merge_add_counts() -> None:
    everything = reviews(400)
    first, second = DataTable(everything.df.iloc[:200].copy()), DataTable(everything.df.iloc[200:].copy())
    base = {"text_column": "review", "minimum_n_gram_document_absolute_frequency": 1}
    vocabulary = run(NGRAMS, base, dataset=first)["result_vocabulary"]
    combined = run(NGRAMS, base, dataset=everything)["result_vocabulary"].df.set_index("NGram")

    updated = run(NGRAMS, {**base, "vocabulary_mode": "Update"}, dataset=second, input_vocabulary=vocabulary)
    update_vocab = updated["result_vocabulary"].df
    assert update_vocab["NGram"].tolist() == vocabulary.df["NGram"].tolist()
    assert (update_vocab["Corpus size"] == 400).all()
    np.testing.assert_array_equal(update_vocab["DF"], combined.loc[update_vocab["NGram"], "DF"])

    merged = run(
        NGRAMS,
        {**base, "vocabulary_mode": "Merge", "minimum_n_gram_document_absolute_frequency": 5},
        dataset=second,
        input_vocabulary=vocabulary,
    )["result_vocabulary"].df
    old = set(vocabulary.df["NGram"])
    expected = sorted(old | {g for g, df in combined["DF"].items() if df >= 5})
    assert merged["NGram"].tolist() == expected
    np.testing.assert_array_equal(merged["DF"], combined.loc[merged["NGram"], "DF"])
    np.testing.assert_allclose(merged["IDF"], np.log(400 / merged["DF"]), rtol=1e-12)


def test_ngram_feature_selection_keeps_the_best_chi_squared_ngrams() -> None:
    table = reviews(300)
    params = {
        "text_column": "review",
        "use_filter_based_feature_selection": "True",
        "feature_scoring_method": "Chi Squared",
        "target_column": "score",
        "number_of_desired_features": 25,
    }
    selected = run(NGRAMS, params, dataset=table)
    names, counts = sklearn_ngrams(table.df["review"].tolist(), 1, 5, 1.0, 3, 25, binary=True)
    scores = SelectKBest(chi2, k=25).fit(counts, table.df["score"]).scores_
    kept = selected["result_vocabulary"].df["NGram"].tolist()
    assert len(kept) == 25
    chosen_scores = sorted((scores[names.index(g)] for g in kept), reverse=True)
    np.testing.assert_allclose(chosen_scores, sorted(scores, reverse=True)[:25], rtol=1e-12)
    assert selected["results_dataset"].columns == ["score"] + [f"review.[{g}]" for g in kept]

    by_count = run(
        NGRAMS,
        {**params, "feature_scoring_method": "Count Based", "minimum_number_of_non_zero_elements": 40},
        dataset=table,
    )["result_vocabulary"].df
    assert by_count["NGram"].tolist() == [
        g for g, df in zip(names, np.asarray((counts > 0).sum(0)).ravel(), strict=True) if df >= 40
    ]


def test_ngram_feature_selection_uses_the_label_when_no_target_is_chosen() -> None:
    params = {
        "text_column": "review",
        "use_filter_based_feature_selection": "True",
        "number_of_desired_features": 5,
    }
    table = reviews(100)
    assert error_of(NGRAMS, params, dataset=table).parameter == "target_column"
    labelled = table.with_meta("score", is_label=True)
    one_class = DataTable(table.df.assign(score="great")).with_meta("score", is_label=True)
    assert error_of(NGRAMS, params, dataset=one_class).code == "single_class_label"
    for method in ("Fisher Score", "Pearson Correlation", "Mutual Information", "Kendall Correlation"):
        vocabulary = run(NGRAMS, {**params, "feature_scoring_method": method}, dataset=labelled)[
            "result_vocabulary"
        ]
        assert len(vocabulary) == 5, method


def test_ngrams_never_cross_sentence_marks() -> None:
    table = DataTable(pd.DataFrame({"text": ["green tea ||| black coffee"] * 5}))
    out = run(NGRAMS, {"text_column": "text", "n_grams_size": 2}, dataset=table)
    assert out["result_vocabulary"].df["NGram"].tolist() == [
        "black",
        "black coffee",
        "coffee",
        "green",
        "green tea",
        "tea",
    ]


def test_ngram_errors() -> None:
    table = reviews(50)
    assert error_of(NGRAMS, {"text_column": "review", "vocabulary_mode": "ReadOnly"}, dataset=table).code == (
        "missing_input"
    )
    strict = {"text_column": "review", "minimum_n_gram_document_absolute_frequency": 1000}
    assert error_of(NGRAMS, strict, dataset=table).code == "empty_vocabulary"
    wrong = DataTable(pd.DataFrame({"word": ["tea"]}))
    error = error_of(
        NGRAMS,
        {"text_column": "review", "vocabulary_mode": "ReadOnly"},
        dataset=table,
        input_vocabulary=wrong,
    )
    assert error.code == "invalid_vocabulary" and error.port == "input_vocabulary"


# -- Feature Hashing --------------------------------------------------------------------------------


@pytest.mark.parametrize(("bits", "n_grams", "sklearn_n"), [(10, 2, 2), (8, 0, 1), (9, 3, 3)])
def test_feature_hashing_matches_hashing_vectorizer(bits: int, n_grams: int, sklearn_n: int) -> None:
    table = reviews(150)
    out = run(
        HASHING, {"target_column": "review", "hashing_bitsize": bits, "n_grams": n_grams}, dataset=table
    )
    hashed = out["transformed_dataset"]
    names = [f"review_HashingFeature.{i}" for i in range(2**bits)]
    assert hashed.columns == ["review", "score", *names]
    expected = HashingVectorizer(
        n_features=2**bits,
        ngram_range=(1, sklearn_n),
        token_pattern=TOKEN_PATTERN,
        alternate_sign=False,
        norm=None,
    ).transform(table.df["review"])
    np.testing.assert_array_equal(hashed.df[names].to_numpy(), expected.toarray())
    assert not hashed.meta["review"].is_feature, "learners must skip the raw text"
    applied = out["feature_hashing_transformation"].apply(table)
    pd.testing.assert_frame_equal(applied.df, hashed.df)


def test_feature_hashing_refuses_tables_too_wide_to_hold() -> None:
    error = error_of(HASHING, {"target_column": "review", "hashing_bitsize": 31}, dataset=reviews(30))
    assert error.code == "too_many_features"


# -- Latent Dirichlet Allocation --------------------------------------------------------------------

LDA_OPTIONS = {
    "show_all_options": "True",
    "rho_parameter": 0.05,
    "alpha_parameter": 0.2,
    "size_of_the_batch": 50,
    "initial_value_of_iteration_used_in_learning_rate_update_schedule": 5,
    "power_applied_to_the_iteration_during_updates": 0.7,
    "number_of_training_iterations": 3,
    "maximum_number_of_ngrams_in_dictionary": 1500,
}


def sklearn_lda(counts: Any, rows: int, seed: int) -> LatentDirichletAllocation:
    return LatentDirichletAllocation(
        n_components=4,
        doc_topic_prior=0.2,
        topic_word_prior=0.05,
        learning_method="online",
        learning_decay=0.7,
        learning_offset=5.0,
        max_iter=3,
        batch_size=50,
        total_samples=rows,
        random_state=seed,
    ).fit(counts)


@pytest.mark.parametrize("normalize_output", [True, False])
def test_lda_matches_sklearn(normalize_output: bool) -> None:
    everything = reviews(150)
    train, new = DataTable(everything.df.iloc[:120].copy()), DataTable(everything.df.iloc[120:].copy())
    params = {
        "target_columns": "review",
        "number_of_topics_to_model": 4,
        "n_grams": 2,
        "normalize": normalize_output,
        "estimated_number_of_documents": 120,  # scikit-learn's fit uses the row count
        **LDA_OPTIONS,
    }
    out = run(LDA, params, seed=11, dataset=train)
    vectorizer = CountVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=(1, 2), max_features=1500)
    counts = vectorizer.fit_transform(train.df["review"])
    model = sklearn_lda(counts, 120, seed=11)
    topics = [f"Topic {k}" for k in range(1, 5)]
    transformed = out["transformed_dataset"]
    assert transformed.columns == ["review", "score", *topics] and not transformed.meta["review"].is_feature
    np.testing.assert_allclose(
        transformed.df[topics].to_numpy(),
        model.transform(counts, normalize=normalize_output),
        rtol=1e-9,
        atol=1e-12,
    )
    matrix = out["feature_topic_matrix"].df
    assert matrix["Feature"].tolist() == vectorizer.get_feature_names_out().tolist()
    weights = (
        model.components_ / model.components_.sum(axis=1, keepdims=True)
        if normalize_output
        else model.components_
    )
    np.testing.assert_allclose(matrix[topics].to_numpy(), weights.T, rtol=1e-9, atol=1e-12)
    applied = out["lda_transformation"].apply(new)
    np.testing.assert_allclose(
        applied.df[topics].to_numpy(),
        model.transform(vectorizer.transform(new.df["review"]), normalize=normalize_output),
        rtol=1e-9,
        atol=1e-12,
    )


def test_lda_with_feature_hashing_matches_sklearn() -> None:
    table = reviews(100)
    params = {
        "target_columns": "review",
        "number_of_topics_to_model": 4,
        "n_grams": 1,
        "estimated_number_of_documents": 100,
        **LDA_OPTIONS,
        "build_dictionary_of_ngrams_prior_to_lda": "False",
        "number_of_hash_bits": 9,
    }
    out = run(LDA, params, seed=3, dataset=table)
    counts = HashingVectorizer(
        n_features=2**9, token_pattern=TOKEN_PATTERN, alternate_sign=False, norm=None
    ).transform(table.df["review"])
    model = sklearn_lda(counts, 100, seed=3)
    topics = [f"Topic {k}" for k in range(1, 5)]
    np.testing.assert_allclose(
        out["transformed_dataset"].df[topics].to_numpy(), model.transform(counts), rtol=1e-9, atol=1e-12
    )
    assert out["feature_topic_matrix"].df["Feature"].tolist() == [f"HashingFeature.{i}" for i in range(2**9)]


def test_lda_honours_estimated_number_of_documents_and_seed() -> None:
    table = reviews(80)
    params = {"target_columns": "review", "number_of_topics_to_model": 3, **LDA_OPTIONS}

    def topics(seed: int, documents: int) -> np.ndarray:
        out = run(LDA, {**params, "estimated_number_of_documents": documents}, seed=seed, dataset=table)
        return out["feature_topic_matrix"].df.drop(columns="Feature").to_numpy()

    reference = topics(1, 80)
    assert not np.allclose(reference, topics(1, 100_000))
    assert not np.allclose(reference, topics(2, 80))
    np.testing.assert_array_equal(reference, topics(1, 80))


# -- Convert Word to Vector -------------------------------------------------------------------------


def gensim_sentences(texts: list[str]) -> list[list[str]]:
    return [re.findall(TOKEN_PATTERN, t.lower()) for t in texts if re.findall(TOKEN_PATTERN, t.lower())]


@pytest.mark.parametrize(
    ("strategy", "algorithm", "model_class"),
    [
        ("Gensim Word2Vec model", "Skip-Gram", Word2Vec),
        ("Gensim Word2Vec model", "CBOW", Word2Vec),
        ("Gensim FastText model", "Skip-Gram", FastText),
    ],
)
def test_word_to_vector_matches_gensim(strategy: str, algorithm: str, model_class: type) -> None:
    table = reviews(200)
    params = {
        "target_column": "review",
        "word2vec_strategy": strategy,
        "word2vec_training_algorithm": algorithm,
        "maximum_number_of_words_in_vocabulary": 300,
        "minimum_count_of_one_word": 3,
        "length_of_word_embedding": 16,
        "context_window_size": 4,
        "number_of_epochs": 3,
    }
    out = run(WORD2VEC, params, seed=5, dataset=table)["vocabulary_with_embeddings"].df
    extra = {"bucket": 2**18} if model_class is FastText else {}
    model = model_class(
        sentences=gensim_sentences(table.df["review"].tolist()),
        vector_size=16,
        window=4,
        min_count=3,
        max_final_vocab=300,
        sg=1 if algorithm == "Skip-Gram" else 0,
        epochs=3,
        seed=5,
        workers=1,
        **extra,
    )
    assert out["Vocabulary"].tolist() == list(model.wv.index_to_key)
    assert len(out) <= 300
    assert list(out.columns[1:]) == [f"Embedding Dim {i}" for i in range(16)]
    np.testing.assert_array_equal(
        out.drop(columns="Vocabulary").to_numpy(), model.wv.vectors.astype(np.float64)
    )


def test_word_to_vector_errors() -> None:
    table = reviews(30)
    glove = error_of(
        WORD2VEC,
        {"target_column": "review", "word2vec_strategy": "GloVe pretrained English model"},
        dataset=table,
    )
    assert glove.code == "pretrained_model_unavailable" and glove.parameter == "word2vec_strategy"
    rare = DataTable(pd.DataFrame({"text": ["one two three", "four five six"]}))
    assert error_of(WORD2VEC, {"target_column": "text"}, dataset=rare).code == "empty_vocabulary"
