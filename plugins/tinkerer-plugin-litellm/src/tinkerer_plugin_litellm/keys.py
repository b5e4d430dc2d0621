"""API keys: loaded from the environment or a ``.env`` file, and scrubbed from every message."""

from __future__ import annotations

import os
import re
from pathlib import Path

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD", re.IGNORECASE)
KEY_SHAPE = re.compile(r"\b(?:sk|tml)-[A-Za-z0-9_\-]{6,}")
MIN_SECRET_CHARS = 8  # shorter values are too common to scrub safely
REDACTED = "[redacted]"


def load_env_file(path: Path) -> None:
    """Add the variables of a ``.env`` file to the environment; variables already set win."""
    if path.is_file():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)


def redact(text: str) -> str:
    """``text`` with the values of secret-looking environment variables and key-shaped strings removed."""
    secrets = sorted(
        (value for name, value in os.environ.items() if SECRET_NAME.search(name) and len(value) >= MIN_SECRET_CHARS),
        key=len,
        reverse=True,
    )
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return KEY_SHAPE.sub(REDACTED, text)
