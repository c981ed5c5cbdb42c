"""The RE2 pattern set reports exactly the patterns that match, on any text."""

from __future__ import annotations

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
