"""SQLAlchemy tables of the store: settings, preferences and counters, never message text."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Identifier columns (workspace, channel, user ids from the platforms) are short opaque strings.
ID = String(128)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC on every backend and read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC before it is written."""
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach the UTC zone to a stored value."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for all store tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WorkspaceSetting(Base):
    """One admin-chosen setting of a workspace, as a JSON-encoded value under a key."""

    __tablename__ = "workspace_settings"

    workspace: Mapped[str] = mapped_column(ID, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class UserPrefs(Base):
    """One person's coaching preferences in one workspace."""

    __tablename__ = "user_prefs"

    workspace: Mapped[str] = mapped_column(ID, primary_key=True)
    user: Mapped[str] = mapped_column(ID, primary_key=True)
    paused: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    opted_in: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    personal_digest: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    dm_closed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class DailyCounter(Base):
    """Counters for one person in one channel on one UTC day."""

    __tablename__ = "daily_counters"

    workspace: Mapped[str] = mapped_column(ID, primary_key=True)
    channel: Mapped[str] = mapped_column(ID, primary_key=True)
    user: Mapped[str] = mapped_column(ID, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    words: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    questions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    answers: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    thanks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    praise_received: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    nudges_delivered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    tone_negative: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    tone_neutral: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    tone_positive: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (
        Index("ix_daily_counters_workspace_day", "workspace", "day"),
        # One channel's days (its digest, `/coach digest preview`): without it SQLite's planner
        # may scan every channel's days of the week through the index above.
        Index("ix_daily_counters_workspace_channel_day", "workspace", "channel", "day"),
    )


class RuleHit(Base):
    """How often one rule fired for one person in one channel on one UTC day."""

    __tablename__ = "rule_hits"

    workspace: Mapped[str] = mapped_column(ID, primary_key=True)
    channel: Mapped[str] = mapped_column(ID, primary_key=True)
    user: Mapped[str] = mapped_column(ID, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rule: Mapped[str] = mapped_column(String(128), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (Index("ix_rule_hits_workspace_day", "workspace", "day"),)


class AnswerDelay(Base):
    """Seconds from a question to its first answer (a number only), for medians."""

    __tablename__ = "answer_delays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(ID, nullable=False)
    channel: Mapped[str] = mapped_column(ID, nullable=False)
    user: Mapped[str] = mapped_column(ID, nullable=False)  # who answered
    day: Mapped[date] = mapped_column(Date, nullable=False)
    seconds: Mapped[float] = mapped_column(Float, nullable=False)

    __table_args__ = (Index("ix_answer_delays_workspace_day", "workspace", "day"),)


class NudgeLog(Base):
    """One nudge the policy decided to deliver: rule, person, time, outcome, feedback."""

    __tablename__ = "nudge_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32), nullable=False)
    workspace: Mapped[str] = mapped_column(ID, nullable=False)
    channel: Mapped[str] = mapped_column(ID, nullable=False)
    user: Mapped[str] = mapped_column(ID, nullable=False)
    rule: Mapped[str] = mapped_column(String(128), nullable=False)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    escalated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    delivered: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    error: Mapped[str | None] = mapped_column(String(128), nullable=True)
    feedback: Mapped[str | None] = mapped_column(String(16), nullable=True)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_nudge_log_workspace_user_created", "workspace", "user", "created_at"),
        Index("ix_nudge_log_workspace_rule", "workspace", "rule"),
    )


class ProcessedEvent(Base):
    """A platform event already handled; the primary key makes the claim atomic."""

    __tablename__ = "processed_events"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


class RuleDemotion(Base):
    """A rule demoted from nudge to tip in a workspace because people found it unhelpful."""

    __tablename__ = "rule_demotions"

    workspace: Mapped[str] = mapped_column(ID, primary_key=True)
    rule: Mapped[str] = mapped_column(String(128), primary_key=True)
    demoted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    helpful: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    not_helpful: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DigestRun(Base):
    """One weekly digest post, claimed by exactly one replica (unique per target and week)."""

    __tablename__ = "digest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(ID, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # 'channel' | 'personal'
    target: Mapped[str] = mapped_column(ID, nullable=False)  # channel id or user id
    week_start: Mapped[date] = mapped_column(Date, nullable=False)
    claimed_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    message_ref: Mapped[str | None] = mapped_column(String(255), nullable=True)

    __table_args__ = (UniqueConstraint("workspace", "kind", "target", "week_start"),)


# Tables holding rows about one person, with the column naming them (for mydata / forget).
PERSONAL_TABLES: tuple[type[Base], ...] = (
    UserPrefs,
    DailyCounter,
    RuleHit,
    AnswerDelay,
    NudgeLog,
)
