"""The RE2 pattern set reports exactly the patterns that match, on any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.re2_patterns import PatternSet, compile_pattern

SOURCES = [r"\bidiot\b", r"(?i:seriously\?+)", r"ça va", r"\d{3,}", r"^ok$", r"[😡🤬]", r"\bno\b"]
TEXT = st.lists(
    st.one_of(st.text(max_size=8), st.sampled_from(
        ["idiot", "IDIOT", "Seriously??", "ça va", "ok", "1234", "😡", "no", "\n", " "])),
    max_size=12,
).map("".join)


def _expected(text: str) -> list[int]:
    return [i for i, source in enumerate(SOURCES) if compile_pattern(source, ignore_case=False).search(text)]


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_matching_is_each_pattern_searched_alone(text: str) -> None:
    assert PatternSet(SOURCES).matching(text) == _expected(text)


def test_the_wrappers_own_match_gives_the_same() -> None:
    # Where the wrapper has no inner set to call directly, its own Match is used.
    fallback = PatternSet(SOURCES)
    fallback._match_bytes = None
    direct = PatternSet(SOURCES)
    assert direct._match_bytes is not None  # the fast path is what the engine runs here
    for text in ["you idiot", "SERIOUSLY???", "ça va bien", "ok", "ok\n", "call 911 now 😡", ""]:
        assert direct.matching(text) == fallback.matching(text) == _expected(text)
    assert PatternSet([]).matching("anything") == []


def test_a_set_too_large_for_re2s_default_budget_still_works() -> None:
    # One large pattern (or hundreds of ordinary ones) overflow RE2's default set memory.
    big = PatternSet([r"\p{L}{400}", "foo"])
    assert big.matching("a" * 500 + " foo") == [0, 1]
    assert big.matching("short foo") == [1]


def test_patterns_are_searched_one_by_one_when_no_set_fits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(PatternSet, "_compiled_set", lambda self, max_mem: None)
    each = PatternSet(SOURCES)
    for text in ["you idiot", "SERIOUSLY???", "ça va bien", "ok", "call 911 now 😡", ""]:
        assert each.matching(text) == _expected(text)


def test_the_case_wrapper_hides_no_broken_pattern() -> None:
    for broken in ["foo)|(bar", "foo\\", "(unclosed"]:
        with pytest.raises(ValueError, match="not valid RE2 syntax"):
            compile_pattern(broken)
        with pytest.raises(ValueError, match="not valid RE2 syntax"):
            compile_pattern(broken, ignore_case=False)
    assert compile_pattern("Foo|bar").search("FOO")  # still case-insensitive by default
