"""VADER sentiment, scored per sentence, exactly, without paying for sentences that score 0.

Each sentence of the masked text is scored with `bot.core.vader.compound`, which returns
exactly what vaderSentiment's `polarity_scores(...)["compound"]` returns, several times faster.
Sentences VADER cannot score are not even handed to it: when a message is plain ASCII with no
character that could form an emoticon or a punctuated lexicon entry (`_plain_text`), every
lexicon entry VADER could find is one of the engine's own words of that sentence, so a sentence
none of whose words is in the lexicon scores exactly 0. The tests compare every sentence's
score with vaderSentiment's.
"""

from __future__ import annotations

import re
import threading

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bot.core.text import Document, Sentence
from bot.core.vader import compound, span_scores

_lock = threading.Lock()
_analyzer: SentimentIntensityAnalyzer | None = None
_lexicon: dict[str, float] | None = None


def analyzer() -> SentimentIntensityAnalyzer:
    """The process-wide VADER analyzer, loaded once (it is read-only after loading)."""
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


def _lexicon_words() -> dict[str, float]:
    global _lexicon
    if _lexicon is None:
        _lexicon = dict(analyzer().lexicon)
    return _lexicon


_MARKUP_RE = re.compile(r"[:;=()<>^*|/\\\[\]{}@#$%&_~]")
_HYPHEN_RE = re.compile(r"\w-\w")


def _plain_text(text: str, lower: str) -> bool:
    """ASCII with no character that could form an emoticon or punctuated lexicon entry.

    In such text VADER's tokens (whitespace-split, punctuation stripped, lower-cased) can only
    match a lexicon entry that is also one of the engine's words (`Document.words`).
    """
    if not text.isascii() or _MARKUP_RE.search(text):
        return False
    if "-" in text and _HYPHEN_RE.search(text):
        return False
    return not ("." in text and ("o.o" in lower or "v.v" in lower))


# Scores whose magnitude is below this never change a tone decision: tone uses +-0.5, and
# sentiment rules are required to use thresholds at least this far from zero.
DECISION_MAGNITUDE = 0.5


def sentence_scores(doc: Document) -> list[tuple[Sentence, float]]:
    """Every sentence of `doc` with a non-zero VADER compound score, with that score, in order.

    Computed once per document: in C for an ASCII message (every sentence in one call); in
    Python otherwise, where a plain message none of whose words is in VADER's lexicon is not
    even split into sentences.
    """
    cached = doc.__dict__.get("_sentence_scores")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    scores: list[tuple[Sentence, float]] = []
    words = doc.words
    if not words:
        doc.__dict__["_sentence_scores"] = scores
        return scores
    masked = doc.masked
    # In C (an ASCII text), every sentence is scored in one call: cheaper than finding which
    # ones can score (those the tests below skip score exactly 0 anyway).
    found = span_scores(masked, doc.sentences) if masked.isascii() else None
    if found is not None:
        doc.__dict__["_sentence_scores"] = found
        return found
    lexicon = _lexicon_words().keys()
    plain = _plain_text(masked, doc.lower)
    if not (plain and lexicon.isdisjoint(words)):
        for sentence in doc.sentences:
            if plain and lexicon.isdisjoint(words[sentence.first_token : sentence.last_token]):
                continue
            score = compound(masked[sentence.start : sentence.end])
            if score:
                scores.append((sentence, score))
    doc.__dict__["_sentence_scores"] = scores
    return scores


def message_tone(doc: Document, min_words: int = 3) -> tuple[float, int]:
    """The message's strongest sentence score (0.0 when none reaches ±0.5) and its tone.

    Tone is -1 when any sentence of at least `min_words` words scores <= -0.5, else +1 when
    one scores >= +0.5, else 0.
    """
    # The lowest and highest scores of long enough sentences, each counted from 0.0 (scores are
    # never 0.0, and only a negative lowest or a positive highest can decide the tone).
    lowest = highest = 0.0
    for sentence, score in sentence_scores(doc):
        if (score < lowest or score > highest) and (
            sentence.last_token - sentence.first_token >= min_words
        ):
            if score < 0.0:
                lowest = score
            else:
                highest = score
    if lowest <= -DECISION_MAGNITUDE:
        return lowest, -1
    if highest >= DECISION_MAGNITUDE:
        return highest, 1
    return 0.0, 0
