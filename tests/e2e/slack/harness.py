"""Helpers for Slack end-to-end tests: signing, payload builders and the app harness."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack.app import SlackCoachApp
from bot.adapters.slack.config import SlackConfig, load_config
from bot.coaching.coach import Coach
from tests.e2e.slack.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack

SIGNING_SECRET = "e2e-signing-secret"
HOSTILE = "you are an idiot, did you even read it?"
FRIENDLY = "Thanks for the quick review, the change looks good to me."


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Headers exactly as Slack signs a request (v0 HMAC-SHA256 of timestamp and body)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


_ids = count(1)


def message_event(
    text: str,
    *,
    user: str = "U0ALICE",
    channel: str = "C0GENERAL",
    team: str = TEAM_ID,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    event_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An Events API envelope carrying one message event."""
    n = next(_ids)
    ts = f"{time.time():.6f}"
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type,
        "team": team,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(extra)
    return {
        "token": "unused",
        "team_id": team,
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": event_id or f"Ev{n:08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": BOT_USER_ID, "is_bot": True}],
        "event": event,
    }


def event_envelope(event: dict[str, Any], team: str = TEAM_ID) -> dict[str, Any]:
    """An Events API envelope for any event."""
    return {
        "team_id": team,
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": f"Ev{next(_ids):08d}",
        "event_time": int(time.time()),
        "event": event,
    }


@dataclass
class SlackHarness:
    """The running app, its Coach, the stand-in, and helpers to send signed requests."""

    app: SlackCoachApp
    coach: Coach
    fake: FakeSlack
    url: str
    session: aiohttp.ClientSession
    response_hooks: count = field(default_factory=lambda: count(1))

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> aiohttp.ClientResponse:
        """POST a raw body to /slack/events (signed unless told otherwise)."""
        all_headers = {"Content-Type": content_type}
        if signed:
            all_headers.update(sign(body))
        all_headers.update(headers or {})
        async with self.session.post(
            f"{self.url}/slack/events", data=body.encode(), headers=all_headers
        ) as response:
            await response.read()
            return response

    async def event(
        self, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        """Send an Events API payload (JSON)."""
        return await self.post(json.dumps(payload), "application/json", headers)

    async def command(self, text: str, user: str = "U0ALICE",
                      channel: str = "C0GENERAL") -> tuple[int, dict[str, Any]]:
        """Send `/coach <text>`; returns the status and the JSON body of the acknowledgement."""
        form = {
            "token": "unused",
            "team_id": TEAM_ID,
            "team_domain": "coach-test",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/coach",
            "text": text,
            "api_app_id": "A0APP",
            "response_url": self.fake.response_url(f"cmd{next(self.response_hooks)}"),
            "trigger_id": "1.2.3",
        }
        body = urlencode(form)
        all_headers = {"Content-Type": "application/x-www-form-urlencoded"}
        all_headers.update(sign(body))
        async with self.session.post(
            f"{self.url}/slack/events", data=body.encode(), headers=all_headers
        ) as response:
            raw = await response.text()
            return response.status, (json.loads(raw) if raw.strip() else {})

    async def click(
        self, action_id: str, value: str, *, user: str = "U0ALICE", channel: str = "C0GENERAL",
        home: bool = False,
    ) -> aiohttp.ClientResponse:
        """Send a block_actions payload for one button click (in a message or the App Home)."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "coach-test"},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": "A0APP",
            "trigger_id": "1.2.3",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if home:
            payload["container"] = {"type": "view", "view_id": "V1"}
            payload["view"] = {"id": "V1", "type": "home", "blocks": []}
        else:
            payload["container"] = {"type": "message", "is_ephemeral": True,
                                    "channel_id": channel}
            payload["channel"] = {"id": channel, "name": "general"}
            payload["response_url"] = self.fake.response_url(f"act{next(self.response_hooks)}")
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded")


def slack_config(fake: FakeSlack, database: Path, **env: str) -> SlackConfig:
    """A config as `coachbot run slack` would read it, pointed at the stand-in."""
    values = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-e2e-token",
        "SLACK_API_URL": fake.url,
        "COACHBOT_DATABASE_URL": f"sqlite:///{database}",
    }
    values.update(env)
    return load_config({k: v for k, v in values.items() if v}, port=1)


async def serve(app: SlackCoachApp) -> tuple[web.AppRunner, str]:
    """Serve the app's aiohttp application on a free port of 127.0.0.1."""
    runner = web.AppRunner(app.web_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


