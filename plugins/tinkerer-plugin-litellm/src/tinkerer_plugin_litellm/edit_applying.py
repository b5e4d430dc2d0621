"""Applying edits to a workspace safely: paths stay inside it, writes are atomic, nothing is half-applied."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tinkerer_core import workspace_files
from tinkerer_core.workspace_files import UnsafePathError
from tinkerer_plugin_litellm.edit_parsing import SearchReplace
from tinkerer_plugin_litellm.files import atomic_write_text


class EditError(ValueError):
    """A reply whose edits cannot be applied; the message says why (it goes back to the model).

    ``cause`` names the kind of failure, as counted in the run store: ``no_code``, ``no_edit_block``,
    ``edit_mismatch``, ``identical``, ``unsafe_path``.
    """

    def __init__(self, message: str, cause: str = "edit_mismatch") -> None:
        super().__init__(message)
        self.cause = cause


def safe_path(workspace: Path, relative: str) -> Path:
    """``tinkerer_core.workspace_files.safe_path``, raising ``EditError`` (its message goes back to the model)."""
    try:
        return workspace_files.safe_path(workspace, relative)
    except UnsafePathError as error:
        raise EditError(str(error), "unsafe_path") from None


def read_text(workspace: Path, relative: str) -> str | None:
    """The content of a workspace file, or None when it does not exist; raises ``EditError`` for unsafe paths."""
    try:
        return workspace_files.read_text(workspace, relative)
    except UnsafePathError as error:
        raise EditError(str(error), "unsafe_path") from None


def normalized(text: str) -> str:
    """``text`` ending in exactly one newline (how files are written and compared)."""
    return text.rstrip("\n") + "\n" if text.strip() else ""


def _replace_lines(text: str, search: str, replace: str) -> str | None:
    """Replace the lines of ``text`` equal to ``search``'s lines up to surrounding whitespace; None if absent."""
    wanted = [line.strip() for line in search.strip("\n").splitlines()]
    lines = text.splitlines(keepends=True)
    for start in range(len(lines) - len(wanted) + 1):
        if [line.strip() for line in lines[start : start + len(wanted)]] == wanted:
            return "".join(lines[:start]) + normalized(replace) + "".join(lines[start + len(wanted) :])
    return None


def apply_search_replace(edits: Sequence[SearchReplace], current: Callable[[str], str]) -> dict[str, str]:
    """The new content of every file the edits touch, each applied in order to ``current(path)``."""
    contents: dict[str, str] = {}
    for edit in edits:
        text = contents[edit.path] if edit.path in contents else current(edit.path)
        if not edit.search.strip():
            contents[edit.path] = text + edit.replace
        elif edit.search in text:
            contents[edit.path] = text.replace(edit.search, edit.replace, 1)
        elif (replaced := _replace_lines(text, edit.search, edit.replace)) is not None:
            contents[edit.path] = replaced
        else:
            first = edit.search.strip().splitlines()[0]
            raise EditError(f"a SEARCH block for {edit.path} does not match the file (it starts {first!r})")
    return contents


def write_files(workspace: Path, contents: Mapping[str, str]) -> list[str]:
    """Write the files whose content changes; every path is checked before anything is written."""
    targets = {relative: safe_path(workspace, relative) for relative in contents}
    changed = [
        relative
        for relative, text in contents.items()
        if normalized(text) != normalized(read_text(workspace, relative) or "")
    ]
    for relative in changed:
        atomic_write_text(targets[relative], normalized(contents[relative]))
    return changed
