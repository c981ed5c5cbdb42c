"""The two reference detectors every tone figure is compared with, computed in the same run."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bot.core.sentiment import analyzer

VADER_THRESHOLD = -0.5
PROFANITY_THRESHOLD = 0.5

Detector = Callable[[Sequence[str]], list[bool]]


def vader(texts: Sequence[str]) -> list[bool]:
    """Raw VADER on the whole message as given: flagged when compound <= -0.5."""
    sia: SentimentIntensityAnalyzer = analyzer()
    return [sia.polarity_scores(text)["compound"] <= VADER_THRESHOLD for text in texts]


def profanity_check() -> Detector | None:
    """`alt-profanity-check` (probability >= 0.5) when installed, else None."""
    try:
        from profanity_check import predict_prob
    except ImportError:
        return None

    def detect(texts: Sequence[str]) -> list[bool]:
        if not texts:
            return []
        return [float(p) >= PROFANITY_THRESHOLD for p in predict_prob(list(texts))]

    return detect


def detectors() -> dict[str, Detector | None]:
    """The baselines by their JSON name; None marks one that is not installed."""
    return {"vader": vader, "profanity_check": profanity_check()}
