"""The shared parts: stream readers, the transcript, the prompt (the CLI runs through tinkerer_core.processes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import AgentRequest
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
