"""linear_search: one line of experiments built on the best so far."""

from __future__ import annotations

import pytest

from tinkerer_core import Direction
from tinkerer_plugin_search.linear import LINEAR_PRESETS, LinearSearch


def test_starts_with_one_draft_then_waits_for_it(exp, state):
    search = LinearSearch()
    (proposal,) = search.propose(state(), 3)
    assert (proposal.parent_id, proposal.kind) == (None, "draft")
    assert search.propose(state([exp(1, running=True)]), 2) == []


@pytest.mark.parametrize(("direction", "expected"), [(Direction.MAXIMIZE, 2), (Direction.MINIMIZE, 3)])
def test_improves_the_best_by_direction(exp, state, direction, expected):
    history = [exp(1, score=0.5), exp(2, 1, score=0.9), exp(3, 1, score=0.1), exp(4, 2, failed=True)]
    proposals = LinearSearch().propose(state(history, direction=direction), 3)
    assert len(proposals) == 3
    assert {p.parent_id for p in proposals} == {expected}
    assert {p.kind for p in proposals} == {"improve"}
    assert len({p.idea for p in proposals}) == 3


def test_heuristic_idea_quotes_the_feedback(exp, state):
    (proposal,) = LinearSearch().propose(state([exp(1, score=0.4, feedback="underfits the tails")]), 1)
    assert "#1" in proposal.idea and "score 0.4" in proposal.idea and "underfits the tails" in proposal.idea


def test_debugs_the_last_failure_while_nothing_scored(exp, state):
    (proposal,) = LinearSearch().propose(state([exp(1, failed=True)]), 2)
    assert (proposal.parent_id, proposal.kind) == (1, "debug")
    assert "ZeroDivisionError" in proposal.idea


def test_a_clean_run_without_score_is_improved(exp, state):
    (proposal,) = LinearSearch().propose(state([exp(1, failed=True), exp(2)]), 1)
    assert (proposal.parent_id, proposal.kind) == (2, "improve")


def test_presets_decide_when_a_failing_line_is_redrafted(exp, state):
    failing_line = state([exp(1, failed=True), exp(2, 1, failed=True)])
    assert LinearSearch(preset="MINIMAL").propose(failing_line, 1)[0].kind == "draft"
    assert LinearSearch(preset="DEFAULT").propose(failing_line, 1)[0].kind == "debug"
    assert LinearSearch(preset="MINIMAL", redraft_after=5).propose(failing_line, 1)[0].kind == "debug"


def test_debug_attempts_follow_the_preset_unless_set():
    assert [LinearSearch(preset=name).debug_attempts() for name in LINEAR_PRESETS] == [2, 1, 3]
    assert LinearSearch(preset="PRODUCTION").debug_attempts() == 3
    assert LinearSearch(preset="MINIMAL", code_debug_tries=0).debug_attempts() == 0


def test_same_state_same_proposals_and_the_seed_matters(exp, state):
    history = [exp(1, score=0.5), exp(2, 1, score=0.6)]
    first = LinearSearch().propose(state(history), 2)
    assert first == LinearSearch().propose(state(history), 2)
    seeds = {tuple(LinearSearch().propose(state(history, seed=seed), 2)) for seed in range(8)}
    assert len(seeds) > 1


def test_an_experiment_whose_agent_wrote_nothing_is_retried_not_debugged(exp, state):
    import dataclasses

    wrote_nothing = dataclasses.replace(exp(2, 1, failed=True), result=None, commit="", error="agent: reply identical")
    history = [dataclasses.replace(exp(1, failed=True), commit="abc123"), wrote_nothing]
    (proposal,) = LinearSearch().propose(state(history), 1)
    assert (proposal.parent_id, proposal.kind) == (1, "improve")  # its parent has code; #2 has none to debug
    (proposal,) = LinearSearch().propose(state([dataclasses.replace(wrote_nothing, parent_id=None)]), 1)
    assert (proposal.parent_id, proposal.kind) == (None, "draft")
