"""`phrase` rules: words and phrases on word boundaries, case-folded, with per-rule exceptions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import Field

from bot.core.checks.base import Check, Hit, RuleSpec, register
from bot.core.conversation import ChannelWindow
from bot.core.phrase_index import PhraseIndex
from bot.core.text import Document


class PhraseRule(RuleSpec):
    """A rule that fires on any of its phrases, unless the match sits inside an exception."""

    kind: Literal["phrase"] = "phrase"
    phrases: list[str] = Field(min_length=1)
    exceptions: list[str] = Field(default_factory=list)


class IndexedPhrases:
    """All phrases and exceptions of a set of rules in one index, matched in one pass."""

    def __init__(self) -> None:
        self.index: PhraseIndex[tuple[int, bool, str | None]] = PhraseIndex()

    def add(self, rule_no: int, phrase: str, *, exception: bool = False,
            suggestion: str | None = None) -> None:
        """Index a phrase (or an exception) of rule number `rule_no`."""
        self.index.add(phrase, (rule_no, exception, suggestion))

    def hits(self, doc: Document) -> list[tuple[int, Hit]]:
        """(rule number, hit) for each match not covered by one of that rule's exceptions."""
        if not self.index or not doc.words:
            return []
        matches = self.index.find(doc.words)
        if not matches:
            return []
        if len(matches) == 1:  # the common case: nothing to except or to nest
            first, last, (rule_no, exception, suggestion) = matches[0]
            if exception:
                return []
            start, end = doc.word_span(first, last)
            return [(rule_no, Hit(start, end, suggestion))]
        out: list[tuple[int, Hit]] = []
        found: list[tuple[int, int, int, str | None]] = []
        excepted: dict[int, list[tuple[int, int]]] = {}
        for first, last, (rule_no, exception, suggestion) in matches:
            start, end = doc.word_span(first, last)
            if exception:
                excepted.setdefault(rule_no, []).append((start, end))
            else:
                found.append((rule_no, start, end, suggestion))
        for rule_no, start, end, suggestion in found:
            spans = excepted.get(rule_no, ())
            if any(s <= start and end <= e for s, e in spans):
                continue
            # "you guys" wins over "guys": drop a match inside a longer one of the same rule.
            if any(
                other_no == rule_no and s <= start and end <= e and (s, e) != (start, end)
                for other_no, s, e, _ in found
            ):
                continue
            out.append((rule_no, Hit(start, end, suggestion)))
        return out


@register
class PhraseCheck(Check):
    """Finds every phrase rule's phrases in one pass over the words."""

    kind = "phrase"
    spec = PhraseRule

    def __init__(self, rules: Sequence[PhraseRule]) -> None:
        super().__init__(rules)
        self.phrases = IndexedPhrases()
        for no, rule in enumerate(rules):
            for phrase in rule.phrases:
                self.phrases.add(no, phrase)
            for phrase in rule.exceptions:
                self.phrases.add(no, phrase, exception=True)

    def scan(self, doc: Document, window: ChannelWindow | None) -> Iterable[tuple[PhraseRule, Hit]]:
        """A hit per phrase occurrence."""
        rules = self.rules
        return [(rules[no], hit) for no, hit in self.phrases.hits(doc)]
