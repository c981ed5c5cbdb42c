"""`classifier` rules: a small shipped linear text model scores a message; high scores fire.

The model is a logistic regression over word unigrams/bigrams and within-word character
n-grams of the masked, lower-cased text, trained offline (`bench/train_tone.py`) only on the
shared calibration data and shipped as a compact JSON file of non-zero weights under
`bot/core/models_data/`. Scoring is dictionary look-ups, in pure Python or, when built, in
the optional C extension `bot.core._clogit` (`SPEEDUPS`; both paths give the same float bit
for bit): deterministic (the word, n-gram and cue weights are summed exactly in fixed
point, so no summation order or hash seed shows in the result), no downloads, no numpy. At
run time no feature strings are built: the model keeps its bigram weights keyed by word pair
and a bounded cache of per-word records (unigram weight, sum and count of the word's
character n-gram weights, cue-word flags), so a message costs a set of its words and two
C-level sums (`featurize` builds the feature strings for training; both give the same
log-odds).
"""

from __future__ import annotations

import importlib
import json
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import pairwise, repeat
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import Field, field_validator, model_validator

from bot.core.checks.base import Check, Hit, RuleSpec, register
from bot.core.conversation import ChannelWindow
from bot.core.sentiment import sentence_scores
from bot.core.text import (
    Document,
    Sentence,
    count_ascii_letters,
    count_latin1_capitals,
    has_mark_pair,
    words_of,
)

# The optional C scoring (`bot/core/_clogit.c`, built by setup.py); None: the Python path.
_speedups: Any
try:
    _speedups = importlib.import_module("bot.core._clogit")
except ImportError:
    _speedups = None
# Whether `LinearTextModel.logit` uses the C path (both paths give the same float bit for bit).
SPEEDUPS: bool = _speedups is not None

MODEL_FORMAT = "coachbot-linear-text/2"
CHAR_NGRAMS = (3, 4, 5)
# Words longer than this are not cut into character n-grams (hashes, ids, long paths).
MAX_CHAR_WORD = 24
PER_WORD_CACHE = 100_000


# Hand-written cue lists (not learned): who a message is aimed at, and words that wound.
# They give the model features that generalise beyond the exact words seen in training.
SECOND_PERSON = frozenset(
    ["you", "your", "you're", "youre", "yours", "yourself", "yourselves", "u", "ur", "you've", "you'd", "you'll", "ya"]
)
PROFANITY = frozenset(
    ["fuck", "fucking", "fucked", "fucks", "fuckin", "motherfucker", "shit", "shitty", "bullshit", "crap", "crappy", "damn", "goddamn", "ass", "asshole", "assholes", "arse", "bitch", "bastard", "dick", "dickhead", "piss", "pissed", "wtf", "stfu", "bloody", "bollocks", "wanker", "twat", "cunt"]
)
INSULTS = frozenset(
    ["idiot", "idiots", "idiotic", "stupid", "stupidity", "moron", "morons", "moronic", "dumb", "dumbass", "imbecile", "incompetent", "incompetence", "pathetic", "clueless", "useless", "worthless", "lazy", "ignorant", "ignorance", "ridiculous", "absurd", "ludicrous", "laughable", "garbage", "trash", "rubbish", "joke", "clown", "clowns", "amateur", "amateurish", "arrogant", "arrogance", "rude", "childish", "toxic", "disgrace", "disgraceful", "shameful", "shame", "embarrassing", "insane", "nonsense", "stupidly", "retarded", "troll", "trolling", "whining", "whine", "whiny", "entitled", "rambling", "spam", "spamming"]
)


def cue_features(tokens: Sequence[str]) -> set[str]:
    """Cue features (`x:`): second person, profanity, insults, and their co-occurrence."""
    present = set(tokens)
    cues: set[str] = set()
    you = not present.isdisjoint(SECOND_PERSON)
    profane = not present.isdisjoint(PROFANITY)
    insult = not present.isdisjoint(INSULTS)
    if you:
        cues.add("x:you")
    if profane:
        cues.add("x:profane")
    if insult:
        cues.add("x:insult")
    if you and (profane or insult):
        cues.add("x:you+harsh")
    return cues


def word_features(tokens: Sequence[str]) -> set[str]:
    """Word unigram (`w:`), bigram (`b:`) and cue (`x:`) features of a lower-cased token list."""
    feats = {"w:" + t for t in tokens}
    feats.update(f"b:{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
    feats.update(cue_features(tokens))
    return feats


def _char_grams(token: str) -> set[str]:
    """The distinct `c:` n-grams of one word padded with spaces."""
    padded = f" {token} "
    size = len(padded)
    grams: set[str] = set()
    for n in CHAR_NGRAMS:
        if n > size:
            break
        grams.update(["c:" + padded[i : i + n] for i in range(size - n + 1)])
    return grams


@lru_cache(maxsize=65536)
def _token_char_grams(token: str) -> frozenset[str]:
    return frozenset(_char_grams(token))


def char_words(tokens: Sequence[str]) -> set[str]:
    """The distinct words that are cut into character n-grams."""
    return {t for t in tokens if len(t) <= MAX_CHAR_WORD}


def char_features(tokens: Sequence[str]) -> Counter[str]:
    """Character n-grams (`c:`) inside each distinct word padded with spaces, with counts."""
    feats: Counter[str] = Counter()
    for token in char_words(tokens):
        feats.update(_token_char_grams(token))
    return feats


def featurize(tokens: Sequence[str], cues: Iterable[str] = ()) -> tuple[set[str], Counter[str]]:
    """The two feature groups of a text: binary word features (cues from `doc_cues` join them),
    scaled by 1/sqrt(how many); character n-gram counts, scaled by 1/sqrt(total count)."""
    words = word_features(tokens)
    words.update(cues)
    return words, char_features(tokens)


_LETTER = re.compile(r"[^\W\d_]")
# Sentence VADER compound cut-offs that become cues (sentences of at least 3 words).
# (All negative: `doc_cues` only looks at negative scores.)
VADER_CUES = ((-0.3, "x:vader<=-0.3"), (-0.5, "x:vader<=-0.5"), (-0.75, "x:vader<=-0.75"))
_HIGHEST_CUT = max(cut for cut, _ in VADER_CUES)
_NO_CUES: frozenset[str] = frozenset()


def doc_cues(doc: Document) -> frozenset[str]:
    """Message-level cues: harsh VADER sentences, `!!`/`?!` runs, mostly capitals.

    The VADER scores are the engine's per-sentence scores, computed once per message and
    shared with the sentiment rules and the tone counter, so they cost nothing extra here.
    """
    state = doc.__dict__
    cached = state.get("_classifier_cues")
    if cached is not None:
        return cast(frozenset[str], cached)
    lowest = 0.0  # the cut-offs are negative: only negative scores can reach them
    for sentence, score in sentence_scores(doc):
        if score < lowest and sentence.last_token - sentence.first_token >= 3:
            lowest = score
    masked = doc.masked
    # A run of `!`/`?` holds two adjacent ones (plain substring tests, no regex scan).
    punct_run = has_mark_pair(masked)
    # Mostly capitals needs more than 6 of them (half of at least 12 letters): count the
    # capitals first (in ASCII text, A-Z with one bytes.translate), the letters only when
    # there are enough capitals.
    # Capitals are A-Z and U+00C0-U+00DE (`Document.ascii_capitals` counts them in ASCII text).
    capitals = doc.ascii_capitals
    if capitals is None:
        capitals = count_latin1_capitals(masked)
    if lowest > _HIGHEST_CUT and not punct_run and capitals <= 6:
        result = _NO_CUES
    else:
        cues = [name for cut, name in VADER_CUES if lowest <= cut]
        if punct_run:
            cues.append("x:punct-run")
        if capitals > 6:
            # (What `_LETTER` matches: in ASCII text, exactly A-Z and a-z.)
            letters = (
                count_ascii_letters(masked) if masked.isascii() else len(_LETTER.findall(masked))
            )
            if letters >= 12 and capitals > letters / 2:
                cues.append("x:caps")
        result = frozenset(cues) if cues else _NO_CUES
    state["_classifier_cues"] = result
    return result


# A word's record is one int whose three 128-bit fields add up exactly over a message's
# distinct words (Python ints do not overflow), so one C-level `sum` gives all of:
# - field 0: its number of distinct character n-grams (low 40 bits) and whether it is a
#   second-person / profane / insult word (one 10-bit counter each above those);
# - field 1: its unigram weight, field 2: the sum of its n-gram weights, both fixed-point in
#   units of 2**-64 and signed (rounding moves a weight by at most 2**-65).
_FIELD_BITS = 128
_FIELD_MASK = (1 << _FIELD_BITS) - 1
_FIELD_HALF = 1 << (_FIELD_BITS - 1)
_GRAM_COUNT_MASK = (1 << 40) - 1
_YOU_SHIFT, _PROFANE_SHIFT, _INSULT_SHIFT = 40, 50, 60
_YOU = 1 << _YOU_SHIFT
_CUE_COUNT_MASK = (1 << 10) - 1  # each cue list has fewer than 1024 words
_FIXED_ONE = 1 << 64
# Weights up to this size keep every field far from overflowing into the next one.
_MAX_FIXED_WEIGHT = 2.0**20


def _fixed(value: float) -> int:
    """`value` in fixed point, units of 2**-64 (the nearest integer, ties to even; `_clogit.c`
    rounds the bigram and extra cue weights the same way)."""
    return round(value * _FIXED_ONE)


def _exact_sum(values: Iterable[float]) -> float:
    """The sum of `values` rounded once (`math.fsum`: whatever their order); a plain sum when
    that overflows or meets infinities of both signs (an infinite or NaN result either way)."""
    values = list(values)
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return sum(values)


def _cue_table(weights: dict[str, float], fixed_point: bool) -> tuple[tuple[frozenset[str], int], ...]:
    """For each (you, profane, insult) combination as a 3-bit index: its `cue_features` names
    and the exact sum of their weights in fixed point (each rounded by `_fixed`; all 0 for a
    model whose weights do not fit the fixed point, which scores by feature strings)."""
    table = []
    for index in range(8):
        you, profane, insult = bool(index & 4), bool(index & 2), bool(index & 1)
        names = [name for name, on in (("x:you", you), ("x:profane", profane), ("x:insult", insult)) if on]
        if you and (profane or insult):
            names.append("x:you+harsh")
        weight = sum(_fixed(float(weights.get(name, 0.0))) for name in names) if fixed_point else 0
        table.append((frozenset(names), weight))
    return tuple(table)


@dataclass(frozen=True, slots=True)
class LinearTextModel:
    """A logistic regression over binary, per-group L2-normalised text features.

    The log-odds are `bias + sum(word feature weights) / sqrt(number of word features)
    + sum(char n-gram weights x counts) / sqrt(total n-gram count)`, the features being those
    of `featurize`; `logit` computes that without building the feature strings.
    """

    name: str
    bias: float
    word_weights: dict[str, float]
    char_weights: dict[str, float]
    meta: dict[str, Any]
    # Look-up tables derived at construction (the weight dicts are read-only afterwards).
    _unigrams: dict[str, float] = field(init=False, compare=False, repr=False)
    # Bigram weights by word pair, in fixed point (units of 2**-64; empty when `_fixed_point`
    # is false: such models score by feature strings).
    _bigrams: dict[tuple[str, str], int] = field(init=False, compare=False, repr=False)
    # The cue-word features by (you, profane, insult) index: their names and summed weight in
    # fixed point (`_cue_table`).
    _cues: tuple[tuple[frozenset[str], int], ...] = field(init=False, compare=False, repr=False)
    # One slot holding the per-word record cache: word -> packed record (layout above `_fixed`).
    # Bounded: when full, a fresh dict replaces it (never cleared in place, so threads holding
    # the old one stay consistent).
    _per_word: list[dict[str, int]] = field(init=False, compare=False, repr=False)
    # The C path's own per-word cache (same bounds): word -> (its three record fields
    # as 40 bytes, layout in `_clogit.c`; its bigram weights by next word or None).
    _c_per_word: list[dict[str, tuple[bytes, dict[str, float] | None]]] = field(
        init=False, compare=False, repr=False
    )
    # The C path's read-only tables: (bias, the 8 fixed-point cue weights of `_cues` as signed
    # 128-bit little-endian values in 128 bytes, their cue names, no cues, word weights or None
    # when the model is not fixed point: then the C code leaves any call to the Python path).
    _c_tables: tuple[float, bytes, tuple[frozenset[str], ...], frozenset[str], dict[str, float] | None] = (
        field(init=False, compare=False, repr=False)
    )
    # Bigram weights (floats) by first word, then second word (the `following` of the C
    # records; the C code turns each into fixed point as `_fixed` does).
    _following: dict[str, dict[str, float]] = field(init=False, compare=False, repr=False)
    # Whether every weight is small enough for the fixed-point records (else: feature strings).
    _fixed_point: bool = field(init=False, compare=False, repr=False)
    _doc_key: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        unigrams: dict[str, float] = {}
        bigrams: dict[tuple[str, str], float] = {}
        for feature, weight in self.word_weights.items():
            if feature.startswith("w:"):
                unigrams[feature[2:]] = weight
            elif feature.startswith("b:"):
                first, space, second = feature[2:].partition(" ")
                # Only a single-space name can be the bigram of two words without spaces (the
                # only words `logit` scores itself, see `_logit_by_features`).
                if space and " " not in second:
                    bigrams[(first, second)] = weight
        fixed_point = all(
            math.isfinite(w) and abs(w) <= _MAX_FIXED_WEIGHT
            for w in (*self.word_weights.values(), *self.char_weights.values(), self.bias)
        )
        object.__setattr__(self, "_fixed_point", fixed_point)
        object.__setattr__(self, "_unigrams", unigrams)
        object.__setattr__(self, "_bigrams", {
            pair: _fixed(float(weight)) for pair, weight in bigrams.items()
        } if fixed_point else {})
        cue_table = _cue_table(self.word_weights, fixed_point)
        object.__setattr__(self, "_cues", cue_table)
        object.__setattr__(self, "_per_word", [{}])
        following: dict[str, dict[str, float]] = {}
        for (first, second), weight in bigrams.items():
            following.setdefault(first, {})[second] = float(weight)
        object.__setattr__(self, "_following", following)
        object.__setattr__(self, "_c_per_word", [{}])
        object.__setattr__(self, "_c_tables", (
            float(self.bias),
            b"".join(weight.to_bytes(16, "little", signed=True) for _, weight in cue_table),
            tuple(names for names, _ in cue_table),
            _NO_CUES,
            self.word_weights if fixed_point else None,
        ))
        object.__setattr__(self, "_doc_key", f"_classifier_{id(self)}")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearTextModel:
        """Build a model from its JSON document; raises ValueError on another format."""
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"unknown model format {data.get('format')!r}, expected {MODEL_FORMAT}")
        return cls(
            name=str(data["name"]),
            bias=float(data["bias"]),
            word_weights={k: float(v) for k, v in data["weights"]["word"].items()},
            char_weights={k: float(v) for k, v in data["weights"]["char"].items()},
            meta=dict(data.get("meta", {})),
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON document this model is shipped as."""
        return {
            "format": MODEL_FORMAT,
            "name": self.name,
            "bias": self.bias,
            "meta": self.meta,
            "weights": {"word": self.word_weights, "char": self.char_weights},
        }

    def logit(self, tokens: Sequence[str], cues: Iterable[str] = ()) -> float:
        """The model's log-odds for a lower-cased token list (bias alone when empty).

        Equal (within float rounding, far below 1e-9) to scoring the features of
        `featurize(tokens, cues)`: one sum of the distinct words' packed records gives the
        unigram weights, the n-gram weights and count and the cue words; distinct bigrams come
        from the word pairs (all distinct when fewer than two words repeat). The fixed-point
        weights of the bigrams, of the cue words' features and of the extra `cues` (those not
        already counted as a feature) are summed exactly with the unigram weights and rounded
        once to a float, so the result does not depend on the order of the pairs or of the
        cues (nor on PYTHONHASHSEED). With the C
        extension built (`SPEEDUPS`), `_clogit.logit` does the same arithmetic (same float bit
        for bit) from the C records of `_remember_c`.
        """
        if _speedups is not None:
            z = self._logit_c(_speedups, tokens, cues)
            if z is not None:
                return z
        return self._logit_python(tokens, cues)

    def _logit_c(self, speedups: Any, tokens: Sequence[str], cues: Iterable[str]) -> float | None:
        """`logit` by the C extension, or None for the Python path (a token that is not exactly
        a str; the C code then has not read `cues`)."""
        z = speedups.logit(self._c_tables, self._c_per_word[0], tokens, cues)
        if z is None:  # a word without a C record yet
            c_records = self._c_per_word[0]
            distinct = set(tokens)
            missing = distinct.difference(c_records)
            if not self._fixed_point or any(" " in word for word in missing):
                return self._logit_by_features(tokens, cues)
            c_records = self._remember_c(c_records, distinct, missing)
            z = speedups.logit(self._c_tables, c_records, tokens, cues)
        if z is None or z is NotImplemented:
            return None
        return cast(float, z)

    def _logit_python(self, tokens: Sequence[str], cues: Iterable[str]) -> float:
        """`logit` in pure Python (the C extension's reference)."""
        distinct = set(tokens)
        records = self._per_word[0]
        try:
            packed = sum(map(records.get, distinct))  # type: ignore[arg-type]
        except TypeError:  # a word without a record yet (get gave None)
            missing = distinct.difference(records)
            if not self._fixed_point or any(" " in word for word in missing):
                # Extreme weights do not fit the records; and "a b"+"c" and "a"+"b c" make the
                # same bigram name: score the feature strings instead.
                return self._logit_by_features(tokens, cues)
            records = self._remember(records, distinct, missing)
            packed = sum(map(records.__getitem__, distinct))
        counts = packed & _FIELD_MASK
        rest = packed >> _FIELD_BITS
        unigrams = ((rest + _FIELD_HALF) & _FIELD_MASK) - _FIELD_HALF
        chars = (rest - unigrams) >> _FIELD_BITS
        size = len(tokens)
        n_words = len(distinct)
        pairs: Iterable[tuple[str, str]]
        if size - n_words < 2:
            # A pair can only repeat when two positions repeat an earlier word (the second
            # occurrence of the pair and the word after it), so all pairs are distinct.
            pairs = pairwise(tokens)
            n_words += size - 1 if size else 0
        else:
            pairs = set(pairwise(tokens))
            n_words += len(pairs)
        # Unigram, bigram and cue weights in fixed point: an exact integer sum (in any order),
        # rounded once to the nearest float. (Pairs without a weight give None, which the
        # filter drops: fewer big-int additions.)
        fixed = unigrams + sum(filter(None, map(self._bigrams.get, pairs)))
        names: frozenset[str] = _NO_CUES
        if counts >= _YOU:  # some cue word
            names, cue_weight = self._cues[
                (counts >> _YOU_SHIFT & _CUE_COUNT_MASK > 0) << 2
                | (counts >> _PROFANE_SHIFT & _CUE_COUNT_MASK > 0) << 1
                | (counts >> _INSULT_SHIFT > 0)
            ]
            fixed += cue_weight
            n_words += len(names)
        if cues:
            if not self._fixed_point:  # only without tokens (else no records): cues unread
                return self._logit_by_features(tokens, cues)
            word_weights = self.word_weights
            for cue in set(cues).difference(names):
                if cue.startswith("w:") and cue[2:] in distinct:
                    continue  # already counted as the word's feature
                if cue.startswith("b:") and self._is_bigram(cue, tokens):
                    continue
                value = word_weights.get(cue)
                if value is not None:
                    fixed += _fixed(float(value))
                n_words += 1
        weight = fixed / _FIXED_ONE
        total = self.bias
        if n_words:
            total += weight / math.sqrt(n_words)
        n_chars = counts & _GRAM_COUNT_MASK
        if n_chars:
            total += chars / _FIXED_ONE / math.sqrt(n_chars)
        return total

    @staticmethod
    def _is_bigram(name: str, tokens: Sequence[str]) -> bool:
        """Whether `name` is the `b:` feature of two adjacent tokens (none holding a space)."""
        first, space, second = name[2:].partition(" ")
        if not space or " " in second:
            return False
        return (first, second) in set(pairwise(tokens))

    def _remember(self, records: dict[str, int], distinct: set[str], missing: set[str]) -> dict[str, int]:
        """Add the per-word records of `missing` (a fresh dict for all of `distinct` when the
        cache is full) and return the dict that holds every word of `distinct`."""
        if len(records) + len(missing) > PER_WORD_CACHE:
            records, missing = {}, distinct
            self._per_word[0] = records
        for word in missing:
            counts, unigram, chars = self._record_fields(word)
            records[word] = counts + (unigram << _FIELD_BITS) + (chars << (2 * _FIELD_BITS))
        return records

    def _remember_c(
        self,
        records: dict[str, tuple[bytes, dict[str, float] | None]],
        distinct: set[str],
        missing: set[str],
    ) -> dict[str, tuple[bytes, dict[str, float] | None]]:
        """`_remember` for the C path's cache: each word's record fields as 40 bytes
        and its bigram weights by next word (a fresh tuple per word: the C code tells words
        apart by their record's identity)."""
        if len(records) + len(missing) > PER_WORD_CACHE:
            records, missing = {}, distinct
            self._c_per_word[0] = records
        following = self._following
        for word in missing:
            counts, unigram, chars = self._record_fields(word)
            fields = (
                counts.to_bytes(8, "little")
                + unigram.to_bytes(16, "little", signed=True)
                + chars.to_bytes(16, "little", signed=True)
            )
            records[word] = (fields, following.get(word))
        return records

    def _record_fields(self, word: str) -> tuple[int, int, int]:
        """A word's three record fields: n-gram count and cue-word flags, then its unigram
        weight and the sum of its n-gram weights in fixed point."""
        counts = (
            (word in SECOND_PERSON) << _YOU_SHIFT
            | (word in PROFANITY) << _PROFANE_SHIFT
            | (word in INSULTS) << _INSULT_SHIFT
        )
        chars = 0.0
        # A model without n-gram weights (the shipped one) gets no n-gram count either: its
        # n-gram term is 0 whatever the count, so the words are not cut into n-grams at all.
        if self.char_weights and len(word) <= MAX_CHAR_WORD:
            grams = _char_grams(word)
            counts += len(grams)
            chars = sum(map(self.char_weights.get, grams, repeat(0.0)))
        return counts, _fixed(self._unigrams.get(word, 0.0)), _fixed(chars)

    def _logit_by_features(self, tokens: Sequence[str], cues: Iterable[str]) -> float:
        """The log-odds from the feature strings of `featurize` (the training path; the
        fallback for words with spaces and for models that do not fit the fixed point). Each
        group's weights are summed exactly (`_exact_sum`), so the set order of the features
        (PYTHONHASHSEED) does not show here either."""
        words, chars = featurize(tokens, cues)
        total = self.bias
        if words:
            total += _exact_sum(map(self.word_weights.get, words, repeat(0.0))) / math.sqrt(len(words))
        count = sum(chars.values())
        if count and self.char_weights:  # (no weights: a zero term, left out as `logit` does)
            weights = self.char_weights
            total += _exact_sum(weights.get(gram, 0.0) * n for gram, n in chars.items()) / math.sqrt(count)
        return total

    def probability(self, tokens: Sequence[str], cues: Iterable[str] = ()) -> float:
        """The model's probability (0..1) that the text is uncivil."""
        speedups = _speedups
        # The C log-odds straight away when every word has its record (as `logit` would);
        # `logit` otherwise (new words, or no C extension).
        z = (
            speedups.logit(self._c_tables, self._c_per_word[0], tokens, cues)
            if speedups is not None
            else None
        )
        if type(z) is not float:
            z = self.logit(tokens, cues)
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)


_models: dict[str, LinearTextModel] = {}
_models_lock = threading.Lock()


def load_model(name: str) -> LinearTextModel:
    """A shipped model by name (`bot/core/models_data/<name>.json`) or a path to a JSON file.

    Loaded once per process and shared (models are read-only).
    """
    model = _models.get(name)
    if model is not None:
        return model
    with _models_lock:
        model = _models.get(name)
        if model is None:
            if name.endswith(".json"):
                raw = Path(name).read_text(encoding="utf-8")
            else:
                raw = resources.files("bot.core.models_data").joinpath(f"{name}.json").read_text(
                    encoding="utf-8"
                )
            model = LinearTextModel.from_json(json.loads(raw))
            _models[name] = model
    return model


def doc_tokens(doc: Document, sentence: Sentence | None = None) -> list[str]:
    """Lower-cased words of the whole document or of one sentence."""
    if sentence is None:
        return doc.words
    return doc.words[sentence.first_token : sentence.last_token]


def message_probability(doc: Document, model: LinearTextModel) -> float:
    """The model's probability for the whole message, computed once per document and model."""
    key = model._doc_key
    cached = doc.__dict__.get(key)
    if cached is None:
        cached = model.probability(doc.words, doc_cues(doc))
        doc.__dict__[key] = cached
    return float(cached)


# Evidence that a message is aimed at a person or meant to wound, by the name a rule uses for it
# in `targeted_cues` (the cue features of `cue_features`/`doc_cues`).
TargetCue = Literal["second-person", "profanity", "insult", "harsh-sentence", "second-person+harsh"]
TARGET_CUE_NAMES: dict[str, str] = {
    "second-person": "x:you",
    "profanity": "x:profane",
    "insult": "x:insult",
    "harsh-sentence": "x:vader<=-0.5",
}


def target_cues(tokens: Sequence[str], cues: Iterable[str] = ()) -> frozenset[str]:
    """The `targeted_cues` names present in a message, from its words and message-level cues.

    `second-person+harsh` is second person together with profanity, an insult word or a
    sentence VADER scores ≤ −0.5.
    """
    present = cue_features(tokens)
    present.update(cues)
    names = {name for name, cue in TARGET_CUE_NAMES.items() if cue in present}
    if "second-person" in names and not names.isdisjoint({"profanity", "insult", "harsh-sentence"}):
        names.add("second-person+harsh")
    return frozenset(names)


# The writer calling themself names ("I'm such an idiot", "nevermind, I'm wrong and dumb"):
# a first-person subject, then within the same clause a harsh word about a person.
_SELF_HARSH = (
    r"(?:idiots?|morons?|stupid|dumb|dumbass|fool|noob|n00b|dense|blind|lazy"
    r"|silly|retarded|clueless|useless|thick|incompetent|ignorant|amateur)"
)
# ... or the harsh word first ("how stupid I am"), or about the writer's own doing ("my dumb
# question", "my stupid mistake").
_SELF_DIRECTED_RE = re.compile(
    r"\b(?:i'?m|im|i\s+am|i\s+was|i\s+feel|i\s+felt|i\s+must\s+be|me|myself|my\s+bad)\b"
    rf"[^.!?\n,;:]{{0,40}}?\b{_SELF_HARSH}\b"
    rf"|\bhow\s+{_SELF_HARSH}\s+(?:i\s+am|i'?m|am\s+i|i\s+was|was\s+i)\b"
    rf"|\bmy\s+(?:own\s+)?{_SELF_HARSH}\s+(?:mistakes?|questions?|fault|typos?|errors?|brain)\b"
)
_HARSH_WORDS = PROFANITY | INSULTS
_NEGATION_RE = re.compile(r"\b(?:not|never|no)\b|n't")


def self_directed(doc: Document) -> bool:
    """Whether the message's harsh words are only about the writer: a self-directed put-down
    ("I'm an idiot, forgot to save"; not a denial like "I'm not stupid"), no second person, and
    no insult or profanity outside it."""
    lower = doc.lower
    if not SECOND_PERSON.isdisjoint(doc.words):
        return False
    put_downs = [match.group() for match in _SELF_DIRECTED_RE.finditer(lower)]
    if not put_downs or any(_NEGATION_RE.search(put_down) for put_down in put_downs):
        return False  # "I'm not stupid" is said to someone
    return _HARSH_WORDS.isdisjoint(words_of(_SELF_DIRECTED_RE.sub(" ", lower)))


class ClassifierRule(RuleSpec):
    """Fires when the model's probability for the message reaches `threshold`, or, when
    `targeted_threshold` is set, reaches that lower bar and the message shows one of
    `targeted_cues`."""

    kind: Literal["classifier"] = "classifier"
    model: str = Field(default="tone", min_length=1)
    threshold: float = Field(
        default=0.5, gt=0.0, lt=1.0, description="Fires on its own at this model probability."
    )
    min_words: int = Field(default=3, ge=1)
    targeted_threshold: float | None = Field(
        default=None,
        gt=0.0,
        lt=1.0,
        description=(
            "Optional second tier: also fire from this lower probability, but only when the "
            "message shows one of `targeted_cues` (must be below `threshold`)."
        ),
    )
    self_directed_exempt: bool = Field(
        default=True,
        description=(
            "Do not fire when the harsh words are only about the writer (\"I'm such an idiot, "
            "forgot to save\"): a self-directed put-down, no second person, no insult or "
            "profanity elsewhere."
        ),
    )
    targeted_cues: tuple[TargetCue, ...] = Field(
        default=("profanity", "insult", "second-person+harsh"),
        min_length=1,
        description=(
            "Evidence the second tier needs (any one): second-person (you, your, ...), profanity, "
            "insult (insult words), harsh-sentence (a sentence of 3+ words with VADER compound "
            "<= -0.5), second-person+harsh (second person with any of the other three)."
        ),
    )

    @model_validator(mode="after")
    def _tiers_ordered(self) -> ClassifierRule:
        if self.targeted_threshold is not None and self.targeted_threshold >= self.threshold:
            raise ValueError(
                f"targeted_threshold ({self.targeted_threshold}) must be below threshold "
                f"({self.threshold})"
            )
        return self

    def fires(self, probability: float, cues: Callable[[], frozenset[str]]) -> bool:
        """Whether a message with this model probability fires; `cues` gives its
        `target_cues` (only asked for when the second tier decides)."""
        if probability >= self.threshold:
            return True
        if self.targeted_threshold is None or probability < self.targeted_threshold:
            return False
        return not cues().isdisjoint(self.targeted_cues)

    @field_validator("model")
    @classmethod
    def _model_loads(cls, value: str) -> str:
        try:
            load_model(value)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"cannot load model {value!r} (a shipped name like 'tone' or a path to a "
                f".json model): {exc}"
            ) from None
        return value


@register
class ClassifierCheck(Check):
    """Scores each message once per model; the hit spans the sentence scoring highest."""

    kind = "classifier"
    spec = ClassifierRule

    def __init__(self, rules: Sequence[ClassifierRule]) -> None:
        super().__init__(rules)
        self._models = {rule.model: load_model(rule.model) for rule in rules}
        # Per rule: its model, its minimum word count and the lowest probability that can fire.
        self._plan = [
            (rule, self._models[rule.model], rule.min_words,
             rule.threshold if rule.targeted_threshold is None else rule.targeted_threshold)
            for rule in self.rules
        ]

    def scan(self, doc: Document, window: ChannelWindow | None) -> list[tuple[ClassifierRule, Hit]]:
        """One hit per rule whose threshold (or targeted second tier) the message reaches."""
        found: list[tuple[ClassifierRule, Hit]] = []
        count = len(doc.words)
        if not count:
            return found
        for rule, model, min_words, lowest_bar in self._plan:
            if count < min_words:
                continue
            score = message_probability(doc, model)
            if score < lowest_bar or not rule.fires(score, lambda: target_cues(doc.words, doc_cues(doc))):
                continue
            if rule.self_directed_exempt and self_directed(doc):
                continue
            start, end = responsible_span(doc, model)
            found.append((rule, Hit(start, end, details=f"score {score:.2f}")))
        return found


def responsible_span(doc: Document, model: LinearTextModel) -> tuple[int, int]:
    """The span of the sentence the model scores highest (the whole text if only one)."""
    sentences = doc.sentences
    if not sentences:
        return 0, len(doc.text)
    best = sentences[0]
    if len(sentences) > 1:
        best = max(sentences, key=lambda s: model.logit(doc_tokens(doc, s)))
    start, end = best.start, best.end
    text = doc.text
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
