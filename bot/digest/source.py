"""Reading digest inputs from the store into the plain dataclasses that compute.py works on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import case, func, select

from bot.coaching.models import Response
from bot.digest.compute import (
    ANONYMOUS,
    TONE_WEEKS,
    ChannelDigest,
    ChannelTotals,
    CounterRow,
    NudgeRow,
    PersonalDigest,
    RuleHitRow,
    compute_personal_digest,
    digest_from_totals,
)
from bot.store.schema import (
    AnswerDelay,
    DailyCounter,
    NudgeLog,
    RuleDemotion,
    RuleHit,
    UserPrefs,
)


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


def load_totals(
    store: Any, workspace: str, week_start: date, channels: Iterable[str] | None = None
) -> dict[str, ChannelTotals]:
    """Channel totals for a week, summed by the database (a handful of grouped queries).

    Per person only this week's and last week's message counts per channel are read; this
    week's days and older weeks come as channel totals, so big workspaces stay fast.
    """
    wanted = None if channels is None else list(channels)
    end = week_start + timedelta(days=7)
    last = week_start - timedelta(days=7)
    totals: dict[str, ChannelTotals] = {}

    def get(channel: str) -> ChannelTotals:
        found = totals.get(channel)
        if found is None:
            found = totals[channel] = ChannelTotals(channel)
        return found

    dc = DailyCounter.__table__
    this_week = dc.c.day >= week_start
    with store.engine.connect() as conn:
        people = select(
            dc.c.channel,
            dc.c.user,
            func.sum(case((this_week, dc.c.messages), else_=0)),
            func.sum(case((this_week, 0), else_=dc.c.messages)),
        ).where(dc.c.workspace == workspace, dc.c.day >= last, dc.c.day < end)
        if wanted is not None:
            people = people.where(dc.c.channel.in_(wanted))
        for channel, user, now_msgs, last_msgs in conn.execute(
            people.group_by(dc.c.channel, dc.c.user)
        ):
            t = get(channel)
            if now_msgs:
                if user == ANONYMOUS:
                    t.anonymous_this += int(now_msgs)
                else:
                    t.this_users[user] = int(now_msgs)
            if last_msgs:
                t.messages_last += int(last_msgs)
                t.voices_last += 1
        days = select(
            dc.c.channel, dc.c.day, func.sum(dc.c.messages),
            func.sum(case((dc.c.messages > 0, 1), else_=0)),
            func.sum(dc.c.tone_negative), func.sum(dc.c.tone_positive),
            func.sum(dc.c.questions), func.sum(dc.c.answers), func.sum(dc.c.thanks),
            func.sum(dc.c.praise_received),
        ).where(dc.c.workspace == workspace, dc.c.day >= week_start, dc.c.day < end)
        if wanted is not None:
            days = days.where(dc.c.channel.in_(wanted))
        for channel, day, messages, voices, neg, pos, qs, ans, thx, praise in conn.execute(
            days.group_by(dc.c.channel, dc.c.day)
        ):
            t = get(channel)
            t.days[day] = [int(messages or 0), int(voices or 0), int(neg or 0), int(pos or 0)]
            t.questions += int(qs or 0)
            t.answers += int(ans or 0)
            t.thanks += int(thx or 0)
            t.praise += int(praise or 0)
        # Older weeks only need tone per channel and week: one small grouping per week is much
        # cheaper than grouping every day of eight weeks at once.
        for index in range(1, TONE_WEEKS):
            start = week_start - timedelta(days=7 * index)
            tone = select(
                dc.c.channel, func.sum(dc.c.messages), func.sum(dc.c.tone_negative),
                func.sum(dc.c.tone_positive),
                func.count(func.distinct(case((dc.c.messages > 0, dc.c.user)))),
            ).where(
                dc.c.workspace == workspace,
                dc.c.day >= start,
                dc.c.day < start + timedelta(days=7),
            )
            if wanted is not None:
                tone = tone.where(dc.c.channel.in_(wanted))
            for channel, messages, neg, pos, voices in conn.execute(tone.group_by(dc.c.channel)):
                t = get(channel)
                t.weeks[index] = [int(messages or 0), int(neg or 0), int(pos or 0)]
                t.week_voices[index] = int(voices or 0)
        # People who started or stopped being coached since the week began (any change of
        # their preferences, to be safe): their messages may be both named and pooled.
        up = UserPrefs.__table__
        changed = {
            user for (user,) in conn.execute(
                select(up.c.user).where(
                    up.c.workspace == workspace, up.c.updated_at >= _utc(week_start)
                )
            )
        }
        if changed:
            for t in totals.values():
                if t.anonymous_this and not changed.isdisjoint(t.this_users):
                    t.anonymous_may_be_named = True
        rh = RuleHit.__table__
        hits = select(rh.c.channel, rh.c.rule, func.sum(rh.c.hits)).where(
            rh.c.workspace == workspace, rh.c.day >= week_start, rh.c.day < end
        )
        if wanted is not None:
            hits = hits.where(rh.c.channel.in_(wanted))
        for channel, rule, n in conn.execute(hits.group_by(rh.c.channel, rh.c.rule)):
            get(channel).rule_hits[rule] += int(n or 0)
        ad = AnswerDelay.__table__
        delays = select(ad.c.channel, ad.c.seconds).where(
            ad.c.workspace == workspace, ad.c.day >= week_start, ad.c.day < end
        )
        if wanted is not None:
            delays = delays.where(ad.c.channel.in_(wanted))
        for channel, seconds in conn.execute(delays):
            get(channel).delays.append(float(seconds))
        nl = NudgeLog.__table__
        nudges = select(nl.c.channel, nl.c.feedback, func.count()).where(
            nl.c.workspace == workspace,
            nl.c.created_at >= _utc(week_start),
            nl.c.created_at < _utc(end),
        )
        if wanted is not None:
            nudges = nudges.where(nl.c.channel.in_(wanted))
        for channel, feedback, n in conn.execute(nudges.group_by(nl.c.channel, nl.c.feedback)):
            t = get(channel)
            t.nudges += int(n)
            if feedback:
                t.ratings[feedback] += int(n)
    return totals


def demoted_rules(store: Any, workspace: str, week_start: date) -> list[str]:
    """Rules demoted by feedback that the digest should mention (new this week or untold)."""
    rd = RuleDemotion.__table__
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(rd.c.rule, rd.c.demoted_at, rd.c.reported_at).where(
                rd.c.workspace == workspace
            )
        ).all()
    return sorted(
        rule for rule, demoted_at, reported_at in rows
        if reported_at is None or _as_date(demoted_at) >= week_start
    )


def _as_date(value: datetime | date) -> date:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.date()
    return value


def channel_digest(store: Any, workspace: str, channel: str, week_start: date) -> ChannelDigest:
    """Compute one channel's digest for a week from the store."""
    totals = load_totals(store, workspace, week_start, [channel]).get(channel)
    return digest_from_totals(
        totals or ChannelTotals(channel), week_start, demoted_rules(store, workspace, week_start)
    )


def workspace_digests(store: Any, workspace: str, week_start: date) -> dict[str, ChannelDigest]:
    """Digests of every channel with activity in the week (a few queries for all of them)."""
    demoted = demoted_rules(store, workspace, week_start)
    return {
        channel: digest_from_totals(totals, week_start, demoted)
        for channel, totals in sorted(load_totals(store, workspace, week_start).items())
        if totals.this_users or totals.anonymous_this
    }


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
