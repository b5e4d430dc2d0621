"""Deploying what evolve built: choosing a deployer (AUTO says why), the API and the CLI, end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinkerer_core import ConfigError, DeployStrategy, MissingPluginError, Tinkerer

from .conftest import DEFAULT_PLUGINS

pytestmark = pytest.mark.needs(*DEFAULT_PLUGINS, "deploy-local")


PREDICT = "def predict(inputs):\n    return {'sum': inputs['a'] + inputs['b']}\n\nprint('SCORE: 1')"
TINKERER = Path(sys.executable).with_name("tinkerer")


def test_an_evolved_solution_is_deployed_and_served(workdir: Path, scripted_agent: str) -> None:
    solution = Tinkerer().evolve(
        goal="add two numbers",
        output_path="best",
        coding_agent=scripted_agent,
        coding_agent_params={"steps": (PREDICT,)},
        evaluator="regex_pattern",
        search_strategy="linear_search",
        max_iterations=1,
        run_dir="run",
    )
    plan = Tinkerer().plan_deploy(solution)
    assert plan.deployer == "local"
    assert plan.reason.startswith("serves main:predict from")
    with Tinkerer().deploy(solution, DeployStrategy.LOCAL) as software:
        assert software.run({"a": 2, "b": 3}) == {"status": "success", "output": {"sum": 5}}


def test_auto_follows_the_solution_and_explains_what_it_passed_over(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("def predict(inputs):\n    return 1\n")
    (tmp_path / "tinkerer.toml").write_text('[deploy]\nstrategy = "local"\n')
    plan = Tinkerer().plan_deploy(str(tmp_path))
    assert plan.deployer == "local"
    assert plan.reason.startswith("the solution asks for it")

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(MissingPluginError, match=r"no installed deployer supports this solution: local: no entry"):
        Tinkerer().plan_deploy(empty)
    with pytest.raises(ConfigError, match="no such solution directory"):
        Tinkerer().deploy(tmp_path / "missing")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TINKERER), *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def test_the_cli_deploys_calls_and_stops(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("def predict(inputs):\n    return {'echo': inputs}\n")
    done = run_cli("deploy", str(tmp_path), "--input", '{"a": 1}', "--input", '{"b": [2]}', "call_timeout_s=30")
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["output"] for line in done.stdout.splitlines()] == [
        {"echo": {"a": 1}},
        {"echo": {"b": [2]}},
    ]
    assert "deploying with local: serves main:predict" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--input", "[1]"), "--input must be a JSON object"),
        (("--input", "{x"), "is not JSON"),
        (("portless",), "should look like key=value"),
        (("colour=red", "--input", "{}"), "deployer 'local' has no parameter 'colour'"),
    ],
)
def test_the_cli_explains_bad_arguments(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    (tmp_path / "main.py").write_text("def predict(inputs):\n    return 1\n")
    done = run_cli("deploy", str(tmp_path), *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_strategy_whose_plugin_is_missing_names_the_package(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("def predict(inputs):\n    return 1\n")
    done = run_cli("deploy", str(tmp_path), "--strategy", "modal", env={"TINKERER_PLUGINS": "deploy-local"})
    assert done.returncode == 2
    assert "pip install tinkerer-plugin-modal" in done.stderr
