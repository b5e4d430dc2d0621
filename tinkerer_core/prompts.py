"""How every coding agent shows an ``AgentRequest`` to a model: goal, task, idea, files and results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tinkerer_core.components import AgentRequest

FEEDBACK_CHARS = 2000
OUTPUT_CHARS = 2000
ERROR_CHARS = 1500
ERRORS_SHOWN = 3
CONTEXT_CHARS = 6000
TRUNCATED = "\n... [truncated]\n"

TASKS = {
    "draft": "Write a first solution to the goal.",
    "improve": "Improve the current solution by implementing the idea below.",
    "debug": "The last run failed. Find the cause and fix it; keep what works.",
}


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


def header_sections(request: AgentRequest, tasks: Mapping[str, str] = TASKS) -> list[str]:
    """The goal, the task (worded by ``tasks`` for the request's kind) and the idea, if any."""
    sections = [f"# Goal\n{request.goal}", f"# Task\n{tasks.get(request.kind, tasks['improve'])}"]
    if request.idea:
        sections.append(f"# Idea\n{request.idea}")
    return sections


def result_sections(request: AgentRequest) -> list[str]:
    """The last result, earlier errors, knowledge and additional context, each when present."""
    sections = []
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
    return sections


def current_files_section(files: Mapping[str, str], main_file: str, focus_files: Sequence[str], max_chars: int) -> str:
    """The current files, naming the program run and the files to focus on."""
    focus = [path for path in focus_files if path != main_file]
    focus_line = f" Focus on: {', '.join([main_file, *focus])}." if focus else ""
    return f"# Current files (the program run is {main_file}).{focus_line}\n{files_section(files, max_chars)}"


def render_request(request: AgentRequest, files: Mapping[str, str], main_file: str, max_code_chars: int) -> str:
    """Everything a model needs for ``request``, in sections, showing up to ``max_code_chars`` of ``files``."""
    sections = [
        *header_sections(request),
        current_files_section(files, main_file, request.focus_files, max_code_chars),
        *result_sections(request),
    ]
    return "\n\n".join(sections)
