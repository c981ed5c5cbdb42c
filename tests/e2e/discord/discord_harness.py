"""Test harness: run a real Coachbot client against the local Discord stand-in and wait on it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import discord
import pytest
from fake_discord import FakeDiscord, new_snowflake, user_payload

from bot.adapters.discord.client import CoachbotClient, apply_endpoint_overrides
from bot.adapters.discord.config import DiscordConfig
from bot.coaching.coach import Coach

HOSTILE = "you are an idiot, did you even read it?"
FRIENDLY = "Thanks for the review, the new retry logic looks great."


@dataclass
class RunningBot:
    """A CoachbotClient connected to the stand-in, with a way to wait for handled messages."""

    client: CoachbotClient
    fake: FakeDiscord
    coach: Coach
    handled: dict[int, asyncio.Event] = field(default_factory=dict)

    def on_handled(self, message: discord.Message) -> None:
        self.handled.setdefault(message.id, asyncio.Event()).set()

    async def send(self, author: dict[str, Any], content: str, **kwargs: Any) -> dict[str, Any]:
        """Dispatch MESSAGE_CREATE and wait until the bot finished handling it (DMs included)."""
        payload = self.fake.message_payload(author, content, **kwargs)
        event = self.handled.setdefault(int(payload["id"]), asyncio.Event())
        await self.fake.dispatch("MESSAGE_CREATE", payload)
        await asyncio.wait_for(event.wait(), 15)
        return payload

    async def command(self, user: dict[str, Any], *path: str, **options: Any) -> list[Any]:
        """Dispatch `/coach ...` and wait for the interaction's answer (callback or follow-up)."""
        payload = self.fake.command_payload(user, list(path), options)
        await self.fake.dispatch("INTERACTION_CREATE", payload)
        return await self.answers(payload)

    async def answers(self, payload: dict[str, Any]) -> list[Any]:
        """Wait until an interaction got its visible answer; return its REST requests."""
        token = payload["token"]

        def answered() -> list[Any] | None:
            found = [r for r in self.fake.requests if token in r.path]
            done = any(
                (r.path.endswith("/callback") and r.body.get("type") in (4, 7))
                or r.path.startswith("/webhooks/")
                for r in found
            )
            return found if done else None

        return await self.fake.wait_for(answered, 15)


def new_user(name: str) -> dict[str, Any]:
    """A fresh human user payload."""
    return user_payload(new_snowflake(), name)


@contextlib.asynccontextmanager
async def running_bot(fake: FakeDiscord, coach: Coach, **config: Any) -> AsyncIterator[RunningBot]:
    """Start a CoachbotClient in this event loop against `fake`; close it afterwards."""
    settings = replace(
        DiscordConfig(token=fake.token, api_base=fake.api_base, gateway_url=fake.gateway_url),
        **config,
    )
    apply_endpoint_overrides(settings)
    client = CoachbotClient(settings, coach, guild_ready_timeout=0.05)
    bot = RunningBot(client=client, fake=fake, coach=coach)
    client.on_message_handled = bot.on_handled
    task = asyncio.create_task(client.start(fake.token))
    try:
        ready = asyncio.create_task(client.wait_until_ready())
        await asyncio.wait({ready, task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()
        assert ready.done(), "the client did not become ready"
        yield bot
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


# --- fixtures (imported by the conftest.py files of the Discord test folders) ---


@pytest.fixture
def endpoint_overrides() -> Iterator[None]:
    """Restore discord.py's REST base and default gateway after a test changed them."""
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A one-shard, one-guild Discord stand-in on a free port of 127.0.0.1."""
    server = await FakeDiscord().start()
    yield server
    await server.stop()


@pytest.fixture
def coach(tmp_path: Path) -> Iterator[Coach]:
    """The real Coach (shipped rules, SQLite in tmp_path)."""
    instance = Coach.create(database_url=f"sqlite:///{tmp_path / 'coach.db'}")
    yield instance
    instance.close()


@pytest.fixture
async def bot(
    fake: FakeDiscord, coach: Coach, endpoint_overrides: None
) -> AsyncIterator[RunningBot]:
    """Coachbot running in-process against the stand-in."""
    async with running_bot(fake, coach) as running:
        yield running
