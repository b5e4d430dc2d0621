"""The llm_edit agent's prompts: the request (rendered by ``tinkerer_core.prompts``) and how to answer."""

from __future__ import annotations

from collections.abc import Mapping

from tinkerer_core.components import AgentRequest
from tinkerer_core.prompts import render_request

WHOLE = "whole"
SEARCH_REPLACE = "search_replace"

SYSTEM = """You are an expert programmer working in a project directory toward a goal.
Each attempt is run and scored; write complete, runnable code. {format_rules}"""

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
}

WHOLE_FILE_RETRY = """That edit could not be applied: {problem}
Answer again with the complete new content of every file you change: the file's path alone on a line, then the \
whole file in a fenced code block."""


def messages(
    request: AgentRequest, files: Mapping[str, str], main_file: str, edit_format: str, max_code_chars: int
) -> list[dict[str, str]]:
    """The system and user messages asking for an edit in ``edit_format``."""
    rules = FORMAT_RULES[edit_format].format(main_file=main_file)
    return [
        {"role": "system", "content": SYSTEM.format(format_rules=rules)},
        {"role": "user", "content": render_request(request, files, main_file, max_code_chars)},
    ]


def whole_file_retry(history: list[dict[str, str]], reply: str, problem: str) -> list[dict[str, str]]:
    """``history`` continued with the failed reply and a request for whole files instead."""
    retry = WHOLE_FILE_RETRY.format(problem=problem)
    return [*history, {"role": "assistant", "content": reply}, {"role": "user", "content": retry}]
