"""Reading the JSON-lines message format shared by `check`, `replay`, `eval` and `analyze`."""

from __future__ import annotations

import io
import json
import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.core.models import Message


class InputError(ValueError):
    """A malformed input line; the message says what is wrong."""


# The times a datetime can hold, with a week to spare at each end (reports count weeks).
EARLIEST_TS = datetime(1, 1, 8, tzinfo=UTC).timestamp()
LATEST_TS = datetime(9999, 12, 24, tzinfo=UTC).timestamp()


def usable_ts(ts: float) -> bool:
    """Whether Unix seconds name a time (not NaN or infinite, years 1 to 9999)."""
    return EARLIEST_TS <= ts <= LATEST_TS


def parse_ts(value: Any) -> float:
    """Unix seconds from a number, a Slack ts string ("1718000000.000100") or ISO 8601.

    ISO times may use a space instead of 'T'; naive times are UTC. A number that is no time
    (NaN, infinite, beyond the years 1 to 9999) is refused like any other bad value.
    """
    ts = _parse_ts(value)
    if not usable_ts(ts):
        raise InputError(f"ts {_shown(value)} is not a time between the years 1 and 9999")
    return ts


def _shown(value: Any) -> str:
    """A value as an error message quotes it (cut short: it may be huge)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_ts(value: Any) -> float:
    if isinstance(value, bool):
        raise InputError(f"ts must be a number or a time string, not {value!r}")
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:  # an int too large for a float: no time (parse_ts refuses it)
            return math.inf
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"ts must be a number or a time string, not {value!r}")
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InputError(
            f"ts {value!r} is neither Unix seconds nor an ISO 8601 time"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


@dataclass(frozen=True, slots=True)
class InputLine:
    """One parsed input line: its 0-based number and the JSON object, or the error."""

    number: int
    data: dict[str, Any] | None
    error: str | None = None

    @property
    def id(self) -> Any:
        """The input's `id`, or the 0-based line number when it has none."""
        if self.data is not None and self.data.get("id") is not None:
            return self.data["id"]
        return self.number


def _open(source: str | Path) -> TextIO:
    """The file (or stdin for '-') as UTF-8 text: a byte that is not UTF-8 becomes U+FFFD, a
    leading byte-order mark is dropped, and only a line feed ends a line (a carriage return
    inside a line is JSON whitespace, not a line break)."""
    if str(source) == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:
            return sys.stdin
        return io.TextIOWrapper(buffer, encoding="utf-8-sig", errors="replace", newline="\n")
    return open(source, encoding="utf-8-sig", errors="replace", newline="\n")  # noqa: SIM115


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"number {literal} is out of range")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _loads(line: str) -> Any:
    """Strict JSON: no NaN or Infinity, and no number too large for a float (they would be
    echoed back as invalid JSON)."""
    return json.loads(line, parse_float=_finite_float, parse_constant=_no_constant)


def read_jsonl(
    source: str | Path, require: tuple[str, ...] = ("text",), *, blank_lines: bool = False
) -> Iterator[InputLine]:
    """Yield every non-blank line of a JSONL file (or '-' for stdin), parsed or with its error.

    `text` must be a string; each field in `require` must be present; `ts` and a thread
    (`thread_ts` or `thread`) must be readable (`parse_ts`, `thread_key`). Blank lines are
    skipped but still counted, so line numbers match the file; with `blank_lines` they are
    yielded too, with neither data nor error.
    """
    stream = _open(source)
    try:
        for number, line in enumerate(stream):
            if not line.strip():
                if blank_lines:
                    yield InputLine(number, None)
                continue
            try:
                data = _loads(line)
            except json.JSONDecodeError as exc:
                what = exc.msg.removesuffix(" at")  # ("Invalid control character at")
                yield InputLine(number, None, f"invalid JSON ({what} at column {exc.colno})")
                continue
            except (ValueError, RecursionError) as exc:
                yield InputLine(number, None, f"invalid JSON ({exc})")
                continue
            if not isinstance(data, dict):
                yield InputLine(number, None, "each line must be a JSON object")
                continue
            missing = [field for field in require if field not in data]
            if missing:
                yield InputLine(number, data, f"missing field(s): {', '.join(missing)}")
                continue
            if "text" in data and not isinstance(data["text"], str):
                yield InputLine(number, data, "'text' must be a string")
                continue
            try:
                if data.get("ts") is not None:
                    data["ts"] = parse_ts(data["ts"])
                thread_key(data.get("thread_ts") or data.get("thread"))
            except InputError as exc:
                yield InputLine(number, data, str(exc))
                continue
            yield InputLine(number, data)
    finally:
        if str(source) != "-":
            stream.close()
        elif stream is not sys.stdin and isinstance(stream, io.TextIOWrapper):
            stream.detach()  # (stdin's own buffer stays open)


def thread_key(value: Any) -> str | None:
    """The key of a thread given as `thread_ts`/`thread`: a time (Slack's thread_ts, Unix
    seconds, ISO 8601) as the engine keys message times, any other string as it is (an opaque
    thread id such as "gh-123"); None for none."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(f"thread must be a string or a number, not {value!r}")
    try:
        return f"{parse_ts(value):.6f}"
    except InputError:
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise


_MENTION = re.compile(r"<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>")


def message_from_line(
    data: dict[str, Any], number: int, *, platform: str, workspace: str
) -> Message:
    """The Message of one JSON line of the shared format (`check`, `replay`, `analyze`).

    `text` is required; `channel` defaults to "default" and `user` to `anonymous-<number>`
    (each unnamed line its own author); `ts` takes any form `parse_ts` reads and
    `thread_ts`/`thread` any form `thread_key` reads; `mentions` is a list or else the `<@U…>`
    mentions in the text; `is_bot`, `bot_id` or `bot` mark a bot; `id` defaults to the 0-based
    line number.
    """
    text = data["text"]
    mentions = data.get("mentions")
    if not isinstance(mentions, list):
        mentions = _MENTION.findall(text)
    thread = thread_key(data.get("thread_ts") or data.get("thread"))
    ts = data.get("ts")
    return Message(
        platform=platform,
        workspace=workspace,
        channel=str(data.get("channel") or "default"),
        user=str(data.get("user") or f"anonymous-{number}"),
        text=text,
        ts=parse_ts(ts) if ts is not None else None,
        thread=thread,
        is_bot=bool(data.get("is_bot") or data.get("bot_id") or data.get("bot")),
        mentions=tuple(str(m) for m in mentions),
        id=str(data["id"]) if data.get("id") is not None else str(number),
    )


def line_error(source: str | Path, line: InputLine) -> str:
    """The stderr message for a malformed line: names the file and 1-based line."""
    name = "<stdin>" if str(source) == "-" else str(source)
    return f"{name}:{line.number + 1}: skipped: {line.error}"
