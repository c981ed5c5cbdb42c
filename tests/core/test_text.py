"""Masking, words and sentences."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import Message
from bot.core.text import MAX_SENTENCE_WORDS, Document, mask


def test_mask_keeps_length_and_blanks_code_quotes_urls_mentions() -> None:
    text = (
        "see `rm -rf guys` and\n```\nmaster = slave\n```\n> you are an idiot\n"
        "&gt; quoted too\nhttps://example.com/guys <@U123|maya> <#C1|eng> @maya but @here stays"
    )
    masked = mask(text)
    assert len(masked) == len(text)
    for hidden in (
        "rm -rf guys",
        "master = slave",
        "you are an idiot",
        "quoted too",
        "example.com",
        "U123",
        "maya",
        "eng",
    ):
        assert hidden not in masked
    assert "@here stays" in masked
    assert masked.count("\n") == text.count("\n")


def test_unclosed_code_fence_masks_to_end() -> None:
    assert mask("ok ```you idiot").strip() == "ok"


def test_sentences_split_and_chunk_long_runs() -> None:
    doc = Document(Message("t", "w", "c", "u", "First one. Second one? Third!\nFourth"))
    assert [doc.masked[s.start : s.end].strip() for s in doc.sentences] == [
        "First one.",
        "Second one?",
        "Third!",
        "Fourth",
    ]
    long = Document(Message("t", "w", "c", "u", "word " * (MAX_SENTENCE_WORDS * 3 + 5)))
    assert max(s.word_count for s in long.sentences) <= MAX_SENTENCE_WORDS
    assert sum(s.word_count for s in long.sentences) == MAX_SENTENCE_WORDS * 3 + 5


def test_questions_are_counted_per_sentence() -> None:
    doc = Document(Message("t", "w", "c", "u", "Is it up?? Who owns it? `a?` fine."))
    assert doc.question_count == 2


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab’'É ß\n.`>@_1İ-ǅ")), max_size=60), st.data())
def test_word_span_matches_the_full_token_list(text: str, data: st.DataObject) -> None:
    doc = Document(Message("t", "w", "c", "u", text))
    tokens = doc.tokens
    assert [t.norm for t in tokens] == doc.words
    if not tokens:
        return
    first = data.draw(st.integers(0, len(tokens) - 1))
    last = data.draw(st.integers(first + 1, len(tokens)))
    assert doc.word_span(first, last) == (tokens[first].start, tokens[last - 1].end)
    # Asking for an earlier span after a later one reuses what was already scanned.
    assert doc.word_span(0, 1) == (tokens[0].start, tokens[0].end)
