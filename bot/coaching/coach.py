"""The Coach facade: engine + store + nudge budget + `/coach` router behind one object.

Adapters call only this. All methods are synchronous; async adapters wrap them in
`asyncio.to_thread`. Message text passes through memory only: it is never stored or logged.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import structlog

from bot.coaching.clock import Clock, system_clock
from bot.coaching.models import CommandContext, Nudge, Response
from bot.coaching.policy import (
    BatchHistory,
    Decision,
    NudgeBudget,
    effective_findings,
    is_tracked,
)
from bot.coaching.safelog import error_fields
from bot.coaching.settings import WorkspaceSettings
from bot.core.models import Analysis, Finding, Message
from bot.store.repository import ANONYMOUS, Activity, CounterDelta, NewNudge, Prefs, Store

log = structlog.get_logger(__name__)

EXCERPT_CHARS = 80
RETENTION_ENV = "COACHBOT_RETENTION_WEEKS"
DEFAULT_RETENTION_WEEKS = 26
PURGE_EVERY = timedelta(days=1)
RECENT_EVENTS = 20_000
# A sentence ends at . ! or ? followed by a capitalised word or the end ("e.g. this" does not).
_SENTENCE_END = re.compile(
    r"(.+?(?<!e\.g)(?<!i\.e)(?<!etc)(?<!vs)[.!?][\"”’)]?)(?=\s+[A-Z\"“‘(]|\s*$)", re.S
)


class EngineLike(Protocol):
    """The part of `bot.core.engine.Engine` the coach uses."""

    @property
    def rules(self) -> Sequence[Any]:
        """Loaded rule specs."""

    def evaluate(self, message: Message) -> Analysis:
        """Findings plus counters for one message."""

    def evaluate_many(self, messages: Sequence[Message]) -> list[Analysis]:
        """`evaluate` of each message in turn."""

    def analyze(self, message: Message) -> list[Finding]:
        """Findings for one message."""


def first_sentence(text: str) -> str:
    """The first sentence of a rule message (the short form of a tip)."""
    match = _SENTENCE_END.match(text.strip())
    return match.group(1) if match else text.strip()


def new_nudge(message: Message, decision: Decision, now: datetime) -> NewNudge:
    """The nudge-log row for a decision taken on `message` at `now`."""
    return NewNudge(
        platform=message.platform,
        workspace=message.workspace,
        channel=message.channel,
        user=message.user,
        rule=decision.finding.rule,
        level=str(decision.finding.level),
        escalated=decision.escalated,
        created_at=now,
    )


def utc_day(ts: float | None, now: datetime) -> date:
    """The UTC calendar day of a message timestamp (or of `now` without one)."""
    if ts is None:
        return now.astimezone(UTC).date()
    return datetime.fromtimestamp(ts, UTC).date()


def event_key(message: Message, event_id: str | None) -> str | None:
    """The idempotency key of an event: the message's id, else the platform's event id.

    The message id comes first: the same message delivered again under a new event id (as
    Slack may) is still the same message, coached and counted once.
    """
    if message.id:
        key = f"{message.platform}:{message.workspace}:{message.channel}:m:{message.id}"
    elif event_id:
        key = f"{message.platform}:{message.workspace}:e:{event_id}"
    else:
        return None
    if len(key) > 255:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


class RecentKeys:
    """A bounded, thread-safe set of event keys this process has started on (LRU eviction).

    Catches platform retries before any work; the database claim in the same transaction as
    the counters is what makes delivery exactly-once across processes and replicas.
    """

    def __init__(self, capacity: int) -> None:
        """Remember at most `capacity` keys."""
        self.capacity = capacity
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: str) -> bool:
        """Add a key; False if it was already there."""
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                return False
            self._keys[key] = None
            if len(self._keys) > self.capacity:
                self._keys.popitem(last=False)
            return True

    def discard(self, key: str) -> None:
        """Forget a key."""
        with self._lock:
            self._keys.pop(key, None)


@dataclass(frozen=True, slots=True)
class _Work:
    """One message of a batch after analysis, waiting for its claim and the budget."""

    index: int
    message: Message
    settings: WorkspaceSettings
    key: str | None
    analysis: Analysis
    findings: list[Finding]
    credited: list[str]
    prefs: dict[str, Prefs]


class Coach:
    """One per process: turns messages into counters and nudges, and answers `/coach`."""

    def __init__(
        self,
        engine: EngineLike,
        store: Store,
        clock: Clock | None = None,
        *,
        retention_job: bool = True,
    ) -> None:
        """Tie an engine and a (migrated) store together; `clock` returns aware UTC datetimes.

        With `retention_job` (the default) expired data is purged once a day from `process`.
        """
        self.engine = engine
        self.store = store
        self.clock: Clock = clock or system_clock
        self.budget = NudgeBudget(store)
        self._last_purge: datetime | None = None
        self.retention_job = retention_job
        self._recent = RecentKeys(RECENT_EVENTS)
        self._specs: dict[str, Any] | None = None  # the engine's rules never change
        self._packs: dict[str, str] | None = None

    @classmethod
    def create(
        cls,
        database_url: str | None = None,
        rules_path: str | None = None,
        clock: Clock | None = None,
    ) -> Coach:
        """Load the rules, open (and migrate) the database, and build the coach.

        `database_url` None means `$COACHBOT_DATABASE_URL`, else SQLite in the user data dir.
        """
        from bot.core.engine import Engine

        engine = Engine.load(rules_path)
        store = Store.open(database_url)
        return cls(engine, store, clock)

    def close(self) -> None:
        """Release database connections."""
        self.store.close()

    # ------------------------------------------------------------------ helpers
    def now(self) -> datetime:
        """The policy clock's current time (aware UTC)."""
        now = self.clock()
        return now if now.tzinfo is not None else now.replace(tzinfo=UTC)

    def rule_specs(self) -> dict[str, Any]:
        """The engine's rules by id."""
        if self._specs is None:
            self._specs = {rule.id: rule for rule in self.engine.rules}
        return self._specs

    def rule_packs(self) -> dict[str, str]:
        """Rule id -> pack name."""
        if self._packs is None:
            self._packs = {
                rule.id: getattr(rule, "pack", "") or rule.id.split(".")[0]
                for rule in self.engine.rules
            }
        return self._packs

    def settings(self, workspace: str) -> WorkspaceSettings:
        """The effective settings of a workspace."""
        return self.store.settings(workspace)

    def filter_findings(self, workspace: str, findings: Sequence[Finding]) -> list[Finding]:
        """Findings after the workspace's settings and feedback demotions."""
        return effective_findings(
            findings,
            self.store.settings(workspace),
            self.store.demoted_rules(workspace),
            self.rule_packs(),
        )

    # ------------------------------------------------------------------ the pipeline
    def process(self, message: Message, event_id: str | None = None) -> list[Nudge]:
        """Analyze, count and apply the budget to one message; return the nudges to deliver now.

        Idempotent per `event_id` (or message id): a repeat returns []. Bot messages and
        excluded channels are ignored entirely. The event claim, counters and nudge log are
        written in one transaction, so a failure leaves nothing behind (a platform retry can
        succeed) and the error propagates to the adapter.
        """
        if message.is_bot:
            return []
        settings = self.store.settings(message.workspace)
        if not settings.channel_enabled(message.channel):
            return []
        now = self.now()
        self._purge_daily(now)
        key = event_key(message, event_id)
        if key is not None and not self._recent.add(key):
            log.debug("coach.duplicate_event", workspace=message.workspace)
            return []
        try:
            return self._process(message, settings, now, key)
        except Exception:
            if key is not None:
                self._recent.discard(key)  # nothing was written: a retry may try again
            raise

    def _process(
        self, message: Message, settings: WorkspaceSettings, now: datetime, key: str | None
    ) -> list[Nudge]:
        analysis = self.engine.evaluate(message)
        workspace = message.workspace
        demoted = self.store.demoted_rules(workspace)
        findings = effective_findings(analysis.findings, settings, demoted, self.rule_packs())
        credited = [u for u in dict.fromkeys(analysis.credited) if u and u != message.user]
        prefs = self.store.prefs_many(workspace, [message.user, *credited])
        author = prefs[message.user]
        activity = self._activity(message, analysis, findings, settings, prefs, credited, now)
        decisions = self.budget.select(message, findings, settings, author, now)
        ids = self.store.record_message(
            activity,
            [
                new_nudge(message, d, now)
                for d in decisions
            ],
            event_key=key,
            now=now,
        )
        if ids is None:  # another worker or replica handled this event meanwhile
            log.debug("coach.duplicate_event", workspace=workspace)
            return []
        specs = self.rule_specs()
        nudges = [
            self._nudge(nudge_id, message, d.finding, d.escalated, specs.get(d.finding.rule))
            for nudge_id, d in zip(ids, decisions, strict=True)
        ]
        for nudge in nudges:
            log.info("coach.nudge", workspace=workspace, rule=nudge.rule, escalated=nudge.escalated)
        return nudges

    def process_batch(self, items: Sequence[tuple[Message, str | None]]) -> list[list[Nudge]]:
        """`process` for several messages in order, with ONE write transaction; nudges per item.

        The result is what calling `process(message, event_id)` for each item in turn would
        return and store, at the clock time read once for the batch: every event id is claimed
        in one statement, counters and rule hits are summed per key and upserted once, and the
        nudge budget (cooldown, daily cap, one per message, escalation, preferences) sees the
        nudges decided for earlier messages of the batch. If anything fails, nothing is written
        (the claims are rolled back with the rest) and the error propagates, so a retry of the
        same items can succeed.
        """
        results: list[list[Nudge]] = [[] for _ in items]
        if not items:
            return results
        now = self.now()
        started: list[str] = []  # keys this call added to the in-memory duplicate filter
        try:
            return self._process_batch(items, now, results, started)
        except Exception:
            for key in started:
                self._recent.discard(key)  # nothing was written: a retry may try again
            raise

    def _process_batch(
        self,
        items: Sequence[tuple[Message, str | None]],
        now: datetime,
        results: list[list[Nudge]],
        started: list[str],
    ) -> list[list[Nudge]]:
        # Same work per message as `process`: skip bots and excluded channels, purge (once a
        # day), filter repeats in memory, then analyse, in the batch's order (the engine keeps
        # conversation windows, so every message `process` would analyse is analysed here too).
        analysed: list[tuple[int, Message, WorkspaceSettings, str | None, Analysis]] = []
        analysed_findings: list[tuple[list[Finding], list[str]]] = []
        packs = self.rule_packs()
        purged = False
        # Settings, demotions and preferences are read once per workspace of the batch, before
        # the write transaction opens (nothing in the batch changes them), as `process` reads
        # them before its own.
        settings_of: dict[str, WorkspaceSettings] = {}
        demoted_of: dict[str, set[str]] = {}
        people: dict[str, set[str]] = {}  # workspace -> authors and credited people
        chosen: list[tuple[int, Message, WorkspaceSettings, str | None]] = []
        for index, (message, event_id) in enumerate(items):
            if message.is_bot:
                continue
            settings = settings_of.get(message.workspace)
            if settings is None:
                settings = settings_of[message.workspace] = self.store.settings(message.workspace)
            if not settings.channel_enabled(message.channel):
                continue
            if not purged:
                self._purge_daily(now)
                purged = True
            key = event_key(message, event_id)
            if key is not None:
                if not self._recent.add(key):
                    log.debug("coach.duplicate_event", workspace=message.workspace)
                    continue
                started.append(key)
            chosen.append((index, message, settings, key))
        # The batch's messages go through the engine together (the same analyses as one by one).
        analyses = self.engine.evaluate_many([message for _, message, _, _ in chosen])
        for (index, message, settings, key), analysis in zip(chosen, analyses, strict=True):
            demoted = demoted_of.get(message.workspace)
            if demoted is None:
                demoted = demoted_of[message.workspace] = self.store.demoted_rules(
                    message.workspace
                )
            findings = effective_findings(analysis.findings, settings, demoted, packs)
            credited = [u for u in dict.fromkeys(analysis.credited) if u and u != message.user]
            people.setdefault(message.workspace, set()).update((message.user, *credited))
            analysed.append((index, message, settings, key, analysis))
            analysed_findings.append((findings, credited))
        if not analysed:
            return results
        prefs_of = {ws: self.store.prefs_many(ws, users) for ws, users in people.items()}
        work = [
            _Work(index, message, settings, key, analysis, findings, credited, prefs_of[ws])
            for (index, message, settings, key, analysis), (findings, credited) in zip(
                analysed, analysed_findings, strict=True
            )
            for ws in (message.workspace,)
        ]
        specs = self.rule_specs()
        with self.store.batch(now) as tx:
            claimed = tx.claim([w.key for w in work if w.key is not None])
            kept = []
            for w in work:
                if w.key is not None and w.key not in claimed:
                    # another worker or replica handled this event meanwhile
                    log.debug("coach.duplicate_event", workspace=w.message.workspace)
                    continue
                kept.append(w)
            # Counters first (they do not depend on the nudges): on SQLite the transaction
            # then holds the write lock before it reads the nudge log, never upgrading later.
            tx.write_activity(
                self._activity(
                    w.message, w.analysis, w.findings, w.settings, w.prefs, w.credited, now
                )
                for w in kept
            )
            history = BatchHistory(tx)
            # The nudge log is read only for people who may get a nudge, all at once.
            wanted: dict[tuple[str, datetime], set[str]] = {}
            for w in kept:
                author = w.prefs[w.message.user]
                if NudgeBudget.candidates(w.message, w.findings, w.settings, author, now):
                    since = NudgeBudget.history_since(w.settings, now)
                    wanted.setdefault((w.message.workspace, since), set()).add(w.message.user)
            for (workspace, since), users in wanted.items():
                history.prefetch(workspace, users, since)
            planned: list[tuple[int, Message, list[Decision]]] = []
            for w in kept:
                message = w.message
                decisions = self.budget.select(
                    message, w.findings, w.settings, w.prefs[message.user], now, history
                )
                for d in decisions:
                    history.add(message.workspace, message.user, d.finding.rule, now)
                planned.append((w.index, message, decisions))
            ids = iter(
                tx.log_nudges(
                    [
                        new_nudge(message, d, now)
                        for _, message, decisions in planned
                        for d in decisions
                    ]
                )
            )
            for index, message, decisions in planned:
                results[index] = [
                    self._nudge(
                        next(ids), message, d.finding, d.escalated, specs.get(d.finding.rule)
                    )
                    for d in decisions
                ]
        for nudges in results:
            for nudge in nudges:
                log.info(
                    "coach.nudge",
                    workspace=nudge.workspace,
                    rule=nudge.rule,
                    escalated=nudge.escalated,
                )
        return results

    @staticmethod
    def _activity(
        message: Message,
        analysis: Analysis,
        findings: Sequence[Finding],
        settings: WorkspaceSettings,
        prefs: dict[str, Prefs],
        credited: Sequence[str],
        now: datetime,
    ) -> Activity:
        """The counters one message adds (under an anonymous id for people not tracked)."""
        workspace = message.workspace
        who = message.user if is_tracked(settings, prefs[message.user]) else ANONYMOUS
        day = utc_day(message.ts, now)
        delta = CounterDelta(workspace, message.channel, who, day, messages=1)
        delta.words = analysis.words
        delta.questions = 1 if (analysis.is_question or analysis.questions) else 0
        answered = analysis.answers_user is not None and analysis.answers_user != message.user
        delta.answers = 1 if answered else 0
        delta.thanks = 1 if analysis.thanks else 0
        if analysis.tone < 0:
            delta.tone_negative = 1
        elif analysis.tone > 0:
            delta.tone_positive = 1
        else:
            delta.tone_neutral = 1
        activity = Activity(counters=[delta])
        for user in credited:
            target = user if is_tracked(settings, prefs[user]) else ANONYMOUS
            activity.counters.append(
                CounterDelta(workspace, message.channel, target, day, praise_received=1)
            )
        hits: dict[str, int] = {}
        for finding in findings:
            hits[finding.rule] = hits.get(finding.rule, 0) + 1
        activity.rule_hits = [
            (workspace, message.channel, who, day, rule, n) for rule, n in sorted(hits.items())
        ]
        if answered and analysis.answer_delay is not None and analysis.answer_delay >= 0:
            activity.answer_delays = [
                (workspace, message.channel, who, day, float(analysis.answer_delay))
            ]
        return activity

    @staticmethod
    def _nudge(
        nudge_id: int, message: Message, finding: Finding, escalated: bool, spec: Any
    ) -> Nudge:
        short = first_sentence(finding.message)
        why: str | None = None
        link: str | None = None
        if escalated:
            parts = [finding.message] if finding.message.strip() != short else []
            if finding.details:
                parts.append(finding.details)
            why = " ".join(parts) or finding.message
            link = finding.link or getattr(spec, "link", None)
        excerpt = message.text[finding.start : finding.end].strip() or None
        if excerpt and len(excerpt) > EXCERPT_CHARS:
            excerpt = excerpt[: EXCERPT_CHARS - 1] + "…"
        return Nudge(
            id=nudge_id,
            platform=message.platform,
            workspace=message.workspace,
            channel=message.channel,
            user=message.user,
            rule=finding.rule,
            level=str(finding.level),
            message=short,
            why=why,
            suggestion=finding.suggestion,
            link=link,
            thread=message.thread,
            excerpt=excerpt,
            escalated=escalated,
        )

    def record_delivery(self, nudge_id: int, delivered: bool, error: str | None = None) -> None:
        """Note whether a nudge reached its person; "dm_closed" stops DMs until they return."""
        self.record_deliveries([(nudge_id, delivered, error)])

    def record_deliveries(self, outcomes: Sequence[tuple[int, bool, str | None]]) -> None:
        """`record_delivery` for several (nudge id, delivered, error), in order.

        The nudge log and counters are updated in one transaction; a person's `dm_closed`
        mark is then set on a closed DM, and cleared when a nudge reached them after all.
        """
        records = self.store.record_deliveries(outcomes)
        marks: dict[tuple[str, str], bool] = {}  # (workspace, user) -> dm_closed after the batch
        for (nudge_id, delivered, error), record in zip(outcomes, records, strict=True):
            if record is None:
                log.warning("coach.unknown_nudge", nudge_id=nudge_id)
                continue
            if not delivered and error == "dm_closed":
                marks[(record.workspace, record.user)] = True
            elif delivered:
                marks[(record.workspace, record.user)] = False
        now: datetime | None = None
        for (workspace, user), closed in marks.items():
            if closed or self.store.prefs(workspace, user).dm_closed:
                now = now or self.now()
                self.store.update_prefs(workspace, user, now, dm_closed=closed)

    # ------------------------------------------------------------------ commands
    def command(self, ctx: CommandContext, text: str) -> Response:
        """Answer `/coach <text>` privately (never raises for bad input)."""
        from bot.coaching.commands import handle_command

        return handle_command(self, ctx, text)

    def action(self, ctx: CommandContext, action_id: str, value: str) -> Response:
        """Handle a button click (feedback, settings, forget confirmation)."""
        from bot.coaching.commands import handle_action

        return handle_action(self, ctx, action_id, value)

    def home(self, ctx: CommandContext) -> Response:
        """The App Home view: your week, your settings as buttons, the guidelines."""
        from bot.coaching.commands import home_view

        return home_view(self, ctx)

    # ------------------------------------------------------------------ retention
    def purge(self, now: datetime | None = None) -> dict[str, int]:
        """Delete data older than each workspace's retention (the scheduled retention job)."""
        return purge_expired(self.store, now or self.now())

    def _purge_daily(self, now: datetime) -> None:
        """Run the retention job at most once a day per process, from the message path."""
        if not self.retention_job:
            return
        if self._last_purge is not None and abs(now - self._last_purge) < PURGE_EVERY:
            return
        self._last_purge = now
        try:
            removed = self.purge(now)
        except Exception as exc:  # retention must never stop coaching; retried tomorrow
            log.warning("coach.purge_failed", **error_fields(exc))
            return
        if any(removed.values()):
            log.info("coach.purged", **removed)


def default_retention_weeks() -> int:
    """`$COACHBOT_RETENTION_WEEKS`, else 26."""
    raw = os.environ.get(RETENTION_ENV, "").strip()
    try:
        return max(1, int(raw)) if raw else DEFAULT_RETENTION_WEEKS
    except ValueError:
        log.warning("coach.bad_retention", value_length=len(raw))
        return DEFAULT_RETENTION_WEEKS


def purge_expired(
    store: Store, now: datetime | None = None, default_weeks: int | None = None
) -> dict[str, int]:
    """Purge rows past the retention: the default, or a workspace's `retention_weeks`."""
    weeks = default_weeks or default_retention_weeks()
    stored = {w: store.setting_values(w).get("retention_weeks") for w in store.workspaces()}
    overrides = {w: int(v) for w, v in stored.items() if isinstance(v, int | float) and v >= 1}
    return store.purge(now, retention_weeks=weeks, per_workspace=overrides)
