"""Message analysis in a separate, lower-priority process, so acknowledgements stay fast.

`Coach.process` is CPU work (engine, policy) plus several database writes per message. In
the serving process it would compete with the event loop for the GIL and slow every ack
down. Here it runs in one spawned worker process with its own Coach on the same database
(idempotency is the store's, so it stays safe across processes and replicas). One worker
keeps the engine's per-channel conversation windows in one place. Messages that queue up
while the worker is busy go over in batches, in arrival order, through a pipe the event
loop reads itself: no helper threads in the serving process to contend for the GIL.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import signal
from multiprocessing.connection import Connection
from typing import Any

import structlog

from bot.coaching.models import Nudge
from bot.core.models import Message

log = structlog.get_logger("coachbot.slack.worker")

WORKER_NICENESS = 10
MAX_BATCH = 64
STOP_SECONDS = 10.0

Job = tuple[str, tuple[Any, ...]]  # ("process", (message, event_id)) | ("record", (id, ok, error))


class WorkerError(RuntimeError):
    """A Coach call failed in the worker; the message names only the exception type."""


def _run_batch(coach: Any, batch: list[Job]) -> list[Any]:
    """Run Coach calls in order; a failure becomes its exception's name (never the text).

    Consecutive messages go to `Coach.process_batch` together (one database transaction).
    """
    results: list[Any] = []
    index = 0
    while index < len(batch):
        kind, args = batch[index]
        if kind == "process":
            end = index
            while end < len(batch) and batch[end][0] == "process":
                end += 1
            results.extend(_process_run(coach, [batch[i][1] for i in range(index, end)]))
            index = end
            continue
        try:
            results.append(coach.record_delivery(*args))
        except Exception as exc:  # noqa: BLE001 - reported per job, text-free
            results.append(WorkerError(type(exc).__name__))
        index += 1
    return results


def _process_run(coach: Any, items: list[tuple[Any, ...]]) -> list[Any]:
    """Messages in order with one `process_batch`; if that fails (it then wrote nothing),
    each message is processed alone, so only a message that fails by itself reports it."""
    if len(items) > 1 and hasattr(coach, "process_batch"):
        try:
            return list(coach.process_batch([(message, event_id) for message, event_id in items]))
        except Exception as exc:  # noqa: BLE001 - retried one by one below
            log.warning("slack.batch_failed", error=type(exc).__name__, size=len(items))
    results: list[Any] = []
    for args in items:
        try:
            results.append(coach.process(*args))
        except Exception as exc:  # noqa: BLE001 - reported per job, text-free
            results.append(WorkerError(type(exc).__name__))
    return results


def worker_main(conn: Connection, database_url: str | None, niceness: int) -> None:
    """The worker process: build a Coach, then answer batches until told to stop."""
    # The serving process decides when to stop (it drains this worker on shutdown).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(niceness)
    from bot.coaching.coach import Coach

    coach = Coach.create(database_url=database_url)
    gc.collect()
    gc.freeze()  # the engine's long-lived objects: no full-GC pauses over them
    conn.send("ready")
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            break
        if batch is None:
            break
        conn.send(_run_batch(coach, batch))
    coach.close()


class ProcessWorker:
    """Runs Coach.process (and delivery records) in a worker process; restarts it if it dies."""

    def __init__(self, database_url: str | None, niceness: int = WORKER_NICENESS) -> None:
        self.database_url = database_url
        self.niceness = niceness
        self._process: Any = None
        self._conn: Connection | None = None
        self._queue: list[tuple[Job, asyncio.Future[Any]]] = []
        self._wake: asyncio.Event | None = None
        self._consumer: asyncio.Future[None] | None = None

    async def start(self) -> None:
        """Start the worker process and wait until its Coach is loaded."""
        await self._spawn()
        self._wake = asyncio.Event()
        self._consumer = asyncio.ensure_future(self._consume())

    async def _spawn(self) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe(duplex=True)
        process = context.Process(
            target=worker_main,
            args=(child, self.database_url, self.niceness),
            name="coachbot-slack-worker",
            daemon=True,
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent
        ready = await self._receive(parent)
        if ready != "ready":
            raise WorkerError("worker did not start")

    @staticmethod
    async def _receive(conn: Connection) -> Any:
        """Wait (in the event loop, no thread) until the pipe is readable, then read."""
        loop = asyncio.get_running_loop()
        readable: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not readable.done():
                readable.set_result(None)

        loop.add_reader(conn.fileno(), wake)
        try:
            await readable
        finally:
            loop.remove_reader(conn.fileno())
        return conn.recv()  # EOFError when the worker died

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
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                results = await self._run([job for job, _ in batch], batch)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, WorkerError):
                        future.set_exception(result)
                    else:
                        future.set_result(result)

    async def _run(
        self, jobs: list[Job], batch: list[tuple[Job, asyncio.Future[Any]]]
    ) -> list[Any]:
        """Send one batch and read its results; a dead worker is restarted and retried once
        (safe: the store's event claims make a repeated Coach.process a no-op)."""
        for attempt in (1, 2):
            try:
                if self._conn is None:
                    await self._spawn()
                assert self._conn is not None
                # One batch in flight: the worker is waiting in recv(), so this never blocks.
                self._conn.send(jobs)
                return list(await self._receive(self._conn))
            except asyncio.CancelledError:
                for _, future in batch:
                    future.cancel()
                raise
            except Exception as exc:  # noqa: BLE001 - e.g. the worker died: restart it
                log.error("slack.worker_failed", error=type(exc).__name__, attempt=attempt)
                self._discard()
                error = WorkerError(type(exc).__name__)
        return [error] * len(jobs)

    def _discard(self) -> None:
        conn, self._conn = self._conn, None
        process, self._process = self._process, None
        if conn is not None:
            conn.close()
        if process is not None and process.is_alive():
            process.terminate()

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
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send(None)
            conn.close()
        if process is not None:
            await asyncio.to_thread(process.join, STOP_SECONDS)
            if process.is_alive():
                process.terminate()
