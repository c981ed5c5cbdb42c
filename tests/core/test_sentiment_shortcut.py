"""Sentence scores are exactly vaderSentiment's, including for the sentences that are skipped."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bot.core.models import Message
from bot.core.sentiment import message_tone, sentence_scores
from bot.core.text import Document

# Lexicon words, boosters, negations, idiom parts and plain words: every VADER rule in reach.
RULE_WORDS = [
    "great", "good", "bad", "terrible", "awful", "love", "hate", "thanks", "sorry", "failed",
    "broken", "nice", "kind", "of", "sort", "very", "extremely", "barely", "hardly", "so",
    "this", "never", "not", "no", "least", "at", "but", "don't", "isn't", "without", "doubt",
    "the", "shit", "bomb", "yeah", "right", "GREAT", "BAD", "VERY", "deploy", "build", "you",
    "it", "is", "was", "fucking", "LOL", "lol", "kinda", "really", "just", "enough",
]
# ... plus emoticons, emoji and punctuated words.
WORDS = RULE_WORDS + [
    ":)", ":(", "<3", "self-confident", "e-mail", "_bad_", "*good*", "o.O", "🙂", "😡", "l", "L",
]
PUNCT = ["", ".", "!", "!!", "!!!!!", "?", "??", "????", ",", "...", "\n"]
SENTENCE = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(PUNCT)), min_size=1,
                    max_size=30).map(lambda parts: " ".join(w + p for w, p in parts))

_vader = SentimentIntensityAnalyzer()


def _assert_scores_equal_full_vader(text: str) -> None:
    """Every sentence's score (0.0 when skipped) equals vaderSentiment's on that sentence."""
    doc = Document(Message("t", "w", "c", "u", text))
    fast = dict(sentence_scores(doc))
    for sentence in doc.sentences:
        full = _vader.polarity_scores(doc.sentence_text(sentence))["compound"]
        assert fast.get(sentence, 0.0) == full, doc.sentence_text(sentence)


@settings(max_examples=600, deadline=None)
@given(SENTENCE)
def test_every_sentence_scores_exactly_as_full_vader(text: str) -> None:
    _assert_scores_equal_full_vader(text)


def test_tone_takes_the_strongest_sentence_of_three_words_or_more() -> None:
    doc = Document(Message("t", "w", "c", "u", "Awful! This is a great plan. I hate it so much."))
    scores = dict(sentence_scores(doc))
    assert len(scores) == 3
    sentiment, tone = message_tone(doc)
    assert tone == -1
    assert sentiment == min(c for s, c in scores.items() if s.word_count >= 3)
    assert message_tone(Document(Message("t", "w", "c", "u", "the build finished"))) == (0.0, 0)


# The rule words with capitals and quoting (ASCII, no emoticons); long texts are cut into chunks.
FAST_WORDS = RULE_WORDS + ["Good", "NOT", "But", "I", "(great)", '"bad"', "'love'"]
FAST_PUNCT = ["", "", ".", "!", "!!", "!!!!!", "?", "??", "????", ",", "...", "\n", "?!"]
FAST_TEXT = st.lists(
    st.tuples(st.sampled_from(FAST_WORDS), st.sampled_from(FAST_PUNCT)), min_size=1, max_size=140
).map(lambda parts: " ".join(w + (p if len(w) > 2 or p == "\n" else "") for w, p in parts))


@settings(max_examples=1500, deadline=None)
@given(FAST_TEXT)
def test_long_texts_score_exactly_as_full_vader(text: str) -> None:
    _assert_scores_equal_full_vader(text)


def _reference_tone(doc: Document, min_words: int) -> tuple[float, int]:
    """The tone as first written: min and max over the scores of long enough sentences."""
    scores = [c for s, c in sentence_scores(doc) if s.word_count >= min_words]
    lowest = min(scores, default=0.0)
    if lowest <= -0.5:
        return lowest, -1
    highest = max(scores, default=0.0)
    return (highest, 1) if highest >= 0.5 else (0.0, 0)


@settings(max_examples=800, deadline=None)
@given(SENTENCE, st.integers(0, 6))
def test_message_tone_matches_min_and_max_of_sentence_scores(text: str, min_words: int) -> None:
    doc = Document(Message("t", "w", "c", "u", text))
    assert message_tone(doc, min_words) == _reference_tone(doc, min_words)


@settings(max_examples=300, deadline=None)
@given(SENTENCE)
def test_c_and_python_sentence_scores_agree(text: str) -> None:
    # The C path scores every sentence; the Python one skips those it knows score 0.
    from bot.core import vader

    c_doc = Document(Message("t", "w", "c", "u", text))
    c_scores = sentence_scores(c_doc)
    saved = vader._c_span_scores
    if saved is None:
        pytest.skip("bot.core._cvader is not built")
    vader._c_span_scores = None
    try:
        py_scores = sentence_scores(Document(Message("t", "w", "c", "u", text)))
    finally:
        vader._c_span_scores = saved
    assert c_scores == py_scores
