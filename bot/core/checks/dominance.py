"""`dominance` rules: one voice above a share of the last N messages, with enough participants."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from bot.core.checks.base import Check, Hit, RuleSpec, register
from bot.core.conversation import ChannelWindow
from bot.core.text import Document

MAX_FLAGS = 1_000


class DominanceRule(RuleSpec):
    """Fires when the author's share of the window first rises above `share`."""

    kind: Literal["dominance"] = "dominance"
    share: float = Field(default=0.6, gt=0.0, lt=1.0)
    window: int = Field(default=20, ge=3, le=200)
    min_participants: int = Field(default=3, ge=2)


@register
class DominanceCheck(Check):
    """Looks at the channel window; fires once per crossing, re-arms when the share drops."""

    kind = "dominance"
    spec = DominanceRule
    conversational = True

    def __init__(self, rules: Sequence[DominanceRule]) -> None:
        super().__init__(rules)

    def scan(self, doc: Document, window: ChannelWindow | None) -> list[tuple[DominanceRule, Hit]]:
        """A hit at the message that pushes its author over the share."""
        found: list[tuple[DominanceRule, Hit]] = []
        if window is None:
            return found
        user = doc.message.user
        authors = window.authors
        flags = window.flags
        for rule in self.rules:
            if len(authors) < rule.window - 1:
                continue
            # The last `window` messages: the window's last `window - 1` and this one.
            counts = window.tallies.get(rule.window - 1)
            if counts is None:
                counts = window.tally(rule.window - 1)
            mine = counts.get(user, 0) + 1
            share = mine / rule.window
            voices = len(counts) + (mine == 1)
            if share <= rule.share or voices < rule.min_participants:
                if flags:  # re-arm: the share dropped
                    flags.pop(f"{rule.id}\x00{user}", None)
                continue
            key = f"{rule.id}\x00{user}"
            if flags.get(key):
                continue
            if len(flags) >= MAX_FLAGS:
                flags.clear()
            flags[key] = True
            found.append((rule, Hit(0, len(doc.text), details=f"{share:.0%} of the last {rule.window}")))
        return found
