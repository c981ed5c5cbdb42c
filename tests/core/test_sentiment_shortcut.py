"""Sentence scores are exactly vaderSentiment's, including for the sentences that are skipped."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer, SentiText

from bot.core.models import Message
from bot.core.sentiment import _vader_words_are_words, message_tone, sentence_scores
from bot.core.text import Document

WORDS = [
    "great", "good", "bad", "terrible", "awful", "love", "hate", "thanks", "sorry", "failed",
    "broken", "nice", "kind", "of", "sort", "very", "extremely", "barely", "hardly", "so",
    "this", "never", "not", "no", "least", "at", "but", "don't", "isn't", "without", "doubt",
    "the", "shit", "bomb", "yeah", "right", "GREAT", "BAD", "VERY", "deploy", "build", "you",
    "it", "is", "was", "fucking", "LOL", "lol", ":)", ":(", "<3", "self-confident", "e-mail",
    "_bad_", "*good*", "o.O", "🙂", "😡", "kinda", "really", "just", "enough", "l", "L",
]
PUNCT = ["", ".", "!", "!!", "!!!!!", "?", "??", "????", ",", "...", "\n"]
SENTENCE = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(PUNCT)), min_size=1,
                    max_size=30).map(lambda parts: " ".join(w + p for w, p in parts))

_vader = SentimentIntensityAnalyzer()


@settings(max_examples=600, deadline=None)
@given(SENTENCE)
def test_every_sentence_scores_exactly_as_full_vader(text: str) -> None:
    doc = Document(Message("t", "w", "c", "u", text))
    fast = dict(sentence_scores(doc))
    for sentence in doc.sentences:
        full = _vader.polarity_scores(doc.sentence_text(sentence))["compound"]
        assert fast.get(sentence, 0.0) == full, doc.sentence_text(sentence)


def test_tone_takes_the_strongest_sentence_of_three_words_or_more() -> None:
    doc = Document(Message("t", "w", "c", "u", "Awful! This is a great plan. I hate it so much."))
    scores = dict(sentence_scores(doc))
    assert len(scores) == 3
    sentiment, tone = message_tone(doc)
    assert tone == -1
    assert sentiment == min(c for s, c in scores.items() if s.word_count >= 3)
    assert message_tone(Document(Message("t", "w", "c", "u", "the build finished"))) == (0.0, 0)


def _vader_words(text: str) -> list[str]:
    """vaderSentiment's own words of `text`, lower-cased."""
    return [word.lower() for word in SentiText(text).words_and_emoticons]


# ASCII pieces around the edges of `_vader_words_are_words`: short words, punctuation inside,
# before and after words and alone, apostrophes, "_", a control character, capitals.
_EDGE_PIECES = [
    "ok", "no", "l", "it", "good", "GOOD", "Bad", "don't", "isn't", "it's", "o'clock", "x'y'z",
    "e.g", "a,b", "self-made", "x''y", "_", "a_b", "\x00", "\x7f", "12", "3.5", "+1", "-",
    "!", "...", "'", '"', "`", ",", ".", "?", "(", ")", ":", "very", "but", "kind", "of",
]  # fmt: skip
_EDGE_ATTACH = ["", "", "", ".", ",", "!", "?", "'", '"', "...", "?!", ")", "("]


@st.composite
def _edge_text(draw: st.DrawFn) -> str:
    out = ""
    for _ in range(draw(st.integers(0, 12))):
        prefix = draw(st.sampled_from(["", "", "", "(", '"', "'", "..."]))
        out += prefix + draw(st.sampled_from(_EDGE_PIECES)) + draw(st.sampled_from(_EDGE_ATTACH))
        out += draw(st.sampled_from([" ", " ", "  ", "\n", "\t", "\x1c", ""]))
    return out


@settings(max_examples=3000, deadline=None)
@given(_edge_text())
def test_when_vader_words_are_words_every_sentence_agrees(text: str) -> None:
    doc = Document(Message("t", "w", "c", "u", text))
    if not _vader_words_are_words(doc.lower):
        return
    assert _vader_words(doc.masked) == doc.words
    for sentence in doc.sentences:
        assert _vader_words(doc.sentence_text(sentence)) == doc.words[
            sentence.first_token : sentence.last_token
        ]


def test_vader_words_are_words_only_for_simple_tokens() -> None:
    for text in ["the build is great, thanks!", "It's (really) GOOD... isn't that right?", "a\nok fine"]:
        assert _vader_words_are_words(text.lower()), text
    for text in ["e.g. fine", "ok.", "(ok", "so - fine", "fine :)", "snake_case", "x''y", "!!!"]:
        assert not _vader_words_are_words(text.lower()), text


# Words whose tokens are plain (the shortcut applies) with every VADER rule in reach.
FAST_WORDS = [
    "great", "good", "bad", "terrible", "awful", "love", "hate", "thanks", "sorry", "failed",
    "broken", "nice", "kind", "of", "sort", "very", "extremely", "barely", "hardly", "so",
    "this", "never", "not", "no", "least", "at", "but", "don't", "isn't", "without", "doubt",
    "the", "shit", "bomb", "yeah", "right", "GREAT", "BAD", "VERY", "deploy", "build", "you",
    "it", "is", "was", "fucking", "LOL", "lol", "kinda", "really", "just", "enough", "Good",
    "NOT", "But", "I", "(great)", '"bad"', "'love'",
]  # fmt: skip
FAST_PUNCT = ["", "", ".", "!", "!!", "!!!!!", "?", "??", "????", ",", "...", "\n", "?!"]
FAST_TEXT = st.lists(
    st.tuples(st.sampled_from(FAST_WORDS), st.sampled_from(FAST_PUNCT)), min_size=1, max_size=140
).map(lambda parts: " ".join(w + (p if len(w) > 2 or p == "\n" else "") for w, p in parts))


@settings(max_examples=1500, deadline=None)
@given(FAST_TEXT)
def test_sentences_scored_from_words_score_exactly_as_full_vader(text: str) -> None:
    doc = Document(Message("t", "w", "c", "u", text))
    assert _vader_words_are_words(doc.lower)
    fast = dict(sentence_scores(doc))
    for sentence in doc.sentences:
        full = _vader.polarity_scores(doc.sentence_text(sentence))["compound"]
        assert fast.get(sentence, 0.0) == full, doc.sentence_text(sentence)


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
