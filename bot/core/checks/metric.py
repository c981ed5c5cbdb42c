"""`metric` rules: counts of words, questions, lines, sentences, characters or links vs a maximum."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import Field

from bot.core.checks.base import Check, Hit, RuleSpec, register
from bot.core.conversation import ChannelWindow
from bot.core.text import Document

_LINK_RE = re.compile(r"https?://|www\.", re.IGNORECASE)

Metric = Literal["words", "questions", "lines", "sentences", "chars", "links"]

MEASURES: dict[str, Callable[[Document], int]] = {
    "words": lambda d: d.word_count,
    "questions": lambda d: d.question_count,
    "lines": lambda d: len([line for line in d.masked.splitlines() if line.strip()]),
    "sentences": lambda d: len(d.sentences),
    "chars": lambda d: len(d.masked.strip()),
    "links": lambda d: len(_LINK_RE.findall(d.text)),
}


class MetricRule(RuleSpec):
    """Fires when the measured count is above `max`."""

    kind: Literal["metric"] = "metric"
    metric: Metric
    max: int = Field(ge=0)


@register
class MetricCheck(Check):
    """Measures each metric once per message and compares every rule's maximum."""

    kind = "metric"
    spec = MetricRule

    def __init__(self, rules: Sequence[MetricRule]) -> None:
        super().__init__(rules)
        # Per metric: how to measure it, the lowest maximum, and its rules (measured once).
        by_metric: dict[str, list[MetricRule]] = {}
        for rule in rules:
            by_metric.setdefault(rule.metric, []).append(rule)
        self._plan = [
            (metric, MEASURES[metric], min(rule.max for rule in group), group)
            for metric, group in by_metric.items()
        ]

    def scan(self, doc: Document, window: ChannelWindow | None) -> list[tuple[MetricRule, Hit]]:
        """A hit spanning the whole message for each rule over its maximum."""
        found: list[tuple[MetricRule, Hit]] = []
        for metric, measure, lowest, group in self._plan:
            value = measure(doc)
            if value <= lowest:
                continue
            for rule in group:
                if value > rule.max:
                    found.append((rule, Hit(0, len(doc.text), details=f"{metric}: {value}")))
        return found
