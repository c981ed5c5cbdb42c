"""`sentiment` rules: VADER compound per sentence against a threshold, with a minimum length."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, model_validator

from bot.core.checks.base import Check, Hit, RuleSpec, register
from bot.core.conversation import ChannelWindow
from bot.core.sentiment import DECISION_MAGNITUDE, sentence_scores
from bot.core.text import Document


class SentimentRule(RuleSpec):
    """Fires on the first sentence whose score passes the threshold in the given direction."""

    kind: Literal["sentiment"] = "sentiment"
    threshold: float = Field(
        default=-0.6, ge=-1.0, le=1.0,
        description="Compound score to reach; at least 0.5 from zero (weaker scores are noise).",
    )
    direction: Literal["negative", "positive"] = "negative"
    min_words: int = Field(default=3, ge=1)

    @model_validator(mode="after")
    def _threshold_is_decisive(self) -> SentimentRule:
        if self.direction == "negative" and self.threshold > -DECISION_MAGNITUDE:
            raise ValueError(f"threshold must be <= -{DECISION_MAGNITUDE} for negative sentiment")
        if self.direction == "positive" and self.threshold < DECISION_MAGNITUDE:
            raise ValueError(f"threshold must be >= {DECISION_MAGNITUDE} for positive sentiment")
        return self


@register
class SentimentCheck(Check):
    """Scores each sentence once (shared by all sentiment rules) and compares thresholds."""

    kind = "sentiment"
    spec = SentimentRule

    def __init__(self, rules: Sequence[SentimentRule]) -> None:
        super().__init__(rules)

    def scan(self, doc: Document, window: ChannelWindow | None) -> list[tuple[SentimentRule, Hit]]:
        """At most one hit per rule: the most extreme qualifying sentence."""
        found: list[tuple[SentimentRule, Hit]] = []
        scored = sentence_scores(doc)
        for rule in self.rules:
            best: tuple[float, int, int] | None = None
            for sentence, score in scored:
                if sentence.word_count < rule.min_words:
                    continue
                strength = -score if rule.direction == "negative" else score
                passes = (score <= rule.threshold if rule.direction == "negative"
                          else score >= rule.threshold)
                if passes and (best is None or strength > best[0]):
                    best = (strength, sentence.start, sentence.end)
            if best is not None:
                start, end = _trim(doc.text, best[1], best[2])
                found.append((rule, Hit(start, end)))
        return found


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
