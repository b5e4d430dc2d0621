"""Requests spaced in time: at most one per interval for each key (a host, a search service), across threads."""

from __future__ import annotations

import math
import threading
import time


class Pacer:
    """Hands out start times at least ``interval_s`` apart for each key, and sleeps until the caller's."""

    def __init__(self) -> None:
        self._next_start: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, key: str, interval_s: float, max_wait_s: float = math.inf) -> bool:
        """Sleep until ``key`` may be used again and take the slot; False (no slot taken) when that would
        take longer than ``max_wait_s``."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start.get(key, now))
            if start - now > max_wait_s:
                return False
            self._next_start[key] = start + interval_s
        time.sleep(start - now)
        return True
