"""The `/coach` command router, button actions and App Home, as neutral private Responses."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from bot.coaching.models import (
    ACTION_PREFIX,
    Button,
    CommandContext,
    FeedbackAction,
    Response,
    Section,
)
from bot.coaching.safelog import error_fields
from bot.coaching.settings import CONFIG_KEYS, SHOWN_AS, SettingError, apply_setting
from bot.core.models import Level, Message
from bot.digest.stats import plural

if TYPE_CHECKING:
    from bot.coaching.coach import Coach

log = structlog.get_logger(__name__)

MAX_SNOOZE = timedelta(days=90)
DEFAULT_SNOOZE = "1d"
FORGET_CONFIRM = "coach:forget:confirm"

USAGE: dict[str, str] = {
    "help": "show this help",
    "check <draft>": "privately check a draft before you post it",
    "stats [week|month]": "your own numbers (only you see them)",
    "snooze <duration>": "no tips for a while, e.g. 30m, 2h, 1d",
    "pause": "no tips until you resume",
    "resume": "tips again",
    "optout": "stop coaching and stop keeping numbers about you",
    "optin": "start (or restart) coaching",
    "digest on|off": "your private weekly digest",
    "mydata": "everything stored about you, as JSON",
    "forget": "delete everything stored about you",
    "rules": "the active guidelines",
}
ADMIN_USAGE: dict[str, str] = {
    "digest preview": "preview this week's channel digest",
    "config show": "the workspace settings",
    "config set <key> <value>": "change a workspace setting",
}


# ---------------------------------------------------------------------------- helpers
def usage(problem: str, command: str | None = None) -> Response:
    """A private usage message for a bad command or argument."""
    lines = [problem]
    if command and command in {**USAGE, **ADMIN_USAGE}:
        lines.append(f"Usage: `/coach {command}` ({({**USAGE, **ADMIN_USAGE})[command]}).")
    else:
        lines.append("Type `/coach help` to see what I can do.")
    return Response(
        title="Sorry, I didn't get that", sections=[Section("\n".join(lines))], error=True
    )


def refusal() -> Response:
    """The private answer when someone who is not an admin asks for an admin command."""
    return Response(
        title="Only workspace admins can do that",
        sections=[
            Section(
                "This command changes or shows settings for the whole workspace, so it is "
                "limited to workspace admins and owners (on Discord: Manage Server). "
                "Your own settings are under `/coach help`."
            )
        ],
        error=True,
    )


def parse_duration(text: str) -> timedelta:
    """Parse `30m`, `2h`, `1d`, `1w` or combinations like `1h30m`; raise ValueError if invalid."""
    compact = text.strip().lower().replace(" ", "")
    units = {
        "m": 60,
        "min": 60,
        "mins": 60,
        "minute": 60,
        "minutes": 60,
        "h": 3600,
        "hr": 3600,
        "hrs": 3600,
        "hour": 3600,
        "hours": 3600,
        "d": 86400,
        "day": 86400,
        "days": 86400,
        "w": 604800,
        "week": 604800,
        "weeks": 604800,
    }
    parts = re.findall(r"(\d+)([a-z]+)", compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"`{text}` is not a duration; try 30m, 2h or 1d.")
    seconds = 0
    for number, unit in parts:
        if unit not in units:
            raise ValueError(f"`{unit}` is not a time unit; use m, h, d or w.")
        seconds += int(number) * units[unit]
    if seconds <= 0:
        raise ValueError("A snooze needs a duration longer than zero.")
    # (Compared in seconds first: "99999999999d" is too long even for a timedelta.)
    duration = timedelta(seconds=min(seconds, MAX_SNOOZE.total_seconds() + 1))
    if duration > MAX_SNOOZE:
        raise ValueError(
            "The longest snooze is 90 days; `/coach pause` stops tips until you resume."
        )
    return duration


def describe_duration(duration: timedelta) -> str:
    """A short human form: `2 hours`, `1 day`, `1 day 6 hours`, `30 minutes`."""
    seconds = int(duration.total_seconds())
    parts = []
    for name, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(plural(count, name))
    return " ".join(parts[:2]) or "a moment"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# ---------------------------------------------------------------------------- router
def handle_command(coach: Coach, ctx: CommandContext, text: str) -> Response:
    """Route `/coach <text>` to its handler; never raises for bad input."""
    text = (text or "").strip()
    head, _, rest = text.partition(" ")
    name = head.lower()
    rest = rest.strip()
    handler = _COMMANDS.get(name or "help")
    if handler is None:
        return usage(f"`{head}` is not a /coach command.")
    try:
        _clear_dm_closed(coach, ctx)
        return handler(coach, ctx, rest)
    except Exception as exc:  # a bug or an outage must not turn into an exception at the adapter
        log.error("coach.command_failed", command=name or "help", **error_fields(exc))
        return Response(
            title="Something went wrong",
            sections=[Section("I couldn't do that just now. Please try again in a minute.")],
            error=True,
        )


def _clear_dm_closed(coach: Coach, ctx: CommandContext) -> None:
    """Someone using /coach is reachable again (try DMs once more); note their timezone."""
    prefs = coach.store.prefs(ctx.workspace, ctx.user)
    changes: dict[str, Any] = {}
    if prefs.dm_closed:
        changes["dm_closed"] = False
    if ctx.timezone and ctx.timezone != prefs.timezone and len(ctx.timezone) <= 64:
        changes["timezone"] = ctx.timezone  # for the personal digest's local time
    if changes:
        coach.store.update_prefs(ctx.workspace, ctx.user, coach.now(), **changes)


def cmd_help(coach: Coach, ctx: CommandContext, rest: str) -> Response:
    """`/coach help`: the commands (admin commands only for admins)."""
    lines = [f"`/coach {cmd}`: {what}" for cmd, what in USAGE.items()]
    sections = [Section("\n".join(lines), heading="Your coaching")]
    if ctx.is_admin:
        admin = [f"`/coach {cmd}`: {what}" for cmd, what in ADMIN_USAGE.items()]
        sections.append(Section("\n".join(admin), heading="Workspace admins"))
    sections.append(
        Section(
            "Tips are private: only you see them, and nobody is told. I keep counters only, "
            "never what you wrote."
        )
    )
    return Response(title="Coachbot helps you talk better, privately", sections=sections)


def cmd_check(coach: Coach, ctx: CommandContext, rest: str) -> Response:
    """`/coach check <draft>`: a private preview of the tips a draft would get (nothing kept)."""
    if not rest:
        return usage("Give me the draft to check.", "check <draft>")
    draft = Message(
        platform=ctx.platform,
        workspace=ctx.workspace,
        channel=f"draft:{ctx.user}",  # its own conversation window: drafts never mix with chat
        user=ctx.user,
        text=rest,
    )
    findings = coach.filter_findings(ctx.workspace, coach.engine.analyze(draft))
    if not findings:
        return Response(
            title="Looks good to send",
            sections=[Section("No tips for this draft.")],
        )
    sections = []
    for finding in findings:
        quote = rest[finding.start : finding.end].strip()
        text = finding.message
        if finding.suggestion:
            text += f"\n{finding.suggestion}"
        if finding.link:
            text += f"\n{finding.link}"
        label = "Nice" if finding.level == Level.PRAISE else str(finding.level).capitalize()
        heading = f"{label}: “{quote}”" if quote else label
        sections.append(Section(text, heading=heading))
    tips = sum(1 for f in findings if f.level != Level.PRAISE)
    title = f"{plural(tips, 'tip')} for your draft" if tips else "Looks good to send"
    return Response(title=title, sections=sections)


def cmd_stats(coach: Coach, ctx: CommandContext, rest: str) -> Response:
    """`/coach stats [week|month]`: the person's own numbers for the last 7 or 30 days."""
    period = (rest or "week").lower()
    if period not in ("week", "month"):
        return usage(f"`{rest}` is not a period.", "stats [week|month]")
    days = 7 if period == "week" else 30
    now = coach.now()
    end = now.date() + timedelta(days=1)
    start = end - timedelta(days=days)
    before = start - timedelta(days=days)
    store = coach.store
    this = store.totals(ctx.workspace, start, end, user=ctx.user)
    last = store.totals(ctx.workspace, before, start, user=ctx.user)
    nudges = store.nudges(
        ctx.workspace, user=ctx.user, since=now - timedelta(days=days), counting_only=True
    )
    ratings = Counter(n.feedback or "unrated" for n in nudges)
    rated = ", ".join(
        f"{ratings[k]} {k.replace('_', ' ')}"
        for k in ("helpful", "not_helpful", "snooze", "unrated")
        if ratings[k]
    )
    fields = (
        ("Messages", f"{this.messages} (before: {last.messages})"),
        ("Questions you answered for others", str(this.answers)),
        (
            "Tone",
            _tone_trend(
                this.tone_positive,
                this.tone_negative,
                this.messages,
                last.tone_positive,
                last.tone_negative,
                last.messages,
            ),
        ),
        ("Thank-yous you gave", str(this.thanks)),
        ("Praise you received", str(this.praise_received)),
        ("Tips you got", f"{len(nudges)}" + (f" ({rated})" if rated else "")),
    )
    prefs = store.prefs(ctx.workspace, ctx.user)
    note = []
    if prefs.opted_out:
        note.append("You opted out, so I keep no numbers about you; `/coach optin` to start.")
    return Response(
        title=f"Your last {days} days",
        sections=[Section("\n".join(note), heading="Only you can see this", fields=fields)],
    )


def _tone_trend(pos: int, neg: int, total: int, pos_b: int, neg_b: int, total_b: int) -> str:
    if not total:
        return "no messages yet"

    def pct(part: int, whole: int) -> int:
        return round(100 * part / whole) if whole else 0

    text = f"{pct(pos, total)}% warm, {pct(neg, total)}% tense"
    if total_b:
        change = pct(pos, total) - pct(pos_b, total_b)
        if change > 0:
            text += f" (warmer than before, +{change} points)"
        elif change < 0:
            text += f" ({change} points warm compared to before)"
        else:
            text += " (about the same as before)"
    return text


def cmd_snooze(coach: Coach, ctx: CommandContext, rest: str) -> Response:
    """`/coach snooze <duration>`: no nudges until the duration has passed."""
    if not rest:
        return usage("How long should I be quiet?", "snooze <duration>")
    try:
        duration = parse_duration(rest)
    except ValueError as exc:
        return usage(str(exc), "snooze <duration>")
    until = coach.now() + duration
    coach.store.update_prefs(ctx.workspace, ctx.user, coach.now(), snoozed_until=until)
    return Response(
        title=f"Snoozed for {describe_duration(duration)}",
        sections=[Section(f"No tips until {_when(until)}. `/coach resume` ends it early.")],
    )


def cmd_pause(coach: Coach, ctx: CommandContext, rest: str) -> Response:
    """`/coach pause`: no nudges until resumed (numbers are still counted)."""
    coach.store.update_prefs(ctx.workspace, ctx.user, coach.now(), paused=True)
    return Response(
        title="Paused",
        sections=[Section("No tips until you type `/coach resume`.")],
        buttons=[Button("Resume", f"{ACTION_PREFIX}settings:resume")],
    )


def cmd_resume(coach: Coach, ctx: CommandContext, rest: str) -> Response:
    """`/coach resume`: end a pause or a snooze."""
    coach.store.update_prefs(ctx.workspace, ctx.user, coach.now(), paused=False, snoozed_until=None)
    text = "Tips are on again."
    prefs = coach.store.prefs(ctx.workspace, ctx.user)
    if prefs.opted_out:
        text += " You are still opted out; `/coach optin` to start coaching."
    elif coach.settings(ctx.workspace).opt_in and not prefs.opted_in:
        text += " This workspace is opt-in: `/coach optin` to start coaching."
    return Response(title="Resumed", sections=[Section(text)])


def cmd_optout(coach: Coach, ctx: CommandContext, rest: str) -> Response:
    """`/coach optout`: no coaching and no numbers kept under your name from now on."""
    coach.store.update_prefs(ctx.workspace, ctx.user, coach.now(), opted_out=True, opted_in=False)
    return Response(
        title="You opted out",
        sections=[
            Section(
                "No more tips, and from now on your messages only count anonymously towards "
                "channel totals. Numbers kept so far stay until they expire; "
                "`/coach forget` deletes them now. `/coach optin` brings coaching back."
            )
        ],
        buttons=[Button("Delete my data", "coach:forget:ask", style="danger")],
    )


def cmd_optin(coach: Coach, ctx: CommandContext, rest: str) -> Response:
    """`/coach optin`: start (or restart) coaching."""
    coach.store.update_prefs(ctx.workspace, ctx.user, coach.now(), opted_out=False, opted_in=True)
    return Response(
        title="Welcome to coaching",
        sections=[
            Section(
                "You'll get the occasional private tip (at most a few a day). Every tip has "
                "helpful / not helpful buttons; `/coach pause` or `/coach snooze 1d` any time."
            )
        ],
    )


def cmd_digest(coach: Coach, ctx: CommandContext, rest: str) -> Response:
    """`/coach digest on|off` (personal digest) or `digest preview` (admins)."""
    sub = rest.lower()
    if sub in ("on", "off"):
        coach.store.update_prefs(ctx.workspace, ctx.user, coach.now(), personal_digest=sub == "on")
        text = (
            "You'll get your own weekly digest privately."
            if sub == "on"
            else "No more personal digests."
        )
        return Response(title=f"Personal digest {sub}", sections=[Section(text)])
    if sub == "preview":
        if not ctx.is_admin:
            return refusal()
        return digest_preview(coach, ctx)
    return usage("Choose `on`, `off`, or (admins) `preview`.", "digest on|off")


def digest_preview(coach: Coach, ctx: CommandContext) -> Response:
    """A private preview of the channel digest (the last seven full days), for admins."""
    try:
        from bot.digest.source import preview_channel_digest
    except ImportError:
        return Response(
            title="Digest preview is not available yet",
            sections=[Section("This version of Coachbot has no digest module installed.")],
            error=True,
        )
    channel = ctx.channel or coach.settings(ctx.workspace).digest_channel
    if not channel:
        return usage("Run this in a channel, or set `digest.channel` first.", "digest preview")
    response = preview_channel_digest(coach.store, ctx.workspace, channel, coach.now())
    response.public = False
    response.title = "Preview (only you see this): " + response.title
    return response


def cmd_mydata(coach: Coach, ctx: CommandContext, rest: str) -> Response:
    """`/coach mydata`: everything stored about the person, as JSON in `Response.data`."""
    data = coach.store.export_user(ctx.workspace, ctx.user)
    summary = (
        f"{len(data['daily_counters'])} daily counter rows, {len(data['rule_hits'])} guideline "
        f"counts, {len(data['answer_delays'])} answer times, {len(data['nudges'])} tips. "
        "No message text: I never store what you write."
    )
    return Response(title="Your stored data", sections=[Section(summary)], data=data)


def cmd_forget(coach: Coach, ctx: CommandContext, rest: str) -> Response:
    """`/coach forget`: ask to confirm deleting everything about the person."""
    return Response(
        title="Delete everything I keep about you?",
        sections=[
            Section(
                "This deletes your preferences, counters, guideline counts and tip history in "
                "this workspace. It cannot be undone."
            )
        ],
        buttons=[Button("Delete my data", FORGET_CONFIRM, style="danger")],
    )


def forget_confirmed(coach: Coach, ctx: CommandContext) -> Response:
    """Delete all rows about the person (after they confirmed)."""
    removed = coach.store.forget_user(ctx.workspace, ctx.user)
    log.info("coach.forget", workspace=ctx.workspace, rows=removed)
    return Response(
        title="Your data is deleted",
        sections=[
            Section(
                f"Removed {plural(removed, 'record')}. Your preferences went "
                "too: type `/coach optout` if you don't want coaching from now on."
            )
        ],
    )


def cmd_rules(coach: Coach, ctx: CommandContext, rest: str) -> Response:
    """`/coach rules`: the active guidelines with one-line explanations, by pack."""
    from bot.coaching.coach import first_sentence

    settings = coach.settings(ctx.workspace)
    demoted = coach.store.demoted_rules(ctx.workspace)
    by_pack: dict[str, list[str]] = {}
    for rule in coach.engine.rules:
        pack = getattr(rule, "pack", "") or rule.id.split(".")[0]
        if not settings.rule_enabled(rule.id, pack):
            continue
        level = settings.level_for(rule.id, Level(rule.level))
        if rule.id in demoted and level == Level.NUDGE:
            level = Level.TIP
        note = " (demoted by feedback)" if rule.id in demoted else ""
        line = f"• `{rule.id}` ({level}{note}): {first_sentence(rule.message)}"
        by_pack.setdefault(pack, []).append(line)
    if not by_pack:
        return Response(title="No guidelines are active", sections=[Section("Nothing to show.")])
    sections = [Section("\n".join(lines), heading=pack) for pack, lines in sorted(by_pack.items())]
    count = sum(len(v) for v in by_pack.values())
    return Response(title=f"{count} active guidelines", sections=sections)


def cmd_config(coach: Coach, ctx: CommandContext, rest: str) -> Response:
    """`/coach config show` and `/coach config set <key> <value>` (admins only)."""
    if not ctx.is_admin:
        return refusal()
    sub, _, args = rest.partition(" ")
    sub = sub.lower()
    if sub == "show":
        return _config_show(coach, ctx)
    if sub == "set":
        key, _, value = args.strip().partition(" ")
        if not key or not value.strip():
            keys = "\n".join(f"`{k}`: {v}" for k, v in CONFIG_KEYS.items())
            response = usage("Give a key and a value.", "config set <key> <value>")
            response.sections.append(Section(keys, heading="Keys"))
            return response
        return _config_set(coach, ctx, key, value)
    return usage("Use `config show` or `config set <key> <value>`.", "config show")


def _config_show(coach: Coach, ctx: CommandContext) -> Response:
    settings = coach.settings(ctx.workspace)
    values = settings.to_values()
    lines = []
    for name, value in values.items():
        key = SHOWN_AS.get(name, name)
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value) or "none"
        elif isinstance(value, dict):
            shown = ", ".join(f"{k}={v}" for k, v in value.items()) or "none"
        else:
            shown = str(value)
        lines.append(f"`{key}`: {shown}")
    sections = [Section("\n".join(lines), heading="Settings")]
    demotions = coach.store.demotions(ctx.workspace)
    if demotions:
        sections.append(
            Section(
                "\n".join(
                    f"`{d.rule}`: {d.not_helpful} of {d.helpful + d.not_helpful} said not helpful"
                    for d in demotions
                ),
                heading="Demoted by feedback (now tips); undo with `config set demotion.undo <rule>`",
            )
        )
    return Response(title="Workspace settings", sections=sections, data={"settings": values})


def _config_set(coach: Coach, ctx: CommandContext, key: str, value: str) -> Response:
    if key.lower() == "demotion.undo":
        rule = value.strip()
        if coach.store.undo_demotion(ctx.workspace, rule):
            return Response(title="Demotion lifted", sections=[Section(f"`{rule}` is back.")])
        return usage(f"`{rule}` is not demoted.", "config set <key> <value>")
    try:
        entries, message = apply_setting(
            coach.settings(ctx.workspace),
            key,
            value,
            known_rules=coach.rule_specs(),
            known_packs=set(coach.rule_packs().values()),
        )
    except SettingError as exc:
        return usage(str(exc), "config set <key> <value>")
    coach.store.save_settings(ctx.workspace, entries, coach.now())
    log.info("coach.config_set", workspace=ctx.workspace, key=key)
    return Response(title="Setting saved", sections=[Section(message)])


_COMMANDS: dict[str, Callable[[Coach, CommandContext, str], Response]] = {
    "help": cmd_help,
    "check": cmd_check,
    "stats": cmd_stats,
    "snooze": cmd_snooze,
    "pause": cmd_pause,
    "resume": cmd_resume,
    "optout": cmd_optout,
    "opt-out": cmd_optout,
    "optin": cmd_optin,
    "opt-in": cmd_optin,
    "digest": cmd_digest,
    "mydata": cmd_mydata,
    "forget": cmd_forget,
    "rules": cmd_rules,
    "config": cmd_config,
}


# ---------------------------------------------------------------------------- actions
def handle_action(coach: Coach, ctx: CommandContext, action_id: str, value: str) -> Response:
    """Handle a button: feedback on a nudge, a settings toggle, or the forget confirmation."""
    try:
        _clear_dm_closed(coach, ctx)
        return _action(coach, ctx, action_id, value or "")
    except Exception as exc:
        log.error("coach.action_failed", **error_fields(exc))
        return Response(
            title="Something went wrong",
            sections=[Section("I couldn't do that just now. Please try again in a minute.")],
            error=True,
        )


def _action(coach: Coach, ctx: CommandContext, action_id: str, value: str) -> Response:
    parts = action_id.split(":")
    if len(parts) < 2 or f"{parts[0]}:" != ACTION_PREFIX:
        return usage("That button is not one of mine.")
    group = parts[1]
    name = parts[2] if len(parts) > 2 else ""
    if group == "feedback":
        return _feedback(coach, ctx, name, value)
    if group == "settings":
        settings_actions: dict[
            str, tuple[Callable[[Coach, CommandContext, str], Response], str]
        ] = {
            "pause": (cmd_pause, ""),
            "resume": (cmd_resume, ""),
            "snooze": (cmd_snooze, value or DEFAULT_SNOOZE),
            "optout": (cmd_optout, ""),
            "optin": (cmd_optin, ""),
            "digest_on": (cmd_digest, "on"),
            "digest_off": (cmd_digest, "off"),
        }
        if name not in settings_actions:
            return usage(f"Unknown setting button `{name}`.")
        handler, arg = settings_actions[name]
        return handler(coach, ctx, arg)
    if group == "forget":
        if name == "confirm":
            return forget_confirmed(coach, ctx)
        if name == "ask":
            return cmd_forget(coach, ctx, "")
    return usage("That button is not one of mine.")


def tip_id(value: str) -> int | None:
    """The tip (nudge) id a feedback button carries; None for anything that names no tip
    (tip ids are database integers: not a plain number, or too long for one)."""
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def _feedback(coach: Coach, ctx: CommandContext, name: str, value: str) -> Response:
    try:
        action = FeedbackAction(name)
    except ValueError:
        return usage(f"Unknown feedback `{name}`.")
    nudge_id = tip_id(value)
    if nudge_id is None:
        return usage("That feedback button has lost its tip.")
    nudge = coach.store.nudge(nudge_id)
    if nudge is None or nudge.workspace != ctx.workspace or nudge.user != ctx.user:
        return Response(
            title="That tip isn't yours",
            sections=[Section("You can only rate tips you received.")],
            error=True,
        )
    now = coach.now()
    coach.store.set_feedback(nudge_id, str(action), now)
    if action is FeedbackAction.SNOOZE:
        return cmd_snooze(coach, ctx, DEFAULT_SNOOZE)
    if coach.budget.after_feedback(ctx.workspace, nudge.rule, now):
        log.info("coach.rule_demoted", workspace=ctx.workspace, rule=nudge.rule)
    thanks = (
        "Glad it helped."
        if action is FeedbackAction.HELPFUL
        else "Thanks for telling me; tips that don't help get dialled down."
    )
    return Response(title="Thanks for the feedback", sections=[Section(thanks)])


# ---------------------------------------------------------------------------- home
def home_view(coach: Coach, ctx: CommandContext) -> Response:
    """App Home: your last 7 days, your settings as buttons, and the guidelines."""
    now = coach.now()
    store = coach.store
    end = now.date() + timedelta(days=1)
    start = end - timedelta(days=7)
    totals = store.totals(ctx.workspace, start, end, user=ctx.user)
    tips = store.nudges(
        ctx.workspace, user=ctx.user, since=now - timedelta(days=7), counting_only=True
    )
    prefs = store.prefs(ctx.workspace, ctx.user)
    settings = coach.settings(ctx.workspace)
    if prefs.opted_out:
        status = "You opted out: no tips, no numbers under your name."
    elif settings.opt_in and not prefs.opted_in:
        status = "This workspace is opt-in and you haven't opted in yet."
    elif prefs.paused:
        status = "Paused: no tips until you resume."
    elif prefs.snoozed(now) and prefs.snoozed_until is not None:
        status = f"Snoozed until {_when(prefs.snoozed_until)}."
    else:
        status = "Active: the occasional private tip."
    status += f"\nPersonal weekly digest: {'on' if prefs.personal_digest else 'off'}."
    buttons: list[Button] = []
    settings_prefix = f"{ACTION_PREFIX}settings:"
    if prefs.paused or prefs.snoozed(now):
        buttons.append(Button("Resume", settings_prefix + "resume", style="primary"))
    else:
        buttons.append(Button("Pause", settings_prefix + "pause"))
        buttons.append(Button("Snooze 1 day", settings_prefix + "snooze", DEFAULT_SNOOZE))
    if prefs.opted_out or (settings.opt_in and not prefs.opted_in):
        buttons.append(Button("Opt in", settings_prefix + "optin", style="primary"))
    else:
        buttons.append(Button("Opt out", settings_prefix + "optout"))
    buttons.append(
        Button("Personal digest off", settings_prefix + "digest_off")
        if prefs.personal_digest
        else Button("Personal digest on", settings_prefix + "digest_on")
    )
    packs = Counter(
        getattr(r, "pack", "") or r.id.split(".")[0]
        for r in coach.engine.rules
        if settings.rule_enabled(r.id, getattr(r, "pack", None))
    )
    guidelines = ", ".join(f"{p} ({n})" for p, n in sorted(packs.items())) or "none"
    return Response(
        title="Coachbot",
        sections=[
            Section(
                heading="Your last 7 days (only you see this)",
                fields=(
                    ("Messages", str(totals.messages)),
                    ("Questions you answered", str(totals.answers)),
                    ("Praise you received", str(totals.praise_received)),
                    ("Tips", str(len(tips))),
                ),
            ),
            Section(status, heading="Your settings"),
            Section(
                f"Active guideline packs: {guidelines}. `/coach rules` lists them all.",
                heading="Guidelines",
            ),
        ],
        buttons=buttons,
    )
