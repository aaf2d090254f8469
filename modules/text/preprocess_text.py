"""Preprocess Text: clean a column of English text (stop words, lemmas, case, numbers, URLs ...)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from modules.sdk import (
    BoolParam,
    Category,
    ChoiceParam,
    ColumnsParam,
    DataTable,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    StringParam,
    column_kind,
    register,
)

from ._common import SENTENCE_SEPARATOR, append_columns, text_columns

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"']+", re.IGNORECASE)
NUMBER_TOKEN = re.compile(r"[+-]?\d[\d.,:/%]*")
# A token split into runs of word characters and runs of other visible characters: "MS---Word" gives
# "MS", "---", "Word".
WORD_OR_SYMBOLS = re.compile(r"\w+|[^\w\s]+")
NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
REPEATED_CHARACTER = re.compile(r"(.)\1{2,}")
# Sentence ends: ., ! or ? (with closing quotes or brackets) before whitespace, or a line break.
SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\s*\n\s*")
ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "no",
        "approx",
        "dept",
        "est",
        "fig",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
        "u.s",
    ]
)

# Verb contractions, longest first so "won't" is not read as "wo" + "n't".
CONTRACTIONS: tuple[tuple[str, str], ...] = (
    (r"\bwon't\b", "will not"),
    (r"\bcan't\b", "can not"),
    (r"\bshan't\b", "shall not"),
    (r"\bain't\b", "am not"),
    (r"\blet's\b", "let us"),
    (r"n't\b", " not"),
    (r"'re\b", " are"),
    (r"'ve\b", " have"),
    (r"'ll\b", " will"),
    (r"'d\b", " would"),
    (r"\bi'm\b", "i am"),
    # 's is only a verb after these words; elsewhere it is a possessive and stays.
    (r"\b(it|he|she|that|what|where|who|how|there|here)'s\b", r"\1 is"),
)
_CONTRACTION_PATTERNS = tuple((re.compile(p, re.IGNORECASE), r) for p, r in CONTRACTIONS)


@register
class PreprocessText(Module):
    """Clean English text before extracting features from it.

    Adds a column "Preprocessed <column>" holding the cleaned text, with these steps in order (each can
    be switched off): your custom regular expression; remove e-mail addresses and URLs; turn \\ into /;
    expand verb contractions ("don't" → "do not"); detect sentences (marked with |||, which the n-gram
    modules never cross); split tokens on special characters ("MS---Word" → "MS --- Word"); lower-case;
    remove numbers; remove special characters; shorten characters repeated more than twice ("sooo" →
    "soo"); remove stop words; lemmatize (reduce words to their dictionary form: "mice" → "mouse",
    "running" → "run").

    Stop words are scikit-learn's English list unless you connect a dataset of your own to the Stop
    words port (its first column, one word per row). Lemmatization uses the simplemma dictionary
    bundled with the product, so it works offline; it looks words up one by one (no part-of-speech
    tagging), so the rare word whose lemma depends on context gets its most common one.
    """

    key = "text_analytics.preprocess_text"
    title = "Preprocess Text"
    category = Category.TEXT_ANALYTICS
    inputs = (
        Port("dataset", "Dataset", PortType.DATASET),
        Port("stop_words", "Stop words", PortType.DATASET, optional=True),
    )
    outputs = (Port("results_dataset", "Results dataset", PortType.DATASET),)
    params = (
        ChoiceParam("language", "Language", default="English", choices=("English",)),
        ColumnsParam("text_column_to_clean", "Text column to clean", port="dataset", single=True),
        BoolParam("remove_stop_words", "Remove stop words", default=True),
        BoolParam("use_lemmatization", "Use lemmatization", default=True),
        BoolParam("detect_sentences", "Detect sentences", default=True),
        BoolParam("normalize_case_to_lowercase", "Normalize case to lowercase", default=True),
        BoolParam("remove_numbers", "Remove numbers", default=True),
        BoolParam("remove_special_characters", "Remove special characters", default=True),
        BoolParam("remove_duplicate_characters", "Remove duplicate characters", default=True),
        BoolParam("remove_email_addresses", "Remove email addresses", default=True),
        BoolParam("remove_urls", "Remove URLs", default=True),
        BoolParam(
            "expand_verb_contractions",
            "Expand verb contractions",
            default=True,
            visible_when={"language": ("English",)},
        ),
        BoolParam("normalize_backslashes_to_slashes", "Normalize backslashes to slashes", default=True),
        BoolParam("split_tokens_on_special_characters", "Split tokens on special characters", default=True),
        StringParam(
            "custom_regular_expression",
            "Custom regular expression",
            optional=True,
            description="Applied first; every match is replaced by the custom replacement string.",
        ),
        StringParam("custom_replacement_string", "Custom replacement string", optional=True),
    )

    def run(
        self, ctx: RunContext, params: dict[str, Any], dataset: DataTable, stop_words: DataTable | None = None
    ) -> dict[str, Any]:
        (column,) = text_columns(dataset, params["text_column_to_clean"], "text_column_to_clean")
        cleaner = TextCleaner.from_params(params, custom_stop_words(stop_words))
        series = dataset.df[column]
        cleaned = [None if pd.isna(text) else cleaner.clean(str(text)) for text in series]
        output = pd.DataFrame({f"Preprocessed {column}": pd.Series(cleaned, dtype=object)})
        return {"results_dataset": append_columns(dataset, output)}


def custom_stop_words(table: DataTable | None) -> frozenset[str] | None:
    if table is None:
        return None
    if not table.columns or column_kind(table.df[table.columns[0]]) not in ("string", "categorical"):
        raise ModuleError(
            "invalid_stop_words",
            "The Stop words dataset must have the stop words, one per row, in its first column.",
            port="stop_words",
        )
    return frozenset(str(w).strip().lower() for w in table.df[table.columns[0]].dropna())


class TextCleaner:
    """The cleaning steps chosen by the parameters, applied to one text at a time."""

    def __init__(
        self,
        options: dict[str, Any],
        stop_words: frozenset[str],
        custom_pattern: re.Pattern[str] | None,
        replacement: str,
    ) -> None:
        self.options = options
        self.stop_words = stop_words
        self.custom_pattern = custom_pattern
        self.replacement = replacement

    @classmethod
    def from_params(cls, params: dict[str, Any], stop_words: frozenset[str] | None) -> TextCleaner:
        pattern = None
        if params["custom_regular_expression"]:
            try:
                pattern = re.compile(params["custom_regular_expression"])
            except re.error as exc:
                raise ModuleError(
                    "invalid_regular_expression",
                    f"The custom regular expression is not valid: {exc}. Check its brackets and escapes.",
                    parameter="custom_regular_expression",
                ) from None
        return cls(
            params,
            stop_words if stop_words is not None else frozenset(ENGLISH_STOP_WORDS),
            pattern,
            params["custom_replacement_string"] or "",
        )

    def clean(self, text: str) -> str:
        on = self.options
        if self.custom_pattern is not None:
            text = self.custom_pattern.sub(self.replacement, text)
        if on["remove_email_addresses"]:
            text = EMAIL.sub(" ", text)
        if on["remove_urls"]:
            text = URL.sub(" ", text)
        if on["normalize_backslashes_to_slashes"]:
            text = text.replace("\\", "/")
        if on["expand_verb_contractions"]:
            text = expand_contractions(text)
        sentences = split_sentences(text) if on["detect_sentences"] else [text]
        cleaned = [" ".join(self.clean_tokens(s.split())) for s in sentences]
        return f" {SENTENCE_SEPARATOR} ".join(s for s in cleaned if s)

    def clean_tokens(self, tokens: list[str]) -> list[str]:
        on = self.options
        steps: list[Callable[[str], str]] = []
        if on["normalize_case_to_lowercase"]:
            steps.append(str.lower)
        if on["remove_numbers"]:
            steps.append(lambda t: "" if NUMBER_TOKEN.fullmatch(t) else t)
        if on["remove_special_characters"]:
            steps.append(lambda t: NOT_ALPHANUMERIC.sub("", t))
        if on["remove_duplicate_characters"]:
            steps.append(lambda t: REPEATED_CHARACTER.sub(r"\1\1", t))
        if on["remove_numbers"]:  # before splitting, so "3.5" goes whole rather than leaving its "."
            tokens = [t for t in tokens if not NUMBER_TOKEN.fullmatch(t)]
        if on["split_tokens_on_special_characters"]:
            tokens = [part for token in tokens for part in WORD_OR_SYMBOLS.findall(token)]
        out: list[str] = []
        for original in tokens:
            token = original
            for step in steps:
                token = step(token)
            if not token:
                continue
            if on["use_lemmatization"]:
                token = lemmatize(token)
            # Checked after lemmatizing too, so "doing" does not come out as the stop word "do".
            if on["remove_stop_words"] and (
                original.lower() in self.stop_words or token.lower() in self.stop_words
            ):
                continue
            out.append(token)
        return out


def expand_contractions(text: str) -> str:
    text = text.replace("\u2019", "'")  # typographic apostrophe
    for pattern, replacement in _CONTRACTION_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def split_sentences(text: str) -> list[str]:
    pieces = [p for p in SENTENCE_END.split(text) if p and p.strip()]
    sentences: list[str] = []
    for piece in pieces:
        # "Dr. Smith" is one sentence: glue a piece back when the previous one ends in an abbreviation.
        last_word = sentences[-1].rsplit(None, 1)[-1].rstrip(".").lower() if sentences else ""
        if sentences and sentences[-1].endswith(".") and last_word in ABBREVIATIONS:
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


@lru_cache(maxsize=200_000)
def lemmatize(token: str) -> str:
    try:
        import simplemma  # imported on first use: its dictionaries take a moment to load
    except ImportError:
        raise ModuleError(
            "missing_dependency",
            "Lemmatization needs the simplemma package, which is missing from this installation. Reinstall "
            "the designer, or turn off Use lemmatization.",
            parameter="use_lemmatization",
        ) from None

    lemma = simplemma.lemmatize(token, lang="en")
    # The dictionary capitalises some lemmas ("dr" -> "Dr"); a lower-case word stays lower-case.
    return lemma.lower() if token.islower() else lemma
