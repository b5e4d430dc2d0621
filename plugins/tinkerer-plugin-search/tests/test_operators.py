"""The LLM-free operators, and when the strategies use them: real search code, real programs as data."""

from __future__ import annotations

import ast
import random
from collections.abc import Callable, Mapping
from dataclasses import replace

import pytest

from tinkerer_core import Experiment, Proposal, SearchState
from tinkerer_plugin_search.evolutionary import EvolutionarySearch
from tinkerer_plugin_search.linear import LinearSearch
from tinkerer_plugin_search.operators import crossover, mutate_literals, numeric_literals, step_further

PROGRAM = '''"""Fit 0.5 (a docstring's number is no parameter)."""
RATE = 0.5
SIZES = (3, -4)
DEBUG = True


def predict(x):
    """Return 2 times x."""
    return RATE * x + 1  # a comment stays


class Model:
    def scale(self, y):
        return y * 10


print(f"SCORE: {predict(2) - 1 ** 2}")
'''


def test_literals_are_the_constants_of_definitions_and_module_constants() -> None:
    found = [(lit.line, lit.value) for lit in numeric_literals("main.py", PROGRAM)]
    assert found == [(2, 0.5), (3, 3), (3, -4), (9, 1), (14, 10)]  # not the docstrings, True, nor the print


def test_mutating_literals_moves_one_to_three_and_keeps_the_rest_of_the_file() -> None:
    for seed in range(30):
        edit = mutate_literals({"main.py": PROGRAM, "tests/test_main.py": "X = 1\n"}, random.Random(seed), 3)
        assert edit is not None and edit.operator == "mutate_literals"
        assert set(edit.files) == {"main.py"}  # tests are never mutated
        new = edit.files["main.py"]
        ast.parse(new)
        changed = [(a, b) for a, b in zip(PROGRAM.splitlines(), new.splitlines(), strict=True) if a != b]
        assert 1 <= len(changed) <= 3
        assert "# a comment stays" in new and new.endswith('print(f"SCORE: {predict(2) - 1 ** 2}")\n')
        assert edit.idea.startswith("Mutate numeric literals of #3: main.py:")


def test_steps_are_coarse_and_fine_and_ints_stay_ints() -> None:
    values = []
    for seed in range(200):
        edit = mutate_literals({"main.py": "RATE = 0.5\nN = 4\n"}, random.Random(seed), None)
        assert edit is not None
        namespace: dict[str, float] = {}
        exec(compile(edit.files["main.py"], "main.py", "exec"), namespace)  # the test's own program
        assert isinstance(namespace["N"], int) and namespace["N"] >= 0
        values.append(namespace["RATE"])
    moves = [abs(v - 0.5) / 0.5 for v in values if v != 0.5]
    assert min(moves) < 0.02 and max(moves) > 0.3  # log-uniform steps: fine and coarse


def test_a_program_without_numbers_has_no_mutation() -> None:
    assert mutate_literals({"main.py": "def f(x):\n    return x\n"}, random.Random(0), 1) is None


A = """K = 1.0


def double(x):
    return x + 2


class Box:
    def area(self):
        return 0

    def name(self):
        return "box"
"""
B = """K = 3.0


def double(x):
    return x * 2


class Box:
    def area(self):
        return self.w * self.h

    def name(self):
        return "box"
"""


def test_crossover_takes_some_of_the_other_parents_definitions() -> None:
    children = set()
    for seed in range(30):
        edit = crossover({"main.py": A}, {"main.py": B}, random.Random(seed), 1, 2)
        assert edit is not None and edit.operator == "crossover"
        child = edit.files["main.py"]
        ast.parse(child)
        assert child not in (A, B)  # some, never all, of what differs
        children.add(child)
    assert len(children) == 6  # every proper, non-empty subset of {K, double, Box.area}
    assert any("return self.w * self.h" in c and "return x + 2" in c and "K = 1.0" in c for c in children)


def test_crossover_needs_two_differences() -> None:
    one_change = A.replace("return x + 2", "return x * 2")
    assert crossover({"main.py": A}, {"main.py": one_change}, random.Random(0), 1, 2) is None


def files_from(programs: Mapping[int | None, str]) -> Callable[[int | None], Mapping[str, str]]:
    """``SearchState.files_of`` over programs by experiment id (None: the starting code)."""
    return lambda experiment_id: {"main.py": programs.get(experiment_id, programs[None])}


def with_files(state: SearchState, programs: Mapping[int | None, str], operators: dict[int, str]) -> SearchState:
    return replace(state, files_of=files_from(programs), operators=operators)


def committed(experiment: Experiment) -> Experiment:
    return replace(experiment, commit=f"c{experiment.id}")


def test_the_first_experiment_scores_the_starting_code(state) -> None:
    for search in (EvolutionarySearch(), LinearSearch()):
        first = search.propose(with_files(state(), {None: A}, {}), 2)[0]
        assert first == Proposal(None, "Score the starting code as it is.", "draft", files={}, operator="baseline")
    assert EvolutionarySearch(score_start=False).propose(with_files(state(), {None: A}, {}), 1)[0].files is None


def stalled_history(exp) -> tuple[list[Experiment], dict[int, str]]:
    """A scored baseline, then three agent experiments that repeated it (failed as identical)."""
    history = [committed(exp(1, score=10.0))] + [
        replace(exp(i, 1, failed=True), error="agent: reply identical to parent", result=None) for i in (2, 3, 4)
    ]
    return history, {1: "baseline", 2: "agent", 3: "agent", 4: "agent"}


@pytest.mark.parametrize("search", [EvolutionarySearch(num_islands=1), LinearSearch()], ids=["evolutionary", "linear"])
def test_a_stuck_agent_makes_room_for_edits_without_an_llm(exp, state, search) -> None:
    history, operators = stalled_history(exp)
    programs = {None: PROGRAM, 1: PROGRAM}
    free = 0
    for seed in range(40):
        proposals = search.propose(with_files(state(history, seed=seed), programs, operators), 1)
        if proposals[0].files is not None:
            free += 1
            assert proposals[0].operator == "mutate_literals" and proposals[0].parent_id == 1
            assert proposals[0].files["main.py"] != PROGRAM  # never a program the run has seen
    assert free >= 30  # at most flat_share 0.9 once stuck (no timings yet: the cap)


def test_while_the_agent_improves_few_edits_skip_the_llm(exp, state) -> None:
    history = [committed(exp(1, score=1.0)), committed(exp(2, 1, score=2.0)), committed(exp(3, 2, score=3.0))]
    operators = {1: "baseline", 2: "agent", 3: "agent"}
    programs = {None: PROGRAM, 1: PROGRAM, 2: PROGRAM.replace("0.5", "0.6"), 3: PROGRAM.replace("0.5", "0.7")}
    search = EvolutionarySearch(num_islands=1)
    free = sum(
        search.propose(with_files(state(history, seed=seed), programs, operators), 1)[0].files is not None
        for seed in range(100)
    )
    assert 8 <= free <= 35  # free_share 0.2


def test_a_winning_edit_is_followed_up_and_slow_runs_get_fewer_edits(exp, state) -> None:
    history, operators = stalled_history(exp)
    won = [*history, committed(exp(5, 1, score=11.0))]  # above the baseline: a new best
    programs = {None: PROGRAM, 1: PROGRAM, 5: PROGRAM.replace("0.5", "0.55")}
    search = EvolutionarySearch(num_islands=1)
    after_win = [
        search.propose(with_files(state(won, seed=s), programs, {**operators, 5: "mutate_literals"}), 1)[0]
        for s in range(20)
    ]
    # share 1 right after an LLM-free new best (an operator may find nothing new in its six draws)
    assert sum(p.files is not None for p in after_win) >= 18
    slow = [replace(e, agent_seconds=1.0) for e in history]  # each LLM call 1 s, each run 1 s (the fixture's)
    shares = [
        search.propose(with_files(state(slow, seed=s), programs, operators), 1)[0].files is not None for s in range(100)
    ]
    assert 30 <= sum(shares) <= 70  # runs as slow as calls: about one LLM-free run per call


def test_a_step_that_improved_is_taken_twice_as_far() -> None:
    before = PROGRAM.replace("RATE = 0.5", "RATE = 0.4")  # the winner moved RATE 0.4 -> 0.5 and SIZES' -4 -> -3
    after = PROGRAM.replace("SIZES = (3, -4)", "SIZES = (3, -3)")
    edit = step_further({"main.py": after}, {"main.py": before}, 7)
    assert edit is not None and edit.operator == "mutate_literals"
    assert "RATE = 0.7" in edit.files["main.py"] and "SIZES = (3, -1)" in edit.files["main.py"]
    assert edit.files["main.py"].replace("RATE = 0.7", "RATE = 0.5").replace("(3, -1)", "(3, -4)") == PROGRAM
    assert edit.idea.startswith("Take the step that improved #7 further")
    assert step_further({"main.py": PROGRAM}, {"main.py": PROGRAM}, 7) is None  # no step to take
    other_code = PROGRAM.replace("return y * 10", "return y * 10 + RATE")
    assert step_further({"main.py": other_code}, {"main.py": before}, 7) is None  # more than literals changed


def test_a_winning_mutation_is_followed_by_the_same_step_further(exp, state) -> None:
    history, operators = stalled_history(exp)
    won = [*history, committed(exp(5, 1, score=11.0))]  # RATE 0.5 -> 0.55 beat the baseline
    programs = {None: PROGRAM, 1: PROGRAM, 5: PROGRAM.replace("RATE = 0.5", "RATE = 0.55")}
    for search in (EvolutionarySearch(num_islands=1), LinearSearch()):
        proposal = search.propose(with_files(state(won), programs, {**operators, 5: "mutate_literals"}), 1)[0]
        assert proposal.parent_id == 5 and proposal.operator == "mutate_literals"
        assert proposal.files is not None and "RATE = 0.65" in proposal.files["main.py"]


def test_a_stuck_island_restarts_from_another_islands_best(exp, state) -> None:
    history = [committed(exp(1, score=5.0)), committed(exp(2, score=1.0))]  # islands 0 and 1
    history += [replace(exp(i, 1, failed=True), result=None) for i in (3, 5, 7)]  # island 0's agent is stuck
    operators = {1: "agent", 2: "agent", 3: "agent", 5: "agent", 7: "agent"}
    search = EvolutionarySearch(num_islands=2, operators=("restart",))
    proposals = [search.propose(with_files(state(history, seed=s), {None: A}, operators), 2) for s in range(10)]
    restarts = [p for pair in proposals for p in pair if p.operator == "restart"]
    assert restarts and {p.parent_id for p in restarts} <= {1, 2}
    assert all(p.files is None for pair in proposals for p in pair)  # restart is an agent call
