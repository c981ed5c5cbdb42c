"""What every export reader yields: neutral messages with a human/other flag, and its errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple, Protocol

from bot.core.jsonl import parse_ts
from bot.core.models import Message

__all__ = ["ExportError", "ImportedMessage", "parse_ts"]


class ExportError(Exception):
    """An export (or one of its files) that cannot be read; the message names the file."""


# Called with (file, what is wrong) for a file or line that was skipped.
ProblemHandler = Callable[[str, str], None]
# Called with an amount of work done (files or bytes, as the reader's `total` counts).
ProgressHandler = Callable[[int], None]


class ImportedMessage(NamedTuple):
    """One message of an export: `human` is False for bots, joins and other system events.

    (A named tuple: made once per message of an export, it costs half a frozen dataclass.)
    """

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


def in_range(ts: float | None, since: float | None, until: float | None) -> bool:
    """Whether a timestamp falls in [since, until) (messages without a time always do)."""
    if ts is None:
        return True
    if since is not None and ts < since:
        return False
    return not (until is not None and ts >= until)
