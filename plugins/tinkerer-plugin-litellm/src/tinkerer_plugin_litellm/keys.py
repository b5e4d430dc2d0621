"""API keys: loaded from the environment or a ``.env`` file (``tinkerer_core.secrets`` scrubs them from messages)."""

from __future__ import annotations

from pathlib import Path


def load_env_file(path: Path) -> None:
    """Add the variables of a ``.env`` file to the environment; variables already set win."""
    if path.is_file():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)
