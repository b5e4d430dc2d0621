"""``evolutionary``: OpenEvolve-style islands, a MAP-Elites archive and migration between islands.

Experiment number ``t`` (0-based, in the order the engine creates them) is proposed by island
``t % num_islands`` and belongs to it: drafts land round-robin, and a child sampled from its own island
stays on its parent's island. Every ``migration_interval`` iterations the best of island ``i`` becomes a
parent candidate of island ``i + 1``.
"""

from __future__ import annotations

import random

import chz

from tinkerer_core import ConfigError, Experiment, Proposal, SearchState
from tinkerer_core.validation import Rule, at_least, between
from tinkerer_plugin_search.answers import IDEA_SOURCE, IDEAS_DOC, idea_llm
from tinkerer_plugin_search.history import History
from tinkerer_plugin_search.ideas import IdeaRequest, generate_ideas
from tinkerer_plugin_search.map_elites import FEATURES, Archive
from tinkerer_plugin_search.operator_mix import WithOperators
from tinkerer_plugin_search.operators import RESTART
from tinkerer_plugin_search.prompts import clip, score_text
from tinkerer_plugin_search.seeding import llm_seed, rng_at

NAME = "evolutionary"
BEST_SHARE = 0.8  # LLM-free edits of the run's best (hill climbing) rather than of the sampled parent
FEATURE_NAMES = Rule(
    f"one or more distinct features among {', '.join(FEATURES)}",
    test=lambda names: all(name in FEATURES for name in names) and 0 < len(names) == len(set(names)),
)


@chz.chz
class EvolutionarySearch(WithOperators):
    """Islands that evolve separately, sampling parents from their population, the elite archive or anywhere."""

    num_islands: int = chz.field(default=3, validator=at_least(1), doc="populations that evolve separately")
    archive_size: int = chz.field(
        default=20, validator=at_least(1), doc="elites kept in the MAP-Elites archive, best first"
    )
    feature_dimensions: tuple[str, ...] = chz.field(
        default=("complexity", "score"),
        validator=FEATURE_NAMES,
        doc=f"features that place an experiment in a cell: {', '.join(FEATURES)}",
    )
    feature_bins: int = chz.field(default=5, validator=at_least(1), doc="bins per feature dimension")
    exploration_ratio: float = chz.field(
        default=0.2, validator=between(0, 1), doc="chance a parent is drawn from its island's population"
    )
    exploitation_ratio: float = chz.field(
        default=0.7, validator=between(0, 1), doc="chance a parent is drawn from the archive's elites"
    )
    migration_interval: int = chz.field(
        default=10, validator=at_least(1), doc="iterations between migrations to the next island"
    )
    elite_selection_ratio: float = chz.field(
        default=0.1, validator=between(0, 1), doc="chance an exploiting draw takes the very best elite"
    )
    num_inspirations: int = chz.field(
        default=2, validator=at_least(0), doc="elites from other cells shown alongside the parent"
    )
    ideas: str = chz.field(default="auto", validator=IDEA_SOURCE, doc=IDEAS_DOC)

    @chz.validate
    def _ratios_add_up(self) -> None:
        if self.exploration_ratio + self.exploitation_ratio > 1:
            raise ConfigError(
                f"exploration_ratio + exploitation_ratio must be at most 1 (the rest is the chance of a random "
                f"parent), got {self.exploration_ratio:g} + {self.exploitation_ratio:g}"
            )

    def island_of(self, experiment: Experiment) -> int:
        """The island that proposed ``experiment`` (its 1-based ``iteration`` is its creation order)."""
        return (experiment.iteration - 1) % self.num_islands

    def propose(self, state: SearchState, count: int) -> list[Proposal]:
        """One proposal per free slot; slot ``j`` is experiment ``state.iteration + j``, seeded by that number."""
        history = History(state)
        population = history.succeeded
        archive = Archive.build(history, population, self.feature_dimensions, self.feature_bins, self.archive_size)
        baseline = self.first(state)
        proposals: list[Proposal] = [baseline] if baseline is not None else []
        for t in range(state.iteration + len(proposals), state.iteration + count):
            rng = rng_at(state.seed, t, NAME)
            island = t % self.num_islands
            pool = [e for e in population if self.island_of(e) == island] + self.migrants(history, island, t)
            parent = self.sample_parent(rng, pool, population, archive, island)
            operators_rng = rng_at(state.seed, t, NAME, "operators")
            free = self._free_edit(state, history, operators_rng, parent, archive, proposals)
            if free is not None:
                proposals.append(free)
                continue
            operator = ""
            if parent is not None and RESTART in self.operators and self.mix.stalled(state, history):
                restart = self.restart_parent(history, island, operators_rng, parent)
                parent, operator = (restart, RESTART) if restart is not None else (parent, "")
            parent_id = parent.id if parent else None
            avoid = history.ideas_tried_on(parent_id) + [p.idea for p in proposals if p.parent_id == parent_id]
            proposals.append(self._proposal(state, rng, t, parent, archive, avoid, operator))
        return proposals

    def _free_edit(
        self,
        state: SearchState,
        history: History,
        rng: random.Random,
        parent: Experiment | None,
        archive: Archive,
        pending: list[Proposal],
    ) -> Proposal | None:
        """An LLM-free edit: mostly of the run's best (hill climbing), else of the sampled parent (None, while
        nothing ran cleanly: of the starting code)."""
        ranked = history.ranked(history.succeeded)
        base = ranked[0] if ranked and (parent is None or rng.random() < BEST_SHARE) else parent
        return self.mix.propose(state, history, rng, base, archive.elites or ranked, pending)

    def restart_parent(
        self, history: History, island: int, rng: random.Random, parent: Experiment
    ) -> Experiment | None:
        """The best of another island, for an island whose agent is stuck; None when no other island has one."""
        bests = [
            ranked[0]
            for other in range(self.num_islands)
            if other != island
            and (ranked := history.ranked(e for e in history.succeeded if self.island_of(e) == other))
            and ranked[0].id != parent.id
        ]
        return rng.choice(bests) if bests else None

    def migrants(self, history: History, island: int, t: int) -> list[Experiment]:
        """The best of the previous island as of the last migration (iteration ``k * migration_interval <= t``)."""
        source = (island - 1) % self.num_islands
        last_migration = t // self.migration_interval * self.migration_interval
        if t < self.migration_interval or source == island:
            return []
        donors = [e for e in history.succeeded if self.island_of(e) == source and e.iteration <= last_migration]
        return history.ranked(donors)[:1]

    def sample_parent(
        self, rng: random.Random, pool: list[Experiment], population: list[Experiment], archive: Archive, island: int
    ) -> Experiment | None:
        """From the island's pool (exploration), the archive (exploitation) or anyone (random); None: draft."""
        if not pool:
            return None
        draw = rng.random()
        if draw < self.exploration_ratio:
            return rng.choice(pool)
        if draw < self.exploration_ratio + self.exploitation_ratio and archive.elites:
            if rng.random() < self.elite_selection_ratio:
                return archive.elites[0]
            own = [e for e in archive.elites if self.island_of(e) == island]
            return rng.choice(own or archive.elites)
        return rng.choice(population)

    def _proposal(
        self,
        state: SearchState,
        rng: random.Random,
        t: int,
        parent: Experiment | None,
        archive: Archive,
        avoid: list[str],
        operator: str = "",
    ) -> Proposal:
        inspirations = archive.inspirations(parent, rng, self.num_inspirations) if parent else []
        hint = " ".join(
            f'Borrow from #{e.id} ({score_text(e)}, another niche): "{clip(e.idea, 200)}".' for e in inspirations
        )
        guidance = "Inspirations from other niches of the archive are listed first above." if inspirations else ""
        kind = "improve" if parent else "draft"
        shown = list({e.id: e for e in [*inspirations, *archive.elites[:5]]}.values())
        request = IdeaRequest(parent, kind, 1, shown, avoid, guidance, hint)
        ideas = generate_ideas(
            state, idea_llm(state.llm, self.ideas), request, rng, purpose=NAME, seed=llm_seed(state.seed, t, NAME)
        )
        return Proposal(parent.id if parent else None, ideas[0], kind, operator=operator)
