"""An on-disk response cache: one JSON file per request, written atomically."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from tinkerer_core import Completion
from tinkerer_plugin_litellm.files import atomic_write_text


def cache_key(
    model: str,
    api_base: str | None,
    messages: Sequence[Mapping[str, str]],
    temperature: float,
    max_tokens: int,
    seed: int | None,
    reasoning_effort: str | None,
) -> str:
    """The sha256 of everything that determines a reply."""
    payload = [
        model,
        api_base,
        [dict(message) for message in messages],
        temperature,
        max_tokens,
        seed,
        reasoning_effort,
    ]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class ResponseCache:
    """Completions stored under ``directory/<key[:2]>/<key>.json``; safe for concurrent processes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Completion | None:
        """The stored completion for ``key``, or None (an unreadable entry counts as missing)."""
        try:
            return Completion(**json.loads(self._path(key).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def put(self, key: str, completion: Completion) -> None:
        """Store ``completion`` under ``key``."""
        atomic_write_text(self._path(key), json.dumps(dataclasses.asdict(completion)))
