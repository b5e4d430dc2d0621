"""The ``tinkerer`` command's surface: commands, listings, and errors that read well without a traceback.

A few tests run the real command in a subprocess; the rest call ``main([...])`` in-process with an
in-process plugin, so they hold whichever default plugins are installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import chz
import pytest

from tinkerer_core import (
    AgentRequest,
    AgentResult,
    CodingAgent,
    Evaluation,
    EvaluationContext,
    Evaluator,
    EvolveConfig,
    RunState,
    StopCondition,
    StopDecision,
    get_manager,
    hookimpl,
)
from tinkerer_core.cli import main
from tinkerer_core.kinds import KINDS
from tinkerer_core.plugins import ALLOW_LIST_ENV
from tinkerer_core.validation import at_least, not_empty

from .conftest import needs_defaults

OFFLINE_CONFIG = Path(__file__).parent / "fixtures" / "configs" / "offline.py"
COMMANDS = ("plugins", "list", "install", "uninstall", "evolve", "resume", "runs")
NEEDS_A_PLUGIN = {
    "learn": "knowledge backend",
    "index-kg": "knowledge backend",
    "train": "trainer",
    "deploy": "deployer",
}
ARGUMENTS = {"learn": ("README.md",), "index-kg": ("--wiki-dir", ".")}


def tinkerer(*args: str, cwd: Path, allow: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command; whatever happens, it never prints a traceback."""
    env = {key: value for key, value in os.environ.items() if key != ALLOW_LIST_ENV}
    if allow is not None:
        env[ALLOW_LIST_ENV] = allow
    completed = subprocess.run(
        [sys.executable, "-m", "tinkerer_core.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


@chz.chz
class Echo(CodingAgent):
    """Leaves the workspace as it is."""

    def implement(self, request: AgentRequest) -> AgentResult:
        return AgentResult(changed_files=())


@chz.chz
class Length(Evaluator):
    """Scores the output's length."""

    min_chars: int = chz.field(default=1, doc="shorter output scores None")

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        length = len(ctx.result.output)
        return Evaluation(score=float(length) if length >= self.min_chars else None)


@chz.chz
class Needs(Evaluator):
    """Scores 1 when the output holds ``pattern``."""

    pattern: str = chz.field(validator=not_empty(), doc="what the output must hold")
    weight: float = chz.field(default=1.0, validator=at_least(0), doc="the score of a match")

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        return Evaluation(score=self.weight if self.pattern in ctx.result.output else 0.0)


@chz.chz
class Immediately(StopCondition):
    """Stops after the first experiment."""

    def check(self, state: RunState) -> StopDecision:
        return StopDecision(stop=True, reason="first experiment done")


class CliTestPlugin:
    @hookimpl
    def tinkerer_register_coding_agents(self, register):
        register("cli_echo", Echo)

    @hookimpl
    def tinkerer_register_evaluators(self, register):
        register("cli_length", Length)
        register("cli_needs", Needs)

    @hookimpl
    def tinkerer_register_stop_conditions(self, register):
        register("cli_immediately", Immediately)


@pytest.fixture
def plugin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """Registers ``cli_echo``, ``cli_length`` and ``cli_immediately``; runs from a temporary directory."""
    monkeypatch.chdir(tmp_path)
    with get_manager().registered(CliTestPlugin(), "cli-test") as name:
        yield name


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- commands and listings -------------------------------------------------------------------


def test_help_lists_every_command_and_a_list_flag_per_kind(tmp_path: Path) -> None:
    completed = tinkerer("--help", cwd=tmp_path)
    assert completed.returncode == 0
    listed = {line.split()[0] for line in completed.stdout.splitlines() if line.startswith("    ")}
    assert {*COMMANDS, *NEEDS_A_PLUGIN} <= listed
    for kind in KINDS.values():
        assert f"--list-{kind.plural.replace('_', '-')}" in completed.stdout


@pytest.mark.parametrize(
    ("flag", "kind", "name"),
    [
        ("--list-coding-agents", "coding_agents", "cli_echo"),
        ("--list-evaluators", "evaluators", "cli_length"),
        ("--list-stop-conditions", "stop_conditions", "cli_immediately"),
    ],
)
def test_list_flags(plugin: str, capsys: pytest.CaptureFixture[str], flag: str, kind: str, name: str) -> None:
    code, out, _ = run(capsys, flag)
    assert code == 0
    assert run(capsys, "list", kind) == (0, out, "")
    row = next(line for line in out.splitlines() if line.startswith(f"{name} "))
    assert row.endswith(f"({plugin})")


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [
        (["--list-agents"], ["--list-coding-agents"], "warning: --list-agents is now --list-coding-agents\n"),
        (["--list-stops"], ["--list-stop-conditions"], "warning: --list-stops is now --list-stop-conditions\n"),
        (["list", "agents"], ["list", "coding_agents"], "warning: 'agents' is now 'coding_agents'\n"),
        (["list", "stops"], ["list", "stop_conditions"], "warning: 'stops' is now 'stop_conditions'\n"),
        (["list", "searches"], ["list", "search_strategies"], "warning: 'searches' is now 'search_strategies'\n"),
    ],
)
def test_the_old_names_of_kinds_still_list_and_say_the_new_one(
    plugin: str, capsys: pytest.CaptureFixture[str], old: list[str], new: list[str], hint: str
) -> None:
    assert run(capsys, *old) == (0, run(capsys, *new)[1], hint)


@needs_defaults
def test_the_old_field_names_still_configure_a_run_and_say_the_new_one(
    plugin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    old = ["goal=x", "stop=cli_immediately", "agent=cli_echo", "search=linear_search", "--dry-run"]
    code, out, err = run(capsys, "evolve", *old)
    assert code == 0 and "stop_condition = cli_immediately" in out and "coding_agent = cli_echo" in out
    assert err.splitlines() == [
        f"warning: {name} is now {new}: write {new}=... and {new}.<field>=..."
        for name, new in (("stop", "stop_condition"), ("agent", "coding_agent"), ("search", "search_strategy"))
    ]
    spelt = ["goal=x", "stop_condition=cli_immediately", "coding_agent=cli_echo", "search_strategy=linear_search"]
    assert run(capsys, "evolve", *spelt, "--dry-run") == (0, out, "")


def test_list_accepts_singular_plural_and_hyphenated_kinds(plugin: str, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = {run(capsys, "list", kind)[1] for kind in ("stop_conditions", "stop-conditions", "stop_condition")}
    assert len(outputs) == 1
    listing = json.loads(run(capsys, "list", "stop-conditions", "--json")[1])
    assert {"name": "cli_immediately", "plugin": plugin, "doc": "Stops after the first experiment."} in listing


def test_list_of_an_unknown_kind_names_the_kinds(tmp_path: Path) -> None:
    completed = tinkerer("list", "evaluaters", cwd=tmp_path)
    assert completed.returncode == 2
    assert "unknown component kind 'evaluaters'" in completed.stderr
    assert ", ".join(kind.plural for kind in KINDS.values()) in completed.stderr


@pytest.mark.parametrize("command", sorted(NEEDS_A_PLUGIN))
def test_feature_without_its_plugin_names_the_missing_kind(tmp_path: Path, command: str) -> None:
    (tmp_path / "README.md").write_text("# a project\n")
    completed = tinkerer(command, *ARGUMENTS.get(command, ("anything",)), cwd=tmp_path, allow="")
    assert completed.returncode == 2
    assert f"needs a {NEEDS_A_PLUGIN[command]} plugin" in completed.stderr
    assert "pip install tinkerer-plugin-" in completed.stderr


def test_uninstall_runs_pip_in_this_environment(tmp_path: Path) -> None:
    completed = tinkerer("uninstall", "tinkerer-plugin-not-installed", cwd=tmp_path)
    assert completed.returncode == 0
    assert "Skipping tinkerer-plugin-not-installed as it is not installed" in completed.stderr


def test_runs_in_a_directory_without_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "runs", "--root", str(tmp_path)) == (0, f"no runs under {tmp_path}\n", "")


def test_resume_of_a_directory_without_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "resume", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == (
        f"error: {tmp_path} holds no run (no run.sqlite): start one with `tinkerer evolve`; `tinkerer runs` lists the runs\n"
    )


# --- evolve: configuration errors name the field ---------------------------------------------


def evolve_error(capsys: pytest.CaptureFixture[str], *overrides: str) -> str:
    code, out, err = run(capsys, "evolve", "goal=x", *overrides)
    assert (code, out) == (2, "")
    assert err.startswith("error: ")
    return err


@needs_defaults
def test_evolve_wrong_type_names_the_field_and_its_type(plugin: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = evolve_error(capsys, "max_iterations=ten")
    assert err == "error: max_iterations must be of type int, got 'ten'\n"

    err = evolve_error(capsys, "evaluator=cli_length", "evaluator.min_chars=ten")
    assert err == "error: evaluator.min_chars must be of type int, got 'ten'\n"

    err = evolve_error(capsys, "direction=up")
    assert err == "error: direction must be one of 'maximize', 'minimize', got 'up'\n"


@needs_defaults
def test_evolve_unknown_field(plugin: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = evolve_error(capsys, "max_iteration=3")
    assert "Extraneous argument 'max_iteration'" in err
    assert "Did you mean 'max_iterations'?" in err
    assert err.endswith("Add --help to see every field.\n")

    err = evolve_error(capsys, "evaluator=cli_length", "evaluator.min_char=3")
    assert "Extraneous argument 'evaluator.min_char'" in err
    assert "Did you mean 'evaluator.min_chars'?" in err


@needs_defaults
@pytest.mark.parametrize(
    ("field", "kind", "plural"),
    [
        ("evaluator", "evaluator", "evaluators"),
        ("stop_condition", "stop condition", "stop conditions"),
        ("search_strategy", "search strategy", "search strategies"),
    ],
)
def test_evolve_unknown_name_lists_installed_names(
    plugin: str, capsys: pytest.CaptureFixture[str], field: str, kind: str, plural: str
) -> None:
    err = evolve_error(capsys, f"{field}=nope")
    prefix = f"error: unknown {kind} 'nope'; installed {plural}: "
    assert err.startswith(prefix)
    assert err.removeprefix(prefix).strip().split(", ") == get_manager().names(kind.replace(" ", "_"))


@needs_defaults
def test_evolve_without_a_goal(plugin: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "evolve") == (2, "", "error: Missing required arguments for parameter(s): goal\n")


def test_evolve_config_file_errors(plugin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "evolve", "missing.py")
    assert (code, err) == (2, "error: config file 'missing.py' does not exist\n")

    (tmp_path / "empty.py").write_text("goal = 'no config here'\n")
    code, _, err = run(capsys, "evolve", "empty.py")
    assert code == 2
    assert "empty.py defines no `config`: set `config = EvolveConfig(...)` or a dict of fields" in err


# --- evolve --help: every field, its value and where it came from ----------------------------


def help_rows(out: str) -> dict[str, str]:
    """The field table of ``evolve --help``: field name -> the rest of its row."""
    rows = [line.strip().split(maxsplit=1) for line in out.split("Arguments:", 1)[1].splitlines() if line.strip()]
    return {row[0]: row[1] for row in rows}


def test_evolve_help_shows_every_field_its_value_and_origin(plugin: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evolve", "goal=x", "evaluator=cli_length", "evaluator.min_chars=3", "--help")
    assert code == 0
    rows = help_rows(out)
    assert set(chz.chz_fields(EvolveConfig)) <= set(rows)
    assert "x (from command line)" in rows["goal"]
    assert "10 (default)" in rows["max_iterations"]
    assert rows["evaluator.min_chars"].split()[:4] == ["int", "3", "(from", "command"]
    assert rows["evaluator.min_chars"].endswith("shorter output scores None")


def test_evolve_help_with_a_dict_config_file(plugin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "dict_config.py").write_text('config = {"goal": "from a dict", "max_iterations": 3, "seed": 7}\n')
    code, out, _ = run(capsys, "evolve", "dict_config.py", "max_iterations=4", "--help")
    assert code == 0
    rows = help_rows(out)
    assert "'from a dict' (from config)" in rows["goal"]
    assert "7 (from config)" in rows["seed"]
    assert "4 (from command line)" in rows["max_iterations"]


def test_evolve_help_lists_the_parameters_of_components_named_in_a_config_file(
    plugin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "named.py").write_text(
        'config = {"goal": "g", "evaluator": "cli_length", "coding_agent": "cli_echo"}\n'
    )
    code, out, _ = run(capsys, "evolve", "named.py", "--help")
    assert code == 0
    rows = help_rows(out)
    assert "cli_length (from config)" in rows["evaluator"]
    assert "1 (default)" in rows["evaluator.min_chars"]
    assert "'local/smollm2-135m' (default)" in rows["llm.model"]


@needs_defaults
def test_evolve_help_needs_no_value_for_required_parameters_and_shows_every_rule(
    plugin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "evolve", "goal=x", "evaluator=cli_needs", "--help")
    assert code == 0
    assert out.startswith("WARNING: Missing required arguments for parameter(s): evaluator.pattern\n")
    rows = help_rows(out)
    assert rows["evaluator.pattern"].split()[:2] == ["str", "-"]
    assert rows["evaluator.pattern"].endswith("what the output must hold [non-empty]")
    assert rows["evaluator.weight"].endswith("the score of a match [at least 0]")
    assert rows["max_iterations"].endswith("experiments to run at most [at least 1]")

    code, _, err = run(capsys, "evolve", "goal=x", "evaluator=cli_needs", "--dry-run")
    assert code == 2
    assert err == "error: Missing required arguments for parameter(s): evaluator.pattern\n"


def test_evolve_config_file_defining_an_evolve_config(tmp_path: Path) -> None:
    config = str(OFFLINE_CONFIG)  # experiment N prints SCORE: 10**N; its components are defined in the file
    help_table = tinkerer("evolve", config, "max_iterations=3", "--help", cwd=tmp_path)
    assert help_table.returncode == 0, help_table.stderr
    assert "'print a growing score' (from config)" in help_rows(help_table.stdout)["goal"]

    completed = tinkerer("evolve", config, "run_dir=runs/offline", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "best score: 100 (maximize) from experiment 2" in completed.stdout

    resumed = tinkerer("resume", "runs/offline", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "best score: 100 (maximize) from experiment 2" in resumed.stdout
