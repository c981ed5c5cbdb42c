"""What every export reader yields: neutral messages with a human/other flag, and its errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot.core.models import Message


class ExportError(Exception):
    """An export (or one of its files) that cannot be read; the message names the file."""


# Called with (file, what is wrong) for a file or line that was skipped.
ProblemHandler = Callable[[str, str], None]
# Called with an amount of work done (files or bytes, as the reader's `total` counts).
ProgressHandler = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ImportedMessage:
    """One message of an export: `human` is False for bots, joins and other system events."""

    message: Message
    human: bool
    channel_name: str


class Export(Protocol):
    """An opened export: units (channels or files) that can be read independently."""

    kind: str
    source: str

    def units(self) -> list[str]:
        """Independent parts of the export (a channel's messages are all in one unit)."""
        ...

    def total(self, unit: str) -> int:
        """Work in a unit, in the amount the reader reports as progress."""
        ...

    def read(
        self,
        unit: str,
        since: float | None = None,
        until: float | None = None,
        on_problem: ProblemHandler | None = None,
        on_progress: ProgressHandler | None = None,
    ) -> Iterator[ImportedMessage]:
        """Stream one unit's messages in time order (per channel), `since <= ts < until`."""
        ...


_SLACK_TS = re.compile(r"^\d+(\.\d+)?$")


def parse_ts(value: object) -> float:
    """A timestamp as Unix seconds: a number, a Slack "1512085950.000216" string, or ISO 8601.

    ISO 8601 may use "T" or a space between date and time; a naive value is taken as UTC.
    Raises ValueError when the value is none of these.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if _SLACK_TS.match(text):
            return float(text)
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not a timestamp: {value!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    raise ValueError(f"not a timestamp: {value!r}")


def in_range(ts: float | None, since: float | None, until: float | None) -> bool:
    """Whether a timestamp falls in [since, until) (messages without a time always do)."""
    if ts is None:
        return True
    if since is not None and ts < since:
        return False
    return not (until is not None and ts >= until)
