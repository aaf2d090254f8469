from tests.modules import data
from tests.modules.examples import Example

EXAMPLES = {
    "data_transformation.select_columns_in_dataset": Example(
        inputs=lambda: {"dataset": data.penguins()},
        params={"select_columns": {"rules": [{"op": "include", "kind": "numeric"}]}},
        bad_param=("select_columns", 42),
    ),
}
