"""`substitution` rules: a swap map from words to considerate alternatives."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import Field, field_validator

from bot.core.checks.base import Check, Hit, RuleSpec, register
from bot.core.checks.phrase import IndexedPhrases
from bot.core.conversation import ChannelWindow
from bot.core.text import Document


class SubstitutionRule(RuleSpec):
    """A rule whose findings carry the alternatives for the word that was used."""

    kind: Literal["substitution"] = "substitution"
    swap: dict[str, list[str]] = Field(min_length=1)
    exceptions: list[str] = Field(default_factory=list)

    @field_validator("swap", mode="before")
    @classmethod
    def _alternatives_as_lists(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value


def suggest(word: str, alternatives: list[str]) -> str:
    """The suggestion line for a swap: 'Try "a", "b" or "c" instead of "word".'"""
    quoted = [f'"{a}"' for a in alternatives]
    options = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f'Try {options} instead of "{word}".'


@register
class SubstitutionCheck(Check):
    """Finds swap-map words in one pass and suggests their alternatives."""

    kind = "substitution"
    spec = SubstitutionRule

    def __init__(self, rules: Sequence[SubstitutionRule]) -> None:
        super().__init__(rules)
        self.phrases = IndexedPhrases()
        for no, rule in enumerate(rules):
            for word, alternatives in rule.swap.items():
                self.phrases.add(no, word, suggestion=suggest(word, alternatives))
            for phrase in rule.exceptions:
                self.phrases.add(no, phrase, exception=True)

    def scan(
        self, doc: Document, window: ChannelWindow | None
    ) -> Iterable[tuple[SubstitutionRule, Hit]]:
        """Yield a hit per swap-word occurrence, with its suggestion."""
        rules = self.rules
        return [(rules[no], hit) for no, hit in self.phrases.hits(doc)]
