"""End to end through the real command: `coachbot run slack` as a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.slack.fake_slack import FakeSlack
from tests.e2e.slack.harness import HOSTILE, SIGNING_SECRET, message_event, sign

COACHBOT = Path(sys.executable).parent / "coachbot"
pytestmark = pytest.mark.skipif(not COACHBOT.exists(), reason="coachbot console script missing")


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(tmp_path: Path, api_url: str = "http://127.0.0.1:9/api/") -> dict[str, str]:
    """A clean environment: only what the run contract reads (plus PATH/HOME)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COACHBOT_"))}
    env.pop("PORT", None)
    env.update(
        {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-process-token",
            "SLACK_API_URL": api_url,
            "COACHBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'coachbot.db'}",
        }
    )
    return env


async def _run(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        str(COACHBOT), *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, stderr.decode()


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN"),
        ({"SLACK_API_URL": "slack.example.com/api"}, "SLACK_API_URL"),
        ({"COACHBOT_DATABASE_URL": "not a url"}, "COACHBOT_DATABASE_URL"),
        ({"PORT": "eighty"}, "PORT"),
    ],
    ids=["no-secret", "no-token", "user-token", "half-oauth", "app-token", "api-url",
         "database-url", "port"],
)
async def test_bad_configuration_exits_2_naming_the_variable(
    tmp_path: Path, change: dict[str, str], variable: str
) -> None:
    env = base_env(tmp_path)
    env.update(change)
    env = {k: v for k, v in env.items() if v}
    port = free_port()
    args = ["run", "slack"] if variable == "PORT" else ["run", "slack", "--port", str(port)]
    code, stderr = await _run(args, env)
    assert code == 2
    assert variable in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "coachbot.db").exists()  # failed before touching the database


async def test_bad_port_option_exits_2(tmp_path: Path) -> None:
    code, stderr = await _run(["run", "slack", "--port", "70000"], base_env(tmp_path))
    assert code == 2
    assert "--port" in stderr


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    """The Web API stand-in for the subprocess."""
    server = FakeSlack()
    await server.start()
    yield server
    await server.stop()


async def _wait_healthy(session: aiohttp.ClientSession, url: str,
                        proc: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.returncode is None, "coachbot run slack exited early"
        try:
            async with session.get(f"{url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.05)  # polling a condition (the port opening), with a deadline
    raise AssertionError("coachbot run slack never became healthy")


async def test_run_slack_serves_signed_events_and_stops_cleanly(
    tmp_path: Path, fake: FakeSlack
) -> None:
    port = free_port()
    env = base_env(tmp_path, fake.url)
    env["PORT"] = str(port)  # the default port comes from $PORT
    proc = await asyncio.create_subprocess_exec(
        str(COACHBOT), "run", "slack", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            await _wait_healthy(session, url, proc)
            challenge = json.dumps({"type": "url_verification", "challenge": "abc"})
            async with session.post(f"{url}/slack/events", data=challenge, headers={
                "Content-Type": "application/json", **sign(challenge)
            }) as response:
                assert response.status == 200
                assert (await response.json())["challenge"] == "abc"

            body = json.dumps(message_event(HOSTILE, user="U0CAROL", channel="C0OPS"))
            async with session.post(f"{url}/slack/events", data=body, headers={
                "Content-Type": "application/json", **sign(body)
            }) as response:
                assert response.status == 200
            [call] = await fake.wait_for("chat.postEphemeral", timeout=30)
            assert (call.params["user"], call.params["channel"]) == ("U0CAROL", "C0OPS")
            assert call.token == "xoxb-process-token"

            forged = {"Content-Type": "application/json", **sign(body, secret="wrong")}
            async with session.post(f"{url}/slack/events", data=body,
                                    headers=forged) as response:
                assert response.status == 401
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 30)
    logs = stdout.decode() + stderr.decode()
    assert proc.returncode == 0, logs[-2000:]
    assert "idiot" not in logs  # no message text in the logs


async def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, stderr = await _run(["run", "slack", "--port", str(port)], base_env(tmp_path))
    assert code == 1
    assert f"cannot listen on port {port}" in stderr
    assert "Traceback" not in stderr
