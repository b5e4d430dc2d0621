"""Read-only views of a run's experiments: the tree, what finished, what is alive, what ranks best."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cmp_to_key

from tinkerer_core import Experiment, ExperimentStatus, SearchState

FINISHED = (ExperimentStatus.SUCCEEDED, ExperimentStatus.FAILED)


class History:
    """The experiments of a ``SearchState`` as a tree, with the queries every strategy needs."""

    def __init__(self, state: SearchState) -> None:
        self.state = state
        self.by_id = {experiment.id: experiment for experiment in state.experiments}
        self._children: dict[int | None, list[Experiment]] = defaultdict(list)
        for experiment in state.experiments:
            self._children[experiment.parent_id].append(experiment)

    @property
    def finished(self) -> list[Experiment]:
        """Experiments that succeeded or failed, in id order."""
        return [e for e in self.state.experiments if e.status in FINISHED]

    @property
    def running(self) -> list[Experiment]:
        """Experiments started but not finished (no evaluation yet)."""
        return [e for e in self.state.experiments if e.status not in FINISHED]

    @property
    def succeeded(self) -> list[Experiment]:
        """Experiments whose solution ran cleanly: the ones worth building on."""
        return [e for e in self.state.experiments if e.status is ExperimentStatus.SUCCEEDED]

    def children(self, experiment_id: int | None) -> list[Experiment]:
        """The children of ``experiment_id`` (None: the drafts), running ones included."""
        return list(self._children.get(experiment_id, ()))

    def is_dead(self, experiment: Experiment) -> bool:
        """A dead branch: failed after its debug attempts and nothing was built on it."""
        return experiment.failed and not self._children.get(experiment.id)

    def lineage(self, experiment: Experiment) -> list[Experiment]:
        """``experiment`` and its ancestors, root first."""
        chain = [experiment]
        while chain[-1].parent_id is not None and chain[-1].parent_id in self.by_id:
            chain.append(self.by_id[chain[-1].parent_id])
        return chain[::-1]

    def failure_streak(self, experiment: Experiment) -> int:
        """How many failed experiments in a row end at ``experiment`` along its lineage."""
        streak = 0
        for node in reversed(self.lineage(experiment)):
            if not node.failed:
                break
            streak += 1
        return streak

    def ranked(self, experiments: Iterable[Experiment]) -> list[Experiment]:
        """Best first by the run's direction; unscored ones last; ties keep id order."""
        direction = self.state.direction

        def compare(a: Experiment, b: Experiment) -> int:
            if direction.is_better(a.score, b.score):
                return -1
            if direction.is_better(b.score, a.score):
                return 1
            return a.id - b.id

        return sorted(experiments, key=cmp_to_key(compare))

    def ideas_tried_on(self, parent_id: int | None) -> list[str]:
        """The ideas already built on ``parent_id``, finished or running."""
        return [child.idea for child in self.children(parent_id)]
