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
        found: list[tuple[int, int, int, str | None]] = []  # first, end word, rule, suggestion
        excepted: dict[int, list[tuple[int, int]]] = {}
        for first, last, (rule_no, exception, suggestion) in matches:
            if exception:
                excepted.setdefault(rule_no, []).append((first, last))
            else:
                found.append((first, last, rule_no, suggestion))
        dropped = _covered(found, excepted)
        out: list[tuple[int, Hit]] = []
        for index, (first, last, rule_no, suggestion) in enumerate(found):
            if index not in dropped:
                start, end = doc.word_span(first, last)
                out.append((rule_no, Hit(start, end, suggestion)))
        return out


def _covered(
    found: list[tuple[int, int, int, str | None]], excepted: dict[int, list[tuple[int, int]]]
) -> set[int]:
    """Indices of the matches to drop: inside one of their rule's exceptions, or inside a
    longer match of the same rule ("you guys" wins over "guys"; identical ones both stay).

    Spans are word ranges (containment in words is containment in the text). One sweep per
    rule in order of first word, longest first: n log n for n matches, not n squared.
    """
    by_rule: dict[int, list[int]] = {}
    for index, match in enumerate(found):
        by_rule.setdefault(match[2], []).append(index)
    dropped: set[int] = set()
    for rule_no, indices in by_rule.items():
        exceptions = sorted(excepted.get(rule_no, ()))
        next_exception = 0
        exception_reach = -1  # furthest end of the exceptions starting at or before this match
        reach, reach_first = -1, -1  # furthest end of the matches so far, and its first word
        for index in sorted(indices, key=lambda i: (found[i][0], -found[i][1])):
            first, last = found[index][0], found[index][1]
            while next_exception < len(exceptions) and exceptions[next_exception][0] <= first:
                exception_reach = max(exception_reach, exceptions[next_exception][1])
                next_exception += 1
            if exception_reach >= last or reach > last or (reach == last and reach_first < first):
                dropped.add(index)
            if last > reach:
                reach, reach_first = last, first
    return dropped


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
