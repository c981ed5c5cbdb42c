"""Reader of DiscordChatExporter JSON exports (one file per channel, or a folder of them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from bot.core.models import Message
from bot.importers.base import (
    ExportError,
    ImportedMessage,
    ProblemHandler,
    ProgressHandler,
    in_range,
    parse_ts,
)

# Message types written by a person; joins, pins, calls, thread notices ... are not.
HUMAN_TYPES = frozenset({"Default", "Reply"})
_PROGRESS_STEP = 1 << 20  # report progress about every megabyte
# How many recent messages' authors a file remembers, so a reply (`reference.messageId`) can name
# the author it answers (exports are in time order; older replies are rare).
REPLY_MEMORY = 10_000


def _head(handle: BinaryIO, limit: int = 65536) -> bytes:
    data = handle.read(limit)
    handle.seek(0)
    return data


def looks_like_discord_file(path: Path) -> bool:
    """True for a .json file whose top-level object starts with guild/channel/messages keys."""
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    with path.open("rb") as handle:
        head = _head(handle).lstrip()
    return head.startswith(b"{") and (b'"guild"' in head or b'"messages"' in head) and (
        b'"channel"' in head or b'"messages"' in head
    )


class DiscordExport:
    """DiscordChatExporter JSON: each file (one channel) is one unit, streamed with ijson."""

    kind = "discord"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.source = str(path)
        if self.path.is_dir():
            self._files = sorted(p for p in self.path.rglob("*.json") if p.is_file())
            if not self._files:
                raise ExportError(f"{self.path}: no DiscordChatExporter .json files found")
        elif self.path.is_file():
            self._files = [self.path]
        else:
            raise ExportError(f"{self.path}: no such file or folder")

        # DiscordChatExporter splits a long channel into "<name> [part N].json" files: the parts
        # of one channel form one unit, read in part order (the conversation runs across them).
        self._parts: dict[str, list[Path]] = {}
        for file in self._files:
            match = _PART.match(file.name)
            key = str(file.with_name(match["base"] + match["ext"])) if match else str(file)
            self._parts.setdefault(key, []).append(file)
        for files in self._parts.values():
            files.sort(key=_part_number)

    def units(self) -> list[str]:
        """The export's channels: a file each, or the parts of a channel split into several."""
        return list(self._parts)

    def total(self, unit: str) -> int:
        """The unit's size in bytes."""
        return sum(_size(str(file)) for file in self._parts.get(unit, [Path(unit)]))

    def read(
        self,
        unit: str,
        since: float | None = None,
        until: float | None = None,
        on_problem: ProblemHandler | None = None,
        on_progress: ProgressHandler | None = None,
    ) -> Iterator[ImportedMessage]:
        """Stream one channel's messages, part after part; a malformed file is reported and
        skipped (the other parts are still read)."""
        authors: dict[str, str] = {}  # message id -> author id, the REPLY_MEMORY latest
        for file in self._parts.get(unit, [Path(unit)]):
            yield from self._read_file(str(file), since, until, on_problem, on_progress, authors)

    def _header(self, unit: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The guild and channel objects (written before the messages in the file).

        Each is found with an event-level scan that stops at the first match, so a huge or
        odd file is never loaded whole.
        """
        found: list[dict[str, Any]] = []
        for prefix in ("guild", "channel"):
            value: Any = None
            try:
                with open(unit, "rb") as handle:
                    value = next(iter(ijson.items(handle, prefix, use_float=True)), None)
            except (ijson.JSONError, OSError, UnicodeDecodeError) as exc:
                # (Not the parser's message: it quotes the text around the error.)
                raise ExportError(
                    f"{unit}: not valid DiscordChatExporter JSON ({_what(exc)})"
                ) from None
            found.append(value if isinstance(value, dict) else {})
        return found[0], found[1]

    def _read_file(
        self,
        unit: str,
        since: float | None,
        until: float | None,
        on_problem: ProblemHandler | None,
        on_progress: ProgressHandler | None,
        authors: dict[str, str],
    ) -> Iterator[ImportedMessage]:
        """Stream one file's messages; a malformed file is reported and skipped."""
        try:
            guild, channel = self._header(unit)
        except ExportError as exc:
            if on_problem:
                on_problem(unit, str(exc).split(": ", 1)[-1])
            if on_progress:
                on_progress(_size(unit))
            return
        if not channel:
            if on_problem:
                on_problem(unit, "not a DiscordChatExporter export (no \"channel\" object)")
            if on_progress:
                on_progress(_size(unit))
            return
        workspace = str(guild.get("id") or "export")
        channel_id = str(channel.get("id") or Path(unit).stem)
        channel_name = str(channel.get("name") or channel_id)
        reported = 0
        try:
            with open(unit, "rb") as handle:
                for item in ijson.items(handle, "messages.item", use_float=True):
                    imported = _convert(item, workspace, channel_id, channel_name, authors)
                    if on_progress:
                        position = handle.tell()
                        if position - reported >= _PROGRESS_STEP:
                            on_progress(position - reported)
                            reported = position
                    if imported is None or not in_range(imported.message.ts, since, until):
                        continue
                    yield imported
        except (ijson.JSONError, OSError, UnicodeDecodeError) as exc:
            if on_problem:
                on_problem(unit, f"malformed JSON, rest of the file skipped ({_what(exc)})")
        if on_progress:
            on_progress(max(0, _size(unit) - reported))


# A part of a channel split by DiscordChatExporter: "<name> [part 2].json".
_PART = re.compile(r"^(?P<base>.*?) \[part (?P<number>\d+)\](?P<ext>\.json)$", re.IGNORECASE)


def _part_number(file: Path) -> int:
    match = _PART.match(file.name)
    return int(match["number"]) if match else 0


def _size(file: str) -> int:
    try:
        return Path(file).stat().st_size
    except OSError:
        return 0


def _what(exc: BaseException) -> str:
    """What went wrong reading a file, without the parser's message (ijson quotes the text
    around a syntax error, and message text never reaches reports or logs)."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    if isinstance(exc, UnicodeDecodeError):
        return "bytes that are not UTF-8"
    return "a JSON syntax error"


def _replied_author(item: dict[str, Any], authors: dict[str, str]) -> str | None:
    """The author of the message `item` replies to, when that message is remembered."""
    reference = item.get("reference")
    if not isinstance(reference, dict) or reference.get("messageId") is None:
        return None
    return authors.get(str(reference["messageId"]))


def _convert(
    item: Any, workspace: str, channel_id: str, channel_name: str, authors: dict[str, str]
) -> ImportedMessage | None:
    """One exported message as an ImportedMessage (None for a non-object). A reply also
    mentions the author it replies to, so it answers that person's question; `authors`
    remembers this message's author for later replies."""
    if not isinstance(item, dict):
        return None
    author = item.get("author") if isinstance(item.get("author"), dict) else {}
    assert isinstance(author, dict)
    try:
        ts = parse_ts(item.get("timestamp"))
    except ValueError:
        ts = None
    content = item.get("content")
    text = content if isinstance(content, str) else ""
    kind = str(item.get("type") or "Default")
    human = kind in HUMAN_TYPES and not author.get("isBot") and author.get("id") is not None
    mentions = tuple(
        str(m["id"]) for m in item.get("mentions") or () if isinstance(m, dict) and "id" in m
    )
    replied = _replied_author(item, authors)
    if replied is not None and replied not in mentions:
        mentions += (replied,)
    if item.get("id") is not None and author.get("id") is not None:
        authors[str(item["id"])] = str(author["id"])
        if len(authors) > REPLY_MEMORY:
            del authors[next(iter(authors))]
    message = Message(
        platform="discord",
        workspace=workspace,
        channel=channel_id,
        user=str(author.get("id") or "unknown"),
        text=text,
        ts=ts,
        thread=None,
        is_bot=not human,
        mentions=mentions,
        id=str(item.get("id")) if item.get("id") is not None else None,
    )
    return ImportedMessage(message, human, channel_name)
