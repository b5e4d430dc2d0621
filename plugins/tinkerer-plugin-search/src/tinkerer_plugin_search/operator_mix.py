"""When to spend an experiment on an edit that needs no LLM, and which one.

While the coding agent keeps finding better programs, a share ``free_share`` of the proposals are
LLM-free edits; once its last ``patience`` experiments set no new best (identical replies, flat scores),
the share rises so that LLM-free runs take about ``free_time_ratio`` times the time the LLM calls take
(measured: the agent's seconds and the runs' durations so far), at most ``flat_share``; and right after an LLM-free edit set a new best, the next proposal is
one too (a step that worked is followed up before a call is spent). Every such edit is a program the run
has not tried yet. The first experiment scores the starting code as it is (``score_start``), so the search
has a scored root to build on even when every reply repeats it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import chz

from tinkerer_core import Experiment, Proposal, SearchState, SearchStrategy
from tinkerer_core.validation import Rule, at_least, between
from tinkerer_plugin_search.history import History
from tinkerer_plugin_search.operators import (
    CROSSOVER,
    FREE_OPERATORS,
    MUTATE_LITERALS,
    OPERATORS,
    RESTART,
    Edit,
    crossover,
    mutate_literals,
    program_files,
    step_further,
)

AGENT = "agent"
LLM_OPERATORS = (AGENT, RESTART)  # the proposals that cost an LLM call
TRIES = 6  # draws of an operator before giving up on a new program
OPERATOR_NAMES = Rule(
    f"distinct operators among {', '.join(OPERATORS)} (or none)",
    test=lambda names: all(name in OPERATORS for name in names) and len(names) == len(set(names)),
)
OPERATORS_DOC = (
    f"operators beside the coding agent: {MUTATE_LITERALS} (move numeric constants), {CROSSOVER} (take "
    "functions, methods and constants from another good program) need no LLM call; restart (evolutionary: a stuck "
    "island builds on another island's best)"
)


def fingerprint(files: Mapping[str, str]) -> str:
    """One hash for a program's Python files."""
    digest = hashlib.sha256()
    for path, text in sorted(program_files(files).items()):
        digest.update(f"{path}\0{text}\0".encode())
    return digest.hexdigest()


def agent_stalled(state: SearchState, history: History, patience: int) -> bool:
    """Whether the coding agent's last ``patience`` finished experiments set no new best of the run."""
    best: float | None = None
    since_best = 0
    for experiment in history.finished:
        improved = state.direction.is_better(experiment.score, best)
        if improved:
            best = experiment.score
        if state.operators.get(experiment.id, AGENT) in LLM_OPERATORS:
            since_best = 0 if improved else since_best + 1
    return since_best >= patience


def free_edit_just_won(state: SearchState, history: History) -> Experiment | None:
    """The latest finished experiment when it is an LLM-free edit that set a new best of the run, else None."""
    finished = history.finished
    if not finished or state.operators.get(finished[-1].id, AGENT) not in FREE_OPERATORS:
        return None
    earlier = [e.score for e in finished[:-1]]
    return finished[-1] if state.direction.is_better(finished[-1].score, state.direction.best(earlier)) else None


def start_proposal(state: SearchState) -> Proposal | None:
    """The first experiment: the starting code scored as it is (``Proposal.baseline``); None when there is no
    starting code or the run has begun."""
    if state.experiments or state.files_of is None or not program_files(state.files_of(None)):
        return None
    return Proposal.baseline()


@dataclass(frozen=True)
class OperatorMix:
    """The operators a strategy may use and how often; ``propose`` makes one LLM-free proposal or None."""

    operators: Sequence[str]
    free_share: float
    flat_share: float
    patience: int
    free_time_ratio: float = 1.0

    def share(self, state: SearchState, history: History) -> float:
        """The chance that the next proposal is an LLM-free edit."""
        if free_edit_just_won(state, history) is not None:
            return 1.0
        if not agent_stalled(state, history, self.patience):
            return self.free_share
        return max(self.free_share, min(self.flat_share, self._affordable_share(state, history)))

    def _affordable_share(self, state: SearchState, history: History) -> float:
        """The share at which LLM-free runs take ``free_time_ratio`` times the LLM calls' time (1 when unknown)."""
        calls = [e.agent_seconds for e in history.finished if state.operators.get(e.id, AGENT) in LLM_OPERATORS]
        runs = [e.result.duration_s for e in history.finished if e.result is not None]
        if not calls or not runs or sum(calls) <= 0:
            return 1.0
        per_call = self.free_time_ratio * sum(calls) / len(calls) / max(sum(runs) / len(runs), 1e-3)
        return per_call / (per_call + 1)

    def stalled(self, state: SearchState, history: History) -> bool:
        """Whether the coding agent is stuck (its last ``patience`` experiments set no new best)."""
        return agent_stalled(state, history, self.patience)

    def propose(
        self,
        state: SearchState,
        history: History,
        rng: random.Random,
        parent: Experiment | None,
        donors: Sequence[Experiment],
        pending: Sequence[Proposal] = (),
    ) -> Proposal | None:
        """An LLM-free edit of ``parent`` (None: the starting files) crossed with one of ``donors``, drawn with
        the current share; None when the draw says the agent, or no operator makes a program not seen yet."""
        free = [name for name in self.operators if name in FREE_OPERATORS]
        if not free or state.files_of is None:
            return None
        if rng.random() >= self.share(state, history):
            return None
        files_of = state.files_of
        seen = {fingerprint(files_of(None))} | {fingerprint(files_of(e.id)) for e in history.finished if e.commit}
        seen |= {fingerprint(p.files) for p in pending if p.files is not None}
        further = self._step_further(state, history, files_of)
        if further is not None and fingerprint({**files_of(further.parent_id), **(further.files or {})}) not in seen:
            return further
        parent_id = parent.id if parent is not None else None
        parent_files = files_of(parent_id)
        partners = [d for d in donors if d.commit and d.id != parent_id]
        for _ in range(TRIES):
            edit = self._edit(rng.choice(free), parent_id, parent_files, partners, files_of, rng)
            if edit is None:
                continue
            child = {**parent_files, **edit.files}
            if fingerprint(child) not in seen:
                kind = "improve" if parent is not None else "draft"
                return Proposal(parent_id, edit.idea, kind, files=edit.files, operator=edit.operator)
        return None

    def _step_further(
        self, state: SearchState, history: History, files_of: Callable[[int | None], Mapping[str, str]]
    ) -> Proposal | None:
        """After a mutation of the literals set a new best: the same step again, further, from the winner."""
        winner = free_edit_just_won(state, history)
        if winner is None or state.operators.get(winner.id) != MUTATE_LITERALS or MUTATE_LITERALS not in self.operators:
            return None
        edit = step_further(files_of(winner.id), files_of(winner.parent_id), winner.id)
        return Proposal(winner.id, edit.idea, "improve", files=edit.files, operator=edit.operator) if edit else None

    @staticmethod
    def _edit(
        operator: str,
        parent_id: int | None,
        parent_files: Mapping[str, str],
        partners: Sequence[Experiment],
        files_of: Callable[[int | None], Mapping[str, str]],
        rng: random.Random,
    ) -> Edit | None:
        if operator == MUTATE_LITERALS:
            return mutate_literals(parent_files, rng, parent_id)
        if not partners:
            return None
        donor = rng.choice(list(partners))
        return crossover(parent_files, files_of(donor.id), rng, parent_id, donor.id)


@chz.chz
class WithOperators(SearchStrategy):
    """The fields of a strategy that mixes LLM-free operators with the coding agent."""

    operators: tuple[str, ...] = chz.field(default=OPERATORS, validator=OPERATOR_NAMES, doc=OPERATORS_DOC)
    free_share: float = chz.field(
        default=0.2, validator=between(0, 1), doc="chance a proposal is an LLM-free edit while the agent improves"
    )
    flat_share: float = chz.field(
        default=0.9,
        validator=between(0, 1),
        doc="the most a proposal is an LLM-free edit once the agent's last `patience` experiments set no new best",
    )
    free_time_ratio: float = chz.field(
        default=1.0,
        validator=at_least(0),
        doc="once the agent is stuck, LLM-free runs may take this many times the time its LLM calls take",
    )
    patience: int = chz.field(
        default=3, validator=at_least(1), doc="agent experiments without a new best before the search is flat"
    )
    score_start: bool = chz.field(
        default=True, doc="the first experiment scores the starting code unchanged (no LLM call), a root to build on"
    )

    def first(self, state: SearchState) -> Proposal | None:
        """The baseline experiment, when ``score_start`` and the run has not begun."""
        return start_proposal(state) if self.score_start else None

    @chz.init_property
    def mix(self) -> OperatorMix:
        """The operators beside the coding agent, and how often they run."""
        return OperatorMix(self.operators, self.free_share, self.flat_share, self.patience, self.free_time_ratio)
