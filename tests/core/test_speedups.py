"""The engine gives the same analysis with its C speed-ups as with pure Python."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import speedups, vader
from bot.core.engine import Engine
from bot.core.models import Analysis, Message
from bot.core.rulepack import load_rules

ENGINE = Engine.load()
RULE_EXAMPLES = [
    text
    for rule in load_rules()
    for examples in (rule.examples.flag, rule.examples.pass_)
    for example in examples
    for text in ([example] if isinstance(example, str) else [line.text for line in example.conversation])
]


def analyse(texts: list[str]) -> list[Analysis]:
    """One conversation through a fresh engine memory (same channel, one second apart)."""
    ENGINE.reset()
    return [
        ENGINE.evaluate(Message("t", "w", "c", f"u{i % 3}", text, ts=1_700_000_000.0 + i))
        for i, text in enumerate(texts)
    ]


def test_every_speed_up_is_active_when_required() -> None:
    active = speedups.active()
    if os.environ.get("COACHBOT_REQUIRE_SPEEDUPS") != "1" and not all(active.values()):
        pytest.skip(f"C speed-ups not all built here: {active}")
    assert active == {
        "vader": True, "classifier": True, "sentences": True, "words": True, "phrases": True
    }
    with speedups.pure_python():
        assert not any(speedups.active().values())
        # Sentence scores in one call are VADER's C path too: off with it.
        assert vader.span_scores("good", [(0, 4)]) is None
    assert speedups.active() == active
    assert vader.span_scores("good", [(0, 4)]) is not None


def test_rule_examples_analyse_the_same_both_ways() -> None:
    assert len(RULE_EXAMPLES) > 100
    fast = analyse(RULE_EXAMPLES)
    with speedups.pure_python():
        slow = analyse(RULE_EXAMPLES)
    assert fast == slow


PIECES = st.sampled_from(
    ["you", "are", "an", "idiot", "guys", "just", "do", "it", "per my last message", "thanks",
     "so", "not", "very", "good", "bad", "but", "kind of", "NO", "GREAT", "!!", "?", ".", "\n",
     "`code`", "> quoted\n", "https://x.io/a", "<@U1>", "whitelist", "obviously", "café",
     "don't", "'quoted'", ":)", "🙂", "sanity check", "@here", "lol", "wtf", "x" * 30]
)
CONVERSATIONS = st.lists(st.lists(PIECES, max_size=30).map(" ".join), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CONVERSATIONS)
def test_generated_conversations_analyse_the_same_both_ways(texts: list[str]) -> None:
    fast = analyse(texts)
    with speedups.pure_python():
        slow = analyse(texts)
    assert fast == slow
