"""Training data for the trainer tests: tiny arithmetic chats, prompts, tasks and a reward file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture(autouse=True)
def _offline_local_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """Train on the in-process local server, whatever the developer's environment says."""
    for name in ("TINKER_API_KEY", "TINKER_BASE_URL", "WANDB_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TINKERER_QUIET", "1")
    monkeypatch.setenv("TINKER_TELEMETRY", "0")  # the SDK's switch: no telemetry thread posting to stopped servers


@pytest.fixture
def chats(tmp_path: Path) -> Path:
    return _write(tmp_path / "chats.jsonl", [{"prompt": f"{n} + 1 =", "completion": str(n + 1)} for n in range(8)])


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    return _write(tmp_path / "prompts.jsonl", [{"prompt": f"What is {n} + 2?", "answer": str(n + 2)} for n in range(6)])


@pytest.fixture
def reward(tmp_path: Path) -> str:
    """Right answers score 1; short wrong ones 0.1, long ones 0: groups of random completions vary."""
    file = tmp_path / "rewards.py"
    file.write_text(
        "def score(completion, row):\n    return 1.0 if row['answer'] in completion else 0.1 * (len(completion) < 12)\n"
    )
    return f"{file}:score"
