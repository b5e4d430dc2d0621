"""LLM-driven paths through the real gateway with scripted replies: ideas, selection, validation, fallbacks."""

from __future__ import annotations

import json

import pytest

from tinkerer_core.llm import LLMConfig, LLMLedger, lazy_llm
from tinkerer_plugin_search.answers import FALLBACKS
from tinkerer_plugin_search.evolutionary import EvolutionarySearch
from tinkerer_plugin_search.linear import LinearSearch
from tinkerer_plugin_search.tree_search import LLMTreeSearch


def reply(**fields: object) -> str:
    return json.dumps(fields)


@pytest.fixture
def grown(exp):
    """Four scored drafts; the best (#2) has three children, #7 a dead branch."""
    drafts = [exp(1, score=0.5), exp(2, score=0.9), exp(3, score=0.3), exp(4, score=0.7)]
    return [*drafts, exp(5, 2, score=0.2), exp(6, 2, score=0.1), exp(7, 2, failed=True)]


def test_linear_takes_the_models_ranked_ideas(exp, state, scripted_llm):
    llm = scripted_llm(reply(ideas=["fit a cubic spline", "add L2 regularisation", "use more data"]))
    proposals = LinearSearch().propose(state([exp(1, score=0.4)], llm=llm), 2)
    assert [(p.parent_id, p.idea) for p in proposals] == [(1, "fit a cubic spline"), (1, "add L2 regularisation")]


def test_a_malformed_answer_falls_back_to_the_heuristic_and_is_counted(exp, state, scripted_llm):
    before = FALLBACKS.counts["linear_search: ideas"]
    llm = scripted_llm("I think you should try harder.", '{"ideas": "not a list"}')
    (proposal,) = LinearSearch().propose(state([exp(1, score=0.4, feedback="noisy")], llm=llm), 1)
    assert proposal.idea.startswith("Improve experiment #1") and "noisy" in proposal.idea
    assert FALLBACKS.counts["linear_search: ideas"] == before + 1


def test_tree_selection_ignores_unknown_and_pruned_ids(state, grown, scripted_llm):
    answer = reply(selected=[99, 7, 4], ideas=["bag three models", "standardise inputs"])
    proposals = LLMTreeSearch().propose(state(grown, max_iterations=10, llm=scripted_llm(answer, answer)), 2)
    assert [(p.parent_id, p.idea) for p in proposals] == [(4, "bag three models"), (4, "standardise inputs")]


def test_tree_selection_without_a_valid_id_falls_back_to_best_first(state, grown, scripted_llm):
    before = FALLBACKS.counts["llm_tree_search: select"]
    llm = scripted_llm(reply(selected=[99]), reply(selected=[7]), reply(ideas=["on two"]), reply(ideas=["on four"]))
    proposals = LLMTreeSearch().propose(state(grown, max_iterations=10, llm=llm), 2)
    assert [(p.parent_id, p.idea) for p in proposals] == [(2, "on two"), (4, "on four")]
    assert FALLBACKS.counts["llm_tree_search: select"] == before + 1


def test_heavy_thinking_refines_ideas_over_several_rounds(state, scripted_llm):
    ledger = LLMLedger()
    rounds = [reply(ideas=["a", "b"]), reply(ideas=["a2", "b2"]), reply(reasoning="b2 is safer", ideas=["b3", "a3"])]
    proposals = LLMTreeSearch(preset="HEAVY_THINKING").propose(state(llm=scripted_llm(*rounds, ledger=ledger)), 2)
    assert [p.idea for p in proposals] == ["b3", "a3"]
    assert [purpose for purpose, _ in ledger.calls] == ["llm_tree_search: ideas"] * 3


def test_evolutionary_asks_the_model_for_the_idea(exp, state, scripted_llm):
    llm = scripted_llm(reply(ideas=["vectorise the inner loop"]))
    (proposal,) = EvolutionarySearch(num_islands=1).propose(state([exp(1, score=0.3)], llm=llm), 1)
    assert (proposal.parent_id, proposal.idea) == (1, "vectorise the inner loop")


def test_idea_generation_models_replace_the_runs_model_on_the_same_ledger(state, scripted_llm):
    ledger = LLMLedger()
    config = LLMConfig(model="openai/gpt-4o-mini", mock_responses=(reply(ideas=["x"]),))
    run_llm = lazy_llm(config, ledger)
    search = LLMTreeSearch(preset="MINIMAL", idea_generation_model="openai/gpt-4o")
    search.propose(state(llm=run_llm), 1)
    ensemble = LLMTreeSearch(preset="MINIMAL", idea_generation_ensemble_models=("openai/gpt-4.1-mini", "openai/o3"))
    ensemble.propose(state(llm=run_llm), 1)
    first, second = (completion.model for _, completion in ledger.calls)
    assert first == "openai/gpt-4o" and second in ("openai/gpt-4.1-mini", "openai/o3")
