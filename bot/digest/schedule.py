"""Weekly digest scheduling that survives restarts and replicas (claim-by-insert, then post)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import structlog
from sqlalchemy import select

from bot.coaching.models import Response
from bot.coaching.settings import WEEKDAYS, WorkspaceSettings
from bot.digest.render import render_channel_digest, render_personal_digest
from bot.digest.source import channel_digest, personal_digest, zone
from bot.store.schema import NudgeLog

log = structlog.get_logger("coachbot.digest")

# (workspace, channel or user, digest) -> the platform's message id, or None when it has none.
# Raising means "not posted": the claim is released and the next run tries again.
PostFn = Callable[[str, str, Response], str | None]


@dataclass(frozen=True, slots=True)
class DueDigest:
    """One digest whose time has come: who gets it and which week it covers."""

    workspace: str
    kind: str  # "channel" | "personal"
    target: str
    week_start: date
    scheduled_at: datetime


def scheduled_time(now: datetime, weekday: str, at: str, timezone: str | None) -> datetime:
    """This local week's posting time (aware UTC) for a weekday/HH:MM in a timezone.

    Weeks start on Monday in the given timezone. A wall time that does not exist on a DST
    change day (the skipped hour) is taken with the offset before the change, as zoneinfo does;
    an ambiguous one (the repeated hour) means its first occurrence.
    """
    tz = zone(timezone)
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    try:
        index = WEEKDAYS.index(weekday[:3].lower())
    except ValueError:
        index = 0
    try:
        hour, minute = (int(part) for part in at.split(":", 1))
        wall = time(hour, minute)
    except ValueError:
        wall = time(9, 0)
    moment = datetime.combine(monday + timedelta(days=index), wall, tzinfo=tz)
    # Round trip through UTC: a wall time in a DST gap resolves to a real instant.
    return moment.astimezone(UTC)


def due_week(now: datetime, weekday: str, at: str, timezone: str | None) -> DueDigest | None:
    """The (kind-less) due digest of this local week, if its time has passed; else None.

    A run missed while the bot was down stays due until the local week ends, so it is
    posted late but within the same week; the next week has a new key.
    """
    when = scheduled_time(now, weekday, at, timezone)
    if now < when:
        return None
    local_day = when.astimezone(zone(timezone)).date()
    return DueDigest("", "", "", local_day - timedelta(days=7), when)


class DigestScheduler:
    """Finds due channel and personal digests, claims each once, posts, and records the post.

    Each replica may run one; the store's unique (workspace, kind, target, week_start) row
    decides which replica posts. Call `run_due` every minute or so.
    """

    def __init__(self, coach: Any, worker_id: str | None = None) -> None:
        """Use the coach's store and rules; `worker_id` names this replica in claims."""
        self.coach = coach
        self.store = coach.store
        self.worker_id = worker_id or (
            f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        )

    def due(self, now: datetime, platform: str | None = None) -> list[DueDigest]:
        """Every digest due at `now` that has not been posted yet (claims are not taken)."""
        now = _aware(now)
        others = self._other_platform_workspaces(platform) if platform else set()
        found: list[DueDigest] = []
        for settings in self.store.all_settings():
            if settings.workspace in others:
                continue
            runs = self.store.digest_runs(settings.workspace)
            posted = {(r.kind, r.target, r.week_start) for r in runs if r.posted_at is not None}
            found += [d for d in self._due_for(settings, now) if
                      (d.kind, d.target, d.week_start) not in posted]
        return found

    def _due_for(self, settings: WorkspaceSettings, now: datetime) -> list[DueDigest]:
        found: list[DueDigest] = []
        if settings.digest_channel:
            slot = due_week(now, settings.digest_weekday, settings.digest_time,
                            settings.digest_timezone)
            if slot is not None:
                found.append(DueDigest(settings.workspace, "channel", settings.digest_channel,
                                       slot.week_start, slot.scheduled_at))
        users = self.store.personal_digest_users(settings.workspace)
        if users:
            prefs = self.store.prefs_many(settings.workspace, users)
            for user in users:
                if prefs[user].dm_closed:
                    continue  # they cannot receive private messages (e.g. Discord DMs closed)
                tz = prefs[user].timezone or settings.digest_timezone
                slot = due_week(now, settings.digest_weekday, settings.digest_time, tz)
                if slot is not None:
                    found.append(DueDigest(settings.workspace, "personal", user,
                                           slot.week_start, slot.scheduled_at))
        return found

    def _other_platform_workspaces(self, platform: str) -> set[str]:
        """Workspaces known (from the nudge log) to belong to another platform."""
        table = NudgeLog.__table__
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(table.c.workspace, table.c.platform).distinct()).all()
        mine = {w for w, p in rows if p == platform}
        return {w for w, p in rows if p != platform and w not in mine}

    def run_due(
        self,
        now: datetime,
        platform: str,
        post_channel: PostFn,
        post_personal: PostFn,
    ) -> int:
        """Post every due digest this replica wins the claim for; returns how many it posted."""
        now = _aware(now)
        posted = 0
        suggestions = self._suggestions()
        for due in self.due(now, platform):
            run = self.store.claim_digest_run(
                due.workspace, due.kind, due.target, due.week_start, self.worker_id, now=now
            )
            if run is None:
                continue  # another replica has it, or it was posted already
            try:
                if due.kind == "channel":
                    response: Response | None = render_channel_digest(
                        channel_digest(self.store, due.workspace, due.target, due.week_start)
                    )
                    post = post_channel
                else:
                    digest = personal_digest(
                        self.store, due.workspace, due.target, due.week_start, suggestions
                    )
                    response = render_personal_digest(digest) if (
                        digest.messages or digest.tips
                    ) else None
                    post = post_personal
                ref = post(due.workspace, due.target, response) if response is not None else None
            except Exception as exc:  # the platform failed: let the next run retry
                self.store.release_digest_run(run.id)
                log.warning("digest.post_failed", workspace=due.workspace, kind=due.kind,
                            error=type(exc).__name__)
                continue
            self.store.mark_digest_posted(run.id, ref, now=now)
            if response is not None:
                posted += 1
                if due.kind == "channel":
                    self._mark_demotions(due.workspace, now)
            log.info("digest.posted", workspace=due.workspace, kind=due.kind,
                     week_start=due.week_start.isoformat(), skipped=response is None)
        return posted

    def _mark_demotions(self, workspace: str, now: datetime) -> None:
        demotions = self.store.demotions(workspace, unreported_only=True)
        self.store.mark_demotions_reported(workspace, [d.rule for d in demotions], now)

    def _suggestions(self) -> dict[str, str]:
        """Rule id -> the guideline's suggestion (for the personal digest's tip of the week)."""
        engine = getattr(self.coach, "engine", None)
        found: dict[str, str] = {}
        for rule in getattr(engine, "rules", ()) or ():
            text = getattr(rule, "suggestion", None)
            if text:
                found[str(rule.id)] = str(text)
        return found


def _aware(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
