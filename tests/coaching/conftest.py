"""Fixtures for coaching tests: a scripted engine, a manual clock and a Coach on a real database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.coaching.clock import ManualClock
from bot.coaching.coach import Coach
from bot.coaching.models import CommandContext
from bot.core.models import Analysis, Category, Finding, Level, Message
from bot.store import Store

RULES_DIR = Path(__file__).parent / "rules"
START = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)  # a Monday


@dataclass(frozen=True)
class FakeRule:
    """The rule-spec fields the coach reads."""

    id: str
    pack: str
    kind: str
    category: Category
    level: Level
    message: str
    suggestion: str | None = None
    link: str | None = None


RULES = [
    FakeRule(
        "tone.blame",
        "tone",
        "phrase",
        Category.TONE,
        Level.NUDGE,
        "Blame makes people defensive. Describing the problem invites help.",
        "Describe what happened.",
        "https://example.org/blame",
    ),
    FakeRule(
        "clarity.asap",
        "clarity",
        "phrase",
        Category.CLARITY,
        Level.NUDGE,
        "ASAP hides the deadline. A time helps people plan.",
        None,
        None,
    ),
    FakeRule(
        "inclusion.guys",
        "inclusion",
        "substitution",
        Category.INCLUSION,
        Level.TIP,
        "A group word includes everyone.",
        "Try folks.",
        None,
    ),
    FakeRule(
        "appreciation.thanks",
        "appreciation",
        "phrase",
        Category.APPRECIATION,
        Level.PRAISE,
        "Thanks makes work visible.",
        None,
        None,
    ),
]
TRIGGERS = {"blame": RULES[0], "asap": RULES[1], "guys": RULES[2], "thanks": RULES[3]}


class ScriptedEngine:
    """An engine whose findings come from trigger words, so policy tests control them exactly."""

    def __init__(self) -> None:
        self.rules = list(RULES)
        self.evaluated: list[str] = []

    def analyze(self, message: Message) -> list[Finding]:
        return self._findings(message)

    def _findings(self, message: Message) -> list[Finding]:
        found = []
        lowered = message.text.lower()
        for word, rule in TRIGGERS.items():
            at = lowered.find(word)
            if at >= 0:
                found.append(
                    Finding(
                        rule.id,
                        rule.category,
                        rule.level,
                        rule.message,
                        rule.suggestion,
                        at,
                        at + len(word),
                        rule.link,
                    )
                )
        return found

    def evaluate_many(self, messages: Sequence[Message]) -> list[Analysis]:
        return [self.evaluate(message) for message in messages]

    def evaluate(self, message: Message) -> Analysis:
        self.evaluated.append(message.id or "")
        findings = self._findings(message)
        thanks = any(f.level == Level.PRAISE for f in findings)
        lowered = message.text.lower()
        return Analysis(
            findings=findings,
            words=len(message.text.split()),
            questions=message.text.count("?"),
            is_question="?" in message.text,
            tone=-1 if "awful" in lowered else (1 if "great" in lowered else 0),
            thanks=thanks,
            credited=tuple(u for u in message.mentions if u != message.user) if thanks else (),
            answers_user="asker" if "answer" in lowered else None,
            answer_delay=42.0 if "answer" in lowered else None,
        )


@pytest.fixture
def clock() -> ManualClock:
    """A clock at START that moves only when told to."""
    return ManualClock(START)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated store on SQLite and (when configured) PostgreSQL."""
    opened = Store.open(database_url)
    yield opened
    opened.close()


@pytest.fixture
def coach(store: Store, clock: ManualClock) -> Coach:
    """A Coach with the scripted engine on SQLite and (when configured) PostgreSQL."""
    return Coach(ScriptedEngine(), store, clock)


class Chat:
    """Builds messages with increasing ids whose ts follows the clock."""

    def __init__(self, clock: ManualClock, workspace: str = "T1", channel: str = "C1") -> None:
        self.clock = clock
        self.workspace = workspace
        self.channel = channel
        self.count = 0

    def msg(self, user: str, text: str, **kw: object) -> Message:
        self.count += 1
        fields: dict = {
            "platform": "slack",
            "workspace": self.workspace,
            "channel": self.channel,
            "user": user,
            "text": text,
            "ts": self.clock().timestamp(),
            "id": f"m{self.count}",
        }
        fields.update(kw)
        return Message(**fields)


@pytest.fixture
def chat(clock: ManualClock) -> Chat:
    """A message factory in workspace T1, channel C1."""
    return Chat(clock)


def make_ctx(user: str = "U1", admin: bool = False, channel: str | None = "C1") -> CommandContext:
    """A command context in workspace T1."""
    return CommandContext(
        platform="slack", workspace="T1", user=user, channel=channel, is_admin=admin
    )


@pytest.fixture
def ctx():  # type: ignore[no-untyped-def]
    """Factory of command contexts: ctx(user="U1", admin=False, channel="C1")."""
    return make_ctx
