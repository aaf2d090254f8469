"""Choosing the runner, refusing clearly when the sandbox cannot start, and the seccomp program itself.
None of these need bubblewrap to be installed."""

from __future__ import annotations

import struct
import subprocess
import sys
from typing import Any

import pytest

from modules.python_language import runner as script_runner
from modules.python_language.create_python_model import PythonScriptLearner, PythonScriptModel
from modules.python_language.sandbox import BubblewrapRunner, SandboxLimits, configured_runner
from modules.python_language.seccomp_filter import ARCHITECTURES, UnsupportedArchitecture, seccomp_program
from modules.sdk import ModuleError, RunContext, get_module
from tests.modules import data

EXECUTE = "python_language.execute_python_script"
CREATE_MODEL = "python_language.create_python_model"
MISSING = BubblewrapRunner(bwrap="/nonexistent/bwrap")


def test_the_setting_picks_the_runner() -> None:
    assert isinstance(configured_runner("none"), script_runner.SubprocessRunner)
    sandbox = configured_runner("bubblewrap", memory_mb=1024, protected_paths=["/srv/var"])
    assert isinstance(sandbox, BubblewrapRunner)
    assert sandbox.limits == SandboxLimits(memory_mb=1024)
    assert configured_runner(" Bubblewrap ", memory_mb=1024, protected_paths=["/srv/var"]) is sandbox, (
        "one runner per configuration, so the start-up probe runs once per process"
    )
    assert configured_runner("bubblewrap", cpu_seconds=None) is configured_runner("bubblewrap")
    with pytest.raises(ValueError, match="'bubblewrap' or 'none'"):
        configured_runner("docker")


def test_library_use_keeps_the_plain_subprocess_runner() -> None:
    """Without the designer (which installs its configured runner when Django starts, so also under
    pytest-django), modules run scripts as plain child processes."""
    fresh = subprocess.run(
        [
            sys.executable,
            "-c",
            "from modules.python_language import runner; print(type(runner.default_runner()).__name__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert fresh.stdout.strip() == "SubprocessRunner"
    assert script_runner.runner_for({}) is script_runner.default_runner()
    assert script_runner.runner_for({"python_script_runner": MISSING}) is MISSING


def assert_unavailable(error: ModuleError) -> None:
    assert error.code == "sandbox_unavailable"
    assert "bwrap program is not installed" in error.message
    assert "apt-get install bubblewrap" in error.message and "DESIGNER_SANDBOX=none" in error.message


def test_scripts_are_refused_when_the_sandbox_cannot_start() -> None:
    ctx = RunContext(services={"python_script_runner": MISSING})
    with pytest.raises(ModuleError) as caught:
        get_module(EXECUTE).execute(ctx, {}, dataset1=data.iris())
    assert_unavailable(caught.value)
    with pytest.raises(ModuleError) as caught:  # refused on the Create Python Model node itself
        get_module(CREATE_MODEL).execute(ctx, {})
    assert_unavailable(caught.value)
    with pytest.raises(ModuleError) as caught:  # and when training
        PythonScriptLearner("class AzureMLModel:\n    pass\n", 10).fit(ctx, data.iris(), "species")
    assert_unavailable(caught.value)


def test_scoring_a_python_model_uses_the_default_runner() -> None:
    model = PythonScriptModel("class AzureMLModel:\n    pass\n", b"", ["sepal length (cm)"], 10, 0)
    previous = script_runner.default_runner()
    script_runner.set_default_runner(MISSING)
    try:
        with pytest.raises(ModuleError) as caught:
            model.score(data.iris())
    finally:
        script_runner.set_default_runner(previous)
    assert_unavailable(caught.value)


def test_the_probe_runs_once_and_explains_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = BubblewrapRunner(bwrap="/nonexistent/bwrap")
    calls = []
    original = runner._probe

    def counting() -> Any:
        calls.append(1)
        return original()

    monkeypatch.setattr(runner, "_probe", counting)
    for _ in range(3):
        with pytest.raises(ModuleError):
            runner.ensure_available()
    assert calls == [1]

    inside = BubblewrapRunner(protected_paths=(sys.prefix,))
    if inside.bwrap is not None:
        assert "contains the protected path" in (inside.problem() or "")

    broken = BubblewrapRunner(bwrap="/bin/false")
    assert "bwrap failed to start" in (broken.problem() or "")


def test_seccomp_programs_are_well_formed() -> None:
    for machine in ARCHITECTURES:
        program = seccomp_program(machine)
        assert len(program) % 8 == 0 and 20 < len(program) // 8 < 256  # jumps are 8-bit offsets
        instructions = [struct.unpack("=HBBI", program[i : i + 8]) for i in range(0, len(program), 8)]
        assert instructions[0] == (0x20, 0, 0, 4), "starts by checking the architecture"
        assert instructions[-1] == (0x06, 0, 0, 0x7FFF0000), "allows what it does not deny"
        for position, (code, jt, jf, _) in enumerate(instructions):
            if code & 0x07 == 0x05:  # a jump: both targets inside the program
                assert position + 1 + max(jt, jf) < len(instructions)
    with pytest.raises(UnsupportedArchitecture):
        seccomp_program("riscv64")
