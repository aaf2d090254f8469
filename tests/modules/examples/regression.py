from tests.modules.examples import Example

EXAMPLES = {
    "regression.bayesian_linear_regression": Example(),
    "regression.boosted_decision_tree_regression": Example(),
    "regression.decision_forest_regression": Example(),
    "regression.fast_forest_quantile_regression": Example(
        bad_param=("quantiles_to_be_estimated", "0.5; 1.5")
    ),
    "regression.linear_regression": Example(params={"solution_method": "Online Gradient Descent"}),
    "regression.neural_network_regression": Example(),
    "regression.poisson_regression": Example(),
    "regression.xgboost_regression": Example(),
}
