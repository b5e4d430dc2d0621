"""``linear_search``: one solution line, always building on the best so far."""

from __future__ import annotations

from dataclasses import dataclass

import chz

from tinkerer_core import Experiment, Proposal, SearchState
from tinkerer_core.validation import at_least, one_of
from tinkerer_plugin_search.answers import IDEA_SOURCE, IDEAS_DOC, idea_llm
from tinkerer_plugin_search.history import History
from tinkerer_plugin_search.ideas import IdeaRequest, generate_ideas
from tinkerer_plugin_search.operator_mix import WithOperators
from tinkerer_plugin_search.presets import overrides_of, resolve
from tinkerer_plugin_search.seeding import llm_seed, rng_at


@dataclass(frozen=True)
class LinearSettings:
    """The resolved settings of a ``linear_search``."""

    code_debug_tries: int
    idea_candidates: int
    history_window: int
    redraft_after: int


LINEAR_PRESETS = {
    "DEFAULT": LinearSettings(code_debug_tries=2, idea_candidates=3, history_window=5, redraft_after=3),
    "MINIMAL": LinearSettings(code_debug_tries=1, idea_candidates=1, history_window=3, redraft_after=2),
    "PRODUCTION": LinearSettings(code_debug_tries=3, idea_candidates=5, history_window=10, redraft_after=4),
}


@chz.chz
class LinearSearch(WithOperators):
    """One solution line: a draft, then improve the best so far; while nothing has scored, debug the last failure."""

    preset: str = chz.field(
        default="DEFAULT",
        validator=one_of(*LINEAR_PRESETS),
        doc="DEFAULT, MINIMAL or PRODUCTION; unset fields take its values",
    )
    code_debug_tries: int | None = chz.field(
        default=None, validator=at_least(0), doc="debug attempts a failed experiment gets"
    )
    idea_candidates: int | None = chz.field(
        default=None, validator=at_least(1), doc="ideas the LLM weighs per step; the best are tried"
    )
    history_window: int | None = chz.field(default=None, validator=at_least(1), doc="recent experiments the LLM sees")
    redraft_after: int | None = chz.field(
        default=None, validator=at_least(1), doc="failed experiments in a row on a line before a new draft"
    )
    ideas: str = chz.field(default="auto", validator=IDEA_SOURCE, doc=IDEAS_DOC)

    @chz.init_property
    def settings(self) -> LinearSettings:
        """The preset's settings with every field that is set applied on top."""
        return resolve(LINEAR_PRESETS[self.preset], overrides_of(self, LinearSettings))

    def debug_attempts(self) -> int | None:
        """``code_debug_tries`` of the resolved settings."""
        return self.settings.code_debug_tries

    def propose(self, state: SearchState, count: int) -> list[Proposal]:
        """Improve the best so far with ``count`` distinct ideas, or make the single draft/debug step."""
        baseline = self.first(state)
        if baseline is not None and count >= 1:
            return [baseline]
        history = History(state)
        base, kind = self._next_step(history)
        if kind is None or count < 1:
            return []
        width = count if kind == "improve" else 1
        if kind in ("improve", "draft"):
            donors = history.ranked(history.succeeded)[1 : 1 + self.settings.history_window]
            free = self.mix.propose(
                state, history, rng_at(state.seed, state.iteration, "linear_search", "ops"), base, donors
            )
            if free is not None:
                return [free]
        recent = history.finished[-self.settings.history_window :][::-1]
        request = IdeaRequest(base, kind, width, recent, history.ideas_tried_on(base.id if base else None))
        ideas = generate_ideas(
            state,
            idea_llm(state.llm, self.ideas),
            request,
            rng_at(state.seed, state.iteration, "linear_search"),
            purpose="linear_search",
            seed=llm_seed(state.seed, state.iteration, "linear_search"),
            consider=self.settings.idea_candidates,
        )
        return [Proposal(base.id if base else None, idea, kind) for idea in ideas]

    def _next_step(self, history: History) -> tuple[Experiment | None, str | None]:
        """What the line does next: (parent, kind), or (None, None) to wait for a running experiment."""
        best = history.state.best()
        if best is not None:
            return best, "improve"
        if history.running:
            return None, None
        if not history.finished:
            return None, "draft"
        last = history.finished[-1]
        if not last.failed:
            return last, "improve"
        if not last.commit and last.result is None:  # the agent wrote nothing (e.g. repeated the parent)
            parent = history.by_id.get(last.parent_id) if last.parent_id is not None else None
            return (parent, "improve") if parent is not None and parent.commit else (None, "draft")
        if history.failure_streak(last) >= self.settings.redraft_after:
            return None, "draft"
        return last, "debug"
