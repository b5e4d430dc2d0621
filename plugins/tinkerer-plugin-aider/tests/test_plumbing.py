"""What needs no aider: the venv checks and their messages, the driver's output parsed as data, file choice, setup."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tinkerer_core import (
    AgentRequest,
    ConfigError,
    LLMConfig,
    LLMLedger,
    MissingPluginError,
    create_component,
    get_manager,
)
from tinkerer_core.cli import main as tinkerer_main
from tinkerer_core.gateway import LazyLLM
from tinkerer_plugin_aider import agent as agent_module
from tinkerer_plugin_aider.agent import AiderAgent, parse_driver_output
from tinkerer_plugin_aider.prompts import message
from tinkerer_plugin_aider.setup import VENV_ENV_VAR, venv_path

MakeRequest = Callable[..., AgentRequest]


def test_the_entry_point_registers_aider() -> None:
    manager = get_manager()
    assert "aider" in manager.names("coding_agent")
    agent = create_component("coding_agent", "aider", {"edit_format": "diff", "timeout_s": 30})
    assert isinstance(agent, AiderAgent) and agent.edit_format == "diff"


def test_an_unknown_edit_format_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"^edit_format must be one of 'whole', 'diff', .*, got 'ask'$"):
        AiderAgent(edit_format="ask")


def test_a_missing_venv_names_the_setup_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_request: MakeRequest
) -> None:
    monkeypatch.setenv(VENV_ENV_VAR, str(tmp_path))  # an empty folder: no bin/python
    with pytest.raises(MissingPluginError) as raised:
        AiderAgent(model="gpt-4o-mini").implement(make_request())
    assert f"aider's virtual environment is missing at {tmp_path}" in str(raised.value)
    assert f"tinkerer aider setup --venv {tmp_path}" in str(raised.value)
    assert "python -m tinkerer_plugin_aider.setup" in str(raised.value)


def test_the_default_venv_location(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VENV_ENV_VAR, raising=False)
    assert venv_path() == Path.home() / ".cache/tinkerer/aider-venv"
    monkeypatch.setenv(VENV_ENV_VAR, "/opt/aider")
    assert venv_path() == Path("/opt/aider")
    assert venv_path("/elsewhere") == Path("/elsewhere")


def test_a_venv_without_aider_names_the_setup_command(bare_venv: Path, make_request: MakeRequest) -> None:
    with pytest.raises(MissingPluginError, match=r"aider-chat is not installed in .*--force"):
        AiderAgent(model="gpt-4o-mini", venv=str(bare_venv)).implement(make_request())


def test_a_driver_crash_is_an_error_with_the_stderr_tail(
    bare_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_request: MakeRequest
) -> None:
    crashing = tmp_path / "crashing_driver.py"
    crashing.write_text(
        textwrap.dedent("""
        import sys
        print("some noise on stdout, then a line that is not an object:")
        print('["edited_files"]')
        print("Traceback (most recent call last):\\nRuntimeError: the driver broke", file=sys.stderr)
        sys.exit(3)
        """)
    )
    monkeypatch.setattr(agent_module, "DRIVER", crashing)
    result = AiderAgent(model="gpt-4o-mini", venv=str(bare_venv)).implement(make_request())
    assert result.error.startswith("aider's driver exited with code 3 without a result")
    assert "RuntimeError: the driver broke" in result.error
    assert result.changed_files == () and result.cost == 0


def test_a_timeout_kills_the_drivers_whole_process_group(
    bare_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_request: MakeRequest
) -> None:
    pid_file = tmp_path / "child.pid"
    sleeper = tmp_path / "sleeping_driver.py"
    sleeper.write_text(
        textwrap.dedent(f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(60)
        """)
    )
    monkeypatch.setattr(agent_module, "DRIVER", sleeper)
    result = AiderAgent(model="gpt-4o-mini", venv=str(bare_venv), timeout_s=1.5).implement(make_request())
    assert result.error == "aider timed out after 1.5 s"
    assert not running(int(pid_file.read_text()))  # the driver's own child died with its group


def running(pid: int) -> bool:
    """Whether ``pid`` is alive (a zombie waiting for init to reap it is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def test_the_result_line_is_parsed_as_data() -> None:
    assert parse_driver_output('noise\n{"cost": 0.5}\nmore noise\n') == {"cost": 0.5}
    assert parse_driver_output('{"a": 1}\n{"b": 2}\n') == {"b": 2}  # the last object wins
    assert parse_driver_output("{not json}\n[1, 2]\n") is None
    assert parse_driver_output("") is None


def test_the_driver_result_is_validated(make_request: MakeRequest, workspace: Path) -> None:
    agent = AiderAgent(model="gpt-4o-mini")
    run = agent_module.DriverRun(
        data={"prompt_tokens": "many", "cost": -3, "reply": ["not text"], "edited_files": ["calc.py"]},
        exit_code=0,
        stderr="",
        timed_out=False,
        duration_s=1.0,
    )
    result = agent.result(make_request(), agent_module.Endpoint("gpt-4o-mini"), "msg", run, [])
    assert (result.prompt_tokens, result.cost, result.error) == (0, 0.0, "aider changed no files")


def test_secrets_never_reach_the_result(monkeypatch: pytest.MonkeyPatch, make_request: MakeRequest) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "abcd1234secretvalue")
    run = agent_module.DriverRun(
        data={"error": "AuthenticationError: bad key abcd1234secretvalue", "transcript": "key sk-proj-zzzzzzzzzz"},
        exit_code=0,
        stderr="",
        timed_out=False,
        duration_s=0.1,
    )
    result = AiderAgent().result(make_request(), agent_module.Endpoint("gpt-4o-mini"), "msg", run, [])
    assert "abcd1234secretvalue" not in result.error and "[redacted]" in result.error
    assert "sk-proj" not in result.transcript


def test_the_endpoint_follows_the_run_or_the_agent(make_request: MakeRequest) -> None:
    llm = LazyLLM(LLMConfig(model="openai/my-model", api_base="http://127.0.0.1:9/v1"), LLMLedger())
    assert AiderAgent().endpoint(make_request(llm=llm)) == agent_module.Endpoint(
        "openai/my-model", api_base="http://127.0.0.1:9/v1"
    )
    other = AiderAgent(model="anthropic/claude-sonnet-4-5").endpoint(make_request(llm=llm))
    assert other == agent_module.Endpoint("anthropic/claude-sonnet-4-5")  # the run's api_base is not its
    local = AiderAgent(model="local/smollm2-135m", mock_response="x").endpoint(make_request(llm=llm))
    assert (local.model, local.api_key, local.max_tokens) == ("openai/smollm2-135m", "tinkerer-local", 1024)
    with pytest.raises(ConfigError, match="needs a model"):
        AiderAgent().endpoint(make_request())


def test_chat_files_are_the_named_ones_else_small_source_files(tmp_path: Path, make_request: MakeRequest) -> None:
    tmp_path = tmp_path / "project"
    tmp_path.mkdir()
    (tmp_path / "main.py").write_text("print(1)\n")
    (tmp_path / "notes.md").write_text("notes\n")
    (tmp_path / "data.bin").write_bytes(b"\0\1")
    (tmp_path / "big.py").write_text("#" * 100_000)
    (tmp_path / ".hidden.py").write_text("x = 1\n")
    agent = AiderAgent()
    named = make_request(workspace=tmp_path, focus_files=("main.py", "new.py", "../up.py"), parent_code={})
    assert agent.chat_files(named, tmp_path) == (["main.py"], ["new.py"])
    unnamed = make_request(workspace=tmp_path, focus_files=())
    assert agent.chat_files(unnamed, tmp_path) == (["main.py", "notes.md"], [])


def test_the_message_carries_the_request(make_request: MakeRequest) -> None:
    request = make_request(
        parent_score=0.5,
        parent_feedback="too slow",
        parent_output_tail="Traceback ... ZeroDivisionError",
        errors=("first error", "second error"),
        knowledge_context="use memoization",
        additional_context="python 3.11",
    )
    text = message(request, ["calc.py"], ["helper.py"])
    for expected in (
        "# Goal\nadd(a, b) returns the sum of a and b",
        "The last run failed",
        "# Idea\nfix add",
        "Edit the files in the chat (calc.py). Create helper.py.",
        "Score: 0.5",
        "Feedback: too slow",
        "ZeroDivisionError",
        "first error\n---\nsecond error",
        "# Knowledge\nuse memoization",
        "# Additional context\npython 3.11",
    ):
        assert expected in text


def test_setup_reports_an_existing_environment(aider_venv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert tinkerer_main(["aider", "setup", "--venv", str(aider_venv)]) == 0
    assert f"is already installed in {aider_venv}" in capsys.readouterr().out


def test_setup_as_a_module_rejects_an_unusable_python(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "tinkerer_plugin_aider.setup", "--venv", str(tmp_path / "v"), "--python", "nope"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 1
    assert "cannot run 'nope' to create aider's environment" in completed.stderr
    assert not (tmp_path / "v").exists()
