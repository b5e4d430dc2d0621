"""The message aider receives: the goal, the task, the idea and what the last attempt showed.

aider adds the files to its chat and states its own edit format, so the message carries neither.
"""

from __future__ import annotations

from collections.abc import Sequence

from tinkerer_core import AgentRequest
from tinkerer_core.prompts import header_sections, result_sections

# aider gets no system prompt of ours, so its tasks ask for runnable code themselves.
TASKS = {
    "draft": "Write a first complete, runnable solution to the goal.",
    "improve": "Improve the current solution by implementing the idea below; keep it runnable.",
    "debug": "The last run failed. Find the cause and fix it; keep what works.",
}


def files_note(files: Sequence[str], to_create: Sequence[str]) -> str:
    """The ``# Files`` section: which files are in aider's chat and which to create."""
    notes = []
    if files:
        notes.append(f"Edit the files in the chat ({', '.join(files)}).")
    if to_create:
        notes.append(f"Create {', '.join(to_create)}.")
    if not files and not to_create:
        notes.append("The project has no files yet: create them (the main program is main.py).")
    return "# Files\n" + " ".join(notes)


def message(request: AgentRequest, files: Sequence[str], to_create: Sequence[str] = ()) -> str:
    """One user message for aider built from ``request``; ``files`` are in aider's chat, ``to_create`` do not exist."""
    sections = [*header_sections(request, TASKS), files_note(files, to_create), *result_sections(request)]
    return "\n\n".join(sections)
