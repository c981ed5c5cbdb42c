"""DiscordConfig: the exact environment contract, with clear errors naming the variable."""

from __future__ import annotations

import discord
import pytest
import yarl

from bot.adapters.discord.client import apply_endpoint_overrides, coachbot_intents
from bot.adapters.discord.config import ConfigError, DiscordConfig


def test_only_the_token_is_required_and_unset_values_keep_defaults() -> None:
    config = DiscordConfig.from_env({"DISCORD_TOKEN": "abc.def"})
    assert config == DiscordConfig(token="abc.def")


def test_all_variables_are_read() -> None:
    config = DiscordConfig.from_env(
        {
            "DISCORD_TOKEN": " tok ",
            "DISCORD_API_BASE": "http://127.0.0.1:8080/api/v10/",
            "DISCORD_GATEWAY_URL": "wss://gateway.example:443/",
            "DISCORD_SHARD_IDS": "4-6, 0",
            "DISCORD_SHARD_COUNT": "8",
            "COACHBOT_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
            "COACHBOT_DISCORD_DEV_GUILD": "123456789012345678",
        }
    )
    assert config.token == "tok"
    assert config.api_base == "http://127.0.0.1:8080/api/v10"
    assert config.gateway_url == "wss://gateway.example:443/"
    assert config.shard_ids == (0, 4, 5, 6)
    assert config.shard_count == 8
    assert config.database_url == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert config.dev_guild == 123456789012345678


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "DISCORD_TOKEN"),
        ({"DISCORD_TOKEN": ""}, "DISCORD_TOKEN"),
        ({"DISCORD_TOKEN": "two words"}, "DISCORD_TOKEN"),
        ({"DISCORD_API_BASE": "ws://127.0.0.1/api"}, "DISCORD_API_BASE"),
        ({"DISCORD_API_BASE": "http://127.0.0.1:notaport/api"}, "DISCORD_API_BASE"),
        ({"DISCORD_GATEWAY_URL": "127.0.0.1:9000"}, "DISCORD_GATEWAY_URL"),
        ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT"),
        ({"DISCORD_SHARD_COUNT": "-1"}, "DISCORD_SHARD_COUNT"),
        ({"DISCORD_SHARD_IDS": "1", "DISCORD_SHARD_COUNT": "1"}, "DISCORD_SHARD_IDS"),
        ({"DISCORD_SHARD_IDS": "a,b", "DISCORD_SHARD_COUNT": "2"}, "DISCORD_SHARD_IDS"),
        ({"DISCORD_SHARD_IDS": "3-1", "DISCORD_SHARD_COUNT": "4"}, "DISCORD_SHARD_IDS"),
        ({"DISCORD_SHARD_IDS": "0"}, "DISCORD_SHARD_IDS"),
        ({"COACHBOT_DATABASE_URL": "::nonsense::"}, "COACHBOT_DATABASE_URL"),
        ({"COACHBOT_DISCORD_DEV_GUILD": "my-guild"}, "COACHBOT_DISCORD_DEV_GUILD"),
        ({"COACHBOT_METRICS_PORT": "70000"}, "COACHBOT_METRICS_PORT"),
        # Digits str.isdigit takes and int does not; a URL urlsplit cannot read; ranges and
        # counts too large to build.
        ({"DISCORD_SHARD_COUNT": "\u00b2"}, "DISCORD_SHARD_COUNT"),
        ({"DISCORD_SHARD_IDS": "\u00b2", "DISCORD_SHARD_COUNT": "4"}, "DISCORD_SHARD_IDS"),
        ({"COACHBOT_DISCORD_DEV_GUILD": "\u00b2"}, "COACHBOT_DISCORD_DEV_GUILD"),
        ({"COACHBOT_METRICS_PORT": "\u00b2"}, "COACHBOT_METRICS_PORT"),
        ({"DISCORD_API_BASE": "http://[::1/api"}, "DISCORD_API_BASE"),
        ({"DISCORD_SHARD_IDS": "0-999999999", "DISCORD_SHARD_COUNT": "2"}, "DISCORD_SHARD_IDS"),
        ({"DISCORD_SHARD_COUNT": "99999999999"}, "DISCORD_SHARD_COUNT"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], variable: str) -> None:
    full = {"DISCORD_TOKEN": "tok", **env} if env else {}
    with pytest.raises(ConfigError) as caught:
        DiscordConfig.from_env(full)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(variable)


def test_endpoint_overrides_set_route_base_and_default_gateway(endpoint_overrides: None) -> None:
    default_base = discord.http.Route.BASE
    default_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY

    apply_endpoint_overrides(DiscordConfig(token="t"))
    assert default_base == discord.http.Route.BASE
    assert default_gateway == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY

    apply_endpoint_overrides(
        DiscordConfig(
            token="t",
            api_base="http://127.0.0.1:1234/api/v10",
            gateway_url="ws://127.0.0.1:1234/gateway",
        )
    )
    assert discord.http.Route.BASE == "http://127.0.0.1:1234/api/v10"
    route = discord.http.Route("POST", "/interactions/{id}/{token}/callback", id=1, token="x")
    assert route.url == "http://127.0.0.1:1234/api/v10/interactions/1/x/callback"
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    assert isinstance(gateway, yarl.URL) and str(gateway) == "ws://127.0.0.1:1234/gateway"


def test_intents_are_exactly_the_four_needed() -> None:
    intents = coachbot_intents()
    expected = discord.Intents.none()
    expected.guilds = expected.guild_messages = expected.dm_messages = True
    expected.message_content = True
    assert intents == expected


def test_readme_invite_url_has_exactly_the_permissions_the_bot_needs() -> None:
    from pathlib import Path

    from bot.adapters.discord.client import INVITE_PERMISSIONS, invite_url

    readme = (Path(__file__).parents[3] / "README.md").read_text()
    section = readme.split("<!-- section:discord -->")[1].split("<!-- /section:discord -->")[0]
    assert f"permissions={INVITE_PERMISSIONS.value}" in section
    assert "Message Content" in section
    assert invite_url(1).endswith(f"permissions={INVITE_PERMISSIONS.value}")
    # View Channels | Send Messages | Embed Links | Attach Files, nothing more.
    assert INVITE_PERMISSIONS.value == 1024 | 2048 | 16384 | 32768
