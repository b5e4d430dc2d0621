"""ALE-bench's utilities, standing in: where its downloads are cached."""

from __future__ import annotations

import os
from pathlib import Path


def get_cache_dir() -> Path:
    return Path(os.environ.get("ALE_BENCH_CACHE", "/nonexistent/ale-bench-cache"))
