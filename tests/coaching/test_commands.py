"""Every `/coach` command, button action and the App Home, including refusals and bad input."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.coaching.coach import Coach
from bot.coaching.commands import parse_duration


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.as_text()


def test_help_lists_commands_and_admin_commands_only_for_admins(coach: Coach, ctx) -> None:
    plain = coach.command(ctx(), "help")
    assert "/coach snooze" in text_of(plain) and "config set" not in text_of(plain)
    assert not plain.public and not plain.error
    assert "config set" in text_of(coach.command(ctx(admin=True), ""))


@pytest.mark.parametrize(
    "text",
    [
        "dance",
        "stats year",
        "snooze",
        "snooze soon",
        "snooze 0m",
        "snooze 100d",
        "check",
        "digest sometimes",
        "config",
    ],
)
def test_bad_input_gets_a_private_usage_message(coach: Coach, ctx, text: str) -> None:
    response = coach.command(ctx(admin=True), text)
    assert response.error and not response.public
    assert "/coach" in text_of(response)


@pytest.mark.parametrize("text", ["config show", "config set daily_cap 5", "digest preview"])
def test_admin_commands_refuse_non_admins(coach: Coach, ctx, text: str) -> None:
    response = coach.command(ctx(admin=False), text)
    assert response.error and not response.public
    assert "admins" in response.title
    assert coach.store.setting_values("T1") == {}


def test_check_previews_a_draft_privately_without_storing_it(coach: Coach, ctx, clock) -> None:
    response = coach.command(ctx(), "check Hey guys, this is your blame")
    assert response.title == "2 tips for your draft"
    assert "“blame”" in text_of(response) and "Try folks." in text_of(response)
    assert coach.command(ctx(), "check all fine here").title == "Looks good to send"
    day = clock().date()
    assert coach.store.totals("T1", day, day + timedelta(days=1)).messages == 0
    assert coach.store.nudges("T1") == []


def test_check_respects_workspace_settings(coach: Coach, ctx) -> None:
    coach.store.save_settings("T1", {"disabled_rules": ["tone.blame"]})
    assert coach.command(ctx(), "check blame").title == "Looks good to send"


def test_stats_show_own_numbers_only(coach: Coach, ctx, chat, clock) -> None:
    coach.process(chat.msg("U1", "a great answer"))
    coach.process(chat.msg("U1", "thanks <@U2>", mentions=("U2",)))
    coach.process(chat.msg("U2", "blame"))
    coach.process(chat.msg("U2", "awful"))
    mine = dict(coach.command(ctx("U1"), "stats").sections[0].fields)
    assert mine["Messages"].startswith("2 ")
    assert mine["Questions you answered for others"] == "1"
    assert mine["Thank-yous you gave"] == "1"
    theirs = dict(coach.command(ctx("U2"), "stats week").sections[0].fields)
    assert theirs["Praise you received"] == "1"
    assert theirs["Tips you got"] == "1 (1 unrated)"
    assert theirs["Tone"].startswith("0% warm, 50% tense")
    clock.advance(timedelta(days=10))
    assert dict(coach.command(ctx("U2"), "stats").sections[0].fields)["Messages"] == (
        "0 (before: 2)"
    )
    assert dict(coach.command(ctx("U2"), "stats month").sections[0].fields)["Messages"] == (
        "2 (before: 0)"
    )


def test_snooze_parses_durations(coach: Coach, ctx, clock) -> None:
    response = coach.command(ctx(), "snooze 1h30m")
    assert response.title == "Snoozed for 1 hour 30 minutes"
    assert coach.store.prefs("T1", "U1").snoozed_until == clock() + timedelta(minutes=90)
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("1d") == timedelta(days=1)
    with pytest.raises(ValueError):
        parse_duration("1x")


def test_pause_resume_optout_optin_set_preferences(coach: Coach, ctx) -> None:
    coach.command(ctx(), "pause")
    assert coach.store.prefs("T1", "U1").paused
    coach.command(ctx(), "resume")
    assert not coach.store.prefs("T1", "U1").paused
    coach.command(ctx(), "optout")
    prefs = coach.store.prefs("T1", "U1")
    assert prefs.opted_out and not prefs.opted_in
    coach.command(ctx(), "optin")
    prefs = coach.store.prefs("T1", "U1")
    assert prefs.opted_in and not prefs.opted_out


def test_personal_digest_toggle(coach: Coach, ctx) -> None:
    coach.command(ctx(), "digest on")
    assert coach.store.personal_digest_users("T1") == ["U1"]
    coach.command(ctx(), "digest off")
    assert coach.store.personal_digest_users("T1") == []


def test_mydata_returns_own_rows_as_json_privately(coach: Coach, ctx, chat) -> None:
    coach.process(chat.msg("U1", "blame, I need this asap"))
    coach.process(chat.msg("U2", "something else entirely"))
    response = coach.command(ctx("U1"), "mydata")
    assert not response.public and response.data is not None
    data = json.loads(json.dumps(response.data))  # JSON-serialisable
    assert data["user"] == "U1"
    assert data["daily_counters"][0]["messages"] == 1
    assert {h["rule"] for h in data["rule_hits"]} == {"tone.blame", "clarity.asap"}
    assert [n["rule"] for n in data["nudges"]] == ["tone.blame"]
    assert "blame, I need" not in json.dumps(data)


def test_forget_asks_for_confirmation_then_deletes_only_that_person(
    coach: Coach, ctx, chat
) -> None:
    coach.process(chat.msg("U1", "blame"))
    coach.process(chat.msg("U2", "blame"))
    coach.command(ctx("U1"), "digest on")
    ask = coach.command(ctx("U1"), "forget")
    assert [b.action_id for b in ask.buttons] == ["coach:forget:confirm"]
    assert coach.store.export_user("T1", "U1")["nudges"]  # nothing deleted yet
    done = coach.action(ctx("U1"), "coach:forget:confirm", "")
    assert not done.error
    data = coach.store.export_user("T1", "U1")
    assert data["preferences"] is None
    assert not any(data[k] for k in ("daily_counters", "rule_hits", "nudges"))
    assert coach.store.export_user("T1", "U2")["nudges"]


def test_rules_lists_active_guidelines(coach: Coach, ctx, chat) -> None:
    response = coach.command(ctx(), "rules")
    assert response.title == "4 active guidelines"
    assert "`tone.blame` (nudge): Blame makes people defensive." in text_of(response)
    coach.store.save_settings("T1", {"disabled_rules": ["tone.blame"]})
    coach.store.demote("T1", "clarity.asap", 0, 5, coach.now())
    response = coach.command(ctx(), "rules")
    assert "tone.blame" not in text_of(response)
    assert "`clarity.asap` (tip (demoted by feedback))" in text_of(response)


def test_config_show_and_set(coach: Coach, ctx) -> None:
    admin = ctx(admin=True)
    shown = coach.command(admin, "config show")
    assert shown.data is not None and shown.data["settings"]["daily_cap"] == 3  # type: ignore[index]
    assert not coach.command(admin, "config set daily_cap 5").error
    assert not coach.command(admin, "config set digest.channel <#C42|general>").error
    assert not coach.command(admin, "config set digest.timezone Europe/Berlin").error
    assert not coach.command(admin, "config set digest.time 9:30").error
    assert not coach.command(admin, "config set level.tone.blame tip").error
    assert not coach.command(admin, "config set packs tone, clarity").error
    assert not coach.command(admin, "config set mode opt-in").error
    settings = coach.settings("T1")
    assert settings.daily_cap == 5 and settings.digest_channel == "C42"
    assert settings.digest_timezone == "Europe/Berlin" and settings.digest_time == "09:30"
    assert settings.levels == {"tone.blame": "tip"} and settings.packs == ("tone", "clarity")
    assert settings.opt_in
    assert "daily_cap`: 5" in text_of(coach.command(admin, "config show"))


@pytest.mark.parametrize(
    "args",
    [
        "daily_cap many",
        "digest.timezone Mars/Olympus",
        "digest.time 25:00",
        "mode maybe",
        "level.no.such.rule tip",
        "packs nosuchpack",
        "colour blue",
        "min_level praise",
        "demotion.threshold 2",
        "daily_cap",
    ],
)
def test_config_set_rejects_bad_values(coach: Coach, ctx, args: str) -> None:
    response = coach.command(ctx(admin=True), f"config set {args}")
    assert response.error
    assert coach.store.setting_values("T1") == {}


def test_config_set_demotion_undo(coach: Coach, ctx) -> None:
    coach.store.demote("T1", "tone.blame", 0, 9, coach.now())
    assert not coach.command(ctx(admin=True), "config set demotion.undo tone.blame").error
    assert coach.store.demoted_rules("T1") == set()


def test_digest_preview_for_admins(coach: Coach, ctx, chat) -> None:
    for user in ("U1", "U2", "U3"):
        coach.process(chat.msg(user, "hello there"))
    response = coach.command(ctx(admin=True), "digest preview")
    assert not response.public
    assert not response.error, response.as_text()
    assert "Preview" in response.title


def test_feedback_only_on_own_nudges(coach: Coach, ctx, chat) -> None:
    nudge = coach.process(chat.msg("U1", "blame"))[0]
    stranger = coach.action(ctx("U2"), "coach:feedback:helpful", str(nudge.id))
    assert stranger.error
    assert coach.store.nudge(nudge.id).feedback is None  # type: ignore[union-attr]
    own = coach.action(ctx("U1"), "coach:feedback:helpful", str(nudge.id))
    assert not own.error
    assert coach.store.nudge(nudge.id).feedback == "helpful"  # type: ignore[union-attr]


def test_feedback_snooze_snoozes_a_day(coach: Coach, ctx, chat, clock) -> None:
    nudge = coach.process(chat.msg("U1", "blame"))[0]
    coach.action(ctx("U1"), "coach:feedback:snooze", str(nudge.id))
    assert coach.store.prefs("T1", "U1").snoozed_until == clock() + timedelta(days=1)


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("coach:feedback:meh", "1"),
        ("coach:feedback:helpful", "x"),
        ("coach:settings:fly", ""),
        ("other:thing", ""),
        ("coach:forget:maybe", ""),
    ],
)
def test_unknown_actions_get_an_error_response(coach: Coach, ctx, action_id, value) -> None:
    assert coach.action(ctx(), action_id, value).error


def test_settings_buttons(coach: Coach, ctx, clock) -> None:
    coach.action(ctx(), "coach:settings:pause", "")
    assert coach.store.prefs("T1", "U1").paused
    coach.action(ctx(), "coach:settings:resume", "")
    coach.action(ctx(), "coach:settings:snooze", "")
    assert coach.store.prefs("T1", "U1").snoozed_until == clock() + timedelta(days=1)
    coach.action(ctx(), "coach:settings:optout", "")
    assert coach.store.prefs("T1", "U1").opted_out
    coach.action(ctx(), "coach:settings:optin", "")
    coach.action(ctx(), "coach:settings:digest_on", "")
    assert coach.store.prefs("T1", "U1").personal_digest
    coach.action(ctx(), "coach:settings:digest_off", "")
    assert not coach.store.prefs("T1", "U1").personal_digest


def test_home_shows_week_and_matching_buttons(coach: Coach, ctx, chat) -> None:
    coach.process(chat.msg("U1", "blame"))
    home = coach.home(ctx())
    assert dict(home.sections[0].fields)["Tips"] == "1"
    ids = [b.action_id for b in home.buttons]
    assert "coach:settings:pause" in ids and "coach:settings:optout" in ids
    coach.command(ctx(), "pause")
    ids = [b.action_id for b in coach.home(ctx()).buttons]
    assert "coach:settings:resume" in ids and "coach:settings:pause" not in ids


def test_a_failing_store_gives_an_error_response_not_an_exception(coach: Coach, ctx) -> None:
    coach.store.engine.dispose()
    coach.store.engine = __import__("sqlalchemy").create_engine("sqlite:////nonexistent/x.db")
    response = coach.command(ctx(), "stats")
    assert response.error and response.title == "Something went wrong"


def test_config_show_names_settings_as_config_set_takes_them(coach: Coach, ctx) -> None:
    admin = ctx(admin=True)
    shown = text_of(coach.command(admin, "config show"))
    assert "`digest.channel`: off" in shown and "`demotion.min_votes`: 5" in shown
    assert not coach.command(admin, "config set digest_channel C5").error  # alias
    assert "`digest.channel`: C5" in text_of(coach.command(admin, "config show"))


def test_commands_remember_the_platforms_timezone_for_the_person(coach: Coach) -> None:
    from bot.coaching.models import CommandContext

    coach.command(CommandContext("slack", "T1", "U1", timezone="Europe/Berlin"), "help")
    assert coach.store.prefs("T1", "U1").timezone == "Europe/Berlin"


def test_durations_too_long_for_a_date_are_a_usage_message(coach: Coach, ctx) -> None:
    for text in ("snooze 99999999999d", "snooze 100000000w"):
        response = coach.command(ctx(), text)
        assert response.error and "90 days" in text_of(response), text
    assert coach.store.prefs("T1", "U1").snoozed_until is None


@pytest.mark.parametrize(
    "setting",
    ["retention_weeks 200000", "retention_weeks 0", "daily_cap 1000000",
     "cooldown_hours 1e300", "cooldown_hours nan", "cooldown_hours -1",
     "demotion.min_votes 10000000"],
)
def test_numeric_settings_out_of_range_are_refused(coach: Coach, ctx, setting: str) -> None:
    # (A retention of 200,000 weeks overflowed the purge's date and stopped every workspace's.)
    response = coach.command(ctx(admin=True), f"config set {setting}")
    assert response.error, setting


def test_a_feedback_button_value_that_is_no_tip_id(coach: Coach, ctx) -> None:
    for value in ("9" * 40, "\u00b2", "-1", ""):
        response = coach.action(ctx(), "coach:feedback:helpful", value)
        assert response.error and "lost its tip" in text_of(response), value
