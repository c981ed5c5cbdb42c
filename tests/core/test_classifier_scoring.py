"""The classifier's fast scoring equals the straightforward feature-string scoring.

`reference_logit` and `reference_doc_cues` below are the plain implementations the fast path
replaced (feature strings per message, regex cue counting); every comparison allows at most
1e-9 of difference (float sums in another order). Every test runs on both scoring paths (the
C extension `bot.core._clogit` and pure Python), and the two paths must agree bit for bit.
"""

from __future__ import annotations

import gc
import math
import os
import random
import re
import struct
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.checks import classifier
from bot.core.checks.base import ConversationExample
from bot.core.checks.classifier import (
    INSULTS,
    MAX_CHAR_WORD,
    MODEL_FORMAT,
    PROFANITY,
    SECOND_PERSON,
    VADER_CUES,
    ClassifierRule,
    LinearTextModel,
    doc_cues,
    featurize,
    load_model,
    message_probability,
    responsible_span,
    self_directed,
)
from bot.core.engine import Engine
from bot.core.models import Message
from bot.core.rulepack import load_rules
from bot.core.sentiment import sentence_scores
from bot.core.text import Document

TOLERANCE = 1e-9
C_PATH = classifier._speedups
NO_SPEEDUPS = (
    "bot.core._clogit is not built (run `python setup.py build_ext --inplace`; set "
    "COACHBOT_REQUIRE_SPEEDUPS=1 to make this a failure)"
)


def require_speedups() -> None:
    """Skip (or fail, with COACHBOT_REQUIRE_SPEEDUPS=1) when the C extension is absent."""
    if C_PATH is None:
        if os.environ.get("COACHBOT_REQUIRE_SPEEDUPS") == "1":
            pytest.fail("COACHBOT_REQUIRE_SPEEDUPS=1 but " + NO_SPEEDUPS)
        pytest.skip(NO_SPEEDUPS)


@pytest.fixture(scope="module", params=["c", "python"], autouse=True)
def scoring_path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Runs every test of this module on the C path and on the pure-Python path."""
    if request.param == "c":
        require_speedups()
        yield "c"
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(classifier, "_speedups", None)
        yield "python"


def logit_on(path: Any, model: LinearTextModel, tokens: Sequence[str], cues: Iterable[str] = ()) -> float:
    """`model.logit` with `classifier._speedups` set to `path` (None: the pure-Python path)."""
    saved = classifier._speedups
    classifier._speedups = path
    try:
        return model.logit(tokens, cues)
    finally:
        classifier._speedups = saved


def python_logit(model: LinearTextModel, tokens: Sequence[str], cues: Iterable[str] = ()) -> float:
    """`model.logit` on the pure-Python path."""
    return logit_on(None, model, tokens, cues)


def c_logit(model: LinearTextModel, tokens: Sequence[str], cues: Iterable[str] = ()) -> float:
    """`model.logit` on the C path."""
    return logit_on(C_PATH, model, tokens, cues)


def bits(value: float) -> bytes:
    return struct.pack("<d", value)


# --- the reference: feature strings, exactly as the model was trained on ---------------------


def reference_word_features(tokens: Sequence[str], cues: Iterable[str] = ()) -> set[str]:
    """Unigrams, bigrams, cue-word features and the message-level cues, as strings."""
    feats = {"w:" + t for t in tokens}
    feats.update(f"b:{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
    present = set(tokens)
    you = not present.isdisjoint(SECOND_PERSON)
    harsh = False
    if you:
        feats.add("x:you")
    if not present.isdisjoint(PROFANITY):
        feats.add("x:profane")
        harsh = True
    if not present.isdisjoint(INSULTS):
        feats.add("x:insult")
        harsh = True
    if you and harsh:
        feats.add("x:you+harsh")
    feats.update(cues)
    return feats


def reference_char_features(tokens: Sequence[str]) -> Counter[str]:
    """3-5 character n-grams of each distinct word (of at most MAX_CHAR_WORD characters)."""
    feats: Counter[str] = Counter()
    for token in {t for t in tokens if len(t) <= MAX_CHAR_WORD}:
        padded = f" {token} "
        feats.update({"c:" + padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)})
    return feats


def reference_logit(model: LinearTextModel, tokens: Sequence[str], cues: Iterable[str] = ()) -> float:
    """The log-odds from the feature strings, each group scaled by 1/sqrt(its size)."""
    words = reference_word_features(tokens, cues)
    chars = reference_char_features(tokens)
    total = model.bias
    if words:
        total += sum(map(model.word_weights.get, words, repeat(0.0))) / math.sqrt(len(words))
    count = sum(chars.values())
    if count:
        total += sum(model.char_weights.get(g, 0.0) * n for g, n in chars.items()) / math.sqrt(count)
    return total


_PUNCT_RUN = re.compile(r"[!?]{2,}")
_LETTER = re.compile(r"[^\W\d_]")
_CAPITAL = re.compile(r"[A-Z\u00c0-\u00de]")


def reference_doc_cues(doc: Document) -> frozenset[str]:
    """Message-level cues with regex counting (no caching, no shortcuts)."""
    cues: set[str] = set()
    lowest = min((c for s, c in sentence_scores(doc) if s.word_count >= 3), default=0.0)
    cues.update(name for cut, name in VADER_CUES if lowest <= cut)
    if _PUNCT_RUN.search(doc.masked):
        cues.add("x:punct-run")
    capitals = len(_CAPITAL.findall(doc.masked))
    letters = len(_LETTER.findall(doc.masked))
    if letters >= 12 and capitals > letters / 2:
        cues.add("x:caps")
    return frozenset(cues)


def reference_span(doc: Document, model: LinearTextModel) -> tuple[int, int]:
    """The sentence with the highest reference logit, trimmed of spaces."""
    if not doc.sentences:
        return 0, len(doc.text)
    best = max(doc.sentences, key=lambda s: reference_logit(model, doc.words[s.first_token : s.last_token]))
    start, end = best.start, best.end
    while start < end and doc.text[start].isspace():
        start += 1
    while end > start and doc.text[end - 1].isspace():
        end -= 1
    return start, end


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def document(text: str) -> Document:
    return Document(Message("t", "w", "c", "u", text))


# --- inputs ---------------------------------------------------------------------------------

TONE = load_model("tone")
# Words the shipped model has weights for (unigrams and both halves of bigrams), so that the
# generated inputs actually reach the weights.
MODEL_WORDS = sorted(
    {f[2:] for f in TONE.word_weights if f.startswith("w:")}
    | {w for f in TONE.word_weights if f.startswith("b:") for w in f[2:].split(" ")}
)
CUE_WORDS = sorted(SECOND_PERSON | PROFANITY | INSULTS)
LONG_WORDS = ["a" * 24, "b" * 25, "supercalifragilisticexpialidocious", "é" * 30, "x" * 24 + "y"]
WORD = st.one_of(
    st.sampled_from(MODEL_WORDS),
    st.sampled_from(CUE_WORDS),
    st.sampled_from(LONG_WORDS),
    st.text(max_size=30),  # any unicode, empty included, spaces included
    st.text(alphabet="ab", max_size=6),  # repeats and repeated n-grams inside a word
)
TOKENS = st.lists(WORD, max_size=40) | st.lists(st.sampled_from(["you", "are", "an", "idiot", "a"]), max_size=30)
CUE = st.sampled_from(
    ["x:vader<=-0.3", "x:vader<=-0.5", "x:vader<=-0.75", "x:punct-run", "x:caps", "x:you",
     "x:profane", "x:insult", "x:you+harsh", "w:you", "w:idiot", "b:you are", "b:are an",
     "b:you", "b:a b c", "c: yo", "", "unknown"]
) | st.text(max_size=8)
CUES = st.frozensets(CUE, max_size=5)

TEXT_PIECES = st.sampled_from(
    ["you", "YOU", "are", "an", "IDIOT", "idiot", "Stupid", "thanks", "the build", "is", "broken",
     "!!", "?!", "!?", "??", "!", "?", ".", "\n", " ", "ÀÉÎ", "×××××××", "Ünïcödé", "ΣΑΣ", "ß",
     "`code HERE`", "> QUOTED LINE\n", "https://EXAMPLE.COM/X", "<@U024BE7LH>", "I HATE THIS",
     "terrible", "awful", "sO BAD", "what", "the", "fuck", "x" * 30, "123", "_"]
)
TEXTS = st.lists(TEXT_PIECES | st.text(max_size=12), max_size=30).map(" ".join) | st.text(max_size=200)


# --- equality -------------------------------------------------------------------------------


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TOKENS, CUES)
def test_logit_equals_the_feature_string_reference(tokens: list[str], cues: frozenset[str]) -> None:
    assert abs(TONE.logit(tokens, cues) - reference_logit(TONE, tokens, cues)) <= TOLERANCE
    assert abs(TONE.logit(tokens) - reference_logit(TONE, tokens)) <= TOLERANCE
    # Any iterable of cues, consumed once (a generator).
    assert abs(TONE.logit(tokens, iter(cues)) - reference_logit(TONE, tokens, cues)) <= TOLERANCE


@settings(max_examples=300, deadline=None)
@given(TOKENS, CUES)
def test_featurize_is_the_reference_features(tokens: list[str], cues: frozenset[str]) -> None:
    words, chars = featurize(tokens, cues)
    assert words == reference_word_features(tokens, cues)
    assert chars == reference_char_features(tokens)


def test_words_with_spaces_make_ambiguous_bigrams_and_still_score_exactly() -> None:
    model = LinearTextModel.from_json({
        "format": MODEL_FORMAT, "name": "spaces", "bias": -1.0, "meta": {},
        "weights": {"word": {"b:a b c": 2.0, "w:a b": 1.0, "b:a b": 0.5, "b:c d": 0.25},
                    "char": {"c: a ": 0.3}},
    })
    for tokens in (["a b", "c"], ["a", "b c"], ["a", "b", "c", "d"], ["a b", "c", "a", "b c"], ["c", "d", "c d"]):
        assert abs(model.logit(tokens) - reference_logit(model, tokens)) <= TOLERANCE, tokens
        for cues in ({"b:a b c"}, {"b:a b", "w:a b"}, {"b:c d", "x:you"}):
            assert abs(model.logit(tokens, cues) - reference_logit(model, tokens, cues)) <= TOLERANCE


@pytest.mark.parametrize("scale", [1e-30, 1e-12, 1.0, 1e5, 1e30])
def test_tiny_and_huge_weights_score_exactly(scale: float) -> None:
    data = TONE.to_json()
    model = LinearTextModel.from_json({**data, "weights": {
        "word": {k: v * scale for k, v in data["weights"]["word"].items()},
        "char": {k: v * scale for k, v in data["weights"]["char"].items()},
    }})
    for tokens in (["you", "are", "an", "idiot"], ["the", "build", "is", "the", "build", "again"],
                   ["thanks", "x" * 30, "fucking", "useless", "you"]):
        expected = reference_logit(model, tokens, {"x:caps"})
        assert abs(model.logit(tokens, {"x:caps"}) - expected) <= TOLERANCE * max(1.0, abs(expected))


def test_cue_word_lists_fit_their_record_counters() -> None:
    assert max(len(SECOND_PERSON), len(PROFANITY), len(INSULTS)) < 1 << 10


def test_cues_that_repeat_a_word_feature_count_once() -> None:
    tokens = ["you", "are", "an", "idiot"]
    for cues in ({"w:you"}, {"b:you are"}, {"x:you+harsh"}, {"b:you"}, {"w:nobody"}, {"b:are idiot"}):
        assert abs(TONE.logit(tokens, cues) - reference_logit(TONE, tokens, cues)) <= TOLERANCE, cues
    assert TONE.logit(tokens, {"w:you"}) == TONE.logit(tokens)


def test_empty_input_is_the_bias_and_cues_alone_count() -> None:
    assert TONE.logit([]) == TONE.bias
    assert abs(TONE.logit([], {"x:caps"}) - reference_logit(TONE, [], {"x:caps"})) <= TOLERANCE
    assert abs(TONE.logit([""]) - reference_logit(TONE, [""])) <= TOLERANCE


@settings(max_examples=200, deadline=None)
@given(TOKENS)
def test_a_full_per_word_cache_starts_afresh_with_the_same_results(tokens: list[str]) -> None:
    model = LinearTextModel.from_json(TONE.to_json())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(classifier, "PER_WORD_CACHE", 3)
        for _ in range(2):
            assert abs(model.logit(tokens) - reference_logit(model, tokens)) <= TOLERANCE
            assert abs(model.logit(tokens[::-1]) - reference_logit(model, tokens[::-1])) <= TOLERANCE
    for cache in (model._per_word[0], model._c_per_word[0]):
        assert len(cache) <= max(3, len(set(tokens)))


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_message_cues_probability_and_span_equal_the_reference(text: str) -> None:
    doc = document(text)
    cues = doc_cues(doc)
    assert cues == reference_doc_cues(document(text))
    expected = sigmoid(reference_logit(TONE, doc.words, cues))
    assert abs(message_probability(doc, TONE) - expected) <= TOLERANCE
    for sentence in doc.sentences:
        words = doc.words[sentence.first_token : sentence.last_token]
        assert abs(TONE.logit(words) - reference_logit(TONE, words)) <= TOLERANCE


def example_texts() -> list[str]:
    """Every example text of the shipped rule packs (the last message of conversations)."""
    texts = []
    for rule in load_rules():
        for example in [*rule.examples.flag, *rule.examples.pass_]:
            if isinstance(example, ConversationExample):
                texts.extend(line.text for line in example.conversation)
            else:
                texts.append(example)
    return texts


def test_shipped_model_on_every_rule_example_equals_the_reference() -> None:
    texts = example_texts()
    assert len(texts) > 100
    for text in texts:
        doc = document(text)
        cues = doc_cues(doc)
        assert cues == reference_doc_cues(document(text)), text
        z = reference_logit(TONE, doc.words, cues)
        assert abs(TONE.logit(doc.words, cues) - z) <= TOLERANCE, text
        assert abs(message_probability(doc, TONE) - sigmoid(z)) <= TOLERANCE, text
        assert responsible_span(doc, TONE) == reference_span(doc, TONE), text


def test_capitals_and_punctuation_cues_on_edge_cases() -> None:
    caps = "THIS IS NOT OK AT ALL"
    assert "x:caps" in doc_cues(document(caps))
    assert "x:caps" not in doc_cues(document(caps.lower()))
    assert "x:caps" in doc_cues(document("ÀÉÎÕÜÀÉÎÕÜÀÉ déjà"))  # Latin-1 capitals count
    # U+00D7 (×) lies in the capitals range though it is no letter: kept as it was.
    assert "x:caps" in doc_cues(document("××××××× abcdefghijkl"))
    assert "x:caps" not in doc_cues(document("×××××× abcdefghijkl"))
    for text, run in (("what?!", True), ("why??", True), ("no!!", True), ("ok!?", True),
                      ("ok! ok?", False), ("`!!` in code", False), ("fine", False)):
        assert ("x:punct-run" in doc_cues(document(text))) is run, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("doh, I'm an idiot, the config was on the wrong branch", True),
        ("nevermind, I'm wrong and dumb", True),
        ("my bad, I was being dumb, the env var was missing", True),
        ("I'm not an idiot, I read the docs", False),  # a denial is said to someone
        ("I'm an idiot but you are worse", False),  # second person
        ("I'm an idiot and this patch is garbage", False),  # harsh words outside it
        ("this patch is garbage", False),
        ("how stupid I am, I forgot the flag", True),  # the harsh word first
        ("sorry for my dumb questions, how do I mount a volume?", True),  # the writer's doing
        ("my stupid mistake, fixed now", True),
        ("my dumb coworker broke the build", False),  # about someone else
        ("how stupid are you", False),
    ],
)
def test_self_directed_put_downs(text: str, expected: bool) -> None:
    assert self_directed(Document(Message("t", "w", "c", "u", text))) is expected


def test_a_self_directed_put_down_is_not_a_hostile_nudge_unless_switched_off() -> None:
    text = "doh, I'm an idiot, the config was on the wrong branch"
    rules = [r for r in load_rules(None) if isinstance(r, ClassifierRule)]
    exempt = Engine(rules)
    strict = Engine([r.model_copy(update={"self_directed_exempt": False}) for r in rules])
    message = Message("t", "w", "c", "u", text)
    assert [f.rule for f in strict.analyze(message)] == ["tone.hostile"]
    assert exempt.analyze(message) == []


# --- the C path ------------------------------------------------------------------------------


def scaled(model: LinearTextModel, scale: float, name: str = "scaled") -> LinearTextModel:
    data = model.to_json()
    return LinearTextModel.from_json({**data, "name": name, "weights": {
        "word": {k: v * scale for k, v in data["weights"]["word"].items()},
        "char": {k: v * scale for k, v in data["weights"]["char"].items()},
    }})


def dense_model(seed: int) -> LinearTextModel:
    """Every bigram, unigram and cue of a few words weighted with arbitrary floats of very
    different sizes, so that any rounding or order difference shows in the last bits."""
    rng = random.Random(seed)
    vocabulary = ["a", "b", "c", "d", "e", "you", "idiot", "shit", ""]
    word: dict[str, float] = {}
    for first in vocabulary:
        word["w:" + first] = rng.uniform(-3, 3)
        for second in vocabulary:
            word[f"b:{first} {second}"] = rng.uniform(-3, 3) * 10 ** rng.randint(-6, 2)
    for cue in ("x:you", "x:profane", "x:insult", "x:you+harsh", "x:caps", "x:punct-run", "x:vader<=-0.3",
                "x:vader<=-0.5", "c1", "c2", "c3", "c4", "c5", "c6"):
        word[cue] = rng.uniform(-3, 3) * 10 ** rng.randint(-6, 2)
    char = {f"c:{g}": rng.uniform(-1, 1) for g in (" a ", " b ", " yo", "you", "ou ", " id", "idi", " a b")}
    return LinearTextModel.from_json({"format": MODEL_FORMAT, "name": f"dense{seed}", "bias": rng.uniform(-2, 2),
                                      "meta": {}, "weights": {"word": word, "char": char}})


MODELS = [TONE, scaled(TONE, 1e-30), scaled(TONE, 1e-12), scaled(TONE, 1e5), scaled(TONE, 1e30),
          dense_model(1), dense_model(2)]
DENSE_WORD = st.sampled_from(["a", "b", "c", "d", "e", "you", "idiot", "shit", "", "a b", "zz"])
DENSE_TOKENS = st.lists(DENSE_WORD, max_size=60)
DENSE_CUES = st.frozensets(
    st.sampled_from(["c1", "c2", "c3", "c4", "c5", "c6", "x:caps", "x:punct-run", "x:vader<=-0.3", "x:you",
                     "x:you+harsh", "w:a", "w:zz", "w:a b", "b:a b", "b:b a", "b:a", "b:a b c", "b: a", "w:"]),
    max_size=10,
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MODELS), TOKENS | DENSE_TOKENS, CUES | DENSE_CUES)
def test_c_and_python_paths_give_the_same_bits(
    model: LinearTextModel, tokens: list[str], cues: frozenset[str]
) -> None:
    require_speedups()
    expected = python_logit(model, tokens, cues)
    assert bits(c_logit(model, tokens, cues)) == bits(expected)
    # The extra cues are summed exactly: a set built from an iterator (which may iterate in
    # another order than one copied from a frozenset) or the cues in another order change nothing.
    assert bits(c_logit(model, tokens, iter(cues))) == bits(expected)
    assert bits(python_logit(model, tokens, iter(cues))) == bits(expected)
    assert bits(c_logit(model, tokens, sorted(cues, reverse=True))) == bits(expected)
    assert bits(python_logit(model, tokens, (cue for cue in sorted(cues)))) == bits(expected)
    assert bits(c_logit(model, tuple(tokens))) == bits(python_logit(model, tokens))
    tolerance = TOLERANCE * max(1.0, abs(expected))
    assert abs(expected - reference_logit(model, tokens, cues)) <= tolerance


# Scores a few hundred token lists with repeated words and pairs (so the distinct bigrams come
# from a set; up to 400 tokens, past the C path's stack slots; none to 7 message cues at once,
# weighted with very different sizes in the dense models, so that the order of the cue weights
# would show) and prints each logit's float bits, the cues given as a set, then as a generator
# (and once more without tokens); argv[1]: "c" or "python", the path to use.
_HASH_SEED_SCRIPT = """
import random, struct, sys
from bot.core.checks import classifier
from tests.core.test_classifier_scoring import MODEL_WORDS, MODELS, TONE

if sys.argv[1] == "python":
    classifier._speedups = None
rng = random.Random(12345)
dense = ["a", "b", "c", "d", "e", "you", "idiot", "shit", ""]
tone = [*MODEL_WORDS[:40], "you", "idiot", "the"]
cue_names = ["c1", "c2", "c3", "c4", "c5", "c6", "x:caps", "x:punct-run", "x:vader<=-0.3", "x:vader<=-0.5",
             "x:vader<=-0.75", "x:you", "x:insult", "w:a", "w:you", "b:a b", "b:you idiot", "x:unknown"]
for index in range(300):
    model, words = (MODELS[5 + index % 2], dense) if index % 3 else (TONE, tone)
    tokens = [rng.choice(words[: rng.randint(2, len(words))]) for _ in range(rng.randint(3, 400))]
    cues = set(rng.sample(cue_names, rng.randint(0, 7))) if index % 4 else {rng.choice(cue_names)}
    print(struct.pack("<d", model.logit(tokens, cues)).hex())
    print(struct.pack("<d", model.logit(tokens, (cue for cue in sorted(cues, key=str.upper)))).hex())
    print(struct.pack("<d", model.logit([], list(cues))).hex())
"""


def _logit_bits_in_a_process(path: str, hash_seed: str) -> list[str]:
    """The float bits `_HASH_SEED_SCRIPT` prints on `path` under PYTHONHASHSEED=`hash_seed`."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONHASHSEED": hash_seed,
           "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", _HASH_SEED_SCRIPT, path], env=env, cwd=root,
                          capture_output=True, text=True, timeout=300, check=True)
    return done.stdout.split()


def test_the_logit_does_not_depend_on_the_hash_seed(scoring_path: str) -> None:
    """Two processes with different PYTHONHASHSEED values (so sets of word pairs and of cues
    iterate in different orders) give every logit the same bits: the bigram and cue weights are
    summed exactly. Cues given as a generator in another order give the same bits as the set.
    The C path's bits are also the Python path's."""
    first = _logit_bits_in_a_process(scoring_path, "1")
    assert len(first) == 900
    assert first[0::3] == first[1::3]  # the cues as a set, then as a generator
    assert _logit_bits_in_a_process(scoring_path, "2") == first
    if scoring_path == "c":
        assert _logit_bits_in_a_process("python", "3") == first


def test_bigram_weights_halfway_between_fixed_point_units_round_alike_on_both_paths() -> None:
    """Weights of k / 2 units of 2**-64 (ties to even) and of arbitrary size give the same bits."""
    require_speedups()
    rng = random.Random(3)
    vocabulary = list("abcdefgh")
    for trial in range(60):
        word = {}
        for first in vocabulary:
            for second in vocabulary:
                units = rng.randint(-9, 9) if trial % 2 else rng.randint(-(2**70), 2**70)
                word[f"b:{first} {second}"] = units * 2.0**-65 * 2.0 ** rng.randint(0, 40 * (trial % 3 == 0))
        model = LinearTextModel.from_json({"format": MODEL_FORMAT, "name": "halves", "bias": 0.0, "meta": {},
                                           "weights": {"word": word, "char": {}}})
        for _ in range(20):
            tokens = [rng.choice(vocabulary) for _ in range(rng.randint(0, 50))]
            assert bits(c_logit(model, tokens)) == bits(python_logit(model, tokens))


def test_the_c_path_is_used_when_built() -> None:
    require_speedups()
    assert classifier.SPEEDUPS is True
    assert C_PATH is not None and C_PATH.__name__ == "bot.core._clogit"
    model = LinearTextModel.from_json(TONE.to_json())
    c_logit(model, ["you", "are", "an", "idiot"])
    assert set(model._c_per_word[0]) == {"you", "are", "an", "idiot"}
    assert model._per_word[0] == {}  # the Python records were never needed
    tables, records = model._c_tables, model._c_per_word[0]
    assert C_PATH.logit(tables, records, ["you", "idiot"], ()) == model.logit(["you", "idiot"])
    assert C_PATH.logit(tables, records, ["you", "nobody"], ()) is None  # no record yet
    assert C_PATH.logit(tables, records, ["you", 1], ()) is NotImplemented


def test_models_outside_the_fixed_point_score_cues_alone_by_features() -> None:
    """Without tokens only the cues count: a model whose weights do not fit the fixed point
    scores them by feature strings (the C code leaves them unread), in any order alike."""
    model = scaled(TONE, 1e30)
    cues = ["x:caps", "x:punct-run", "x:vader<=-0.3", "x:vader<=-0.5", "x:you"]
    expected = reference_logit(model, [], cues)
    for some_cues in (cues, cues[::-1], iter(cues), (cue for cue in reversed(cues))):
        z = model.logit([], some_cues)
        assert abs(z - expected) <= TOLERANCE * abs(expected)
        assert bits(z) == bits(model.logit([], frozenset(cues)))
    if C_PATH is not None:
        unread = iter(cues)
        assert C_PATH.logit(model._c_tables, {}, [], unread) is None
        assert list(unread) == cues


def test_the_c_path_rejects_malformed_arguments() -> None:
    require_speedups()
    assert C_PATH is not None
    with pytest.raises(TypeError):
        C_PATH.logit((), {}, [], ())
    with pytest.raises(TypeError):
        C_PATH.logit(TONE._c_tables, {"a": (b"short", None)}, ["a"], ())
    with pytest.raises(TypeError):
        C_PATH.logit(TONE._c_tables, {}, 5, ())
    with pytest.raises((TypeError, AttributeError)):  # C: TypeError; Python: AttributeError
        TONE.logit(["you"], [3])  # cues are strings


def test_unusual_tokens_score_like_the_python_path() -> None:
    class Word(str):
        pass

    for tokens in ([Word("you"), "idiot"], ("you", "are", "you", "are", "you"), ["a b", "c"], ["x" * 100]):
        assert bits(TONE.logit(tokens)) == bits(python_logit(TONE, tokens))


def test_scoring_keeps_no_references() -> None:
    require_speedups()
    model = LinearTextModel.from_json(TONE.to_json())
    # Fresh (not interned) strings, so that only this test holds them.
    words = ["you", "are", "an", "idiot", "you", "are", "an", "idiot", "the", "build", "is", "broken"]
    tokens = ["".join(list(w)) for w in words]
    long_tokens = tokens * 40
    cues = frozenset("".join(list(c)) for c in ("x:caps", "w:you", "b:you are", "x:punct-run"))
    c_logit(model, tokens, cues)
    c_logit(model, long_tokens, cues)
    gc.collect()
    before = [sys.getrefcount(x) for x in (tokens, long_tokens, cues, *tokens, *model._c_per_word[0].values())]
    for _ in range(2000):
        c_logit(model, tokens, cues)
        c_logit(model, long_tokens, cues)
        c_logit(model, tokens, iter(cues))
    gc.collect()
    after = [sys.getrefcount(x) for x in (tokens, long_tokens, cues, *tokens, *model._c_per_word[0].values())]
    assert after == before


def test_threads_sharing_a_model_get_the_same_results() -> None:
    model = LinearTextModel.from_json(TONE.to_json())
    rng = random.Random(7)
    vocabulary = [*MODEL_WORDS[:300], *CUE_WORDS]
    messages = [[rng.choice(vocabulary) for _ in range(rng.randint(0, 40))] for _ in range(400)]
    expected = [reference_logit(model, tokens) for tokens in messages]
    failures: list[int] = []

    def work() -> None:
        for index, tokens in enumerate(messages):
            if abs(model.logit(tokens) - expected[index]) > TOLERANCE:
                failures.append(index)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(classifier, "PER_WORD_CACHE", 200)  # the caches start afresh often
        threads = [threading.Thread(target=work) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
