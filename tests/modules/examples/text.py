from tests.modules import data
from tests.modules.examples import Example

EXAMPLES = {
    "text_analytics.preprocess_text": Example(
        inputs=lambda: {"dataset": data.fine_food_reviews(40)},
        params={"text_column_to_clean": "review"},
    ),
    "text_analytics.extract_n_gram_features_from_text": Example(
        inputs=lambda: {"dataset": data.fine_food_reviews(60)},
        params={"text_column": "review", "n_grams_size": 2, "minimum_n_gram_document_absolute_frequency": 3},
    ),
    "text_analytics.feature_hashing": Example(
        inputs=lambda: {"dataset": data.fine_food_reviews(30)},
        params={"target_column": "review", "hashing_bitsize": 6},
    ),
    "text_analytics.latent_dirichlet_allocation": Example(
        inputs=lambda: {"dataset": data.fine_food_reviews(40)},
        params={"target_columns": "review", "number_of_topics_to_model": 3},
    ),
    "text_analytics.convert_word_to_vector": Example(
        inputs=lambda: {"dataset": data.fine_food_reviews(60)},
        params={
            "target_column": "review",
            "minimum_count_of_one_word": 2,
            "length_of_word_embedding": 10,
            "number_of_epochs": 2,
        },
    ),
}
