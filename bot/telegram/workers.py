"""The bot's thread pools, one per kind of slow work, so that one kind never holds up another:
answers, page fetches, and new engines. Slow fetches once filled asyncio's one shared pool, and
then the watcher could not build a new engine and /remove got no reply."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any, TypeVar

# Questions answered at once: a slow one leaves the others to the rest. The engine is mostly
# Python (one core at a time), so more threads would not answer faster.
ANSWER_WORKERS = 4
# Pages fetched at once: a fetch mostly waits on the network (up to its deadline); more
# /add at once wait their turn, and hold up nothing else.
FETCH_WORKERS = 4
# New engines built at once: one, as each replaces the last (a second would only race it).
REBUILD_WORKERS = 1

T = TypeVar("T")


class DaemonThreadPool(Executor):
    """A fixed pool of daemon threads, for `loop.run_in_executor`.

    ThreadPoolExecutor's threads are joined when the interpreter exits, so one question or
    fetch that runs for minutes would keep a stopped bot alive past its grace period; these
    threads are not waited for (the unanswered update is not confirmed, and Telegram sends it
    again)."""

    def __init__(self, workers: int, name: str) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future, Callable[..., Any], tuple, dict] | None] = (
            queue.SimpleQueue())
        self._workers = workers
        for n in range(workers):
            threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True).start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        self._jobs.put((future, fn, args, kwargs))
        return future

    def shutdown(self, wait: bool = False, *, cancel_futures: bool = True) -> None:
        """Lets the threads end once their work in hand is done; never waits for them (see
        above). Jobs still queued are cancelled."""
        if cancel_futures:
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[0].cancel()
        for _ in range(self._workers):
            self._jobs.put(None)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, fn, args, kwargs = job
            if not future.set_running_or_notify_cancel():
                continue  # cancelled while it waited
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as error:  # handed to the caller, as ThreadPoolExecutor does
                future.set_exception(error)


@dataclass(frozen=True)
class Pools:
    """The three pools, started with the bot and shut down when it stops."""

    answers: DaemonThreadPool
    fetches: DaemonThreadPool
    rebuilds: DaemonThreadPool

    @classmethod
    def start(cls) -> Pools:
        return cls(DaemonThreadPool(ANSWER_WORKERS, "answers"),
                   DaemonThreadPool(FETCH_WORKERS, "fetches"),
                   DaemonThreadPool(REBUILD_WORKERS, "rebuilds"))

    def shutdown(self) -> None:
        for pool in (self.answers, self.fetches, self.rebuilds):
            pool.shutdown()


async def run_in(pool: Executor, fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) on one of the pools, awaited from the event loop."""
    return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
