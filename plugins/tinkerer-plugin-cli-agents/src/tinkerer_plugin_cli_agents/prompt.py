"""The task a CLI agent gets: how to work, then the same sections the ``llm_edit`` agent's prompt has."""

from __future__ import annotations

from pathlib import Path

from tinkerer_core import AgentRequest
from tinkerer_core.prompts import bounded, render_request
from tinkerer_core.workspace_files import UnsafePathError, read_text

DEFAULT_MAIN_FILE = "main.py"
# Linux caps one argv string at 128 KiB (MAX_ARG_STRLEN); the prompt travels as one.
MAX_PROMPT_CHARS = 100_000

INSTRUCTIONS = """You are a coding agent running non-interactively in the current directory, the project's \
workspace. Do the task below by editing and creating files here with your tools; keep every path inside \
this directory. Nobody will answer questions: decide and act. You may run the program to check your work. \
When you are done, reply with a short summary of what you changed and why."""


def main_file(request: AgentRequest) -> str:
    """The program's main file: the first focus file, else main.py."""
    return next(iter(request.focus_files), DEFAULT_MAIN_FILE)


def workspace_files(workspace: Path, names: list[str]) -> dict[str, str]:
    """The current content of the named workspace files that exist (unsafe names are skipped)."""
    files: dict[str, str] = {}
    for name in dict.fromkeys(names):
        try:
            text = read_text(workspace, name)
        except UnsafePathError:
            continue
        if text is not None:
            files[name] = text
    return files


def build_prompt(request: AgentRequest, max_code_chars: int) -> str:
    """The whole prompt for ``request``, showing up to ``max_code_chars`` of the current files."""
    main = main_file(request)
    files = workspace_files(request.workspace, [main, *request.focus_files, *request.parent_code])
    task = render_request(request, files, main, max_code_chars)
    return bounded(f"{INSTRUCTIONS}\n\n{task}", MAX_PROMPT_CHARS)
