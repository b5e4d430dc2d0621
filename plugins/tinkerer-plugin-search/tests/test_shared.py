"""The shared pieces: registration, answer validation, ranking, seeding."""

from __future__ import annotations

import pytest

from tinkerer_core import Direction, create_component, get_manager
from tinkerer_plugin_search.answers import parse_ideas, selection_parser
from tinkerer_plugin_search.history import History
from tinkerer_plugin_search.seeding import rng_at


def test_the_entry_point_registers_three_strategies():
    manager = get_manager()
    assert {"linear_search", "llm_tree_search", "evolutionary"} <= set(manager.names("search_strategy"))
    assert manager.lookup("search_strategy", "evolutionary").plugin == "search"


def test_ideas_are_validated():
    assert parse_ideas({"ideas": [" scale features ", "", 3, "add a term"]}) == ["scale features", "add a term"]
    assert parse_ideas({"idea": "one"}) == ["one"]
    for bad in (["x"], {"ideas": "x"}, {"ideas": [" ", None]}, {"selected": [1]}):
        with pytest.raises(ValueError):
            parse_ideas(bad)


def test_selected_ids_must_be_candidates():
    parse = selection_parser({3, 5})
    selection = parse({"selected": [5, 99, "3", True, 5, 3]})
    assert selection.ids == (5, 3) and selection.ignored == (99, "3", True)
    for bad in ({"selected": [99]}, {"selected": 3}, [3]):
        with pytest.raises(ValueError):
            parse(bad)


def test_ranking_follows_the_direction_and_puts_missing_scores_last(exp, state):
    history = [exp(1, score=0.5), exp(2), exp(3, score=float("nan")), exp(4, score=0.2), exp(5, score=0.5)]
    ranked = {d: [e.id for e in History(state(history, direction=d)).ranked(history)] for d in Direction}
    assert ranked[Direction.MAXIMIZE][:3] == [1, 5, 4]
    assert ranked[Direction.MINIMIZE][:3] == [4, 1, 5]
    assert set(ranked[Direction.MAXIMIZE][3:]) == {2, 3}


def test_tree_queries(exp, state):
    view = History(state([exp(1, score=0.1), exp(2, 1, failed=True), exp(3, 2, failed=True), exp(4, 1, running=True)]))
    assert [e.id for e in view.lineage(view.by_id[3])] == [1, 2, 3]
    assert view.failure_streak(view.by_id[3]) == 2
    assert [view.is_dead(view.by_id[i]) for i in (1, 2, 3)] == [False, False, True]
    assert [e.id for e in view.running] == [4] and view.ideas_tried_on(1) == ["idea 2", "idea 4"]


def test_seeded_choices_repeat_across_calls():
    assert rng_at(7, 3, "x").random() == rng_at(7, 3, "x").random() != rng_at(7, 4, "x").random()


@pytest.mark.parametrize("strategy", ["linear_search", "llm_tree_search", "evolutionary"])
def test_small_models_spend_no_call_on_ideas(exp, state, strategy):
    pytest.importorskip("tinkerer_plugin_litellm", reason="needs the LLM gateway plugin tinkerer-plugin-litellm")
    from tinkerer_core import LLMConfig, LLMLedger, open_llm

    ledger = LLMLedger()
    small = open_llm(LLMConfig(model="openai/smollm2-135m", mock_responses=('{"ideas": ["x"]}',)), ledger)
    search = create_component("search_strategy", strategy, {})
    proposals = search.propose(state([exp(1, score=0.5)], llm=small), 1)
    assert proposals and ledger.calls == []  # every call of the budget goes to the coding agent
    asked = create_component("search_strategy", strategy, {"ideas": "llm"})
    asked.propose(state([exp(1, score=0.5)], llm=small), 1)
    assert ledger.calls, "ideas=llm asks the model whatever its size"
