"""The llm_edit agent's prompts: the request (rendered by ``tinkerer_core.prompts``) and how to answer."""

from __future__ import annotations

from collections.abc import Mapping

from tinkerer_core import AgentRequest
from tinkerer_core.prompts import (
    CHARS_PER_TOKEN,
    MIN_SECTION_CHARS,
    TRIED_TITLE,
    bounded,
    compact_request,
    fit_sections,
    render_request,
    tried_lines,
)
from tinkerer_plugin_litellm.focus import Focus

FULL = "full"
COMPACT = "compact"
COMPACT_NO_IDEA = "compact_no_idea"
PROMPT_STYLES = ("auto", FULL, COMPACT, COMPACT_NO_IDEA)
WHOLE = "whole"
SEARCH_REPLACE = "search_replace"
UDIFF = "udiff"

SYSTEM = """You are an expert programmer working in a project directory toward a goal.
Each attempt is run and scored; write complete, runnable code. {format_rules}"""

# small models follow one short instruction; the format rules of strong models only confuse them
SMALL_SYSTEM = """You are a Python programmer. Reply with the complete new {main_file} in one ```python code block. Change the code; do not repeat it unchanged."""

# a focused call asks for one function: shown whole ("fix") or as its signature and docstring ("write the body")
FOCUS_SYSTEM = """You are a Python programmer. Reply with the function {name} in one ```python code block."""
FOCUS_TASKS = {True: "Write the body of this function", False: "Fix this function"}

FORMAT_RULES = {
    WHOLE: """Answer with the complete new content of every file you create or change: the file's relative \
path alone on a line, then the whole file in a fenced code block. Never elide code with "..." or "rest unchanged". \
The main file is {main_file}. Example:

{main_file}
```python
print("hello")
```""",
    SEARCH_REPLACE: """Answer with SEARCH/REPLACE blocks: the file's relative path alone on a line, then a fenced \
block holding `<<<<<<< SEARCH`, lines copied exactly from the file, `=======`, the lines to put instead, and \
`>>>>>>> REPLACE`. Keep each SEARCH short but unique. To create a file, leave SEARCH empty. \
The main file is {main_file}. Example:

{main_file}
```python
<<<<<<< SEARCH
print("hello")
=======
print("hello, world")
>>>>>>> REPLACE
```""",
    UDIFF: """Answer with a unified diff in a fenced ```diff block: `--- a/path` and `+++ b/path` headers, then hunks starting with `@@ ... @@` whose lines begin with a space (context), `-` (removed) or `+` (added). Copy context and removed lines exactly; line numbers may be approximate. The main file is {main_file}. Example:

```diff
--- a/{main_file}
+++ b/{main_file}
@@ -1 +1 @@
-print("hello")
+print("hello, world")
```""",
}

WHOLE_FILE_RETRY = """That edit could not be applied: {problem}
Answer again with the complete new content of every file you change: the file's path alone on a line, then the \
whole file in a fenced code block."""


def system_prompt(edit_format: str, main_file: str, small: bool) -> str:
    """The system message: the format rules, or one short instruction for small models."""
    if small and edit_format == WHOLE:
        return SMALL_SYSTEM.format(main_file=main_file)
    return SYSTEM.format(format_rules=FORMAT_RULES[edit_format].format(main_file=main_file))


def messages(
    request: AgentRequest,
    files: Mapping[str, str],
    main_file: str,
    edit_format: str,
    max_code_chars: int,
    *,
    small: bool = False,
    max_prompt_tokens: int | None = None,
    style: str = FULL,
) -> list[dict[str, str]]:
    """The system and user messages asking for an edit in ``edit_format``, the request within ``max_prompt_tokens``.

    ``style``: ``full`` (every section, headed) or ``compact`` (goal, code, last output, idea: for small models;
    ``compact_no_idea`` leaves the idea out).
    """
    if style in (COMPACT, COMPACT_NO_IDEA):
        budget = max_prompt_tokens or int(max_code_chars / 3)
        user = compact_request(request, files, main_file, budget, idea=style == COMPACT)
    else:
        user = render_request(request, files, main_file, max_code_chars, max_prompt_tokens)
    return [
        {"role": "system", "content": system_prompt(edit_format, main_file, small)},
        {"role": "user", "content": user},
    ]


def focused_messages(
    request: AgentRequest, focus: Focus, output_title: str, max_prompt_tokens: int
) -> list[dict[str, str]]:
    """The system and user messages asking a small model for one function: the goal, the function, the output
    lines about it, then knowledge while room is left (the idea is left out: one task per call)."""
    room = int(max_prompt_tokens * CHARS_PER_TOKEN)
    goal = bounded(request.goal, max(room // 3, MIN_SECTION_CHARS))
    code = bounded(focus.shown, max((room - len(goal)) * 2 // 3, MIN_SECTION_CHARS))
    where = f"{focus.path} (a method of class {focus.owner})" if focus.owner else focus.path
    parts = [goal, f"{FOCUS_TASKS[focus.body_hidden]} in {where}:\n```python\n{code}\n```"]
    room -= sum(len(part) + 2 for part in parts)
    optional = [
        (f"{output_title}\n", focus.output, "tail"),
        (TRIED_TITLE, tried_lines(request), "tail"),
        ("Hint: ", request.knowledge_context, "head"),
    ]
    parts.extend(fit_sections(optional, room))
    return [
        {"role": "system", "content": FOCUS_SYSTEM.format(name=focus.name)},
        {"role": "user", "content": "\n\n".join(parts)},
    ]


def whole_file_retry(history: list[dict[str, str]], reply: str, problem: str) -> list[dict[str, str]]:
    """``history`` continued with the failed reply and a request for whole files instead."""
    retry = WHOLE_FILE_RETRY.format(problem=problem)
    return [*history, {"role": "assistant", "content": reply}, {"role": "user", "content": retry}]
