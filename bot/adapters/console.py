"""The console adapter: replays or takes chat in a terminal and shows private tips as text.

It powers `coachbot demo` (a bundled team conversation, no tokens, no network) and
`coachbot chat` (type as a named person and see the tips you would get).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TextIO

from bot.coaching.clock import ManualClock
from bot.coaching.coach import Coach
from bot.coaching.models import CommandContext, Nudge, Response
from bot.core.jsonl import parse_ts
from bot.core.models import Message

PLATFORM = "console"
WORKSPACE = "demo"
FEEDBACK_BUTTONS = "[Helpful] [Not helpful] [Snooze 1 day]"


@dataclass(frozen=True, slots=True)
class ScriptLine:
    """One message of a scripted conversation."""

    id: str
    user: str
    channel: str
    ts: float
    text: str


def demo_conversation() -> list[ScriptLine]:
    """The bundled demo conversation, in time order."""
    source = resources.files("bot.demo").joinpath("conversation.jsonl")
    lines = []
    for raw in source.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            data = json.loads(raw)
            lines.append(ScriptLine(str(data["id"]), data["user"], data["channel"],
                                    parse_ts(data["ts"]), data["text"]))
    return sorted(lines, key=lambda line: line.ts)


def render_nudge(nudge: Nudge) -> str:
    """A private tip as the person would see it in a terminal."""
    body = [f"private to {nudge.user} (only they see this)", nudge.message]
    if nudge.excerpt:
        body.append(f'About: "{nudge.excerpt}"')
    if nudge.why:
        body.append(f"Why: {nudge.why}")
    if nudge.suggestion:
        body.append(f"Try: {nudge.suggestion}")
    if nudge.link:
        body.append(f"Guideline: {nudge.link}")
    body.append(FEEDBACK_BUTTONS)
    return "\n".join(["   ┌─ " + body[0]] + [f"   │ {line}" for line in body[1:-1]]
                     + ["   └─ " + body[-1]])


def render_response(response: Response) -> str:
    """A command response as terminal text (charts are saved by the caller)."""
    text = response.as_text()
    if response.data is not None:
        text += "\n" + json.dumps(response.data, indent=2, default=str)
    return text


def _clock_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%a %H:%M")


class ConsoleSession:
    """A coach on a throwaway (or given) database, with a clock that follows the messages."""

    def __init__(self, out: TextIO, database_url: str | None = None,
                 rules: str | None = None) -> None:
        self.out = out
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if database_url is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="coachbot-console-")
            database_url = f"sqlite:///{Path(self._tmp.name) / 'coachbot.db'}"
        self.clock = ManualClock()
        self.coach = Coach.create(database_url=database_url, rules_path=rules, clock=self.clock)

    def close(self) -> None:
        """Close the database and remove a throwaway one."""
        self.coach.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def say(self, user: str, channel: str, text: str, ts: float, message_id: str) -> list[Nudge]:
        """Post a message as `user`; print it and any private tip it earns."""
        self.clock.set(ts)
        message = Message(PLATFORM, WORKSPACE, channel, user, text, ts=ts, id=message_id)
        nudges = self.coach.process(message, event_id=message_id)
        print(f"{_clock_time(ts)}  {user:>6}: {text}", file=self.out)
        for nudge in nudges:
            print(render_nudge(nudge), file=self.out)
            self.coach.record_delivery(nudge.id, True)
        return nudges

    def command(self, user: str, channel: str, text: str, admin: bool = True) -> Response:
        """Run `/coach <text>` as `user` and print the private answer."""
        ctx = CommandContext(PLATFORM, WORKSPACE, user, channel=channel, is_admin=admin)
        response = self.coach.command(ctx, text)
        print(render_response(response), file=self.out)
        return response


def _save_chart(response: Response, folder: Path) -> Path | None:
    if response.attachment is None:
        return None
    name, png = response.attachment
    path = folder / name
    path.write_bytes(png)
    return path


def run_demo(out: TextIO, chart_dir: Path | None = None) -> dict[str, int]:
    """Replay the bundled conversation through engine, policy and store; end with the digest."""
    script = demo_conversation()
    session = ConsoleSession(out)
    counts = {"messages": 0, "nudges": 0}
    try:
        channel = script[0].channel
        print(f"Coachbot demo: #{channel}, {len(script)} messages from "
              f"{len({s.user for s in script})} people. Private tips appear under the message "
              "that earned them; nobody else sees them.\n", file=out)
        for line in script:
            counts["messages"] += 1
            counts["nudges"] += len(session.say(line.user, line.channel, line.text, line.ts, line.id))
        # The digest is posted the Monday after the conversation's week.
        last = datetime.fromtimestamp(script[-1].ts, UTC)
        monday = (last + timedelta(days=7 - last.weekday())).replace(hour=9, minute=0, second=0)
        session.clock.set(monday)
        print(f"\n{counts['nudges']} private tips in {counts['messages']} messages.\n", file=out)
        print(f"--- {monday:%A %d %B}: the weekly digest for #{channel} "
              "(counters only, no names) ---\n", file=out)
        response = session.command("maya", channel, "digest preview", admin=True)
        folder = chart_dir or Path(tempfile.gettempdir())
        chart = _save_chart(response, folder)
        if chart is not None:
            print(f"\n(chart saved to {chart})", file=out)
    finally:
        session.close()
    return counts


def chat_lines(stream: TextIO) -> Iterator[str]:
    """Lines typed at the console, without their line breaks."""
    for line in stream:
        yield line.rstrip("\n")


def run_chat(stream: TextIO, out: TextIO, user: str, channel: str,
             database_url: str | None = None, interactive: bool = True) -> None:
    """An interactive console: type as `user`; `/user NAME` switches, `/coach ...` commands."""
    session = ConsoleSession(out, database_url)
    print(f"Chatting in #{channel} as {user}. Type a message; `/user NAME` to switch person, "
          "`/coach help` for commands, `/quit` to leave.", file=out)
    ts = datetime.now(UTC).timestamp()
    count = 0
    try:
        if interactive:
            print(f"{user}> ", end="", file=out, flush=True)
        for line in chat_lines(stream):
            text = line.strip()
            if text in ("/quit", "/exit"):
                break
            if text.startswith("/user "):
                user = text.split(None, 1)[1].strip() or user
            elif text.startswith("/coach"):
                session.command(user, channel, text[len("/coach"):].strip())
            elif text:
                count += 1
                ts += 1
                session.say(user, channel, text, ts, f"chat-{count}")
            if interactive:
                print(f"{user}> ", end="", file=out, flush=True)
    finally:
        session.close()
