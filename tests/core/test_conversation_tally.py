"""A window's author tallies always equal a count over its last k messages."""

from __future__ import annotations

from collections import Counter
from itertools import islice

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.conversation import RECENT_MESSAGES, ChannelWindow
from bot.core.engine import Engine
from tests.core.conftest import msg


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(["ana", "bo", "cy", "dee"]), max_size=260),
    st.lists(st.tuples(st.integers(0, 260), st.sampled_from([1, 2, 5, 19, 199])), max_size=4),
)
def test_tallies_match_a_count_of_the_last_k_authors(
    authors: list[str], asks: list[tuple[int, int]]
) -> None:
    # Tallies asked for at any point (the deque overflows past RECENT_MESSAGES).
    window = ChannelWindow()
    for index, author in enumerate(authors + [""]):
        for at, k in asks:
            if at == index:
                window.tally(k)
        for k, counts in window.tallies.items():
            assert counts == Counter(islice(reversed(window.authors), k)), (index, k)
            assert all(counts.values())  # no author with a count of 0
        if author:
            window.append(author, float(index))


def test_a_tally_must_fit_the_window() -> None:
    with pytest.raises(ValueError):
        ChannelWindow().tally(RECENT_MESSAGES)
    with pytest.raises(ValueError):
        ChannelWindow().tally(0)


def test_dominance_fires_once_per_crossing_and_re_arms() -> None:
    # The shipped rule: more than 60% of the last 20 messages, at least 3 voices.
    engine = Engine.load()
    fired = []
    people = ["ana", "bo", "cy"] * 4 + ["ana"] * 20 + ["bo", "cy"] * 12 + ["ana"] * 20
    for index, user in enumerate(people):
        findings = engine.analyze(msg(f"update {index} on the deploy", user=user, ts=index * 600))
        if any(f.rule == "etiquette.dominance" for f in findings):
            fired.append(index)
    assert len(fired) == 2
    assert 12 <= fired[0] < 32 and fired[1] >= 56


def _burst_reference(recent: list[tuple[str, float | None]], user: str, now: float,
                     messages: int, seconds: float) -> bool:
    """The rapid-fire rule as written: walk back from the newest message while inside the
    interval, counting the author's messages (this one included)."""
    count = 1
    for author, ts in reversed(recent):
        if ts is None or now - ts > seconds:
            break
        if author == user:
            count += 1
            if count > messages:
                break
    return count == messages


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["ana", "bo"]),
                       st.one_of(st.none(), st.integers(0, 100).map(float), st.floats(0, 100))),
             max_size=40),
    st.one_of(st.integers(0, 120).map(float), st.floats(0, 120)), st.integers(2, 6),
    st.sampled_from([5.0, 30.0, 60.0]),
)
def test_rapid_fire_fires_exactly_as_its_definition(
    history: list[tuple[str, float | None]], now: float, messages: int, seconds: float
) -> None:
    # Timestamps out of order and missing ones included: the shortcut never changes the result.
    from bot.core.checks.rapid_fire import RapidFireCheck, RapidFireRule
    from bot.core.text import Document

    rule = RapidFireRule.model_validate({
        "id": "t.burst", "kind": "rapid_fire", "category": "etiquette", "level": "tip",
        "message": "m", "messages": messages, "seconds": seconds,
        "examples": {"flag": ["a", "b", "c"], "pass": ["d", "e", "f"]},
    })
    window = ChannelWindow()
    for author, ts in history:
        window.append(author, ts)
    doc = Document(msg("again", user="ana", ts=now))
    fired = bool(RapidFireCheck([rule]).scan(doc, window))
    assert fired == _burst_reference(history, "ana", now, messages, seconds)


def test_a_burst_whose_first_message_is_exactly_at_the_interval_still_fires() -> None:
    # The shipped rule: 5 messages within 60 s. The first is exactly 60 s before the fifth.
    engine = Engine.load()
    fired = [
        any(f.rule == "etiquette.rapid-fire"
            for f in engine.analyze(msg(f"one more thing {i}", ts=1000.0 + 15 * i)))
        for i in range(5)
    ]
    assert fired == [False, False, False, False, True]
