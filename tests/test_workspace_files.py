"""Workspace files: safe paths and reads, and content snapshots that tell what changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tinkerer_core import workspace_files
from tinkerer_core.workspace_files import (
    UnsafePathError,
    changed_between,
    changed_files,
    read_text,
    safe_path,
    snapshot,
)


@pytest.mark.parametrize("path", ["", "/etc/passwd", "~/x", "../x", "a/../../x", ".git/config", "a\\b"])
def test_unsafe_paths_are_rejected(tmp_path: Path, path: str) -> None:
    with pytest.raises(UnsafePathError, match="unsafe path"):
        safe_path(tmp_path, path)


def test_a_symlink_out_of_the_workspace_is_rejected_and_reads_stay_inside(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "pkg").mkdir(parents=True)
    (workspace / "link").symlink_to(tmp_path)
    with pytest.raises(UnsafePathError, match="outside the workspace"):
        read_text(workspace, "link/evil.py")
    (workspace / "pkg" / "mod.py").write_text("x = 1\n")
    assert read_text(workspace, "pkg/mod.py") == "x = 1\n"
    assert read_text(workspace, "missing.py") is None


def test_only_content_changes_count(tmp_path: Path) -> None:
    (tmp_path / "same.py").write_text("x = 1\n")
    (tmp_path / "edited.py").write_text("x = 1\n")
    (tmp_path / "deleted.py").write_text("x = 1\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("y = 2\n")
    before = snapshot(tmp_path)
    time.sleep(0.01)
    (tmp_path / "same.py").write_text("x = 1\n")  # rewritten, same content: new mtime only
    (tmp_path / "edited.py").write_text("x = 2\n")
    (tmp_path / "deleted.py").unlink()
    (tmp_path / "pkg" / "new.py").write_text("z = 3\n")
    assert changed_files(tmp_path, before) == ["deleted.py", "edited.py", "pkg/new.py"]


def test_git_caches_and_symlinked_folders_are_not_read(tmp_path: Path) -> None:
    data = tmp_path / "outside-data"
    data.mkdir()
    (data / "big.csv").write_text("a,b\n")
    workspace = tmp_path / "ws"
    for folder in (".git", "__pycache__"):
        (workspace / folder).mkdir(parents=True)
        (workspace / folder / "file").write_text("v1")
    (workspace / "data").symlink_to(data)
    before = snapshot(workspace)
    assert before == {}
    for folder in (".git", "__pycache__"):
        (workspace / folder / "file").write_text("v2")
    (data / "big.csv").write_text("changed\n")
    assert changed_files(workspace, before) == []


def test_an_unchanged_signature_is_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "kept.txt").write_text("a")
    (tmp_path / "touched.txt").write_text("b")
    before = snapshot(tmp_path)
    read: list[str] = []
    real_digest = workspace_files._digest
    monkeypatch.setattr(workspace_files, "_digest", lambda path, *rest: read.append(path) or real_digest(path, *rest))
    os.utime(tmp_path / "touched.txt", ns=(1, 1))
    after = snapshot(tmp_path, before)
    assert read == [str(tmp_path / "touched.txt")]
    assert changed_between(before, after) == []


def test_changes_are_found_by_content_not_by_mtime(tmp_path: Path) -> None:
    (tmp_path / "same.py").write_text("a\n")
    (tmp_path / "edited.py").write_text("a\n")
    (tmp_path / "deleted.py").write_text("a\n")
    (tmp_path / ".git").mkdir()
    before = snapshot(tmp_path)
    (tmp_path / "same.py").write_text("a\n")
    os.utime(tmp_path / "same.py", ns=(1, 1))
    (tmp_path / "edited.py").write_text("b\n")
    (tmp_path / "deleted.py").unlink()
    (tmp_path / "new.py").write_text("c\n")
    (tmp_path / ".git" / "index").write_text("git's own\n")
    assert changed_files(tmp_path, before) == ["deleted.py", "edited.py", "new.py"]
