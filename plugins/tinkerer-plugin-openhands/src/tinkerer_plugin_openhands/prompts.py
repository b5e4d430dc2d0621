"""The task OpenHands gets: where it works and how, then the sections every coding agent's request has."""

from __future__ import annotations

from pathlib import Path

from tinkerer_core import AgentRequest
from tinkerer_core.prompts import bounded, render_request
from tinkerer_core.workspace_files import UnsafePathError, read_text

DEFAULT_MAIN_FILE = "main.py"
MAX_MESSAGE_CHARS = 100_000

INSTRUCTIONS = """You are working alone and non-interactively on the project in {root}. Do the task below by \
editing and creating files there with your tools; every file path you give is absolute and inside {root}, and \
nothing outside it can be written. Nobody will answer questions: decide and act. You may run the program in the \
terminal to check your work. When you are done, finish with a short summary of what you changed and why."""


def main_file(request: AgentRequest) -> str:
    """The program's main file: the first focus file, else main.py."""
    return next(iter(request.focus_files), DEFAULT_MAIN_FILE)


def current_files(workspace: Path, names: list[str]) -> dict[str, str]:
    """The text of the named workspace files that exist (unsafe names are skipped)."""
    files: dict[str, str] = {}
    for name in dict.fromkeys(names):
        try:
            text = read_text(workspace, name)
        except UnsafePathError:
            continue
        if text is not None:
            files[name] = text
    return files


def message(request: AgentRequest, workspace: Path, max_code_chars: int) -> str:
    """The first user message for ``request`` in ``workspace``, showing up to ``max_code_chars`` of its files."""
    main = main_file(request)
    files = current_files(workspace, [main, *request.focus_files, *request.parent_code])
    task = render_request(request, files, main, max_code_chars)
    return bounded(f"{INSTRUCTIONS.format(root=workspace)}\n\n{task}", MAX_MESSAGE_CHARS)
