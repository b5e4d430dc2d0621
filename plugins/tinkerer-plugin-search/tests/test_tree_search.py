"""llm_tree_search without an LLM: drafts, exploration then exploitation, pruning, presets."""

from __future__ import annotations

import pytest

from tinkerer_core import Direction, create_component
from tinkerer_plugin_search.tree_search import TREE_PRESETS, LLMTreeSearch


@pytest.fixture
def grown(exp):
    """Four scored drafts; the best (#2) already has three weaker children."""
    drafts = [exp(1, score=0.5), exp(2, score=0.9), exp(3, score=0.3), exp(4, score=0.7)]
    return [*drafts, exp(5, 2, score=0.2), exp(6, 2, score=0.1), exp(7, 2, failed=True)]


def test_first_step_drafts_first_experiment_factor_times_experimentation_per_run(state):
    drafts = {name: LLMTreeSearch(preset=name).propose(state(), 50) for name in TREE_PRESETS}
    assert {name: len(p) for name, p in drafts.items()} == {
        "PRODUCTION": 4,
        "HEAVY_EXPERIMENTATION": 12,
        "HEAVY_THINKING": 2,
        "MINIMAL": 1,
    }
    assert all(p.kind == "draft" and p.parent_id is None for ps in drafts.values() for p in ps)
    assert len({p.idea for p in drafts["PRODUCTION"]}) == 4


def test_serial_run_keeps_drafting_until_the_first_step_is_done(exp, state):
    search = LLMTreeSearch()  # PRODUCTION: 2 x 2 drafts
    assert search.propose(state([exp(1, score=0.1), exp(2, score=0.2)]), 1)[0].kind == "draft"
    assert search.propose(state([exp(i, score=0.1 * i) for i in range(1, 5)]), 1)[0].kind == "improve"


def test_exploring_spreads_over_less_expanded_nodes_exploiting_takes_the_best(state, grown):
    search = LLMTreeSearch()  # 30% exploration; 2 nodes and 2 experiments per step; #2 has 3 children: full
    explore = search.propose(state(grown, max_iterations=100), 4)
    exploit = search.propose(state(grown, max_iterations=10), 4)
    assert [p.parent_id for p in explore] == [4, 1]
    assert [p.parent_id for p in exploit] == [2, 4]
    assert "#4" in explore[0].idea and "score 0.7" in explore[0].idea


def test_exploitation_follows_the_direction(state, grown):
    proposals = LLMTreeSearch(node_expansion_limit=1).propose(
        state(grown, direction=Direction.MINIMIZE, max_iterations=10), 2
    )
    assert [p.parent_id for p in proposals] == [6, 6]


def test_unbounded_runs_explore_a_share_of_the_steps(exp, state):
    search = LLMTreeSearch(exploration_budget_percent=50.0)
    flags = [
        search.exploring(state([exp(i, score=0.1) for i in range(1, n + 1)], max_iterations=None)) for n in range(8)
    ]
    assert flags == [False, True, False, True, False, True, False, True]


def test_dead_branches_are_pruned(exp, state):
    search = LLMTreeSearch(preset="MINIMAL", node_expansion_limit=2, experimentation_per_run=2)
    history = [exp(1, score=0.9), exp(2, 1, failed=True), exp(3, 1, score=0.5), exp(4, 3, score=0.6)]
    history += [exp(5, 4, failed=True), exp(6, failed=True)]
    # failed leaves #2, #5, #6 are dead; #4 had its one child (MINIMAL) and it died: pruned; #1 and #3 stay
    proposals = search.propose(state(history, max_iterations=5), 2)
    assert [p.parent_id for p in proposals] == [1, 3]


def test_all_branches_pruned_starts_new_roots_unless_one_is_running(exp, state):
    search = LLMTreeSearch(preset="MINIMAL")
    dead = [exp(1, failed=True)]
    for max_iterations in (5, 50):  # after the exploration budget too
        (draft,) = search.propose(state(dead, max_iterations=max_iterations), 1)
        assert (draft.parent_id, draft.kind) == (None, "draft")
    assert search.propose(state([exp(1, failed=True), exp(2, running=True)], max_iterations=50), 1) == []


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
def test_never_more_than_count(state, grown, count):
    for preset in TREE_PRESETS:
        assert len(LLMTreeSearch(preset=preset).propose(state(grown), count)) <= count
    assert LLMTreeSearch().propose(state(grown), 0) == []


def test_step_width_is_capped_by_the_nodes_and_children_per_step(state, grown):
    search = LLMTreeSearch(
        node_expansion_limit=1, node_expansion_new_childs_count=2, first_experiment_factor=1, experimentation_per_run=4
    )
    assert len(search.propose(state(grown, max_iterations=10), 8)) == 2


def test_same_state_same_proposals(state, grown):
    assert LLMTreeSearch().propose(state(grown), 4) == LLMTreeSearch().propose(state(grown), 4)


def test_explicit_fields_beat_the_preset():
    search = LLMTreeSearch(preset="MINIMAL", code_debug_tries=7, exploration_budget_percent=75.0)
    assert search.debug_attempts() == 7
    assert search.settings.exploration_budget_percent == 75.0
    assert search.settings.node_expansion_limit == TREE_PRESETS["MINIMAL"].node_expansion_limit
    assert [LLMTreeSearch(preset=name).debug_attempts() for name in TREE_PRESETS] == [3, 2, 5, 1]


def test_fields_set_through_the_manager_beat_the_preset():
    strategy = create_component(
        "search_strategy", "llm_tree_search", {"preset": "HEAVY_THINKING", "node_expansion_limit": 3}
    )
    assert strategy.settings.idea_generation_steps == 3 and strategy.settings.node_expansion_limit == 3
