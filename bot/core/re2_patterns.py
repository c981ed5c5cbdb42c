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
    """Compile `pattern` with RE2; raises ValueError naming what RE2 could not accept."""
    source = f"(?i:{pattern})" if ignore_case else pattern
    try:
        return re2.compile(source, _options())
    except Exception as exc:  # re2.error carries bytes; make it readable
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(f"pattern {pattern!r} is not valid RE2 syntax: {reason}") from None


class PatternSet:
    """Many RE2 patterns matched with one scan to learn which ones occur at all."""

    def __init__(self, sources: Sequence[str]) -> None:
        self.sources = list(sources)
        self._set: Any = None
        if self.sources:
            self._set = re2.Set.SearchSet(_options())
            for source in self.sources:
                self._set.Add(source)
            self._set.Compile()
        # The compiled RE2::Set under the wrapper, matched on UTF-8 bytes directly (the wrapper
        # only encodes the text first); the wrapper's own Match where it has no such attribute.
        raw = getattr(self._set, "_set", None)
        self._match_bytes: Callable[[bytes], list[int] | None] | None = getattr(raw, "Match", None)

    def matching(self, text: str) -> list[int]:
        """Indices of the patterns that match somewhere in `text`."""
        if self._set is None or not text:
            return []
        match_bytes = self._match_bytes
        found = match_bytes(text.encode()) if match_bytes is not None else self._set.Match(text)
        return sorted(found) if found else []
