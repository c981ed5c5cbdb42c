"""Fixtures: the local Discord stand-in, a real Coach on SQLite, and a running Coachbot client."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import discord
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from discord_harness import RunningBot, running_bot  # noqa: E402
from fake_discord import FakeDiscord  # noqa: E402

from bot.coaching.coach import Coach  # noqa: E402


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
