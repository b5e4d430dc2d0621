"""Experiment workspaces: one git repository per run, one worktree and branch per experiment.

Lineage is git history: experiment N's branch ``exp-N`` starts at its parent's commit, and the
agent's edits are committed on it. Data given by ``data_dir`` is linked or copied into
``data/`` and kept out of git.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tinkerer_core.errors import ConfigError, TinkererError

DATA_LINK = "data"
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "tinkerer",
    "GIT_AUTHOR_EMAIL": "tinkerer@localhost",
    "GIT_COMMITTER_NAME": "tinkerer",
    "GIT_COMMITTER_EMAIL": "tinkerer@localhost",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}


class GitError(TinkererError):
    """A git command failed."""


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its stdout; raise ``GitError`` with stderr on failure."""
    env = {**os.environ, **_GIT_ENV, "HOME": os.environ.get("HOME", "/tmp")}
    completed = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed in {cwd}: {completed.stderr.strip()}")
    return completed.stdout


class Workspaces:
    """The run's repository (``run_dir/repo``) and experiment worktrees (``run_dir/workspaces``)."""

    def __init__(self, run_dir: Path, data_dir: str | None = None, data_mode: str = "link") -> None:
        if data_mode not in ("link", "copy"):
            raise ConfigError(f"data_mode must be 'link' or 'copy', not {data_mode!r}")
        self.repo = run_dir / "repo"
        self.root = run_dir / "workspaces"
        self.data_dir = Path(data_dir).resolve() if data_dir else None
        self.data_mode = data_mode
        if self.data_dir is not None and not self.data_dir.is_dir():
            raise ConfigError(f"data_dir {data_dir!r} is not a directory")

    def create(self, starting_repo: str | None) -> str:
        """Create the run's repository, seeded from ``starting_repo`` (a directory) if given; return the base commit."""
        self.root.mkdir(parents=True, exist_ok=True)
        if starting_repo:
            source = Path(starting_repo)
            if not source.is_dir():
                raise ConfigError(f"starting_repo {starting_repo!r} is not a directory")
            shutil.copytree(source, self.repo, ignore=shutil.ignore_patterns(".git"), symlinks=True)
        else:
            self.repo.mkdir(parents=True)
        git(self.repo, "init", "--quiet", "--initial-branch=base")
        (self.repo / ".git" / "info").mkdir(parents=True, exist_ok=True)
        (self.repo / ".git" / "info" / "exclude").write_text(f"/{DATA_LINK}\n__pycache__/\n*.pyc\n")
        git(self.repo, "add", "--all")
        git(self.repo, "commit", "--quiet", "--allow-empty", "-m", "base")
        return self.head(self.repo)

    def head(self, path: Path) -> str:
        return git(path, "rev-parse", "HEAD").strip()

    def path(self, experiment_id: int) -> Path:
        return self.root / f"exp-{experiment_id}"

    def pid_file(self, experiment_id: int) -> Path:
        """Where the running solution of ``experiment_id`` records its process group."""
        return self.root.parent / "pids" / f"exp-{experiment_id}.pid"

    def checkout(self, experiment_id: int, start_commit: str) -> Path:
        """A fresh worktree for ``experiment_id`` on branch ``exp-<id>`` at ``start_commit``."""
        path = self.path(experiment_id)
        branch = f"exp-{experiment_id}"
        if path.exists():  # an interrupted experiment being redone
            git(self.repo, "worktree", "remove", "--force", str(path))
        git(self.repo, "worktree", "prune")
        git(self.repo, "worktree", "add", "--quiet", "-B", branch, str(path), start_commit)
        self._attach_data(path)
        return path

    def _attach_data(self, path: Path) -> None:
        if self.data_dir is None:
            return
        target = path / DATA_LINK
        if self.data_mode == "link":
            target.symlink_to(self.data_dir, target_is_directory=True)
        else:
            shutil.copytree(self.data_dir, target)

    def commit(self, path: Path, message: str) -> str:
        """Commit everything changed in the worktree at ``path``; return the new commit."""
        git(path, "add", "--all")
        git(path, "commit", "--quiet", "--allow-empty", "-m", message)
        return self.head(path)

    def diff(self, start: str, end: str) -> str:
        return git(self.repo, "diff", start, end)

    def files(self, commit: str, max_bytes: int = 200_000) -> dict[str, str]:
        """The text files of ``commit`` (for the agent's view of the parent), bounded in total size."""
        names = git(self.repo, "ls-tree", "-r", "--name-only", commit).splitlines()
        files: dict[str, str] = {}
        budget = max_bytes
        for name in names:
            try:
                text = git(self.repo, "show", f"{commit}:{name}")
            except GitError:
                continue
            if "\0" in text or len(text) > budget:
                continue
            files[name] = text
            budget -= len(text)
        return files

    def export(self, commit: str, output_path: Path) -> None:
        """Write the files of ``commit`` to ``output_path`` (a directory this run owns or an empty one)."""
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit], cwd=self.repo, capture_output=True, check=True
        ).stdout
        output_path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tar", "-x", "-C", str(output_path)], input=archive, check=True)
        if self.data_dir is not None and not (output_path / DATA_LINK).exists():
            (output_path / DATA_LINK).symlink_to(self.data_dir, target_is_directory=True)
