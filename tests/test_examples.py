"""Every example runs for real: the CLI (or the script) in a subprocess, with scripted model replies.

The examples use ``llm_edit`` with whatever model the user passes; here the model is
``openai/gpt-4o-mini`` with one scripted whole-file reply (litellm's offline ``mock_response``) that
solves the task, so the run applies it, runs it, scores it and stops at the example's threshold.

Two ways to script a reply on the command line, because chz splits a ``tuple[str, ...]`` value on
commas: ``llm.mock_responses=REPLY`` with a reply that holds no comma, or the indexed
``llm.mock_responses.0=REPLY``, which keeps commas but only works when the config file does not set
``llm.mock_responses`` itself (a dict config; an ``EvolveConfig`` config file sets every field).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinkerer_core import ExperimentStatus, RunStore

from .conftest import needs_defaults

pytestmark = needs_defaults

EXAMPLES = Path(__file__).parents[1] / "examples"
MODEL = "openai/gpt-4o-mini"

# a least-squares fit of the log price with the standard library, written without a single comma
HOUSE_PRICES_SOLUTION = """\
# Least squares on the log price: standard library only.

import math

NUMERIC = "sqft bedrooms bathrooms age garage".split()
AREAS = "old_town riverside suburb".split()
SEP = chr(44)


def table(name):
    lines = open("data/" + name).read().split()
    header = lines[0].split(SEP)
    result = []
    for line in lines[1:]:
        cells = line.split(SEP)
        result.append({header[i]: cells[i] for i in range(len(header))})
    return result


def features(row):
    return [1.0] + [float(row[c]) for c in NUMERIC] + [float(row["neighborhood"] == a) for a in AREAS]


def fit(data):
    xs = [features(row) for row in data]
    ys = [math.log(float(row["price"])) for row in data]
    n = len(xs[0])
    m = [[sum(x[i] * x[j] for x in xs) for j in range(n)] for i in range(n)]
    for i in range(n):
        m[i].append(sum(xs[k][i] * ys[k] for k in range(len(xs))))
    for col in range(n):
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [m[r][k] - f * m[col][k] for k in range(n + 1)]
    return [m[i][n] / m[i][i] for i in range(n)]


weights = fit(table("train.csv"))
valid = table("valid.csv")
errors = []
for row in valid:
    x = features(row)
    prediction = sum(weights[i] * x[i] for i in range(len(x)))
    errors.append((prediction - math.log(float(row["price"]))) ** 2)
print(f"RMSE: {math.sqrt(sum(errors) / len(errors)):.4f}")
"""

FIZZBUZZ_SOLUTION = """\
def fizzbuzz(n: int) -> str:
    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    return str(n)


def fizzbuzz_lines(count: int) -> list[str]:
    return [fizzbuzz(n) for n in range(1, count + 1)]
"""


def whole_file_reply(path: str, code: str) -> str:
    """A model reply holding one complete file, as ``llm_edit`` asks for."""
    return f"Here is the complete program.\n\n{path}\n```python\n{code}```\n"


def run(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, env={**os.environ, **env})
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-3000:]
    return completed


def evolve_cli(example: str, cwd: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "tinkerer_core.cli", "evolve", str(EXAMPLES / example)]
    argv += ["run_dir=run", "output_path=best", "max_iterations=2", f"llm.model={MODEL}", *overrides]
    return run(argv, cwd)


def test_house_prices_data_is_what_its_generator_makes(tmp_path: Path) -> None:
    run([sys.executable, str(EXAMPLES / "make_house_prices_data.py"), str(tmp_path)], tmp_path)
    for name, rows in (("train.csv", 300), ("valid.csv", 100)):
        shipped = (EXAMPLES / "house_prices_data" / name).read_text()
        assert (tmp_path / name).read_text() == shipped
        assert shipped.splitlines()[0] == "id,sqft,bedrooms,bathrooms,age,garage,neighborhood,price"
        assert len(shipped.splitlines()) == rows + 1


def test_house_prices_evolves_from_the_command_line(tmp_path: Path) -> None:
    reply = whole_file_reply("main.py", HOUSE_PRICES_SOLUTION)
    assert "," not in reply  # survives chz splitting llm.mock_responses on commas
    completed = evolve_cli("house_prices.py", tmp_path, f"llm.mock_responses={reply}")
    assert "best score: 0.082 (minimize) from experiment 1" in completed.stdout
    assert "stopped: score 0.082 reached threshold 0.12 (minimize)" in completed.stdout
    assert (tmp_path / "best" / "main.py").read_text() == HOUSE_PRICES_SOLUTION
    store = RunStore(tmp_path / "run")
    (experiment,) = store.experiments()
    assert experiment.status is ExperimentStatus.SUCCEEDED
    assert experiment.score == pytest.approx(0.082)
    assert experiment.result is not None and "RMSE: 0.0820" in experiment.result.output
    assert {call["model"] for call in store.llm_calls()} == {MODEL}
    assert store.meta()["direction"] == "minimize"


def test_fizzbuzz_is_scored_by_its_tests_from_the_command_line(tmp_path: Path) -> None:
    reply = whole_file_reply("fizzbuzz.py", FIZZBUZZ_SOLUTION)
    completed = evolve_cli("fizzbuzz_pytest.py", tmp_path, f"llm.mock_responses.0={reply}")
    assert "best score: 1 (maximize) from experiment 2" in completed.stdout  # experiment 1: the stub as it is
    assert "reached threshold 1" in completed.stdout
    assert (tmp_path / "best" / "fizzbuzz.py").read_text() == FIZZBUZZ_SOLUTION
    assert (tmp_path / "best" / "tests" / "test_fizzbuzz.py").is_file()
    baseline, experiment = RunStore(tmp_path / "run").experiments()
    assert baseline.baseline and baseline.score == 0.0
    assert experiment.evaluation is not None
    assert experiment.evaluation.feedback == "5/5 tests passed"
    assert experiment.evaluation.metrics["passed"] == 5.0


def test_fizzbuzz_stub_scores_zero_and_the_run_goes_to_its_budget(tmp_path: Path) -> None:
    stub = (EXAMPLES / "fizzbuzz_repo" / "fizzbuzz.py").read_text()
    half = stub.replace(
        "    raise NotImplementedError\n\n\ndef fizzbuzz_lines", "    return str(n)\n\n\ndef fizzbuzz_lines", 1
    )
    assert half != stub
    completed = evolve_cli(
        "fizzbuzz_pytest.py", tmp_path, f"llm.mock_responses.0={whole_file_reply('fizzbuzz.py', half)}"
    )
    assert "stopped: max_iterations (2) reached" in completed.stdout
    baseline, first, _ = RunStore(tmp_path / "run").experiments()
    assert baseline.baseline and baseline.score == 0.0  # the stub as it is passes no test
    assert first.score == pytest.approx(1 / 5)  # only the plain numbers pass


def test_evolve_api_script_runs_with_the_model_from_the_environment(tmp_path: Path) -> None:
    reply_file = tmp_path / "reply.md"
    reply_file.write_text(whole_file_reply("main.py", HOUSE_PRICES_SOLUTION))
    script = [sys.executable, str(EXAMPLES / "evolve_api.py"), "--max-iterations", "2"]
    script += ["--run-dir", "run", "--output", "best", "--scripted-reply", str(reply_file)]
    completed = run(script, tmp_path, TINKERER_MODEL=MODEL)
    assert "score: 0.082" in completed.stdout
    assert "lineage: #1" in completed.stdout
    assert "stopped: score 0.082 reached threshold 0.12 (minimize)" in completed.stdout
    assert (tmp_path / "best" / "main.py").read_text() == HOUSE_PRICES_SOLUTION
    store = RunStore(tmp_path / "run")
    assert {call["model"] for call in store.llm_calls()} == {MODEL}
    assert store.experiments()[0].kind == "draft"


def test_a_component_of_an_evolve_config_file_can_be_switched_on_the_command_line(tmp_path: Path) -> None:
    reply = whole_file_reply("main.py", HOUSE_PRICES_SOLUTION)
    completed = evolve_cli(
        "house_prices.py", tmp_path, "search_strategy=llm_tree_search", f"llm.mock_responses={reply}"
    )
    assert "best score: 0.082" in completed.stdout
