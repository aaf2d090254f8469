from tests.modules import data
from tests.modules.examples import Example
from tests.modules.examples._training_helpers import learner

LEARNERS = [
    "classification.two_class_averaged_perceptron",
    "classification.two_class_boosted_decision_tree",
    "classification.two_class_decision_forest",
    "classification.two_class_logistic_regression",
    "classification.two_class_neural_network",
    "classification.two_class_support_vector_machine",
    "classification.two_class_xgboost",
    "classification.multiclass_boosted_decision_tree",
    "classification.multiclass_decision_forest",
    "classification.multiclass_logistic_regression",
    "classification.multiclass_neural_network",
    "classification.multiclass_xgboost",
]

EXAMPLES = {key: Example() for key in LEARNERS}
EXAMPLES["classification.two_class_neural_network"] = Example(bad_param=("number_of_hidden_nodes", "ten"))
EXAMPLES["classification.two_class_logistic_regression"] = Example(
    params={"create_trainer_mode": "Parameter Range", "l2_regularization_weight_range": "0.1; 1"},
    bad_param=("l1_regularization_weight_range", "0.1; -1"),
)
for _key in ("classification.one_vs_all_multiclass", "classification.one_vs_one_multiclass"):
    EXAMPLES[_key] = Example(
        inputs=lambda: {
            "untrained_binary_classification_model": learner("classification.two_class_logistic_regression")
        }
    )

# The data each learner is trained on in the conformance of Train Model lives in training.py; here we only
# need the module to exist for the reference tests' data loaders.
_ = data
