"""How every coding agent shows an ``AgentRequest`` to a model: goal, task, idea, files and results."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from tinkerer_core.components import AgentRequest

FEEDBACK_CHARS = 2000
OUTPUT_CHARS = 2000
ERROR_CHARS = 1500
ERRORS_SHOWN = 3
TRIED_SHOWN = 4
TRIED_TITLE = "Already tried from this code (do something else):\n"
CONTEXT_CHARS = 6000
TRUNCATED = "\n... [truncated]\n"
CHARS_PER_TOKEN = 3.0  # conservative for code and English with small-vocabulary tokenizers (SmolLM2: ~3.4)
MIN_SECTION_CHARS = 120  # an optional section shown in less room than this is dropped instead

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


def estimate_tokens(text: str) -> int:
    """A conservative estimate of the tokens ``text`` takes (no tokenizer needed)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def files_section(files: Mapping[str, str], max_chars: int) -> str:
    """The files as path + fenced block, within a total budget of ``max_chars``; binary content is named, not shown."""
    if not files:
        return "There are no files yet."
    parts: list[str] = []
    budget = max_chars
    for path, text in files.items():
        if "\0" in text:  # a binary file a caller read as text: never raw bytes in a prompt
            parts.append(f"{path}: binary, not shown")
            continue
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


def last_result_lines(request: AgentRequest) -> list[str]:
    """The parent's score, feedback and output tail, each when present."""
    results = []
    if request.parent_score is not None:
        results.append(f"Score: {request.parent_score}")
    if request.parent_feedback:
        results.append(f"Feedback: {bounded(request.parent_feedback, FEEDBACK_CHARS)}")
    if request.parent_output_tail:
        results.append(f"Output (tail):\n{bounded(request.parent_output_tail, OUTPUT_CHARS, keep='tail')}")
    return results


def tried_lines(request: AgentRequest) -> str:
    """What earlier children of the parent changed and what came of it, one ``- `` line each (or empty)."""
    return "\n".join(f"- {bounded(line, 300)}" for line in request.tried[-TRIED_SHOWN:])


def result_sections(request: AgentRequest) -> list[str]:
    """The last result, earlier errors, knowledge and additional context, each when present."""
    sections = []
    results = last_result_lines(request)
    if results:
        sections.append("# Last result\n" + "\n".join(results))
    if request.errors:
        shown = [bounded(error, ERROR_CHARS, keep="tail") for error in request.errors[-ERRORS_SHOWN:]]
        sections.append("# Earlier errors on this branch (oldest first)\n" + "\n---\n".join(shown))
    if request.tried:
        sections.append(f"# {TRIED_TITLE}{tried_lines(request)}")
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


def render_request(
    request: AgentRequest,
    files: Mapping[str, str],
    main_file: str,
    max_code_chars: int,
    max_tokens: int | None = None,
) -> str:
    """Everything a model needs for ``request``, in sections, showing up to ``max_code_chars`` of ``files``.

    With ``max_tokens``, the prompt fits that many (estimated) tokens: the goal, task and idea come first, then
    the current files, then the last result, the branch's latest errors, knowledge and context while room is
    left; long sections are cut, and those that no longer fit are dropped.
    """
    sections = [
        *header_sections(request),
        current_files_section(files, main_file, request.focus_files, max_code_chars),
        *result_sections(request),
    ]
    full = "\n\n".join(sections)
    if max_tokens is None or estimate_tokens(full) <= max_tokens:
        return full
    return budgeted_request(
        request, files, main_file, min(max_code_chars, int(max_tokens * CHARS_PER_TOKEN)), max_tokens
    )


def budgeted_request(
    request: AgentRequest, files: Mapping[str, str], main_file: str, max_code_chars: int, max_tokens: int
) -> str:
    """``render_request`` within ``max_tokens``: sections by priority, each cut to the room left."""
    room = int(max_tokens * CHARS_PER_TOKEN)
    goal = bounded(request.goal, max(room // 3, MIN_SECTION_CHARS))
    header = [f"# Goal\n{goal}", f"# Task\n{TASKS.get(request.kind, TASKS['improve'])}"]
    if request.idea:
        header.append(f"# Idea\n{bounded(request.idea, max(room // 8, MIN_SECTION_CHARS))}")
    room -= sum(len(section) + 2 for section in header)
    code = current_files_section(files, main_file, request.focus_files, max(min(max_code_chars, room * 3 // 4), 0))
    room -= len(code) + 2
    optional: list[tuple[str, str, str]] = []  # (title, text, which end to keep), most relevant first
    results = last_result_lines(request)
    if results:
        optional.append(("# Last result\n", "\n".join(results), "head"))
    for error in reversed(request.errors[-ERRORS_SHOWN:]):  # the latest error is the most relevant
        optional.append(("# An earlier error on this branch\n", bounded(error, ERROR_CHARS, keep="tail"), "tail"))
    optional.append((f"# {TRIED_TITLE}", tried_lines(request), "tail"))
    if request.knowledge_context:
        optional.append(("# Knowledge\n", bounded(request.knowledge_context, CONTEXT_CHARS), "head"))
    if request.additional_context:
        optional.append(("# Additional context\n", bounded(request.additional_context, CONTEXT_CHARS), "head"))
    return "\n\n".join([*header, code, *fit_sections(optional, room)])


def fit_sections(optional: Sequence[tuple[str, str, str]], room: int) -> list[str]:
    """The ``(title, text, keep)`` sections, most relevant first, each cut to the characters of ``room`` left
    (keeping its ``head`` or ``tail``); empty ones, and those left less than ``MIN_SECTION_CHARS``, are dropped."""
    shown: list[str] = []
    for title, text, keep in optional:
        space = room - len(title) - len(TRUNCATED) - 2
        if not text.strip() or space < MIN_SECTION_CHARS:
            continue
        section = title + bounded(text.strip(), space, keep=keep)
        shown.append(section)
        room -= len(section) + 2
    return shown


def latest_output(request: AgentRequest) -> tuple[str, str]:
    """What the parent's last run showed, titled for a short prompt: its error when debugging, else its output."""
    if request.kind == "debug" and request.errors:
        return "It failed:", request.errors[-1]
    return "It printed:", request.parent_output_tail


def compact_request(
    request: AgentRequest, files: Mapping[str, str], main_file: str, max_tokens: int, *, idea: bool = True
) -> str:
    """A short request for small models: the goal, the code, what the last run printed, one instruction.

    No section headers or scaffolding to imitate; within ``max_tokens`` the code comes first, then the
    latest output or error (its tail: where the failing checks are), then the idea (``idea=False`` leaves
    it out), then knowledge.
    """
    room = int(max_tokens * CHARS_PER_TOKEN)
    parts = [bounded(request.goal, max(room // 3, MIN_SECTION_CHARS))]
    room -= len(parts[0])
    code = files_section(files, max(room * 3 // 4, 0)) if files else "There is no code yet."
    parts.append(code)
    room -= len(code)
    optional: list[tuple[str, str, str]] = []  # (title, text, which end to keep), most relevant first
    title, output = latest_output(request)
    if output:
        optional.append((f"{title}\n", output, "tail"))
    if idea and request.idea:
        optional.append(("Idea: ", request.idea, "head"))
    optional.append((TRIED_TITLE, tried_lines(request), "tail"))
    if request.knowledge_context:
        optional.append(("Hint: ", request.knowledge_context, "head"))
    parts.extend(fit_sections(optional, room))
    verb = "Write" if not files else "Fix or improve the code and write"
    parts.append(f"{verb} the complete new {main_file}.")
    return "\n\n".join(parts)
