"""The store's bulk paths give what their one-at-a-time counterparts give (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store import Store
from bot.store.repository import NewNudge

NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)
DAY = NOW.date()


def _nudges(store: Store, workspace: str, count: int) -> list[int]:
    return store.add_nudges(
        [
            NewNudge("discord", workspace, "C", f"U{i % 2}", "tone.x", "nudge", False, NOW)
            for i in range(count)
        ]
    )


def test_record_deliveries_equals_record_delivery_one_by_one(store: Store) -> None:
    batch_ids = _nudges(store, "W1", 3)
    single_ids = _nudges(store, "W2", 3)

    def outcomes(ids: list[int]) -> list[tuple[int, bool, str | None]]:
        a, b, c = ids
        return [
            (a, True, None),
            (a, True, None),  # counted once
            (b, False, "dm_closed"),
            (c, False, "http_500"),
            (c, True, "ignored for a delivered nudge"),
            (987654321, True, None),  # unknown
        ]

    records = store.record_deliveries(outcomes(batch_ids))
    singles = [store.record_delivery(*outcome) for outcome in outcomes(single_ids)]

    assert records[-1] is None and singles[-1] is None
    assert [(r.delivered, r.error) for r in records if r] == [
        (s.delivered, s.error) for s in singles if s
    ]
    assert [(r.delivered, r.error) for r in records if r] == [
        (True, None),
        (True, None),
        (False, "dm_closed"),
        (False, "http_500"),
        (True, None),
    ]
    end = DAY + timedelta(days=1)
    for workspace, ids in (("W1", batch_ids), ("W2", single_ids)):
        assert store.totals(workspace, DAY, end).nudges_delivered == 2
        assert store.totals(workspace, DAY, end, user="U0").nudges_delivered == 2
        stored = [store.nudge(i) for i in ids]
        assert [(n.delivered, n.error) for n in stored if n] == [
            (True, None),
            (False, "dm_closed"),
            (True, None),
        ]
    assert store.record_deliveries([]) == []


def test_nudge_history_and_nudged_rules_match_per_person_reads(store: Store) -> None:
    rows = []
    for i in range(12):
        user = f"U{i % 3}"
        rule = ("tone.x", "tone.y", "clarity.z")[i % 4 % 3]
        rows.append(
            NewNudge("discord", "W", "C", user, rule, "nudge", False, NOW - timedelta(hours=3 * i))
        )
    ids = store.add_nudges(rows)
    store.record_delivery(ids[0], False, "dm_closed")  # does not count
    store.record_delivery(ids[4], True)
    store.add_nudges([NewNudge("discord", "OTHER", "C", "U0", "tone.q", "nudge", False, NOW)])
    users = ["U0", "U1", "U2", "U9"]
    since = NOW - timedelta(hours=20)

    history = store.nudge_history("W", users, since)
    rules = store.nudged_rules("W", users)

    for user in users:
        one = store.nudges("W", user=user, since=since, counting_only=True)
        assert history[user] == [(n.rule, n.created_at) for n in one]
        ever = {n.rule for n in store.nudges("W", user=user, counting_only=True)}
        assert {r for u, r in rules if u == user} == ever
    assert history["U9"] == [] and history["U0"] != []
    assert ("U0", "tone.q") not in rules


def test_prefs_many_is_cached_and_sees_this_stores_changes_at_once(database_url: str) -> None:
    ticks = [0.0]
    reader = Store.open(database_url, cache_seconds=5)
    reader._monotonic = lambda: ticks[0]  # a controllable clock for the cache
    writer = Store.open(database_url, cache_seconds=5)
    try:
        reader.update_prefs("W", "A", NOW, paused=True)
        first = reader.prefs_many("W", ["A", "B", "C"])
        assert first["A"].paused and not first["B"].paused and set(first) == {"A", "B", "C"}

        writer.update_prefs("W", "B", NOW, opted_out=True)  # another replica
        assert not reader.prefs_many("W", ["A", "B"])["B"].opted_out  # cached
        assert not reader.prefs("W", "B").opted_out  # the same cache as prefs()

        reader.update_prefs("W", "C", NOW, dm_closed=True)  # this store: seen at once
        assert reader.prefs_many("W", ["B", "C"])["C"].dm_closed

        ticks[0] = 6.0  # past the TTL
        assert reader.prefs_many("W", ["A", "B"])["B"].opted_out
    finally:
        reader.close()
        writer.close()


def test_a_value_loaded_before_an_invalidation_is_not_cached(store: Store) -> None:
    key = ("prefs", "W", "A")
    _, now, generation = store._cache_lookup([key])
    store._forget_cached(key)  # e.g. /coach changed A's preferences while A was being read
    store._store_cached({key: "stale"}, now, generation)
    assert store._cache_lookup([key])[0] == {}
    _, now, generation = store._cache_lookup([key])
    store._store_cached({key: "fresh"}, now, generation)
    assert store._cache_lookup([key])[0] == {key: "fresh"}


def test_log_nudges_returns_ids_in_order(store: Store) -> None:
    rows = [
        NewNudge("discord", "W", "C", f"U{i}", f"tone.r{i}", "nudge", i % 2 == 0, NOW)
        for i in range(5)
    ]
    with store.batch(NOW) as tx:
        ids = tx.log_nudges(rows)
        assert tx.log_nudges([]) == []
    assert len(set(ids)) == 5
    for nudge_id, row in zip(ids, rows, strict=True):
        stored = store.nudge(nudge_id)
        assert stored is not None and (stored.user, stored.rule) == (row.user, row.rule)
        assert stored.escalated == row.escalated
