"""Precision, recall, F1 and flag rates of a yes/no decision against optional boolean labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Scores:
    """Counts of one decision over a set of messages, with and without labels."""

    n: int = 0
    flagged: int = 0
    labelled: int = 0
    positives: int = 0
    true_positives: int = 0
    flagged_labelled: int = 0

    def add(self, flagged: bool, label: bool | None) -> None:
        """Count one message."""
        self.n += 1
        self.flagged += flagged
        if label is not None:
            self.labelled += 1
            self.positives += label
            self.flagged_labelled += flagged
            self.true_positives += flagged and label

    @property
    def flagged_share(self) -> float:
        """Share of all messages flagged (0.0 for no messages)."""
        return self.flagged / self.n if self.n else 0.0

    @property
    def precision(self) -> float | None:
        """Flagged messages that are labelled positive, among labelled flagged ones."""
        if not self.labelled:
            return None
        return self.true_positives / self.flagged_labelled if self.flagged_labelled else 0.0

    @property
    def recall(self) -> float | None:
        """Positive messages that were flagged (None without labels or positives)."""
        if not self.labelled or not self.positives:
            return None
        return self.true_positives / self.positives

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, Any]:
        """`{"n", "flagged_share", "precision", "recall", "f1"}` (None when unlabelled)."""
        return {
            "n": self.n,
            "flagged_share": round(self.flagged_share, 4),
            "precision": _round(self.precision),
            "recall": _round(self.recall),
            "f1": _round(self.f1),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def score(decisions: Sequence[bool], labels: Sequence[bool | None]) -> Scores:
    """Scores of a list of decisions against labels of the same length."""
    if len(decisions) != len(labels):
        raise ValueError("decisions and labels differ in length")
    out = Scores()
    for flagged, label in zip(decisions, labels, strict=True):
        out.add(flagged, label)
    return out
