"""The llm_edit agent's prompts: what to do, the current code and results, and how to answer."""

from __future__ import annotations

from collections.abc import Mapping

from tinkerer_core.components import AgentRequest

WHOLE = "whole"
SEARCH_REPLACE = "search_replace"

FEEDBACK_CHARS = 2000
OUTPUT_CHARS = 2000
ERROR_CHARS = 1500
ERRORS_SHOWN = 3
CONTEXT_CHARS = 6000
TRUNCATED = "\n... [truncated]\n"

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

TASKS = {
    "draft": "Write a first solution to the goal.",
    "improve": "Improve the current solution by implementing the idea below.",
    "debug": "The last run failed. Find the cause and fix it; keep what works.",
}

WHOLE_FILE_RETRY = """That edit could not be applied: {problem}
Answer again with the complete new content of every file you change: the file's path alone on a line, then the \
whole file in a fenced code block."""


def bounded(text: str, max_chars: int, keep: str = "head") -> str:
    """``text`` cut to ``max_chars``, keeping its head or its tail."""
    if len(text) <= max_chars:
        return text
    return text[:max_chars] + TRUNCATED if keep == "head" else TRUNCATED + text[-max_chars:]


def files_section(files: Mapping[str, str], max_chars: int) -> str:
    """The files as path + fenced block, within a total budget of ``max_chars``."""
    if not files:
        return "There are no files yet."
    parts: list[str] = []
    budget = max_chars
    for path, text in files.items():
        shown = bounded(text, max(budget, 0))
        budget -= len(shown)
        fence = "````" if "```" in shown else "```"
        parts.append(f"{path}\n{fence}\n{shown.rstrip()}\n{fence}")
    return "\n\n".join(parts)


def user_prompt(request: AgentRequest, files: Mapping[str, str], main_file: str, max_code_chars: int) -> str:
    """Everything the model needs for this request, in sections."""
    sections = [f"# Goal\n{request.goal}", f"# Task\n{TASKS.get(request.kind, TASKS['improve'])}"]
    if request.idea:
        sections.append(f"# Idea\n{request.idea}")
    focus = [path for path in request.focus_files if path != main_file]
    focus_line = f" Focus on: {', '.join([main_file, *focus])}." if focus else ""
    sections.append(
        f"# Current files (the program run is {main_file}).{focus_line}\n{files_section(files, max_code_chars)}"
    )
    results = []
    if request.parent_score is not None:
        results.append(f"Score: {request.parent_score}")
    if request.parent_feedback:
        results.append(f"Feedback: {bounded(request.parent_feedback, FEEDBACK_CHARS)}")
    if request.parent_output_tail:
        results.append(f"Output (tail):\n{bounded(request.parent_output_tail, OUTPUT_CHARS, keep='tail')}")
    if results:
        sections.append("# Last result\n" + "\n".join(results))
    if request.errors:
        shown = [bounded(error, ERROR_CHARS, keep="tail") for error in request.errors[-ERRORS_SHOWN:]]
        sections.append("# Earlier errors on this branch (oldest first)\n" + "\n---\n".join(shown))
    if request.knowledge_context:
        sections.append(f"# Knowledge\n{bounded(request.knowledge_context, CONTEXT_CHARS)}")
    if request.additional_context:
        sections.append(f"# Additional context\n{bounded(request.additional_context, CONTEXT_CHARS)}")
    return "\n\n".join(sections)


def messages(
    request: AgentRequest, files: Mapping[str, str], main_file: str, edit_format: str, max_code_chars: int
) -> list[dict[str, str]]:
    """The system and user messages asking for an edit in ``edit_format``."""
    rules = FORMAT_RULES[edit_format].format(main_file=main_file)
    return [
        {"role": "system", "content": SYSTEM.format(format_rules=rules)},
        {"role": "user", "content": user_prompt(request, files, main_file, max_code_chars)},
    ]


def whole_file_retry(history: list[dict[str, str]], reply: str, problem: str) -> list[dict[str, str]]:
    """``history`` continued with the failed reply and a request for whole files instead."""
    retry = WHOLE_FILE_RETRY.format(problem=problem)
    return [*history, {"role": "assistant", "content": reply}, {"role": "user", "content": retry}]
