"""The sentiment shortcut never changes a decision: same ±0.5 outcome as scoring everything."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bot.core.models import Message
from bot.core.sentiment import DECISION_MAGNITUDE, sentence_scores
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


def _decision(score: float) -> int:
    return -1 if score <= -DECISION_MAGNITUDE else 1 if score >= DECISION_MAGNITUDE else 0


@settings(max_examples=400, deadline=None)
@given(SENTENCE)
def test_every_sentence_decision_matches_full_vader(text: str) -> None:
    doc = Document(Message("t", "w", "c", "u", text))
    fast = dict(sentence_scores(doc))
    for sentence in doc.sentences:
        full = _vader.polarity_scores(doc.sentence_text(sentence))["compound"]
        assert _decision(fast.get(sentence, 0.0)) == _decision(full), doc.sentence_text(sentence)
