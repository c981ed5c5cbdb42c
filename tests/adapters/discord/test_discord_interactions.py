"""Interaction-level tests: real discord.Interaction objects from raw payloads, fed to the tree.

The client logs in against the local REST stand-in (no gateway), so every answer is a real
HTTP request we can inspect: callback type (4 = message, 5 = deferred), flags (64 = ephemeral).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord_harness import HOSTILE, new_user
from fake_discord import FakeDiscord

from bot.adapters.discord.client import CoachbotClient, apply_endpoint_overrides
from bot.adapters.discord.config import DiscordConfig
from bot.coaching.coach import Coach
from bot.coaching.models import CommandContext, Response

EPHEMERAL = 64


@pytest.fixture
async def client(
    fake: FakeDiscord, coach: Coach, endpoint_overrides: None
) -> AsyncIterator[CoachbotClient]:
    """A CoachbotClient logged in (REST only) against the stand-in."""
    config = DiscordConfig(token=fake.token, api_base=fake.api_base, gateway_url=fake.gateway_url)
    apply_endpoint_overrides(config)
    bot = CoachbotClient(config, coach)
    # Deterministic: answer directly unless a test wants the deferral (a loaded CI machine
    # must not turn an immediate answer into a deferred one).
    bot.commands.answer_within = 60.0
    await bot.login(fake.token)
    yield bot
    await bot.close()


async def invoke(client: CoachbotClient, payload: dict[str, Any]) -> discord.Interaction[Any]:
    """Build the Interaction exactly as the gateway parser would, and run it through the tree."""
    interaction: discord.Interaction[Any] = discord.Interaction(
        data=payload,  # type: ignore[arg-type]
        state=client._connection,
    )
    await client.tree._call(interaction)
    return interaction


def answers(fake: FakeDiscord, payload: dict[str, Any]) -> list[Any]:
    """The REST requests answering this interaction, in order."""
    return [r for r in fake.requests if payload["token"] in r.path]


def embed_text(body: dict[str, Any]) -> str:
    """Every embed's text in a message body."""
    out = []
    for embed in body.get("embeds") or []:
        out += [embed.get("title") or "", embed.get("description") or ""]
        out += [f"{f['name']} {f['value']}" for f in embed.get("fields") or []]
    return "\n".join(out)


async def test_help_is_an_immediate_ephemeral_message(
    client: CoachbotClient, fake: FakeDiscord
) -> None:
    payload = fake.command_payload(new_user("ann"), ["coach", "help"])
    await invoke(client, payload)
    (callback,) = answers(fake, payload)
    assert callback.path.endswith("/callback")
    assert callback.body["type"] == 4
    assert callback.body["data"]["flags"] == EPHEMERAL
    assert "/coach check" in embed_text(callback.body["data"])


async def test_check_hands_the_draft_to_the_coach(
    client: CoachbotClient, fake: FakeDiscord
) -> None:
    payload = fake.command_payload(new_user("ben"), ["coach", "check"], {"draft": HOSTILE})
    await invoke(client, payload)
    (callback,) = answers(fake, payload)
    assert callback.body["data"]["flags"] == EPHEMERAL
    assert "tip" in embed_text(callback.body["data"]).lower()


@pytest.mark.parametrize(
    ("path", "options"),
    [
        (["coach", "config", "show"], {}),
        (["coach", "config", "set"], {"key": "min_level", "value": "tip"}),
        (["coach", "digest", "preview"], {}),
    ],
)
async def test_admin_subcommands_refuse_members_without_manage_server(
    client: CoachbotClient,
    fake: FakeDiscord,
    coach: Coach,
    path: list[str],
    options: dict[str, str],
) -> None:
    workspace = str(fake.guild.id)
    before = coach.settings(workspace)
    payload = fake.command_payload(new_user("cal"), path, options)
    await invoke(client, payload)
    (callback,) = answers(fake, payload)
    assert callback.body["data"]["flags"] == EPHEMERAL
    assert "Manage Server" in embed_text(callback.body["data"])
    assert coach.settings(workspace) == before


async def test_manage_server_from_the_interaction_permissions_is_enough(
    client: CoachbotClient, fake: FakeDiscord, coach: Coach
) -> None:
    """The guild is not cached here: the admin right comes from the payload's permissions."""
    dee = new_user("dee")
    fake.guild.admins.add(int(dee["id"]))
    payload = fake.command_payload(
        dee, ["coach", "config", "set"], {"key": "digest.channel", "value": "<#12345>"}
    )
    interaction = await invoke(client, payload)
    assert interaction.guild is not None and interaction.permissions.manage_guild
    (callback,) = answers(fake, payload)
    assert "Manage Server" not in embed_text(callback.body["data"])
    assert coach.settings(str(fake.guild.id)).digest_channel == "12345"


class SlowCoach(Coach):
    """The real Coach whose `/coach` answers wait until the test lets them go."""

    release = threading.Event()

    def command(self, ctx: CommandContext, text: str) -> Response:
        """Wait for the release, then answer as usual."""
        assert self.release.wait(30)
        return super().command(ctx, text)


async def test_slow_answers_are_deferred_ephemerally_then_followed_up(
    fake: FakeDiscord, coach: Coach, endpoint_overrides: None
) -> None:
    slow = SlowCoach(coach.engine, coach.store)
    SlowCoach.release.clear()
    config = DiscordConfig(token=fake.token, api_base=fake.api_base, gateway_url=fake.gateway_url)
    apply_endpoint_overrides(config)
    client = CoachbotClient(config, slow)
    client.commands.answer_within = 0.01
    await client.login(fake.token)
    try:
        payload = fake.command_payload(new_user("eve"), ["coach", "stats"])
        running = asyncio.create_task(invoke(client, payload))
        (deferred,) = await fake.wait_for(lambda: answers(fake, payload), 10)
        assert deferred.body == {"type": 5, "data": {"flags": EPHEMERAL}}
        SlowCoach.release.set()
        await asyncio.wait_for(running, 10)
        followup = answers(fake, payload)[-1]
        assert followup.method == "POST" and followup.path.startswith("/webhooks/")
        assert followup.body["flags"] == EPHEMERAL
        assert followup.body["embeds"]
    finally:
        SlowCoach.release.set()
        await client.close()


async def test_mydata_is_deferred_and_attaches_the_json(
    client: CoachbotClient, fake: FakeDiscord
) -> None:
    payload = fake.command_payload(new_user("fay"), ["coach", "mydata"])
    await invoke(client, payload)
    deferred, followup = answers(fake, payload)
    assert deferred.body["type"] == 5
    assert followup.body["flags"] == EPHEMERAL
    assert [f["filename"] for f in followup.body["_files"]] == ["coachbot-data.json"]


async def test_forget_asks_for_confirmation_with_a_persistent_button(
    client: CoachbotClient, fake: FakeDiscord
) -> None:
    payload = fake.command_payload(new_user("gus"), ["coach", "forget"])
    await invoke(client, payload)
    (callback,) = answers(fake, payload)
    ids = [
        c["custom_id"]
        for row in callback.body["data"].get("components", [])
        for c in row["components"]
    ]
    assert "coach:forget:confirm" in ids


class BrokenCoach(Coach):
    """The real Coach whose command router fails (an outage)."""

    def command(self, ctx: CommandContext, text: str) -> Response:
        """Fail like a database outage would."""
        raise ConnectionError("database unreachable")


async def test_an_outage_still_gets_a_private_answer(
    fake: FakeDiscord, coach: Coach, endpoint_overrides: None
) -> None:
    config = DiscordConfig(token=fake.token, api_base=fake.api_base, gateway_url=fake.gateway_url)
    apply_endpoint_overrides(config)
    client = CoachbotClient(config, BrokenCoach(coach.engine, coach.store))
    client.commands.answer_within = 60.0
    await client.login(fake.token)
    try:
        payload = fake.command_payload(new_user("hal"), ["coach", "rules"])
        await invoke(client, payload)
        (callback,) = answers(fake, payload)
        assert callback.body["data"]["flags"] == EPHEMERAL
        assert "could not answer" in embed_text(callback.body["data"])
    finally:
        await client.close()


async def test_digest_preview_for_an_admin_is_deferred_and_carries_the_chart(
    client: CoachbotClient, fake: FakeDiscord
) -> None:
    ivy = new_user("ivy")
    fake.guild.admins.add(int(ivy["id"]))
    payload = fake.command_payload(ivy, ["coach", "digest", "preview"])
    await invoke(client, payload)
    deferred, followup = answers(fake, payload)
    assert deferred.body == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert followup.body["flags"] == EPHEMERAL
    files = [f["filename"] for f in followup.body.get("_files", [])]
    assert files == ["digest.png"]
    assert followup.body["embeds"][0]["image"]["url"] == "attachment://digest.png"


async def test_a_subcommand_this_version_lacks_gets_a_private_usage_note(
    client: CoachbotClient, fake: FakeDiscord
) -> None:
    # (A client with a stale command list can still send one.)
    payload = fake.command_payload(new_user("ivy"), ["coach", "bogus"])
    interaction: discord.Interaction[Any] = discord.Interaction(
        data=payload,  # type: ignore[arg-type]
        state=client._connection,
    )
    # As the tree's own invoker does: an error of the lookup goes to the tree's error handler.
    try:
        await client.tree._call(interaction)
    except discord.app_commands.AppCommandError as error:
        await client.tree._dispatch_error(interaction, error)
    (callback,) = answers(fake, payload)
    assert callback.body["type"] == 4 and callback.body["data"]["flags"] == EPHEMERAL
    assert "/coach help" in callback.body["data"]["content"]


async def test_anyone_turns_their_own_personal_digest_on_and_off(
    client: CoachbotClient, fake: FakeDiscord, coach: Coach
) -> None:
    jo = new_user("jo")
    for word, wanted in (("on", True), ("off", False)):
        payload = fake.command_payload(jo, ["coach", "digest", word])
        await invoke(client, payload)
        (callback,) = answers(fake, payload)
        assert callback.body["data"]["flags"] == EPHEMERAL
        guild = str(payload["guild_id"])
        assert coach.store.prefs(guild, str(jo["id"])).personal_digest is wanted
