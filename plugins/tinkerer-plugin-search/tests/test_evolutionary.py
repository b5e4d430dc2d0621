"""evolutionary: islands, the MAP-Elites archive and migration, without an LLM."""

from __future__ import annotations

import pytest

from tinkerer_core import Direction
from tinkerer_plugin_search.evolutionary import EvolutionarySearch
from tinkerer_plugin_search.history import History
from tinkerer_plugin_search.map_elites import Archive, feature_value, net_lines

EXPLORE_ONLY = {"exploration_ratio": 1.0, "exploitation_ratio": 0.0}


def code(lines: int) -> str:
    """A diff that adds ``lines`` lines."""
    return "--- a/main.py\n+++ b/main.py\n" + "".join(f"+line {i}\n" for i in range(lines))


def test_drafts_fill_the_islands_round_robin(exp, state):
    search = EvolutionarySearch(num_islands=3)
    proposals = search.propose(state(), 3)
    assert [(p.parent_id, p.kind) for p in proposals] == [(None, "draft")] * 3
    assert [search.island_of(exp(i)) for i in range(1, 7)] == [0, 1, 2, 0, 1, 2]


def test_an_island_samples_its_own_population(exp, state):
    search = EvolutionarySearch(num_islands=3, **EXPLORE_ONLY)
    history = [exp(i, score=0.1 * i) for i in range(1, 7)]  # islands 0,1,2,0,1,2
    for seed in range(10):
        first, second = search.propose(state(history, seed=seed), 2)  # experiments 7 and 8: islands 0 and 1
        assert first.parent_id in (1, 4) and second.parent_id in (2, 5)


def test_exploitation_takes_the_best_elite_by_direction(exp, state):
    search = EvolutionarySearch(
        num_islands=2, exploration_ratio=0.0, exploitation_ratio=1.0, elite_selection_ratio=1.0, operators=()
    )  # no restart from another island once the agent is stuck: the draw alone
    history = [exp(1, score=0.2), exp(2, score=0.8), exp(3, 1, score=0.5), exp(4, 2, failed=True)]
    assert {p.parent_id for p in search.propose(state(history), 4)} == {2}
    assert {p.parent_id for p in search.propose(state(history, direction=Direction.MINIMIZE), 4)} == {1}


def test_the_archive_keeps_one_elite_per_cell(exp, state):
    history = [
        exp(1, score=0.3, diff=code(10)),
        exp(2, 1, score=0.9, diff=code(1)),  # 11 lines: same complexity cell as #1 with 2 bins
        exp(3, score=0.1, diff=code(40)),
        exp(4, 3, score=0.2, diff=code(2)),
    ]
    for direction, elites in ((Direction.MAXIMIZE, [2, 4]), (Direction.MINIMIZE, [3, 1])):
        view = History(state(history, direction=direction))
        archive = Archive.build(view, view.succeeded, ("complexity",), 2, 10)
        assert [e.id for e in archive.elites] == elites
    view = History(state(history))
    assert [e.id for e in Archive.build(view, view.succeeded, ("complexity", "score"), 2, 10).elites] == [2, 1, 4]
    assert [e.id for e in Archive.build(view, view.succeeded, ("complexity", "score"), 2, 2).elites] == [2, 1]


def test_features_come_from_the_experiments(exp, state):
    view = History(
        state([exp(1, score=0.5, diff=code(10)), exp(2, 1, score=0.7, diff=code(3) + "-old\n", duration=4.5)])
    )
    second = view.by_id[2]
    assert net_lines(second.diff) == 2
    assert [feature_value(view, second, d) for d in ("complexity", "score", "runtime")] == [12.0, 0.7, 4.5]


def test_migration_offers_the_best_of_the_previous_island(exp, state):
    history = [exp(1, score=0.9), exp(2, failed=True), exp(3, running=True)]  # island 1 has no population
    search = EvolutionarySearch(num_islands=2, migration_interval=2, **EXPLORE_ONLY)
    assert [e.id for e in search.migrants(History(state(history)), island=1, t=3)] == [1]
    assert search.migrants(History(state(history)), island=1, t=1) == []
    (proposal,) = search.propose(state(history), 1)  # experiment 4 belongs to island 1
    assert (proposal.parent_id, proposal.kind) == (1, "improve")
    (without,) = EvolutionarySearch(num_islands=2, migration_interval=100, **EXPLORE_ONLY).propose(state(history), 1)
    assert (without.parent_id, without.kind) == (None, "draft")


def test_migrants_are_frozen_between_migrations(exp, state):
    history = [exp(1, score=0.5), exp(2, score=0.1), exp(3, 1, score=0.9), exp(4, 2, score=0.2), exp(5, 3, score=0.95)]
    search = EvolutionarySearch(num_islands=2, migration_interval=4)
    view = History(state(history))
    assert [e.id for e in search.migrants(view, island=1, t=5)] == [3]  # #5 came after the migration at 4
    assert [e.id for e in search.migrants(view, island=1, t=8)] == [5]


def test_template_idea_names_the_parent_and_an_inspiration(exp, state):
    history = [exp(1, score=0.4, feedback="too slow", diff=code(5)), exp(2, score=0.8, idea="use numpy", diff=code(50))]
    search = EvolutionarySearch(num_islands=1, **EXPLORE_ONLY)
    (proposal,) = search.propose(state(history, seed=3), 1)
    inspiration = 2 if proposal.parent_id == 1 else 1
    assert f"#{proposal.parent_id}" in proposal.idea and f"Borrow from #{inspiration}" in proposal.idea


def test_a_parallel_batch_is_the_serial_plan(exp, state):
    history = [exp(i, score=0.1 * (i % 4)) for i in range(1, 9)]
    search = EvolutionarySearch(num_islands=2)
    first, second = search.propose(state(history, seed=5), 2)
    running = exp(9, first.parent_id, running=True, idea=first.idea)
    assert search.propose(state([*history, running], seed=5), 1) == [second]


@pytest.mark.parametrize("count", [0, 1, 4, 9])
def test_count_is_respected_and_proposals_repeat(exp, state, count):
    history = [exp(i, score=0.1 * i) for i in range(1, 6)]
    proposals = EvolutionarySearch().propose(state(history), count)
    assert len(proposals) == count
    assert proposals == EvolutionarySearch().propose(state(history), count)
