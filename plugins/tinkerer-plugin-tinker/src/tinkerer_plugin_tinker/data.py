"""Training data files: chat conversations for SFT, prompts (with optional answers) for GRPO and evaluation.

A conversation row is ``{"messages": [{"role", "content"}, ...]}``; ``{"prompt", "completion"}`` rows are
accepted too and become a user and an assistant message. A prompt row is ``{"prompt": ..., ...}``; every
other field travels with it to the reward function and the evaluator (``answer`` is the usual one).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tinkerer_core import ConfigError

ROLES = ("system", "user", "assistant", "tool")


def read_jsonl(path: str | Path, purpose: str) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file; a missing file or a bad line says which and why."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise ConfigError(f"{purpose} file {str(file)!r} does not exist; pass a JSONL file, one JSON object per line")
    rows = []
    for number, line in enumerate(file.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ConfigError(f"{file}:{number} is not JSON ({error.msg})") from None
        if not isinstance(row, dict):
            raise ConfigError(f"{file}:{number} must be a JSON object, got {type(row).__name__}")
        rows.append(row)
    if not rows:
        raise ConfigError(f"{purpose} file {file} holds no rows")
    return rows


def conversations(path: str | Path) -> list[list[dict[str, str]]]:
    """Chat conversations from a JSONL file of ``messages`` or ``prompt``/``completion`` rows."""
    found = []
    for number, row in enumerate(read_jsonl(path, "training data"), start=1):
        if "messages" in row:
            messages = row["messages"]
        elif "prompt" in row and "completion" in row:
            messages = [{"role": "user", "content": row["prompt"]}, {"role": "assistant", "content": row["completion"]}]
        else:
            raise ConfigError(f"{path}:{number} needs a 'messages' list or 'prompt' and 'completion' fields")
        _check_messages(messages, f"{path}:{number}")
        found.append([{"role": m["role"], "content": m["content"]} for m in messages])
    return found


def _check_messages(messages: Any, where: str) -> None:
    if not isinstance(messages, list) or not messages:
        raise ConfigError(f"{where}: 'messages' must be a non-empty list")
    for message in messages:
        if (
            not isinstance(message, dict)
            or message.get("role") not in ROLES
            or not isinstance(message.get("content"), str)
        ):
            raise ConfigError(f"{where}: each message needs a role ({', '.join(ROLES)}) and a string content")
    if not any(message["role"] == "assistant" for message in messages):
        raise ConfigError(f"{where}: a training conversation needs at least one assistant message to learn from")


def write_conversations(rows: list[list[dict[str, str]]], path: Path) -> Path:
    """Write conversations as ``messages`` rows (the form tinker-cookbook reads)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"messages": messages}) + "\n" for messages in rows))
    return path


def prompts(path: str | Path) -> list[dict[str, Any]]:
    """Prompt rows: each has a string ``prompt``; other fields are kept for rewards and evaluators."""
    rows = read_jsonl(path, "prompts")
    for number, row in enumerate(rows, start=1):
        if not isinstance(row.get("prompt"), str):
            raise ConfigError(f"{path}:{number} needs a string 'prompt' field")
    return rows
