"""The message aider receives: the goal, the task, the idea and what the last attempt showed.

aider adds the files to its chat and states its own edit format, so the message carries neither.
"""

from __future__ import annotations

from collections.abc import Sequence

from tinkerer_core.components import AgentRequest

FEEDBACK_CHARS = 2000
OUTPUT_CHARS = 2000
ERROR_CHARS = 1500
ERRORS_SHOWN = 3
CONTEXT_CHARS = 6000
TRUNCATED = "\n... [truncated]\n"

TASKS = {
    "draft": "Write a first complete, runnable solution to the goal.",
    "improve": "Improve the current solution by implementing the idea below; keep it runnable.",
    "debug": "The last run failed. Find the cause and fix it; keep what works.",
}


def bounded(text: str, max_chars: int, keep: str = "head") -> str:
    """``text`` cut to ``max_chars``, keeping its head or its tail."""
    if len(text) <= max_chars:
        return text
    return text[:max_chars] + TRUNCATED if keep == "head" else TRUNCATED + text[-max_chars:]


def message(request: AgentRequest, files: Sequence[str], to_create: Sequence[str] = ()) -> str:
    """One user message for aider built from ``request``; ``files`` are in aider's chat, ``to_create`` do not exist."""
    sections = [f"# Goal\n{request.goal}", f"# Task\n{TASKS.get(request.kind, TASKS['improve'])}"]
    if request.idea:
        sections.append(f"# Idea\n{request.idea}")
    notes = []
    if files:
        notes.append(f"Edit the files in the chat ({', '.join(files)}).")
    if to_create:
        notes.append(f"Create {', '.join(to_create)}.")
    if not files and not to_create:
        notes.append("The project has no files yet: create them (the main program is main.py).")
    sections.append("# Files\n" + " ".join(notes))
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
