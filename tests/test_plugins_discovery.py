"""Plugin discovery through real entry points, the allow-list, broken plugins and name resolution.

The fixture distributions in ``tests/fixtures`` are built and installed with pip into a temporary
directory, which the ``tinkerer`` subprocesses get on ``PYTHONPATH``: exactly how a user's
``pip install tinkerer-plugin-hello`` becomes visible. In-process tests register plugin objects
with ``get_manager().registered(...)`` instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import chz
import pytest

from tinkerer_core import (
    ConfigError,
    Evaluation,
    EvaluationContext,
    Evaluator,
    RunResult,
    Tinkerer,
    UnknownComponentError,
    create_component,
    get_manager,
    hookimpl,
)
from tinkerer_core.cli import main
from tinkerer_core.plugins import ALLOW_LIST_ENV, TRACE_ENV, PluginManager

from .conftest import needs_defaults

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN_ERROR = "ModuleNotFoundError: No module named 'tinkerer_missing_dependency'"


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the installed hello and broken plugin distributions."""
    target = tmp_path_factory.mktemp("site")
    fixtures = [str(FIXTURES / "tinkerer-plugin-hello"), str(FIXTURES / "tinkerer-plugin-broken")]
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), *fixtures]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if "No matching distribution found for hatchling" in completed.stderr:
        pytest.skip("building the fixture plugins needs hatchling from a package index")
    assert completed.returncode == 0, completed.stderr
    return target


def tinkerer(
    site: Path, *args: str, cwd: Path, allow: str | None = None, trace: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run the real ``tinkerer`` command with the fixture plugins installed; it never shows a traceback."""
    env = {key: value for key, value in os.environ.items() if key not in (ALLOW_LIST_ENV, TRACE_ENV)}
    env["PYTHONPATH"] = str(site)
    if allow is not None:
        env[ALLOW_LIST_ENV] = allow
    if trace:
        env[TRACE_ENV] = "1"
    completed = subprocess.run(
        [sys.executable, "-m", "tinkerer_core.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


def plugins_json(site: Path, cwd: Path, allow: str | None = None) -> dict[str, dict[str, Any]]:
    completed = tinkerer(site, "plugins", "--json", cwd=cwd, allow=allow)
    assert completed.returncode == 0, completed.stderr
    return {plugin["name"]: plugin for plugin in json.loads(completed.stdout)}


# --- real entry points -----------------------------------------------------------------------


def test_installed_plugin_is_discovered_with_its_hooks_and_components(site: Path, tmp_path: Path) -> None:
    hello = plugins_json(site, tmp_path)["hello"]
    assert hello == {
        "name": "hello",
        "distribution": "tinkerer-plugin-hello",
        "version": "0.1.0",
        "status": "loaded",
        "error": None,
        "hooks": ["tinkerer_register_commands", "tinkerer_register_evaluators"],
        "components": {"evaluators": ["hello_length"]},
    }


def test_plugin_that_fails_to_import_is_reported_and_the_others_load(site: Path, tmp_path: Path) -> None:
    plugins = plugins_json(site, tmp_path)
    broken = plugins.pop("broken")
    assert broken["status"] == "broken"
    assert broken["distribution"] == "tinkerer-plugin-broken"
    assert broken["error"] == BROKEN_ERROR
    assert broken["components"] == {}
    assert {name: plugin["status"] for name, plugin in plugins.items()} == dict.fromkeys(plugins, "loaded")

    text = tinkerer(site, "plugins", cwd=tmp_path)
    assert text.returncode == 0
    assert "broken 0.1.0 [broken] tinkerer-plugin-broken" in text.stdout
    assert f"  error: {BROKEN_ERROR}" in text.stdout
    assert "hello 0.1.0 [loaded] tinkerer-plugin-hello\n  evaluators: hello_length" in text.stdout


def test_installed_evaluator_is_listed(site: Path, tmp_path: Path) -> None:
    listing = tinkerer(site, "list", "evaluators", cwd=tmp_path)
    assert listing.returncode == 0
    line = next(line for line in listing.stdout.splitlines() if line.startswith("hello_length "))
    assert line.endswith("Scores a run by the length of its output, in characters.  (hello)")
    assert tinkerer(site, "--list-evaluators", cwd=tmp_path).stdout == listing.stdout

    as_json = json.loads(tinkerer(site, "list", "evaluators", "--json", cwd=tmp_path).stdout)
    doc = "Scores a run by the length of its output, in characters."
    assert {"name": "hello_length", "plugin": "hello", "doc": doc} in as_json


def test_plugin_subcommand(site: Path, tmp_path: Path) -> None:
    assert "score TEXT with the hello_length evaluator" in tinkerer(site, "--help", cwd=tmp_path).stdout
    assert tinkerer(site, "hello", "  hi there ", cwd=tmp_path).stdout == "hello_length: 8\n"
    assert tinkerer(site, "hello", "hi there", "--max-chars", "3", cwd=tmp_path).stdout == "hello_length: 3\n"


def test_evolve_resolves_installed_names_and_their_parameters(site: Path, tmp_path: Path) -> None:
    unknown = tinkerer(site, "evolve", "goal=x", "evaluator=hello_lenght", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "unknown evaluator 'hello_lenght'; installed evaluators: " in unknown.stderr
    assert "hello_length" in unknown.stderr.split("installed evaluators: ")[1].split(", ")

    wrong_type = tinkerer(site, "evolve", "goal=x", "evaluator=hello_length", "evaluator.max_chars=many", cwd=tmp_path)
    assert wrong_type.returncode == 2
    assert wrong_type.stderr == "error: evaluator.max_chars must be of type int, got 'many'\n"

    help_table = tinkerer(
        site, "evolve", "goal=x", "evaluator=hello_length", "evaluator.max_chars=5", "--help", cwd=tmp_path
    )
    assert help_table.returncode == 0
    row = next(line for line in help_table.stdout.splitlines() if line.strip().startswith("evaluator.max_chars "))
    assert row.split()[1:5] == ["int", "5", "(from", "command"]
    assert row.endswith("characters beyond this many do not count [at least 1]")

    refused = tinkerer(site, "evolve", "goal=x", "evaluator=hello_length", "evaluator.max_chars=0", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr == "error: evaluator.max_chars must be at least 1, got 0\n"


def test_evolve_run_scores_with_the_installed_evaluator(site: Path, tmp_path: Path) -> None:
    config = str(FIXTURES / "configs" / "offline.py")  # experiment N prints SCORE: 10**N
    args = ["evolve", config, "evaluator=hello_length", "direction=maximize", "run_dir=runs/hello"]
    completed = tinkerer(site, *args, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "best score: 10 (maximize) from experiment 2" in completed.stdout


def test_allow_list_loads_only_the_named_plugins(site: Path, tmp_path: Path) -> None:
    plugins = plugins_json(site, tmp_path, allow="hello")
    assert plugins.pop("hello")["status"] == "loaded"
    assert {plugin["status"] for plugin in plugins.values()} == {"blocked"}
    assert {plugin["error"] for plugin in plugins.values()} == {f"not in {ALLOW_LIST_ENV}"}
    listing = tinkerer(site, "list", "evaluators", cwd=tmp_path, allow="hello")
    assert [line.split()[0] for line in listing.stdout.splitlines()] == ["hello_length"]

    by_distribution = plugins_json(site, tmp_path, allow=" tinkerer-plugin-hello , broken")
    assert by_distribution["hello"]["status"] == "loaded"
    assert by_distribution["broken"]["status"] == "broken"


def test_empty_allow_list_loads_no_plugin(site: Path, tmp_path: Path) -> None:
    plugins = plugins_json(site, tmp_path, allow="")
    assert {"hello", "broken"} <= set(plugins)
    assert {plugin["status"] for plugin in plugins.values()} == {"blocked"}
    assert tinkerer(site, "list", "evaluators", cwd=tmp_path, allow="").stdout == "no evaluators installed\n"
    no_command = tinkerer(site, "hello", "hi", cwd=tmp_path, allow="")
    assert no_command.returncode == 2
    assert "invalid choice: 'hello'" in no_command.stderr


def test_trace_env_prints_hook_calls(site: Path, tmp_path: Path) -> None:
    completed = tinkerer(site, "runs", cwd=tmp_path, trace=True)
    assert completed.returncode == 0
    assert "tinkerer_register_commands [hook]" in completed.stderr
    assert "finish tinkerer_register_commands -->" in completed.stderr


# --- in-process registration -----------------------------------------------------------------


@chz.chz
class Shout(Evaluator):
    """Scores 1 when the output is in capitals, else 0."""

    min_chars: int = chz.field(default=1, doc="shorter output scores 0")

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        output = ctx.result.output.strip()
        return Evaluation(score=float(len(output) >= self.min_chars and output.isupper()))


class ShoutPlugin:
    @hookimpl
    def tinkerer_register_evaluators(self, register):
        register("shout", Shout)


def context(output: str, workspace: Path) -> EvaluationContext:
    result = RunResult(command="python main.py", exit_code=0, duration_s=0.1, output=output)
    return EvaluationContext(goal="shout", result=result, workspace=workspace)


def test_in_process_plugin_registers_for_the_block_only(tmp_path: Path) -> None:
    manager = get_manager()
    with manager.registered(ShoutPlugin(), "shout-plugin") as name:
        assert name == "shout-plugin"
        assert "shout" in manager.names("evaluator")
        assert manager.lookup("evaluator", "shout").plugin == "shout-plugin"
        assert manager.infos["shout-plugin"].components == {"evaluators": ["shout"]}
        evaluator = create_component("evaluator", "shout", {"min_chars": 3})
        assert evaluator == Shout(min_chars=3)
        assert evaluator.evaluate(context("HEY\n", tmp_path)).score == 1.0
        assert evaluator.evaluate(context("HI\n", tmp_path)).score == 0.0
    assert "shout" not in manager.names("evaluator")
    assert "shout-plugin" not in manager.infos


def test_duplicate_name_first_plugin_wins_and_the_conflict_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    manager = get_manager()
    with manager.registered(ShoutPlugin(), "first"), manager.registered(ShoutPlugin(), "second"):
        assert manager.lookup("evaluator", "shout").plugin == "first"
        conflict = "evaluator 'shout' from second ignored: first registered it first"
        assert manager.conflicts == [conflict]
        assert manager.infos["second"].components == {}
        assert main(["plugins"]) == 0
        assert f"conflict: {conflict}" in capsys.readouterr().out
    assert "shout" not in manager.names("evaluator")
    assert manager.conflicts == []


class FailingPlugin:
    @hookimpl
    def tinkerer_register_evaluators(self, register):
        raise RuntimeError("no licence file")


class NotAComponentPlugin:
    @hookimpl
    def tinkerer_register_stop_conditions(self, register):
        register("shout", Shout)


def test_failing_registration_marks_only_its_plugin_broken() -> None:
    manager = get_manager()
    with (
        manager.registered(FailingPlugin(), "failing"),
        manager.registered(NotAComponentPlugin(), "misfiled"),
        manager.registered(ShoutPlugin(), "shout-plugin"),
    ):
        assert manager.lookup("evaluator", "shout").cls is Shout
        failing, misfiled = manager.infos["failing"], manager.infos["misfiled"]
        assert (failing.status, failing.error) == (
            "broken",
            "tinkerer_register_evaluators failed: RuntimeError: no licence file",
        )
        assert misfiled.status == "broken"
        assert misfiled.error == (
            f"tinkerer_register_stop_conditions failed: TypeError: {Shout!r} is not a StopCondition subclass"
        )
        assert "shout" not in manager.names("stop_condition")


def test_installed_plugins_implement_only_known_hooks() -> None:
    get_manager().hooks.check_pending()


# --- name resolution and its errors ----------------------------------------------------------


@needs_defaults
def test_unknown_name_lists_the_installed_names_of_its_kind() -> None:
    manager = get_manager()
    with manager.registered(ShoutPlugin(), "shout-plugin"):
        with pytest.raises(UnknownComponentError) as raised:
            manager.lookup("evaluator", "shuot")
        installed = manager.names("evaluator")
        assert "shout" in installed
        assert str(raised.value) == (
            f"unknown evaluator 'shuot'; installed evaluators: {', '.join(installed)}; did you mean 'shout'?"
        )
        assert raised.value.installed == installed

        with pytest.raises(ConfigError, match=r"unknown evaluator 'shuot'; installed evaluators: .*\bshout\b"):
            Tinkerer().evolve("x", evaluator="shuot")


@needs_defaults
def test_unknown_name_of_a_kind_with_an_irregular_plural_reads_well() -> None:
    with pytest.raises(UnknownComponentError, match=r"installed search strategies: .*did you mean 'linear_search'\?"):
        get_manager().lookup("search_strategy", "linear_serch")


def test_unknown_name_with_nothing_installed_says_to_install_a_plugin() -> None:
    with pytest.raises(UnknownComponentError) as raised:
        PluginManager(load_entry_points=False).lookup("trainer", "tinker_lora")
    assert str(raised.value) == (
        "unknown trainer 'tinker_lora'; installed trainers: none (install a plugin that provides one)"
    )


@needs_defaults
def test_wrong_parameter_names_the_field_and_its_type() -> None:
    manager = get_manager()
    with manager.registered(ShoutPlugin(), "shout-plugin"):
        with pytest.raises(ConfigError) as unknown:
            create_component("evaluator", "shout", {"min_char": 3})
        assert str(unknown.value) == (
            "evaluator 'shout' has no parameter 'min_char'; its parameters are: min_chars: int; did you mean 'min_chars'?"
        )

        with pytest.raises(ConfigError) as wrong_type:
            create_component("evaluator", "shout", {"min_chars": "three"})
        assert str(wrong_type.value) == "evaluator 'shout': min_chars must be of type int, got 'three'"

        with pytest.raises(ConfigError, match=r"^evaluator\.min_chars must be of type int, got 'three'$"):
            Tinkerer().evolve("x", evaluator="shout", evaluator_params={"min_chars": "three"})
