"""`coachbot run discord` as a real subprocess: a smoke test against the stand-in, config errors."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from discord_harness import HOSTILE, new_user
from fake_discord import FakeDiscord


def coachbot_command() -> list[str]:
    """The installed `coachbot` script next to this interpreter (else the module entry point)."""
    script = Path(sys.executable).parent / "coachbot"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from bot.cli import main; main()"]


def base_env(**extra: str) -> dict[str, str]:
    """The environment without any Discord/Coachbot variables from the outside, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "COACHBOT_DATABASE_URL", "COACHBOT_DISCORD"))
    }
    env.update(extra)
    return env


async def test_coachbot_run_discord_smoke(fake: FakeDiscord, tmp_path: Path) -> None:
    env = base_env(
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        COACHBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'coach.db'}",
    )
    process = await asyncio.create_subprocess_exec(
        *coachbot_command(),
        "run",
        "discord",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output = asyncio.ensure_future(process.communicate())
    try:
        await fake.wait_ready(timeout=60)
        await fake.wait_for(lambda: "global" in fake.registered_commands, 30)
        alice = new_user("alice")
        await fake.dispatch("MESSAGE_CREATE", fake.message_payload(alice, HOSTILE))
        (dm,) = await fake.wait_for(lambda: fake.dms_to(int(alice["id"])), 30)
        assert dm["embeds"][0]["description"]
        assert fake.channel_posts() == []
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(output, 30)
    assert process.returncode == 0, stderr.decode()[-2000:]
    # Privacy: the message text never reaches the logs.
    assert HOSTILE.encode() not in stdout + stderr


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "DISCORD_TOKEN"),
        ({"DISCORD_TOKEN": "   "}, "DISCORD_TOKEN"),
        ({"DISCORD_API_BASE": "discord.com/api/v10"}, "DISCORD_API_BASE"),
        ({"DISCORD_GATEWAY_URL": "https://gateway.example"}, "DISCORD_GATEWAY_URL"),
        ({"DISCORD_SHARD_COUNT": "two"}, "DISCORD_SHARD_COUNT"),
        ({"DISCORD_SHARD_IDS": "0,1"}, "DISCORD_SHARD_IDS"),
        ({"DISCORD_SHARD_IDS": "0,5", "DISCORD_SHARD_COUNT": "2"}, "DISCORD_SHARD_IDS"),
        ({"COACHBOT_DATABASE_URL": "not a url"}, "COACHBOT_DATABASE_URL"),
    ],
)
async def test_bad_configuration_exits_2_naming_the_variable_before_connecting(
    fake: FakeDiscord, env: dict[str, str], variable: str
) -> None:
    settings = {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }
    settings.update(env)
    if not env:
        del settings["DISCORD_TOKEN"]
    process = await asyncio.create_subprocess_exec(
        *coachbot_command(),
        "run",
        "discord",
        env=base_env(**settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert variable in stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert fake.requests == [] and fake.identifies == []


async def run_to_exit(env: dict[str, str]) -> tuple[int | None, str]:
    """Run `coachbot run discord` until it exits; return its code and stderr."""
    process = await asyncio.create_subprocess_exec(
        *coachbot_command(),
        "run",
        "discord",
        env=base_env(**env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, stderr.decode()


async def test_a_token_discord_rejects_exits_2_naming_the_variable(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    code, stderr = await run_to_exit(
        {
            "DISCORD_TOKEN": "wrong-token",
            "DISCORD_API_BASE": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "COACHBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'coach.db'}",
        }
    )
    assert code == 2
    assert "DISCORD_TOKEN" in stderr and "Traceback" not in stderr
    assert [r.status for r in fake.requests] == [401]
    assert fake.identifies == []


async def test_an_unreachable_api_is_reported_without_a_traceback(tmp_path: Path) -> None:
    closed = FakeDiscord()  # started and stopped again: its port is now closed
    await closed.start()
    api_base, gateway_url = closed.api_base, closed.gateway_url
    await closed.stop()
    code, stderr = await run_to_exit(
        {
            "DISCORD_TOKEN": "tok",
            "DISCORD_API_BASE": api_base,
            "DISCORD_GATEWAY_URL": gateway_url,
            "COACHBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'coach.db'}",
        }
    )
    assert code == 1
    assert "could not connect to Discord" in stderr and api_base in stderr
    assert "Traceback" not in stderr
