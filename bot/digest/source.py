"""Reading digest inputs from the store into the plain dataclasses that compute.py works on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select

from bot.coaching.models import Response
from bot.digest.compute import (
    ANONYMOUS,
    TONE_WEEKS,
    ChannelDigest,
    CounterRow,
    DelayRow,
    NudgeRow,
    PersonalDigest,
    RuleHitRow,
    compute_channel_digest,
    compute_personal_digest,
    compute_workspace_digests,
)
from bot.store.schema import AnswerDelay, DailyCounter, NudgeLog, RuleDemotion, RuleHit


@dataclass(slots=True)
class DigestInputs:
    """Everything a workspace's channel digests need for one week, as plain rows."""

    week_start: date
    rows: list[CounterRow] = field(default_factory=list)
    rule_hits: list[RuleHitRow] = field(default_factory=list)
    delays: list[DelayRow] = field(default_factory=list)
    nudges: list[NudgeRow] = field(default_factory=list)
    demoted_rules: list[str] = field(default_factory=list)


def zone(name: str | None) -> ZoneInfo:
    """A timezone by name, UTC when unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def covered_week(now: datetime, timezone: str | None) -> date:
    """First day of the seven full local days before `now` (what a digest posted now covers)."""
    local = now.astimezone(zone(timezone))
    return local.date() - timedelta(days=7)


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def load_inputs(
    store: Any, workspace: str, week_start: date, channels: Iterable[str] | None = None
) -> DigestInputs:
    """Load the counters of a week (per person), the tone of 8 weeks and the week's extras.

    Person rows are read for this week and the week before; earlier weeks only as channel
    totals per day (enough for the tone trend), so the work stays small for big workspaces.
    """
    wanted = None if channels is None else list(channels)
    end = week_start + timedelta(days=7)
    last = week_start - timedelta(days=7)
    first = week_start - timedelta(days=7 * (TONE_WEEKS - 1))
    dc = DailyCounter.__table__
    inputs = DigestInputs(week_start)
    with store.engine.connect() as conn:
        query = select(
            dc.c.channel, dc.c.user, dc.c.day, dc.c.messages, dc.c.questions, dc.c.answers,
            dc.c.thanks, dc.c.praise_received, dc.c.nudges_delivered, dc.c.tone_negative,
            dc.c.tone_positive, dc.c.words,
        ).where(dc.c.workspace == workspace, dc.c.day >= last, dc.c.day < end)
        if wanted is not None:
            query = query.where(dc.c.channel.in_(wanted))
        inputs.rows = [CounterRow(*row) for row in conn.execute(query)]
        # Older weeks: channel totals per day, enough for the tone trend.
        older = select(
            dc.c.channel, dc.c.day, func.sum(dc.c.messages), func.sum(dc.c.tone_negative),
            func.sum(dc.c.tone_positive),
        ).where(dc.c.workspace == workspace, dc.c.day >= first, dc.c.day < last)
        if wanted is not None:
            older = older.where(dc.c.channel.in_(wanted))
        for channel, day, messages, negative, positive in conn.execute(
            older.group_by(dc.c.channel, dc.c.day)
        ):
            inputs.rows.append(
                CounterRow(
                    channel, ANONYMOUS, day, messages=int(messages or 0),
                    tone_negative=int(negative or 0), tone_positive=int(positive or 0),
                )
            )
        rh = RuleHit.__table__
        hits = select(rh.c.channel, rh.c.rule, func.sum(rh.c.hits)).where(
            rh.c.workspace == workspace, rh.c.day >= week_start, rh.c.day < end
        )
        if wanted is not None:
            hits = hits.where(rh.c.channel.in_(wanted))
        inputs.rule_hits = [
            RuleHitRow(channel, ANONYMOUS, week_start, rule, int(n))
            for channel, rule, n in conn.execute(hits.group_by(rh.c.channel, rh.c.rule))
        ]
        ad = AnswerDelay.__table__
        delays = select(ad.c.channel, ad.c.day, ad.c.seconds).where(
            ad.c.workspace == workspace, ad.c.day >= week_start, ad.c.day < end
        )
        if wanted is not None:
            delays = delays.where(ad.c.channel.in_(wanted))
        inputs.delays = [
            DelayRow(channel, ANONYMOUS, day, float(seconds))
            for channel, day, seconds in conn.execute(delays)
        ]
        nl = NudgeLog.__table__
        nudges = select(nl.c.channel, nl.c.user, nl.c.created_at, nl.c.rule, nl.c.level,
                        nl.c.feedback).where(
            nl.c.workspace == workspace,
            nl.c.created_at >= _utc(week_start),
            nl.c.created_at < _utc(end),
        )
        if wanted is not None:
            nudges = nudges.where(nl.c.channel.in_(wanted))
        inputs.nudges = [
            NudgeRow(channel, user, _as_date(created), rule, level, feedback)
            for channel, user, created, rule, level, feedback in conn.execute(nudges)
        ]
        rd = RuleDemotion.__table__
        inputs.demoted_rules = sorted(
            rule
            for rule, demoted_at, reported_at in conn.execute(
                select(rd.c.rule, rd.c.demoted_at, rd.c.reported_at).where(
                    rd.c.workspace == workspace
                )
            )
            if reported_at is None or _as_date(demoted_at) >= week_start
        )
    return inputs


def _as_date(value: datetime | date) -> date:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.date()
    return value


def channel_digest(store: Any, workspace: str, channel: str, week_start: date) -> ChannelDigest:
    """Compute one channel's digest for a week from the store."""
    inputs = load_inputs(store, workspace, week_start, [channel])
    return compute_channel_digest(
        channel, week_start, inputs.rows, inputs.rule_hits, inputs.delays, inputs.nudges,
        inputs.demoted_rules,
    )


def workspace_digests(store: Any, workspace: str, week_start: date) -> dict[str, ChannelDigest]:
    """Digests of every channel with activity in the week (a few queries for all of them)."""
    inputs = load_inputs(store, workspace, week_start)
    active = sorted({r.channel for r in inputs.rows if r.day >= week_start and r.messages})
    return compute_workspace_digests(
        week_start, inputs.rows, inputs.rule_hits, inputs.delays, inputs.nudges,
        inputs.demoted_rules, channels=active,
    )


def personal_digest(
    store: Any,
    workspace: str,
    user: str,
    week_start: date,
    suggestions: dict[str, str] | None = None,
) -> PersonalDigest:
    """Compute one person's private digest from their own counters and nudges."""
    end = week_start + timedelta(days=7)
    rows = [
        CounterRow(
            r.channel, r.user, r.day, r.messages, r.questions, r.answers, r.thanks,
            r.praise_received, r.nudges_delivered, r.tone_negative, r.tone_positive, r.words,
        )
        for r in store.counters(workspace, week_start - timedelta(days=7), end, user=user)
    ]
    nudges = [
        NudgeRow(n.channel, n.user, _as_date(n.created_at), n.rule, n.level, n.feedback)
        for n in store.nudges(workspace, user=user, since=_utc(week_start), until=_utc(end))
    ]
    hits = [
        RuleHitRow("", user, week_start, rule, n)
        for rule, n in store.rule_hits(workspace, week_start, end, user=user).items()
    ]
    return compute_personal_digest(user, week_start, rows, nudges, hits, suggestions)


def preview_channel_digest(
    store: Any, workspace: str, channel: str, now: datetime, chart: bool = True
) -> Response:
    """The digest a channel would get now (the last seven full local days), for `/coach digest
    preview`: the caller shows it privately to the admin who asked."""
    from bot.digest.render import render_channel_digest

    settings = store.settings(workspace)
    week_start = covered_week(now, settings.digest_timezone)
    response = render_channel_digest(
        channel_digest(store, workspace, channel, week_start), chart=chart
    )
    response.public = False
    return response
