"""End to end: a real discord.py Coachbot client against the local Discord REST + gateway stand-in."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from discord_harness import FRIENDLY, HOSTILE, RunningBot, new_user, running_bot
from fake_discord import FakeDiscord

from bot.adapters.discord.embeds import DM_CLOSED_NOTE
from bot.coaching.coach import Coach

EPHEMERAL = 64


def answer_of(requests: list[Any]) -> dict[str, Any]:
    """The message data of an interaction's visible answer (callback data or follow-up body)."""
    for request in requests:
        if request.path.endswith("/callback") and request.body.get("type") in (4, 7):
            return dict(request.body["data"])
        if request.path.startswith("/webhooks/"):
            return dict(request.body)
    raise AssertionError("the interaction was not answered")


def answer_text(data: dict[str, Any]) -> str:
    """All the text of the embeds in an answer."""
    parts: list[str] = []
    for embed in data.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields") or []]
    return "\n".join(parts)


async def test_hostile_message_gets_a_private_dm_and_nothing_in_the_channel(
    bot: RunningBot,
) -> None:
    alice = new_user("alice")
    await bot.send(alice, HOSTILE)

    dms = bot.fake.dms_to(int(alice["id"]))
    assert len(dms) == 1
    embed = dms[0]["embeds"][0]
    assert embed["title"] and embed["description"]
    assert any(f["name"] == "Try instead" for f in embed["fields"])
    buttons = [c["custom_id"] for row in dms[0]["components"] for c in row["components"]]
    nudge_id = bot.coach.store.nudges(str(bot.fake.guild.id))[0].id
    assert buttons == [
        f"coach:feedback:helpful:{nudge_id}",
        f"coach:feedback:not_helpful:{nudge_id}",
        f"coach:feedback:snooze:{nudge_id}",
    ]
    assert bot.fake.channel_posts() == []
    record = bot.coach.store.nudge(nudge_id)
    assert record is not None and record.delivered


async def test_friendly_message_gets_nothing(bot: RunningBot) -> None:
    bob = new_user("bob")
    await bot.send(bob, FRIENDLY)
    assert bot.fake.find("POST", "/users/@me/channels") == []
    assert bot.fake.find("POST", "/messages") == []


@pytest.mark.parametrize(
    "kind",
    ["bot_author", "webhook", "system_join"],
)
async def test_bots_webhooks_and_system_messages_are_ignored(bot: RunningBot, kind: str) -> None:
    author = new_user("someone")
    options: dict[str, Any] = {}
    if kind == "bot_author":
        author["bot"] = True
    elif kind == "webhook":
        options["webhook_id"] = 4242
    else:
        options["message_type"] = 7  # member join
    await bot.send(author, HOSTILE, **options)
    assert bot.fake.find("POST", "/messages") == []
    assert bot.coach.store.nudges(str(bot.fake.guild.id)) == []


async def test_coach_help_is_answered_ephemerally(bot: RunningBot) -> None:
    requests = await bot.command(new_user("carol"), "coach", "help")
    data = answer_of(requests)
    assert data["flags"] & EPHEMERAL
    assert "coach" in answer_text(data).lower()
    assert bot.fake.channel_posts() == []


async def test_commands_were_synced_globally_in_setup_hook(bot: RunningBot) -> None:
    (command,) = bot.fake.registered_commands["global"]
    assert command["name"] == "coach"
    names = {option["name"] for option in command["options"]}
    assert {"help", "check", "stats", "snooze", "pause", "resume", "optout", "optin"} <= names
    assert {"mydata", "forget", "rules", "digest", "config"} <= names


async def test_closed_dms_are_recorded_once_and_not_retried(bot: RunningBot) -> None:
    dave = new_user("dave")
    bot.fake.closed_dm_users.add(int(dave["id"]))
    await bot.send(dave, HOSTILE)

    attempts = bot.fake.find("POST", "/channels/")
    assert [r.status for r in attempts] == [403]
    workspace = str(bot.fake.guild.id)
    (nudge,) = bot.coach.store.nudges(workspace)
    assert not nudge.delivered and nudge.error == "dm_closed"
    assert bot.coach.store.prefs(workspace, dave["id"]).dm_closed

    # More hostile messages: no further DM attempts (no retry loop).
    await bot.send(dave, "this is stupid, you people are idiots")
    await bot.send(dave, HOSTILE + " seriously")
    assert len(bot.fake.find("POST", "/channels/")) == 1

    # Next /coach use: an ephemeral note on how to enable DMs, shown once.
    data = answer_of(await bot.command(dave, "coach", "help"))
    assert data["flags"] & EPHEMERAL
    assert DM_CLOSED_NOTE in answer_text(data)
    again = answer_of(await bot.command(dave, "coach", "help"))
    assert DM_CLOSED_NOTE not in answer_text(again)


async def test_config_by_a_non_admin_is_refused(bot: RunningBot) -> None:
    erin = new_user("erin")
    for path in (("coach", "config", "show"), ("coach", "digest", "preview")):
        data = answer_of(await bot.command(erin, *path))
        assert data["flags"] & EPHEMERAL
        assert "Manage Server" in answer_text(data)

    data = answer_of(
        await bot.command(erin, "coach", "config", "set", key="min_level", value="nudge")
    )
    assert "Manage Server" in answer_text(data)


async def test_config_by_an_admin_is_answered(bot: RunningBot) -> None:
    frank = new_user("frank")
    bot.fake.guild.admins.add(int(frank["id"]))
    data = answer_of(await bot.command(frank, "coach", "config", "show"))
    assert data["flags"] & EPHEMERAL
    assert "Manage Server" not in answer_text(data)


async def test_feedback_button_reaches_the_coach(bot: RunningBot) -> None:
    gina = new_user("gina")
    await bot.send(gina, HOSTILE)
    (dm,) = bot.fake.dms_to(int(gina["id"]))
    custom_id = dm["components"][0]["components"][1]["custom_id"]
    nudge_id = int(custom_id.rsplit(":", 1)[1])

    click = bot.fake.button_payload(gina, custom_id, message=dm)
    await bot.fake.dispatch("INTERACTION_CREATE", click, shard_id=0)
    await bot.answers(click)
    record = bot.coach.store.nudge(nudge_id)
    assert record is not None and record.feedback == "not_helpful"


async def test_the_client_resumes_after_a_dropped_connection(bot: RunningBot) -> None:
    old_session = bot.fake.sessions[0].session_id
    await bot.fake.drop_connection(0)
    await bot.fake.wait_for(lambda: bot.fake.resumes and 0 in bot.fake.sessions)
    assert bot.fake.resumes[0]["session_id"] == old_session

    hank = new_user("hank")
    await bot.send(hank, HOSTILE)
    assert len(bot.fake.dms_to(int(hank["id"]))) == 1


async def test_automatic_sharding_uses_the_gateway_override(
    coach: Coach, endpoint_overrides: None
) -> None:
    fake = await FakeDiscord(shard_count=2, guild_count=0).start()
    first = fake.add_guild("zero", shard_id=0)
    second = fake.add_guild("one", shard_id=1)
    try:
        async with running_bot(fake, coach) as bot:
            assert fake.find("GET", "/gateway/bot")  # asked only for the shard count
            assert sorted(i["shard"][0] for i in fake.identifies) == [0, 1]
            ivy = new_user("ivy")
            await bot.send(ivy, HOSTILE, guild=second)
            await bot.send(ivy, "what a dumb idea, you idiot", guild=first)
            assert len(fake.dms_to(int(ivy["id"]))) == 2
    finally:
        await fake.stop()


async def test_a_subset_of_shards_runs_in_this_process(
    coach: Coach, endpoint_overrides: None
) -> None:
    fake = await FakeDiscord(shard_count=2, guild_count=0).start()
    fake.add_guild("zero", shard_id=0)
    fake.add_guild("one", shard_id=1)
    try:
        async with running_bot(fake, coach, shard_ids=(1,), shard_count=2):
            assert [i["shard"] for i in fake.identifies] == [[1, 2]]
            assert fake.find("GET", "/gateway/bot") == []
    finally:
        await fake.stop()


async def test_dev_guild_syncs_commands_to_that_guild_only(
    fake: FakeDiscord, coach: Coach, endpoint_overrides: None
) -> None:
    guild_id = fake.guild.id
    async with running_bot(fake, coach, dev_guild=guild_id):
        assert list(fake.registered_commands) == [str(guild_id)]
        assert fake.registered_commands[str(guild_id)][0]["name"] == "coach"


async def test_rest_failures_are_counted_and_logged_without_text(
    bot: RunningBot, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    from prometheus_client import REGISTRY

    def failures() -> float:
        value = REGISTRY.get_sample_value(
            "coachbot_discord_rest_failures_total",
            {"method": "POST", "route": "/channels/{channel_id}/messages", "status": "403"},
        )
        return value or 0.0

    before = failures()
    jack = new_user("jack")
    bot.fake.closed_dm_users.add(int(jack["id"]))
    await bot.send(jack, HOSTILE)
    assert failures() == before + 1
    captured = capsys.readouterr()
    logs = captured.out + captured.err + caplog.text
    assert "discord_rest_failed" in logs and "/channels/{channel_id}/messages" in logs
    assert HOSTILE not in logs and "idiot" not in logs


async def test_interaction_answer_waits_on_nothing_else(bot: RunningBot) -> None:
    """Two people's commands run concurrently; each gets its own private answer."""
    users = [new_user(f"user{i}") for i in range(3)]
    results = await asyncio.gather(*(bot.command(u, "coach", "help") for u in users))
    for requests in results:
        assert answer_of(requests)["flags"] & EPHEMERAL


async def test_replayed_dispatch_nudges_once_on_each_database(
    fake: FakeDiscord, database_url: str, endpoint_overrides: None
) -> None:
    """The same MESSAGE_CREATE delivered twice (a gateway replay) gives one DM; SQLite and PG."""
    coach = Coach.create(database_url=database_url)
    try:
        async with running_bot(fake, coach) as bot:
            kim = new_user("kim")
            payload = await bot.send(kim, HOSTILE)
            replayed = bot.handled[int(payload["id"])]
            replayed.clear()
            await fake.dispatch("MESSAGE_CREATE", payload)
            await asyncio.wait_for(replayed.wait(), 15)
            assert len(fake.dms_to(int(kim["id"]))) == 1
            assert len(coach.store.nudges(str(fake.guild.id))) == 1
    finally:
        coach.close()


async def test_thread_messages_are_coached_under_their_parent_channel(bot: RunningBot) -> None:
    lee = new_user("lee")
    guild = bot.fake.guild
    await bot.send(lee, HOSTILE, channel_id=guild.thread_id)
    assert len(bot.fake.dms_to(int(lee["id"]))) == 1
    (nudge,) = bot.coach.store.nudges(str(guild.id))
    assert nudge.channel == str(guild.channel_id)
    assert bot.fake.find("POST", f"/channels/{guild.thread_id}/") == []
