"""KeyedOrder: one channel's messages are coached in arrival order, channels in parallel."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.discord.client import KeyedOrder


async def test_same_key_runs_one_at_a_time_in_arrival_order() -> None:
    order = KeyedOrder()
    gates = [asyncio.Event() for _ in range(3)]
    started: list[int] = []

    async def work(index: int) -> None:
        async with order.turn(("guild", "channel")):
            started.append(index)
            await gates[index].wait()

    tasks = [asyncio.create_task(work(i)) for i in range(3)]
    await asyncio.sleep(0)  # let every task enter the queue (a scheduling step, not a delay)
    assert started == [0]
    # Releasing out of order does not let a later one overtake.
    gates[2].set()
    gates[1].set()
    await asyncio.sleep(0)
    assert started == [0]
    gates[0].set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert started == [0, 1, 2]
    assert len(order) == 0  # locks are dropped when idle


async def test_different_keys_do_not_wait_for_each_other() -> None:
    order = KeyedOrder()
    blocker = asyncio.Event()
    other_ran = asyncio.Event()

    async def slow() -> None:
        async with order.turn(("guild", "a")):
            await blocker.wait()

    async def fast() -> None:
        async with order.turn(("guild", "b")):
            other_ran.set()

    slow_task = asyncio.create_task(slow())
    await asyncio.wait_for(fast(), 5)
    assert other_ran.is_set() and not slow_task.done()
    blocker.set()
    await asyncio.wait_for(slow_task, 5)
    assert len(order) == 0


async def test_a_failing_turn_releases_the_key() -> None:
    order = KeyedOrder()

    async def boom() -> None:
        async with order.turn(("g", "c")):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await boom()
    async with order.turn(("g", "c")):
        assert len(order) == 1
    assert len(order) == 0
