"""The Discord adapter's ChannelBatcher: per-channel order, batches of what is queued, fallback."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.adapters.discord.client import ChannelBatcher
from bot.coaching.models import Nudge
from bot.core.models import Message


def msg(channel: str, n: int) -> Message:
    return Message("discord", "G", channel, f"U{n}", f"text {n}", id=f"{channel}-{n}")


def nudge_for(message: Message) -> Nudge:
    return Nudge(
        id=0,
        platform="discord",
        workspace=message.workspace,
        channel=message.channel,
        user=message.user,
        rule=str(message.id),
        level="nudge",
        message="tip",
    )


class GatedCoach:
    """Records each batch; a batch of channel `slow` waits until the test opens the gate."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.singles: list[str] = []
        self.gate = threading.Event()
        self.started = threading.Event()
        self.fail_on = fail_on

    def process_batch(self, items: list[tuple[Message, str | None]]) -> list[list[Nudge]]:
        self.batches.append([str(m.id) for m, _ in items])
        self.started.set()
        if items[0][0].channel == "slow":
            assert self.gate.wait(10)
        if any(m.id == self.fail_on for m, _ in items):
            raise RuntimeError("batch failed")
        return [[nudge_for(m)] for m, _ in items]

    def process(self, message: Message, event_id: str | None) -> list[Nudge]:
        self.singles.append(str(message.id))
        if message.id == self.fail_on:
            raise ValueError("this one")
        return [nudge_for(message)]


@pytest.fixture
def pool() -> Any:
    executor = ThreadPoolExecutor(max_workers=4)
    yield executor
    executor.shutdown(wait=True)


async def test_queued_messages_go_in_order_in_batches_of_what_is_waiting(pool: Any) -> None:
    coach = GatedCoach()
    batcher = ChannelBatcher(coach.process_batch, coach.process, pool, max_batch=4)
    first = asyncio.create_task(batcher.submit(("G", "slow"), msg("slow", 0), "e0"))
    await asyncio.wait_for(asyncio.to_thread(coach.started.wait, 10), 10)
    # While the first batch runs, ten more arrive: they are taken 4, 4, 2, in order.
    rest = [
        asyncio.create_task(batcher.submit(("G", "slow"), msg("slow", n), f"e{n}"))
        for n in range(1, 11)
    ]
    other = await asyncio.wait_for(batcher.submit(("G", "fast"), msg("fast", 0), None), 10)
    assert [n.rule for n in other] == ["fast-0"]  # another channel is not held up
    coach.gate.set()
    results = await asyncio.wait_for(asyncio.gather(first, *rest), 10)
    assert [r[0].rule for r in results] == [f"slow-{n}" for n in range(11)]
    slow = [b for b in coach.batches if b[0].startswith("slow")]
    assert slow == [
        ["slow-0"],
        ["slow-1", "slow-2", "slow-3", "slow-4"],
        ["slow-5", "slow-6", "slow-7", "slow-8"],
        ["slow-9", "slow-10"],
    ]
    assert coach.singles == []
    assert len(batcher) == 0  # idle channels are forgotten


async def test_a_failed_batch_is_retried_one_by_one(pool: Any) -> None:
    coach = GatedCoach(fail_on="slow-2")
    batcher = ChannelBatcher(coach.process_batch, coach.process, pool, max_batch=8)
    first = asyncio.create_task(batcher.submit(("G", "slow"), msg("slow", 0), None))
    await asyncio.wait_for(asyncio.to_thread(coach.started.wait, 10), 10)
    rest = [
        asyncio.create_task(batcher.submit(("G", "slow"), msg("slow", n), None))
        for n in range(1, 4)
    ]
    coach.gate.set()
    done = await asyncio.wait_for(asyncio.gather(first, *rest, return_exceptions=True), 10)
    assert [d[0].rule if isinstance(d, list) else type(d).__name__ for d in done] == [
        "slow-0",
        "slow-1",
        "ValueError",  # only the message that fails by itself reports a failure
        "slow-3",
    ]
    assert coach.singles == ["slow-1", "slow-2", "slow-3"]
    assert len(batcher) == 0
