"""Shadow mode: run a message stream through engine and policy and report the nudges it would send."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.coaching.clock import ManualClock
from bot.coaching.coach import Coach, EngineLike
from bot.core.jsonl import InputLine, message_from_line, read_jsonl
from bot.core.models import Message
from bot.store import Store

REQUIRED = ("text", "user", "channel", "ts")


@dataclass(slots=True)
class ReplaySummary:
    """Counts of a replay: messages read, lines skipped, nudges per rule and per person."""

    messages: int = 0
    skipped: int = 0
    nudges: int = 0
    per_rule: Counter[str] = field(default_factory=Counter)
    per_person: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        """The `--summary` JSON shape."""
        return {
            "messages": self.messages,
            "skipped": self.skipped,
            "nudges": self.nudges,
            "per_rule": dict(self.per_rule.most_common()),
            "per_person": dict(self.per_person.most_common()),
        }


@contextmanager
def replay_store(database_url: str | None) -> Iterator[Store]:
    """The given database, or a fresh temporary SQLite one deleted afterwards."""
    if database_url:
        store = Store.open(database_url)
        try:
            yield store
        finally:
            store.close()
        return
    with tempfile.TemporaryDirectory(prefix="coachbot-replay-") as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'replay.db'}")
        try:
            yield store
        finally:
            store.close()


def line_message(line: InputLine, workspace: str) -> Message:
    """The Message of one valid replay line (`mentions` from the line, else from `<@U…>`)."""
    return message_from_line(line.data or {}, line.number, platform="replay", workspace=workspace)


def replay_lines(
    source: str | Path,
    engine: EngineLike,
    store: Store,
    *,
    workspace: str = "replay",
    optout: Iterable[str] = (),
    on_nudge: Callable[[dict[str, Any]], None] | None = None,
    on_error: Callable[[InputLine], None] | None = None,
) -> ReplaySummary:
    """Replay a JSONL file (or '-') with the policy clock following message timestamps.

    Calls `on_nudge` with `{"id", "user", "channel", "rule", "level", "message"}` for every
    nudge that would be delivered, and `on_error` for every malformed line (then continues).
    """
    clock = ManualClock()
    coach = Coach(engine, store, clock, retention_job=False)  # a replay never deletes data
    for user in optout:
        store.update_prefs(workspace, user, clock(), opted_out=True, opted_in=False)
    summary = ReplaySummary()
    for line in read_jsonl(source, require=REQUIRED):
        problem = line.error
        if problem is None and line.data is not None:
            if line.data.get("ts") is None:
                problem = "ts is required (Unix seconds, Slack ts or ISO 8601)"
            elif not str(line.data.get("user") or "") or not str(line.data.get("channel") or ""):
                problem = "user and channel must not be empty"
        if problem is not None or line.data is None:
            summary.skipped += 1
            if on_error is not None:
                on_error(InputLine(line.number, line.data, problem or "malformed line"))
            continue
        message = line_message(line, workspace)
        clock.set(message.ts or 0.0)
        summary.messages += 1
        for nudge in coach.process(message):
            coach.record_delivery(nudge.id, delivered=True)
            summary.nudges += 1
            summary.per_rule[nudge.rule] += 1
            summary.per_person[nudge.user] += 1
            if on_nudge is not None:
                on_nudge(
                    {
                        "id": line.id,
                        "user": nudge.user,
                        "channel": nudge.channel,
                        "rule": nudge.rule,
                        "level": nudge.level,
                        "message": nudge.message,
                    }
                )
    return summary
