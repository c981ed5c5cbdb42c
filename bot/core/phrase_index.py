"""A word-sequence index: finds many phrases in one pass, whatever their number."""

from __future__ import annotations

from typing import Generic, TypeVar

from bot.core import text
from bot.core.text import lower_same_length, words_of

T = TypeVar("T")


def phrase_tokens(phrase: str) -> tuple[str, ...]:
    """Split a phrase into the lower-cased words the index matches on."""
    return tuple(words_of(lower_same_length(phrase)))


class PhraseIndex(Generic[T]):
    """Maps first words to candidate phrases; cost O(words + phrases sharing a first word)."""

    def __init__(self) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], T]]] = {}

    def add(self, phrase: str, payload: T) -> None:
        """Index `phrase`; a phrase with no words is ignored."""
        words = phrase_tokens(phrase)
        if words:
            self._by_first.setdefault(words[0], []).append((words, payload))

    def __bool__(self) -> bool:
        return bool(self._by_first)

    def find(self, words: list[str]) -> list[tuple[int, int, T]]:
        """(first word index, end word index, payload) for every phrase in `words`, in order.

        With the C speed-ups (`bot.core._ctext.find_phrases`), one pass over the words in C;
        else only the words that start some phrase are looked for, each with C-level searches.
        """
        if _c_find is not None:
            return _c_find(self._by_first, words)  # type: ignore[no-any-return]
        return self.find_python(words)

    def find_python(self, words: list[str]) -> list[tuple[int, int, T]]:
        """`find` in pure Python (the C path's reference)."""
        by_first = self._by_first
        common = by_first.keys() & words
        if not common:
            return []
        n = len(words)
        found: list[tuple[int, int, T]] = []
        for word in common:
            candidates = by_first[word]
            i = words.index(word)
            while True:
                for phrase, payload in candidates:
                    size = len(phrase)
                    end = i + size
                    if size == 1 or (
                        end <= n and words[i + 1] == phrase[1] and tuple(words[i:end]) == phrase
                    ):
                        found.append((i, end, payload))
                try:
                    i = words.index(word, i + 1)
                except ValueError:
                    break
        if len(found) > 1:
            # Stable: matches at one position keep the order of that word's candidates.
            found.sort(key=_first_word)
        return found


_c_find = getattr(text._ctext, "find_phrases", None) if text._ctext is not None else None


def _first_word(match: tuple[int, int, object]) -> int:
    return match[0]
