"""Masking, words and sentences."""

from __future__ import annotations

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
