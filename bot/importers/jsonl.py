"""Reader of JSONL message files in the `coachbot check --jsonl` format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from bot.core.jsonl import message_from_line
from bot.importers.base import (
    ExportError,
    ImportedMessage,
    ProblemHandler,
    ProgressHandler,
    in_range,
)

_PROGRESS_STEP = 1 << 20


class JsonlExport:
    """One JSONL file: one object per line with `text` and optional id/user/channel/ts."""

    kind = "jsonl"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.source = str(path)
        if not self.path.is_file():
            raise ExportError(f"{self.path}: no such file")

    def units(self) -> list[str]:
        """The file itself (lines of different channels are interleaved)."""
        return [str(self.path)]

    def total(self, unit: str) -> int:
        """File size in bytes."""
        return self.path.stat().st_size

    def read(
        self,
        unit: str,
        since: float | None = None,
        until: float | None = None,
        on_problem: ProblemHandler | None = None,
        on_progress: ProgressHandler | None = None,
    ) -> Iterator[ImportedMessage]:
        """Stream the lines; a malformed line is reported (file:line) and skipped."""
        reported = done = 0
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise ExportError(f"{self.path}: cannot be read ({exc})") from None
        with handle:
            for number, raw in enumerate(handle, start=1):
                done += len(raw)
                if on_progress and done - reported >= _PROGRESS_STEP:
                    on_progress(done - reported)
                    reported = done
                line = raw.strip()
                if not line:
                    continue
                try:
                    imported = _convert(json.loads(line), number)
                except (ValueError, UnicodeDecodeError) as exc:
                    if on_problem:
                        on_problem(f"{self.path}:{number}", str(exc))
                    continue
                if in_range(imported.message.ts, since, until):
                    yield imported
        if on_progress:
            on_progress(done - reported)


def _convert(item: object, number: int) -> ImportedMessage:
    if not isinstance(item, dict):
        raise ValueError("expected a JSON object")
    text = item.get("text")
    if not isinstance(text, str):
        raise ValueError('missing "text" (a string)')
    # Defaults as in `coachbot check --jsonl`: channel "default", anonymous-<line> authors.
    message = message_from_line(item, number - 1, platform="jsonl", workspace="export")
    if item.get("id") is None:
        message = replace(message, id=str(number))
    channel = message.channel
    return ImportedMessage(message, not message.is_bot, channel)
