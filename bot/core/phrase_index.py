"""A token-sequence index: finds many phrases in one pass, whatever their number."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Generic, TypeVar

from bot.core.text import Token, lower_same_length

T = TypeVar("T")

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def phrase_tokens(phrase: str) -> tuple[str, ...]:
    """Split a phrase into the lower-cased words the index matches on."""
    return tuple(m.group() for m in _WORD_RE.finditer(lower_same_length(phrase)))


class PhraseIndex(Generic[T]):
    """Maps first words to candidate phrases; matching costs O(words × phrases sharing a word)."""

    def __init__(self) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], T]]] = {}

    def add(self, phrase: str, payload: T) -> None:
        """Index `phrase`; a phrase with no words is ignored."""
        words = phrase_tokens(phrase)
        if words:
            self._by_first.setdefault(words[0], []).append((words, payload))

    def __bool__(self) -> bool:
        return bool(self._by_first)

    def find(self, tokens: list[Token]) -> Iterator[tuple[int, int, T]]:
        """Yield (start, end, payload) for every indexed phrase found in `tokens`."""
        by_first = self._by_first
        n = len(tokens)
        for i, token in enumerate(tokens):
            candidates = by_first.get(_apostrophe(token.norm))
            if not candidates:
                continue
            for words, payload in candidates:
                last = i + len(words)
                if last > n:
                    continue
                if all(_apostrophe(tokens[i + k].norm) == words[k] for k in range(1, len(words))):
                    yield token.start, tokens[last - 1].end, payload


def _apostrophe(word: str) -> str:
    return word.replace("’", "'") if "’" in word else word
