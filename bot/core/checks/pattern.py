"""`pattern` rules: regular expressions compiled with RE2 (linear time, refused at load if invalid)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, model_validator

from bot.core.checks.base import Check, Hit, RuleSpec, register
from bot.core.checks.phrase import IndexedPhrases
from bot.core.conversation import ChannelWindow
from bot.core.re2_patterns import PatternSet, compile_pattern
from bot.core.text import Document

_SURROGATE = re.compile("[\ud800-\udfff]")


class _Spans:
    """Exception spans of one rule, asked whether any covers a match in log time (a message
    with thousands of matches and exceptions stays linear-ish, not quadratic)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans.sort()
        self.starts = [start for start, _ in spans]
        self.reach: list[int] = []  # the furthest end among the spans up to each one
        furthest = -1
        for _, end in spans:
            furthest = max(furthest, end)
            self.reach.append(furthest)

    def cover(self, start: int, end: int) -> bool:
        """Whether some span starts at or before `start` and ends at or after `end`."""
        count = bisect_right(self.starts, start)
        return count > 0 and self.reach[count - 1] >= end


class PatternRule(RuleSpec):
    """A rule that fires where any of its RE2 patterns matches the masked text.

    A named group `(?P<span>...)` narrows the reported span to that group (the rest of the
    pattern is context).
    """

    kind: Literal["pattern"] = "pattern"
    patterns: list[str] = Field(min_length=1)
    ignore_case: bool = True
    exceptions: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _patterns_compile(self) -> PatternRule:
        for pattern in self.patterns:
            compile_pattern(pattern, self.ignore_case)
        return self


@register
class PatternCheck(Check):
    """One RE2 set finds which patterns occur; only those are run for their spans."""

    kind = "pattern"
    spec = PatternRule

    def __init__(self, rules: Sequence[PatternRule]) -> None:
        super().__init__(rules)
        self.owners: list[tuple[int, Any]] = []
        sources: list[str] = []
        self.exceptions = IndexedPhrases()
        for no, rule in enumerate(rules):
            for pattern in rule.patterns:
                compiled = compile_pattern(pattern, rule.ignore_case)
                sources.append(f"(?i:{pattern})" if rule.ignore_case else pattern)
                self.owners.append((no, compiled))
            for phrase in rule.exceptions:
                self.exceptions.add(no, phrase, exception=True)
        self.set = PatternSet(sources)
        self.has_exceptions = frozenset(no for no, rule in enumerate(rules) if rule.exceptions)

    def _exception_spans(self, doc: Document) -> dict[int, _Spans]:
        """Spans of every rule's exception phrases in `doc`, by rule number."""
        spans: dict[int, list[tuple[int, int]]] = {}
        for first, last, (no, _exc, _sugg) in self.exceptions.index.find(doc.words):
            spans.setdefault(no, []).append(doc.word_span(first, last))
        return {no: _Spans(found) for no, found in spans.items()}

    def scan(self, doc: Document, window: ChannelWindow | None) -> list[tuple[PatternRule, Hit]]:
        """A hit per non-empty match of each pattern that occurs."""
        found: list[tuple[PatternRule, Hit]] = []
        masked = doc.masked
        try:
            matching = self.set.matching(masked)
        except UnicodeEncodeError:
            # A lone surrogate (from bytes that were not UTF-8) has no UTF-8 form for RE2: it
            # is matched as U+FFFD, one character for one, so every span stays the same.
            masked = _SURROGATE.sub("\ufffd", masked)
            matching = self.set.matching(masked)
        if not matching:
            return found
        excepted: dict[int, _Spans] | None = None
        for index in matching:
            no, compiled = self.owners[index]
            group = compiled.groupindex.get("span", 0)
            for match in compiled.finditer(masked):
                start, end = match.span(group)
                if start < 0:
                    start, end = match.span()
                if end <= start:
                    continue
                if no in self.has_exceptions:
                    if excepted is None:
                        excepted = self._exception_spans(doc)
                    spans = excepted.get(no)
                    if spans is not None and spans.cover(start, end):
                        continue
                found.append((self.rules[no], Hit(start, end)))
        return found
