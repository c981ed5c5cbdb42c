"""Digest scheduling on SQLite and PostgreSQL: on time, catch-up, failures, races, DST."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.coaching.models import Response
from bot.digest.schedule import DigestScheduler, scheduled_time
from bot.digest.source import preview_channel_digest
from bot.store import Store
from bot.store.repository import Activity, CounterDelta, NewNudge

WS = "T1"
MONDAY = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC
PEOPLE = ("U1", "U2", "U3", "U4")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store.open(database_url)
    yield opened
    opened.close()


class Poster:
    """Records what the scheduler posts; can be told to fail."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.posts: list[tuple[str, str, Response]] = []
        self.lock = threading.Lock()

    def __call__(self, workspace: str, target: str, response: Response) -> str | None:
        if self.fail:
            raise ConnectionError("platform unreachable")
        with self.lock:
            self.posts.append((workspace, target, response))
            return f"msg-{len(self.posts)}"


def scheduler(store: Store, worker: str | None = None) -> DigestScheduler:
    rules = [SimpleNamespace(id="clarity.asap", suggestion="Name a time instead of ASAP.")]
    coach = SimpleNamespace(store=store, engine=SimpleNamespace(rules=rules))
    return DigestScheduler(coach, worker_id=worker)


def configure(store: Store, weekday: str = "mon", at: str = "09:00", tz: str = "UTC") -> None:
    store.save_settings(
        WS,
        {
            "digest_channel": "C1",
            "digest_weekday": weekday,
            "digest_time": at,
            "digest_timezone": tz,
        },
    )


def fill_week(store: Store, first_day: date, messages: int = 5) -> None:
    deltas = [
        CounterDelta(
            WS,
            "C1",
            user,
            first_day + timedelta(days=i % 7),
            messages=messages + i,
            questions=1,
            answers=1,
            tone_positive=1,
        )
        for i, user in enumerate(PEOPLE)
    ]
    store.add_counters(deltas)


def run(s: DigestScheduler, now: datetime, channel: Poster, personal: Poster | None = None) -> int:
    return s.run_due(now, "slack", channel, personal or Poster())


def test_posts_once_at_the_scheduled_time_and_records_the_post(store: Store) -> None:
    configure(store)
    fill_week(store, date(2024, 6, 3))
    s, posts = scheduler(store), Poster()
    assert run(s, MONDAY - timedelta(minutes=1), posts) == 0
    assert run(s, MONDAY, posts) == 1
    assert run(s, MONDAY + timedelta(minutes=1), posts) == 0
    assert run(scheduler(store), MONDAY + timedelta(hours=5), posts) == 0  # a restarted bot
    assert len(posts.posts) == 1
    workspace, channel, response = posts.posts[0]
    assert (workspace, channel) == (WS, "C1")
    assert "Messages: 26" in response.as_text() and response.attachment is not None
    [record] = store.digest_runs(WS)
    assert record.kind == "channel" and record.week_start == date(2024, 6, 3)
    assert record.message_ref == "msg-1" and record.posted_at is not None


def test_missed_digest_is_posted_later_in_the_same_week_never_twice(store: Store) -> None:
    configure(store)
    fill_week(store, date(2024, 6, 3))
    posts = Poster()
    wednesday = MONDAY + timedelta(days=2, hours=3)  # the bot was down Monday and Tuesday
    assert run(scheduler(store), wednesday, posts) == 1
    assert run(scheduler(store), wednesday + timedelta(days=2), posts) == 0
    # Down for a whole week: that week's digest is skipped; the next one comes on time.
    assert run(scheduler(store), MONDAY + timedelta(days=14, hours=1), posts) == 1
    weeks = sorted(r.week_start for r in store.digest_runs(WS))
    assert weeks == [date(2024, 6, 3), date(2024, 6, 17)]


def test_failed_post_is_released_and_retried(store: Store) -> None:
    configure(store)
    fill_week(store, date(2024, 6, 3))
    broken = Poster(fail=True)
    assert run(scheduler(store), MONDAY, broken) == 0
    [record] = store.digest_runs(WS)
    assert record.posted_at is None and record.claimed_by is None
    posts = Poster()
    assert run(scheduler(store), MONDAY + timedelta(minutes=1), posts) == 1
    assert len(posts.posts) == 1


def test_racing_workers_post_each_digest_exactly_once(store: Store) -> None:
    configure(store)
    fill_week(store, date(2024, 6, 3))
    for user in ("U1", "U2"):
        store.update_prefs(WS, user, personal_digest=True)
    channel, personal = Poster(), Poster()
    workers = [scheduler(store, worker=f"replica-{i}") for i in range(6)]
    barrier = threading.Barrier(len(workers))
    results: list[int] = []
    errors: list[BaseException] = []

    def work(s: DigestScheduler) -> None:
        try:
            barrier.wait(timeout=30)
            results.append(s.run_due(MONDAY + timedelta(seconds=5), "slack", channel, personal))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert sum(results) == 3
    assert [c for _, c, _ in channel.posts] == ["C1"]
    assert sorted(u for _, u, _ in personal.posts) == ["U1", "U2"]
    runs = store.digest_runs(WS)
    assert len(runs) == 3 and all(r.posted_at is not None for r in runs)


def test_personal_digest_goes_only_to_people_who_opted_in(store: Store) -> None:
    configure(store)
    fill_week(store, date(2024, 6, 3))
    store.update_prefs(WS, "U2", personal_digest=True)
    store.update_prefs(WS, "U9", personal_digest=True)  # no activity: nothing to send
    store.update_prefs(WS, "U3", personal_digest=True, dm_closed=True)  # cannot receive DMs
    [nudge_id] = store.add_nudges(
        [
            NewNudge(
                "slack",
                WS,
                "C1",
                "U2",
                "clarity.asap",
                "nudge",
                False,
                datetime(2024, 6, 4, 10, tzinfo=UTC),
            )
        ]
    )
    store.set_feedback(nudge_id, "helpful")
    personal = Poster()
    assert run(scheduler(store), MONDAY, Poster(), personal) == 2  # channel + U2
    [(workspace, user, response)] = personal.posts
    text = response.as_text()
    assert (workspace, user) == (WS, "U2") and not response.public
    assert "Messages: 6" in text and "clarity.asap: 1" in text and "helpful 1" in text
    assert "Name a time instead of ASAP." in text
    assert "U1" not in text and "U3" not in text


def test_workspaces_of_another_platform_are_left_alone(store: Store) -> None:
    configure(store)
    fill_week(store, date(2024, 6, 3))
    store.add_nudges([NewNudge("discord", WS, "C1", "U1", "x", "tip", False, MONDAY)])
    assert run(scheduler(store), MONDAY, Poster()) == 0
    posts = Poster()
    assert scheduler(store).run_due(MONDAY, "discord", posts, Poster()) == 1


def _berlin_runs(store: Store, times: list[datetime], weekday: str, at: str) -> list[int]:
    configure(store, weekday=weekday, at=at, tz="Europe/Berlin")
    s, posts = scheduler(store), Poster()
    return [run(s, t, posts) for t in times]


def test_dst_spring_forward_keeps_local_time(store: Store) -> None:
    # Berlin moves from UTC+1 to UTC+2 on Sunday 2024-03-31: Monday 09:00 local is 07:00 UTC.
    fill_week(store, date(2024, 3, 25))
    times = [
        datetime(2024, 4, 1, 6, 59, tzinfo=UTC),
        datetime(2024, 4, 1, 7, 0, tzinfo=UTC),
        datetime(2024, 4, 1, 8, 0, tzinfo=UTC),
    ]
    assert _berlin_runs(store, times, "mon", "09:00") == [0, 1, 0]
    assert scheduled_time(
        datetime(2024, 3, 25, 12, tzinfo=UTC), "mon", "09:00", "Europe/Berlin"
    ) == datetime(2024, 3, 25, 8, 0, tzinfo=UTC)


def test_dst_skipped_hour_still_posts_once(store: Store) -> None:
    # 02:30 does not exist in Berlin on 2024-03-31; it is posted once, right after the jump.
    fill_week(store, date(2024, 3, 24))
    times = [
        datetime(2024, 3, 31, 0, 59, tzinfo=UTC),
        datetime(2024, 3, 31, 1, 30, tzinfo=UTC),
        datetime(2024, 3, 31, 2, 30, tzinfo=UTC),
    ]
    assert _berlin_runs(store, times, "sun", "02:30") == [0, 1, 0]


def test_dst_repeated_hour_posts_once(store: Store) -> None:
    # 02:30 happens twice in Berlin on 2024-10-27 (00:30 and 01:30 UTC): one post only.
    fill_week(store, date(2024, 10, 20))
    times = [
        datetime(2024, 10, 27, 0, 29, tzinfo=UTC),
        datetime(2024, 10, 27, 0, 30, tzinfo=UTC),
        datetime(2024, 10, 27, 1, 30, tzinfo=UTC),
        datetime(2024, 10, 27, 1, 31, tzinfo=UTC),
    ]
    assert _berlin_runs(store, times, "sun", "02:30") == [0, 1, 0, 0]
    assert len(store.digest_runs(WS)) == 1


def test_preview_is_private_and_computed_from_the_store(store: Store) -> None:
    configure(store)
    fill_week(store, date(2024, 6, 3))
    activity = Activity(answer_delays=[(WS, "C1", "U2", date(2024, 6, 4), 80.0)])
    store.record_activity(activity)
    response = preview_channel_digest(store, WS, "C1", MONDAY, chart=False)
    text = response.as_text()
    assert not response.public
    assert "Voices: 4" in text and "Median time to a first answer: 80 s" in text
    assert store.digest_runs(WS) == []  # a preview claims nothing


def test_database_sums_give_the_same_digest_as_the_row_arithmetic(store: Store) -> None:
    from bot.digest.compute import CounterRow, DelayRow, RuleHitRow, compute_channel_digest
    from bot.digest.source import channel_digest

    week = date(2024, 6, 3)
    deltas = []
    for offset in range(-50, 7):
        day = week + timedelta(days=offset)
        for n, user in enumerate(("U1", "U2", "U3", "", "U5")):
            if (offset + n) % 3:
                deltas.append(CounterDelta(
                    WS, "C1", user, day, messages=n + 1, questions=n % 2, answers=(n + 1) % 2,
                    thanks=n % 3 == 0, praise_received=n == 2, tone_negative=n % 2,
                    tone_positive=(offset + n) % 2))
        deltas.append(CounterDelta(WS, "C2", "U1", day, messages=4))
    store.add_counters(deltas)
    store.record_activity(Activity(
        rule_hits=[(WS, "C1", "U1", week, "tone.harsh", 2), (WS, "C1", "U2", week, "x.y", 5),
                   (WS, "C1", "U2", week - timedelta(days=1), "x.y", 9)],
        answer_delays=[(WS, "C1", "U2", week + timedelta(days=1), 30.0),
                       (WS, "C1", "U3", week + timedelta(days=2), 90.0)]))
    from_db = channel_digest(store, WS, "C1", week)
    rows = [CounterRow(r.channel, r.user, r.day, r.messages, r.questions, r.answers, r.thanks,
                       r.praise_received, r.nudges_delivered, r.tone_negative, r.tone_positive)
            for r in store.counters(WS, week - timedelta(days=60), week + timedelta(days=7))]
    by_rows = compute_channel_digest(
        "C1", week, rows,
        [RuleHitRow("C1", "U1", week, "tone.harsh", 2), RuleHitRow("C1", "U2", week, "x.y", 5)],
        [DelayRow("C1", "U2", week, 30.0), DelayRow("C1", "U3", week, 90.0)])
    assert from_db == by_rows
    assert from_db.voices == 5 and from_db.top_rules == [("x.y", 5), ("tone.harsh", 2)]
    assert from_db.median_first_answer_seconds == 60.0


def test_one_channels_digest_reads_that_channel_by_index(tmp_path: Path) -> None:
    """SQLite: every counter query of one channel's digest seeks that channel (workspace,
    channel, days) instead of scanning all channels' days (the planner, with the bounded
    statistics the store keeps, would otherwise take the workspace-and-day index)."""
    import sqlalchemy

    from bot.digest.source import channel_digest

    store = Store.open(f"sqlite:///{tmp_path / 'plan.db'}")
    week = date(2024, 6, 3)
    store.add_counters([
        CounterDelta(WS, f"C{c}", f"U{u}", week + timedelta(days=d), messages=1)
        for c in range(60) for u in range(5) for d in range(-56, 7) if (c + u + d) % 3 == 0
    ])
    store.refresh_statistics()
    statements: list[tuple[str, object]] = []

    def remember(_conn: object, _cursor: object, statement: str, params: object, *_: object) -> None:
        if "FROM daily_counters" in statement and not statement.startswith("EXPLAIN"):
            statements.append((statement, params))

    sqlalchemy.event.listen(store.engine, "before_cursor_execute", remember)
    channel_digest(store, WS, "C7", week)
    sqlalchemy.event.remove(store.engine, "before_cursor_execute", remember)
    assert statements
    with store.engine.connect() as conn:
        for statement, params in statements:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, params))  # type: ignore[arg-type]
            assert "channel=?" in plan, plan
    store.close()


def test_someone_who_stops_being_coached_mid_week_is_not_counted_twice(store: Store) -> None:
    """Privacy: two people, one opting out on Tuesday, are two voices (not named + pool)."""
    from bot.digest.source import channel_digest

    week = date(2024, 6, 3)
    store.add_counters([
        CounterDelta(WS, "C1", "U1", week, messages=4, tone_negative=2),
        CounterDelta(WS, "C1", "U2", week, messages=3),
        CounterDelta(WS, "C1", "", week + timedelta(days=2), messages=5),  # U2, opted out
    ])
    store.update_prefs(WS, "U2", now=datetime(2024, 6, 4, 12, tzinfo=UTC), opted_out=True)
    digest = channel_digest(store, WS, "C1", week)
    assert digest.voices == 2 and digest.suppressed
    assert digest.negative_share is None and digest.top_rules == []
    # Someone else's change (not among this week's named voices) leaves the pool its voice.
    other = date(2024, 6, 17)
    store.add_counters([
        CounterDelta(WS, "C1", "U1", other, messages=4),
        CounterDelta(WS, "C1", "U3", other, messages=3),
        CounterDelta(WS, "C1", "", other, messages=5),
    ])
    assert channel_digest(store, WS, "C1", other).voices == 3


def test_a_week_with_fewer_than_three_voices_shows_no_tone(store: Store) -> None:
    """Privacy: last week one person spoke (all negative): no change against it, and the
    tone trend leaves that week out."""
    from bot.digest.charts import channel_digest_png
    from bot.digest.source import channel_digest

    week = date(2024, 6, 3)
    store.add_counters(
        [CounterDelta(WS, "C1", "U1", week - timedelta(days=7), messages=6, tone_negative=6)]
        + [CounterDelta(WS, "C1", u, week, messages=3, tone_negative=1) for u in PEOPLE]
        + [CounterDelta(WS, "C1", u, week - timedelta(days=14), messages=2) for u in PEOPLE]
    )
    digest = channel_digest(store, WS, "C1", week)
    assert not digest.suppressed and digest.voices_last == 1
    assert digest.negative_share is not None and digest.negative_change is None
    by_week = {t.week_start: t for t in digest.tone_trend}
    assert not by_week[week - timedelta(days=7)].shown
    assert by_week[week - timedelta(days=14)].shown and by_week[week].shown
    assert channel_digest_png(digest).startswith(b"\x89PNG")
