"""User-supplied regular expressions, compiled with RE2 so matching stays linear in text length."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import re2


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # errors are reported to the user, not printed by the library
    return options


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str, ignore_case: bool = True) -> Any:
    """Compile `pattern` with RE2; raises ValueError naming what RE2 could not accept.

    The pattern is checked as written first, so the case-insensitive wrapper `(?i:...)` can
    neither hide nor change a broken one ("foo)|(bar" would otherwise compile).
    """
    sources = [pattern, f"(?i:{pattern})"] if ignore_case else [pattern]
    compiled = None
    for source in sources:
        try:
            compiled = re2.compile(source, _options())
        except Exception as exc:  # re2.error carries bytes; make it readable
            reason = exc.args[0] if exc.args else exc
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            raise ValueError(f"pattern {pattern!r} is not valid RE2 syntax: {reason}") from None
    return compiled


# The memory RE2 may use for the combined set when its default budget is too small (many or
# large patterns); beyond it, each pattern is searched on its own.
_SET_MAX_MEM = 256 << 20


class PatternSet:
    """Many RE2 patterns matched with one scan to learn which ones occur at all.

    When even a larger memory budget cannot hold them as one set, each pattern is searched
    in turn (still linear in the text, but no longer independent of the number of patterns).
    """

    def __init__(self, sources: Sequence[str]) -> None:
        self.sources = list(sources)
        self._set: Any = None
        self._each: list[Any] = []
        if self.sources:
            self._set = self._compiled_set(None) or self._compiled_set(_SET_MAX_MEM)
            if self._set is None:
                self._each = [re2.compile(source, _options()) for source in self.sources]
        # The compiled RE2::Set under the wrapper, matched on UTF-8 bytes directly (the wrapper
        # only encodes the text first); the wrapper's own Match where it has no such attribute.
        raw = getattr(self._set, "_set", None)
        self._match_bytes: Callable[[bytes], list[int] | None] | None = getattr(raw, "Match", None)

    def _compiled_set(self, max_mem: int | None) -> Any:
        """The patterns as one compiled RE2 set, or None when it does not fit `max_mem`."""
        options = _options()
        if max_mem is not None:
            options.max_mem = max_mem
        compiled = re2.Set.SearchSet(options)
        for source in self.sources:
            compiled.Add(source)
        try:
            compiled.Compile()
        except re2.error:
            return None
        return compiled

    def matching(self, text: str) -> list[int]:
        """Indices of the patterns that match somewhere in `text`."""
        if not text:
            return []
        if self._set is None:
            return [no for no, compiled in enumerate(self._each) if compiled.search(text)]
        match_bytes = self._match_bytes
        found = match_bytes(text.encode()) if match_bytes is not None else self._set.Match(text)
        return sorted(found) if found else []
