"""What needs no OpenHands: registration, the venv checks and their messages, the driver's output read as data,
failures by cause, the endpoint, the task message, and the setup command's choice of interpreter."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from openhands_helpers import running

from tinkerer_core import (
    AgentRequest,
    ConfigError,
    LLMConfig,
    LLMLedger,
    MissingPluginError,
    TinkererError,
    create_component,
    get_manager,
)
from tinkerer_core.cli import main as tinkerer_main
from tinkerer_core.gateway import LazyLLM
from tinkerer_plugin_openhands import agent as agent_module
from tinkerer_plugin_openhands import report, setup
from tinkerer_plugin_openhands.agent import OpenHandsAgent
from tinkerer_plugin_openhands.endpoint import Endpoint
from tinkerer_plugin_openhands.prompts import message
from tinkerer_plugin_openhands.report import DriverRun, parse_driver_output

MakeRequest = Callable[..., AgentRequest]


def driver_run(data: dict | None, **fields: object) -> DriverRun:
    """A driver run that printed ``data``."""
    values: dict = {"exit_code": 0, "stderr": "", "timed_out": False, "duration_s": 1.0, **fields}
    return DriverRun(data=data, **values)


def causes(ledger: LLMLedger) -> list[str]:
    return [data["cause"] for kind, data in ledger.events if kind == "failure"]


def test_the_entry_point_registers_openhands() -> None:
    manager = get_manager()
    assert "openhands" in manager.names("coding_agent")
    agent = create_component("coding_agent", "openhands", {"function_calling": "prompt", "max_iterations": 5})
    assert isinstance(agent, OpenHandsAgent) and agent.function_calling == "prompt" and agent.max_iterations == 5


def test_a_missing_venv_names_the_setup_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_request: MakeRequest
) -> None:
    monkeypatch.setenv(setup.VENV_ENV_VAR, str(tmp_path))  # an empty folder: no bin/python
    with pytest.raises(MissingPluginError) as raised:
        OpenHandsAgent(model="gpt-4o-mini").implement(make_request())
    assert f"OpenHands' virtual environment is missing at {tmp_path}" in str(raised.value)
    assert f"tinkerer openhands setup --venv {tmp_path}" in str(raised.value)


def test_a_venv_without_the_sdk_names_the_setup_command(bare_venv: Path, make_request: MakeRequest) -> None:
    with pytest.raises(MissingPluginError, match=r"the OpenHands SDK is not installed in .*--force"):
        OpenHandsAgent(model="gpt-4o-mini", venv=str(bare_venv)).implement(make_request())


def test_a_driver_crash_is_an_error_with_the_stderr_tail(
    bare_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_request: MakeRequest, ledger: LLMLedger
) -> None:
    crashing = tmp_path / "crashing_driver.py"
    crashing.write_text(
        'import sys\nprint("not a result")\nprint("RuntimeError: broke", file=sys.stderr)\nsys.exit(3)\n'
    )
    monkeypatch.setattr(agent_module, "DRIVER", crashing)
    result = OpenHandsAgent(model="gpt-4o-mini", venv=str(bare_venv)).implement(make_request())
    assert result.error.startswith("openhands' driver exited with code 3 without a result")
    assert "RuntimeError: broke" in result.error
    assert causes(ledger) == ["driver_crash"]


def test_a_timeout_ends_the_drivers_whole_tree(
    bare_venv: Path,
    tmp_path: Path,
    worktree: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_request: MakeRequest,
    ledger: LLMLedger,
) -> None:
    pid_file = worktree / "child.pid"  # the driver may write nowhere else
    sleeper = tmp_path / "sleeping_driver.py"
    sleeper.write_text(
        textwrap.dedent(f"""
        import subprocess, sys, time
        child = subprocess.Popen(["setsid", "sleep", "60"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(60)
        """)
    )
    monkeypatch.setattr(agent_module, "DRIVER", sleeper)
    result = OpenHandsAgent(model="gpt-4o-mini", venv=str(bare_venv), timeout_s=1.5).implement(make_request())
    assert result.error == "openhands timed out after 1.5 s; its processes were ended"
    assert causes(ledger) == ["timeout"]
    assert not running(int(pid_file.read_text()))  # it left the group (setsid): the supervisor ended it all the same


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
def test_a_killed_owner_leaves_no_process_behind(
    bare_venv: Path, tmp_path: Path, worktree: Path, signal_number: int
) -> None:
    pid_file = worktree / "child.pid"
    sleeper = tmp_path / "sleeping_driver.py"
    sleeper.write_text(
        f"import subprocess, time\nchild = subprocess.Popen(['setsid', 'sleep', '60'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\ntime.sleep(60)\n"
    )
    owner = textwrap.dedent(f"""
        from pathlib import Path
        from tinkerer_core.components import AgentRequest
        from tinkerer_plugin_openhands import agent
        agent.DRIVER = Path({str(sleeper)!r})
        request = AgentRequest(goal="g", workspace=Path({str(worktree)!r}), idea="")
        agent.OpenHandsAgent(model="gpt-4o-mini", venv={str(bare_venv)!r}).implement(request)
        """)
    process = subprocess.Popen([sys.executable, "-c", owner])
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline and process.poll() is None, "the driver never started"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        assert running(child)
        process.send_signal(signal_number)
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while running(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(child)
    finally:
        if process.poll() is None:
            process.kill()


def test_the_result_line_is_parsed_as_data() -> None:
    assert parse_driver_output('noise\n{"status": "finished"}\nmore noise\n') == {"status": "finished"}
    assert parse_driver_output('{"a": 1}\n{"b": 2}\n') == {"b": 2}
    assert parse_driver_output("{not json}\n[1, 2]\n") is None


def test_odd_values_in_the_result_count_as_nothing(make_request: MakeRequest, ledger: LLMLedger) -> None:
    data = {"calls": [{"prompt_tokens": "many", "cost": -3, "model": 7}, "not a call"], "reply": ["not text"]}
    result = report.result(make_request(), Endpoint("m"), driver_run(data), [], 10)
    assert (result.prompt_tokens, result.cost, result.error) == (0, 0.0, report.NOTHING_CHANGED)
    [(purpose, completion)] = ledger.calls
    assert (purpose, completion.model, completion.text) == ("agent:openhands", "?", "")


@pytest.mark.parametrize(
    ("data", "cause", "error"),
    [
        ({"status": "error", "error_code": "MaxIterationsReached", "error": "Agent reached maximum iterations limit (3)."},
         "max_iterations", "openhands stopped without finishing: Agent reached maximum iterations limit (3)."),
        ({"status": "stuck"}, "stuck", "openhands got stuck (the same step over and over) and stopped"),
        ({"status": "error", "error_code": "LLMContextWindowExceedError", "error": "too long"},
         "llm_error", "openhands failed: too long"),
        ({"status": "error", "error_code": "ValueError", "error": "bad"}, "agent_error", "openhands failed: bad"),
        ({"status": "finished"}, "no_change", report.NOTHING_CHANGED),
    ],
    ids=["max-iterations", "stuck", "llm", "agent", "no-change"],
)  # fmt: skip
def test_each_failure_is_noted_with_its_cause(
    make_request: MakeRequest, ledger: LLMLedger, data: dict, cause: str, error: str
) -> None:
    result = report.result(make_request(), Endpoint("m"), driver_run(data), [], 10)
    assert result.error == error
    assert causes(ledger) == [cause]


def test_a_run_that_changed_files_noted_no_failure(make_request: MakeRequest, ledger: LLMLedger) -> None:
    data = {"status": "error", "error_code": "MaxIterationsReached", "error": "limit"}
    result = report.result(make_request(), Endpoint("m"), driver_run(data), ["calc.py"], 10)
    assert (result.error, result.changed_files, causes(ledger)) == ("", ("calc.py",), [])


def test_secrets_never_reach_the_result(monkeypatch: pytest.MonkeyPatch, make_request: MakeRequest) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "abcd1234secretvalue")
    data = {"status": "error", "error": "bad key abcd1234secretvalue", "transcript": "server key local-key-98765"}
    target = Endpoint("openai/x", api_key="local-key-98765")
    result = report.result(make_request(), target, driver_run(data), [], 10)
    assert "abcd1234secretvalue" not in result.error and "[redacted]" in result.error
    assert "local-key-98765" not in result.transcript


def test_the_endpoint_follows_the_run_or_the_agent(make_request: MakeRequest) -> None:
    config = LLMConfig(model="openai/my-model", api_base="http://127.0.0.1:9/v1", temperature=0.2, retries=1)
    request = make_request(llm=LazyLLM(config, LLMLedger()), seed=42)
    run_model = OpenHandsAgent().endpoint(request)
    assert (run_model.model, run_model.base_url) == ("openai/my-model", "http://127.0.0.1:9/v1")
    assert run_model.settings == {
        "native_tool_calling": True,
        "seed": 42,
        "temperature": 0.2,
        "timeout": 120,
        "num_retries": 1,
    }
    other = OpenHandsAgent(model="anthropic/claude-sonnet-4-5", function_calling="prompt", max_tokens=99)
    target = other.endpoint(request)
    assert target.base_url is None  # the run's api_base is not its
    assert (target.settings["native_tool_calling"], target.settings["max_output_tokens"]) == (False, 99)
    own = OpenHandsAgent(model="openai/served", api_base="http://127.0.0.1:8/v1").endpoint(request)
    assert own.llm_arguments()["base_url"] == "http://127.0.0.1:8/v1"
    with pytest.raises(ConfigError, match="needs a model"):
        OpenHandsAgent().endpoint(make_request(llm=None))


def test_the_message_says_where_to_work_and_carries_the_request(worktree: Path, make_request: MakeRequest) -> None:
    request = make_request(parent_score=0.5, errors=("first error",), knowledge_context="use memoization")
    text = message(request, worktree, 8000)
    for expected in (
        f"the project in {worktree}",
        "# Goal\nadd(a, b) returns the sum of a and b",
        "# Idea\nfix add",
        "return a - b",  # calc.py's current text
        "Score: 0.5",
        "first error",
        "# Knowledge\nuse memoization",
    ):
        assert expected in text


def test_the_default_venv_location(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(setup.VENV_ENV_VAR, raising=False)
    assert setup.venv_path() == Path.home() / ".cache/tinkerer/openhands-venv"
    monkeypatch.setenv(setup.VENV_ENV_VAR, "/opt/openhands")
    assert setup.venv_path() == Path("/opt/openhands")
    assert setup.venv_path("/elsewhere") == Path("/elsewhere")


def fake_python(folder: Path, name: str, version: str) -> Path:
    """An executable that answers the interpreter probe as Python ``version`` would ("3 13")."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


def test_an_old_or_broken_python_is_refused_by_name(tmp_path: Path) -> None:
    old = fake_python(tmp_path, "python3.11", "3 11")
    with pytest.raises(TinkererError, match=r"needs Python 3.12 or newer, but .*python3.11 is 3.11: pass --python"):
        setup.find_python(str(old))
    with pytest.raises(TinkererError, match="cannot run 'nope'"):
        setup.find_python("nope")


def test_installed_pythons_are_tried_newest_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for version in ("3.12.1", "3.13.0", "3.9.18"):
        fake_python(tmp_path / "pyenv" / "versions" / version / "bin", "python3", " ".join(version.split(".")[:2]))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "uv"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv(setup.PYTHON_ENV_VAR, raising=False)
    found = list(setup.candidate_pythons())
    assert [Path(path).parent.parent.name for path in found[1:]] == ["3.13.0", "3.12.1", "3.9.18"]
    expected = sys.executable if sys.version_info >= setup.MIN_PYTHON else found[1]
    assert setup.find_python() == expected


def test_setup_as_a_module_refuses_an_unusable_python(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "tinkerer_plugin_openhands.setup",
        "--venv",
        str(tmp_path / "v"),
        "--python",
        "nope",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 1
    assert "cannot run 'nope' to create OpenHands' environment" in completed.stderr
    assert not (tmp_path / "v").exists()


def test_setup_reports_an_existing_environment(openhands_venv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert tinkerer_main(["openhands", "setup", "--venv", str(openhands_venv)]) == 0
    assert f"openhands-sdk {setup.SDK_VERSION} is already installed in {openhands_venv}" in capsys.readouterr().out
