from tests.modules import data
from tests.modules.examples import Example

EXAMPLES = {
    "web_service.web_service_input": Example(
        inputs=lambda: {"dataset": data.penguins()},
        bad_param=("name", "not a name!"),
    ),
    "web_service.web_service_output": Example(
        inputs=lambda: {"dataset": data.penguins()},
        bad_param=("name", "not a name!"),
    ),
}
