"""VADER sentiment, scored per sentence, exactly, without paying for sentences that score 0.

Each sentence of the masked text is scored with `bot.core.vader.compound`, which returns
exactly what vaderSentiment's `polarity_scores(...)["compound"]` returns, several times faster.
Sentences VADER cannot score are not even handed to it: when a message is plain ASCII with no
character that could form an emoticon or a punctuated lexicon entry (`_plain_text`), every
lexicon entry VADER could find is one of the engine's own words of that sentence, so a sentence
none of whose words is in the lexicon scores exactly 0. When every whitespace-separated token of
an ASCII message strips to exactly one of the engine's words (`_vader_words_are_words`), VADER's
words of each sentence are that sentence's slice of `doc.words`, and the sentence is scored from
them (`bot.core.vader.compound_of_words`) without splitting and stripping it again. The tests
compare every sentence's score with vaderSentiment's.
"""

from __future__ import annotations

import re
import threading
from collections.abc import KeysView

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bot.core.text import Document, Sentence
from bot.core.vader import compound, compound_of_words

_lock = threading.Lock()
_analyzer: SentimentIntensityAnalyzer | None = None
_lexicon: dict[str, float] | None = None
_lexicon_keys: KeysView[str] | None = None  # set-like view of `_lexicon`, once loaded


def analyzer() -> SentimentIntensityAnalyzer:
    """The process-wide VADER analyzer, loaded once (it is read-only after loading)."""
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


def _lexicon_words() -> dict[str, float]:
    global _lexicon, _lexicon_keys
    if _lexicon is None:
        _lexicon = dict(analyzer().lexicon)
        _lexicon_keys = _lexicon.keys()
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


# Where VADER's words and the engine's words of ASCII text differ (each alternative starts at a
# character other than a letter, digit or whitespace, so the regex engine skips to those; the
# text is searched with a space in front so that every token follows whitespace):
_NOT_VADER_WORDS_RE = re.compile(
    r"""[^a-zA-Z0-9\s](?:
        (?<=[_\x00-\x08\x0e-\x1b\x7f])    # "_" (punctuation to VADER), a control character
        | (?<=\w[^\w\s'])[^\w\s]*\w       # punctuation inside a token ("e.g", "a,b")
        | (?<=\w')[^\w\s]+\w                # ... other than one apostrophe ("don't")
        | (?<=\s[^\w\s])[^\w\s]*(?:\w{1,2}[^\w\s]*)?(?!\S)  # a token of punctuation, or
        | (?<=\s\w[^\w\s])[^\w\s]*(?!\S)      # one or two word characters with punctuation
        | (?<=\s\w\w[^\w\s])[^\w\s]*(?!\S)   # (VADER keeps such a token unstripped)
    )""",
    re.VERBOSE,
)


def _vader_words_are_words(lower: str) -> bool:
    """Whether VADER's words of every span of ASCII `lower` between tokens are its `WORD_RE` words.

    VADER's words are whitespace-separated tokens stripped of punctuation (`string.punctuation`,
    which includes "_"), kept whole when that leaves two characters or fewer. When no token
    holds punctuation between word characters (other than single apostrophes), none is only
    punctuation, none is one or two word characters with punctuation, and there is no "_" or
    control character, each token strips to exactly one engine word.
    """
    return _NOT_VADER_WORDS_RE.search(" " + lower) is None


# Scores whose magnitude is below this never change a tone decision: tone uses +-0.5, and
# sentiment rules are required to use thresholds at least this far from zero.
DECISION_MAGNITUDE = 0.5


def sentence_scores(doc: Document) -> list[tuple[Sentence, float]]:
    """Every sentence of `doc` with a non-zero VADER compound score, with that score, in order.

    Computed once per document; a plain message none of whose words is in VADER's lexicon is
    not even split into sentences. When VADER's words of an ASCII message are the engine's own
    words, each sentence is scored from its slice of `doc.words` (`compound_of_words`).
    """
    cached = doc.__dict__.get("_sentence_scores")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    scores: list[tuple[Sentence, float]] = []
    words = doc.words
    lexicon = _lexicon_keys or _lexicon_words().keys()
    masked = doc.masked
    lower = doc.lower
    # Whether the message is plain is only asked once it or one of its sentences has no
    # lexicon word.
    plain: bool | None = None
    if not words or (lexicon.isdisjoint(words) and (plain := _plain_text(masked, lower))):
        pass
    elif masked.isascii() and _vader_words_are_words(lower):
        # Sentences start and end between tokens: each one's VADER words are its own words.
        maybe_nt = "n't" in lower
        for sentence in doc.sentences:
            start, end, first, last = sentence
            sentence_words = words[first:last]
            if lexicon.isdisjoint(sentence_words):
                continue
            score = compound_of_words(
                masked[start:end], sentence_words, maybe_nt and lower.find("n't", start, end) >= 0
            )
            if score:
                scores.append((sentence, score))
    else:
        for sentence in doc.sentences:
            start, end, first, last = sentence
            if plain is not False and lexicon.isdisjoint(words[first:last]):
                if plain is None:
                    plain = _plain_text(masked, lower)
                if plain:
                    continue
            score = compound(masked[start:end])
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
