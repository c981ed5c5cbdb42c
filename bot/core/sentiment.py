"""VADER sentiment, scored per sentence, skipping sentences VADER would score zero anyway.

VADER's compound score is 0 unless a sentence holds a lexicon word, emoticon or emoji, so a
cheap look-up decides whether the (comparatively slow) full scoring is needed. The decisions are
identical to scoring every sentence; `bench/engine.py` checks that on the benchmark corpus.
"""

from __future__ import annotations

import string
import threading
from functools import cached_property

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bot.core.text import Document, Sentence

_lock = threading.Lock()
_analyzer: SentimentIntensityAnalyzer | None = None
_PUNCT = string.punctuation


def analyzer() -> SentimentIntensityAnalyzer:
    """The process-wide VADER analyzer, loaded once (it is read-only after loading)."""
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


class _Vocabulary:
    """What can make VADER's score non-zero: lexicon words and emoji characters."""

    @cached_property
    def lexicon(self) -> frozenset[str]:
        return frozenset(analyzer().lexicon)

    @cached_property
    def emoji(self) -> frozenset[str]:
        return frozenset(analyzer().emojis)


_VOCAB = _Vocabulary()


def could_score(sentence: str) -> bool:
    """False only when VADER is certain to give `sentence` a compound score of 0."""
    lexicon = _VOCAB.lexicon
    for word in sentence.lower().split():
        if word in lexicon or word.strip(_PUNCT) in lexicon:
            return True
    if not sentence.isascii():
        emoji = _VOCAB.emoji
        return any(ch in emoji for ch in sentence)
    return False


def compound(text: str) -> float:
    """VADER's compound score of `text` (call it on a sentence, not a whole long message)."""
    if not could_score(text):
        return 0.0
    return float(analyzer().polarity_scores(text)["compound"])


def sentence_scores(doc: Document) -> list[tuple[Sentence, float]]:
    """Each sentence of `doc` with its compound score, computed once per document."""
    cached = doc.__dict__.get("_sentence_scores")
    if cached is None:
        cached = [(s, compound(doc.sentence_text(s))) for s in doc.sentences]
        doc.__dict__["_sentence_scores"] = cached
    return cached


def message_tone(doc: Document, min_words: int = 3) -> tuple[float, int]:
    """Word-weighted mean compound of the message, and its tone: -1, 0 or +1."""
    scores = [(s, c) for s, c in sentence_scores(doc) if s.word_count >= min_words]
    if not scores:
        return 0.0, 0
    words = sum(s.word_count for s, _ in scores)
    mean = sum(c * s.word_count for s, c in scores) / words
    if any(c <= -0.5 for _, c in scores):
        return mean, -1
    if any(c >= 0.5 for _, c in scores):
        return mean, 1
    return mean, 0
