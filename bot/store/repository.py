"""The Store: every read and write of Coachbot's database (counters and settings, never text)."""

from __future__ import annotations

import contextlib
import json
import operator
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Engine,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.coaching.settings import WorkspaceSettings, encode
from bot.store import migrate
from bot.store.schema import (
    AnswerDelay,
    DailyCounter,
    DigestRun,
    NudgeLog,
    ProcessedEvent,
    RuleDemotion,
    RuleHit,
    UserPrefs,
    WorkspaceSetting,
)

COUNTER_FIELDS = (
    "messages",
    "words",
    "questions",
    "answers",
    "thanks",
    "praise_received",
    "nudges_delivered",
    "tone_negative",
    "tone_neutral",
    "tone_positive",
)
_ZERO_COUNTERS = dict.fromkeys(COUNTER_FIELDS, 0)
# A CounterDelta's amounts in COUNTER_FIELDS order, read in one call.
_counter_amounts = operator.attrgetter(*COUNTER_FIELDS)

# The user id under which activity of people who are not coached (opted out, or not opted in
# in an opt-in workspace) is counted: channel totals stay right, nothing points at a person.
ANONYMOUS = ""
# The earliest moment a purge cut-off may be (a week after the first date a datetime holds).
_EARLIEST = datetime(1, 1, 8, tzinfo=UTC)


@dataclass(slots=True)
class CounterDelta:
    """Increments for one (workspace, channel, user, day) counter row."""

    workspace: str
    channel: str
    user: str
    day: date
    messages: int = 0
    words: int = 0
    questions: int = 0
    answers: int = 0
    thanks: int = 0
    praise_received: int = 0
    nudges_delivered: int = 0
    tone_negative: int = 0
    tone_neutral: int = 0
    tone_positive: int = 0


@dataclass(frozen=True, slots=True)
class Totals:
    """Summed counters over a period (and optionally a channel or a person)."""

    messages: int = 0
    words: int = 0
    questions: int = 0
    answers: int = 0
    thanks: int = 0
    praise_received: int = 0
    nudges_delivered: int = 0
    tone_negative: int = 0
    tone_neutral: int = 0
    tone_positive: int = 0

    def as_dict(self) -> dict[str, int]:
        """Plain dict of the counters."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class CounterRow:
    """One stored daily counter row."""

    workspace: str
    channel: str
    user: str
    day: date
    messages: int
    words: int
    questions: int
    answers: int
    thanks: int
    praise_received: int
    nudges_delivered: int
    tone_negative: int
    tone_neutral: int
    tone_positive: int


@dataclass(frozen=True, slots=True)
class Prefs:
    """One person's preferences (defaults when nothing is stored)."""

    workspace: str
    user: str
    paused: bool = False
    snoozed_until: datetime | None = None
    opted_out: bool = False
    opted_in: bool = False
    personal_digest: bool = False
    timezone: str | None = None
    dm_closed: bool = False

    def snoozed(self, now: datetime) -> bool:
        """Whether a snooze is still running at `now`."""
        return self.snoozed_until is not None and self.snoozed_until > now


PREF_FIELDS = (
    "paused",
    "snoozed_until",
    "opted_out",
    "opted_in",
    "personal_digest",
    "timezone",
    "dm_closed",
)


@dataclass(frozen=True, slots=True)
class NudgeRecord:
    """One row of the nudge log."""

    id: int
    platform: str
    workspace: str
    channel: str
    user: str
    rule: str
    level: str
    escalated: bool
    created_at: datetime
    delivered: bool | None
    error: str | None
    feedback: str | None
    feedback_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewNudge:
    """A nudge-log row to insert."""

    platform: str
    workspace: str
    channel: str
    user: str
    rule: str
    level: str
    escalated: bool
    created_at: datetime


_NEW_NUDGE_FIELDS = tuple(f.name for f in fields(NewNudge))


@dataclass(frozen=True, slots=True)
class Demotion:
    """A rule demoted to a tip in a workspace by people's feedback."""

    workspace: str
    rule: str
    demoted_at: datetime
    helpful: int
    not_helpful: int
    reported_at: datetime | None


@dataclass(frozen=True, slots=True)
class DigestRunRecord:
    """One row of `digest_runs`."""

    id: int
    workspace: str
    kind: str
    target: str
    week_start: date
    claimed_by: str | None
    claimed_at: datetime | None
    posted_at: datetime | None
    message_ref: str | None


@dataclass(slots=True)
class Activity:
    """Everything one message changes in the store, written in one transaction."""

    counters: list[CounterDelta] = field(default_factory=list)
    rule_hits: list[tuple[str, str, str, date, str, int]] = field(default_factory=list)
    answer_delays: list[tuple[str, str, str, date, float]] = field(default_factory=list)


class BatchWrite:
    """The open transaction of `Store.batch`: claim events, read the nudge log, write, log.

    Counters and rule hits of all messages are summed in memory and each key is upserted once
    by `write_activity`.
    """

    def __init__(self, store: Store, conn: Connection, now: datetime) -> None:
        """Wrap `conn` (inside its transaction) of `store`; `now` stamps the event claims."""
        self.store = store
        self.conn = conn
        self.now = now

    def claim(self, keys: Sequence[str]) -> set[str]:
        """Claim event keys in one INSERT ... ON CONFLICT DO NOTHING RETURNING statement.

        Returns the keys claimed here; the others were already processed (by anyone).
        """
        return self.store._claim_many(self.conn, keys, self.now)

    def nudges(
        self,
        workspace: str,
        *,
        user: str | None = None,
        rule: str | None = None,
        since: datetime | None = None,
        counting_only: bool = False,
    ) -> list[NudgeRecord]:
        """`Store.nudges` read inside this transaction."""
        return self.store.nudges(
            workspace,
            user=user,
            rule=rule,
            since=since,
            counting_only=counting_only,
            conn=self.conn,
        )

    def nudge_history(
        self, workspace: str, users: Sequence[str], since: datetime
    ) -> dict[str, list[tuple[str, datetime]]]:
        """`Store.nudge_history` read inside this transaction."""
        return self.store.nudge_history(workspace, users, since, conn=self.conn)

    def nudged_rules(self, workspace: str, users: Sequence[str]) -> set[tuple[str, str]]:
        """`Store.nudged_rules` read inside this transaction."""
        return self.store.nudged_rules(workspace, users, conn=self.conn)

    def write_activity(self, activities: Iterable[Activity]) -> None:
        """Add the counters, rule hits and answer delays of several messages (summed per key)."""
        merged = Activity()
        hits: dict[tuple[str, str, str, date, str], int] = {}
        for activity in activities:
            merged.counters.extend(activity.counters)
            for w, c, u, d, r, n in activity.rule_hits:
                hits[(w, c, u, d, r)] = hits.get((w, c, u, d, r), 0) + n
            merged.answer_delays.extend(activity.answer_delays)
        merged.rule_hits = [(*key, n) for key, n in hits.items()]
        self.store._write_activity(self.conn, merged)

    def log_nudges(self, nudges: Sequence[NewNudge]) -> list[int]:
        """Insert nudge-log rows in order; returns their ids."""
        return self.store._insert_nudges(self.conn, nudges)


# Prepared statements reused across calls, by (purpose, dialect[, table]).
_STATEMENTS: dict[tuple[str, ...], Any] = {}

CACHE_ENV = "COACHBOT_CACHE_SECONDS"
DEFAULT_CACHE_SECONDS = 5.0
# Event keys claimed per statement (keeps bound parameters far below SQLite's and PG's limits).
CLAIM_CHUNK = 1000
# People per `IN (...)` list when preferences or nudge history are read for many at once.
PREFS_CHUNK = 500
MAX_CACHE_ENTRIES = 50_000


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        return default


def _now() -> datetime:
    return datetime.now(UTC)


def _t(model: Any) -> Table:
    """The Core table of a mapped class."""
    return model.__table__  # type: ignore[no-any-return]


def _record(cls: Any, row: Any) -> Any:
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def _counting(table: Table) -> Any:
    """Nudges that count for the budget: delivered, or not (yet) known to have failed."""
    return or_(table.c.delivered.is_(None), table.c.delivered.is_(True))


def _delivery_update() -> Any:
    """UPDATE of one nudge's delivery outcome by bound parameters (built once, executemany)."""
    stmt = _STATEMENTS.get(("delivery_update",))
    if stmt is None:
        table = _t(NudgeLog)
        stmt = (
            update(table)
            .where(table.c.id == bindparam("nudge_id"))
            .values(delivered=bindparam("delivered"), error=bindparam("error"))
        )
        _STATEMENTS[("delivery_update",)] = stmt
    return stmt


class Store:
    """Repository over the Coachbot database; all methods are synchronous and thread-safe."""

    def __init__(
        self,
        engine: Engine,
        *,
        cache_seconds: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Wrap an engine whose schema is already migrated (see `Store.open`).

        Settings, demotions and preferences are cached for `cache_seconds` (default
        `$COACHBOT_CACHE_SECONDS`, else 5): changes made through this Store apply at once,
        changes made by another replica within that time.
        """
        self.engine = engine
        if cache_seconds is None:
            cache_seconds = _env_float(CACHE_ENV, DEFAULT_CACHE_SECONDS)
        self.cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._cache: dict[tuple[str, ...], tuple[float, Any]] = {}
        self._cache_lock = threading.Lock()
        # Bumped by every invalidation: a value loaded before one is not cached (it may be stale).
        self._cache_generation = 0

    # ---------------------------------------------------------------- cache
    def _cached(self, key: tuple[str, ...], load: Callable[[], Any]) -> Any:
        if self.cache_seconds <= 0:
            return load()
        now = self._monotonic()
        with self._cache_lock:
            hit = self._cache.get(key)
            generation = self._cache_generation
        if hit is not None and now - hit[0] < self.cache_seconds:
            return hit[1]
        value = load()
        self._store_cached({key: value}, now, generation)
        return value

    def _cache_lookup(self, keys: Iterable[tuple[str, ...]]) -> tuple[dict[Any, Any], float, int]:
        """Fresh cached values of `keys` (misses left out), the time and the generation."""
        now = self._monotonic()
        found: dict[Any, Any] = {}
        with self._cache_lock:
            generation = self._cache_generation
            if self.cache_seconds > 0:
                for key in keys:
                    hit = self._cache.get(key)
                    if hit is not None and now - hit[0] < self.cache_seconds:
                        found[key] = hit[1]
        return found, now, generation

    def _store_cached(
        self, values: dict[tuple[str, ...], Any], now: float, generation: int
    ) -> None:
        """Cache values loaded at `now`, unless something was invalidated since `generation`."""
        if self.cache_seconds <= 0:
            return
        with self._cache_lock:
            if generation != self._cache_generation:
                return
            if len(self._cache) + len(values) > MAX_CACHE_ENTRIES:
                self._cache.clear()
            for key, value in values.items():
                self._cache[key] = (now, value)

    def _forget_cached(self, *keys: tuple[str, ...]) -> None:
        with self._cache_lock:
            self._cache_generation += 1
            for key in keys:
                self._cache.pop(key, None)

    def clear_cache(self) -> None:
        """Drop every cached setting, demotion and preference."""
        with self._cache_lock:
            self._cache_generation += 1
            self._cache.clear()

    @classmethod
    def open(
        cls, url: str | None = None, *, upgrade: bool = True, cache_seconds: float | None = None
    ) -> Store:
        """Connect to `url` (default: `$COACHBOT_DATABASE_URL` or the user data dir) and migrate."""
        engine = migrate.make_engine(url or migrate.default_database_url())
        if upgrade:
            migrate.upgrade(engine)
        store = cls(engine, cache_seconds=cache_seconds)
        store.refresh_statistics()
        return store

    def refresh_statistics(self) -> None:
        """Keep SQLite's query planner informed (it picks poor indexes without statistics).

        A bounded ANALYZE at start and after each daily purge; PostgreSQL's autovacuum does
        this by itself.
        """
        if self.engine.dialect.name != "sqlite":
            return
        with self.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            conn.exec_driver_sql("ANALYZE")

    @property
    def url(self) -> str:
        """The database URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Release all pooled connections."""
        self.engine.dispose()

    # ---------------------------------------------------------------- workspace settings
    def setting_values(self, workspace: str) -> dict[str, Any]:
        """The raw stored settings of a workspace (key -> decoded JSON value)."""
        table = _t(WorkspaceSetting)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.key, table.c.value).where(table.c.workspace == workspace)
            ).all()
        values: dict[str, Any] = {}
        for key, value in rows:
            try:
                values[key] = json.loads(value)
            except ValueError:
                continue
        return values

    def settings(self, workspace: str) -> WorkspaceSettings:
        """The effective settings of a workspace (defaults where nothing is stored)."""
        return self._cached(  # type: ignore[no-any-return]
            ("settings", workspace),
            lambda: WorkspaceSettings.from_values(workspace, self.setting_values(workspace)),
        )

    def save_settings(
        self, workspace: str, values: dict[str, Any], now: datetime | None = None
    ) -> None:
        """Store setting entries (JSON values); a value of None is stored as JSON null."""
        table = _t(WorkspaceSetting)
        now = now or _now()
        with self.engine.begin() as conn:
            for key, value in sorted(values.items()):
                encoded = encode(value)
                done = conn.execute(
                    update(table)
                    .where(table.c.workspace == workspace, table.c.key == key)
                    .values(value=encoded, updated_at=now)
                ).rowcount
                if not done:
                    conn.execute(
                        insert(table).values(
                            workspace=workspace, key=key, value=encoded, updated_at=now
                        )
                    )
        self._forget_cached(("settings", workspace))

    def workspaces(self) -> list[str]:
        """Every workspace with stored settings or counters."""
        s = _t(WorkspaceSetting)
        c = _t(DailyCounter)
        with self.engine.connect() as conn:
            found = set(conn.execute(select(s.c.workspace).distinct()).scalars())
            found |= set(conn.execute(select(c.c.workspace).distinct()).scalars())
        return sorted(found)

    def all_settings(self) -> list[WorkspaceSettings]:
        """Effective settings of every known workspace (for the digest scheduler)."""
        return [self.settings(workspace) for workspace in self.workspaces()]

    # ---------------------------------------------------------------- user preferences
    def prefs(self, workspace: str, user: str) -> Prefs:
        """One person's preferences."""
        return self._cached(  # type: ignore[no-any-return]
            ("prefs", workspace, user), lambda: self._load_prefs(workspace, user)
        )

    def _load_prefs(self, workspace: str, user: str) -> Prefs:
        table = _t(UserPrefs)
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table).where(table.c.workspace == workspace, table.c.user == user)
            ).first()
        return _record(Prefs, row) if row else Prefs(workspace=workspace, user=user)

    def prefs_many(self, workspace: str, users: Iterable[str]) -> dict[str, Prefs]:
        """Preferences of several people at once (defaults for people with none stored).

        Cached like `prefs`; the people not in the cache are read with one query per
        `PREFS_CHUNK` of them.
        """
        wanted = sorted(set(users))
        if len(wanted) == 1:
            return {wanted[0]: self.prefs(workspace, wanted[0])}
        if not wanted:
            return {}
        hits, now, generation = self._cache_lookup(("prefs", workspace, u) for u in wanted)
        result: dict[str, Prefs] = {key[2]: value for key, value in hits.items()}
        missing = [u for u in wanted if u not in result]
        if not missing:
            return result
        loaded = {u: Prefs(workspace=workspace, user=u) for u in missing}
        table = _t(UserPrefs)
        with self.engine.connect() as conn:
            for start in range(0, len(missing), PREFS_CHUNK):
                chunk = missing[start : start + PREFS_CHUNK]
                rows = conn.execute(
                    select(table).where(table.c.workspace == workspace, table.c.user.in_(chunk))
                ).all()
                for row in rows:
                    loaded[row.user] = _record(Prefs, row)
        self._store_cached({("prefs", workspace, u): p for u, p in loaded.items()}, now, generation)
        result.update(loaded)
        return result

    def update_prefs(
        self, workspace: str, user: str, now: datetime | None = None, **changes: Any
    ) -> Prefs:
        """Change some preferences of one person (creating the row if needed)."""
        unknown = set(changes) - set(PREF_FIELDS)
        if unknown:
            raise ValueError(f"unknown preference(s): {', '.join(sorted(unknown))}")
        table = _t(UserPrefs)
        now = now or _now()
        with self.engine.begin() as conn:
            done = conn.execute(
                update(table)
                .where(table.c.workspace == workspace, table.c.user == user)
                .values(updated_at=now, **changes)
            ).rowcount
            if not done:
                base = {name: getattr(Prefs(workspace, user), name) for name in PREF_FIELDS}
                base.update(changes)
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(table).values(
                                workspace=workspace, user=user, updated_at=now, **base
                            )
                        )
                except IntegrityError:  # created concurrently: update that row instead
                    conn.execute(
                        update(table)
                        .where(table.c.workspace == workspace, table.c.user == user)
                        .values(updated_at=now, **changes)
                    )
        self._forget_cached(("prefs", workspace, user))
        return self.prefs(workspace, user)

    def personal_digest_users(self, workspace: str) -> list[str]:
        """People in a workspace who asked for a personal weekly digest (and did not opt out)."""
        table = _t(UserPrefs)
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(table.c.user)
                    .where(
                        table.c.workspace == workspace,
                        table.c.personal_digest.is_(True),
                        table.c.opted_out.is_(False),
                    )
                    .order_by(table.c.user)
                ).scalars()
            )

    # ---------------------------------------------------------------- idempotency
    def claim_event(self, key: str, now: datetime | None = None) -> bool:
        """Insert-first claim of a platform event: True for the first caller only."""
        table = _t(ProcessedEvent)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(table).values(key=key, created_at=now or _now()))
        except IntegrityError:
            return False
        return True

    def release_event(self, key: str) -> None:
        """Forget a claim (processing failed, so a retry may handle the event)."""
        table = _t(ProcessedEvent)
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.key == key))

    # ---------------------------------------------------------------- counters
    def record_activity(self, activity: Activity) -> None:
        """Add the counters, rule hits and answer delays of one message atomically."""
        with self.engine.begin() as conn:
            self._write_activity(conn, activity)

    def _write_activity(self, conn: Connection, activity: Activity) -> None:
        """Counters, rule hits and answer delays of one message, on an open transaction."""
        self._add_counters(conn, activity.counters)
        if activity.rule_hits:
            self._upsert_add(
                conn,
                _t(RuleHit),  # type: ignore[arg-type]
                ("workspace", "channel", "user", "day", "rule"),
                ("hits",),
                [
                    {"workspace": w, "channel": c, "user": u, "day": d, "rule": r, "hits": n}
                    for w, c, u, d, r, n in activity.rule_hits
                ],
            )
        if activity.answer_delays:
            conn.execute(
                insert(_t(AnswerDelay)),
                [
                    {"workspace": w, "channel": c, "user": u, "day": d, "seconds": s}
                    for w, c, u, d, s in activity.answer_delays
                ],
            )

    def event_seen(self, key: str) -> bool:
        """Whether an event was already processed (a cheap read before doing the work)."""
        table = _t(ProcessedEvent)
        with self.engine.connect() as conn:
            return conn.execute(select(table.c.key).where(table.c.key == key)).first() is not None

    def record_message(
        self,
        activity: Activity,
        nudges: Sequence[NewNudge] = (),
        event_key: str | None = None,
        now: datetime | None = None,
    ) -> list[int] | None:
        """Claim the event, add its counters and log its nudges in ONE transaction.

        Returns the new nudge ids, or None when another worker or replica already claimed
        the event (then nothing is written).
        """
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Counters may lose the last instant's commits in a server crash (never
                # corrupt): worth it, as the commit no longer waits for the WAL flush.
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            if event_key is not None and not self._claim(conn, event_key, now or _now()):
                return None
            self._write_activity(conn, activity)
            ids = self._insert_nudges(conn, nudges)
        return ids

    @staticmethod
    def _insert_nudges(conn: Connection, nudges: Sequence[NewNudge]) -> list[int]:
        """Insert nudge-log rows on an open transaction; their ids, in order."""
        table = _t(NudgeLog)
        rows = [{name: getattr(nudge, name) for name in _NEW_NUDGE_FIELDS} for nudge in nudges]
        dialect = conn.dialect.name
        if len(rows) > 1 and dialect in ("sqlite", "postgresql"):
            stmt = _STATEMENTS.get(("log_nudges", dialect))
            if stmt is None:  # one multi-row INSERT ... RETURNING, ids in parameter order
                stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
                _STATEMENTS[("log_nudges", dialect)] = stmt
            return [int(i) for i in conn.execute(stmt, rows).scalars()]
        ids = []
        for row in rows:
            result = conn.execute(insert(table), row)
            ids.append(int(result.inserted_primary_key[0]))  # type: ignore[index]
        return ids

    @contextlib.contextmanager
    def batch(self, now: datetime | None = None) -> Iterator[BatchWrite]:
        """One write transaction for several messages (see `BatchWrite`); commits on success.

        On an exception everything is rolled back, the event claims included, so a retry of
        the same events can succeed.
        """
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")  # as record_message
            yield BatchWrite(self, conn, now or _now())

    @staticmethod
    def _claim_many(conn: Connection, keys: Sequence[str], now: datetime) -> set[str]:
        """Claim event keys; returns the ones this transaction claimed (others were taken)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return set()
        table = _t(ProcessedEvent)
        dialect = conn.dialect.name
        if dialect not in ("sqlite", "postgresql"):
            return {key for key in wanted if Store._claim(conn, key, now)}
        stmt = _STATEMENTS.get(("claim_many", dialect))
        if stmt is None:  # built (and compiled) once
            make = sqlite.insert if dialect == "sqlite" else postgresql.insert
            stmt = make(table).on_conflict_do_nothing().returning(table.c.key)
            _STATEMENTS[("claim_many", dialect)] = stmt
        # SQLAlchemy's "insertmanyvalues" sends these rows as ONE multi-row INSERT statement
        # (per CLAIM_CHUNK rows); RETURNING yields only the rows inserted, i.e. the claims won.
        rows = [{"key": key, "created_at": now} for key in wanted]
        return set(
            conn.execution_options(insertmanyvalues_page_size=CLAIM_CHUNK)
            .execute(stmt, rows)
            .scalars()
        )

    @staticmethod
    def _claim(conn: Connection, key: str, now: datetime) -> bool:
        """Insert the event row unless it exists; True if this transaction claimed it."""
        table = _t(ProcessedEvent)
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):
            make = sqlite.insert if dialect == "sqlite" else postgresql.insert
            stmt = _STATEMENTS.get(("claim", dialect))
            if stmt is None:
                stmt = make(table).on_conflict_do_nothing()
                if dialect == "postgresql":  # psycopg reports no rowcount here: ask for the row
                    stmt = stmt.returning(table.c.key)
                _STATEMENTS[("claim", dialect)] = stmt
            result = conn.execute(stmt, {"key": key, "created_at": now})
            if dialect == "postgresql":
                return result.first() is not None
            return bool(result.rowcount)
        try:
            with conn.begin_nested():
                conn.execute(insert(table).values(key=key, created_at=now))
        except IntegrityError:
            return False
        return True

    def add_counters(self, deltas: Sequence[CounterDelta]) -> None:
        """Add counter increments (summing rows that share a key)."""
        with self.engine.begin() as conn:
            self._add_counters(conn, deltas)

    def _add_counters(self, conn: Connection, deltas: Sequence[CounterDelta]) -> None:
        merged: dict[tuple[str, str, str, date], dict[str, Any]] = {}
        for d in deltas:
            key = (d.workspace, d.channel, d.user, d.day)
            row = merged.get(key)
            if row is None:
                row = merged[key] = {
                    "workspace": d.workspace, "channel": d.channel, "user": d.user, "day": d.day,
                    **_ZERO_COUNTERS,
                }
            for name, amount in zip(COUNTER_FIELDS, _counter_amounts(d), strict=True):
                row[name] += amount
        if merged:
            self._upsert_add(
                conn,
                _t(DailyCounter),  # type: ignore[arg-type]
                ("workspace", "channel", "user", "day"),
                COUNTER_FIELDS,
                [merged[k] for k in sorted(merged)],
            )

    @staticmethod
    def _upsert_add(
        conn: Connection,
        table: Table,
        keys: Sequence[str],
        amounts: Sequence[str],
        rows: list[dict[str, Any]],
    ) -> None:
        """INSERT rows, or add their amounts to existing rows with the same key (atomic)."""
        rows = sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))  # stable lock order
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):
            stmt = _STATEMENTS.get(("upsert", dialect, table.name))
            if stmt is None:  # built once: constructing it costs more than running it
                make = sqlite.insert if dialect == "sqlite" else postgresql.insert
                base = make(table)
                stmt = base.on_conflict_do_update(
                    index_elements=list(keys),
                    set_={name: table.c[name] + base.excluded[name] for name in amounts},
                )
                _STATEMENTS[("upsert", dialect, table.name)] = stmt
            conn.execute(stmt, rows)
            return
        for row in rows:  # other databases: update, else insert
            where = and_(*(table.c[k] == row[k] for k in keys))
            values = {name: table.c[name] + row[name] for name in amounts}
            if not conn.execute(update(table).where(where).values(**values)).rowcount:
                conn.execute(insert(table).values(**row))

    def counters(
        self,
        workspace: str,
        start: date,
        end: date,
        *,
        channel: str | None = None,
        user: str | None = None,
    ) -> list[CounterRow]:
        """Counter rows with start <= day < end (optionally one channel or person)."""
        table = _t(DailyCounter)
        query = select(table).where(
            table.c.workspace == workspace, table.c.day >= start, table.c.day < end
        )
        if channel is not None:
            query = query.where(table.c.channel == channel)
        if user is not None:
            query = query.where(table.c.user == user)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(table.c.day, table.c.channel, table.c.user)).all()
        return [_record(CounterRow, row) for row in rows]

    def totals(
        self,
        workspace: str,
        start: date,
        end: date,
        *,
        channel: str | None = None,
        user: str | None = None,
    ) -> Totals:
        """Summed counters with start <= day < end (optionally one channel or person)."""
        table = _t(DailyCounter)
        query = select(*(func.coalesce(func.sum(table.c[n]), 0) for n in COUNTER_FIELDS)).where(
            table.c.workspace == workspace, table.c.day >= start, table.c.day < end
        )
        if channel is not None:
            query = query.where(table.c.channel == channel)
        if user is not None:
            query = query.where(table.c.user == user)
        with self.engine.connect() as conn:
            row = conn.execute(query).one()
        return Totals(*(int(v) for v in row))

    def rule_hits(
        self,
        workspace: str,
        start: date,
        end: date,
        *,
        channel: str | None = None,
        user: str | None = None,
    ) -> dict[str, int]:
        """Hits per rule with start <= day < end (optionally one channel or person)."""
        table = _t(RuleHit)
        query = (
            select(table.c.rule, func.sum(table.c.hits))
            .where(table.c.workspace == workspace, table.c.day >= start, table.c.day < end)
            .group_by(table.c.rule)
        )
        if channel is not None:
            query = query.where(table.c.channel == channel)
        if user is not None:
            query = query.where(table.c.user == user)
        with self.engine.connect() as conn:
            return {rule: int(n) for rule, n in conn.execute(query).all()}

    def answer_delays(
        self, workspace: str, start: date, end: date, *, channel: str | None = None
    ) -> list[float]:
        """First-answer delays in seconds with start <= day < end (for medians)."""
        table = _t(AnswerDelay)
        query = select(table.c.seconds).where(
            table.c.workspace == workspace, table.c.day >= start, table.c.day < end
        )
        if channel is not None:
            query = query.where(table.c.channel == channel)
        with self.engine.connect() as conn:
            return [float(v) for v in conn.execute(query.order_by(table.c.seconds)).scalars()]

    def channels(self, workspace: str, start: date, end: date) -> list[str]:
        """Channels with any counted activity with start <= day < end."""
        table = _t(DailyCounter)
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(table.c.channel)
                    .where(table.c.workspace == workspace, table.c.day >= start, table.c.day < end)
                    .distinct()
                    .order_by(table.c.channel)
                ).scalars()
            )

    # ---------------------------------------------------------------- nudge log
    def add_nudges(self, nudges: Sequence[NewNudge]) -> list[int]:
        """Log nudges about to be delivered; returns their ids in order."""
        table = _t(NudgeLog)
        ids: list[int] = []
        with self.engine.begin() as conn:
            for nudge in nudges:
                result = conn.execute(insert(table).values(**asdict(nudge)))
                ids.append(int(result.inserted_primary_key[0]))  # type: ignore[index]
        return ids

    def nudge(self, nudge_id: int) -> NudgeRecord | None:
        """One nudge-log row by id."""
        table = _t(NudgeLog)
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.id == nudge_id)).first()
        return _record(NudgeRecord, row) if row else None

    def nudges(
        self,
        workspace: str,
        *,
        user: str | None = None,
        rule: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        counting_only: bool = False,
        conn: Connection | None = None,
    ) -> list[NudgeRecord]:
        """Nudge-log rows, oldest first; `counting_only` skips ones that failed to deliver.

        With `conn` the rows are read on that (open) connection, inside its transaction.
        """
        table = _t(NudgeLog)
        query = select(table).where(table.c.workspace == workspace)
        if user is not None:
            query = query.where(table.c.user == user)
        if rule is not None:
            query = query.where(table.c.rule == rule)
        if since is not None:
            query = query.where(table.c.created_at >= since)
        if until is not None:
            query = query.where(table.c.created_at < until)
        if counting_only:
            query = query.where(_counting(table))
        query = query.order_by(table.c.created_at, table.c.id)
        if conn is not None:
            rows = conn.execute(query).all()
        else:
            with self.engine.connect() as own:
                rows = own.execute(query).all()
        return [_record(NudgeRecord, row) for row in rows]

    def nudge_history(
        self,
        workspace: str,
        users: Iterable[str],
        since: datetime,
        *,
        conn: Connection | None = None,
    ) -> dict[str, list[tuple[str, datetime]]]:
        """(rule, created_at) of each person's counting nudges since `since`, oldest first.

        What `nudges(workspace, user=u, since=since, counting_only=True)` gives for every
        person `u` at once (one query per `PREFS_CHUNK` people); `conn` as in `nudges`.
        """
        wanted = sorted(set(users))
        result: dict[str, list[tuple[str, datetime]]] = {u: [] for u in wanted}
        table = _t(NudgeLog)
        with self._connection(conn) as c:
            for start in range(0, len(wanted), PREFS_CHUNK):
                chunk = wanted[start : start + PREFS_CHUNK]
                rows = c.execute(
                    select(table.c.user, table.c.rule, table.c.created_at)
                    .where(
                        table.c.workspace == workspace,
                        table.c.user.in_(chunk),
                        table.c.created_at >= since,
                        _counting(table),
                    )
                    .order_by(table.c.created_at, table.c.id)
                ).all()
                for user, rule, created_at in rows:
                    result[user].append((rule, created_at))
        return result

    def nudged_rules(
        self, workspace: str, users: Iterable[str], *, conn: Connection | None = None
    ) -> set[tuple[str, str]]:
        """(user, rule) pairs for which these people ever had a counting nudge (escalation)."""
        wanted = sorted(set(users))
        found: set[tuple[str, str]] = set()
        table = _t(NudgeLog)
        with self._connection(conn) as c:
            for start in range(0, len(wanted), PREFS_CHUNK):
                chunk = wanted[start : start + PREFS_CHUNK]
                rows = c.execute(
                    select(table.c.user, table.c.rule)
                    .where(
                        table.c.workspace == workspace, table.c.user.in_(chunk), _counting(table)
                    )
                    .distinct()
                ).all()
                found.update((str(user), str(rule)) for user, rule in rows)
        return found

    @contextlib.contextmanager
    def _connection(self, conn: Connection | None) -> Iterator[Connection]:
        """`conn` if given (an open transaction), else a connection of our own for reading."""
        if conn is not None:
            yield conn
            return
        with self.engine.connect() as own:
            yield own

    def record_delivery(
        self, nudge_id: int, delivered: bool, error: str | None = None
    ) -> NudgeRecord | None:
        """Mark a nudge delivered or failed; counts delivered ones in the daily counters."""
        return self.record_deliveries([(nudge_id, delivered, error)])[0]

    def record_deliveries(
        self, outcomes: Sequence[tuple[int, bool, str | None]]
    ) -> list[NudgeRecord | None]:
        """`record_delivery` for several (nudge id, delivered, error) in order, ONE transaction.

        Returns each nudge's record as it is after its outcome (None for an unknown id). A
        nudge is counted in `nudges_delivered` once, when it first becomes delivered.
        """
        if not outcomes:
            return []
        table = _t(NudgeLog)
        results: list[NudgeRecord | None] = []
        with self.engine.begin() as conn:
            ids = sorted({nudge_id for nudge_id, _, _ in outcomes})
            current: dict[int, NudgeRecord] = {}
            for start in range(0, len(ids), CLAIM_CHUNK):
                rows = conn.execute(
                    select(table).where(table.c.id.in_(ids[start : start + CLAIM_CHUNK]))
                ).all()
                current.update((row.id, _record(NudgeRecord, row)) for row in rows)
            updates: list[dict[str, Any]] = []
            deltas: list[CounterDelta] = []
            for nudge_id, delivered, error in outcomes:
                record = current.get(nudge_id)
                if record is None:
                    results.append(None)
                    continue
                stored_error = (error or None) if not delivered else None
                if delivered and record.delivered is not True:
                    deltas.append(
                        CounterDelta(
                            record.workspace,
                            record.channel,
                            record.user,
                            record.created_at.date(),
                            nudges_delivered=1,
                        )
                    )
                record = current[nudge_id] = replace(
                    record, delivered=delivered, error=stored_error
                )
                updates.append(
                    {"nudge_id": nudge_id, "delivered": delivered, "error": stored_error}
                )
                results.append(record)
            if updates:
                conn.execute(_delivery_update(), updates)
            if deltas:
                self._add_counters(conn, deltas)
        return results

    def set_feedback(self, nudge_id: int, feedback: str, now: datetime | None = None) -> None:
        """Record a person's feedback on one of their nudges."""
        table = _t(NudgeLog)
        with self.engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.id == nudge_id)
                .values(feedback=feedback, feedback_at=now or _now())
            )

    def feedback_tally(self, workspace: str, rule: str) -> dict[str, int]:
        """Feedback counts for one rule in a workspace (e.g. {"helpful": 3, "not_helpful": 5})."""
        table = _t(NudgeLog)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.feedback, func.count())
                .where(
                    table.c.workspace == workspace,
                    table.c.rule == rule,
                    table.c.feedback.is_not(None),
                )
                .group_by(table.c.feedback)
            ).all()
        return {str(feedback): int(n) for feedback, n in rows}

    # ---------------------------------------------------------------- demotions
    def demote(
        self, workspace: str, rule: str, helpful: int, not_helpful: int, now: datetime
    ) -> bool:
        """Record that a rule is demoted in a workspace; False if it already was."""
        table = _t(RuleDemotion)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(table).values(
                        workspace=workspace,
                        rule=rule,
                        demoted_at=now,
                        helpful=helpful,
                        not_helpful=not_helpful,
                    )
                )
        except IntegrityError:
            return False
        finally:
            self._forget_cached(("demoted", workspace))
        return True

    def demotions(self, workspace: str, *, unreported_only: bool = False) -> list[Demotion]:
        """Rules demoted in a workspace (optionally only those not yet told to admins)."""
        table = _t(RuleDemotion)
        query = select(table).where(table.c.workspace == workspace)
        if unreported_only:
            query = query.where(table.c.reported_at.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(table.c.demoted_at, table.c.rule)).all()
        return [_record(Demotion, row) for row in rows]

    def demoted_rules(self, workspace: str) -> set[str]:
        """Ids of the rules demoted in a workspace."""
        cached = self._cached(
            ("demoted", workspace), lambda: frozenset(d.rule for d in self.demotions(workspace))
        )
        return set(cached)

    def mark_demotions_reported(
        self, workspace: str, rules: Iterable[str], now: datetime | None = None
    ) -> None:
        """Note that admins were told (in a digest) about these demotions."""
        table = _t(RuleDemotion)
        wanted = list(rules)
        if not wanted:
            return
        with self.engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.workspace == workspace, table.c.rule.in_(wanted))
                .values(reported_at=now or _now())
            )

    def undo_demotion(self, workspace: str, rule: str) -> bool:
        """Lift a demotion (an admin's decision); True if there was one."""
        table = _t(RuleDemotion)
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(table).where(table.c.workspace == workspace, table.c.rule == rule)
            )
        self._forget_cached(("demoted", workspace))
        return bool(result.rowcount)

    # ---------------------------------------------------------------- digest runs
    def claim_digest_run(
        self,
        workspace: str,
        kind: str,
        target: str,
        week_start: date,
        claimed_by: str,
        now: datetime | None = None,
        stale_after: timedelta = timedelta(minutes=15),
    ) -> DigestRunRecord | None:
        """Claim posting one digest; None if it was posted, or another replica holds a fresh claim.

        A claim older than `stale_after` without a post (a replica died) can be taken over.
        """
        if kind not in ("channel", "personal"):
            raise ValueError("kind is 'channel' or 'personal'")
        table = _t(DigestRun)
        now = now or _now()
        match = and_(
            table.c.workspace == workspace,
            table.c.kind == kind,
            table.c.target == target,
            table.c.week_start == week_start,
        )
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(table).values(
                        workspace=workspace,
                        kind=kind,
                        target=target,
                        week_start=week_start,
                        claimed_by=claimed_by,
                        claimed_at=now,
                    )
                )
        except IntegrityError:
            with self.engine.begin() as conn:
                taken = conn.execute(
                    update(table)
                    .where(
                        match,
                        table.c.posted_at.is_(None),
                        or_(table.c.claimed_at.is_(None), table.c.claimed_at < now - stale_after),
                    )
                    .values(claimed_by=claimed_by, claimed_at=now)
                ).rowcount
            if not taken:
                return None
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(match)).one()
        return _record(DigestRunRecord, row)  # type: ignore[no-any-return]

    def mark_digest_posted(
        self, run_id: int, message_ref: str | None = None, now: datetime | None = None
    ) -> None:
        """Record that a claimed digest was posted (and where)."""
        table = _t(DigestRun)
        with self.engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.id == run_id)
                .values(posted_at=now or _now(), message_ref=message_ref)
            )

    def release_digest_run(self, run_id: int) -> None:
        """Give up a claim that failed to post, so the next attempt can retry at once."""
        table = _t(DigestRun)
        with self.engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.id == run_id, table.c.posted_at.is_(None))
                .values(claimed_by=None, claimed_at=None)
            )

    def digest_runs(self, workspace: str) -> list[DigestRunRecord]:
        """Every digest run of a workspace, newest week first."""
        table = _t(DigestRun)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table)
                .where(table.c.workspace == workspace)
                .order_by(table.c.week_start.desc(), table.c.id)
            ).all()
        return [_record(DigestRunRecord, row) for row in rows]

    # ---------------------------------------------------------------- personal data
    def export_user(self, workspace: str, user: str) -> dict[str, Any]:
        """All stored data about one person in a workspace, as JSON-friendly values."""

        def plain(value: Any) -> Any:
            return value.isoformat() if isinstance(value, date | datetime) else value

        def rows(table: Any, order: Sequence[str]) -> list[dict[str, Any]]:
            with self.engine.connect() as conn:
                result = conn.execute(
                    select(table)
                    .where(table.c.workspace == workspace, table.c.user == user)
                    .order_by(*(table.c[c] for c in order))
                ).mappings()
                return [
                    {k: plain(v) for k, v in row.items() if k not in ("workspace", "user")}
                    for row in result
                ]

        prefs = rows(_t(UserPrefs), ("user",))
        personal_runs = [
            {"week_start": r.week_start.isoformat(), "posted_at": plain(r.posted_at)}
            for r in self.digest_runs(workspace)
            if r.kind == "personal" and r.target == user
        ]
        return {
            "workspace": workspace,
            "user": user,
            "preferences": prefs[0] if prefs else None,
            "daily_counters": rows(_t(DailyCounter), ("day", "channel")),
            "rule_hits": rows(_t(RuleHit), ("day", "channel", "rule")),
            "answer_delays": rows(_t(AnswerDelay), ("day", "id")),
            "nudges": rows(_t(NudgeLog), ("created_at", "id")),
            "personal_digests": personal_runs,
        }

    def forget_user(self, workspace: str, user: str) -> int:
        """Delete every row about one person in a workspace; returns how many rows went."""
        deleted = 0
        with self.engine.begin() as conn:
            for model in (UserPrefs, DailyCounter, RuleHit, AnswerDelay, NudgeLog):
                table = _t(model)
                deleted += conn.execute(
                    delete(table).where(table.c.workspace == workspace, table.c.user == user)
                ).rowcount
            runs = _t(DigestRun)
            deleted += conn.execute(
                delete(runs).where(
                    runs.c.workspace == workspace, runs.c.kind == "personal", runs.c.target == user
                )
            ).rowcount
        self._forget_cached(("prefs", workspace, user))
        return deleted

    def forget_workspace(self, workspace: str) -> int:
        """Delete every row of a workspace (the app was uninstalled), its event claims too;
        returns the row count."""
        deleted = 0
        with self.engine.begin() as conn:
            for model in (
                WorkspaceSetting,
                UserPrefs,
                DailyCounter,
                RuleHit,
                AnswerDelay,
                NudgeLog,
                RuleDemotion,
                DigestRun,
            ):
                table = _t(model)
                deleted += conn.execute(
                    delete(table).where(table.c.workspace == workspace)
                ).rowcount
            # Event claims name their workspace inside the key ("<platform>:<workspace>:...");
            # a key too long for the column was hashed and leaves with the 7-day purge.
            events = _t(ProcessedEvent)
            escaped = workspace.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            deleted += conn.execute(
                delete(events).where(events.c.key.like(f"%:{escaped}:%", escape="\\"))
            ).rowcount
        self.clear_cache()
        return deleted

    # ---------------------------------------------------------------- retention
    def purge(
        self,
        now: datetime | None = None,
        *,
        retention_weeks: int = 26,
        per_workspace: dict[str, int] | None = None,
        event_days: int = 7,
    ) -> dict[str, int]:
        """Delete counters, delays, hits and nudges older than the retention; old event ids too.

        `per_workspace` overrides the retention (in weeks) for single workspaces.
        """
        now = now or _now()
        overrides = per_workspace or {}
        removed: Counter[str] = Counter()
        dated = (DailyCounter, RuleHit, AnswerDelay)
        with self.engine.begin() as conn:

            def purge_where(weeks: int, scope: Any) -> None:
                # (A retention saved before it was bounded could overflow the date: kept within
                # the years a date can hold, so one workspace cannot stop every purge.)
                weeks = max(0, min(weeks, (now - _EARLIEST).days // 7))
                cutoff_day = (now - timedelta(weeks=weeks)).date()
                cutoff = now - timedelta(weeks=weeks)
                for model in dated:
                    table = _t(model)
                    removed[table.name] += conn.execute(
                        delete(table).where(table.c.day < cutoff_day, scope(table))
                    ).rowcount
                log = _t(NudgeLog)
                removed[log.name] += conn.execute(
                    delete(log).where(log.c.created_at < cutoff, scope(log))
                ).rowcount
                runs = _t(DigestRun)
                removed[runs.name] += conn.execute(
                    delete(runs).where(runs.c.week_start < cutoff_day, scope(runs))
                ).rowcount

            purge_where(
                retention_weeks,
                lambda t: t.c.workspace.not_in(list(overrides)) if overrides else true(),
            )
            for workspace, weeks in overrides.items():
                purge_where(weeks, lambda t, w=workspace: t.c.workspace == w)
            events = _t(ProcessedEvent)
            removed[events.name] += conn.execute(
                delete(events).where(events.c.created_at < now - timedelta(days=event_days))
            ).rowcount
        self.refresh_statistics()
        return dict(removed)
