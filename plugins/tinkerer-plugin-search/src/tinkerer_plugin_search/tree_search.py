"""``llm_tree_search``: a tree of experiments, explored broadly within a budget, then exploited best-first."""

from __future__ import annotations

import math
from dataclasses import dataclass

import chz

from tinkerer_core import LLM, Experiment, Proposal, SearchState, SearchStrategy
from tinkerer_core.validation import at_least, between, not_empty, one_of
from tinkerer_plugin_search.answers import (
    IDEA_SOURCE,
    IDEAS_DOC,
    MODEL_NAMES,
    ask,
    idea_llm,
    log,
    model_llm,
    selection_parser,
)
from tinkerer_plugin_search.history import History
from tinkerer_plugin_search.ideas import IdeaRequest, generate_ideas
from tinkerer_plugin_search.presets import overrides_of, resolve
from tinkerer_plugin_search.prompts import EFFORT, MAX_LISTED, selection_request
from tinkerer_plugin_search.seeding import llm_seed, rng_at

NAME = "llm_tree_search"
EXPLORE = "Explore: favour an idea unlike those tried so far, even if it is riskier."
EXPLOIT = "Exploit: favour the change most likely to improve this experiment's score."


@dataclass(frozen=True)
class TreeSettings:
    """The resolved settings of an ``llm_tree_search``."""

    reasoning_effort: str
    code_debug_tries: int
    node_expansion_limit: int
    node_expansion_new_childs_count: int
    idea_generation_steps: int
    first_experiment_factor: int
    experimentation_per_run: int
    per_step_maximum_solution_count: int
    exploration_budget_percent: float
    idea_generation_model: str | None = None
    idea_generation_ensemble_models: tuple[str, ...] = ()


TREE_PRESETS = {
    "PRODUCTION": TreeSettings(
        reasoning_effort="medium",
        code_debug_tries=3,
        node_expansion_limit=2,
        node_expansion_new_childs_count=3,
        idea_generation_steps=1,
        first_experiment_factor=2,
        experimentation_per_run=2,
        per_step_maximum_solution_count=5,
        exploration_budget_percent=30.0,
    ),
    "HEAVY_EXPERIMENTATION": TreeSettings(
        reasoning_effort="low",
        code_debug_tries=2,
        node_expansion_limit=4,
        node_expansion_new_childs_count=4,
        idea_generation_steps=1,
        first_experiment_factor=3,
        experimentation_per_run=4,
        per_step_maximum_solution_count=8,
        exploration_budget_percent=50.0,
    ),
    "HEAVY_THINKING": TreeSettings(
        reasoning_effort="high",
        code_debug_tries=5,
        node_expansion_limit=2,
        node_expansion_new_childs_count=2,
        idea_generation_steps=3,
        first_experiment_factor=1,
        experimentation_per_run=2,
        per_step_maximum_solution_count=10,
        exploration_budget_percent=30.0,
    ),
    "MINIMAL": TreeSettings(
        reasoning_effort="low",
        code_debug_tries=1,
        node_expansion_limit=1,
        node_expansion_new_childs_count=1,
        idea_generation_steps=1,
        first_experiment_factor=1,
        experimentation_per_run=1,
        per_step_maximum_solution_count=1,
        exploration_budget_percent=20.0,
    ),
}


@chz.chz
class LLMTreeSearch(SearchStrategy):
    """Drafts several roots, expands diverse nodes while within the exploration budget, then the best ones.

    Fields left at None take the preset's value.
    """

    preset: str = chz.field(
        default="PRODUCTION",
        validator=one_of(*TREE_PRESETS),
        doc="PRODUCTION, HEAVY_EXPERIMENTATION, HEAVY_THINKING or MINIMAL",
    )
    reasoning_effort: str | None = chz.field(
        default=None, validator=one_of(*EFFORT), doc="low, medium or high: how much the LLM reasons"
    )
    code_debug_tries: int | None = chz.field(
        default=None, validator=at_least(0), doc="debug attempts a failed experiment gets"
    )
    node_expansion_limit: int | None = chz.field(default=None, validator=at_least(1), doc="nodes expanded per step")
    node_expansion_new_childs_count: int | None = chz.field(
        default=None,
        validator=at_least(1),
        doc="children an expanded node gets per step; an exploration step skips nodes with this many",
    )
    idea_generation_steps: int | None = chz.field(
        default=None, validator=at_least(1), doc="LLM rounds per ideation: generate, then refine"
    )
    first_experiment_factor: int | None = chz.field(
        default=None, validator=at_least(1), doc="the first step runs this many times more"
    )
    experimentation_per_run: int | None = chz.field(
        default=None, validator=at_least(1), doc="experiments started per step"
    )
    per_step_maximum_solution_count: int | None = chz.field(
        default=None, validator=at_least(1), doc="ideas the LLM weighs per expanded node; the best are tried"
    )
    exploration_budget_percent: float | None = chz.field(
        default=None,
        validator=between(0, 100),
        doc="share of max_iterations (of the steps, when unbounded) spent exploring",
    )
    idea_generation_model: str | None = chz.field(
        default=None, validator=not_empty(), doc="model for selection and ideas (default: run's)"
    )
    idea_generation_ensemble_models: tuple[str, ...] | None = chz.field(
        default=None, validator=MODEL_NAMES, doc="models sampled with equal weight for selection and ideas"
    )
    ideas: str = chz.field(default="auto", validator=IDEA_SOURCE, doc=IDEAS_DOC)

    @chz.init_property
    def settings(self) -> TreeSettings:
        """The preset's settings with every field that is set applied on top."""
        return resolve(TREE_PRESETS[self.preset], overrides_of(self, TreeSettings))

    def debug_attempts(self) -> int | None:
        """``code_debug_tries`` of the resolved settings."""
        return self.settings.code_debug_tries

    def propose(self, state: SearchState, count: int) -> list[Proposal]:
        """Draft the first roots, then expand the selected nodes; new roots when every branch is pruned."""
        s = self.settings
        history = History(state)
        llm = idea_llm(model_llm(state.llm, s.idea_generation_model, s.idea_generation_ensemble_models), self.ideas)
        width = min(count, s.experimentation_per_run * (1 if state.experiments else s.first_experiment_factor))
        drafts_missing = s.first_experiment_factor * s.experimentation_per_run - len(history.children(None))
        if width < 1:
            return []
        if drafts_missing > 0:
            return self._drafts(state, llm, history, min(width, drafts_missing))
        exploring = self.exploring(state)
        candidates = self.candidates(history, exploring)
        if not candidates:
            # every branch is dead: start over from new roots (the run's budget bounds this), unless
            # a running experiment may still revive one
            return [] if history.running else self._drafts(state, llm, history, width)
        selected = self._select(state, llm, history, candidates, exploring)
        return self._expand(state, llm, history, selected, width, exploring)

    def exploring(self, state: SearchState) -> bool:
        """Whether this step explores: within the budget's share of max_iterations, or of the steps so far."""
        share = self.settings.exploration_budget_percent / 100
        if state.max_iterations:
            return state.iteration < share * state.max_iterations
        return math.floor((state.iteration + 1) * share) > math.floor(state.iteration * share)

    def candidates(self, history: History, exploring: bool) -> list[Experiment]:
        """Nodes worth expanding, best first: clean runs, minus pruned branches (and, exploring, full nodes)."""
        alive = [e for e in history.succeeded if not self._exhausted(history, e)]
        if exploring:
            open_nodes = [
                e for e in alive if len(history.children(e.id)) < self.settings.node_expansion_new_childs_count
            ]
            alive = open_nodes or alive
        return history.ranked(alive)

    def _exhausted(self, history: History, node: Experiment) -> bool:
        """A pruned node: it has had a full expansion's worth of children and every one is a dead branch."""
        children = history.children(node.id)
        full = len(children) >= self.settings.node_expansion_new_childs_count
        return full and all(history.is_dead(child) for child in children)

    def _select(
        self, state: SearchState, llm: LLM | None, history: History, candidates: list[Experiment], exploring: bool
    ) -> list[Experiment]:
        """Up to node_expansion_limit candidates: the LLM's choice, else best-first (least expanded first, exploring)."""
        limit = self.settings.node_expansion_limit
        pool = candidates[:MAX_LISTED]
        if exploring:
            pool.sort(key=lambda e: len(history.children(e.id)))  # stable: best first among equally expanded
        if len(pool) <= limit:
            return pool
        criterion = (
            "expected score plus room for improvement; prefer branches explored less."
            if exploring
            else "the best expected score after one more improvement."
        )
        answer = ask(
            state,
            llm,
            selection_request(state, pool, limit, criterion, self.settings.reasoning_effort),
            selection_parser({e.id for e in pool}),
            f"{NAME}: select",
            llm_seed(state.seed, state.iteration, NAME, "select"),
            self.settings.reasoning_effort,
        )
        if answer is None:
            return pool[:limit]
        if answer.ignored:
            log.warning("%s: ignored selected ids that are not candidates: %s", NAME, list(answer.ignored))
        return [history.by_id[experiment_id] for experiment_id in answer.ids[:limit]]

    def _expand(
        self,
        state: SearchState,
        llm: LLM | None,
        history: History,
        nodes: list[Experiment],
        width: int,
        exploring: bool,
    ) -> list[Proposal]:
        """``width`` children spread over ``nodes``, at most node_expansion_new_childs_count each."""
        shares = [0] * len(nodes)
        for slot in range(min(width, len(nodes) * self.settings.node_expansion_new_childs_count)):
            shares[slot % len(nodes)] += 1
        context = history.ranked(history.finished)
        proposals: list[Proposal] = []
        for node, share in zip(nodes, shares, strict=True):
            if share:
                request = IdeaRequest(
                    node, "improve", share, context, history.ideas_tried_on(node.id), EXPLORE if exploring else EXPLOIT
                )
                proposals += [Proposal(node.id, idea, "improve") for idea in self._ideas(state, llm, request, node.id)]
        return proposals

    def _drafts(self, state: SearchState, llm: LLM | None, history: History, count: int) -> list[Proposal]:
        """``count`` new roots with distinct ideas."""
        request = IdeaRequest(
            None, "draft", count, history.ranked(history.finished), history.ideas_tried_on(None), EXPLORE
        )
        return [Proposal(None, idea, "draft") for idea in self._ideas(state, llm, request, "draft")]

    def _ideas(self, state: SearchState, llm: LLM | None, request: IdeaRequest, salt: object) -> list[str]:
        s = self.settings
        return generate_ideas(
            state,
            llm,
            request,
            rng_at(state.seed, state.iteration, NAME, salt),
            purpose=NAME,
            seed=llm_seed(state.seed, state.iteration, NAME, salt),
            effort=s.reasoning_effort,
            steps=s.idea_generation_steps,
            consider=s.per_step_maximum_solution_count,
        )
