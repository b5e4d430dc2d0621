"""Experiment worktrees on real git: a checkout is its commit, clean, on its own branch."""

from __future__ import annotations

from pathlib import Path

from tinkerer_core.engine.workspace import Workspaces, git


def test_a_checkout_is_the_commit_clean_on_its_branch_and_a_redo_starts_over(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "pkg").mkdir(parents=True)
    (source / "main.py").write_text("print(1)\n")
    (source / "pkg" / "util.py").write_text("X = 1\n")
    workspaces = Workspaces(tmp_path / "run")
    base = workspaces.create(str(source))

    path = workspaces.checkout(1, base)
    assert (path / "main.py").read_text() == "print(1)\n" and (path / "pkg" / "util.py").read_text() == "X = 1\n"
    assert git(path, "status", "--porcelain") == ""
    assert git(path, "rev-parse", "--abbrev-ref", "HEAD").strip() == "exp-1"
    assert workspaces.files(path) == {"main.py": "print(1)\n", "pkg/util.py": "X = 1\n"}

    (path / "main.py").write_text("print(2)\n")
    edited = workspaces.commit(path, "exp-1: print 2")
    assert git(path, "rev-parse", "exp-1").strip() == edited

    child = workspaces.checkout(2, edited)
    assert (child / "main.py").read_text() == "print(2)\n" and git(child, "status", "--porcelain") == ""

    redone = workspaces.checkout(1, base)  # an interrupted experiment run again: its branch starts over
    assert git(redone, "rev-parse", "HEAD").strip() == base == git(redone, "rev-parse", "exp-1").strip()
    assert (redone / "main.py").read_text() == "print(1)\n"
