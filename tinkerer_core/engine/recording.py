"""An experiment run in a copy of its worktree (on a cluster worker): its commits recorded, then replayed here.

``RecordingWorkspaces`` stands in for ``Workspaces`` where the whole experiment runs elsewhere: each
commit is recorded as ``Changes``; the engine ``replay``s them as real commits in the run's repository,
so git history is what a local worker would have made.
"""

from __future__ import annotations

from pathlib import Path

from tinkerer_core.components import RecordedCommits
from tinkerer_core.engine.workspace import Workspaces
from tinkerer_core.shipping import Changes, apply_changes, changes_since, digests

PENDING_COMMIT = "pending-commit-"  # what RecordingWorkspaces.commit returns, numbered from 1


class RecordingWorkspaces(Workspaces):
    """``Workspaces`` for one experiment in a copy of its worktree: commits are recorded as ``Changes``."""

    def __init__(self, workspace: Path, scratch: Path) -> None:
        self.repo = workspace
        self.root = scratch
        self.data_dir = None
        self.data_mode = "link"
        self.workspace = workspace
        self.commits: list[tuple[str, Changes]] = []
        self._state = digests(workspace)

    def commit(self, path: Path, message: str) -> str:
        """Record what changed since the last commit; return a placeholder that ``replay`` resolves."""
        self.commits.append((message, changes_since(path, self._state)))
        self._state = digests(path)
        return f"{PENDING_COMMIT}{len(self.commits)}"

    def pid_file(self, experiment_id: int) -> Path:
        return self.root / "pids" / f"exp-{experiment_id}.pid"

    def recorded(self, max_bytes: int | None = None) -> RecordedCommits:
        """The commits so far, and what the last run left after the last one (outputs, logs) up to ``max_bytes``."""
        return RecordedCommits(tuple(self.commits), changes_since(self.workspace, self._state, max_bytes))


def replay(workspaces: Workspaces, workspace: Path, recorded: RecordedCommits) -> dict[str, str]:
    """Commit recorded commits in the local worktree, then write what was left uncommitted.

    Returns each placeholder commit (``pending-commit-N``) mapped to the real commit.
    """
    resolved: dict[str, str] = {}
    for number, (message, changes) in enumerate(recorded.commits, start=1):
        apply_changes(workspace, changes)
        resolved[f"{PENDING_COMMIT}{number}"] = workspaces.commit(workspace, message)
    apply_changes(workspace, recorded.uncommitted)
    return resolved
