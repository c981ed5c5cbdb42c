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
    ) -> list[Decision]:
        """The findings (already filtered by `effective_findings`) to deliver as nudges now."""
        if skip_reason(message, settings, prefs, now) is not None:
            return []
        candidates = [
            f
            for f in findings
            if f.level != Level.PRAISE and f.level.rank >= settings.min_level.rank
        ]
        if not candidates:
            return []
        candidates.sort(key=lambda f: -f.level.rank)  # stable: engine order within a level
        cooldown = timedelta(hours=settings.cooldown_hours)
        recent = self.store.nudges(
            message.workspace,
            user=message.user,
            since=now - max(cooldown, CAP_WINDOW),
            counting_only=True,
        )
        budget = settings.daily_cap - sum(1 for n in recent if n.created_at > now - CAP_WINDOW)
        budget = min(budget, MAX_NUDGES_PER_MESSAGE)
        cooling = {n.rule for n in recent if n.created_at > now - cooldown}
        decisions: list[Decision] = []
        for finding in candidates:
            if budget <= 0:
                break
            if finding.rule in cooling:
                continue
            earlier = self.store.nudges(
                message.workspace, user=message.user, rule=finding.rule, counting_only=True
            )
            decisions.append(Decision(finding, escalated=bool(earlier)))
            cooling.add(finding.rule)
            budget -= 1
        return decisions

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
