"""A CLI run as text: the command, the prompt, every stream line as printed, stderr, and how it ended."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from tinkerer_core.secrets import redact

TRANSCRIPT_CHARS = 200_000  # kept: the first and last half


def parse_event(line: str) -> dict[str, Any] | None:
    """The JSON object on ``line``, or None when the line is blank, not JSON, or not an object."""
    if not line.strip():
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def shown_command(argv: Sequence[str], prompt: str) -> str:
    """``argv`` as one line, the prompt replaced by a placeholder."""
    return "$ " + " ".join("<prompt>" if arg == prompt else _quoted(arg) for arg in argv)


def _quoted(arg: str) -> str:
    return arg if arg and all(c.isalnum() or c in "-_./=:,@+" for c in arg) else json.dumps(arg)


class Transcript:
    """Collects a run's text, keeping its head and tail within ``limit`` characters."""

    def __init__(self, limit: int = TRANSCRIPT_CHARS) -> None:
        self.half = max(limit // 2, 1)
        self.head: list[str] = []
        self.head_chars = 0
        self.tail: list[str] = []
        self.tail_chars = 0
        self.dropped = 0

    def add(self, text: str) -> None:
        """Append one line (or block) of text."""
        if not self.tail and self.head_chars + len(text) <= self.half:
            self.head.append(text)
            self.head_chars += len(text) + 1
            return
        self.tail.append(text)
        self.tail_chars += len(text) + 1
        while self.tail_chars > self.half and len(self.tail) > 1:
            dropped = self.tail.pop(0)
            self.tail_chars -= len(dropped) + 1
            self.dropped += 1

    def section(self, title: str, text: str = "") -> None:
        """Append a ``## title`` heading, then ``text`` if any."""
        self.add(f"## {title}")
        if text:
            self.add(text)

    def text(self, secrets: Iterable[str] = ()) -> str:
        """Everything collected, redacted; a marker says how many lines were cut from the middle."""
        cut = [f"... [{self.dropped} lines cut] ..."] if self.dropped else []
        return redact("\n".join([*self.head, *cut, *self.tail]), secrets)
