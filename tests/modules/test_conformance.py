"""One conformance test over the whole registry: every module honours the SDK's contract."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pandas as pd
import pytest

from modules.sdk import (
    DataTable,
    Evaluation,
    Learner,
    ModuleError,
    PortType,
    RunContext,
    TrainedModel,
    Transformation,
    all_modules,
    codecs,
)
from modules.sdk.params import ChoiceParam, FloatParam, IntParam
from tests.modules.examples import all_examples

EXAMPLES = all_examples()
MODULES = {m.key: m for m in all_modules()}

EXPECTED_TYPES: dict[PortType, type | tuple[type, ...]] = {
    PortType.DATASET: DataTable,
    PortType.UNTRAINED_MODEL: Learner,
    PortType.TRAINED_MODEL: TrainedModel,
    PortType.TRANSFORMATION: Transformation,
    PortType.EVALUATION: Evaluation,
    PortType.UNTRAINED_CLUSTER_MODEL: Learner,
    PortType.TRAINED_CLUSTER_MODEL: TrainedModel,
    PortType.SCRIPT_BUNDLE: bytes,
}


def test_every_module_has_an_example() -> None:
    assert sorted(set(MODULES) - set(EXAMPLES)) == []
    assert sorted(set(EXAMPLES) - set(MODULES)) == [], "examples for modules that are not registered"


@pytest.fixture(params=sorted(MODULES), ids=str)
def module(request: pytest.FixtureRequest):
    return MODULES[request.param]


def _run(module, seed: int = 7) -> dict[str, Any]:
    example = EXAMPLES[module.key]
    return module.execute(
        RunContext(seed=seed, services=example.services()), dict(example.params), **example.inputs()
    )


def test_declaration_is_complete(module) -> None:
    assert module.help_text(), "the palette shows the docstring as help"
    assert module.key.count(".") == 1 and module.key == module.key.lower()
    assert module.title and module.category
    spec = module.spec()
    json.dumps(spec)  # the parameter schema renders as JSON
    assert list(spec["params_schema"]["properties"]) == [p.name for p in module.params]
    names = [p.name for p in module.inputs] + [p.name for p in module.outputs]
    assert len(set(p.name for p in module.inputs)) == len(module.inputs)
    assert len(set(p.name for p in module.outputs)) == len(module.outputs)
    assert all(n.isidentifier() for n in names)


def test_runs_and_outputs_match_ports(module) -> None:
    outputs = _run(module)
    for port in module.outputs:
        value = outputs.get(port.name)
        if value is None:
            assert port.optional, f"output {port.name} is missing"
            continue
        expected = EXPECTED_TYPES.get(port.type)
        if expected is not None:
            assert isinstance(value, expected), f"{port.name}: {type(value).__name__} is not a {expected}"
        data, _ = codecs.encode(port.type, value)
        restored = codecs.decode(port.type, data)
        assert _fingerprint(port.type, restored) == _fingerprint(port.type, value)


def test_same_seed_same_outputs(module) -> None:
    example = EXAMPLES[module.key]
    if example.determinism == "skip":
        pytest.skip(example.reason)
    first, second = _run(module), _run(module)
    for port in module.outputs:
        if first.get(port.name) is None:
            continue
        assert _fingerprint(port.type, first[port.name]) == _fingerprint(port.type, second[port.name]), (
            port.name
        )


def test_refuses_bad_parameters(module) -> None:
    example = EXAMPLES[module.key]
    name, value = example.bad_param or _out_of_range(module) or ("no_such_parameter", 1)
    params = {**example.params, name: value}
    with pytest.raises(ModuleError) as caught:
        module.execute(RunContext(), params, **example.inputs())
    error = caught.value
    assert error.parameter == name, error.as_dict()
    assert error.code in {
        "parameter_out_of_range",
        "invalid_parameter",
        "invalid_choice",
        "unknown_parameter",
    }
    assert error.message and "Traceback" not in error.message


def _out_of_range(module) -> tuple[str, Any] | None:
    defaults = {p.name: p.default for p in module.params}
    for param in module.params:
        if not param.is_visible(defaults):
            continue
        if isinstance(param, (IntParam, FloatParam)) and param.min is not None:
            return param.name, param.min - 1
        if isinstance(param, (IntParam, FloatParam)) and param.max is not None:
            return param.name, param.max + 1
    for param in module.params:
        if isinstance(param, ChoiceParam) and param.is_visible(defaults):
            return param.name, "not one of the choices"
    return None


def _fingerprint(port_type: PortType, value: Any) -> Any:
    if port_type == PortType.DATASET:
        frame: pd.DataFrame = value.df
        return (frame.to_json(orient="split", double_precision=15, date_format="iso"), value.meta_json())
    if port_type == PortType.EVALUATION:
        return json.dumps(value.as_dict(), sort_keys=True, default=str)
    if isinstance(value, bytes):
        return value
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
