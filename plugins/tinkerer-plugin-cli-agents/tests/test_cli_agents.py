"""The three CLI agents, built by name, against stand-in executables that print the real stream formats."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tinkerer_core import ConfigError, MissingPluginError
from tinkerer_plugin_cli_agents.base import MissingCredentialsError

if TYPE_CHECKING:
    from conftest import StandIn

SUMMARY = "predict now returns x; helper.py adds double()."


def test_edits_are_detected_from_file_contents(standin: StandIn) -> None:
    result = standin.run()
    assert (result.changed_files, result.error) == (("helper.py", "main.py"), "")
    assert "return x" in (standin.workspace / "main.py").read_text()
    assert result.summary == SUMMARY


def test_cost_and_tokens_come_from_the_stream(standin: StandIn) -> None:
    result = standin.run()
    case = standin.case
    assert result.cost == pytest.approx(case.cost)
    assert (result.prompt_tokens, result.completion_tokens) == (case.prompt_tokens, case.completion_tokens)


def test_the_transcript_holds_the_command_prompt_and_every_line(standin: StandIn) -> None:
    result = standin.run()
    transcript = result.transcript
    assert transcript.startswith(f"$ {standin.executable} ") and "<prompt>" in transcript.splitlines()[0]
    assert "## prompt\n" in transcript and "# Goal\npredict y from x" in transcript
    assert "# Idea\nreturn x" in transcript and "return 0" in transcript  # the current main.py is shown
    assert '"type":' in transcript.split("## stream", 1)[1]
    assert "exit code 0" in transcript.split("## end", 1)[1]


def test_the_prompt_reaches_the_cli_and_it_runs_in_the_workspace(standin: StandIn) -> None:
    standin.run()
    assert standin.record["cwd"] == str(standin.workspace)
    assert standin.record["prompt"].startswith("You are a coding agent running non-interactively")


FLAGS = {
    "claude_code": [
        "-p",
        "<prompt>",
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "acceptEdits",
    ],
    "codex": ["exec", "--json", "--sandbox", "workspace-write", "--skip-git-repo-check"],
    "gemini": ["-p", "<prompt>", "--output-format", "stream-json", "--approval-mode", "yolo"],
}


def test_the_command_line_uses_the_documented_flags(standin: StandIn) -> None:
    standin.run(model="some-model", extra_args=["--max-turns", "30"] if standin.case.agent == "claude_code" else [])
    record = standin.record
    argv = ["<prompt>" if arg == record["prompt"] else arg for arg in record["argv"]]
    expected = FLAGS[standin.case.agent]
    assert argv[: len(expected)] == expected
    assert argv[argv.index("--model") + 1] == "some-model"


def test_an_error_event_becomes_the_error(standin: StandIn) -> None:
    result = standin.run("error")
    assert standin.case.error in result.error and result.error.startswith(f"{standin.case.agent}: ")
    assert result.changed_files == ()
    assert (standin.workspace / "main.py").read_text() == standin.parent


def test_a_line_that_is_not_json_is_kept_and_skipped(standin: StandIn) -> None:
    result = standin.run("malformed")
    assert (result.changed_files, result.error, result.summary) == (("helper.py", "main.py"), "", SUMMARY)
    stream = result.transcript.split("## stream", 1)[1]
    banner = next(line for line in stream.splitlines() if line and not line.startswith("{"))
    assert banner.split()[0] in ("[warn]", "WARNING:", "Loaded")
    assert any(line.startswith("{") and not line.endswith("}") for line in stream.splitlines())


def test_exiting_without_a_result_reports_the_exit_code_and_stderr(standin: StandIn) -> None:
    result = standin.run("crash")
    assert f"{standin.case.agent} exited with code 3 without a result" in result.error
    assert "ECONNRESET socket hang up" in result.error
    assert "## stderr (tail)" in result.transcript


def test_a_run_that_changes_nothing_is_an_error(standin: StandIn) -> None:
    result = standin.run("noop")
    assert result.changed_files == ()
    assert result.error == f"{standin.case.agent} finished but changed no files"
    assert result.summary == "Nothing needed changing."


def test_a_timeout_kills_the_whole_process_group(standin: StandIn, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    standin.monkeypatch.setenv("STANDIN_CHILD_PID", str(pid_file))
    started = time.monotonic()
    result = standin.run("hang", timeout_s=2.0)
    assert time.monotonic() - started < 15
    assert result.error == f"{standin.case.agent} timed out after 2 s; its process group was killed"
    assert result.changed_files == ("helper.py", "main.py")  # what it did before it hung still counts
    assert "## end\ntimed out" in result.transcript
    assert _gone(int(pid_file.read_text()))


def _gone(pid: int, within_s: float = 5.0) -> bool:
    """Whether ``pid`` ends (or is a zombie awaiting its reaper) within ``within_s``."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_keys_reach_the_cli_but_never_the_result(standin: StandIn) -> None:
    standin.monkeypatch.setenv("UNRELATED_SERVICE_TOKEN", "tok-unrelated-0123456789")
    result = standin.run("leak")
    env = standin.record["env"]
    assert env[standin.case.key] == standin.fake_key
    assert "UNRELATED_SERVICE_TOKEN" not in env  # other secrets are scrubbed
    assert result.error == "" and result.changed_files == ("helper.py", "main.py")
    for text in (result.transcript, result.summary, result.error):
        assert standin.fake_key not in text
    assert "[redacted]" in result.transcript


def test_a_missing_binary_says_how_to_install_it(standin: StandIn) -> None:
    install = {"claude_code": "@anthropic-ai/claude-code", "codex": "@openai/codex", "gemini": "@google/gemini-cli"}
    with pytest.raises(MissingPluginError, match=f"npm install -g {install[standin.case.agent]}"):
        standin.run(executable="tinkerer-no-such-cli")


def test_the_executable_is_found_on_path(standin: StandIn, tmp_path: Path) -> None:
    bin_dir = standin.install_at(tmp_path / "path-bin").parent
    standin.monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    standin.executable = Path(standin.case.command)  # a bare name: looked up on PATH
    result = standin.run()
    assert result.error == "" and result.transcript.startswith(f"$ {bin_dir / standin.case.command} ")


def test_a_missing_key_fails_before_starting(standin: StandIn) -> None:
    standin.monkeypatch.delenv(standin.case.key)
    with pytest.raises(MissingCredentialsError, match=f"{standin.case.key}.*check_key=false") as raised:
        standin.run()
    assert isinstance(raised.value, ConfigError)
    assert not standin.record_path.exists()  # never started


def test_check_key_false_starts_without_a_key(standin: StandIn) -> None:
    standin.monkeypatch.delenv(standin.case.key)
    result = standin.run(check_key=False)
    assert result.error == ""
    assert standin.case.key not in standin.record["env"]


def test_codex_passes_openai_api_key_as_codex_api_key(make_standin: Callable[[str], StandIn]) -> None:
    standin = make_standin("codex")
    standin.monkeypatch.delenv("CODEX_API_KEY")
    standin.monkeypatch.setenv("OPENAI_API_KEY", standin.fake_key)
    assert standin.run().error == ""
    assert standin.record["env"]["CODEX_API_KEY"] == standin.fake_key


def test_codex_uses_its_login_without_a_key(make_standin: Callable[[str], StandIn]) -> None:
    standin = make_standin("codex")
    standin.monkeypatch.delenv("CODEX_API_KEY")
    standin.monkeypatch.setenv("OPENAI_API_KEY", standin.fake_key)
    (Path(os.environ["CODEX_HOME"]) / "auth.json").write_text("{}")
    assert standin.run().error == ""
    assert "CODEX_API_KEY" not in standin.record["env"]  # the login wins over OPENAI_API_KEY
