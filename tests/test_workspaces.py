"""Experiment worktrees on real git: a checkout is its commit, clean, on its own branch, and git knows it as its
own worktree; HEAD read from git's files is what git says; a diff is ``git diff`` and the files left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core.engine.workspace import GitError, Workspaces, git
from tinkerer_core.workspace_files import LEFT_OUT_NOTE


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


def _worktrees(repo: Path) -> dict[str, dict[str, str]]:
    """``git worktree list --porcelain`` as {path: {field: value}}."""
    listed: dict[str, dict[str, str]] = {}
    for block in git(repo, "worktree", "list", "--porcelain").strip().split("\n\n"):
        fields = dict(line.partition(" ")[::2] for line in block.splitlines())
        listed[fields.pop("worktree")] = fields
    return listed


def test_git_knows_a_checkout_as_its_own_worktree(tmp_path: Path) -> None:
    workspaces = Workspaces(tmp_path / "run")
    base = workspaces.create(None)
    path = workspaces.checkout(1, base)
    assert _worktrees(workspaces.repo)[str(path.resolve())] == {"HEAD": base, "branch": "refs/heads/exp-1"}
    git(workspaces.repo, "worktree", "prune")  # a live worktree is kept
    assert str(path.resolve()) in _worktrees(workspaces.repo)
    git(workspaces.repo, "worktree", "remove", "--force", str(path))
    assert not path.exists() and str(path.resolve()) not in _worktrees(workspaces.repo)
    assert not (workspaces.repo / ".git" / "worktrees" / "exp-1").exists()


def test_a_checkout_after_a_kill_half_way_through_making_its_worktree(tmp_path: Path) -> None:
    workspaces = Workspaces(tmp_path / "run")
    base = workspaces.create(None)
    admin = workspaces.repo / ".git" / "worktrees" / "exp-1"
    admin.mkdir(parents=True)  # killed after git's entry was written, before the worktree's .git file
    (admin / "commondir").write_text("../..\n")
    (admin / "HEAD").write_text(base + "\n")
    (admin / "gitdir").write_text(f"{workspaces.path(1).resolve() / '.git'}\n")
    path = workspaces.checkout(1, base)
    assert git(path, "status", "--porcelain") == "" and workspaces.head(path) == base
    assert _worktrees(workspaces.repo)[str(path.resolve())]["branch"] == "refs/heads/exp-1"
    assert sorted(entry.name for entry in admin.parent.iterdir()) == ["exp-1"]


def test_a_checkout_whose_entry_name_a_live_worktree_holds_gets_another(tmp_path: Path) -> None:
    workspaces = Workspaces(tmp_path / "run")
    base = workspaces.create(None)
    elsewhere = tmp_path / "elsewhere" / "exp-1"  # git named its entry exp-1 too
    git(workspaces.repo, "worktree", "add", "--quiet", "--detach", str(elsewhere), base)
    path = workspaces.checkout(1, base)
    listed = _worktrees(workspaces.repo)
    assert listed[str(path.resolve())]["branch"] == "refs/heads/exp-1" and str(elsewhere.resolve()) in listed
    assert git(elsewhere, "status", "--porcelain") == "" and git(path, "status", "--porcelain") == ""


def test_head_is_what_git_says_loose_packed_detached_or_unborn(tmp_path: Path) -> None:
    workspaces = Workspaces(tmp_path / "run")
    base = workspaces.create(None)
    path = workspaces.checkout(1, base)
    (path / "main.py").write_text("print(1)\n")
    commit = workspaces.commit(path, "exp-1")
    assert commit == git(path, "rev-parse", "HEAD").strip() != base
    git(workspaces.repo, "pack-refs", "--all")  # no loose ref left: git itself is asked
    assert not (workspaces.repo / ".git" / "refs" / "heads" / "exp-1").exists()
    assert workspaces.head(path) == commit and workspaces.head(workspaces.repo) == base
    git(path, "checkout", "--quiet", "--detach", base)
    assert workspaces.head(path) == base
    git(path, "checkout", "--quiet", "--orphan", "unborn")
    with pytest.raises(GitError, match="rev-parse HEAD"):
        workspaces.head(path)


def test_the_diff_is_git_diff_then_the_large_files_left_out(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "keep.txt").write_text("".join(f"line {n}\n" for n in range(10)))
    (source / "old_name.txt").write_text("".join(f"row {n}\n" for n in range(10)))
    (source / "gone.txt").write_text("deleted\n")
    (source / "run.sh").write_text("echo hi\n")
    workspaces = Workspaces(tmp_path / "run", max_commit_file_mb=0.01)
    base = workspaces.create(str(source))
    path = workspaces.checkout(1, base)
    (path / "keep.txt").write_text("".join(f"line {n}\n" for n in range(11)))
    (path / "old_name.txt").rename(path / "new_name.txt")
    (path / "gone.txt").unlink()
    (path / "run.sh").chmod(0o755)
    (path / "model.bin").write_bytes(bytes(range(256)))
    (path / "notes.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    (path / "link").symlink_to("keep.txt")
    (path / "weights.bin").write_bytes(b"\1" * 20_000)  # over max_commit_file_mb: left out
    first = workspaces.commit(path, "exp-1 attempt 1")
    (path / "keep.txt").write_text("edited by the debug attempt\n")
    second = workspaces.commit(path, "exp-1 attempt 2")

    diff = workspaces.diff(base, second)
    expected = git(workspaces.repo, "diff", "--no-color", "--no-ext-diff", base, second)
    (left_out,) = workspaces.left_out(second)
    assert diff == expected + left_out.describe() + "\n"
    assert "rename from old_name.txt" in diff and "deleted file mode" in diff and "new mode 100755" in diff
    assert "Binary files /dev/null and b/model.bin differ" in diff and "+caf\ufffd" in diff
    assert f"{LEFT_OUT_NOTE}weights.bin (20000 bytes" in diff and "weights.bin" not in expected
    assert workspaces.diff(first, first) == left_out.describe() + "\n"  # nothing changed, the file still left out
    assert workspaces.diff("base", "exp-1") == diff  # any revision git knows
