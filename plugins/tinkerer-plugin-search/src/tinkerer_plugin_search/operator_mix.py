"""When to spend an experiment on an edit that needs no LLM, and which one.

While the coding agent keeps finding better programs, a share ``free_share`` of the proposals are
LLM-free edits; once its last ``patience`` experiments set no new best (identical replies, flat scores),
the share rises to ``flat_share``. Every such edit is a program the run has not tried yet.
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
    Edit,
    crossover,
    mutate_literals,
    program_files,
)

AGENT = "agent"
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
        if state.operators.get(experiment.id, AGENT) == AGENT:
            since_best = 0 if improved else since_best + 1
    return since_best >= patience


@dataclass(frozen=True)
class OperatorMix:
    """The operators a strategy may use and how often; ``propose`` makes one LLM-free proposal or None."""

    operators: Sequence[str]
    free_share: float
    flat_share: float
    patience: int

    def share(self, state: SearchState, history: History) -> float:
        """The chance that the next proposal is an LLM-free edit."""
        return self.flat_share if agent_stalled(state, history, self.patience) else self.free_share

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
        default=0.75,
        validator=between(0, 1),
        doc="chance a proposal is an LLM-free edit once the agent's last `patience` experiments set no new best",
    )
    patience: int = chz.field(
        default=3, validator=at_least(1), doc="agent experiments without a new best before the search is flat"
    )

    @chz.init_property
    def mix(self) -> OperatorMix:
        """The operators beside the coding agent, and how often they run."""
        return OperatorMix(self.operators, self.free_share, self.flat_share, self.patience)
