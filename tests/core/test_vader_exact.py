"""`bot.core.vader.compound` equals vaderSentiment's compound score exactly, for any text."""

from __future__ import annotations

import math
import string
import struct
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    NEGATE,
    SENTIMENT_LADEN_IDIOMS,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
)

from bot.core.sentiment import analyzer
from bot.core.vader import compound

_VADER = SentimentIntensityAnalyzer()
_LEXICON = _VADER.lexicon


def expected(text: str) -> float:
    """vaderSentiment's own compound score (a fresh analyzer, not the one the module uses)."""
    return float(_VADER.polarity_scores(text)["compound"])


def assert_exact(text: str) -> None:
    """Same float, bit for bit (so 0.0 and -0.0 differ)."""
    got, want = compound(text), expected(text)
    assert type(got) is float
    assert struct.pack("<d", got) == struct.pack("<d", want), (text, got, want)


# Lexicon words of both signs and strengths, picked deterministically from the real lexicon.
_WORDS_SORTED = sorted(w for w in _LEXICON if w.isalpha() and w.islower())
POSITIVE = [w for w in _WORDS_SORTED if _LEXICON[w] > 0][::40]
NEGATIVE = [w for w in _WORDS_SORTED if _LEXICON[w] < 0][::40]
EMOTICONS = [":)", ":(", "<3", ":-D", ":D", ":P", ";)", ":/", ":-(", "=)", "xD", "o.O", "(:", "):"]
MODIFIERS = [
    *BOOSTER_DICT,
    *NEGATE,
    "no", "No", "least", "at", "very", "but", "But", "kind", "of", "sort", "never", "so", "this",
    "without", "doubt", "or", "nor", "not", "isn't", "doesn't", "wouldn't", "ain't", "n't",
]  # fmt: skip
IDIOM_TEXTS = [*SPECIAL_CASES, *SENTIMENT_LADEN_IDIOMS, "just enough", "kind of", "sort of"]
PLAIN = [
    "the", "a", "I", "it", "is", "to", "of", "you", "we", "deploy", "build", "ok", "l", "x",
    "my", "fix", "go", "it's", "don't", "café", "İstanbul", "ΣΑΣ", "naïve", "straße", "日本",
]  # fmt: skip
EMOJI = ["🙂", "😡", "❤", "👍", "©", "™", "🎉", "💩", "\u20e3", "☹"]
PUNCT = ["!", "!!", "!!!!!", "?", "??", "???", "?!", "...", ",", "-", "(", ")", "'", '"', ":", "*"]

word_pool = st.sampled_from(
    POSITIVE + NEGATIVE + EMOTICONS + MODIFIERS + IDIOM_TEXTS + PLAIN + EMOJI + PUNCT
)
any_lexicon_word = st.sampled_from(sorted(_LEXICON))


@st.composite
def styled(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """A word, perhaps in other case, perhaps with punctuation attached."""
    word = draw(base)
    case = draw(st.sampled_from(["keep", "keep", "upper", "title", "mixed"]))
    if case == "upper":
        word = word.upper()
    elif case == "title":
        word = word.title()
    elif case == "mixed":
        word = "".join(c.upper() if i % 2 else c for i, c in enumerate(word))
    if draw(st.booleans()):
        word = draw(st.sampled_from(["", "(", '"', "'", "*", "..."])) + word
        word += draw(st.sampled_from(["", "!", "?", ",", ".", ")", "!!", "?!", "'", ":"]))
    return word


separator = st.sampled_from([" ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u2003", ""])


@st.composite
def sentences(draw: st.DrawFn) -> str:
    """Words from the rich vocabulary, joined by assorted whitespace (sometimes none)."""
    words = draw(st.lists(st.one_of(styled(word_pool), styled(any_lexicon_word)), max_size=14))
    out = draw(st.sampled_from(["", " ", "\n"]))
    for word in words:
        out += word + draw(separator)
    return out


@settings(max_examples=3000, deadline=None)
@given(sentences())
def test_vocabulary_sentences_are_exact(text: str) -> None:
    assert_exact(text)


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.sampled_from(MODIFIERS + POSITIVE[:20] + NEGATIVE[:20] + ["!", "?"]), max_size=8)
)
def test_dense_modifier_sequences_are_exact(words: list[str]) -> None:
    assert_exact(" ".join(words))
    assert_exact(" ".join(w.upper() for w in words))
    assert_exact(" ".join(w.upper() if i % 2 else w for i, w in enumerate(words)))


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from(string.printable + "’é日🙂😡❤\u00a0"), max_size=60))
def test_arbitrary_short_texts_are_exact(text: str) -> None:
    assert_exact(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=40))
def test_any_unicode_text_is_exact(text: str) -> None:
    assert_exact(text)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.sampled_from(POSITIVE[:10] + NEGATIVE[:10] + ["good", "bad", "but", "BUT", "ok"]))
)
def test_but_with_repeated_scores_is_exact(words: list[str]) -> None:
    # Equal scores exercise VADER's list.index quirk in its "but" rule.
    assert_exact(" ".join(words))


REGRESSIONS = [
    # empty, whitespace, no lexicon word
    "", " ", "\n\t ", "\u00a0", "the deploy ran at step three", "!!!", "???",
    # plain lexicon words, punctuation emphasis
    "good", "good!", "good!!!!!!", "bad?", "bad??", "bad???", "bad????", "good?!?!", "(good)",
    "great,", "bad!", "'bad'", "...good...", "ok", "OK", "l", "L ok",
    # ALL-CAPS differential (some but not all words upper)
    "GOOD", "GOOD day", "this is GREAT", "VERY good", "very GOOD idea", "VERY GOOD IDEA",
    "NO good", "no GOOD thing",
    # boosters and dampeners 1-3 words back, capitalised boosters
    "very good", "very very good", "extremely bad", "EXTREMELY bad news", "kinda good",
    "slightly bad", "so very good", "really truly good", "barely ok", "hardly good",
    "totally the worst", "most amazing", "sort-of good", "kind-of bad", "kindof bad",
    # negations
    "not good", "isn't good", "isnt good", "never good", "not very good", "not the best",
    "not at all good", "without good", "nor good", "don't like", "dont like it",
    "never so good", "never this good", "it is this good", "x y this good", "so so good", "never so much good", "without doubt good",
    "without any doubt good", "cannot be happy", "uh-uh good", "rarely happy", "n't good",
    "couldn't really be happy",
    # "no"
    "no", "no good", "no problem", "no no", "no way good", "no or bad", "no money or fun",
    "no nor fun", "NO problem", "no good no bad",
    # least
    "least good", "at least good", "very least good", "the least happy", "least", "LEAST bad",
    # but
    "good but bad", "bad but good", "good good but bad bad", "love love but", "but good",
    "great but but awful", "good, but bad", "BUT good", "good but", "happy sad but happy sad",
    # kind of / sort of
    "kind of good", "sort of bad", "kind of", "it was kind of a good day",
    "the kind of bad idea", "just enough good",
    # special cases and sentiment-laden idioms
    "the shit", "that is the shit", "it's the bomb", "bad ass", "badass", "bus stop",
    "yeah right", "kiss of death", "to die for", "beating heart", "cut the mustard",
    "hand to mouth", "under the weather", "in the red", "break a leg", "oh yeah right ok",
    "this food is to die for", "that was the bomb dot com", "my beating heart good",
    # emoticons and emoji
    ":)", ":(", "<3", ":-D", ":D", "xD", "o.O", "ok :)", "bad :(", "good 🙂", "🙂", "😡😡",
    "🙂good", "good🙂", "bad 😡 day", "🙂 🙂", " 🙂 ", "it's ©", "™good", "❤️ love",
    # unicode letters
    "café good", "İYİ good", "ΣΑΣ bad", "straße good", "I’m happy", "naïve idea",
]  # fmt: skip


@pytest.mark.parametrize("text", REGRESSIONS)
def test_regressions_are_exact(text: str) -> None:
    assert_exact(text)


def test_all_caps_booster_variants() -> None:
    for booster in BOOSTER_DICT:
        for word in ("good", "bad", "GOOD", "BAD"):
            for prefix in ("", "it is ", "NOT ", "not the ", "x "):
                assert_exact(f"{prefix}{booster} {word}")
                assert_exact(f"{prefix}{booster.upper()} {word} day")


@pytest.mark.parametrize(
    "pattern",
    [
        "{m} {w}",
        "x {m} {w}",
        "x y {m} {w}",
        "x y z {m} {w}",
        "x y z {m} q {w}",
        "x y z {m} q r {w}",
        "x y z {m} q r s {w}",
        "x y {w} {m} z",
        "{m} {w} {m} {w}",
        "x y z {m} {m} {w}",
    ],
)
def test_every_modifier_at_every_distance(pattern: str) -> None:
    # Every word with a rule of its own, 1 to 4 words before (or after) a lexicon word, after
    # enough neutral words that VADER looks all three words back.
    for modifier in [*MODIFIERS, "or", "doubt", "very", "at", "of", "the", "kind of", "at least"]:
        for word in ("good", "bad", "love", "no"):
            assert_exact(pattern.format(m=modifier, w=word))
            assert_exact(pattern.format(m=modifier.upper(), w=word) + " ok")
            assert_exact(pattern.format(m=modifier, w=word.upper()) + " ok")


def test_every_lexicon_word_alone_and_modified() -> None:
    for word in _LEXICON:
        assert_exact(word)
        assert_exact(f"not very {word}!")


def test_texts_without_lexicon_words_score_zero() -> None:
    assert compound("the deploy ran at step three") == 0.0
    assert compound("") == 0.0
    assert compound("good") > 0 > compound("bad")


def test_uses_the_shared_analyzer_tables() -> None:
    assert analyzer().lexicon["good"] == _LEXICON["good"]


def _all_chars() -> str:
    return "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


def test_lower_casing_creates_no_whitespace() -> None:
    # The idiom shortcut in bot.core.vader relies on lower-cased tokens holding no whitespace.
    for ch in _all_chars():
        if not ch.isspace():
            assert not any(c.isspace() for c in ch.lower()), hex(ord(ch))


def test_normalize_range_sanity() -> None:
    # A strongly loaded text reaches the clamp region and still matches.
    text = " ".join(["GREAT"] * 30 + ["ok"] + ["!"] * 10)
    assert_exact(text)
    assert math.isclose(compound(text), 1.0, abs_tol=1e-3)
