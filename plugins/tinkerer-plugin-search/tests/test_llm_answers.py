"""LLM-driven paths through the real gateway with scripted replies: ideas, selection, validation, fallbacks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tinkerer_core import LLM, Completion, LLMLedger, Messages
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


def test_a_malformed_answer_falls_back_to_the_heuristic_and_is_counted(exp, state, scripted_llm, events, record_event):
    before = FALLBACKS.counts["linear_search: ideas"]
    llm = scripted_llm("I think you should try harder.", '{"ideas": "not a list"}')
    (proposal,) = LinearSearch().propose(
        state([exp(1, score=0.4, feedback="noisy")], llm=llm, log_event=record_event), 1
    )
    assert proposal.idea.startswith("Improve experiment #1") and "noisy" in proposal.idea
    assert FALLBACKS.counts["linear_search: ideas"] == before + 1
    ((kind, data),) = events
    assert (kind, data["purpose"]) == ("search_fallback", "linear_search: ideas")
    assert data["reason"].startswith("LLMFormatError:") and "must be a list" in data["reason"]


def test_too_few_new_ideas_is_a_recorded_fallback(exp, state, scripted_llm, events, record_event):
    llm = scripted_llm(reply(ideas=["add a feature", "add a feature"]))
    proposals = LinearSearch().propose(state([exp(1, score=0.4)], llm=llm, log_event=record_event), 2)
    assert proposals[0].idea == "add a feature" and proposals[1].idea.startswith("Improve experiment #1")
    assert events == [
        ("search_fallback", {"purpose": "linear_search: ideas", "reason": "only 1 new ideas of 2 wanted"})
    ]


def test_tree_selection_ignores_unknown_and_pruned_ids(state, grown, scripted_llm):
    answer = reply(selected=[99, 7, 4], ideas=["bag three models", "standardise inputs"])
    proposals = LLMTreeSearch().propose(state(grown, max_iterations=10, llm=scripted_llm(answer, answer)), 2)
    assert [(p.parent_id, p.idea) for p in proposals] == [(4, "bag three models"), (4, "standardise inputs")]


def test_tree_selection_without_a_valid_id_falls_back_to_best_first(state, grown, scripted_llm, events, record_event):
    before = FALLBACKS.counts["llm_tree_search: select"]
    llm = scripted_llm(reply(selected=[99]), reply(selected=[7]), reply(ideas=["on two"]), reply(ideas=["on four"]))
    proposals = LLMTreeSearch().propose(state(grown, max_iterations=10, llm=llm, log_event=record_event), 2)
    assert [(p.parent_id, p.idea) for p in proposals] == [(2, "on two"), (4, "on four")]
    assert FALLBACKS.counts["llm_tree_search: select"] == before + 1
    assert [(kind, data["purpose"]) for kind, data in events] == [("search_fallback", "llm_tree_search: select")]
    assert "none of [7] is a candidate" in events[0][1]["reason"]


class RecordingLLM(LLM):
    """Passes calls to a real gateway and records the options each call was given."""

    def __init__(self, llm: LLM) -> None:
        self.llm, self.config, self.ledger = llm, llm.config, llm.ledger
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def complete(self, messages: Messages, **options: Any) -> Completion:
        self.calls.append((messages[-1]["content"], options))
        return self.llm.complete(messages, **options)


def test_the_tree_passes_its_reasoning_effort_to_the_model(exp, state, grown, scripted_llm):
    answer = reply(selected=[4], ideas=["bag three models"])
    llm = RecordingLLM(scripted_llm(answer))
    LLMTreeSearch().propose(state(grown, max_iterations=10, llm=llm), 1)  # PRODUCTION: medium
    assert [(options["reasoning_effort"], options["max_tokens"]) for _, options in llm.calls] == [("medium", 1024)] * 2
    assert all('"reasoning" field' in prompt for prompt, _ in llm.calls)  # for models that do not reason natively
    llm.calls.clear()
    LLMTreeSearch(preset="HEAVY_THINKING").propose(state(llm=llm), 1)
    assert [(options["reasoning_effort"], options["max_tokens"]) for _, options in llm.calls] == [("high", 4096)] * 3
    assert "step by step" in llm.calls[0][0]
    LLMTreeSearch(reasoning_effort="low").propose(state(llm=llm), 1)
    assert (llm.calls[-1][1]["reasoning_effort"], llm.calls[-1][1]["max_tokens"]) == ("low", 1024)  # the config's
    LinearSearch().propose(state([exp(1, score=0.4)], llm=llm), 1)
    assert (llm.calls[-1][1]["reasoning_effort"], llm.calls[-1][1]["max_tokens"]) == (None, None)  # the model's own


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
    run_llm = scripted_llm(reply(ideas=["x"]), ledger=ledger)
    search = LLMTreeSearch(preset="MINIMAL", idea_generation_model="openai/gpt-4o")
    search.propose(state(llm=run_llm), 1)
    ensemble = LLMTreeSearch(preset="MINIMAL", idea_generation_ensemble_models=("openai/gpt-4.1-mini", "openai/o3"))
    ensemble.propose(state(llm=run_llm), 1)
    first, second = (completion.model for _, completion in ledger.calls)
    assert first == "openai/gpt-4o" and second in ("openai/gpt-4.1-mini", "openai/o3")
