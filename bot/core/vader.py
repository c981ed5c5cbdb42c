"""VADER's compound score, bit-for-bit, without VADER's per-call overhead.

`compound(text)` returns exactly `SentimentIntensityAnalyzer().polarity_scores(text)["compound"]`
of vaderSentiment 3.3.2, quirks included, using the analyzer's own lexicon and emoji tables and
VADER's own constants. It is fast because:

- a text none of whose VADER words is a lexicon word scores 0.0, decided with C-level string
  and set operations on the lower-cased text before anything else is built (most chat);
- a text with no booster, negation, "no", "least", "so"/"this", idiom word, "but", "n't" or
  ALL-CAPS lexicon word sums its lexicon valences in C;
- otherwise only lexicon words are scored, through the full port of VADER's rules only when a
  modifier is among the three words before them; words are lower-cased once per text (VADER
  lower-cases the whole word list again several times for every lexicon word it scores);
- emoji are looked up among non-ASCII characters only (VADER loops over every character).

The rules ported from VADER (see `_valence`): "no" as a negation, ALL-CAPS differential,
boosters and dampeners up to three words back (with VADER's 0.95/0.9 distance damping),
negations including "n't", "never so/this", "without doubt", SPECIAL_CASES idioms and booster
bi-grams ("kind of"), "least", contrastive "but" (with VADER's `list.index` quirk), punctuation
emphasis, normalisation and rounding to four places.

`compound_python(text)` is that pure-Python port. When the optional C extension
`bot.core._cvader` (built by setup.py from `_cvader.c`) imports, `compound(text)` scores ASCII
texts with it instead: the same rules, the same float operations in the same order, so the same
bits, several times faster; non-ASCII texts (emoji, Unicode case rules) keep the Python path.
`SPEEDUPS` tells whether the C path is active; without the extension everything runs in Python.
"""

from __future__ import annotations

import importlib
import re
import string
from collections.abc import Callable
from itertools import compress, count, repeat
from math import sqrt
from operator import is_not
from types import ModuleType
from typing import Any, TypeVar

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
)

_cvader: ModuleType | None
try:
    _cvader = importlib.import_module("bot.core._cvader")
except ImportError:  # not built (no C compiler, or a source checkout): the Python path only
    _cvader = None
if _cvader is not None and not hasattr(_cvader, "compound"):  # a stale stub build
    _cvader = None
# Whether `compound` scores ASCII texts in C (set back to False if the C tables cannot be built).
SPEEDUPS: bool = _cvader is not None

# `map(str.strip, tokens, _PUNCTUATION)`: each token stripped of ASCII punctuation, as VADER does.
_PUNCTUATION = repeat(string.punctuation)
_NEGATE = frozenset(NEGATE)
_SO_THIS = ("so", "this")
_OR_NOR = ("or", "nor")
# The multi-word SPECIAL_CASES idioms and booster n-grams ("kind of"), as word lists.
_IDIOMS = [key.split() for key in (*SPECIAL_CASES, *BOOSTER_DICT) if " " in key]
# One word of each multi-word idiom, avoiding very common words: VADER's idiom check can only
# match when one of these is among the words it joins (a VADER word holds no whitespace).
_COMMON = frozenset({"the", "to", "of", "for", "right", "stop", "just"})
_IDIOM_ANCHORS = frozenset(
    max(idiom, key=lambda word: (word not in _COMMON, len(word))) for idiom in _IDIOMS
)
# Words that make VADER's booster/negation/"no"/"least" rules fire on the next words.
_MODIFIERS = frozenset(BOOSTER_DICT) | _NEGATE | {"no", "least", "so", "this", "never", "without"}
# Those that matter anywhere in the three words before a lexicon word ("this" matters right
# before it, or after "never", itself a modifier).
_NEAR_MODIFIERS = _MODIFIERS - {"this"}
# A text holding none of these (nor "n't", nor an ALL-CAPS lexicon word) is scored by summing
# lexicon valences.
_PLAIN_BREAKERS = _MODIFIERS | _IDIOM_ANCHORS | {"but"}

# Loaded on first use from bot.core.sentiment.analyzer() (imported lazily: sentiment may import
# this module).
_lexicon: dict[str, float] = {}
_lexicon_words: frozenset[str] = frozenset()
_emojis: dict[str, str] = {}
_Span = TypeVar("_Span", bound=tuple[Any, ...])
_ZEROS = repeat(0)  # VADER's score of a word it does not score: the int 0
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")
# `_cvader.compound` once `_load` has configured it: the score of an ASCII text, else None.
_c_compound: Callable[[str], float | None] | None = None
# `_cvader.sentence_scores`, likewise: (span, score) for the spans of an ASCII text that score
# non-zero, else None.
_c_span_scores: Callable[[str, list[Any]], list[tuple[Any, float]] | None] | None = None


def _load() -> None:
    """Take the lexicon and emoji tables from the process-wide analyzer (once)."""
    global _lexicon, _lexicon_words, _emojis
    from bot.core.sentiment import analyzer

    vader = analyzer()
    # VADER tests `char in emojis` one character at a time: only 1-character keys ever match
    # (and every one of them is non-ASCII).
    if any(len(key) == 1 and key.isascii() for key in vader.emojis):
        raise RuntimeError("an ASCII emoji key: bot.core.vader's ASCII path would miss it")
    _emojis = vader.emojis
    _lexicon_words = frozenset(vader.lexicon)
    if _cvader is not None:
        global SPEEDUPS, _c_compound, _c_span_scores
        try:
            _cvader.configure(vader.lexicon, BOOSTER_DICT, NEGATE, SPECIAL_CASES, C_INCR, N_SCALAR)
        except (TypeError, ValueError):  # tables the C code cannot mirror exactly
            SPEEDUPS = False
        else:
            _c_compound = _cvader.compound
            _c_span_scores = getattr(_cvader, "sentence_scores", None)
    _lexicon = vader.lexicon


def compound(text: str) -> float:
    """VADER's compound score of `text`, bitwise equal to `polarity_scores(text)["compound"]`."""
    if not _lexicon:
        _load()
    if _c_compound is not None:
        score = _c_compound(text)
        if score is not None:
            return score
    return compound_python(text)


def span_scores(text: str, spans: list[_Span]) -> list[tuple[_Span, float]] | None:
    """Each span of `text` (a tuple starting with its start and end) whose `compound` score is
    not 0, with that score, in order, scored in one C call; None without the C extension or
    for a text that is not ASCII."""
    if not _lexicon:
        _load()
    # (`speedups.pure_python()` turns the C path off through `_c_compound`, for both.)
    if _c_span_scores is None or _c_compound is None:
        return None
    return _c_span_scores(text, spans)


def compound_python(text: str) -> float:
    """The pure-Python `compound` (every text, ASCII or not), bitwise equal to VADER's."""
    if not _lexicon:
        _load()
    if text.isascii():
        # ASCII lower-casing maps character to character and keeps spaces and punctuation, so
        # these are VADER's tokens, lower-cased, and then its words (tokens stripped of
        # punctuation, unless that leaves two characters or fewer, as for emoticons).
        lower = text.lower()
        tokens = lower.split()
        lowers = list(map(str.strip, tokens, _PUNCTUATION))
        if _lexicon_words.isdisjoint(lowers) and _lexicon_words.isdisjoint(tokens):
            return 0.0
        # `strip` returns the token itself when there is nothing to strip; mostly only the last
        # token of a sentence has punctuation to strip, so that one is checked first.
        if lowers[-1] is not tokens[-1] and len(lowers[-1]) <= 2:
            lowers[-1] = tokens[-1]
        if lowers[:-1] != tokens[:-1]:
            for i in compress(count(), map(is_not, lowers, tokens)):
                if len(lowers[i]) <= 2:
                    lowers[i] = tokens[i]
        # Without capitals no word is ALL CAPS; without "n't" in the text no word holds one.
        return _score(text, lowers, None if lower == text else text.split(), "n't" in lower)
    replaced = _replace_emoji(text)
    if replaced is not None:
        text = replaced
        if text.isascii():
            return compound_python(text)
    raw = text.split()
    lowers = [
        (s if len(s) > 2 else t).lower()
        for t, s in zip(raw, map(str.strip, raw, _PUNCTUATION), strict=True)
    ]
    if _lexicon_words.isdisjoint(lowers):
        return 0.0
    # Non-ASCII words are lower-cased twice by VADER's negation test: always take the full path.
    return _score(text, lowers, raw, True, strict=True)


def _total(lowers: list[str], raw: list[str] | None, strict: bool, maybe_nt: bool) -> float:
    """VADER's sum of word scores (after its "but" rule).

    With `strict`, every lexicon word goes through the full port of VADER's rules; otherwise
    only those with a modifier (or a word holding "n't") among the three words before them.
    """
    lexicon = _lexicon
    last = len(lowers) - 1
    modifiers = _NEAR_MODIFIERS
    if maybe_nt and not strict:
        modifiers = modifiers | {word for word in lowers if "n't" in word}
    scored: list[float] = []
    positions: list[int] = []
    for i in compress(count(), map(lexicon.__contains__, lowers)):
        word = lowers[i]
        if word in BOOSTER_DICT:
            continue
        if word == "kind" and i < last and lowers[i + 1] == "of":
            continue
        positions.append(i)
        if (
            strict
            or word == "no"
            or (i and lowers[i - 1] == "this")
            or not modifiers.isdisjoint(lowers[i - 3 if i > 3 else 0 : i])
        ):
            scored.append(_valence(i, lowers if raw is None else raw, lowers))
            continue
        # Nothing before the word can boost, dampen or negate it: VADER's loop only adds 0.0.
        valence = lexicon[word]
        if raw is not None and raw[i].isupper() and _cap_differential(raw):
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        if (
            i > 2
            and lowers[i - 3] not in lexicon
            and not _IDIOM_ANCHORS.isdisjoint(lowers[i - 3 : i + 3])
        ):
            valence = _special_idioms_check(valence, lowers, i)
        scored.append(valence)
    if "but" in lowers:
        sentiments: list[float] = [0] * len(lowers)
        for i, valence in zip(positions, scored, strict=True):
            sentiments[i] = valence
        return float(sum(_but_check(lowers, sentiments)))
    # Zeros (every word VADER did not score) add nothing to a float sum: leave them out.
    return float(sum(scored))


def _replace_emoji(text: str) -> str | None:
    """VADER's emoji step, or None when `text` holds no emoji VADER knows.

    Each known emoji becomes its description, preceded by a space unless it starts the text or
    follows a plain space (VADER's `prev_space`, which a description resets); then the text is
    stripped. Only non-ASCII characters can be emoji, so only those are looked up.
    """
    emojis = _emojis
    parts: list[str] = []
    last = 0
    for run in _NON_ASCII_RE.finditer(text):
        for at, char in enumerate(run.group(), run.start()):
            description = emojis.get(char)
            if description is None:
                continue
            parts.append(text[last:at])
            if at and text[at - 1] != " ":
                parts.append(" ")
            parts.append(description)
            last = at + 1
    if not parts:
        return None
    parts.append(text[last:])
    return "".join(parts).strip()


def _cap_differential(raw: list[str]) -> bool:
    """VADER's `is_cap_diff` once one word is known to be ALL CAPS: not every word is."""
    return not all(map(str.isupper, raw))


def _score(
    text: str, lowers: list[str], raw: list[str] | None, maybe_nt: bool, strict: bool = False
) -> float:
    """VADER's score of an emoji-free text from its lower-cased VADER words.

    `raw` holds the text's whitespace-separated tokens with their capitals (a token is ALL CAPS
    exactly when its VADER word is: stripping punctuation removes no cased letter), or is None
    when the text has no capital letter. `maybe_nt` is False only when no word contains "n't";
    `strict` sends every lexicon word through the full port of VADER's rules.
    """
    if (
        strict
        or maybe_nt
        or not _PLAIN_BREAKERS.isdisjoint(lowers)
        or (
            raw is not None
            and not _lexicon_words.isdisjoint(compress(lowers, map(str.isupper, raw)))
        )
    ):
        total = _total(lowers, raw, strict, maybe_nt)
    else:
        # No booster, negation, "no", "least", "so"/"this", idiom, "but" or ALL-CAPS lexicon
        # word: VADER scores each lexicon word with its lexicon valence (its loop only adds 0.0)
        # and every other word with the int 0, and sums them in order.
        total = float(sum(map(_lexicon.get, lowers, _ZEROS)))
    if total and ("!" in text or "?" in text):
        # VADER's punctuation emphasis: up to four "!", and two or more "?".
        exclamations = text.count("!")
        if exclamations > 4:
            exclamations = 4
        questions = text.count("?")
        emphasis = exclamations * 0.292 + (
            0 if questions <= 1 else questions * 0.18 if questions <= 3 else 0.96
        )
        if total > 0:
            total += emphasis
        else:
            total -= emphasis
    # VADER's normalize(total), alpha = 15
    score = total / sqrt((total * total) + 15)
    if score < -1.0:
        score = -1.0
    elif score > 1.0:
        score = 1.0
    return round(score, 4)


def _negated(word: str) -> bool:
    """VADER's `negated([word])` for an already lower-cased word (VADER lower-cases it again)."""
    if word in _NEGATE or "n't" in word:
        return True
    if word.isascii():
        return False
    again = word.lower()
    return again in _NEGATE or "n't" in again


def _valence(i: int, words: list[str], lowers: list[str]) -> float:
    """VADER's `sentiment_valence` for the lexicon word at `i`, including `_least_check`."""
    lexicon = _lexicon
    word = lowers[i]
    valence = lexicon[word]
    last = len(lowers) - 1
    if word == "no" and i != last and lowers[i + 1] in lexicon:
        valence = 0.0
    if (
        (i > 0 and lowers[i - 1] == "no")
        or (i > 1 and lowers[i - 2] == "no")
        or (i > 2 and lowers[i - 3] == "no" and lowers[i - 1] in _OR_NOR)
    ):
        valence = lexicon[word] * N_SCALAR
    if words[i].isupper() and _cap_differential(words):
        if valence > 0:
            valence += C_INCR
        else:
            valence -= C_INCR
    for start_i in range(3):
        j = i - start_i - 1
        if j < 0:
            break
        before = lowers[j]
        if before in lexicon:
            continue
        # scalar_inc_dec
        scalar = 0.0
        if before in BOOSTER_DICT:
            scalar = BOOSTER_DICT[before]
            if valence < 0:
                scalar *= -1
            if words[j].isupper() and _cap_differential(words):
                if valence > 0:
                    scalar += C_INCR
                else:
                    scalar -= C_INCR
        if start_i == 1 and scalar != 0:
            scalar = scalar * 0.95
        if start_i == 2 and scalar != 0:
            scalar = scalar * 0.9
        valence = valence + scalar
        valence = _negation_check(valence, lowers, start_i, i)
        if start_i == 2 and not _IDIOM_ANCHORS.isdisjoint(lowers[i - 3 : i + 3]):
            valence = _special_idioms_check(valence, lowers, i)
    # _least_check ("least" is not a lexicon word, as VADER also requires)
    if i > 1 and lowers[i - 1] == "least" and "least" not in lexicon:
        if lowers[i - 2] != "at" and lowers[i - 2] != "very":
            valence = valence * N_SCALAR
    elif i > 0 and lowers[i - 1] == "least" and "least" not in lexicon:
        valence = valence * N_SCALAR
    return valence


def _negation_check(valence: float, lowers: list[str], start_i: int, i: int) -> float:
    """VADER's `_negation_check` on the lower-cased words."""
    if start_i == 0:
        if _negated(lowers[i - 1]):
            valence = valence * N_SCALAR
    elif start_i == 1:
        if lowers[i - 2] == "never" and lowers[i - 1] in _SO_THIS:
            valence = valence * 1.25
        elif lowers[i - 2] == "without" and lowers[i - 1] == "doubt":
            pass
        elif _negated(lowers[i - 2]):
            valence = valence * N_SCALAR
    else:
        if (lowers[i - 3] == "never" and lowers[i - 2] in _SO_THIS) or lowers[i - 1] in _SO_THIS:
            valence = valence * 1.25
        elif lowers[i - 3] == "without" and (lowers[i - 2] == "doubt" or lowers[i - 1] == "doubt"):
            pass
        elif _negated(lowers[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lowers: list[str], i: int) -> float:
    """VADER's `_special_idioms_check` (only reached with i >= 3)."""
    onezero = f"{lowers[i - 1]} {lowers[i]}"
    twoonezero = f"{lowers[i - 2]} {lowers[i - 1]} {lowers[i]}"
    twoone = f"{lowers[i - 2]} {lowers[i - 1]}"
    threetwoone = f"{lowers[i - 3]} {lowers[i - 2]} {lowers[i - 1]}"
    threetwo = f"{lowers[i - 3]} {lowers[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    count = len(lowers)
    if count - 1 > i:
        zeroone = f"{lowers[i]} {lowers[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if count - 1 > i + 1:
        zeroonetwo = f"{lowers[i]} {lowers[i + 1]} {lowers[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _but_check(lowers: list[str], sentiments: list[float]) -> list[float]:
    """VADER's `_but_check`, literally: it finds each score with `list.index`, so when two scores
    are equal the first one is scaled again and the later one not at all."""
    bi = lowers.index("but")
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 0.5)
        elif si > bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 1.5)
    return sentiments
