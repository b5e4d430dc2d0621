"""Readers of each CLI's JSON-lines event stream: what it said, what it cost, whether and how it ended.

The formats, with their sources, are described in this plugin's README. Readers are tolerant:
unknown event types and missing fields are ignored (the raw line stays in the transcript).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

SUMMARY_CHARS = 4000


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _float(value: Any) -> float:
    try:
        return float(value or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _message(value: Any, default: str) -> str:
    """An error's text, whether it is a string or an object with a ``message``."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict) and str(value.get("message") or "").strip():
        kind = value.get("type")
        text = str(value["message"]).strip()
        return f"{kind}: {text}" if kind else text
    return default


@dataclass
class StreamState(ABC):
    """What a CLI's event stream has said so far."""

    texts: list[str] = field(default_factory=list)  # the assistant's messages, in order
    final_text: str = ""  # the final answer, when the stream names one
    cost: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tool_calls: int = 0
    error: str = ""
    finished: bool = False  # the stream reported its end (successfully or not)
    events: int = 0

    def feed(self, event: dict[str, Any]) -> None:
        """Take in one parsed event."""
        self.events += 1
        self.read(event)

    @abstractmethod
    def read(self, event: dict[str, Any]) -> None:
        """Update the state from one event of this CLI's format."""

    @property
    def summary(self) -> str:
        """The final answer, else the last thing the assistant said."""
        text = self.final_text or next((t for t in reversed(self.texts) if t.strip()), "")
        return text.strip()[:SUMMARY_CHARS]


class ClaudeStream(StreamState):
    """``claude -p --output-format stream-json --verbose``: system/init, assistant, user, ..., result."""

    def read(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "assistant":
            message = _dict(event.get("message"))
            for block in message.get("content") or []:
                block = _dict(block)
                if block.get("type") == "text" and isinstance(block.get("text"), str):
                    self.texts.append(block["text"])
                elif block.get("type") == "tool_use":
                    self.tool_calls += 1
            if event.get("error"):  # e.g. authentication_failed; the result that follows says more
                self.error = f"assistant message failed: {_message(event['error'], 'unknown error')}"
        elif kind == "result":
            self._read_result(event)

    def _read_result(self, event: dict[str, Any]) -> None:
        self.finished = True
        self.cost = _float(event.get("total_cost_usd"))
        usage = _dict(event.get("usage"))
        self.prompt_tokens = sum(
            _int(usage.get(name)) for name in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
        )
        self.completion_tokens = _int(usage.get("output_tokens"))
        text = event.get("result")
        result = text if isinstance(text, str) else ""
        subtype = str(event.get("subtype") or "")
        if event.get("is_error") or (subtype and subtype != "success"):
            details = "; ".join(str(error) for error in event.get("errors") or []) or result.strip()
            self.error = ": ".join(part for part in (subtype if subtype != "success" else "", details) if part)
            self.error = self.error or "the result reports an error"
        else:
            self.error = ""
            self.final_text = result


class CodexStream(StreamState):
    """``codex exec --json``: thread.started, turn.started, item.*, turn.completed | turn.failed, error."""

    AGENT_MESSAGES = ("agent_message", "assistant_message")  # the second: exec --json before Oct 2025
    TOOL_ITEMS = ("command_execution", "file_change", "mcp_tool_call", "web_search")

    def __init__(self) -> None:
        super().__init__()
        self.last_stream_error = ""

    def read(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "item.completed":
            item = _dict(event.get("item"))
            item_type = item.get("type") or item.get("item_type")  # item_type: the first --json versions
            if item_type in self.AGENT_MESSAGES and isinstance(item.get("text"), str):
                self.texts.append(item["text"])
            elif item_type in self.TOOL_ITEMS:
                self.tool_calls += 1
        elif kind == "turn.completed":
            self.finished = True
            self.error = ""
            usage = _dict(event.get("usage"))  # the thread's running total, so the last one counts
            self.prompt_tokens = _int(usage.get("input_tokens"))  # includes cached_input_tokens
            self.completion_tokens = _int(usage.get("output_tokens"))
        elif kind == "turn.failed":
            self.finished = True
            self.error = _message(_dict(event.get("error")), self.last_stream_error or "turn failed")
        elif kind == "error":
            self.last_stream_error = _message(event.get("message"), "stream error")
            if not self.finished:
                self.error = self.last_stream_error


class GeminiStream(StreamState):
    """``gemini -p --output-format stream-json``: init, message, tool_use, tool_result, error, result."""

    def __init__(self) -> None:
        super().__init__()
        self._delta = False  # the last assistant message was a delta: the next one continues it

    def read(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "message" and event.get("role") == "assistant" and isinstance(event.get("content"), str):
            if event.get("delta") and self._delta and self.texts:
                self.texts[-1] += event["content"]
            else:
                self.texts.append(event["content"])
            self._delta = bool(event.get("delta"))
        elif kind == "tool_use":
            self.tool_calls += 1
            self._delta = False
        elif kind == "error":
            if event.get("severity") != "warning":
                self.error = _message(event.get("message"), "error")
        elif kind == "result":
            self.finished = True
            stats = _dict(event.get("stats"))
            self.prompt_tokens = _int(stats.get("input_tokens"))
            self.completion_tokens = _int(stats.get("output_tokens"))
            if event.get("status") == "error" or event.get("error"):
                self.error = _message(event.get("error"), self.error or "the result reports an error")
