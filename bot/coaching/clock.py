"""Clocks for the policy: the system clock, and a settable one for tests and replays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, `coachbot replay`)."""

    def __init__(self, start: datetime | float | None = None) -> None:
        """Start at `start` (a datetime or Unix seconds); default 2024-01-01 00:00 UTC."""
        self.now = datetime(2024, 1, 1, tzinfo=UTC)
        if start is not None:
            self.set(start)

    def __call__(self) -> datetime:
        """The clock's current time."""
        return self.now

    def set(self, when: datetime | float) -> None:
        """Jump to a time (naive datetimes are taken as UTC)."""
        if isinstance(when, int | float):
            self.now = datetime.fromtimestamp(float(when), UTC)
        elif when.tzinfo is None:
            self.now = when.replace(tzinfo=UTC)
        else:
            self.now = when.astimezone(UTC)

    def advance(self, delta: timedelta | float) -> None:
        """Move forward by a timedelta or a number of seconds."""
        self.now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
