"""Reading edits out of a model's reply: whole files in code fences, SEARCH/REPLACE blocks or unified diffs.

Replies are data: tolerant of prose around the code, fences with or without a language or path,
and repeated blocks (the last complete one per file wins). Nothing here touches the disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*?)\s*$")
SEARCH = re.compile(r"^\s*<{5,9} ?SEARCH\s*$")
DIVIDER = re.compile(r"^\s*={5,9}\s*$")
REPLACE = re.compile(r"^\s*>{5,9} ?REPLACE\s*$")
CODE_SPANS = re.compile(r"(`{3,}|~{3,}).*?\1|<{5,9} ?SEARCH.*?>{5,9} ?REPLACE", re.DOTALL)
PATH_OPTION = re.compile(r"(?:path|file|filename)\s*[=:]\s*[\"']?([^\s\"']+)", re.IGNORECASE)
PATH_LABEL = re.compile(r"^(?:file(?:name)?|path)\s*:\s*", re.IGNORECASE)
PATH_CHARS = re.compile(r"[\w\-./~]+")
DECORATION = "*#`'\": "  # markdown around a path: **main.py**, `main.py`:, # main.py
EXTENSION = re.compile(r"[^./]\.[A-Za-z]\w*$")
# unlabelled blocks in these languages are commands or output, never the main file
NOT_SOURCE = frozenset({"bash", "sh", "shell", "console", "zsh", "text", "txt", "plaintext", "output", "diff"})


@dataclass(frozen=True)
class CodeBlock:
    """A fenced block: its path (None when unlabelled), language and content; incomplete when the reply ends in it."""

    path: str | None
    language: str
    content: str
    complete: bool = True


@dataclass(frozen=True)
class SearchReplace:
    """Replace the first occurrence of ``search`` in ``path`` by ``replace``; an empty search creates or appends."""

    path: str
    search: str
    replace: str


def as_path(text: str) -> str | None:
    """``text`` as a file path if it looks like one (markdown decoration removed), else None."""
    name = PATH_LABEL.sub("", text.strip().strip(DECORATION)).strip(DECORATION)
    if not name or not PATH_CHARS.fullmatch(name) or set(name) <= {".", "/"}:
        return None
    return name if "/" in name or EXTENSION.search(name) else None


def _fence_label(info: str) -> tuple[str | None, str]:
    """The path and language named on a fence's opening line."""
    option = PATH_OPTION.search(info)
    tokens = PATH_OPTION.sub("", info).split()
    path = option.group(1) if option else next((p for p in map(as_path, tokens) if p), None)
    language = next((token.lower() for token in tokens if as_path(token) is None), "")
    return path, language


def _closes(line: str, marker: str) -> bool:
    """Whether ``line`` closes a fence opened with ``marker`` (the same character, at least as many)."""
    stripped = line.strip()
    return len(stripped) >= len(marker) and set(stripped) == {marker[0]}


def code_blocks(reply: str, *, unclosed: bool = False) -> list[CodeBlock]:
    """Every complete fenced block, labelled by a path on the fence or on the line just before it.

    With ``unclosed``, a block the reply ends in (cut off by the token limit) comes last, marked incomplete.
    """
    blocks: list[CodeBlock] = []
    lines = reply.splitlines(keepends=True)
    previous = ""
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            previous = lines[index] if lines[index].strip() else previous
            index += 1
            continue
        marker, info = opening.groups()
        closing = next((end for end in range(index + 1, len(lines)) if _closes(lines[end], marker)), None)
        if closing is None:  # a truncated reply: the block is incomplete
            if unclosed and index + 1 < len(lines):
                path, language = _fence_label(info)
                blocks.append(CodeBlock(path or as_path(previous), language, "".join(lines[index + 1 :]), False))
            break
        path, language = _fence_label(info)
        content = "".join(lines[index + 1 : closing])
        blocks.append(CodeBlock(path or as_path(previous), language, content))
        previous = ""
        index = closing + 1
    return blocks


def whole_files(reply: str, main_file: str) -> dict[str, str]:
    """The files a whole-file reply writes; unlabelled source blocks go to ``main_file``; the last block wins."""
    files: dict[str, str] = {}
    for block in code_blocks(reply):
        if any(SEARCH.match(line) for line in block.content.splitlines()):
            continue
        path = block.path or (main_file if block.language not in NOT_SOURCE else None)
        if path is not None:
            files[path] = block.content
    return files


def _until(lines: list[str], start: int, end: re.Pattern[str]) -> tuple[str, int] | None:
    """The text from ``start`` up to the line matching ``end``, and the index after it; None if it never comes."""
    for index in range(start, len(lines)):
        if end.match(lines[index]):
            return "".join(lines[start:index]), index + 1
    return None


def search_replace_edits(reply: str, main_file: str) -> list[SearchReplace]:
    """The complete SEARCH/REPLACE blocks of a reply, each for the last path named before it."""
    edits: list[SearchReplace] = []
    lines = reply.splitlines(keepends=True)
    path = main_file
    index = 0
    while index < len(lines):
        line = lines[index]
        if SEARCH.match(line):
            search = _until(lines, index + 1, DIVIDER)
            replace = _until(lines, search[1], REPLACE) if search else None
            if search is None or replace is None:
                break
            edits.append(SearchReplace(path, search[0], replace[0]))
            index = replace[1]
            continue
        fence = FENCE.match(line)
        named = _fence_label(fence.group(2))[0] if fence else as_path(line)
        path = named or path
        index += 1
    return edits


DIFF_OLD = re.compile(r"^--- (?:a/)?(\S+)")
DIFF_NEW = re.compile(r"^\+\+\+ (?:b/)?(\S+)")
HUNK = re.compile(r"^@@.*@@")


def _hunk_edit(path: str, body: list[str]) -> SearchReplace | None:
    """A hunk's lines as a SEARCH/REPLACE edit: context and removed lines become SEARCH, context and added REPLACE."""
    search: list[str] = []
    replace: list[str] = []
    for line in body:
        marker, text = line[:1], line[1:]
        if marker in " -":
            search.append(text)
        if marker in " +":
            replace.append(text)
    if search == replace:
        return None
    return SearchReplace(path, "".join(search), "".join(replace))


def diff_edits(reply: str, main_file: str) -> list[SearchReplace]:
    """The hunks of unified diffs in a reply, as edits located by their text (line numbers are ignored).

    A hunk goes to the file its ``+++`` header names, else to ``main_file``; fences around diffs are skipped.
    """
    edits: list[SearchReplace] = []
    path = main_file
    body: list[str] | None = None

    def flush() -> None:
        if body:
            edit = _hunk_edit(path, body)
            if edit is not None:
                edits.append(edit)

    for line in reply.splitlines(keepends=True):
        new_file, hunk = DIFF_NEW.match(line), HUNK.match(line)
        if hunk or new_file or DIFF_OLD.match(line) or FENCE.match(line):
            flush()
            body = [] if hunk else None
            if new_file and new_file.group(1) != "/dev/null":
                path = new_file.group(1)
        elif body is not None and (not line.strip() or line[:1] in " +-"):
            body.append(line if line.strip() else " \n")
        elif body is not None and not line.startswith("\\"):  # prose after the hunk ("\ No newline" is not)
            flush()
            body = None
    flush()
    return edits


def prose(reply: str, max_chars: int = 300) -> str:
    """The reply's words outside code and edit blocks, on one line, shortened to ``max_chars``."""
    text = CODE_SPANS.sub("\n", reply)
    words = " ".join(line.strip() for line in text.splitlines() if line.strip() and as_path(line) is None)
    return words if len(words) <= max_chars else words[: max_chars - 3] + "..."
