"""`Coach.process_batch` stores and returns exactly what `Coach.process` one by one does."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.coaching.clock import ManualClock
from bot.coaching.coach import Coach
from bot.coaching.models import Nudge
from bot.core.models import Message
from bot.store import Store
from bot.store.repository import BatchWrite
from bot.store.schema import AnswerDelay, DailyCounter, NudgeLog, ProcessedEvent, RuleHit
from tests.coaching.conftest import START, ScriptedEngine
from tests.conftest import POSTGRES_ENV, _postgres_schema_url

USERS = [f"U{n}" for n in range(1, 9)]
TEXTS = [
    "you always blame me",  # nudge (tone.blame)
    "need this asap",  # nudge (clarity.asap)
    "blame and asap together",  # two nudge findings: at most one nudge per message
    "hey guys",  # tip: a nudge only where min_level is tip
    "thanks {mention} great work",  # praise + credit + positive tone
    "here is the answer",  # answers someone (answer delay)
    "what a awful day?",  # question, negative tone
    "lunch at noon",
    "ok",
]


@dataclass(frozen=True)
class Step:
    """One message to process at a clock time (an item of a burst)."""

    at: datetime
    message: Message
    event_id: str | None


@dataclass(frozen=True)
class Burst:
    """Messages arriving at one clock time, then what happens before the next burst."""

    at: datetime
    steps: list[Step]
    replica: list[Step]  # processed first by another replica (its own Coach, same database)
    failed_every: int  # before the next burst, every n-th new nudge failed to deliver


def conversation(seed: int = 7, bursts: int = 40) -> list[Burst]:
    """A seeded conversation: repeated offenders, redeliveries, bots, opted-out people."""
    rng = random.Random(seed)
    at = START
    sent: list[Step] = []
    plan: list[Burst] = []
    count = 0
    for _ in range(bursts):
        at += rng.choice(
            [timedelta(minutes=1), timedelta(hours=1), timedelta(hours=7), timedelta(hours=25)]
        )
        steps: list[Step] = []
        replica: list[Step] = []
        for _ in range(rng.randint(1, 25)):
            roll = rng.random()
            if sent and roll < 0.12:  # a redelivery of an earlier (or this burst's) message
                earlier = rng.choice(sent[-40:] + steps)
                steps.append(Step(at, earlier.message, earlier.event_id))
                continue
            count += 1
            workspace = "T2" if rng.random() < 0.3 else "T1"
            channel = rng.choice(["C1", "C2", "C1", "CX"])
            user = rng.choice(USERS[:4] if rng.random() < 0.6 else USERS)  # repeat offenders
            text = rng.choice(TEXTS).format(mention=f"<@{rng.choice(USERS)}>")
            mentions = tuple(u for u in USERS if f"<@{u}>" in text)
            keyed = rng.random()
            message = Message(
                platform="slack",
                workspace=workspace,
                channel=channel,
                user=user,
                text=text,
                ts=at.timestamp() + len(steps),
                is_bot=rng.random() < 0.05,
                mentions=mentions,
                id=f"m{count}" if keyed > 0.05 else None,
            )
            step = Step(at, message, f"Ev{count}" if keyed > 0.5 else None)
            if rng.random() < 0.04:
                replica.append(step)
            steps.append(step)
            sent.append(step)
        plan.append(Burst(at, steps, replica, rng.choice([0, 0, 2, 3])))
    return plan


def prepare(store: Store) -> None:
    """Workspace settings and preferences: an opt-in workspace, excluded channels, opt-outs."""
    store.save_settings("T1", {"channels_exclude": ["CX"]}, START)
    store.save_settings(
        "T2",
        {"mode": "opt-in", "cooldown_hours": 2, "daily_cap": 2, "min_level": "tip"},
        START,
    )
    store.update_prefs("T1", "U3", START, opted_out=True)
    store.update_prefs("T1", "U5", START, snoozed_until=START + timedelta(days=2))
    store.update_prefs("T1", "U6", START, paused=True)
    for user in ("U1", "U2", "U4", "U7"):
        store.update_prefs("T2", user, START, opted_in=True)
    store.update_prefs("T2", "U2", START, opted_out=True)


Runner = Callable[[Coach, list[Step]], list[list[Nudge]]]


def one_by_one(coach: Coach, steps: list[Step]) -> list[list[Nudge]]:
    """The reference: `process` per message."""
    return [coach.process(s.message, s.event_id) for s in steps]


def in_chunks(size: int | None, seed: int = 0) -> Runner:
    """`process_batch` over chunks of `size` (None: random sizes 1-9)."""
    rng = random.Random(seed)

    def run(coach: Coach, steps: list[Step]) -> list[list[Nudge]]:
        out: list[list[Nudge]] = []
        i = 0
        while i < len(steps):
            n = size or rng.randint(1, 9)
            out.extend(coach.process_batch([(s.message, s.event_id) for s in steps[i : i + n]]))
            i += n
        return out

    return run


def play(url: str, plan: list[Burst], run: Runner) -> tuple[list[list[Nudge]], dict[str, Any]]:
    """Play the conversation on a fresh database; the nudges per message and the stored rows."""
    store = Store.open(url, cache_seconds=0)
    try:
        prepare(store)
        clock = ManualClock(START)
        coach = Coach(ScriptedEngine(), store, clock)
        replica = Coach(ScriptedEngine(), store, clock)
        nudges: list[list[Nudge]] = []
        for burst in plan:
            clock.set(burst.at)
            for step in burst.replica:
                replica.process(step.message, step.event_id)
            made = run(coach, burst.steps)
            assert len(made) == len(burst.steps)
            nudges.extend(made)
            new = [n for per in made for n in per]
            for k, nudge in enumerate(new):
                failed = burst.failed_every and k % burst.failed_every == 0
                error = "dm_closed" if failed and k % 2 == 0 else "send_failed"
                coach.record_delivery(nudge.id, not failed, None if not failed else error)
        return nudges, dump(store)
    finally:
        store.close()


def dump(store: Store) -> dict[str, Any]:
    """Every stored row the pipeline writes, in a stable order."""
    tables = {
        "counters": DailyCounter,
        "rule_hits": RuleHit,
        "answer_delays": AnswerDelay,
        "nudge_log": NudgeLog,
        "events": ProcessedEvent,
    }
    rows: dict[str, Any] = {}
    with store.engine.connect() as conn:
        for name, model in tables.items():
            table = model.__table__  # type: ignore[attr-defined]
            order = list(table.primary_key.columns)
            rows[name] = [tuple(r) for r in conn.execute(select(table).order_by(*order)).all()]
    rows["prefs"] = {(w, u): store.prefs(w, u) for w in ("T1", "T2") for u in USERS}
    return rows


@pytest.fixture
def more_urls(database_url: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Further empty databases of the same kind as `database_url` (new SQLite files / schemas)."""
    with contextlib.ExitStack() as stack:
        made = iter(range(1000))

        def new() -> str:
            if database_url.startswith("sqlite"):
                return f"sqlite:///{tmp_path / f'batch{next(made)}.db'}"
            import os

            return stack.enter_context(
                contextlib.contextmanager(_postgres_schema_url)(os.environ[POSTGRES_ENV].strip())
            )

        yield new


def test_the_generated_conversation_exercises_the_budget(database_url: str) -> None:
    plan = conversation()
    nudges, rows = play(database_url, plan, one_by_one)
    flat = [n for per in nudges for n in per]
    steps = [s for b in plan for s in b.steps]
    # Enough happens for the equivalence test to mean something.
    assert len(flat) >= 15
    assert any(n.escalated for n in flat) and any(not n.escalated for n in flat)
    assert {n.workspace for n in flat} == {"T1", "T2"}
    assert not any(n.user == "U3" and n.workspace == "T1" for n in flat)  # opted out
    assert not any(n.workspace == "T2" and n.user in ("U2", "U3", "U5", "U6") for n in flat)
    assert not any(n.channel == "CX" and n.workspace == "T1" for n in flat)  # excluded
    redelivered = [
        i
        for i, s in enumerate(steps)
        if s.message.id and any(t.message is s.message for t in steps[:i])
    ]
    assert len(redelivered) >= 10
    assert all(nudges[i] == [] for i in redelivered)
    # Cooldown and the cap held nudge-level findings back somewhere.
    offending = [
        s
        for s in steps
        if not s.message.is_bot and ("blame" in s.message.text or "asap" in s.message.text)
    ]
    assert len(offending) > len(flat) + 20
    assert rows["answer_delays"] and rows["rule_hits"] and len(rows["events"]) > 100


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, None])
def test_process_batch_equals_process_one_by_one(
    database_url: str, more_urls: Callable[[], str], size: int | None
) -> None:
    plan = conversation()
    expected_nudges, expected_rows = play(database_url, plan, one_by_one)
    nudges, rows = play(more_urls(), plan, in_chunks(size, seed=size or 0))
    assert nudges == expected_nudges
    for name in expected_rows:
        assert rows[name] == expected_rows[name], name


def test_a_failed_batch_writes_nothing_and_a_retry_succeeds(
    database_url: str, more_urls: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = conversation(seed=3, bursts=6)
    expected_nudges, expected_rows = play(database_url, plan, one_by_one)
    assert any(expected_nudges)
    real = BatchWrite.log_nudges
    failures = iter([True, False] * 1000)

    def flaky(self: BatchWrite, nudges: Any) -> list[int]:
        if nudges and next(failures):
            raise RuntimeError("database went away")
        return real(self, nudges)

    monkeypatch.setattr(BatchWrite, "log_nudges", flaky)

    def retrying(coach: Coach, steps: list[Step]) -> list[list[Nudge]]:
        items = [(s.message, s.event_id) for s in steps]
        before = dump(coach.store)
        try:
            return coach.process_batch(items)
        except RuntimeError:
            after = dump(coach.store)
            assert after == before  # claims, counters, hits and log all rolled back
        return coach.process_batch(items)

    nudges, rows = play(more_urls(), plan, retrying)
    # PostgreSQL sequences do not roll back: surrogate ids may differ after a failure.
    assert [[replace(n, id=0) for n in per] for per in nudges] == [
        [replace(n, id=0) for n in per] for per in expected_nudges
    ]
    for name in ("answer_delays", "nudge_log"):
        rows[name] = [r[1:] for r in rows[name]]
        expected_rows[name] = [r[1:] for r in expected_rows[name]]
    for name in expected_rows:
        assert rows[name] == expected_rows[name], name


def test_process_batch_of_nothing_and_of_bots_only(coach: Coach, clock: ManualClock) -> None:
    assert coach.process_batch([]) == []
    bot = Message("slack", "T1", "C1", "B1", "you always blame me", is_bot=True, id="b1")
    assert coach.process_batch([(bot, None), (bot, "E1")]) == [[], []]
    assert coach.store.nudges("T1") == []


def test_real_engine_conversation_windows_match(
    database_url: str, more_urls: Callable[[], str]
) -> None:
    """With the shipped rules (stateful conversation windows), batches change nothing either."""
    from bench.corpus import messages
    from bot.core.engine import Engine

    texts = messages(400)
    base = START.timestamp()
    steps = [
        Step(
            START + timedelta(minutes=20 * (n // 20)),
            Message(
                platform="discord",
                workspace="G1",
                channel=f"C{n % 3}",
                user=f"U{(n * 7) % 10}",
                text=text,
                ts=base + 20 * n,
                mentions=(f"U{(n * 3) % 10}",) if n % 9 == 0 else (),
                id=f"d{n}",
            ),
            str(n),
        )
        for n, text in enumerate(texts)
    ]
    steps += steps[::37]  # gateway replays at the end
    results: list[tuple[list[list[Nudge]], dict[str, Any]]] = []
    for url, run in ((database_url, one_by_one), (more_urls(), in_chunks(16))):
        store = Store.open(url, cache_seconds=0)
        try:
            clock = ManualClock(START)
            coach = Coach(Engine.load(), store, clock)
            out: list[list[Nudge]] = []
            for at in sorted({s.at for s in steps}):
                clock.set(at)
                out.extend(run(coach, [s for s in steps if s.at == at]))
            results.append((out, dump(store)))
        finally:
            store.close()
    (expected, expected_rows), (got, rows) = results
    assert sum(map(len, expected)) >= 5 and expected_rows["answer_delays"]
    assert got == expected
    assert rows == expected_rows
