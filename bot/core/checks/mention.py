"""`mention` rules: broadcast mentions such as @here, @channel, @everyone and Slack's <!here>."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from bot.core.checks.base import Check, Hit, RuleSpec, register
from bot.core.conversation import ChannelWindow
from bot.core.text import Document

Target = Literal["here", "channel", "everyone"]
ALL_TARGETS: tuple[Target, ...] = ("here", "channel", "everyone")

_BROADCAST_RE = re.compile(
    r"<!(here|channel|everyone)(?:\|[^>]*)?>|(?<![\w@])@(here|channel|everyone)\b", re.IGNORECASE
)


class MentionRule(RuleSpec):
    """Fires on a broadcast mention of one of the `targets`."""

    kind: Literal["mention"] = "mention"
    targets: list[Target] = Field(default_factory=lambda: list(ALL_TARGETS))


@register
class MentionCheck(Check):
    """Finds broadcast mentions once; each rule keeps those it targets."""

    kind = "mention"
    spec = MentionRule

    def __init__(self, rules: Sequence[MentionRule]) -> None:
        super().__init__(rules)

    def scan(self, doc: Document, window: ChannelWindow | None) -> list[tuple[MentionRule, Hit]]:
        """The first matching broadcast mention per rule."""
        if "@" not in doc.masked and "<!" not in doc.masked:
            return []
        mentions = [
            ((m.group(1) or m.group(2)).lower(), m.start(), m.end())
            for m in _BROADCAST_RE.finditer(doc.masked)
        ]
        found: list[tuple[MentionRule, Hit]] = []
        if not mentions:
            return found
        for rule in self.rules:
            for target, start, end in mentions:
                if target in rule.targets:
                    found.append((rule, Hit(start, end)))
                    break
        return found
