"""The one small interface every rule kind implements, plus the shared rule definition.

A rule kind is a `Check` subclass in its own module under `bot/core/checks/`, with a pydantic
`RuleSpec` subclass for its options. The engine builds one check per kind from all enabled
rules of that kind, so a kind can index its rules together (cost independent of rule count).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.core.conversation import ChannelWindow
from bot.core.models import Category, Level
from bot.core.text import Document


class ConversationLine(BaseModel):
    """One message of a conversation example: who, when (seconds from start), what."""

    model_config = ConfigDict(extra="forbid")

    user: str
    text: str
    at: float | None = None


class ConversationExample(BaseModel):
    """An example made of several messages; the last one is the one that must (not) fire."""

    model_config = ConfigDict(extra="forbid")

    conversation: list[ConversationLine] = Field(min_length=1)


Example = str | ConversationExample


class Examples(BaseModel):
    """Examples that run as tests: `flag` must fire the rule, `pass` must not."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    flag: list[Example] = Field(min_length=3)
    pass_: list[Example] = Field(alias="pass", min_length=3)


class RuleSpec(BaseModel):
    """Fields every rule has, whatever its kind (kinds add their own options)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")
    kind: str
    category: Category
    level: Level
    message: str = Field(min_length=1)
    suggestion: str | None = None
    link: str | None = None
    enabled: bool = True
    examples: Examples
    pack: str = Field(default="", description="Set by the loader from the file name.")

    @field_validator("message")
    @classmethod
    def _message_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("message must not be blank")
        return value.strip()


class Hit(NamedTuple):
    """Where a rule fired, with an optional finding-specific suggestion or detail."""

    start: int
    end: int
    suggestion: str | None = None
    details: str | None = None


class Check(ABC):
    """A rule kind: built once from all its rules, then asked about every message."""

    kind: ClassVar[str]
    spec: ClassVar[type[RuleSpec]]
    conversational: ClassVar[bool] = False

    def __init__(self, rules: Sequence[Any]) -> None:
        self.rules = list(rules)

    @abstractmethod
    def scan(self, doc: Document, window: ChannelWindow | None) -> Iterable[tuple[Any, Hit]]:
        """(rule, hit) for every rule of this kind that fires on `doc` (a list or a generator).

        Conversation kinds get the channel's window as it was before this message; others get
        None and must not need it.
        """


REGISTRY: dict[str, type[Check]] = {}


def register(cls: type[Check]) -> type[Check]:
    """Class decorator that makes a rule kind known to the loader and the engine."""
    REGISTRY[cls.kind] = cls
    return cls
