"""Text analytics modules: clean text, and turn it into features (n-grams, hashing, topics, embeddings)."""

from . import (  # noqa: F401
    feature_hashing,
    latent_dirichlet_allocation,
    ngram_features,
    preprocess_text,
    word_to_vector,
)
