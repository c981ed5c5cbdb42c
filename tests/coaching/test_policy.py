"""The nudge budget: cooldown, daily cap, snooze, pause, opt-out, opt-in mode, bots, escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.coaching.coach import Coach
from bot.coaching.settings import WorkspaceSettings
from bot.core.models import Level


def test_first_nudge_is_short_and_repeat_escalates(coach: Coach, chat, clock) -> None:
    first = coach.process(chat.msg("U1", "that was your blame"))
    assert [n.rule for n in first] == ["tone.blame"]
    assert first[0].message == "Blame makes people defensive."
    assert first[0].why is None and first[0].link is None and not first[0].escalated
    assert first[0].excerpt == "blame"
    clock.advance(timedelta(hours=25))
    second = coach.process(chat.msg("U1", "blame again"))
    assert second[0].escalated
    assert "Describing the problem invites help." in (second[0].why or "")
    assert second[0].link == "https://example.org/blame"


def test_cooldown_per_person_and_rule(coach: Coach, chat, clock) -> None:
    assert coach.process(chat.msg("U1", "blame"))
    clock.advance(timedelta(hours=23, minutes=59))
    assert coach.process(chat.msg("U1", "blame")) == []
    # another rule and another person are not cooling down
    assert [n.rule for n in coach.process(chat.msg("U1", "asap"))] == ["clarity.asap"]
    assert coach.process(chat.msg("U2", "blame"))
    clock.advance(timedelta(minutes=2))
    assert coach.process(chat.msg("U1", "blame"))


def test_daily_cap_counts_a_rolling_24_hours(coach: Coach, chat, clock) -> None:
    coach.store.save_settings("T1", {"cooldown_hours": 0})
    delivered = 0
    for _ in range(5):
        delivered += len(coach.process(chat.msg("U1", "blame")))
        clock.advance(timedelta(minutes=10))
    assert delivered == 3
    clock.advance(timedelta(hours=24))
    assert coach.process(chat.msg("U1", "blame"))


def test_failed_delivery_does_not_use_the_budget(coach: Coach, chat, clock) -> None:
    nudge = coach.process(chat.msg("U1", "blame"))[0]
    coach.record_delivery(nudge.id, False, "rate_limited")
    assert coach.process(chat.msg("U1", "blame"))


def test_one_nudge_per_message_highest_level_first(coach: Coach, chat) -> None:
    coach.store.save_settings("T1", {"min_level": "tip"})
    nudges = coach.process(chat.msg("U1", "hey guys, blame and asap"))
    assert len(nudges) == 1 and nudges[0].level == "nudge"


def test_tips_are_not_nudges_by_default_but_min_level_tip_lets_them_through(
    coach: Coach, chat, clock
) -> None:
    assert coach.process(chat.msg("U1", "hey guys")) == []
    coach.store.save_settings("T1", {"min_level": "tip"})
    assert [n.level for n in coach.process(chat.msg("U1", "hey guys"))] == ["tip"]


def test_praise_is_never_a_nudge(coach: Coach, chat) -> None:
    coach.store.save_settings("T1", {"min_level": "tip"})
    assert coach.process(chat.msg("U1", "thanks <@U2>", mentions=("U2",))) == []


def test_snooze_pause_resume(coach: Coach, chat, clock, ctx) -> None:
    coach.command(ctx("U1"), "snooze 2h")
    assert coach.process(chat.msg("U1", "blame")) == []
    clock.advance(timedelta(hours=2, seconds=1))
    assert coach.process(chat.msg("U1", "blame"))
    coach.command(ctx("U1"), "pause")
    clock.advance(timedelta(days=3))
    assert coach.process(chat.msg("U1", "asap")) == []
    coach.command(ctx("U1"), "resume")
    assert coach.process(chat.msg("U1", "asap"))


def test_opt_out_stops_nudges_and_personal_counting(coach: Coach, chat, clock, ctx) -> None:
    coach.command(ctx("U1"), "optout")
    assert coach.process(chat.msg("U1", "blame")) == []
    day = clock().date()
    assert coach.store.totals("T1", day, day + timedelta(days=1), user="U1").messages == 0
    # the channel total still counts the message, anonymously
    assert coach.store.totals("T1", day, day + timedelta(days=1), channel="C1").messages == 1
    coach.command(ctx("U1"), "optin")
    assert coach.process(chat.msg("U1", "blame"))


def test_opt_in_mode_coaches_only_people_who_opted_in(coach: Coach, chat, ctx) -> None:
    coach.store.save_settings("T1", {"mode": "opt-in"})
    assert coach.process(chat.msg("U1", "blame")) == []
    coach.command(ctx("U1"), "optin")
    assert coach.process(chat.msg("U1", "blame"))


def test_bots_are_never_nudged_nor_analyzed(coach: Coach, chat, clock) -> None:
    assert coach.process(chat.msg("B1", "blame", is_bot=True)) == []
    day = clock().date()
    assert coach.store.totals("T1", day, day + timedelta(days=1)).messages == 0
    assert coach.engine.evaluated == []  # type: ignore[attr-defined]


def test_channel_include_and_exclude(coach: Coach, chat) -> None:
    coach.store.save_settings("T1", {"channels_exclude": ["C1"]})
    assert coach.process(chat.msg("U1", "blame")) == []
    coach.store.save_settings("T1", {"channels_exclude": [], "channels_include": ["C9"]})
    assert coach.process(chat.msg("U1", "blame")) == []
    assert coach.process(chat.msg("U1", "blame", channel="C9"))


def test_workspace_rule_off_and_level_override(coach: Coach, chat, clock) -> None:
    coach.store.save_settings("T1", {"disabled_rules": ["tone.blame"]})
    assert coach.process(chat.msg("U1", "blame")) == []
    coach.store.save_settings("T1", {"disabled_rules": [], "levels": {"tone.blame": "tip"}})
    assert coach.process(chat.msg("U1", "blame")) == []
    coach.store.save_settings("T1", {"levels": {"inclusion.guys": "nudge"}})
    assert [n.rule for n in coach.process(chat.msg("U1", "guys"))] == ["inclusion.guys"]
    coach.store.save_settings("T1", {"packs": ["clarity"]})
    assert coach.process(chat.msg("U2", "blame")) == []
    assert coach.process(chat.msg("U2", "asap"))


def test_same_event_twice_is_counted_and_nudged_once(coach: Coach, chat, clock) -> None:
    message = chat.msg("U1", "blame")
    assert coach.process(message, event_id="Ev1")
    assert coach.process(message, event_id="Ev1") == []
    # without an event id the message id is the key
    other = chat.msg("U2", "asap")
    assert coach.process(other)
    assert coach.process(other) == []
    day = clock().date()
    assert coach.store.totals("T1", day, day + timedelta(days=1)).messages == 2


def test_demotion_by_feedback(coach: Coach, chat, clock, ctx) -> None:
    coach.store.save_settings(
        "T1",
        {"cooldown_hours": 0, "daily_cap": 100, "demotion_min_votes": 4, "demotion_threshold": 0.5},
    )
    votes = ["not_helpful", "helpful", "not_helpful", "not_helpful"]
    for n, vote in enumerate(votes):
        user = f"U{n}"
        nudge = coach.process(chat.msg(user, "blame"))[0]
        response = coach.action(ctx(user), f"coach:feedback:{vote}", str(nudge.id))
        assert not response.error
    assert coach.store.demoted_rules("T1") == {"tone.blame"}
    assert coach.process(chat.msg("U9", "blame")) == []  # now a tip: below min level
    assert (
        coach.filter_findings("T1", coach.engine.analyze(chat.msg("U9", "blame")))[0].level
        == Level.TIP
    )
    demotion = coach.store.demotions("T1")[0]
    assert (demotion.helpful, demotion.not_helpful) == (1, 3)


def test_no_demotion_below_min_votes(coach: Coach, chat, ctx) -> None:
    nudge = coach.process(chat.msg("U1", "blame"))[0]
    coach.action(ctx("U1"), "coach:feedback:not_helpful", str(nudge.id))
    assert coach.store.demoted_rules("T1") == set()


def test_dm_closed_stops_nudges_until_the_person_uses_coach(coach: Coach, chat, ctx) -> None:
    nudge = coach.process(chat.msg("U1", "blame"))[0]
    coach.record_delivery(nudge.id, False, "dm_closed")
    assert coach.store.prefs("T1", "U1").dm_closed
    assert coach.process(chat.msg("U1", "asap")) == []
    coach.command(ctx("U1"), "help")
    assert coach.process(chat.msg("U1", "asap"))


def test_settings_defaults_are_documented_values() -> None:
    settings = WorkspaceSettings(workspace="T")
    assert (settings.cooldown_hours, settings.daily_cap, settings.min_level) == (
        24.0,
        3,
        Level.NUDGE,
    )


def test_retention_runs_daily_from_the_message_path(coach: Coach, chat, clock) -> None:
    coach.process(chat.msg("U1", "blame"))
    clock.advance(timedelta(weeks=27))
    coach.process(chat.msg("U2", "hello"))  # first message of a new day: purge runs first
    assert coach.store.nudges("T1") == []
    old_day = (clock() - timedelta(weeks=27)).date()
    assert coach.store.totals("T1", old_day, old_day + timedelta(days=1)).messages == 0
    assert (
        coach.store.totals("T1", clock().date(), clock().date() + timedelta(days=1)).messages == 1
    )


def test_a_failed_message_can_be_retried(coach: Coach, chat, clock) -> None:
    message = chat.msg("U1", "blame")
    real = coach.engine.evaluate

    def broken(_message):  # type: ignore[no-untyped-def]
        raise RuntimeError("engine down")

    coach.engine.evaluate = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        coach.process(message, event_id="Ev9")
    coach.engine.evaluate = real  # type: ignore[method-assign]
    assert coach.process(message, event_id="Ev9")  # nothing was written the first time
    assert coach.process(message, event_id="Ev9") == []


def test_duplicate_seen_only_by_the_database_is_dropped(coach: Coach, chat, clock) -> None:
    message = chat.msg("U1", "blame")
    assert coach.process(message, event_id="Ev7")
    coach._recent = type(coach._recent)(10)  # as if another process got the retry
    assert coach.process(message, event_id="Ev7") == []
    day = clock().date()
    assert coach.store.totals("T1", day, day + timedelta(days=1)).messages == 1


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("Blame hurts. Describe the problem.", "Blame hurts."),
        ('Pick a word, e.g. "folks". It includes everyone.', 'Pick a word, e.g. "folks".'),
        ('"ASAP" hides the deadline. A time helps.', '"ASAP" hides the deadline.'),
        ("One sentence only", "One sentence only"),
    ],
)
def test_the_first_tip_is_the_first_sentence(text: str, short: str) -> None:
    from bot.coaching.coach import first_sentence

    assert first_sentence(text) == short
