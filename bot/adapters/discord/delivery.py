"""Deliver nudges by DM, and remember people whose DMs are closed so nobody is retried in a loop."""

from __future__ import annotations

import asyncio
import collections
from typing import Any

import discord
import structlog

from bot.adapters.discord import metrics
from bot.adapters.discord.embeds import DM_CLOSED_NOTE, feedback_buttons, nudge_embed
from bot.adapters.discord.views import build_view
from bot.coaching.models import CommandContext, Nudge

log = structlog.get_logger("coachbot.discord")

DM_CLOSED = "dm_closed"
CANNOT_SEND_TO_USER = 50007  # Discord's JSON error code for closed DMs
# At most this many delivery outcomes are written with one `Coach.record_deliveries`.
RECORD_BATCH_MAX = 256

Outcome = tuple[int, bool, "str | None"]


class OutcomeRecorder:
    """Writes delivery outcomes to the Coach in batches, off the event loop.

    `record` queues an outcome and waits until it is stored (or raises its error). One drain
    task at a time takes everything queued (up to `max_batch`) and hands it to
    `Coach.record_deliveries` (one transaction) on a thread; outcomes that arrive meanwhile
    form the next batch. If a batch fails, its outcomes are retried one by one with
    `Coach.record_delivery`, so only an outcome that fails by itself reports an error.
    """

    def __init__(self, coach: Any, max_batch: int = RECORD_BATCH_MAX) -> None:
        self.coach = coach
        self.max_batch = max_batch
        self._queue: collections.deque[tuple[Outcome, asyncio.Future[None]]] = collections.deque()
        self._drain_task: asyncio.Task[None] | None = None
        self.batch_sizes: collections.Counter[int] = collections.Counter()

    async def record(self, nudge_id: int, delivered: bool, error: str | None) -> None:
        """Store one outcome (batched with others queued meanwhile); raises if it failed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(((nudge_id, delivered, error), done))
        if self._drain_task is None:
            self._drain_task = asyncio.create_task(self._drain())
        await done

    async def _drain(self) -> None:
        batch: list[tuple[Outcome, asyncio.Future[None]]] = []
        try:
            while self._queue:
                count = min(len(self._queue), self.max_batch)
                batch = [self._queue.popleft() for _ in range(count)]
                self.batch_sizes[len(batch)] += 1
                try:
                    await asyncio.to_thread(self._write, [outcome for outcome, _ in batch])
                except Exception:
                    await self._one_by_one(batch)
                else:
                    for _, done in batch:
                        if not done.done():
                            done.set_result(None)
                batch = []
        finally:
            self._drain_task = None
            for _, done in [*batch, *self._queue]:  # cancelled (the client is closing)
                if not done.done():
                    done.cancel()
            self._queue.clear()

    def _write(self, outcomes: list[Outcome]) -> None:
        many = getattr(self.coach, "record_deliveries", None)
        if many is not None:
            many(outcomes)
            return
        for outcome in outcomes:
            self.coach.record_delivery(*outcome)

    async def _one_by_one(self, batch: list[tuple[Outcome, asyncio.Future[None]]]) -> None:
        for (nudge_id, delivered, error), done in batch:
            try:
                await asyncio.to_thread(self.coach.record_delivery, nudge_id, delivered, error)
            except Exception as exc:
                if not done.done():
                    done.set_exception(exc)
            else:
                if not done.done():
                    done.set_result(None)


class NudgeDelivery:
    """Sends nudges privately by DM and records each outcome with the Coach.

    A closed DM (Discord error 50007) is recorded as `dm_closed`; the Coach's policy then
    sends that person no more nudges (no retry loop) until they next use `/coach`, where they
    get a note on how to open their DMs and the mark is cleared so tips can flow again.
    """

    def __init__(self, coach: Any) -> None:
        self.coach = coach
        self.recorder = OutcomeRecorder(coach)

    async def deliver(
        self, recipient: discord.abc.Messageable, nudge: Nudge, *, jump_url: str | None = None
    ) -> bool:
        """DM one nudge with its feedback buttons; record the outcome; True when delivered."""
        try:
            await recipient.send(
                embed=nudge_embed(nudge, jump_url=jump_url),
                view=build_view(feedback_buttons(nudge)) or discord.utils.MISSING,
            )
        except discord.HTTPException as exc:
            if exc.code == CANNOT_SEND_TO_USER:
                await self._record(nudge.id, False, DM_CLOSED)
                metrics.NUDGES.labels(outcome=DM_CLOSED).inc()
                log.info("nudge_dm_closed", nudge_id=nudge.id, workspace=nudge.workspace)
            else:
                await self._record(nudge.id, False, f"http_{exc.status}")
                metrics.NUDGES.labels(outcome="failed").inc()
                log.warning("nudge_dm_failed", nudge_id=nudge.id, status=exc.status, code=exc.code)
            return False
        except Exception as exc:  # a network failure: record it, never crash the handler
            await self._record(nudge.id, False, "send_failed")
            metrics.NUDGES.labels(outcome="failed").inc()
            log.warning("nudge_dm_failed", nudge_id=nudge.id, error=type(exc).__name__)
            return False
        await self._record(nudge.id, True, None)
        metrics.NUDGES.labels(outcome="delivered").inc()
        return True

    async def take_closed_note(self, ctx: CommandContext) -> str | None:
        """The note for someone whose tips could not be delivered (DMs closed), shown once.

        Reads the `dm_closed` preference the Coach stored on a 50007 failure and clears it,
        so the next nudge tries their DMs again (at most one failed attempt per `/coach` use).
        """
        if not ctx.workspace:
            return None
        try:
            return await asyncio.to_thread(self._take_closed_flag, ctx)
        except Exception:  # the note is a courtesy: never fail the command for it
            log.exception("dm_closed_lookup_failed")
            return None

    def _take_closed_flag(self, ctx: CommandContext) -> str | None:
        store = self.coach.store
        if not store.prefs(ctx.workspace, ctx.user).dm_closed:
            return None
        store.update_prefs(ctx.workspace, ctx.user, self.coach.now(), dm_closed=False)
        return DM_CLOSED_NOTE

    async def _record(self, nudge_id: int, delivered: bool, error: str | None) -> None:
        try:
            await self.recorder.record(nudge_id, delivered, error)
        except Exception:
            log.exception("record_delivery_failed", nudge_id=nudge_id)
