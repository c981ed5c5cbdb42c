"""A Discord reply names the author it answers, pinged or not (live messages)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

from bot.adapters.discord.client import to_message

ALICE = {"id": "101", "username": "alice", "discriminator": "0", "avatar": None}
BOB = {"id": "102", "username": "bob", "discriminator": "0", "avatar": None}


@pytest.fixture
async def channel() -> AsyncIterator[discord.TextChannel]:
    """A guild text channel on a client's connection state (nothing connects)."""
    client = discord.Client(intents=discord.Intents.default())
    state = client._connection
    guild = discord.Guild(data={"id": "900", "name": "g"}, state=state)  # type: ignore[typeddict-item]
    yield discord.TextChannel(
        state=state,
        guild=guild,
        data={"id": "910", "type": 0, "name": "general", "position": 0, "guild_id": "900"},  # type: ignore[typeddict-item]
    )
    await client.close()


def payload(message_id: str, author: dict[str, Any], content: str, **extra: Any) -> dict[str, Any]:
    """A MESSAGE_CREATE payload in channel 910."""
    return {
        "id": message_id, "channel_id": "910", "guild_id": "900", "author": author,
        "content": content, "timestamp": "2024-03-04T10:03:00+00:00", "edited_timestamp": None,
        "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": False, "flags": 0, "components": [],
        "type": 0, **extra,
    }


def parse(channel: discord.TextChannel, data: dict[str, Any]) -> discord.Message:
    """Build the Message as discord.py's gateway parser does."""
    return discord.Message(state=channel._state, channel=channel, data=data)  # type: ignore[arg-type]


async def test_a_reply_mentions_the_author_it_replies_to(channel: discord.TextChannel) -> None:
    question = payload("2", ALICE, "Where do the release notes live?")
    reply = payload(
        "3", BOB, "In the wiki.", type=19,
        message_reference={"message_id": "2", "channel_id": "910", "guild_id": "900"},
        referenced_message=question,
    )
    assert to_message(parse(channel, reply)).mentions == ("101",)


async def test_a_pinging_reply_names_the_author_once(channel: discord.TextChannel) -> None:
    question = payload("2", ALICE, "Where do the release notes live?")
    reply = payload(
        "3", BOB, "In the wiki.", type=19, mentions=[ALICE],
        message_reference={"message_id": "2", "channel_id": "910", "guild_id": "900"},
        referenced_message=question,
    )
    assert to_message(parse(channel, reply)).mentions == ("101",)


async def test_a_reply_to_a_deleted_message_and_a_plain_message_mention_nobody(
    channel: discord.TextChannel,
) -> None:
    deleted = payload(
        "3", BOB, "In the wiki.", type=19,
        message_reference={"message_id": "2", "channel_id": "910", "guild_id": "900"},
        referenced_message=None,
    )
    assert to_message(parse(channel, deleted)).mentions == ()
    assert to_message(parse(channel, payload("4", BOB, "Morning all"))).mentions == ()
