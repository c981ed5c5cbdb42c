"""Streaming, mergeable aggregates of an analysed export (counters only, bounded memory)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from bot.core.models import Analysis, Level
from bot.digest.stats import DelayHistogram, balance_reading, gini, share, top_fifth_share
from bot.importers.base import ImportedMessage

EXACT_SAMPLES = 4096  # exact median up to this many answers per channel, then a histogram


class MedianEstimator:
    """Median with bounded memory: exact for small samples, 5%-bucket histogram beyond."""

    __slots__ = ("_hist", "_values")

    def __init__(self) -> None:
        self._values: list[float] | None = []
        self._hist: DelayHistogram | None = None

    def add(self, value: float) -> None:
        """Record one sample."""
        if self._values is not None:
            self._values.append(value)
            if len(self._values) > EXACT_SAMPLES:
                self._to_histogram()
        else:
            assert self._hist is not None
            self._hist.add(value)

    def _to_histogram(self) -> None:
        hist = DelayHistogram()
        for v in self._values or ():
            hist.add(v)
        self._values = None
        self._hist = hist

    def merge(self, other: MedianEstimator) -> None:
        """Add another estimator's samples."""
        if other._values is not None:
            for v in other._values:
                self.add(v)
            return
        if self._hist is None:
            self._to_histogram()
        assert self._hist is not None and other._hist is not None
        self._hist.merge(other._hist)

    @property
    def count(self) -> int:
        """Number of samples."""
        if self._values is not None:
            return len(self._values)
        return self._hist.count if self._hist is not None else 0

    def median(self) -> float | None:
        """The (possibly approximate) median, or None without samples."""
        if self._values is not None:
            values = sorted(self._values)
            n = len(values)
            if not n:
                return None
            return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
        assert self._hist is not None
        return self._hist.median()


@dataclass(slots=True)
class ChannelAggregate:
    """Counters of one channel over the whole export (plus per-person message counts)."""

    name: str
    messages: int = 0
    per_user: Counter[str] = field(default_factory=Counter)
    questions: int = 0
    answered: int = 0
    delays: MedianEstimator = field(default_factory=MedianEstimator)
    negative: int = 0
    positive: int = 0
    thanks: int = 0
    credits: int = 0
    nudges: int = 0
    praise: int = 0
    findings_by_rule: Counter[str] = field(default_factory=Counter)

    def merge(self, other: ChannelAggregate) -> None:
        """Add another aggregate of the same channel."""
        self.messages += other.messages
        self.per_user.update(other.per_user)
        self.questions += other.questions
        self.answered += other.answered
        self.delays.merge(other.delays)
        self.negative += other.negative
        self.positive += other.positive
        self.thanks += other.thanks
        self.credits += other.credits
        self.nudges += other.nudges
        self.praise += other.praise
        self.findings_by_rule.update(other.findings_by_rule)

    def to_json(self) -> dict[str, Any]:
        """The channel object of `analyze --json` (exact contract)."""
        counts = list(self.per_user.values())
        median = self.delays.median()
        return {
            "name": self.name,
            "messages": self.messages,
            "people": len(self.per_user),
            "questions": self.questions,
            "answered_questions": self.answered,
            "median_first_answer_seconds": None if median is None else round(median, 1),
            "top_fifth_share": round(top_fifth_share(counts), 4),
            "gini": round(gini(counts), 4),
            "negative_share": round(share(self.negative, self.messages), 4),
            "positive_share": round(share(self.positive, self.messages), 4),
            "nudges": self.nudges,
            "praise": self.praise,
            "findings_by_rule": dict(sorted(self.findings_by_rule.items())),
        }

    def balance_text(self) -> str:
        """Plain-words reading of the balance of voices."""
        return balance_reading(self.per_user.values())


@dataclass(slots=True)
class WeekAggregate:
    """Messages, authors and negative messages of one week (Monday, UTC)."""

    messages: int = 0
    people: set[str] = field(default_factory=set)
    negative: int = 0

    def merge(self, other: WeekAggregate) -> None:
        """Add another aggregate of the same week."""
        self.messages += other.messages
        self.people |= other.people
        self.negative += other.negative


def week_of(ts: float) -> str:
    """The Monday (UTC) of the week of a timestamp, as YYYY-MM-DD."""
    return _week_of_day(int(ts // 86400))


@lru_cache(maxsize=4096)
def _week_of_day(day_number: int) -> str:
    """The Monday of the week of a day counted from 1970-01-01 (UTC); cached per day."""
    day = datetime.fromtimestamp(day_number * 86400, UTC).date()
    return (day - timedelta(days=day.weekday())).isoformat()


@dataclass(slots=True)
class ExportReport:
    """Everything `coachbot analyze` reports, accumulated message by message.

    Holds counters per channel and per week and the set of authors per channel and week;
    never message text. Reports of separate parts of an export merge into one.
    """

    source: str
    channels: dict[str, ChannelAggregate] = field(default_factory=dict)
    weeks: dict[str, WeekAggregate] = field(default_factory=dict)
    other_messages: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)

    def add(self, imported: ImportedMessage, analysis: Analysis | None) -> None:
        """Count one message; non-human messages are only tallied, never analysed."""
        if not imported.human or analysis is None:
            self.other_messages += 1
            return
        msg = imported.message
        key = msg.channel
        channel = self.channels.get(key)
        if channel is None:
            channel = self.channels[key] = ChannelAggregate(imported.channel_name)
        channel.messages += 1
        channel.per_user[msg.user] += 1
        if analysis.is_question:
            channel.questions += 1
        if analysis.answers_user is not None and analysis.answers_user != msg.user:
            channel.answered += 1
            if analysis.answer_delay is not None:
                channel.delays.add(analysis.answer_delay)
        if analysis.tone < 0:
            channel.negative += 1
        elif analysis.tone > 0:
            channel.positive += 1
        if analysis.thanks:
            channel.thanks += 1
        channel.credits += len(analysis.credited)
        for finding in analysis.findings:
            channel.findings_by_rule[finding.rule] += 1
            if finding.level == Level.PRAISE:
                channel.praise += 1
            else:
                channel.nudges += 1
        if msg.ts is not None:
            week_key = week_of(msg.ts)
            week = self.weeks.get(week_key)
            if week is None:
                week = self.weeks[week_key] = WeekAggregate()
            week.messages += 1
            week.people.add(msg.user)
            if analysis.tone < 0:
                week.negative += 1

    def problem(self, where: str, what: str) -> None:
        """Record a skipped file or line."""
        self.problems.append((where, what))

    def merge(self, other: ExportReport) -> None:
        """Add the report of another part of the same export."""
        for key, channel in other.channels.items():
            mine = self.channels.get(key)
            if mine is None:
                self.channels[key] = channel
            else:
                mine.merge(channel)
        for key, week in other.weeks.items():
            existing = self.weeks.get(key)
            if existing is None:
                self.weeks[key] = week
            else:
                existing.merge(week)
        self.other_messages += other.other_messages
        self.problems.extend(other.problems)

    @property
    def messages(self) -> int:
        """Human messages in the export."""
        return sum(c.messages for c in self.channels.values())

    def people(self) -> int:
        """Distinct human authors in the export."""
        authors: set[str] = set()
        for channel in self.channels.values():
            authors.update(channel.per_user)
        return len(authors)

    def findings_by_rule(self) -> Counter[str]:
        """Findings per rule over the whole export."""
        total: Counter[str] = Counter()
        for channel in self.channels.values():
            total.update(channel.findings_by_rule)
        return total

    def ordered_channels(self) -> list[ChannelAggregate]:
        """Channels by message count (busiest first), then name."""
        return sorted(self.channels.values(), key=lambda c: (-c.messages, c.name))

    def to_json(self) -> dict[str, Any]:
        """The `analyze --json` object (exact contract of the issue)."""
        return {
            "source": self.source,
            "messages": self.messages,
            "people": self.people(),
            "channels": [c.to_json() for c in self.ordered_channels()],
            "findings_by_rule": dict(sorted(self.findings_by_rule().items())),
            "weeks": [
                {
                    "week": key,
                    "messages": week.messages,
                    "people": len(week.people),
                    "negative_share": round(share(week.negative, week.messages), 4),
                }
                for key, week in sorted(self.weeks.items())
            ],
        }
