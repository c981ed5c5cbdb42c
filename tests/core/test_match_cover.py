"""Which matches exceptions and longer matches cover: the sweeps equal the plain definitions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.checks.pattern import _Spans
from bot.core.checks.phrase import _covered

SPAN = st.tuples(st.integers(0, 12), st.integers(1, 4)).map(lambda p: (p[0], p[0] + p[1]))


def _covered_by_definition(
    found: list[tuple[int, int, int, str | None]], excepted: dict[int, list[tuple[int, int]]]
) -> set[int]:
    dropped = set()
    for index, (start, end, rule_no, _) in enumerate(found):
        excepted_here = any(s <= start and end <= e for s, e in excepted.get(rule_no, ()))
        inside_longer = any(other == rule_no and s <= start and end <= e and (s, e) != (start, end)
                            for s, e, other, _ in found)
        if excepted_here or inside_longer:
            dropped.add(index)
    return dropped


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(SPAN, st.integers(0, 2)), max_size=14),
       st.lists(st.tuples(SPAN, st.integers(0, 2)), max_size=5))
def test_the_sweep_drops_exactly_what_the_definition_drops(
    matches: list[tuple[tuple[int, int], int]], exceptions: list[tuple[tuple[int, int], int]]
) -> None:
    found = [(s, e, rule_no, None) for (s, e), rule_no in matches]
    excepted: dict[int, list[tuple[int, int]]] = {}
    for span, rule_no in exceptions:
        excepted.setdefault(rule_no, []).append(span)
    assert _covered(found, excepted) == _covered_by_definition(found, excepted)


@settings(max_examples=500, deadline=None)
@given(st.lists(SPAN, min_size=1, max_size=8), SPAN)
def test_exception_spans_cover_as_defined(spans: list[tuple[int, int]], match: tuple[int, int]) -> None:
    start, end = match
    assert _Spans(list(spans)).cover(start, end) == any(
        s <= start and end <= e for s, e in spans)


def test_many_matches_of_one_phrase_keep_their_results() -> None:
    # Thousands of "guys" and exception phrases: the same findings as a short message, per match.
    from bot.core.engine import Engine
    from bot.core.models import Message

    engine = Engine.load()
    text = "hey guys, we ate at five guys " * 400
    findings = [f for f in engine.analyze(Message("t", "w", "c", "u", text))
                if f.rule == "inclusion.guys"]
    assert len(findings) == 5  # (5 per rule are reported), none inside "five guys"
    assert [text[f.start:f.end] for f in findings] == ["guys"] * 5
    assert all(text[f.start - 4:f.start] == "hey " for f in findings)
