"""The nudge budget: which findings become a private nudge, to whom, and when.

Defaults (an admin can change most with `/coach config set`):
- only `nudge`-level findings become nudges (`min_level tip` lets tips through too); `praise`
  findings are never nudges, they count as appreciation;
- per person and rule a cooldown of 24 h; at most 3 nudges per person in any 24 h; at most one
  nudge per message (the highest-level finding);
- nobody is nudged who is a bot, opted out, paused, snoozed, cannot receive DMs, or (in an
  opt-in workspace) has not opted in; excluded channels are not looked at at all;
- escalation: the first nudge for a rule is a short tip; later ones add why and the link;
- a rule with more than 60 % "not helpful" votes over at least 5 votes in a workspace is
  demoted there from nudge to tip (recorded so the digest can tell admins).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.coaching.settings import WorkspaceSettings
from bot.core.models import Finding, Level, Message
from bot.store.repository import Prefs, Store

MAX_NUDGES_PER_MESSAGE = 1
CAP_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Decision:
    """A finding chosen to become a nudge, and whether it is an escalated repeat."""

    finding: Finding
    escalated: bool


def skip_reason(
    message: Message, settings: WorkspaceSettings, prefs: Prefs, now: datetime
) -> str | None:
    """Why this person gets no nudge for this message right now (None: they may get one)."""
    if message.is_bot:
        return "bot"
    if not settings.channel_enabled(message.channel):
        return "channel_excluded"
    if prefs.opted_out:
        return "opted_out"
    if settings.opt_in and not prefs.opted_in:
        return "not_opted_in"
    if prefs.paused:
        return "paused"
    if prefs.snoozed(now):
        return "snoozed"
    if prefs.dm_closed:
        return "dm_closed"
    return None


def is_tracked(settings: WorkspaceSettings, prefs: Prefs) -> bool:
    """Whether a person's counters are kept under their id (else only anonymously)."""
    if prefs.opted_out:
        return False
    return not settings.opt_in or prefs.opted_in


def effective_findings(
    findings: Iterable[Finding],
    settings: WorkspaceSettings,
    demoted: set[str],
    packs: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Apply workspace settings to findings: drop rules switched off, apply level changes.

    Admins' level overrides come first; a rule demoted by feedback then goes from nudge to tip.
    `packs` maps rule id to pack (default: the part of the id before the first dot).
    """
    result: list[Finding] = []
    for finding in findings:
        pack = (packs or {}).get(finding.rule)
        if not settings.rule_enabled(finding.rule, pack):
            continue
        level = settings.level_for(finding.rule, finding.level)
        if finding.rule in demoted and level == Level.NUDGE:
            level = Level.TIP
        result.append(finding if level == finding.level else replace(finding, level=level))
    return result


class NudgeHistory(Protocol):
    """Where the budget reads a person's earlier (counting) nudges from."""

    def recent(self, workspace: str, user: str, since: datetime) -> list[tuple[str, datetime]]:
        """(rule, created_at) of the person's counting nudges created at or after `since`."""

    def has_any(self, workspace: str, user: str, rule: str) -> bool:
        """Whether the person ever had a counting nudge for `rule` (escalation)."""


class StoreHistory:
    """The nudge log as stored (what `Coach.process` decides on)."""

    def __init__(self, store: Store) -> None:
        """Read from `store`."""
        self.store = store

    def recent(self, workspace: str, user: str, since: datetime) -> list[tuple[str, datetime]]:
        """(rule, created_at) of counting nudges since `since`, oldest first."""
        rows = self.store.nudges(workspace, user=user, since=since, counting_only=True)
        return [(n.rule, n.created_at) for n in rows]

    def has_any(self, workspace: str, user: str, rule: str) -> bool:
        """Whether a counting nudge for `rule` was ever logged for this person."""
        return bool(self.store.nudges(workspace, user=user, rule=rule, counting_only=True))


class BatchHistory:
    """The nudge log read inside a batch's transaction, plus the batch's own pending nudges.

    Reads are cached for the batch (the rows cannot change under its write transaction except
    through the batch itself), and nudges decided for earlier messages of the batch count as
    if they were already logged (not yet delivered, so counting), exactly as `process` one by
    one would see them.
    """

    def __init__(self, reader: Any) -> None:
        """`reader` has `nudges(workspace, *, user, rule, since, counting_only)` like the Store."""
        self.reader = reader
        self._recent: dict[tuple[str, str, datetime], list[tuple[str, datetime]]] = {}
        self._any: dict[tuple[str, str, str], bool] = {}
        self._pending: dict[tuple[str, str], list[tuple[str, datetime]]] = {}
        # Prefetched: per (workspace, user), the counting nudges since a time, and ever-nudged rules.
        self._since: dict[tuple[str, str], tuple[datetime, list[tuple[str, datetime]]]] = {}
        self._rules: dict[tuple[str, str], set[str]] = {}

    def prefetch(self, workspace: str, users: Iterable[str], since: datetime) -> None:
        """Read these people's counting nudges since `since` and their nudged rules at once.

        Needs a reader with `nudge_history` and `nudged_rules` (else nothing is prefetched and
        every question is read on its own). Later `recent(workspace, user, s)` with `s >= since`
        and `has_any` for these people are answered from what was read here.
        """
        wanted = sorted({u for u in users if (workspace, u) not in self._since})
        if not wanted or not hasattr(self.reader, "nudge_history"):
            return
        history = self.reader.nudge_history(workspace, wanted, since)
        rules = self.reader.nudged_rules(workspace, wanted)
        for user in wanted:
            self._since[(workspace, user)] = (since, history.get(user, []))
            self._rules[(workspace, user)] = set()
        for user, rule in rules:
            if (workspace, user) in self._rules:
                self._rules[(workspace, user)].add(rule)

    def add(self, workspace: str, user: str, rule: str, created_at: datetime) -> None:
        """Note a nudge decided earlier in the batch."""
        self._pending.setdefault((workspace, user), []).append((rule, created_at))

    def recent(self, workspace: str, user: str, since: datetime) -> list[tuple[str, datetime]]:
        """Stored counting nudges since `since`, then the batch's pending ones since then."""
        key = (workspace, user, since)
        stored = self._recent.get(key)
        fetched = self._since.get((workspace, user))
        if stored is None and fetched is not None and since >= fetched[0]:
            stored = self._recent[key] = [(rule, at) for rule, at in fetched[1] if at >= since]
        if stored is None:
            rows = self.reader.nudges(workspace, user=user, since=since, counting_only=True)
            stored = self._recent[key] = [(n.rule, n.created_at) for n in rows]
        pending = self._pending.get((workspace, user), [])
        return stored + [(rule, at) for rule, at in pending if at >= since]

    def has_any(self, workspace: str, user: str, rule: str) -> bool:
        """A stored counting nudge for `rule`, or one pending in this batch."""
        if any(r == rule for r, _ in self._pending.get((workspace, user), [])):
            return True
        key = (workspace, user, rule)
        found = self._any.get(key)
        fetched = self._rules.get((workspace, user))
        if found is None and fetched is not None:
            found = self._any[key] = rule in fetched
        if found is None:
            rows = self.reader.nudges(workspace, user=user, rule=rule, counting_only=True)
            found = self._any[key] = bool(rows)
        return found


class NudgeBudget:
    """Decides which findings become nudges, using the store's nudge log and a clock."""

    def __init__(self, store: Store) -> None:
        """Use `store` for the nudge log, preferences and demotions."""
        self.store = store

    def select(
        self,
        message: Message,
        findings: Sequence[Finding],
        settings: WorkspaceSettings,
        prefs: Prefs,
        now: datetime,
        history: NudgeHistory | None = None,
    ) -> list[Decision]:
        """The findings (already filtered by `effective_findings`) to deliver as nudges now.

        `history` is where earlier nudges are read (default: the store as committed).
        """
        candidates = self.candidates(message, findings, settings, prefs, now)
        if not candidates:
            return []
        candidates.sort(key=lambda f: -f.level.rank)  # stable: engine order within a level
        history = history or StoreHistory(self.store)
        cooldown = timedelta(hours=settings.cooldown_hours)
        recent = history.recent(message.workspace, message.user, self.history_since(settings, now))
        budget = settings.daily_cap - sum(1 for _, at in recent if at > now - CAP_WINDOW)
        budget = min(budget, MAX_NUDGES_PER_MESSAGE)
        cooling = {rule for rule, at in recent if at > now - cooldown}
        decisions: list[Decision] = []
        for finding in candidates:
            if budget <= 0:
                break
            if finding.rule in cooling:
                continue
            earlier = history.has_any(message.workspace, message.user, finding.rule)
            decisions.append(Decision(finding, escalated=earlier))
            cooling.add(finding.rule)
            budget -= 1
        return decisions

    @staticmethod
    def candidates(
        message: Message,
        findings: Sequence[Finding],
        settings: WorkspaceSettings,
        prefs: Prefs,
        now: datetime,
    ) -> list[Finding]:
        """The findings that could become a nudge before the nudge log is read (often none).

        `select` reads the person's nudge history only when this is not empty.
        """
        if skip_reason(message, settings, prefs, now) is not None:
            return []
        return [
            f
            for f in findings
            if f.level != Level.PRAISE and f.level.rank >= settings.min_level.rank
        ]

    @staticmethod
    def history_since(settings: WorkspaceSettings, now: datetime) -> datetime:
        """From when `select` reads a person's earlier nudges (cooldown or the cap window)."""
        return now - max(timedelta(hours=settings.cooldown_hours), CAP_WINDOW)

    def after_feedback(self, workspace: str, rule: str, now: datetime) -> bool:
        """Demote a rule in a workspace if enough people found it unhelpful; True if it just was."""
        settings = self.store.settings(workspace)
        tally = self.store.feedback_tally(workspace, rule)
        helpful = tally.get("helpful", 0)
        not_helpful = tally.get("not_helpful", 0)
        votes = helpful + not_helpful
        if votes < settings.demotion_min_votes or votes == 0:
            return False
        if not_helpful / votes <= settings.demotion_threshold:
            return False
        return self.store.demote(workspace, rule, helpful, not_helpful, now)
