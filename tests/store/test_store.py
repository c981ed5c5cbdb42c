"""The store on SQLite and PostgreSQL: migrations, counters, claims, export, forget, retention."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from bot.coaching.clock import ManualClock
from bot.coaching.coach import Coach
from bot.core.models import Message
from bot.store import Store
from bot.store.migrate import current_revision, head_revision, make_engine, upgrade
from bot.store.repository import Activity, CounterDelta, NewNudge
from bot.store.schema import Base, DailyCounter

NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)
DAY = NOW.date()


def test_migrations_build_exactly_the_declared_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # a second upgrade is a no-op
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diff == []
    assert {"daily_counters", "nudge_log", "processed_events", "digest_runs"} <= tables


def test_upgrade_from_several_replicas_at_once(database_url: str) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        engine = make_engine(database_url)
        try:
            upgrade(engine)
        except BaseException as exc:  # pragma: no cover - the assertion reports it
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []


def test_counters_add_up_across_writes(store: Store) -> None:
    delta = CounterDelta("W", "C", "U", DAY, messages=1, words=4, tone_positive=1)
    store.record_activity(
        Activity(
            counters=[delta, delta],
            rule_hits=[("W", "C", "U", DAY, "tone.x", 2)],
            answer_delays=[("W", "C", "U", DAY, 30.0)],
        )
    )
    store.record_activity(Activity(counters=[delta], rule_hits=[("W", "C", "U", DAY, "tone.x", 1)]))
    totals = store.totals("W", DAY, DAY + timedelta(days=1))
    assert (totals.messages, totals.words, totals.tone_positive) == (3, 12, 3)
    assert store.rule_hits("W", DAY, DAY + timedelta(days=1)) == {"tone.x": 3}
    assert store.answer_delays("W", DAY, DAY + timedelta(days=1)) == [30.0]
    assert store.channels("W", DAY, DAY + timedelta(days=1)) == ["C"]
    assert store.totals("W", DAY + timedelta(days=1), DAY + timedelta(days=2)).messages == 0
    assert [r.messages for r in store.counters("W", DAY, DAY + timedelta(days=1), user="U")] == [3]


def test_concurrent_increments_are_not_lost(database_url: str) -> None:
    stores = [Store.open(database_url) for _ in range(4)]

    def work(s: Store) -> None:
        for _ in range(25):
            s.add_counters([CounterDelta("W", "C", "U", DAY, messages=1)])

    threads = [threading.Thread(target=work, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert stores[0].totals("W", DAY, DAY + timedelta(days=1)).messages == 100
    for s in stores:
        s.close()


def test_event_claims_are_exclusive_across_replicas(database_url: str) -> None:
    stores = [Store.open(database_url) for _ in range(4)]
    results: list[bool] = []
    barrier = threading.Barrier(len(stores))

    def claim(s: Store) -> None:
        barrier.wait(timeout=30)
        results.append(s.claim_event("slack:T:e:Ev1", NOW))

    threads = [threading.Thread(target=claim, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == [False, False, False, True]
    for s in stores:
        s.close()


def test_two_coach_replicas_process_one_event_once(database_url: str) -> None:
    from bot.core.engine import Engine

    rules = Path(__file__).parents[1] / "coaching" / "rules"
    replicas = [
        Coach(Engine.load(rules), Store.open(database_url), ManualClock(NOW)) for _ in range(3)
    ]
    message = Message("slack", "W", "C", "U", "you broke it, fix asap", ts=NOW.timestamp(), id="1")
    results: list[int] = []
    barrier = threading.Barrier(len(replicas))

    def deliver(coach: Coach) -> None:
        barrier.wait(timeout=30)
        results.append(len(coach.process(message, event_id="Ev42")))

    threads = [threading.Thread(target=deliver, args=(c,)) for c in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == [0, 0, 1]
    assert replicas[0].store.totals("W", DAY, DAY + timedelta(days=1)).messages == 1
    assert len(replicas[0].store.nudges("W")) == 1
    for coach in replicas:
        coach.close()


def test_prefs_and_settings_round_trip(store: Store) -> None:
    assert store.prefs("W", "U").paused is False
    until = NOW + timedelta(hours=2)
    store.update_prefs("W", "U", NOW, paused=True, snoozed_until=until, timezone="Europe/Berlin")
    prefs = store.prefs("W", "U")
    assert prefs.paused and prefs.snoozed_until == until and prefs.timezone == "Europe/Berlin"
    assert prefs.snoozed(NOW) and not prefs.snoozed(until)
    with pytest.raises(ValueError):
        store.update_prefs("W", "U", NOW, favourite_colour="blue")
    store.save_settings("W", {"daily_cap": 7, "packs": ["tone"]}, NOW)
    store.save_settings("W", {"daily_cap": 8}, NOW)
    settings = store.settings("W")
    assert settings.daily_cap == 8 and settings.packs == ("tone",)
    assert [s.workspace for s in store.all_settings()] == ["W"]


def test_nudge_log_delivery_feedback_and_demotion(store: Store) -> None:
    ids = store.add_nudges([NewNudge("slack", "W", "C", "U", "tone.x", "nudge", False, NOW)] * 2)
    assert len(set(ids)) == 2
    store.record_delivery(ids[0], True)
    store.record_delivery(ids[0], True)  # counted once
    store.record_delivery(ids[1], False, "dm_closed")
    assert store.totals("W", DAY, DAY + timedelta(days=1)).nudges_delivered == 1
    assert [n.id for n in store.nudges("W", user="U", counting_only=True)] == [ids[0]]
    assert store.nudge(ids[1]).error == "dm_closed"  # type: ignore[union-attr]
    store.set_feedback(ids[0], "not_helpful", NOW)
    assert store.feedback_tally("W", "tone.x") == {"not_helpful": 1}
    assert store.demote("W", "tone.x", 0, 1, NOW) is True
    assert store.demote("W", "tone.x", 0, 1, NOW) is False
    assert [d.rule for d in store.demotions("W", unreported_only=True)] == ["tone.x"]
    store.mark_demotions_reported("W", ["tone.x"], NOW)
    assert store.demotions("W", unreported_only=True) == []
    assert store.demoted_rules("W") == {"tone.x"}


def test_digest_runs_are_claimed_once_and_stale_claims_taken_over(store: Store) -> None:
    week = date(2024, 6, 10)
    first = store.claim_digest_run("W", "channel", "C", week, "replica-a", NOW)
    assert first is not None and first.claimed_by == "replica-a"
    assert store.claim_digest_run("W", "channel", "C", week, "replica-b", NOW) is None
    later = NOW + timedelta(minutes=30)
    taken = store.claim_digest_run("W", "channel", "C", week, "replica-b", later)
    assert taken is not None and taken.id == first.id and taken.claimed_by == "replica-b"
    store.mark_digest_posted(taken.id, "C:123.456", later)
    assert (
        store.claim_digest_run("W", "channel", "C", week, "replica-c", later + timedelta(days=1))
        is None
    )
    other = store.claim_digest_run("W", "personal", "U", week, "replica-a", NOW)
    assert other is not None
    store.release_digest_run(other.id)
    assert store.claim_digest_run("W", "personal", "U", week, "replica-b", NOW) is not None
    with pytest.raises(ValueError):
        store.claim_digest_run("W", "weekly", "C", week, "r", NOW)


def test_export_and_forget_cover_every_personal_table(store: Store) -> None:
    store.update_prefs("W", "U", NOW, paused=True)
    store.record_activity(
        Activity(
            counters=[CounterDelta("W", "C", "U", DAY, messages=1)],
            rule_hits=[("W", "C", "U", DAY, "tone.x", 1)],
            answer_delays=[("W", "C", "U", DAY, 5.0)],
        )
    )
    store.record_activity(Activity(counters=[CounterDelta("W", "C", "V", DAY, messages=1)]))
    store.add_nudges([NewNudge("slack", "W", "C", "U", "tone.x", "nudge", False, NOW)])
    store.claim_digest_run("W", "personal", "U", DAY, "r", NOW)
    data = store.export_user("W", "U")
    assert data["preferences"]["paused"] is True
    assert all(
        data[k]
        for k in ("daily_counters", "rule_hits", "answer_delays", "nudges", "personal_digests")
    )
    assert store.forget_user("W", "U") == 6
    data = store.export_user("W", "U")
    assert data["preferences"] is None
    assert not any(
        data[k]
        for k in ("daily_counters", "rule_hits", "answer_delays", "nudges", "personal_digests")
    )
    assert store.totals("W", DAY, DAY + timedelta(days=1)).messages == 1  # V untouched


def test_retention_purges_old_rows_only(store: Store) -> None:
    old = DAY - timedelta(weeks=27)
    for day in (old, DAY):
        store.record_activity(
            Activity(
                counters=[CounterDelta("W", "C", "U", day, messages=1)],
                rule_hits=[("W", "C", "U", day, "r", 1)],
                answer_delays=[("W", "C", "U", day, 1.0)],
            )
        )
        store.record_activity(Activity(counters=[CounterDelta("X", "C", "U", day, messages=1)]))
    store.add_nudges(
        [NewNudge("slack", "W", "C", "U", "r", "nudge", False, NOW - timedelta(weeks=27))]
    )
    store.claim_event("old-event", NOW - timedelta(days=8))
    store.claim_event("new-event", NOW)
    removed = store.purge(NOW, retention_weeks=26, per_workspace={"X": 52})
    assert removed["daily_counters"] == 1 and removed["nudge_log"] == 1
    assert removed["processed_events"] == 1
    assert store.totals("W", old, DAY + timedelta(days=1)).messages == 1
    assert store.totals("X", old, DAY + timedelta(days=1)).messages == 2  # kept a year
    assert store.claim_event("old-event", NOW) is True
    assert store.claim_event("new-event", NOW) is False


def test_forget_workspace_leaves_other_workspaces(store: Store) -> None:
    for workspace in ("W", "X"):
        store.save_settings(workspace, {"daily_cap": 2}, NOW)
        store.update_prefs(workspace, "U", NOW, paused=True)
        store.record_activity(
            Activity(counters=[CounterDelta(workspace, "C", "U", DAY, messages=1)])
        )
        store.add_nudges([NewNudge("slack", workspace, "C", "U", "r", "nudge", False, NOW)])
        store.claim_event(f"slack:{workspace}:C:m:C:1.000100", NOW)
    store.claim_event("discord:W_1:8:m:9", NOW)  # ("_" is no wildcard for W's claims)
    assert store.forget_workspace("W") == 5  # settings, prefs, counters, nudges, its claim
    assert store.workspaces() == ["X"]
    assert store.export_user("X", "U")["nudges"]
    assert store.event_seen("slack:X:C:m:C:1.000100") and store.event_seen("discord:W_1:8:m:9")
    assert not store.event_seen("slack:W:C:m:C:1.000100")


def test_record_message_claims_the_event_in_the_same_transaction(store: Store) -> None:
    activity = Activity(counters=[CounterDelta("W", "C", "U", DAY, messages=1)])
    nudge = NewNudge("slack", "W", "C", "U", "r", "nudge", False, NOW)
    first = store.record_message(activity, [nudge], event_key="slack:W:e:1", now=NOW)
    assert first is not None and len(first) == 1
    assert store.event_seen("slack:W:e:1")
    assert store.record_message(activity, [nudge], event_key="slack:W:e:1", now=NOW) is None
    assert store.totals("W", DAY, DAY + timedelta(days=1)).messages == 1
    assert len(store.nudges("W")) == 1
    assert store.record_message(activity, [], event_key=None, now=NOW) == []
    assert store.totals("W", DAY, DAY + timedelta(days=1)).messages == 2


def test_cache_serves_other_replicas_changes_after_its_ttl(database_url: str) -> None:
    ticks = [0.0]
    reader = Store.open(database_url, cache_seconds=5)
    reader._monotonic = lambda: ticks[0]  # a controllable clock for the cache
    writer = Store.open(database_url, cache_seconds=5)
    assert reader.settings("W").daily_cap == 3 and not reader.prefs("W", "U").paused
    writer.save_settings("W", {"daily_cap": 9}, NOW)
    writer.update_prefs("W", "U", NOW, paused=True)
    writer.demote("W", "r", 0, 5, NOW)
    assert reader.settings("W").daily_cap == 3  # still cached
    ticks[0] = 5.1
    assert reader.settings("W").daily_cap == 9
    assert reader.prefs("W", "U").paused
    assert reader.demoted_rules("W") == {"r"}
    # the writer's own changes apply at once
    writer.update_prefs("W", "U", NOW, paused=False)
    assert not writer.prefs("W", "U").paused
    reader.close()
    writer.close()


def test_default_database_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from bot.store.migrate import default_database_url

    monkeypatch.setenv("COACHBOT_DATABASE_URL", "postgresql+psycopg://u@db/x")
    assert default_database_url() == "postgresql+psycopg://u@db/x"
    monkeypatch.delenv("COACHBOT_DATABASE_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    url = default_database_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'coachbot' / 'coachbot.db'}"
    store = Store.open()  # creates and migrates the file there
    store.close()
    assert (tmp_path / "data" / "coachbot" / "coachbot.db").exists()


def test_upgrading_a_database_with_data_keeps_it(database_url: str) -> None:
    """A store at the first revision, holding counters, upgrades to the newest one intact."""
    engine = make_engine(database_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(DailyCounter.__table__.insert(), [
            {"workspace": "T1", "channel": "C1", "user": "U1", "day": DAY, "messages": 3,
             "words": 9, "questions": 1, "answers": 0, "thanks": 0, "praise_received": 0,
             "nudges_delivered": 0, "tone_negative": 0, "tone_neutral": 3, "tone_positive": 0},
        ])
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(select(DailyCounter.__table__.c.messages)).scalars().all() == [3]
        indexes = {index["name"] for index in inspect(conn).get_indexes("daily_counters")}
    engine.dispose()
    assert "ix_daily_counters_workspace_channel_day" in indexes


def test_a_retention_too_long_for_a_date_does_not_stop_the_purge(store: Store) -> None:
    # (Saved before settings were bounded: one workspace must not stop every other's purge.)
    old = DAY - timedelta(weeks=30)
    for workspace in ("W", "X"):
        store.record_activity(Activity(counters=[CounterDelta(workspace, "C", "U", old, messages=1)]))
    removed = store.purge(NOW, retention_weeks=26, per_workspace={"X": 200_000})
    assert removed["daily_counters"] == 1
    assert store.totals("X", old, DAY + timedelta(days=1)).messages == 1  # kept: as long as can be
