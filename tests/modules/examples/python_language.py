from tests.modules import data
from tests.modules.examples import Example

EXAMPLES = {
    "python_language.execute_python_script": Example(
        inputs=lambda: {"dataset1": data.iris(), "dataset2": data.wine()},
    ),
    "python_language.create_python_model": Example(),
}
