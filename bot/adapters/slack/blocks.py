"""Block Kit rendering of the neutral coaching outputs (Nudge, Response) for Slack."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.coaching.models import ACTION_PREFIX, Button, FeedbackAction, Nudge, Response, Section

Block = dict[str, Any]

# Slack's documented Block Kit limits.
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_ACTIONS_PER_BLOCK = 25
MAX_FALLBACK_TEXT = 3000

FEEDBACK_LABELS: tuple[tuple[FeedbackAction, str], ...] = (
    (FeedbackAction.HELPFUL, "Helpful"),
    (FeedbackAction.NOT_HELPFUL, "Not helpful"),
    (FeedbackAction.SNOOZE, "Snooze 1 day"),
)


# Channel and user mentions (<#C123>, <@U123|name>) are the neutral responses' mention syntax
# (Slack and Discord share it); everything else in angle brackets, e.g. <!channel>, is escaped.
MENTION_TOKEN = re.compile(r"<[#@][A-Z0-9]+(?:\|[^<>|]*)?>")


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_keeping_mentions(text: str) -> str:
    """Escape like `escape`, but keep channel/user mention tokens working (never <!here>)."""
    out: list[str] = []
    last = 0
    for match in MENTION_TOKEN.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def truncate(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def _chunks(text: str, limit: int) -> list[str]:
    """Split text at line breaks into pieces of at most `limit` characters."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def _text_sections(text: str) -> list[Block]:
    chunks = _chunks(text, MAX_SECTION_TEXT)
    return [{"type": "section", "text": _mrkdwn(chunk)} for chunk in chunks]


def button_element(button: Button) -> Block:
    """One Block Kit button; `action_id`/`value` round-trip unchanged to Coach.action()."""
    element: Block = {
        "type": "button",
        "text": _plain(button.label, MAX_BUTTON_TEXT),
        "action_id": button.action_id[:MAX_ACTION_ID],
        "value": button.value[:MAX_BUTTON_VALUE],
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    return element


def actions_blocks(buttons: list[Button], block_id: str | None = None) -> list[Block]:
    """Buttons as actions blocks of at most 25 elements each (action ids unique per block)."""
    blocks: list[Block] = []
    for start in range(0, len(buttons), MAX_ACTIONS_PER_BLOCK):
        block: Block = {
            "type": "actions",
            "elements": [button_element(b) for b in buttons[start : start + MAX_ACTIONS_PER_BLOCK]],
        }
        if block_id is not None:
            block["block_id"] = f"{block_id}-{start // MAX_ACTIONS_PER_BLOCK}"
        blocks.append(block)
    return blocks


def feedback_buttons(nudge_id: int) -> list[Button]:
    """The helpful / not helpful / snooze buttons attached to every nudge."""
    return [
        Button(label=label, action_id=f"{ACTION_PREFIX}feedback:{action}", value=str(nudge_id))
        for action, label in FEEDBACK_LABELS
    ]


def nudge_text(nudge: Nudge) -> str:
    """Plain notification text of a nudge (shown where blocks cannot be)."""
    parts = [nudge.message]
    if nudge.suggestion:
        parts.append(f"Try: {nudge.suggestion}")
    return truncate(" ".join(parts), MAX_FALLBACK_TEXT)


def nudge_blocks(nudge: Nudge) -> list[Block]:
    """A private nudge: the tip, why it matters, what to try instead, and feedback buttons."""
    icon = ":star2:" if nudge.level == "praise" else ":bulb:"
    blocks: list[Block] = [
        {
            "type": "section",
            "text": _mrkdwn(
                truncate(f"{icon} *{escape_keeping_mentions(nudge.message)}*", MAX_SECTION_TEXT)
            ),
        }
    ]
    if nudge.excerpt:
        blocks.append(
            {
                "type": "context",
                "elements": [_mrkdwn(truncate(f"_“{escape(nudge.excerpt)}”_", MAX_FIELD_TEXT))],
            }
        )
    if nudge.why:
        blocks.extend(_text_sections(f"*Why:* {escape_keeping_mentions(nudge.why)}"))
    if nudge.suggestion:
        blocks.extend(_text_sections(f"*Try:* {escape_keeping_mentions(nudge.suggestion)}"))
    context = ["Only you can see this."]
    if nudge.link:
        context.append(f"<{escape(nudge.link)}|About this guideline>")
    blocks.append({"type": "context", "elements": [_mrkdwn(" · ".join(context))]})
    blocks.extend(actions_blocks(feedback_buttons(nudge.id), block_id=f"coach-nudge-{nudge.id}"))
    return blocks[:MAX_MESSAGE_BLOCKS]


def _section_blocks(section: Section) -> list[Block]:
    blocks: list[Block] = []
    body = escape_keeping_mentions(section.text)
    if section.heading:
        body = f"*{escape_keeping_mentions(section.heading)}*" + (f"\n{body}" if body else "")
    if body:
        blocks.extend(_text_sections(body))
    fields = [
        _mrkdwn(
            truncate(
                f"*{escape_keeping_mentions(key)}*\n{escape_keeping_mentions(value)}",
                MAX_FIELD_TEXT,
            )
        )
        for key, value in section.fields
    ]
    for start in range(0, len(fields), MAX_FIELDS):
        blocks.append({"type": "section", "fields": fields[start : start + MAX_FIELDS]})
    return blocks


def data_blocks(data: dict[str, object]) -> list[Block]:
    """A JSON payload as a code block (cut to fit; the full file is sent separately)."""
    rendered = json.dumps(data, indent=2, sort_keys=True, default=str)
    fence = "```"
    limit = MAX_SECTION_TEXT - 2 * len(fence) - 2
    return [{"type": "section", "text": _mrkdwn(f"{fence}{truncate(rendered, limit)}{fence}")}]


def data_fits_inline(data: dict[str, object]) -> bool:
    """True when `data_blocks` shows the whole payload without cutting it."""
    rendered = json.dumps(data, indent=2, sort_keys=True, default=str)
    return len(rendered) <= MAX_SECTION_TEXT - 8


def response_blocks(response: Response, max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    """A neutral command Response as Block Kit: header, sections, fields, data and buttons."""
    title = f"⚠️ {response.title}" if response.error else response.title
    blocks: list[Block] = [{"type": "header", "text": _plain(title, MAX_HEADER_TEXT)}]
    for section in response.sections:
        blocks.extend(_section_blocks(section))
    if response.data is not None:
        blocks.extend(data_blocks(response.data))
    buttons = actions_blocks(response.buttons)
    room = max_blocks - len(buttons)
    if len(blocks) > room:
        blocks = blocks[: room - 1]
        blocks.append({"type": "context", "elements": [_mrkdwn("(more not shown)")]})
    return blocks + buttons


def response_text(response: Response) -> str:
    """Notification fallback text for a Response."""
    return truncate(response.as_text(), MAX_FALLBACK_TEXT)


def home_view(response: Response) -> Block:
    """The App Home tab view for `views.publish`."""
    return {"type": "home", "blocks": response_blocks(response, max_blocks=MAX_VIEW_BLOCKS)}
