"""`bot.core.vader.compound` equals vaderSentiment's compound score exactly, for any text.

Every test runs on both implementations: the pure-Python `compound_python`, and `compound` with
the C extension `bot.core._cvader` (ASCII texts), skipped when the extension is not built unless
`COACHBOT_REQUIRE_SPEEDUPS=1` (then it fails).
"""

from __future__ import annotations

import math
import os
import string
import struct
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

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

from bot.core import vader
from bot.core.sentiment import analyzer
from bot.core.vader import compound, compound_python

_VADER = SentimentIntensityAnalyzer()
_LEXICON = _VADER.lexicon


def expected(text: str) -> float:
    """vaderSentiment's own compound score (a fresh analyzer, not the one the module uses)."""
    return float(_VADER.polarity_scores(text)["compound"])


compound("")  # loads the tables (and configures the C extension when it is built)
REQUIRE_SPEEDUPS = os.environ.get("COACHBOT_REQUIRE_SPEEDUPS") == "1"


def compound_c(text: str) -> float:
    """`compound` with the C path asserted active (and really used for ASCII texts)."""
    assert vader.SPEEDUPS and vader._cvader is not None, "the C extension is not active"
    got = compound(text)
    if text.isascii():
        direct = vader._cvader.compound(text)
        assert type(direct) is float
        assert struct.pack("<d", direct) == struct.pack("<d", got), (text, direct, got)
    else:
        assert vader._cvader.compound(text) is None
    return got


ScoreFn = Callable[[str], float]
IMPLEMENTATIONS = pytest.mark.parametrize(
    "score",
    [
        pytest.param(compound_python, id="python"),
        pytest.param(
            compound_c,
            id="c",
            marks=pytest.mark.skipif(
                not vader.SPEEDUPS and not REQUIRE_SPEEDUPS,
                reason="bot.core._cvader is not built (setup.py build_ext --inplace)",
            ),
        ),
    ],
)


def assert_exact(score: ScoreFn, text: str) -> None:
    """Same float, bit for bit (so 0.0 and -0.0 differ)."""
    got, want = score(text), expected(text)
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


separator = st.sampled_from(
    [" ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u2003", "", "\x1c", "\x1f", "\x0b", "\x0c"]
)


@st.composite
def sentences(draw: st.DrawFn) -> str:
    """Words from the rich vocabulary, joined by assorted whitespace (sometimes none)."""
    words = draw(st.lists(st.one_of(styled(word_pool), styled(any_lexicon_word)), max_size=14))
    out = draw(st.sampled_from(["", " ", "\n"]))
    for word in words:
        out += word + draw(separator)
    return out


@IMPLEMENTATIONS
@settings(max_examples=1500, deadline=None)
@given(sentences())
def test_vocabulary_sentences_are_exact(score: ScoreFn, text: str) -> None:
    assert_exact(score, text)


@IMPLEMENTATIONS
@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.sampled_from(MODIFIERS + POSITIVE[:20] + NEGATIVE[:20] + ["!", "?"]), max_size=8)
)
def test_dense_modifier_sequences_are_exact(score: ScoreFn, words: list[str]) -> None:
    assert_exact(score, " ".join(words))
    assert_exact(score, " ".join(w.upper() for w in words))
    assert_exact(score, " ".join(w.upper() if i % 2 else w for i, w in enumerate(words)))


@IMPLEMENTATIONS
@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from(string.printable + "’é日🙂😡❤\u00a0"), max_size=60))
def test_arbitrary_short_texts_are_exact(score: ScoreFn, text: str) -> None:
    assert_exact(score, text)


@IMPLEMENTATIONS
@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=40))
def test_any_unicode_text_is_exact(score: ScoreFn, text: str) -> None:
    assert_exact(score, text)


@IMPLEMENTATIONS
@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.sampled_from(POSITIVE[:10] + NEGATIVE[:10] + ["good", "bad", "but", "BUT", "ok"]))
)
def test_but_with_repeated_scores_is_exact(score: ScoreFn, words: list[str]) -> None:
    # Equal scores exercise VADER's list.index quirk in its "but" rule.
    assert_exact(score, " ".join(words))


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


@IMPLEMENTATIONS
@pytest.mark.parametrize("text", REGRESSIONS)
def test_regressions_are_exact(score: ScoreFn, text: str) -> None:
    assert_exact(score, text)


@IMPLEMENTATIONS
def test_all_caps_booster_variants(score: ScoreFn) -> None:
    for booster in BOOSTER_DICT:
        for word in ("good", "bad", "GOOD", "BAD"):
            for prefix in ("", "it is ", "NOT ", "not the ", "x "):
                assert_exact(score, f"{prefix}{booster} {word}")
                assert_exact(score, f"{prefix}{booster.upper()} {word} day")


@IMPLEMENTATIONS
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
def test_every_modifier_at_every_distance(score: ScoreFn, pattern: str) -> None:
    # Every word with a rule of its own, 1 to 4 words before (or after) a lexicon word, after
    # enough neutral words that VADER looks all three words back.
    for modifier in [*MODIFIERS, "or", "doubt", "very", "at", "of", "the", "kind of", "at least"]:
        for word in ("good", "bad", "love", "no"):
            assert_exact(score, pattern.format(m=modifier, w=word))
            assert_exact(score, pattern.format(m=modifier.upper(), w=word) + " ok")
            assert_exact(score, pattern.format(m=modifier, w=word.upper()) + " ok")


@IMPLEMENTATIONS
def test_every_lexicon_word_alone_and_modified(score: ScoreFn) -> None:
    for word in _LEXICON:
        assert_exact(score, word)
        assert_exact(score, f"not very {word}!")


@IMPLEMENTATIONS
def test_texts_without_lexicon_words_score_zero(score: ScoreFn) -> None:
    assert score("the deploy ran at step three") == 0.0
    assert score("") == 0.0
    assert score("good") > 0 > score("bad")


def test_uses_the_shared_analyzer_tables() -> None:
    assert analyzer().lexicon["good"] == _LEXICON["good"]


def _all_chars() -> str:
    return "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


def test_lower_casing_creates_no_whitespace() -> None:
    # The idiom shortcut in bot.core.vader relies on lower-cased tokens holding no whitespace.
    for ch in _all_chars():
        if not ch.isspace():
            assert not any(c.isspace() for c in ch.lower()), hex(ord(ch))


@IMPLEMENTATIONS
def test_normalize_range_sanity(score: ScoreFn) -> None:
    # A strongly loaded text reaches the clamp region and still matches.
    text = " ".join(["GREAT"] * 30 + ["ok"] + ["!"] * 10)
    assert_exact(score, text)
    assert math.isclose(score(text), 1.0, abs_tol=1e-3)


# C-specific risks: ASCII texts only, so the C variant really runs its own code on each.
ASCII_POOL = [
    w
    for w in POSITIVE + NEGATIVE + EMOTICONS + MODIFIERS + IDIOM_TEXTS + PLAIN + PUNCT
    if w.isascii()
]
ASCII_SEPARATORS = [
    " ",
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x1f",
]


@st.composite
def ascii_sentences(draw: st.DrawFn) -> str:
    """ASCII words (lexicon, modifiers, idioms, punctuation) joined by ASCII whitespace."""
    words = draw(
        st.lists(
            st.one_of(styled(st.sampled_from(ASCII_POOL)), styled(any_lexicon_word)), max_size=14
        )
    )
    return "".join(
        word + draw(st.sampled_from(ASCII_SEPARATORS)) for word in words if word.isascii()
    )


@IMPLEMENTATIONS
@settings(max_examples=1000, deadline=None)
@given(ascii_sentences())
def test_ascii_sentences_are_exact(score: ScoreFn, text: str) -> None:
    assert_exact(score, text)


@IMPLEMENTATIONS
@pytest.mark.parametrize(
    "separator", ["\x1c", "\x1d", "\x1e", "\x1f", "\x0b", "\x0c", "\r", "\x85"]
)
def test_every_ascii_whitespace_separates_words(score: ScoreFn, separator: str) -> None:
    for words in (["not", "good"], ["very", "BAD", "day"], ["good", "but", "bad"], ["the", "shit"]):
        assert_exact(score, separator.join(words))
        assert_exact(score, separator + separator.join(words) + separator)
    # \x1c-\x1f split words but are not punctuation: "good\x1c" is the word "good"
    assert_exact(score, f"good{separator}!")


@IMPLEMENTATIONS
@pytest.mark.parametrize(
    "text",
    [
        "", " ", "\t\n\x0b\x0c\r \x1c\x1d\x1e\x1f", "\x00", "\x00 good \x7f", "!", "? ?", "!!! ???",
        "... good ,,,", ":) good :(", "-- bad --", "'' good '", '"good"', "(((good)))", "'bad'!",
        "good!!!!!!!!", "bad?!?!?!", "a! b? good", "x:) good", ":-) :-( :'(", "!good!", "g!", "go!",
        "goo!", "**good**", "~good~", "{good}", "[bad]", "@good #bad", "n't good", "isn't. good",
        "not. good", "no! good", "kind-of good", "KIND OF GOOD", "the SHIT day", "yeah RIGHT",
    ],
)  # fmt: skip
def test_punctuation_and_whitespace_edge_cases(score: ScoreFn, text: str) -> None:
    assert_exact(score, text)


@IMPLEMENTATIONS
@pytest.mark.parametrize(
    "text",
    [
        "GOOD", "GOOD BAD", "GOOD bad", "good BAD", "VERY GOOD", "VERY good", "very GOOD",
        "I LOVE it", "I LOVE IT", "OK :) GREAT", "A GOOD day", "GOOD! day", "G00D day", "GOOD2 day",
        "NOT GOOD at all", "NOT good", "NO GOOD", "no GOOD", "BUT good", "good BUT bad", ":) :(",
        "HAPPY :)", "X GOOD", "x GOOD", "LEAST GOOD", "AT LEAST GOOD", "SO VERY GOOD idea",
    ],
)  # fmt: skip
def test_all_caps_mixes(score: ScoreFn, text: str) -> None:
    assert_exact(score, text)


@IMPLEMENTATIONS
def test_many_buts(score: ScoreFn) -> None:
    assert_exact(score, " but ".join(["good", "bad", "good", "good", "bad", "great", "good"] * 8))
    assert_exact(score, "but " * 50 + "good")
    assert_exact(score, "good " * 40 + "but " + "good " * 40)
    assert_exact(score, "GOOD good BAD but good but NOT bad but the shit but")


_LONG_WORDS = [
    "good", "bad", "not", "very", "GREAT", "but", "kind", "of", "the", "shit", "no", "least",
    "never", "so", "without", "doubt", "ok", ":)", "awful!", "x", "isn't", "really", "BAD",
]  # fmt: skip


@IMPLEMENTATIONS
def test_long_text_against_vader(score: ScoreFn) -> None:
    text = " ".join(_LONG_WORDS[(i * 7 + i // 5) % len(_LONG_WORDS)] for i in range(1500))
    assert_exact(score, text)


def require_c() -> None:
    """Skip (or with COACHBOT_REQUIRE_SPEEDUPS=1 fail) unless the C extension is active."""
    if not vader.SPEEDUPS or vader._cvader is None:
        if REQUIRE_SPEEDUPS:
            pytest.fail("COACHBOT_REQUIRE_SPEEDUPS=1 but bot.core._cvader is not active")
        pytest.skip("bot.core._cvader is not built (setup.py build_ext --inplace)")


def test_very_long_texts_c_equals_python() -> None:
    # 10,000+ words (VADER itself is quadratic there; the Python port is compared to VADER).
    require_c()
    words = [_LONG_WORDS[(i * 7 + i // 3) % len(_LONG_WORDS)] for i in range(12_000)]
    plain = [word for word in words if word != "but"]
    texts = [
        " ".join(plain),
        "\x1c".join(plain).upper() + " ok",
        " ".join(plain[::-1]) + "!!??",
        " ".join(words[:4000]),
    ]
    for text in texts:
        got = compound_c(text)
        assert struct.pack("<d", got) == struct.pack("<d", compound_python(text))


def test_c_returns_none_for_non_ascii_and_fresh_floats() -> None:
    require_c()
    c = vader._cvader
    assert c is not None
    assert c.compound("café good") is None
    assert c.compound("good 🙂") is None
    with pytest.raises(TypeError):
        c.compound(b"good")
    score = c.compound("not very good!")
    assert type(score) is float
    assert sys.getrefcount(score) == 2  # only `score` (and the call's argument) hold it


def test_without_the_extension_the_python_path_is_used() -> None:
    # An unbuilt extension (ImportError) must leave the module importable and exact.
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'bot.core._cvader':\n"
        "            raise ImportError('blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from bot.core import vader\n"
        "assert vader._cvader is None and not vader.SPEEDUPS\n"
        "assert vader.compound('not very good!') == vader.compound_python('not very good!')\n"
        "assert not vader.SPEEDUPS and vader._c_compound is None\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)


def test_threads_share_the_c_tables() -> None:
    require_c()
    texts = ["not very good!", "good but bad but GOOD", "the shit", "x " * 200 + "kind of great"]
    want = [compound_python(text) for text in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: [compound(text) for text in texts], range(2000)))
    assert all(result == want for result in results)


_SPAN_TEXT = st.lists(
    st.tuples(st.sampled_from(["good", "bad", "not", "very", "the", "build", "HATE", "kind of",
                               "but", ":)", "x", "great!!", "no"]),
              st.sampled_from([" ", ". ", "! ", "? ", "\n", ", "])),
    max_size=25,
).map(lambda parts: "".join(w + p for w, p in parts))


@settings(max_examples=300, deadline=None)
@given(_SPAN_TEXT, st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=8))
def test_span_scores_are_compound_of_each_span(text: str, raw: list[tuple[int, int]]) -> None:
    # One C call scores every span exactly as `compound` scores its slice; zeros are left out.
    require_c()
    spans = [(min(a, b, len(text)), min(max(a, b), len(text)), "extra") for a, b in raw]
    want = [(span, score) for span in spans if (score := compound_python(text[span[0]:span[1]]))]
    got = vader.span_scores(text, spans)
    assert got is not None
    assert [(s, struct.pack("<d", v)) for s, v in got] == [
        (s, struct.pack("<d", v)) for s, v in want
    ]
    assert all(item[0] is span for item, span in zip(got, [s for s, _ in want], strict=True))


def test_span_scores_refuse_bad_spans_and_leave_non_ascii_to_python() -> None:
    require_c()
    c = vader._cvader
    assert c is not None
    assert vader.span_scores("café is good", [(0, 4)]) is None
    with pytest.raises(ValueError):
        c.sentence_scores("good", [(2, 9)])
    with pytest.raises(ValueError):
        c.sentence_scores("good", [(3, 1)])
    with pytest.raises(TypeError):
        c.sentence_scores("good", [(0,)])
    with pytest.raises(TypeError):
        c.sentence_scores("good", ((0, 4),))
    with pytest.raises(TypeError):
        c.sentence_scores("good", [(0, "4")])
    span = (0, 4)
    before = sys.getrefcount(span)
    got = c.sentence_scores("good", [span])
    assert got == [(span, compound_python("good"))] and got[0][0] is span
    del got
    assert sys.getrefcount(span) == before
