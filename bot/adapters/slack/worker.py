"""Message analysis in a separate, lower-priority process, so acknowledgements stay fast.

`Coach.process` is CPU work (engine, policy) plus several database writes per message. In
the serving process it would compete with the event loop for the GIL and slow every ack
down. Here it runs in one spawned worker process with its own Coach on the same database
(idempotency is the store's, so it stays safe across processes and replicas). One worker
keeps the engine's per-channel conversation windows in one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import structlog

from bot.coaching.models import Nudge
from bot.core.models import Message

log = structlog.get_logger("coachbot.slack.worker")

WORKER_NICENESS = 10
_coach: Any = None


def _init_worker(database_url: str | None, niceness: int) -> None:
    """Worker-process start-up: lower priority, then build the worker's Coach."""
    global _coach
    # The serving process decides when to stop (it drains this worker on shutdown).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(niceness)
    from bot.coaching.coach import Coach

    _coach = Coach.create(database_url=database_url)


def _process(message: Message, event_id: str | None) -> list[Nudge]:
    return _coach.process(message, event_id)  # type: ignore[no-any-return]


def _ready() -> bool:
    return _coach is not None


class ProcessWorker:
    """Runs Coach.process in a worker process; restarts the worker if it dies."""

    def __init__(self, database_url: str | None, niceness: int = WORKER_NICENESS) -> None:
        self.database_url = database_url
        self.niceness = niceness
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.database_url, self.niceness),
            )
        return self._pool

    async def start(self) -> None:
        """Start the worker and wait until its Coach is loaded."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor(), _ready)

    async def process(self, message: Message, event_id: str | None) -> list[Nudge]:
        """Coach.process(message, event_id) in the worker process."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), _process, message, event_id)
        except BrokenProcessPool:
            log.error("slack.worker_died")
            self._discard()
            raise

    def _discard(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the worker (pending work is finished first)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
