"""The work queue: arrival order for model work, queued sample requests taken together."""

from __future__ import annotations

import logging
import threading

from tinkerer_core import TinkererError
from tinkerer_plugin_tinker_local.work_queue import Future, WorkQueue, run


def test_samples_are_taken_together_and_other_work_keeps_its_order() -> None:
    queue = WorkQueue()
    step, first, save, second = (
        Future(lambda: {}),
        Future(sample=("s", {})),
        Future(lambda: {}),
        Future(sample=("s", {})),
    )
    for future in (step, first, save, second):
        queue.put(future)
    assert queue.take() == [step]
    assert queue.take() == [first, second]
    assert queue.take() == [save]
    queue.close()
    assert queue.take() == []


def test_a_failing_request_fails_alone_and_the_worker_goes_on() -> None:
    queue = WorkQueue()
    broken = Future(lambda: 1 / 0)
    refused, fine = Future(sample=("s", {"bad": True})), Future(sample=("s", {}))
    later = Future(lambda: {"ok": 1})

    def sample(jobs):
        return [TinkererError("the prompt is empty") if body.get("bad") else b"answer" for _, body in jobs]

    worker = threading.Thread(target=run, args=(queue, sample, logging.getLogger("test")))
    worker.start()
    for future in (broken, refused, fine, later):
        queue.put(future)
    later.done.wait(10)
    queue.close()
    worker.join(10)
    assert broken.error == "ZeroDivisionError: division by zero" and not broken.user_error
    assert refused.error == "the prompt is empty" and refused.user_error
    assert fine.result == b"answer" and later.result == {"ok": 1}
