"""VADER sentiment, scored per sentence, skipping sentences whose score cannot matter.

Every decision the engine takes from sentiment compares a sentence's compound score with a
threshold at least 0.5 away from zero. A cheap upper bound on VADER's raw score (lexicon
valences plus the most that boosters, capitals, "never" and punctuation can add) tells when a
sentence cannot reach that magnitude, and then the full VADER pass is skipped and the score
reported as 0. The decisions are identical to scoring every sentence; `bench/engine.py` and the
tests check that.
"""

from __future__ import annotations

import math
import re
import string
import threading
from functools import cached_property

from vaderSentiment.vaderSentiment import (
    B_INCR,
    BOOSTER_DICT,
    C_INCR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
)

from bot.core.text import MAX_SENTENCE_WORDS, Document, Sentence

_lock = threading.Lock()
_analyzer: SentimentIntensityAnalyzer | None = None
_PUNCT = string.punctuation
_B_INCR = abs(B_INCR)
_C_INCR = abs(C_INCR)


def analyzer() -> SentimentIntensityAnalyzer:
    """The process-wide VADER analyzer, loaded once (it is read-only after loading)."""
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


class _Vocabulary:
    """What VADER scores with: lexicon valences, boosters, idioms and emoji."""

    @cached_property
    def lexicon(self) -> dict[str, float]:
        return dict(analyzer().lexicon)

    @cached_property
    def emoji(self) -> frozenset[str]:
        return frozenset(analyzer().emojis)

    @cached_property
    def boosters(self) -> frozenset[str]:
        return frozenset(BOOSTER_DICT)

    @cached_property
    def negations(self) -> frozenset[str]:
        return frozenset(NEGATE)

    @cached_property
    def booster_ngrams(self) -> tuple[str, ...]:
        return tuple(k for k in BOOSTER_DICT if " " in k)

    @cached_property
    def idioms(self) -> re.Pattern[str]:
        return re.compile("|".join(re.escape(idiom) for idiom in SPECIAL_CASES))


_VOCAB = _Vocabulary()

# VADER's compound is x / sqrt(x*x + 15): |compound| >= c exactly when |x| >= this.
_ALPHA = 15.0


def _raw_needed(threshold: float) -> float:
    return threshold * math.sqrt(_ALPHA) / math.sqrt(1.0 - threshold * threshold)


def _vader_words(sentence: str) -> list[str]:
    """VADER's own tokenisation, lower-cased (punctuation stripped unless an emoticon)."""
    out = []
    for token in sentence.split():
        stripped = token.strip(_PUNCT)
        out.append((token if len(stripped) <= 2 else stripped).lower())
    return out


def score_bound(sentence: str) -> float:
    """An upper bound on the magnitude of VADER's raw (pre-normalisation) score of `sentence`.

    Returns infinity where a cheap bound is not safe (emoji, idioms, "but").
    """
    if not sentence.isascii() and any(ch in _VOCAB.emoji for ch in sentence):
        return math.inf
    words = _vader_words(sentence)
    lexicon = _VOCAB.lexicon
    boosters = _VOCAB.boosters
    total = 0.0
    raw = sentence.split()
    lowered = " ".join(words)
    # Booster n-grams such as "kind of" may add to any lexicon word's valence.
    ngram_slack = _B_INCR if any(g in lowered for g in _VOCAB.booster_ngrams) else 0.0
    for i, word in enumerate(words):
        valence = lexicon.get(word)
        if valence is None:
            continue
        bound = abs(valence) + ngram_slack
        if raw[i].isupper():
            bound += _C_INCR
        for back in range(max(0, i - 3), i):
            if words[back] in boosters:
                bound += _B_INCR + (_C_INCR if raw[back].isupper() else 0.0)
        # VADER scales by 1.25 after "so"/"this", and again after "never so/this".
        if i and words[i - 1] in ("so", "this"):
            bound *= 1.25
        if "never" in words[max(0, i - 3) : i]:
            bound *= 1.25
        total += bound
    if total == 0.0:
        return 0.0
    if "but" in words or _VOCAB.idioms.search(lowered):
        return math.inf
    return total + _punctuation_emphasis(sentence)


def _punctuation_emphasis(text: str) -> float:
    exclamations = min(text.count("!"), 4) * 0.292
    questions = text.count("?")
    return exclamations + (0.0 if questions <= 1 else questions * 0.18 if questions <= 3 else 0.96)


def fast_bound(words: list[str], text: str, signed: bool = True) -> float:
    """A position-free upper bound like `score_bound`, from the engine's own words of `text`.

    Only valid for ASCII text free of emoticon and markup characters (see `_plain_text`):
    then every lexicon entry VADER can find is one of `words`. With `signed`, and without
    negations, positive and negative words are bounded separately (they partly cancel in
    VADER's sum); that bound holds for one sentence only, not for a whole message.
    """
    lexicon = _VOCAB.lexicon
    valences = [lexicon[word] for word in words if word in lexicon]
    if not valences:
        return 0.0
    lowered = " ".join(words)
    if "but" in words or _VOCAB.idioms.search(lowered):
        return math.inf
    boosters = sum(map(_VOCAB.boosters.__contains__, words))
    # Per lexicon word: booster n-grams, up to three boosters (capitals included), capitals.
    ngram = _B_INCR if any(g in lowered for g in _VOCAB.booster_ngrams) else 0.0
    boost = min(3, boosters) * (_B_INCR + _C_INCR) if boosters else 0.0
    caps = _C_INCR if _CAPITALS_RE.search(text) else 0.0
    up = ngram + boost + caps
    scale = 1.25 if ("so" in words or "this" in words) else 1.0
    if "never" in words:
        scale *= 1.25
    total = (sum(map(abs, valences)) + up * len(valences)) * scale
    if not signed or _can_flip_sign(words) or not _same_tokens(words, text):
        return total + _punctuation_emphasis(text)
    # No negation: each word keeps its sign, give or take what dampeners can take away.
    down = ngram + min(3, boosters) * _B_INCR
    high = low = 0.0
    for word in words:
        valence = lexicon.get(word)
        if valence is None:
            continue
        if valence > 0:
            top, bottom = (valence + up) * scale, valence - down
            bottom = min(bottom, bottom * scale)
        else:
            top, bottom = valence + down, (valence - up) * scale
            top = max(top, top * scale)
        if word in _VOCAB.boosters or word == "kind":  # VADER may count these as 0
            top, bottom = max(top, 0.0), min(bottom, 0.0)
        high += top
        low += bottom
    return min(total, max(high, -low, 0.0)) + _punctuation_emphasis(text)


def _same_tokens(words: list[str], text: str) -> bool:
    """Whether VADER's tokens of `text` are exactly `words` (so no word counts for one only)."""
    tokens = text.split()
    if len(tokens) != len(words):
        return False
    for token, word in zip(tokens, words, strict=True):
        stripped = token.strip(_PUNCT)
        if (stripped if len(stripped) > 2 else token).lower() != word:
            return False
    return True


def _can_flip_sign(words: list[str]) -> bool:
    """Whether VADER may flip a word's sign here (negations, "no", "least")."""
    if "no" in words or "least" in words:
        return True
    negations = _VOCAB.negations
    return any(word in negations or "n't" in word for word in words)


_CAPITALS_RE = re.compile(r"[A-Z]{2}|\bL\b")  # an all-caps word ("l" is a lexicon entry)
_MARKUP_RE = re.compile(r"[:;=()<>^*|/\\\[\]{}@#$%&_~]")
_HYPHEN_RE = re.compile(r"\w-\w")


def _plain_text(text: str, lower: str) -> bool:
    """ASCII with no character that could form an emoticon or punctuated lexicon entry."""
    if not text.isascii() or _MARKUP_RE.search(text):
        return False
    if "-" in text and _HYPHEN_RE.search(text):
        return False
    return not ("." in text and ("o.o" in lower or "v.v" in lower))


def _bound(words: list[str], text: str, lower: str, signed: bool) -> float:
    """The cheapest safe upper bound on VADER's raw score of `text` (see `fast_bound`)."""
    if _plain_text(text, lower):
        return fast_bound(words, text, signed)
    return score_bound(text)


# Scores whose magnitude is below this never change a decision: tone uses +-0.5, and sentiment
# rules are required to use thresholds at least this far from zero.
DECISION_MAGNITUDE = 0.5
_NEEDED = _raw_needed(DECISION_MAGNITUDE)


def _message_cannot_score(doc: Document) -> bool:
    """True when no sentence of the message can reach ±0.5, judged on the whole message.

    The whole-message bound is at least every sentence's bound (its lexicon words, boosters and
    punctuation are a superset), except across the chunk cuts of very long sentences, so
    messages longer than one chunk are always judged per sentence.
    """
    if doc.word_count > MAX_SENTENCE_WORDS:
        return False
    # Unsigned: a whole message's bound must cover each of its sentences.
    return _bound(doc.words, doc.masked, doc.lower, signed=False) < _NEEDED


def sentence_scores(doc: Document) -> list[tuple[Sentence, float]]:
    """The sentences of `doc` whose score may matter, with their compound score, in order.

    Every sentence left out scores below ±0.5 (0.0 for all decisions); computed once per
    document, and without splitting sentences at all when the whole message cannot score.
    """
    cached = doc.__dict__.get("_sentence_scores")
    if cached is None:
        cached = []
        if not _message_cannot_score(doc):
            lower = doc.lower
            for sentence in doc.sentences:
                text = doc.sentence_text(sentence)
                words = doc.words[sentence.first_token : sentence.last_token]
                if _bound(words, text, lower[sentence.start : sentence.end], True) < _NEEDED:
                    continue
                score = float(analyzer().polarity_scores(text)["compound"])
                if score:
                    cached.append((sentence, score))
        doc.__dict__["_sentence_scores"] = cached
    return cached


def message_tone(doc: Document, min_words: int = 3) -> tuple[float, int]:
    """The message's strongest sentence score (0.0 when none reaches ±0.5) and its tone.

    Tone is -1 when any sentence of at least `min_words` words scores <= -0.5, else +1 when
    one scores >= +0.5, else 0.
    """
    scores = [c for s, c in sentence_scores(doc) if s.word_count >= min_words]
    lowest = min(scores, default=0.0)
    if lowest <= -DECISION_MAGNITUDE:
        return lowest, -1
    highest = max(scores, default=0.0)
    if highest >= DECISION_MAGNITUDE:
        return highest, 1
    return 0.0, 0
