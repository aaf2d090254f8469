"""Execute Python Script and Create Python Model: results against pandas / scikit-learn run directly,
the process boundary (clean environment, seeds, timeout, cancellation) and the user-facing errors."""

from __future__ import annotations

import base64
import io
import logging
import threading
import time
import zipfile
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from modules.python_language.create_python_model import PythonScriptLearner, PythonScriptModel
from modules.sdk import CancelledError, DataTable, ModuleError, PortType, RunContext, codecs, get_module
from tests.modules import data

EXECUTE = "python_language.execute_python_script"
CREATE_MODEL = "python_language.create_python_model"


def execute(script: str, ctx: RunContext | None = None, **inputs: Any) -> dict[str, Any]:
    return get_module(EXECUTE).execute(ctx or RunContext(seed=4), {"python_script": script}, **inputs)


def script_error(script: str, **inputs: Any) -> ModuleError:
    with pytest.raises(ModuleError) as caught:
        execute(script, **inputs)
    error = caught.value
    assert "Traceback" not in error.message and "_child.py" not in error.message + (error.hint or "")
    return error


def test_script_results_match_pandas_and_keep_metadata() -> None:
    iris = data.iris().with_meta("species", is_label=True)
    penguins = data.penguins()
    script = """
import numpy as np

def azureml_main(dataframe1=None, dataframe2=None):
    means = dataframe1.groupby("species").mean()
    wide = dataframe1.assign(ratio=dataframe1["petal length (cm)"] / dataframe1["petal width (cm)"])
    print("rows:", len(dataframe1), len(dataframe2))
    return wide, means.join(dataframe2.groupby("species")[["body_mass_g"]].count(), how="outer")
"""
    out = execute(script, dataset1=iris, dataset2=penguins)
    frame = iris.df
    expected = frame.assign(ratio=frame["petal length (cm)"] / frame["petal width (cm)"])
    pd.testing.assert_frame_equal(out["result_dataset"].df, expected)
    assert out["result_dataset"].meta["species"].is_label, "same-named columns keep their metadata"
    joined = (
        frame.groupby("species")
        .mean()
        .join(penguins.df.groupby("species")[["body_mass_g"]].count(), how="outer")
    )
    pd.testing.assert_frame_equal(out["result_dataset2"].df, joined.reset_index(), check_dtype=False)
    device = out["python_device"].df
    assert device.loc[device["Kind"] == "stdout", "Content"].tolist() == ["rows: 150 344\n"]
    pd.testing.assert_frame_equal(iris.df, data.iris().df)  # inputs untouched


def test_default_script_passes_the_dataset_through_and_logs_its_output(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        out = get_module(EXECUTE).execute(RunContext(), {}, dataset1=data.wine())
    pd.testing.assert_frame_equal(out["result_dataset"].df, data.wine().df)
    assert out["result_dataset2"].df.empty
    assert any("Input pandas.DataFrame #1" in r.getMessage() for r in caplog.records)


def test_script_runs_seeded_in_a_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESIGNER_TEST_SECRET", "do-not-leak")
    script = """
import os, random
import numpy as np
import pandas as pd

def azureml_main(dataframe1=None, dataframe2=None):
    return pd.DataFrame({
        "numpy": np.random.rand(3),
        "python": [random.random() for _ in range(3)],
        "secret": [os.environ.get("DESIGNER_TEST_SECRET", "absent")] * 3,
        "got_inputs": [dataframe1 is None and dataframe2 is None] * 3,
    })
"""
    out = execute(script, ctx=RunContext(seed=42))["result_dataset"].df
    np.testing.assert_array_equal(out["numpy"], np.random.RandomState(42).rand(3))
    import random

    expected = random.Random(42)
    assert out["python"].tolist() == [expected.random() for _ in range(3)]
    assert out["secret"].tolist() == ["absent"] * 3 and out["got_inputs"].all()


def test_script_bundle_is_importable_and_refused_when_unsafe() -> None:
    def bundle(files: dict[str, str]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, text in files.items():
                archive.writestr(name, text)
        return buffer.getvalue()

    script = """
import helpers
import matplotlib.pyplot as plt

def azureml_main(dataframe1=None, dataframe2=None):
    return helpers.double(dataframe1[["alcohol"]]), helpers.read_note()
"""
    helpers = (
        "import pandas as pd\n"
        "def double(df):\n    return df * 2\n"
        "def read_note():\n    return pd.DataFrame({'note': [open('Script Bundle/note.txt').read()]})\n"
    )
    # matplotlib is not installed here, so the bundle brings a stand-in pyplot with one open figure:
    # the figure must come back on the Python device output.
    pyplot = (
        "class Figure:\n"
        "    def savefig(self, path, format=None):\n"
        "        open(path, 'wb').write(b'PNG bytes')\n"
        "def get_fignums():\n    return [3]\n"
        "def figure(number):\n    return Figure()\n"
    )
    files = {
        "helpers.py": helpers,
        "note.txt": "hi",
        "matplotlib/__init__.py": "",
        "matplotlib/pyplot.py": pyplot,
    }
    out = execute(script, dataset1=data.wine(), script_bundle=bundle(files))
    pd.testing.assert_frame_equal(out["result_dataset"].df, data.wine().df[["alcohol"]] * 2)
    assert out["result_dataset2"].df["note"].tolist() == ["hi"]
    figures = out["python_device"].df.query("Kind == 'figure'")
    assert figures["Name"].tolist() == ["figure_3.png"]
    assert figures["Content"].tolist() == ["data:image/png;base64," + base64.b64encode(b"PNG bytes").decode()]
    for bad in (b"not a zip", bundle({"../escape.py": "x = 1"})):
        error = script_error(script, dataset1=data.wine(), script_bundle=bad)
        assert error.code == "invalid_script_bundle" and error.port == "script_bundle"


def test_script_errors_name_the_users_line() -> None:
    failing = """import pandas as pd

def helper(frame):
    return frame["no such column"]

def azureml_main(dataframe1=None, dataframe2=None):
    return helper(dataframe1)
"""
    error = script_error(failing, dataset1=data.iris())
    assert error.code == "script_error"
    assert error.message.startswith("Your Python script failed at line 4: KeyError:"), error.message
    assert "line 7, in azureml_main" in error.hint and "line 4, in helper" in error.hint

    syntax = script_error("def azureml_main(dataframe1=None, dataframe2=None):\n    return (\n\n")
    assert syntax.code == "script_error" and "SyntaxError" in syntax.message

    assert script_error("x = 1\n").code == "missing_entry_point"
    wrong = script_error("def azureml_main(dataframe1=None, dataframe2=None):\n    return 42\n")
    assert wrong.code == "invalid_script_output"
    crashed = script_error(
        "import os\n\ndef azureml_main(dataframe1=None, dataframe2=None):\n    os._exit(3)\n"
    )
    assert crashed.code == "script_crashed" and "exit code 3" in crashed.message
    exits = script_error(
        "import sys\n\ndef azureml_main(dataframe1=None, dataframe2=None):\n    sys.exit(2)\n"
    )
    assert exits.code == "script_error" and "line 4" in exits.message


def test_runaway_script_stops_at_the_timeout_and_on_cancel() -> None:
    forever = "import time\n\ndef azureml_main(dataframe1=None, dataframe2=None):\n    while True:\n        time.sleep(0.1)\n"
    started = time.monotonic()
    with pytest.raises(ModuleError) as caught:
        get_module(EXECUTE).execute(RunContext(), {"python_script": forever, "timeout_seconds": 1})
    assert caught.value.code == "script_timeout" and caught.value.parameter == "timeout_seconds"
    assert time.monotonic() - started < 10
    ctx = RunContext()
    threading.Timer(0.5, ctx.cancel_event.set).start()
    started = time.monotonic()
    with pytest.raises(CancelledError):
        get_module(EXECUTE).execute(ctx, {"python_script": forever})
    assert time.monotonic() - started < 10


def test_caching_follows_the_deterministic_parameter() -> None:
    module = get_module(EXECUTE)
    assert module.is_deterministic(module.validate_params({}))
    assert not module.is_deterministic(module.validate_params({"deterministic": False}))


# -- Create Python Model ----------------------------------------------------------------------------


def split_iris() -> tuple[DataTable, DataTable]:
    frame = data.iris().df.sample(frac=1.0, random_state=0).reset_index(drop=True)
    train = DataTable(frame.iloc[:100].reset_index(drop=True)).with_meta("species", is_label=True)
    test = DataTable(frame.iloc[100:].reset_index(drop=True))
    return train, test


@pytest.mark.slow  # two script processes import scikit-learn (seconds each without compiled bytecode)
def test_default_python_model_matches_sklearn_logistic_regression() -> None:
    learner = get_module(CREATE_MODEL).execute(RunContext(), {})["untrained_model"]
    learner = codecs.decode(PortType.UNTRAINED_MODEL, codecs.encode(PortType.UNTRAINED_MODEL, learner)[0])
    assert isinstance(learner, PythonScriptLearner) and learner.task == "custom"
    train, test = split_iris()
    model = learner.fit(RunContext(seed=1), train, None)
    assert isinstance(model.state, bytes) and model.label_column == "species"
    restored = codecs.decode(PortType.TRAINED_MODEL, codecs.encode(PortType.TRAINED_MODEL, model)[0])
    scores = restored.score(test)
    features = [c for c in train.columns if c != "species"]
    expected = LogisticRegression().fit(train.df[features], train.df["species"]).predict(test.df[features])
    assert scores["Scored Labels"].tolist() == expected.tolist()
    assert list(scores.index) == list(test.df.index)


MEAN_MODEL = """
import pandas as pd

class AzureMLModel:
    def __init__(self):
        self.centres = None

    def train(self, df_train, df_label):
        self.centres = df_train.groupby(df_label.values).mean()

    def predict(self, df):
        distances = pd.DataFrame({c: ((df - row) ** 2).sum(axis=1) for c, row in self.centres.iterrows()})
        scores = distances.rdiv(1.0)
        scores = scores.div(scores.sum(axis=1), axis=0)
        out = pd.DataFrame({"Scored Labels": distances.idxmin(axis=1)})
        for c in scores.columns:
            out[f"Scored Probabilities_{c}"] = scores[c].values
        return out
"""


def test_custom_python_model_trains_and_scores_like_pandas() -> None:
    train, test = split_iris()
    train.df.loc[0, "species"] = None  # rows without a label are left out of training
    learner = get_module(CREATE_MODEL).execute(RunContext(), {"python_script": MEAN_MODEL})["untrained_model"]
    scores = learner.fit(RunContext(), train, "species").score(test)
    features = [c for c in train.columns if c != "species"]
    centres = train.df.dropna(subset=["species"]).groupby("species")[features].mean()
    distances = pd.DataFrame(
        {c: ((test.df[features] - row) ** 2).sum(axis=1) for c, row in centres.iterrows()}
    )
    assert scores["Scored Labels"].tolist() == distances.idxmin(axis=1).tolist()
    inverse = 1.0 / distances
    for species in centres.index:
        np.testing.assert_allclose(
            scores[f"Scored Probabilities_{species}"], inverse[species] / inverse.sum(axis=1), rtol=1e-12
        )


def test_python_model_errors() -> None:
    module = get_module(CREATE_MODEL)
    with pytest.raises(ModuleError) as caught:
        module.execute(RunContext(), {"python_script": "class AzureMLModel:\n    def train(self, a, b)\n"})
    assert caught.value.code == "script_error" and "line 2" in caught.value.message
    with pytest.raises(ModuleError) as caught:
        module.execute(RunContext(), {"python_script": "class Model:\n    pass\n"})
    assert caught.value.code == "missing_entry_point"

    train, test = split_iris()
    unlabelled = DataTable(train.df.copy())
    learner = module.execute(RunContext(), {})["untrained_model"]
    with pytest.raises(ModuleError) as caught:
        learner.fit(RunContext(), unlabelled, None)
    assert caught.value.code == "missing_label"

    broken = MEAN_MODEL.replace("self.centres = df_train", "self.centres = 1 / 0 + df_train")
    with pytest.raises(ModuleError) as caught:
        PythonScriptLearner(broken, 60).fit(RunContext(), train, "species")
    assert caught.value.code == "script_error" and "line 9" in caught.value.message

    no_labels = MEAN_MODEL.replace('"Scored Labels"', '"label"')
    model = PythonScriptLearner(no_labels, 60).fit(RunContext(), train, "species")
    with pytest.raises(ModuleError) as caught:
        model.score(test)
    assert caught.value.code == "invalid_script_output"
    assert isinstance(model, PythonScriptModel)
    with pytest.raises(ModuleError) as caught:
        model.score(DataTable(test.df.drop(columns=["sepal width (cm)"])))
    assert caught.value.code == "missing_column"
