"""`shouting` rules: mostly capital letters, or long runs of `!`/`?`, ignoring acronyms."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from bot.core.checks.base import Check, Hit, RuleSpec, register
from bot.core.conversation import ChannelWindow
from bot.core.text import WORD_RE, Document, count_ascii_letters, has_mark_pair

_UPPER_RE = re.compile(r"[^\W\d_a-z]")  # letters that are not lower-case ASCII: a cheap upper bound
# Short all-caps words (API, HTTP, JSON, PR, AWS) are acronyms, not shouting.
ACRONYM_MAX_LETTERS = 5


class ShoutingRule(RuleSpec):
    """Fires when the share of capitals among non-acronym letters passes `caps_ratio`."""

    kind: Literal["shouting"] = "shouting"
    min_letters: int = Field(default=12, ge=1)
    caps_ratio: float = Field(default=0.7, gt=0.0, le=1.0)
    punctuation_run: int = Field(default=3, ge=2)


@register
class ShoutingCheck(Check):
    """Counts capitals once per message; every shouting rule compares its own thresholds."""

    kind = "shouting"
    spec = ShoutingRule

    def __init__(self, rules: Sequence[ShoutingRule]) -> None:
        super().__init__(rules)
        shortest = min((r.punctuation_run for r in rules), default=3)
        self._runs = re.compile(rf"[!?]{{{shortest},}}")
        # Fewer capitals than this anywhere means no rule can see shouting.
        self._min_caps = min((r.min_letters * r.caps_ratio for r in rules), default=0.0)
        self._min_ratio = min((r.caps_ratio for r in rules), default=0.0)

    def scan(self, doc: Document, window: ChannelWindow | None) -> list[tuple[ShoutingRule, Hit]]:
        """One hit per rule, spanning the shouted words or the punctuation run."""
        found: list[tuple[ShoutingRule, Hit]] = []
        masked = doc.masked
        runs = list(self._runs.finditer(masked)) if has_mark_pair(masked) else []
        # Counting capitals word by word is only worth it when there are enough of them. Leaving
        # acronyms (all capitals) out can only lower the share of capitals, so in ASCII text a
        # share below every rule's ratio over all letters rules shouting out as well.
        # (Outside ASCII, letters that are not lower-case ASCII bound the capitals from above.)
        ascii_capitals = doc.ascii_capitals
        capitals = ascii_capitals if ascii_capitals is not None else len(_UPPER_RE.findall(masked))
        shouted = None
        if capitals >= self._min_caps and (
            ascii_capitals is None or capitals >= self._min_ratio * count_ascii_letters(masked)
        ):
            shouted = _shouted_words(doc)
        for rule in self.rules:
            if shouted is not None:
                letters, upper, first, last = shouted
                if letters >= rule.min_letters and upper / letters >= rule.caps_ratio and first >= 0:
                    found.append((rule, Hit(first, last)))
                    continue
            for run in runs:
                if run.end() - run.start() >= rule.punctuation_run:
                    found.append((rule, Hit(run.start(), run.end())))
                    break
        return found


# Every byte but A-Z and a-z: deleting them from ASCII text leaves its letters.
def _shouted_words(doc: Document) -> tuple[int, int, int, int]:
    """(letters, capitals, start of the first all-caps word, end of the last), acronyms aside."""
    upper = letters = 0
    first = last = -1
    masked = doc.masked
    for token in WORD_RE.finditer(doc.lower):
        start, end = token.span()
        n_alpha, caps = _letters_and_capitals(masked[start:end])
        if not n_alpha:
            continue
        if caps == n_alpha and n_alpha <= ACRONYM_MAX_LETTERS and not _all_caps_text(doc):
            continue
        letters += n_alpha
        upper += caps
        if caps == n_alpha and n_alpha > 1:
            first = start if first < 0 else first
            last = end
    return letters, upper, first, last


def _letters_and_capitals(word: str) -> tuple[int, int]:
    """How many letters `word` holds and how many of them are upper-case."""
    if word.isascii() and word.isalpha():  # the common case, without a loop per character
        if word.islower():
            return len(word), 0
        if word.isupper():
            return len(word), len(word)
        return len(word), sum(map(str.isupper, word))
    alpha = [ch for ch in word if ch.isalpha()]
    return len(alpha), sum(1 for ch in alpha if ch.isupper())


def _all_caps_text(doc: Document) -> bool:
    """True when the whole message is in capitals: then short words count as shouting too."""
    cached = doc.__dict__.get("_all_caps")
    if cached is None:
        alpha = [ch for ch in doc.masked if ch.isalpha()]
        cached = len(alpha) >= 12 and sum(ch.isupper() for ch in alpha) / len(alpha) >= 0.9
        doc.__dict__["_all_caps"] = cached
    return bool(cached)
