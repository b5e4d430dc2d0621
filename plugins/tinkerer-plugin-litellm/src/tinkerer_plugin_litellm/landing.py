"""Landing a reply: the new content of every file it changes, whatever edit format it actually used.

The requested format is read first; when it yields nothing, the others are tried on the same reply (a
model asked for SEARCH/REPLACE that answers with a whole file still lands), so no call is spent on a
retry that the reply itself can answer. Whole-file answers to Python files are checked: a candidate that
is the parent again is skipped, one that redefines only some functions is merged into the parent, and a
candidate that compiles wins over one that does not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from tinkerer_plugin_litellm.edit_applying import EditError, apply_search_replace, normalized
from tinkerer_plugin_litellm.edit_parsing import (
    NOT_SOURCE,
    SEARCH,
    CodeBlock,
    code_blocks,
    diff_edits,
    search_replace_edits,
)
from tinkerer_plugin_litellm.prompts import SEARCH_REPLACE, UDIFF, WHOLE
from tinkerer_plugin_litellm.python_code import (
    defined_names,
    is_fragment,
    merge_definitions,
    parse,
    parsing_prefix,
    same_program,
)

FileContents = Callable[[str], str]
NO_CODE = "no code in reply"
IDENTICAL = "reply identical to parent"
MISSING_EDITS = {
    WHOLE: "no file in reply (label each code block with its path)",
    SEARCH_REPLACE: "no SEARCH/REPLACE block in reply",
    UDIFF: "no diff hunk in reply",
}
FORMATS = (WHOLE, SEARCH_REPLACE, UDIFF)


def land_reply(
    reply: str, edit_format: str, main_file: str, files: Mapping[str, str], current: FileContents, small: bool
) -> dict[str, str]:
    """The new content of every file ``reply`` changes; raises ``EditError`` (with its ``cause``) when none lands."""
    mismatch: EditError | None = None
    identical = False
    for fmt in (edit_format, *(other for other in FORMATS if other != edit_format)):
        try:
            contents = _read(fmt, reply, main_file, current, small)
        except EditError as problem:
            if problem.cause == "identical":
                identical = True
            elif problem.cause == "unsafe_path":
                raise
            else:
                mismatch = mismatch or problem
            continue
        if contents:
            return contents
    if mismatch is not None:
        raise mismatch
    if identical:
        raise EditError(IDENTICAL, "identical")
    if not code_blocks(reply, unclosed=True):
        raise EditError(NO_CODE, "no_code")
    raise EditError(MISSING_EDITS[edit_format], "no_edit_block")


def _read(fmt: str, reply: str, main_file: str, current: FileContents, small: bool) -> dict[str, str]:
    if fmt == WHOLE:
        return whole_file_contents(reply, main_file, current, small)
    edits = search_replace_edits(reply, main_file) if fmt == SEARCH_REPLACE else diff_edits(reply, main_file)
    return apply_search_replace(edits, current) if edits else {}


def _source_blocks(reply: str, main_file: str, small: bool) -> dict[str, list[CodeBlock]]:
    """The reply's blocks by the file they write; a small model's bare Python reply is the main file."""
    blocks = code_blocks(reply, unclosed=True)
    if not blocks and small and main_file.endswith(".py") and parse(reply) is not None and reply.strip():
        blocks = [CodeBlock(None, "python", reply)]
    grouped: dict[str, list[CodeBlock]] = {}
    for block in blocks:
        if any(SEARCH.match(line) for line in block.content.splitlines()):
            continue
        path = block.path or (main_file if block.language not in NOT_SOURCE else None)
        if path is not None:
            grouped.setdefault(path, []).append(block)
    return grouped


def whole_file_contents(reply: str, main_file: str, current: FileContents, small: bool) -> dict[str, str]:
    """The files a whole-file reply writes, one candidate chosen per file; ``identical`` when all repeat the parent."""
    contents: dict[str, str] = {}
    repeats = False
    for path, blocks in _source_blocks(reply, main_file, small).items():
        parent = current(path)
        if path.endswith(".py"):
            choice, repeated = choose_python(blocks, parent, small)
        else:
            complete = [block.content for block in blocks if block.complete]
            choice = complete[-1] if complete else None
            repeated = choice is not None and normalized(choice) == normalized(parent)
            choice = None if repeated else choice
        repeats = repeats or repeated
        if choice is not None:
            contents[path] = choice
    if not contents and repeats:
        raise EditError(IDENTICAL, "identical")
    return contents


def choose_python(blocks: Sequence[CodeBlock], parent: str, small: bool) -> tuple[str | None, bool]:
    """The candidate to write for a Python file, and whether some candidate repeated the parent.

    Among candidates that parse, small models' first wins (their later blocks drift), other models' last
    (their later blocks refine); when none parses, the last candidate is written and the run reports the
    syntax error.
    """
    valid, invalid, repeated = python_candidates(blocks, parent, small)
    if valid:
        return (valid[0] if small else valid[-1]), repeated
    return (invalid[-1] if invalid else None), repeated


def python_candidates(blocks: Sequence[CodeBlock], parent: str, small: bool) -> tuple[list[str], list[str], bool]:
    """The versions of a Python file the blocks hold that parse, those that do not, and whether a block
    repeated the parent.

    Fragments are merged into the parent; for small models every answer is (definition-level edits: their
    example calls and stray helpers are dropped) and a block that does not parse is cut to its longest
    parsing prefix. Repeats are skipped (for small models also repeats that differ only in formatting or
    comments); a truncated block counts only if it parses.
    """
    parent_tree = parse(parent) if parent.strip() else None
    merge_all = small and parent_tree is not None and bool(defined_names(parent_tree))
    candidates: list[tuple[bool, str]] = []
    repeated = False
    for block in blocks:
        text, tree = block.content, parse(block.content)
        if tree is None and (small or not block.complete):
            text = parsing_prefix(text) or ("" if not block.complete else text)
            tree = parse(text) if text else None
        if tree is None and not block.complete:
            continue
        if parent_tree is not None and tree is not None and (merge_all or is_fragment(parent_tree, tree)):
            merged = merge_definitions(parent, text, careful=small)
            if merged is not None:
                text, tree = merged, parse(merged)
        if normalized(text) == normalized(parent) or (small and parent and same_program(text, parent)):
            repeated = True
            continue
        candidates.append((tree is not None, text))
    valid = list(dict.fromkeys(text for parses, text in candidates if parses))
    return valid, [text for parses, text in candidates if not parses], repeated


def other_versions(
    reply: str, main_file: str, current: FileContents, small: bool, landed: Mapping[str, str]
) -> list[dict[str, str]]:
    """The other versions of the Python files a whole-file reply holds beside the ``landed`` ones (each
    parses, differs from the parent and from every other), one per variant, in the reply's order."""
    variants: list[dict[str, str]] = []
    for path, blocks in _source_blocks(reply, main_file, small).items():
        if not path.endswith(".py") or path not in landed:
            continue
        parent = current(path)
        valid, _, _ = python_candidates(blocks, parent, small)
        shown = {normalized(landed[path])}
        for text in valid:
            if normalized(text) not in shown:
                shown.add(normalized(text))
                variants.append({path: text})
    return variants
