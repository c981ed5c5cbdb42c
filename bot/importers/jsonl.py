"""Reader of JSONL message files in the `coachbot check --jsonl` format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from bot.core.models import Message
from bot.importers.base import (
    ExportError,
    ImportedMessage,
    ProblemHandler,
    ProgressHandler,
    in_range,
    parse_ts,
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
    ts = parse_ts(item["ts"]) if item.get("ts") is not None else None
    # Defaults as in `coachbot check --jsonl`: channel "default", anonymous-<line> authors.
    channel = str(item.get("channel") or "default")
    thread = item.get("thread_ts") or item.get("thread")
    message = Message(
        platform="jsonl",
        workspace="export",
        channel=channel,
        user=str(item.get("user") or f"anonymous-{number - 1}"),
        text=text,
        ts=ts,
        thread=f"{parse_ts(thread):.6f}" if thread else None,
        is_bot=bool(item.get("bot", False)),
        id=str(item.get("id") if item.get("id") is not None else number),
    )
    return ImportedMessage(message, not message.is_bot, channel)
