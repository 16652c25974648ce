"""The threads that run the engine, so that a slow question never holds up the event loop."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

# Questions answered at once: a slow one leaves the others to the rest. The engine is mostly
# Python (one core at a time), so more threads would not answer faster.
ANSWER_WORKERS = 4


class DaemonThreadPool(Executor):
    """A fixed pool of daemon threads, for `loop.run_in_executor`.

    ThreadPoolExecutor's threads are joined when the interpreter exits, so one question that
    runs for minutes would keep a stopped bot alive past its grace period; these threads are
    not waited for (the unanswered update is not confirmed, and Telegram sends it again)."""

    def __init__(self, workers: int = ANSWER_WORKERS) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future, Callable[..., Any], tuple, dict]] = (
            queue.SimpleQueue())
        for n in range(workers):
            threading.Thread(target=self._work, name=f"answers-{n}", daemon=True).start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        self._jobs.put((future, fn, args, kwargs))
        return future

    def _work(self) -> None:
        while True:
            future, fn, args, kwargs = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue  # cancelled while it waited
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as error:  # handed to the caller, as ThreadPoolExecutor does
                future.set_exception(error)
