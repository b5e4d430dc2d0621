"""The shared parts: stream readers, the transcript, the prompt, the streaming runner."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tinkerer_core import AgentRequest
from tinkerer_plugin_cli_agents.process import run_streaming
from tinkerer_plugin_cli_agents.prompt import INSTRUCTIONS, build_prompt
from tinkerer_plugin_cli_agents.streams import ClaudeStream, CodexStream, GeminiStream
from tinkerer_plugin_cli_agents.transcript import Transcript, parse_event

# --- stream readers --------------------------------------------------------------------------


def test_claude_error_results_name_their_subtype_and_errors() -> None:
    stream = ClaudeStream()
    stream.feed(
        {
            "type": "result",
            "subtype": "error_max_turns",
            "is_error": True,
            "errors": ["Reached max turns (5)"],
            "total_cost_usd": 0.5,
            "usage": {"input_tokens": 10, "output_tokens": 2},
        }
    )
    assert stream.finished and stream.error == "error_max_turns: Reached max turns (5)"
    assert (stream.cost, stream.prompt_tokens, stream.completion_tokens) == (0.5, 10, 2)


def test_claude_success_clears_an_earlier_assistant_error() -> None:
    stream = ClaudeStream()
    stream.feed({"type": "assistant", "error": "rate_limit", "message": {"content": [{"type": "text", "text": "…"}]}})
    assert stream.error == "assistant message failed: rate_limit"
    stream.feed({"type": "result", "subtype": "success", "is_error": False, "result": "done"})
    assert (stream.error, stream.summary) == ("", "done")


def test_codex_transient_errors_do_not_fail_a_completed_turn() -> None:
    stream = CodexStream()
    stream.feed({"type": "error", "message": "Reconnecting... 1/5"})
    assert stream.error == "Reconnecting... 1/5"
    stream.feed({"type": "item.completed", "item": {"id": "item_0", "type": "agent_message", "text": "ok"}})
    stream.feed({"type": "turn.completed", "usage": {"input_tokens": 5, "cached_input_tokens": 2, "output_tokens": 1}})
    assert (stream.error, stream.summary, stream.prompt_tokens, stream.completion_tokens) == ("", "ok", 5, 1)


def test_codex_reads_the_first_json_format_too() -> None:
    """``codex exec --json`` of late September 2025 named items ``item_type`` and ``assistant_message``."""
    stream = CodexStream()
    stream.feed({"type": "item.completed", "item": {"id": "item_3", "item_type": "assistant_message", "text": "hi"}})
    stream.feed({"type": "turn.failed", "error": {"message": "model response stream ended unexpectedly"}})
    assert (stream.summary, stream.error) == ("hi", "model response stream ended unexpectedly")


def test_gemini_joins_deltas_and_ignores_warnings() -> None:
    stream = GeminiStream()
    for chunk in ("Fixed ", "the bug."):
        stream.feed({"type": "message", "role": "assistant", "content": chunk, "delta": True})
    stream.feed({"type": "error", "severity": "warning", "message": "Loop detected, stopping execution"})
    stream.feed({"type": "result", "status": "success", "stats": {"input_tokens": 7, "output_tokens": 3}})
    assert (stream.summary, stream.error, stream.prompt_tokens) == ("Fixed the bug.", "", 7)


@pytest.mark.parametrize("line", ["", "   ", "Loaded cached credentials.", "[1, 2]", '{"type": "res'])
def test_lines_that_are_not_json_objects_are_not_events(line: str) -> None:
    assert parse_event(line) is None


# --- transcript and redaction ----------------------------------------------------------------


def test_the_transcript_keeps_its_head_and_tail() -> None:
    transcript = Transcript(limit=100)
    for number in range(50):
        transcript.add(f"line {number:02d}")
    lines = transcript.text().splitlines()
    assert lines[0] == "line 00" and lines[-1] == "line 49"
    assert any(line.startswith("... [") and "lines cut" in line for line in lines)
    assert len(transcript.text()) < 130


# --- prompt ----------------------------------------------------------------------------------


def test_the_prompt_has_the_instructions_and_the_llm_edit_sections(tmp_path: Path) -> None:
    (tmp_path / "solver.py").write_text("print('hi')\n")
    request = AgentRequest(
        goal="say hello",
        workspace=tmp_path,
        idea="print hello",
        kind="improve",
        focus_files=("solver.py",),
        parent_code={"../outside.py": "x", "gone.py": "y"},
        parent_score=0.5,
        errors=("Traceback: boom",),
    )
    prompt = build_prompt(request, max_code_chars=1000)
    assert prompt.startswith(INSTRUCTIONS)
    for section in ("# Goal\nsay hello", "# Idea\nprint hello", "solver.py\n```\nprint('hi')", "Score: 0.5", "boom"):
        assert section in prompt
    assert "outside.py" not in prompt and "gone.py" not in prompt  # unsafe or absent: not shown


# --- streaming runner ------------------------------------------------------------------------


def test_lines_arrive_while_the_process_still_runs(tmp_path: Path) -> None:
    script = "import sys, time\nprint('first', flush=True)\ntime.sleep(30)\n"
    arrived: list[tuple[str, float]] = []
    started = time.monotonic()
    outcome = run_streaming(
        [sys.executable, "-c", script], tmp_path, os.environ, 1.0, lambda line: arrived.append((line, time.monotonic()))
    )
    assert outcome.timed_out and outcome.exit_code is None
    assert arrived and arrived[0][0] == "first" and arrived[0][1] - started < 1.0


def test_a_program_that_cannot_start_is_reported(tmp_path: Path) -> None:
    not_executable = tmp_path / "cli"
    not_executable.write_text("#!/bin/sh\n")
    outcome = run_streaming([str(not_executable)], tmp_path, os.environ, 5.0, lambda line: None)
    assert outcome.exit_code is None and "could not start" in outcome.start_error
