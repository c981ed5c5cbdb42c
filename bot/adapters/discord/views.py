"""Persistent buttons: custom ids carry the coaching action id and value, so clicks survive restarts."""

from __future__ import annotations

import re
from typing import Any, Protocol, runtime_checkable

import discord

from bot.coaching.models import ACTION_PREFIX, Button

CUSTOM_ID_LIMIT = 100
# "coach:<group>:<name>" optionally followed by ":<value>", e.g. "coach:feedback:helpful:42".
CUSTOM_ID_TEMPLATE = re.compile(r"(?P<action>coach:[a-z_]+:[a-z_]+)(?::(?P<value>.*))?", re.DOTALL)

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}


def custom_id(action_id: str, value: str = "") -> str:
    """Encode an action id and its value as a Discord custom_id (at most 100 characters)."""
    if not action_id.startswith(ACTION_PREFIX) or not CUSTOM_ID_TEMPLATE.fullmatch(action_id):
        raise ValueError(f"not a coaching action id: {action_id!r}")
    encoded = f"{action_id}:{value}" if value else action_id
    if len(encoded) > CUSTOM_ID_LIMIT:
        raise ValueError(f"custom_id longer than {CUSTOM_ID_LIMIT} characters: {encoded!r}")
    return encoded


def parse_custom_id(encoded: str) -> tuple[str, str] | None:
    """Decode a custom_id made by `custom_id` into (action_id, value); None if it is not ours."""
    match = CUSTOM_ID_TEMPLATE.fullmatch(encoded)
    if match is None:
        return None
    return match["action"], match["value"] or ""


@runtime_checkable
class ActionHandler(Protocol):
    """What the client offers the buttons: hand a click to the coaching router."""

    async def handle_action(
        self, interaction: discord.Interaction[Any], action_id: str, value: str
    ) -> None:
        """Answer a button click."""


class CoachButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=CUSTOM_ID_TEMPLATE,
):
    """A coaching button whose custom_id is `<action id>:<value>`; clicks go to Coach.action."""

    def __init__(
        self,
        action_id: str,
        value: str = "",
        *,
        label: str = "Coachbot",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(
            discord.ui.Button(label=label[:80], style=style, custom_id=custom_id(action_id, value))
        )
        self.action_id = action_id
        self.value = value

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> CoachButton:
        """Rebuild the button from a clicked component's custom_id."""
        return cls(match["action"], match["value"] or "")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Forward the click to the client, which asks the coaching router."""
        client = interaction.client
        if isinstance(client, ActionHandler):
            await client.handle_action(interaction, self.action_id, self.value)


def build_view(buttons: list[Button]) -> discord.ui.View | None:
    """A persistent View (no timeout) holding the given buttons, or None when there are none."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:25]:
        view.add_item(
            CoachButton(
                button.action_id,
                button.value,
                label=button.label,
                style=_STYLES.get(button.style or "", discord.ButtonStyle.secondary),
            )
        )
    return view
