"""Message analysis in a separate, lower-priority process, so acknowledgements stay fast.

`Coach.process` is CPU work (engine, policy) plus several database writes per message. In
the serving process it would compete with the event loop for the GIL and slow every ack
down. Here it runs in one spawned worker process with its own Coach on the same database
(idempotency is the store's, so it stays safe across processes and replicas). One worker
keeps the engine's per-channel conversation windows in one place. Messages that queue up
while the worker is busy go over in batches, in arrival order, to keep the serving
process's share of the work small.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import structlog

from bot.coaching.models import Nudge
from bot.core.models import Message

log = structlog.get_logger("coachbot.slack.worker")

WORKER_NICENESS = 10
MAX_BATCH = 64
_coach: Any = None


class WorkerError(RuntimeError):
    """Coach.process failed in the worker; the message names only the exception type."""


def _init_worker(database_url: str | None, niceness: int) -> None:
    """Worker-process start-up: lower priority, then build the worker's Coach."""
    global _coach
    # The serving process decides when to stop (it drains this worker on shutdown).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(niceness)
    from bot.coaching.coach import Coach

    _coach = Coach.create(database_url=database_url)
    gc.collect()
    gc.freeze()  # the engine's long-lived objects: no full-GC pauses over them


Job = tuple[str, tuple[Any, ...]]  # ("process", (message, event_id)) | ("record", (id, ok, error))


def _run_batch(batch: list[Job]) -> list[Any]:
    """Run Coach calls in order; a failure becomes its exception's name (never the text)."""
    results: list[Any] = []
    for kind, args in batch:
        try:
            if kind == "process":
                results.append(_coach.process(*args))
            else:
                results.append(_coach.record_delivery(*args))
        except Exception as exc:  # noqa: BLE001 - reported per job, text-free
            results.append(WorkerError(type(exc).__name__))
    return results


def _ready() -> bool:
    return _coach is not None


class ProcessWorker:
    """Runs Coach.process in a worker process; restarts the worker if it dies."""

    def __init__(self, database_url: str | None, niceness: int = WORKER_NICENESS) -> None:
        self.database_url = database_url
        self.niceness = niceness
        self._pool: ProcessPoolExecutor | None = None
        self._queue: list[tuple[Job, asyncio.Future[Any]]] = []
        self._wake: asyncio.Event | None = None
        self._consumer: asyncio.Future[None] | None = None

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
        self._wake = asyncio.Event()
        self._consumer = asyncio.ensure_future(self._consume())

    async def process(self, message: Message, event_id: str | None) -> list[Nudge]:
        """Coach.process(message, event_id) in the worker process."""
        result: list[Nudge] = await self._submit(("process", (message, event_id)))
        return result

    async def record_delivery(self, nudge_id: int, delivered: bool, error: str | None) -> None:
        """Coach.record_delivery(...) in the worker process (keeps the store work there)."""
        await self._submit(("record", (nudge_id, delivered, error)))

    async def _submit(self, job: Job) -> Any:
        if self._wake is None:
            await self.start()
        assert self._wake is not None
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((job, future))
        self._wake.set()
        return await future

    async def _consume(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                try:
                    results = await loop.run_in_executor(
                        self._executor(), _run_batch, [job for job, _ in batch]
                    )
                except Exception as exc:  # noqa: BLE001 - e.g. the worker died: restart it
                    log.error("slack.worker_failed", error=type(exc).__name__)
                    self._discard()
                    results = [WorkerError(type(exc).__name__)] * len(batch)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, WorkerError):
                        future.set_exception(result)
                    else:
                        future.set_result(result)

    def _discard(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    async def close(self) -> None:
        """Stop the worker (call after pending work is done)."""
        if self._consumer is not None:
            self._consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._consumer
            self._consumer = None
        for _, future in self._queue:
            if not future.done():
                future.set_exception(WorkerError("shutdown"))
        self._queue.clear()
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, True)
