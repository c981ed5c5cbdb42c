"""Render neutral coaching outputs (nudges, command responses, digests) as Discord embeds."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import discord

from bot.coaching.models import Button, FeedbackAction, Nudge, Response

# Discord's documented embed limits.
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_PER_EMBED = 25
EMBEDS_PER_MESSAGE = 10
TOTAL_CHARS_PER_MESSAGE = 6000

COLOUR_NUDGE = discord.Colour.orange()
COLOUR_TIP = discord.Colour.blurple()
COLOUR_PRAISE = discord.Colour.green()
COLOUR_INFO = discord.Colour.dark_teal()
COLOUR_ERROR = discord.Colour.red()

_LEVEL_COLOURS = {"nudge": COLOUR_NUDGE, "tip": COLOUR_TIP, "praise": COLOUR_PRAISE}

FEEDBACK_LABELS: dict[FeedbackAction, str] = {
    FeedbackAction.HELPFUL: "Helpful",
    FeedbackAction.NOT_HELPFUL: "Not helpful",
    FeedbackAction.SNOOZE: "Snooze tips",
}

DM_CLOSED_NOTE = (
    "I could not send you your private coaching tips because your direct messages are "
    "closed to me. To receive them, open this server's menu > **Privacy Settings** and turn "
    "on **Direct Messages**, or allow DMs from server members in User Settings > "
    "**Privacy & Safety**."
)


def clip(text: str, limit: int) -> str:
    """Shorten `text` to at most `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def feedback_buttons(nudge: Nudge) -> list[Button]:
    """The helpful / not helpful / snooze buttons every nudge carries."""
    return [
        Button(
            label=FEEDBACK_LABELS[action],
            action_id=f"coach:feedback:{action}",
            value=str(nudge.id),
            style="primary" if action is FeedbackAction.HELPFUL else None,
        )
        for action in FeedbackAction
    ]


def nudge_embed(nudge: Nudge, *, jump_url: str | None = None) -> discord.Embed:
    """The private DM embed for one nudge: the tip, why it matters, and what to try instead."""
    colour = _LEVEL_COLOURS.get(nudge.level, COLOUR_TIP)
    title = "Well said!" if nudge.level == "praise" else "A private tip from Coachbot"
    embed = discord.Embed(
        title=title,
        description=clip(nudge.message, DESCRIPTION_LIMIT),
        colour=colour,
        url=nudge.link or None,
    )
    if nudge.excerpt:
        embed.add_field(
            name="In your message",
            value=clip(f"“{nudge.excerpt}”", FIELD_VALUE_LIMIT),
            inline=False,
        )
    if nudge.why:
        embed.add_field(name="Why", value=clip(nudge.why, FIELD_VALUE_LIMIT), inline=False)
    if nudge.suggestion:
        embed.add_field(
            name="Try instead", value=clip(nudge.suggestion, FIELD_VALUE_LIMIT), inline=False
        )
    if nudge.link:
        embed.add_field(name="Guideline", value=clip(nudge.link, FIELD_VALUE_LIMIT), inline=False)
    if jump_url:
        embed.add_field(name="Your message", value=f"[Jump to it]({jump_url})", inline=False)
    embed.set_footer(text="Only you can see this. Rate the tip below, or use /coach snooze.")
    return embed


@dataclass(slots=True)
class RenderedResponse:
    """A response ready for discord.py: embeds, buttons and optional files."""

    embeds: list[discord.Embed]
    buttons: list[Button] = field(default_factory=list)
    files: list[discord.File] = field(default_factory=list)


def render_response(response: Response, *, notes: tuple[str, ...] = ()) -> RenderedResponse:
    """Turn a neutral Response into embeds (split to fit Discord's limits) plus files.

    `notes` are extra lines shown first (e.g. that DMs could not be delivered).
    """
    colour = COLOUR_ERROR if response.error else COLOUR_INFO
    title = clip(response.title or "Coachbot", TITLE_LIMIT)
    blocks: list[str] = list(notes)
    fields: list[tuple[str, str]] = []
    for section in response.sections:
        text = section.text.strip()
        if section.heading:
            text = f"**{section.heading}**\n{text}" if text else f"**{section.heading}**"
        if text:
            blocks.append(text)
        fields.extend(section.fields)

    embeds: list[discord.Embed] = []
    current = discord.Embed(title=title, colour=colour)
    description = ""
    for block in blocks:
        for chunk in _chunks(block, DESCRIPTION_LIMIT):
            candidate = f"{description}\n\n{chunk}" if description else chunk
            if len(candidate) > DESCRIPTION_LIMIT:
                current.description = description
                embeds.append(current)
                current = discord.Embed(colour=colour)
                candidate = chunk
            description = candidate
    current.description = description or None
    for name, value in fields:
        if len(current.fields) >= FIELDS_PER_EMBED:
            embeds.append(current)
            current = discord.Embed(colour=colour)
        current.add_field(
            name=clip(name or "\u200b", FIELD_NAME_LIMIT),
            value=clip(value or "\u200b", FIELD_VALUE_LIMIT),
            inline=True,
        )
    embeds.append(current)

    files: list[discord.File] = []
    if response.attachment is not None:
        filename, payload = response.attachment
        files.append(discord.File(io.BytesIO(payload), filename=filename))
        if filename.lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".webp")):
            embeds[0].set_image(url=f"attachment://{filename}")
    if response.data is not None:
        payload_bytes = json.dumps(response.data, indent=2, default=str).encode()
        files.append(discord.File(io.BytesIO(payload_bytes), filename="coachbot-data.json"))

    return RenderedResponse(embeds=_fit(embeds), buttons=list(response.buttons), files=files)


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _embed_chars(embed: discord.Embed) -> int:
    total = len(embed.title or "") + len(embed.description or "")
    total += sum(len(f.name or "") + len(f.value or "") for f in embed.fields)
    return total + len(embed.footer.text or "")


def _fit(embeds: list[discord.Embed]) -> list[discord.Embed]:
    """Keep at most 10 embeds and 6000 characters per message; mark anything cut off."""
    kept: list[discord.Embed] = []
    used = 0
    for embed in embeds:
        size = _embed_chars(embed)
        if len(kept) >= EMBEDS_PER_MESSAGE or used + size > TOTAL_CHARS_PER_MESSAGE:
            if kept:
                kept[-1].set_footer(text="(shortened to fit Discord's message limits)")
            break
        kept.append(embed)
        used += size
    return kept
