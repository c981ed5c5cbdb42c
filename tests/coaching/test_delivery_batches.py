"""Delivery outcomes recorded in batches, and the batch's prefetched nudge history."""

from __future__ import annotations

from datetime import timedelta

from bot.coaching.coach import Coach
from bot.coaching.policy import BatchHistory
from bot.store.repository import NewNudge


def test_record_deliveries_keeps_the_last_word_on_closed_dms(coach: Coach, chat) -> None:
    a = coach.process(chat.msg("U1", "blame"))[0]
    b = coach.process(chat.msg("U2", "blame"))[0]
    c = coach.process(chat.msg("U3", "blame"))[0]
    coach.store.update_prefs("T1", "U3", coach.now(), dm_closed=True)

    coach.record_deliveries(
        [
            (a.id, False, "dm_closed"),
            (b.id, True, None),
            (b.id, False, "dm_closed"),  # U2 closed their DMs after all
            (c.id, True, None),  # U3 opened theirs again
            (424242, True, None),  # unknown: ignored
        ]
    )

    assert coach.store.prefs("T1", "U1").dm_closed
    assert coach.store.prefs("T1", "U2").dm_closed
    assert not coach.store.prefs("T1", "U3").dm_closed
    assert coach.store.nudge(c.id).delivered  # type: ignore[union-attr]
    coach.record_deliveries([])


def test_record_delivery_is_a_batch_of_one(coach: Coach, chat) -> None:
    nudge = coach.process(chat.msg("U1", "blame"))[0]
    coach.record_delivery(nudge.id, False, "dm_closed")
    assert coach.store.prefs("T1", "U1").dm_closed
    coach.record_delivery(nudge.id, True)
    assert not coach.store.prefs("T1", "U1").dm_closed


def test_prefetched_history_answers_like_reading_each_question(coach: Coach) -> None:
    store = coach.store
    now = coach.now()
    ids = store.add_nudges(
        [
            NewNudge(
                "slack", "T1", "C1", "U1", "tone.blame", "nudge", False, now - timedelta(hours=h)
            )
            for h in (1, 5, 30, 100)
        ]
        + [NewNudge("slack", "T1", "C1", "U2", "clarity.asap", "nudge", False, now)]
    )
    store.record_delivery(ids[1], False, "http_500")  # a failed nudge does not count
    since = now - timedelta(hours=24)
    with store.batch(now) as tx:
        plain = BatchHistory(tx)
        fetched = BatchHistory(tx)
        fetched.prefetch("T1", ["U1", "U2", "U3"], since)
        for history in (plain, fetched):
            history.add("T1", "U3", "tone.blame", now)
        questions = [
            ("recent", "U1", since),
            ("recent", "U1", now - timedelta(hours=2)),
            ("recent", "U1", now - timedelta(hours=48)),  # before the prefetch: read again
            ("recent", "U2", since),
            ("recent", "U3", since),
            ("any", "U1", "tone.blame"),
            ("any", "U1", "clarity.asap"),
            ("any", "U2", "clarity.asap"),
            ("any", "U3", "tone.blame"),
            ("any", "U4", "tone.blame"),  # not prefetched
        ]
        for kind, user, arg in questions:
            if kind == "recent":
                assert fetched.recent("T1", user, arg) == plain.recent("T1", user, arg)  # type: ignore[arg-type]
            else:
                assert fetched.has_any("T1", user, arg) == plain.has_any("T1", user, arg)  # type: ignore[arg-type]
        assert [r for r, _ in fetched.recent("T1", "U1", since)] == ["tone.blame"]
        assert len(fetched.recent("T1", "U1", now - timedelta(hours=48))) == 2
