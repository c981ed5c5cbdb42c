"""The neutral data model every adapter and module speaks: messages in, findings out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Category(StrEnum):
    """What part of a conversation a rule is about."""

    TONE = "tone"
    INCLUSION = "inclusion"
    CLARITY = "clarity"
    ETIQUETTE = "etiquette"
    PARTICIPATION = "participation"
    APPRECIATION = "appreciation"


class Level(StrEnum):
    """How a finding is surfaced: praise (credit), tip (gentle), nudge (worth acting on)."""

    PRAISE = "praise"
    TIP = "tip"
    NUDGE = "nudge"

    @property
    def rank(self) -> int:
        """Ordering used for minimum-level filters: praise < tip < nudge."""
        return _LEVEL_RANK[self]


_LEVEL_RANK = {Level.PRAISE: 0, Level.TIP: 1, Level.NUDGE: 2}


@dataclass(slots=True, unsafe_hash=True)
class Message:
    """One chat message, as any platform adapter hands it to the core.

    Treat it as a value (hashable; derive changed copies with `dataclasses.replace`): it is not
    frozen only because a frozen dataclass costs four times more to create, once per message.
    """

    platform: str
    workspace: str
    channel: str
    user: str
    text: str
    ts: float | None = None
    thread: str | None = None
    is_bot: bool = False
    mentions: tuple[str, ...] = ()
    id: str | None = None


@dataclass(slots=True)
class Finding:
    """One thing worth coaching (or praising) in a message, with a span into its original text.

    Treat it as a value: derive changed copies with `dataclasses.replace` (not frozen only
    because frozen dataclasses cost several times more to create, once per finding).
    """

    rule: str
    category: Category
    level: Level
    message: str
    suggestion: str | None
    start: int
    end: int
    link: str | None = None
    details: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of `coachbot check --jsonl` output."""
        return {
            "rule": self.rule,
            "category": str(self.category),
            "level": str(self.level),
            "message": self.message,
            "suggestion": self.suggestion,
            "start": self.start,
            "end": self.end,
        }


@dataclass(slots=True)
class Analysis:
    """Everything the engine learned from one message: findings plus text-free counters.

    `tone` is -1 (negative), 0 or +1 (positive); `is_question` marks a message that asks
    something; `answers_user`/`answer_delay` name whose open question in the channel (or
    thread) this message is the first answer to, and how many seconds after it was asked;
    `credited` lists users thanked or credited by this message.
    """

    findings: list[Finding]
    words: int = 0
    questions: int = 0
    sentiment: float = 0.0
    is_question: bool = False
    answers_user: str | None = None
    answer_delay: float | None = None
    tone: int = 0
    thanks: bool = False
    credited: tuple[str, ...] = ()
