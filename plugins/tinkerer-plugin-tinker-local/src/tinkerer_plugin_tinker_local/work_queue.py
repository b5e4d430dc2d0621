"""The server's work queue: model work in arrival order, with queued sampling requests taken together.

Sampling never changes training state and every sampling session decodes frozen weights, so taking all
queued sample requests at once (to decode them as one batch) gives the answers serial processing would.
Everything else runs alone, in the order it arrived.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tinkerer_core import TinkererError

MAX_SAMPLE_BATCH = 32  # sample requests decoded together at most


@dataclass
class Future:
    """A queued piece of model work (``work``, or a ``sample`` job) and, once done, its result or error."""

    work: Callable[[], bytes | dict[str, Any]] | None = None
    sample: tuple[str, dict[str, Any]] | None = None  # (sampling session id, SampleRequest body)
    name: str = "sample"  # the request type, for the session's timeline
    owner: str | None = None  # the training model or sampling session it works on
    on_done: Callable[[Future], None] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    started_at: float = 0.0  # time.monotonic()
    finished_at: float = 0.0
    result: bytes | dict[str, Any] | None = None
    error: str | None = None
    user_error: bool = False

    def settle(self, result: bytes | dict[str, Any] | BaseException) -> None:
        """Record the outcome and wake whoever waits for it."""
        if isinstance(result, TinkererError):
            self.error, self.user_error = str(result), True
        elif isinstance(result, BaseException):
            self.error = f"{type(result).__name__}: {result}"
        else:
            self.result = result
        self.finished_at = time.monotonic()
        if self.on_done is not None:
            self.on_done(self)
        self.done.set()


class WorkQueue:
    """FIFO of futures; ``take`` hands out the next one, or every queued sample request together."""

    def __init__(self) -> None:
        self._items: deque[Future] = deque()
        self._ready = threading.Condition()
        self._closed = False

    def put(self, future: Future) -> None:
        with self._ready:
            self._items.append(future)
            self._ready.notify()

    def close(self) -> None:
        """Wake the worker and end its loop; what was not started is dropped."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def take(self) -> list[Future]:
        """The next work: one future, or all queued sample futures (up to a cap); empty once closed."""
        with self._ready:
            while not self._items and not self._closed:
                self._ready.wait()
            if self._closed:
                return []
            first = self._items.popleft()
            if first.sample is None:
                return [first]
            batch = [first, *[item for item in self._items if item.sample is not None][: MAX_SAMPLE_BATCH - 1]]
            for item in batch[1:]:
                self._items.remove(item)
            return batch


def run(queue: WorkQueue, sample: Callable[[list[tuple[str, dict[str, Any]]]], list[Any]], log: Any) -> None:
    """The worker loop: settle every future; a failure fails its own futures, never the worker."""
    while batch := queue.take():
        for future in batch:
            future.started_at = time.monotonic()
        try:
            plain = batch[0].work
            jobs = [future.sample for future in batch if future.sample is not None]  # take(): sample jobs come alone
            outcomes = [plain()] if plain is not None else sample(jobs)
        except TinkererError as error:
            outcomes = [error] * len(batch)
        except Exception as error:  # a bug must not kill the worker: the callers see it
            log.error("tinker-local request failed:\n%s", traceback.format_exc())
            outcomes = [error] * len(batch)
        for future, outcome in zip(batch, outcomes, strict=True):
            future.settle(outcome)
