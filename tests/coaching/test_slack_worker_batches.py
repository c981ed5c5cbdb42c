"""The Slack worker's job runner: consecutive messages share one `process_batch`, same results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.adapters.slack.worker import WorkerError, _run_batch
from bot.coaching.clock import ManualClock
from bot.coaching.coach import Coach
from bot.core.models import Message
from bot.store import Store
from tests.coaching.conftest import START, ScriptedEngine


def msg(n: int, user: str, text: str) -> Message:
    return Message("slack", "T1", "C1", user, text, ts=START.timestamp() + n, id=f"m{n}")


class CountingCoach(Coach):
    """The real Coach, counting batch calls; a message saying "explode" fails by itself."""

    batches: list[int]

    def process_batch(self, items: Any) -> Any:
        self.batches.append(len(items))
        return super().process_batch(items)

    def _activity(self, message: Message, *args: Any) -> Any:  # type: ignore[override]
        if "explode" in message.text:
            raise ValueError("bad message")
        return Coach._activity(message, *args)


def jobs() -> list[tuple[str, tuple[Any, ...]]]:
    return [
        ("process", (msg(1, "U1", "you always blame me"), "E1")),
        ("process", (msg(2, "U2", "need it asap"), "E2")),
        ("record", (1, False, "dm_closed")),
        ("process", (msg(3, "U1", "blame again"), "E3")),
        ("process", (msg(3, "U1", "blame again"), "E3")),  # redelivered
        ("process", (msg(4, "U2", "asap please"), "E4")),
    ]


def run(tmp_path: Path, name: str, batched: bool, work: list[Any]) -> tuple[list[Any], Any]:
    store = Store.open(f"sqlite:///{tmp_path / name}", cache_seconds=0)
    coach = CountingCoach(ScriptedEngine(), store, ManualClock(START))
    coach.batches = []
    results = _run_batch(coach, work) if batched else [_run_batch(coach, [job])[0] for job in work]
    rows = (store.nudges("T1"), store.counters("T1", START.date(), START.date().replace(day=30)))
    store.close()
    return [r if not isinstance(r, WorkerError) else str(r) for r in results], (rows, coach.batches)


def test_consecutive_messages_share_a_batch_and_match_one_by_one(tmp_path: Path) -> None:
    expected, (expected_rows, singles) = run(tmp_path, "a.db", False, jobs())
    got, (rows, batches) = run(tmp_path, "b.db", True, jobs())
    assert got == expected and rows == expected_rows
    assert batches == [2, 3] and singles == []
    assert [len(r) if isinstance(r, list) else r for r in got] == [1, 1, None, 0, 0, 0]


def test_a_failing_batch_is_retried_one_by_one(tmp_path: Path) -> None:
    work = jobs()
    work.insert(1, ("process", (msg(9, "U3", "explode"), "E9")))
    got, (rows, batches) = run(tmp_path, "c.db", True, work)
    assert got[1] == "ValueError"  # only the failing message reports a failure
    assert [len(r) if isinstance(r, list) else r for r in got] == [
        1,
        "ValueError",
        1,
        None,
        0,
        0,
        0,
    ]
    assert batches == [3, 3]
    expected, (expected_rows, _) = run(tmp_path, "d.db", False, work)
    assert got == expected and rows == expected_rows
