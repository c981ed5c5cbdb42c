"""Neutral coaching outputs that every adapter renders: nudges, command responses, contexts."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# Button action ids: "coach:feedback:<FeedbackAction>" with the nudge id as value;
# "coach:settings:<pause|resume|snooze|optout|optin|digest_on|digest_off>";
# "coach:forget:confirm". Every adapter hands them to Coach.action() unchanged.
ACTION_PREFIX = "coach:"


class FeedbackAction(StrEnum):
    """Buttons attached to every nudge."""

    HELPFUL = "helpful"
    NOT_HELPFUL = "not_helpful"
    SNOOZE = "snooze"


@dataclass(frozen=True, slots=True)
class Nudge:
    """A private tip the policy decided to deliver to one person.

    `message` is the short tip; `why` the longer explanation (only on escalation it may be
    long); `suggestion` what to try instead; `link` the guideline. `id` is the nudge-log id
    that feedback buttons refer to.
    """

    id: int
    platform: str
    workspace: str
    channel: str
    user: str
    rule: str
    level: str
    message: str
    why: str | None = None
    suggestion: str | None = None
    link: str | None = None
    thread: str | None = None
    excerpt: str | None = None
    escalated: bool = False


@dataclass(frozen=True, slots=True)
class Button:
    """An action button in a response; `action_id` and `value` round-trip to the router."""

    label: str
    action_id: str
    value: str = ""
    style: str | None = None  # "primary" | "danger" | None


@dataclass(frozen=True, slots=True)
class Section:
    """A block of text in a response, optionally with a heading and key/value fields."""

    text: str = ""
    heading: str | None = None
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Response:
    """A neutral reply to a command: rendered as Block Kit, a Discord embed, or console text.

    Responses are private (ephemeral) unless `public` is set; `attachment` carries an image
    (e.g. a digest chart) as (filename, PNG bytes); `data` carries a JSON payload (e.g. mydata).
    """

    title: str
    sections: list[Section] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    public: bool = False
    error: bool = False
    attachment: tuple[str, bytes] | None = None
    data: dict[str, object] | None = None

    def as_text(self) -> str:
        """Plain-text rendering used by the console adapter and as a notification fallback."""
        lines = [self.title]
        for section in self.sections:
            if section.heading:
                lines.append(f"\n{section.heading}")
            if section.text:
                lines.append(section.text)
            for key, value in section.fields:
                lines.append(f"  {key}: {value}")
        if self.buttons:
            lines.append("[" + "] [".join(b.label for b in self.buttons) + "]")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who is asking, where, and with which rights; built by the adapter from the platform."""

    platform: str
    workspace: str
    user: str
    channel: str | None = None
    is_admin: bool = False
    timezone: str | None = None
