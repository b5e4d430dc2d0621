"""``tinkerer data practice``: generated tasks run for real, through their own checks and through evolve.

Every score here comes from a task's ``checks.py`` run in a subprocess; the evolve runs use litellm's offline mock
to script the coding agent's one reply, and the engine, evaluator, stop condition and CLI are real.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import random
import re
import runpy
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tinkerer_core import Direction, RunStore
from tinkerer_core.cli import main
from tinkerer_plugin_tinker import practice
from tinkerer_plugin_tinker.experience import normalized_goal

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs" / "training.md"
SUITE = ROOT / "benchmarks" / "efficiency" / "suite.py"
PER_FAMILY = 6


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folders of ``PER_FAMILY`` tasks of each family, seed 0, as the command writes them."""
    out = tmp_path_factory.mktemp("practice")
    assert main(["data", "practice", "--count", str(PER_FAMILY * len(practice.FAMILIES)), "--out", str(out)]) == 0
    return out


def score(checks: Path, program: Path) -> float | None:
    """The last ``SCORE:`` that ``python checks.py program`` prints, or None."""
    completed = subprocess.run(
        [sys.executable, str(checks), str(program)], capture_output=True, text=True, timeout=60, check=False
    )
    found = re.findall(practice.SCORE_PATTERN, completed.stdout)
    return float(found[-1]) if found else None


def config_of(folder: Path) -> dict[str, object]:
    config: dict[str, object] = runpy.run_path(str(folder / "config.py"))["config"]
    return config


def whole_file(body: str) -> str:
    return f"Here it is.\n\nmain.py\n```python\n{body}```\n"


def test_the_same_seed_gives_the_same_tasks() -> None:
    first, again, other = practice.generate(4, seed=7), practice.generate(4, seed=7), practice.generate(4, seed=8)
    assert first == again
    assert [task.family for task in first] == list(practice.FAMILIES)
    assert {task.goal for task in first}.isdisjoint(task.goal for task in other)


@pytest.mark.slow  # 24 tasks written, 48 checks runs to verify them and 48 here: about 10 s
def test_every_reference_solves_its_task_and_no_start_does(written: Path) -> None:
    folders = sorted(path for path in written.iterdir() if path.is_dir())
    assert len(folders) == PER_FAMILY * len(practice.FAMILIES)
    families = {folder.name.split("-")[1] for folder in folders}
    assert families == set(practice.FAMILIES)
    for folder in folders:
        assert sorted(path.name for path in folder.iterdir()) == ["checks.py", "config.py", "reference.py", "start"]
        assert [path.name for path in (folder / "start").iterdir()] == ["main.py"]  # all evolve copies
        config = config_of(folder)
        threshold = float(config["stop_condition.threshold"])  # type: ignore[arg-type]
        reference = score(folder / "checks.py", folder / "reference.py")
        start = score(folder / "checks.py", folder / "start" / "main.py")
        assert reference is not None and start is not None, folder.name  # both run and score
        if config["direction"] == "maximize":
            assert reference >= threshold > start, (folder.name, reference, start)
        else:
            assert reference <= threshold < start, (folder.name, reference, start)


@pytest.mark.slow
def test_the_goals_are_distinct_and_listed(written: Path) -> None:
    goals = (written / practice.GOALS_FILE).read_text().splitlines()
    assert len(goals) == len(set(goals)) == PER_FAMILY * len(practice.FAMILIES)
    assert goals == [config_of(folder)["goal"] for folder in sorted(written.iterdir()) if folder.is_dir()]
    assert all("\n" not in goal for goal in goals)


def test_no_task_uses_a_name_or_goal_of_the_search_suite() -> None:
    templates = [*practice.NUMERIC_TEMPLATES, *practice.STRING_TEMPLATES]
    names = {template.name for template in templates} | {name for curve in practice.CURVES for name in curve.names}
    assert names.isdisjoint(practice.SUITE_NAMES)
    suite_goals = {normalized_goal(goal) for goal in practice.SUITE_GOALS}
    assert len(suite_goals) == 16
    for seed in range(2):
        for task in practice.generate(8, seed=seed):
            assert normalized_goal(task.goal) not in suite_goals
            for source in (task.program, task.reference):
                defined = {node.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.FunctionDef)}
                assert defined == {task.function} and task.function not in practice.SUITE_NAMES


@pytest.mark.parametrize("name", ["count_even", "word_count", "Rectangle"])
def test_a_template_that_copies_the_suite_is_refused(name: str) -> None:
    drawn = practice.FAMILIES["docstring"](random.Random(0))
    with pytest.raises(AssertionError, match=f"uses the search-efficiency suite's {name!r}"):
        practice.build_task(f"000-docstring-{name}", "docstring", drawn | {"function": name})
    suite_goal = "  " + practice.SUITE_GOALS[-1].upper()  # compared as from-runs compares goals
    with pytest.raises(AssertionError, match="uses the search-efficiency suite's"):
        practice.build_task("000-docstring-x", "docstring", drawn | {"goal": suite_goal})


def test_the_frozen_suite_list_matches_the_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    if not SUITE.exists():
        pytest.skip(f"{SUITE.relative_to(ROOT)} is not in this checkout (it is on branch issue-19-search)")
    monkeypatch.syspath_prepend(str(SUITE.parent))
    suite = importlib.import_module("suite")
    tasks = [suite.TASKS[name] for names in suite.SPLIT.values() for name in names]
    assert {task.goal for task in tasks} == set(practice.SUITE_GOALS)
    defined = {
        node.name
        for task in tasks
        for source in (task.program, task.reference)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("__")
    }
    assert defined == practice.SUITE_NAMES


def test_a_template_whose_reference_or_start_is_wrong_is_caught() -> None:
    (task,) = practice.generate(1, seed=0, families=["constants"])
    assert task.direction is Direction.MINIMIZE
    with pytest.raises(AssertionError, match=f"practice task {task.name}: its reference scores"):
        practice.verify(dataclasses.replace(task, threshold=-1.0))  # nothing scores below a squared error of 0
    with pytest.raises(AssertionError, match="its starting program already scores"):
        practice.verify(dataclasses.replace(task, program=task.reference))
    (repair,) = practice.generate(1, seed=0, families=["repair"])
    with pytest.raises(AssertionError, match="its reference scores None"):
        practice.verify(dataclasses.replace(repair, reference="raise SystemExit(3)\n"))


@pytest.mark.slow  # two evolve runs, about 10 s
def test_a_written_config_evolves_as_is_and_its_run_feeds_from_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "practice"
    assert main(["data", "practice", "--count", "4", "--seed", "3", "--out", str(out)]) == 0
    folders = {folder.name.split("-")[1]: folder for folder in out.iterdir() if folder.is_dir()}
    wrong = folders["docstring"] / "wrong.py"
    wrong.write_text(f"def {folders['docstring'].name.split('-', 2)[2]}(*args):\n    return None\n")
    for family, reply in (("constants", "reference.py"), ("docstring", "wrong.py")):
        folder = folders[family]
        argv = [sys.executable, "-m", "tinkerer_core.cli", "evolve", str(folder / "config.py"), "max_iterations=1"]
        scripted = [f"llm.mock_responses.0={whole_file((folder / reply).read_text())}", "llm.model=openai/gpt-4o-mini"]
        completed = subprocess.run(
            [*argv, f"run_dir={tmp_path / family}", *scripted],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
        baseline, experiment = RunStore(tmp_path / family).experiments()
        assert baseline.baseline and baseline.score == score(folder / "checks.py", folder / "start" / "main.py")
        assert experiment.score == score(folder / "checks.py", folder / reply)
        threshold = config_of(folder)["stop_condition.threshold"]
        if family == "constants":  # the reference: solved, the run stops at the threshold
            assert f"reached threshold {threshold:g} (minimize)" in completed.stdout
        else:  # a program that returns None passes no check: it scores 0 and the run goes on
            assert experiment.score == 0.0 and "reached threshold" not in completed.stdout
    capsys.readouterr()
    runs = [str(tmp_path / family) for family in ("constants", "docstring")]
    assert main(["data", "from-runs", *runs, "--out", str(tmp_path / "rows")]) == 0
    # the constants reply beat its start; the wrong docstring reply scored 0, as the start (the baseline) did
    assert "sft.jsonl: 1 rows\nhindsight.jsonl: 2 rows" in capsys.readouterr().out
    assert (
        main(["data", "from-runs", *runs, "--out", str(tmp_path / "none"), "--exclude-goals", str(out / "goals.txt")])
        == 2
    )
    assert "gave no training rows" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--count", "0", "--out", "{tmp}/out"], "--count 0 is below 1: give how many practice tasks"),
        (["--count", "2", "--out", "{tmp}/file.txt"], "--out {tmp}/file.txt is a file, not a folder"),
        (["--count", "2", "--out", "{tmp}/out", "--family", "speed"], "--family speed is not a family: give some of"),
    ],
)
def test_bad_arguments_are_refused_naming_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "file.txt").write_text("not a folder")
    assert main(["data", "practice", *(arg.format(tmp=tmp_path) for arg in argv)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {message.format(tmp=tmp_path)}")
    assert not (tmp_path / "out").exists()


def test_the_documented_commands_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = DOCS.read_text().splitlines()
    (command,) = [shlex.split(line) for line in lines if line.startswith("tinkerer data practice")]
    monkeypatch.chdir(tmp_path)
    assert main(command[1:]) == 0
    assert f"{command[command.index('--count') + 1]} practice tasks" in capsys.readouterr().out
    evolve = next(shlex.split(line) for line in lines if line.startswith("tinkerer evolve practice/"))
    assert Path(evolve[2]).is_file()  # the task the docs evolve is the one the command wrote first
    assert len(Path("practice/goals.txt").read_text().splitlines()) == int(command[command.index("--count") + 1])
