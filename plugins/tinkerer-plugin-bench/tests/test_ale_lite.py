"""ale-lite: AHC-shaped problems (generator, scorer, local tester), relative scores against reference solutions."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tinkerer_core import Direction, create_component
from tinkerer_plugin_bench.ale.judge import run_case
from tinkerer_plugin_bench.ale.lite import AleLite
from tinkerer_plugin_bench.ale.references import REFERENCES
from tinkerer_plugin_bench.ale.relative import case_relative, standing
from tinkerer_plugin_bench.ale.tools import knapsack, route

from .conftest import KNAPSACK_BY_RATIO, ROUTE_IN_ORDER


@pytest.fixture(scope="module")
def suite(bench_data: Path) -> AleLite:
    return create_component("benchmark_suite", "ale-lite")


def test_generators_are_seeded_and_inputs_within_the_constraints() -> None:
    assert route.generate(3) == route.generate(3) != route.generate(4)
    cities = route.parse_input(route.generate(3))
    assert 50 <= len(cities) <= 200 and len(set(cities)) == len(cities)
    assert all(0 <= x <= 1000 and 0 <= y <= 1000 for x, y in cities)
    capacity, items = knapsack.parse_input(knapsack.generate(3))
    assert 50 <= len(items) <= 200 and capacity == sum(w for w, _ in items) // 3


@pytest.mark.parametrize(
    ("tools", "output", "message"),
    [
        (route, "0 1 2", "each of the"),
        (route, "zero", "city numbers"),
        (knapsack, "0 0", "more than once"),
        (knapsack, "999", "numbered 0 to"),
        (knapsack, "every item", "more than the capacity"),
    ],
)
def test_the_scorer_refuses_wrong_answers(tools, output: str, message: str) -> None:
    case = tools.generate(7)
    if output == "every item":
        output = " ".join(map(str, range(len(knapsack.parse_input(case)[1]))))
    with pytest.raises(tools.WrongAnswer, match=message):
        tools.score(case, output)


def test_the_scorer_scores_a_known_answer() -> None:
    square = "4\n0 0\n0 10\n10 10\n10 0\n"
    assert route.score(square, "0 1 2 3") == 40
    assert route.score(square, "0 2 1 3") == round(20 + 2 * 200**0.5)
    assert knapsack.score("3 10\n5 7\n5 3\n6 9\n", "0 1") == 10
    assert knapsack.score("3 10\n5 7\n5 3\n6 9\n", "") == 0


@pytest.mark.parametrize("problem", ["route", "knapsack"])
def test_the_references_are_accepted_and_climb(problem: str) -> None:
    tools = route if problem == "route" else knapsack
    inputs = [tools.generate(seed) for seed in range(1000, 1005)]
    totals = [sum(tools.score(text, solve(text)) for text in inputs) for _, solve in REFERENCES[problem]]
    direction = Direction(tools.DIRECTION)
    assert not any(direction.is_better(earlier, later) for earlier, later in itertools.pairwise(totals))
    assert direction.is_better(totals[-1], totals[0])


def test_relative_scores_are_measured_to_the_best_of_the_field() -> None:
    assert case_relative(50, [50, 100, None], Direction.MAXIMIZE) == 50.0
    assert case_relative(200, [100, 200], Direction.MINIMIZE) == 50.0
    assert case_relative(None, [100, 200], Direction.MINIMIZE) == 0.0
    place = standing("me", [100, None], {"a": [50, 40], "b": [100, 80]}, Direction.MAXIMIZE)
    assert place.field == {"a": 50.0, "b": 100.0, "me": 50.0}  # case 2: b is the best, my rejected case is 0
    assert (place.relative_score, place.rank, place.field_size) == (50.0, 2, 3)


def test_the_view_holds_the_statement_tools_and_public_cases_only(suite: AleLite, tmp_path: Path) -> None:
    setup = suite.prepare("route", tmp_path / "view")
    listed = sorted(str(path.relative_to(setup.data_dir)) for path in setup.data_dir.rglob("*") if path.is_file())
    assert listed == [
        *(f"in/{seed:04d}.txt" for seed in range(5)),
        "statement.md",
        "tools/local_tester.py",
        "tools/problem.py",
    ]
    assert setup.direction is Direction.MINIMIZE
    assert setup.config["command"] == "python data/tools/local_tester.py main.py"
    assert "## Scoring" in setup.goal and "SCORE: <total>" in setup.goal
    assert (suite.root / "route" / "private" / "relative_results.json").is_file()


def test_the_local_tester_runs_a_solution_on_the_public_cases(suite: AleLite, tmp_path: Path) -> None:
    setup = suite.prepare("knapsack", tmp_path / "view")
    (tmp_path / "data").symlink_to(setup.data_dir)
    (tmp_path / "main.py").write_text(KNAPSACK_BY_RATIO)
    done = subprocess.run(
        [sys.executable, "data/tools/local_tester.py", "main.py"], cwd=tmp_path, capture_output=True, text=True
    )
    expected = sum(
        knapsack.score(knapsack.generate(seed), REFERENCES["knapsack"][2][1](knapsack.generate(seed)))
        for seed in range(5)
    )
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[-1] == f"SCORE: {expected}"
    (tmp_path / "main.py").write_text("print('0 0')")
    failed = subprocess.run(
        [sys.executable, "data/tools/local_tester.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert failed.returncode == 1 and "wrong answer: an item is chosen more than once" in failed.stdout
    assert "SCORE" not in failed.stdout  # a rejected submission has no total


def test_a_reference_grade_ranks_among_the_references(suite: AleLite, tmp_path: Path) -> None:
    suite.prepare("knapsack", tmp_path / "view")
    (tmp_path / "main.py").write_text(KNAPSACK_BY_RATIO)
    grade = suite.grade("knapsack", tmp_path)
    assert grade.valid_submission and grade.details["judge"] == {"AC": 30}
    # the same answers as the "greedy by value per weight" reference: the same relative score
    field = grade.details["field"]
    assert field["this submission"] == field["greedy by value per weight"] < field["greedy + swaps"] == 100.0
    assert grade.details["rank"] == 2 and grade.verdict.startswith("relative 99.")


def test_a_naive_route_is_far_behind(suite: AleLite, tmp_path: Path) -> None:
    suite.prepare("route", tmp_path / "view")
    (tmp_path / "main.py").write_text(ROUTE_IN_ORDER)
    grade = suite.grade("route", tmp_path)
    assert grade.valid_submission
    assert grade.details["rank"] == 4 and grade.details["field_size"] == 5  # ties with "input order", last
    assert grade.details["relative_score"] < 20


def test_failing_cases_make_a_submission_invalid(suite: AleLite, tmp_path: Path) -> None:
    suite.prepare("knapsack", tmp_path / "view")
    (tmp_path / "main.py").write_text("raise SystemExit('no idea')")
    grade = suite.grade("knapsack", tmp_path)
    assert not grade.valid_submission and grade.details["judge"] == {"RE": 30}
    assert grade.details["relative_score"] == 0.0 and "0/30 cases accepted" in grade.verdict
    assert "no idea" in grade.details["first_failure"]


def test_the_judge_stops_a_solution_at_the_time_limit(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text("import time\ntime.sleep(30)\n")
    quick_limit = SimpleNamespace(TIME_LIMIT_S=0.2, score=knapsack.score, WrongAnswer=knapsack.WrongAnswer)
    result = run_case(tmp_path, "slow.py", knapsack.generate(1), quick_limit, hidden=())  # type: ignore[arg-type]
    assert result.judge == "TLE" and result.score is None and result.seconds < 10
