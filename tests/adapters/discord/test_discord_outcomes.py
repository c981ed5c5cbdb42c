"""NudgeDelivery's OutcomeRecorder: outcomes queued meanwhile are stored together, failures alone."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.adapters.discord.delivery import OutcomeRecorder


class RecordingCoach:
    """Records the batches it is given; the first batch waits until the test opens the gate."""

    def __init__(self, fail_id: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.singles: list[int] = []
        self.gate = threading.Event()
        self.started = threading.Event()
        self.fail_id = fail_id

    def record_deliveries(self, outcomes: list[tuple[int, bool, str | None]]) -> None:
        self.batches.append([nudge_id for nudge_id, _, _ in outcomes])
        self.started.set()
        if len(self.batches) == 1:
            assert self.gate.wait(10)
        if any(nudge_id == self.fail_id for nudge_id, _, _ in outcomes):
            raise RuntimeError("batch failed")

    def record_delivery(self, nudge_id: int, delivered: bool, error: str | None = None) -> None:
        if nudge_id == self.fail_id:
            raise RuntimeError("this one fails")
        self.singles.append(nudge_id)


async def test_outcomes_arriving_during_a_write_go_into_the_next_batch() -> None:
    coach = RecordingCoach()
    recorder = OutcomeRecorder(coach)
    first = asyncio.create_task(recorder.record(1, True, None))
    assert await asyncio.to_thread(coach.started.wait, 10)
    rest = [asyncio.create_task(recorder.record(i, i % 2 == 0, None)) for i in range(2, 6)]
    await asyncio.sleep(0)
    coach.gate.set()
    await asyncio.wait_for(asyncio.gather(first, *rest), 10)
    assert coach.batches == [[1], [2, 3, 4, 5]]
    assert recorder.batch_sizes == {1: 1, 4: 1}


async def test_a_failed_batch_is_retried_one_by_one_and_only_the_bad_outcome_raises() -> None:
    coach = RecordingCoach(fail_id=3)
    coach.gate.set()
    recorder = OutcomeRecorder(coach)
    results = await asyncio.wait_for(
        asyncio.gather(
            *(recorder.record(i, True, None) for i in (1, 2, 3, 4)), return_exceptions=True
        ),
        10,
    )
    assert [type(r).__name__ if r else None for r in results] == [None, None, "RuntimeError", None]
    assert coach.singles == [1, 2, 4]


async def test_a_coach_without_batches_records_one_by_one() -> None:
    class Plain:
        def __init__(self) -> None:
            self.seen: list[tuple[int, bool, str | None]] = []

        def record_delivery(self, nudge_id: int, delivered: bool, error: str | None) -> None:
            self.seen.append((nudge_id, delivered, error))

    coach = Plain()
    recorder = OutcomeRecorder(coach)
    await asyncio.gather(recorder.record(7, False, "dm_closed"), recorder.record(8, True, None))
    assert coach.seen == [(7, False, "dm_closed"), (8, True, None)]


@pytest.mark.parametrize("max_batch", [1, 2])
async def test_batches_are_capped(max_batch: int) -> None:
    coach = RecordingCoach()
    coach.gate.set()
    recorder = OutcomeRecorder(coach, max_batch=max_batch)
    await asyncio.gather(*(recorder.record(i, True, None) for i in range(5)))
    assert max(len(b) for b in coach.batches) == max_batch
    assert [i for b in coach.batches for i in b] == list(range(5))
