"""Applying edits: paths stay inside the workspace, SEARCH text must match, writes are all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_plugin_litellm.edit_applying import EditError, apply_search_replace, safe_path, write_files
from tinkerer_plugin_litellm.edit_parsing import SearchReplace


@pytest.mark.parametrize("path", ["/etc/passwd", "../x.py", "a/../../x.py", ".git/config", "~/x.py", "a\\b.py", "."])
def test_unsafe_paths_are_rejected(tmp_path: Path, path: str) -> None:
    with pytest.raises(EditError, match="unsafe path"):
        safe_path(tmp_path, path)


def test_a_symlink_cannot_lead_out_of_the_workspace(tmp_path: Path) -> None:
    workspace, outside = tmp_path / "ws", tmp_path / "outside"
    workspace.mkdir()
    outside.mkdir()
    (workspace / "link").symlink_to(outside)
    with pytest.raises(EditError, match="outside the workspace"):
        safe_path(workspace, "link/evil.py")
    assert safe_path(workspace, "pkg/mod.py") == workspace.resolve() / "pkg" / "mod.py"


def test_search_replace_matches_exactly_then_up_to_whitespace() -> None:
    files = {"main.py": "def f():\n    return 1\n\nprint(f())\n"}
    edits = [
        SearchReplace("main.py", "    return 1\n", "    return 2\n"),
        SearchReplace("main.py", "print(f())  \n\n", "print(f() + 1)\n"),  # trailing spaces, extra newline
        SearchReplace("new.py", "", "X = 1\n"),
    ]
    assert apply_search_replace(edits, lambda path: files.get(path, "")) == {
        "main.py": "def f():\n    return 2\n\nprint(f() + 1)\n",
        "new.py": "X = 1\n",
    }


def test_a_search_text_that_is_not_in_the_file_fails() -> None:
    with pytest.raises(EditError, match=r"main.py does not match the file \(it starts 'missing\(\)'\)"):
        apply_search_replace([SearchReplace("main.py", "missing()\n", "x\n")], lambda path: "present()\n")


def test_only_changed_files_are_written_and_an_unsafe_path_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "same.py").write_text("x = 1\n")
    assert write_files(tmp_path, {"same.py": "x = 1", "pkg/new.py": "y = 2\n"}) == ["pkg/new.py"]
    assert (tmp_path / "pkg" / "new.py").read_text() == "y = 2\n"
    with pytest.raises(EditError):
        write_files(tmp_path, {"ok.py": "z = 3\n", "../escape.py": "boom\n"})
    assert not (tmp_path / "ok.py").exists()
    assert not (tmp_path.parent / "escape.py").exists()
