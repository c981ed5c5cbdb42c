"""`rapid_fire` rules: N messages from one person within T seconds in one channel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from bot.core.checks.base import Check, Hit, RuleSpec, register
from bot.core.conversation import ChannelWindow
from bot.core.text import Document


class RapidFireRule(RuleSpec):
    """Fires at the message that makes it `messages` messages within `seconds`."""

    kind: Literal["rapid_fire"] = "rapid_fire"
    messages: int = Field(default=5, ge=2, le=100)
    seconds: float = Field(default=60, gt=0)


@register
class RapidFireCheck(Check):
    """Counts the author's recent messages in the channel window; needs timestamps."""

    kind = "rapid_fire"
    spec = RapidFireRule
    conversational = True

    def __init__(self, rules: Sequence[RapidFireRule]) -> None:
        super().__init__(rules)

    def scan(self, doc: Document, window: ChannelWindow | None) -> list[tuple[RapidFireRule, Hit]]:
        """A hit when this message completes a burst (exactly the N-th in the interval)."""
        found: list[tuple[RapidFireRule, Hit]] = []
        now = doc.message.ts
        if window is None or now is None:
            return found
        user = doc.message.user
        recent = window.recent
        for rule in self.rules:
            # The walk below stops at the first message outside the interval, so the burst
            # needs the last `messages - 1` messages all inside it: when the earliest of them
            # is not, nothing can fire (most messages end here).
            need = rule.messages - 1
            if len(recent) < need:
                continue
            earliest = recent[-need].ts
            if earliest is None or now - earliest > rule.seconds:
                continue
            count = 1
            for spoke in reversed(recent):
                if spoke.ts is None or now - spoke.ts > rule.seconds:
                    break
                if spoke.user == user:
                    count += 1
                    if count > rule.messages:
                        break
            if count == rule.messages:
                found.append((rule, Hit(0, len(doc.text), details=f"{count} messages in {rule.seconds:g}s")))
        return found
