"""Reader of Slack workspace exports (.zip or folder): users.json, channels.json, day files."""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

from bot.core.conversation import addressed_name
from bot.core.jsonl import usable_ts
from bot.core.models import Message
from bot.importers.base import (
    ExportError,
    ImportedMessage,
    ProblemHandler,
    ProgressHandler,
    in_range,
)

_DAY_FILE = re.compile(r"^(?P<channel>.+)/(?P<day>\d{4}-\d{2}-\d{2})\.json$")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# Subtypes that are still a person writing; every other subtype (joins, leaves, topic
# changes, bot posts, pins, tombstones ...) is not counted as a person's message.
HUMAN_SUBTYPES = frozenset({"", "thread_broadcast", "file_share", "me_message"})
_META_FILES = ("channels.json", "groups.json", "mpims.json", "dms.json")


class _Tree:
    """Uniform read access to a folder or a zip archive (names use "/" and no root prefix)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        if path.is_file():
            try:
                self._zip = zipfile.ZipFile(path)
                names = self._zip.namelist()
            except (zipfile.BadZipFile, OSError) as exc:
                raise ExportError(f"{path}: not a readable zip archive ({exc})") from None
            # Some exports are zipped inside folders: the export's root is the shallowest folder
            # holding users.json or channels.json.
            roots = sorted(
                (n[: -len(meta)] for n in names for meta in ("users.json", "channels.json")
                 if n.endswith(meta)
                 and (n[: -len(meta)] == "" or n[: -len(meta)].endswith("/"))),
                key=lambda root: (root.count("/"), root),
            )
            self._prefix = roots[0] if roots else ""
            self.names = [n[len(self._prefix):] for n in names if n.startswith(self._prefix)]
        else:
            self.names = sorted(
                p.relative_to(path).as_posix() for p in path.rglob("*.json") if p.is_file()
            )

    def label(self, name: str) -> str:
        """How a member is named in errors: the archive or folder plus the member."""
        return f"{self.path}:{name}" if self._zip else str(self.path / name)

    def read(self, name: str) -> bytes:
        """The bytes of one member."""
        try:
            if self._zip is not None:
                return self._zip.read(self._prefix + name)
            return (self.path / name).read_bytes()
        except (OSError, KeyError, zipfile.BadZipFile, zlib.error, EOFError,
                NotImplementedError) as exc:
            # (A corrupt or truncated member, or a compression zipfile cannot undo.)
            raise ExportError(f"{self.label(name)}: cannot be read ({exc})") from None

    def load_json(self, name: str) -> Any:
        """Parse one member as JSON, raising ExportError naming it when it is malformed."""
        data = self.read(name)
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ExportError(f"{self.label(name)}: not valid JSON ({exc})") from None


def looks_like_slack_export(path: Path) -> bool:
    """True for a .zip or folder holding users.json or channels.json."""
    if path.is_dir():
        return (path / "users.json").is_file() or (path / "channels.json").is_file()
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return any(
                n.rsplit("/", 1)[-1] in ("users.json", "channels.json") for n in archive.namelist()
            )
    return False


class SlackExport:
    """A Slack workspace export; each channel folder is one unit, read day by day."""

    kind = "slack"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.source = str(path)
        self._tree = _Tree(self.path)
        self.users: dict[str, dict[str, Any]] = {}
        self._names: dict[str, str] = {}  # case-folded name -> user id (unambiguous names only)
        self.channel_names: dict[str, str] = {}  # folder -> channel id
        names = set(self._tree.names)
        if "users.json" in names:
            users = self._tree.load_json("users.json")
            if not isinstance(users, list):
                raise ExportError(f"{self._tree.label('users.json')}: expected a list of users")
            self.users = {u["id"]: u for u in users if isinstance(u, dict) and "id" in u}
        self._names = _names_of(self.users)
        # Authors whose posts are not people's: Slackbot, and users marked as bots or apps.
        self._bots = {"USLACKBOT"} | {
            user_id for user_id, info in self.users.items()
            if info.get("is_bot") or info.get("is_app_user")
        }
        for meta in _META_FILES:
            if meta not in names:
                continue
            channels = self._tree.load_json(meta)
            if not isinstance(channels, list):
                raise ExportError(f"{self._tree.label(meta)}: expected a list of channels")
            for ch in channels:
                if isinstance(ch, dict) and "id" in ch:
                    self.channel_names[str(ch.get("name") or ch["id"])] = str(ch["id"])
        self._days: dict[str, list[tuple[str, str]]] = {}
        for name in self._tree.names:
            match = _DAY_FILE.match(name)
            if match:
                self._days.setdefault(match["channel"], []).append((match["day"], name))
        for files in self._days.values():
            files.sort()
        if not self._days and not names & {"users.json", "channels.json"}:
            raise ExportError(f"{self.path}: no users.json, channels.json or day files found")

    def units(self) -> list[str]:
        """Channel folders, in name order."""
        return sorted(self._days)

    def total(self, unit: str) -> int:
        """Number of day files in a channel."""
        return len(self._days.get(unit, ()))

    def read(
        self,
        unit: str,
        since: float | None = None,
        until: float | None = None,
        on_problem: ProblemHandler | None = None,
        on_progress: ProgressHandler | None = None,
    ) -> Iterator[ImportedMessage]:
        """Stream one channel's messages, day file by day file, in time order."""
        channel_id = self.channel_names.get(unit, unit)
        first_day = _day(since, -1) if since is not None else None
        last_day = _day(until, 1) if until is not None else None
        for day, name in self._days.get(unit, ()):
            if (first_day and day < first_day) or (last_day and day > last_day):
                if on_progress:
                    on_progress(1)
                continue
            try:
                raw = self._tree.load_json(name)
                if not isinstance(raw, list):
                    raise ExportError(f"{self._tree.label(name)}: expected a list of messages")
            except ExportError as exc:
                if on_problem:
                    on_problem(self._tree.label(name), str(exc).split(": ", 1)[-1])
                if on_progress:
                    on_progress(1)
                continue
            parsed: list[tuple[float, ImportedMessage]] = []
            for item in raw:
                imported = self._convert(item, channel_id, unit)
                if imported is None:
                    continue
                ts = imported.message.ts
                if (since is None and until is None) or in_range(ts, since, until):
                    parsed.append((ts or 0.0, imported))
            parsed.sort(key=itemgetter(0))
            for _, imported in parsed:
                yield imported
            if on_progress:
                on_progress(1)

    def _convert(self, item: Any, channel_id: str, channel_name: str) -> ImportedMessage | None:
        # (Called once per message of the export: written for speed, one dict read per key.)
        if not isinstance(item, dict) or item.get("type", "message") != "message":
            return None
        raw_ts = item.get("ts")
        try:
            ts = float(raw_ts)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            return None
        if not usable_ts(ts):  # (NaN, infinite or beyond the years 1 to 9999)
            return None
        subtype = item.get("subtype")
        subtype = str(subtype) if subtype else ""
        user = item.get("user")
        text = item.get("text")
        if not isinstance(text, str):
            text = ""
        is_user = isinstance(user, str)
        human = (
            subtype in HUMAN_SUBTYPES
            and not item.get("bot_id")
            and is_user
            and user not in self._bots
        )
        thread = None
        thread_ts = item.get("thread_ts")
        if thread_ts is not None:
            try:
                thread_value = float(thread_ts)
            except (TypeError, ValueError, OverflowError):
                thread_value = None
            if thread_value is not None and abs(thread_value - ts) > 1e-7:
                thread = f"{thread_value:.6f}"
        message = Message(
            "slack",
            "export",
            channel_id,
            user if isinstance(user, str) else str(item.get("bot_id") or "unknown"),
            text,
            ts,
            thread,
            not human,
            self._mentions(text) if "<@" in text or (self._names and _may_address(text)) else (),
            raw_ts if type(raw_ts) is str else str(raw_ts),
        )
        return ImportedMessage(message, human, channel_name)

    def _mentions(self, text: str) -> tuple[str, ...]:
        """The people a message mentions (`<@U123>`), and the person it starts by addressing
        by name in plain text ("ana: can you look?"), so answers and questions put to someone
        are found as they are for a mention."""
        mentions = tuple(_MENTION.findall(text)) if "<@" in text else ()
        if _may_address(text):
            named = addressed_name(text)
            if named is not None:
                user = self._names.get(named.casefold())
                if user is not None and user not in mentions:
                    mentions += (user,)
        return mentions


def _may_address(text: str) -> bool:
    """Whether a text may start by addressing someone by name (`addressed_name` needs a `,`,
    `:` or `@` within its first 70 characters: at most 64 for the name, after some spaces)."""
    head = text[:70]
    return "," in head or ":" in head or "@" in head


def _names_of(users: dict[str, dict[str, Any]]) -> dict[str, str]:
    """People's one-word names, case-folded, to their ids: the handle, display and real names
    and the real name's first word. A name two people share is left out (it names nobody)."""
    owners: dict[str, set[str]] = {}
    for user_id, info in users.items():
        raw_profile = info.get("profile")
        profile: dict[str, Any] = raw_profile if isinstance(raw_profile, dict) else {}
        real = info.get("real_name") or profile.get("real_name")
        candidates = (
            info.get("name"), real, profile.get("display_name"), profile.get("real_name"),
            real.split()[0] if isinstance(real, str) and real.split() else None,
        )
        for name in candidates:
            if isinstance(name, str) and name and not any(c.isspace() for c in name):
                owners.setdefault(name.casefold(), set()).add(str(user_id))
    return {name: next(iter(ids)) for name, ids in owners.items() if len(ids) == 1}


def _day(ts: float, shift: int) -> str:
    """The UTC date of a timestamp, moved by `shift` days (day files are in local time)."""
    return (datetime.fromtimestamp(ts, UTC).date() + timedelta(days=shift)).isoformat()


__all__ = ["HUMAN_SUBTYPES", "SlackExport", "looks_like_slack_export"]
