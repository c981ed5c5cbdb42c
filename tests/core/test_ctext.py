"""The C text helpers (`bot.core._ctext`: sentences, words, phrases) equal their Python twins."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import text as text_module
from bot.core.models import Message
from bot.core.phrase_index import PhraseIndex
from bot.core.text import MAX_SENTENCE_WORDS, Document, Sentence

c_sentences = text_module._c_sentences
if c_sentences is None and os.environ.get("COACHBOT_REQUIRE_SPEEDUPS") == "1":
    raise RuntimeError("COACHBOT_REQUIRE_SPEEDUPS=1 but bot.core._ctext is not built")
needs_c = pytest.mark.skipif(c_sentences is None, reason="bot.core._ctext is not built (no C compiler?)")


def document(text: str) -> Document:
    return Document(Message("t", "w", "c", "u", text))


def python_sentences(doc: Document) -> list[Sentence]:
    return doc._python_sentences(doc.lower, len(doc.words)) if doc.words else []


# Pieces that exercise every branch: words, joining and stray apostrophes, runs of marks with and
# without whitespace after them, line breaks, every ASCII whitespace Python's `\s` knows.
PIECES = st.sampled_from(
    ["word", "don't", "rock'n'roll", "'quoted'", "a''b", "x'", "'", "_", "9", "snake_case", ".", "..",
     "!", "?!", "...", "?", "a.b", "e.g.", "\n", "\n\n", " ", "  ", "\t", "\r", "\x0b", "\x0c",
     "\x1c", "\x1f", "-", ",", "(", ")", ":", "x"]
)
ASCII_TEXTS = st.lists(PIECES, max_size=40).map("".join) | st.text(
    alphabet=st.characters(max_codepoint=127), max_size=120
)


@needs_c
@settings(max_examples=3000, deadline=None)
@given(ASCII_TEXTS)
def test_c_sentences_equal_python_on_ascii_text(text: str) -> None:
    doc = document(text)
    expected = python_sentences(doc)
    got = c_sentences(doc.lower, len(doc.words), Sentence, MAX_SENTENCE_WORDS)  # type: ignore[misc]
    assert got is not None
    assert got == expected
    assert all(type(s) is Sentence for s in got)


@needs_c
@settings(max_examples=3000, deadline=None)
@given(ASCII_TEXTS)
def test_c_words_equal_python_on_ascii_text(text: str) -> None:
    c_words = text_module._c_words
    assert c_words is not None
    assert c_words(text) == text_module._python_words_of(text) == text_module.WORD_RE.findall(text)


@needs_c
def test_c_words_leave_non_ascii_text_to_python() -> None:
    c_words = text_module._c_words
    assert c_words is not None
    assert c_words("café au lait") is None
    assert text_module.words_of("café au lait") == ["café", "au", "lait"]
    with pytest.raises(TypeError):
        c_words(b"bytes")  # type: ignore[arg-type]


@needs_c
def test_c_sentences_leave_long_sentences_and_non_ascii_text_to_python() -> None:
    long = document(" ".join(["word"] * (MAX_SENTENCE_WORDS + 1)) + ". Short one.")
    assert c_sentences(long.lower, len(long.words), Sentence, MAX_SENTENCE_WORDS) is None  # type: ignore[misc]
    assert long.sentences == python_sentences(long)
    assert [s.word_count for s in long.sentences] == [MAX_SENTENCE_WORDS, 1, 2]
    accented = document("Café is open. Ça va?")
    assert c_sentences(accented.lower, len(accented.words), Sentence, MAX_SENTENCE_WORDS) is None  # type: ignore[misc]
    assert accented.sentences == python_sentences(accented)


@needs_c
def test_c_sentences_refuse_a_word_count_that_disagrees() -> None:
    doc = document("One two. Three four.")
    assert c_sentences(doc.lower, 4, Sentence, MAX_SENTENCE_WORDS) == python_sentences(doc)  # type: ignore[misc]
    assert c_sentences(doc.lower, 5, Sentence, MAX_SENTENCE_WORDS) is None  # type: ignore[misc]
    with pytest.raises(TypeError):
        c_sentences(doc.lower, 4, list, MAX_SENTENCE_WORDS)  # type: ignore[misc]


@needs_c
def test_documents_use_the_c_path() -> None:
    calls = []

    def spy(*args: object) -> object:
        calls.append(args)
        return c_sentences(*args)  # type: ignore[misc]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text_module, "_c_sentences", spy)
        assert len(document("First. Second!").sentences) == 2
    assert len(calls) == 1


def test_without_the_extension_sentences_are_the_same() -> None:
    texts = ["First. Second!", "a\n\nb? c", "Café. Ça va?", " ".join(["w"] * 130) + "."]
    with_c = [document(t).sentences for t in texts]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text_module, "_c_sentences", None)
        without = [document(t).sentences for t in texts]
    assert with_c == without
    assert [len(s) for s in without] == [2, 3, 2, 3]


# --- phrase look-up -------------------------------------------------------------------------

VOCAB = ["guys", "you", "just", "do", "it", "per", "my", "last", "message", "a", "b"]
PHRASES = st.lists(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=4).map(" ".join), max_size=12)
WORDS = st.lists(st.sampled_from([*VOCAB, "other"]), max_size=40)


@needs_c
@settings(max_examples=1500, deadline=None)
@given(PHRASES, WORDS)
def test_c_phrase_find_equals_python(phrases: list[str], words: list[str]) -> None:
    index: PhraseIndex[int] = PhraseIndex()
    for number, phrase in enumerate(phrases):
        index.add(phrase, number)
    assert index.find(words) == index.find_python(words)


@needs_c
def test_c_phrase_find_keeps_candidate_order_and_refuses_other_types() -> None:
    index: PhraseIndex[str] = PhraseIndex()
    for phrase in ("you guys", "you", "you guys rock", "guys"):
        index.add(phrase, phrase)
    words = ["hey", "you", "guys", "rock", "you"]
    assert index.find(words) == [
        (1, 3, "you guys"), (1, 2, "you"), (1, 4, "you guys rock"), (2, 3, "guys"), (4, 5, "you"),
    ]
    assert index.find(words) == index.find_python(words)
    with pytest.raises(TypeError):
        index.find(["you", 3])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        index.find(("you",))  # type: ignore[arg-type]
