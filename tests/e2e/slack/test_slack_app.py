"""End to end: the real Bolt app over HTTP against the local Slack Web API stand-in."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack.app import DELIVERY_FAILURES
from tests.e2e.slack.fake_slack import BOT_ID, BOT_USER_ID, TEAM_ID
from tests.e2e.slack.harness import (
    FRIENDLY,
    HOSTILE,
    SIGNING_SECRET,
    SlackHarness,
    event_envelope,
    message_event,
    sign,
)


def _today_totals(slack: SlackHarness, user: str = "U0ALICE") -> int:
    today = datetime.now(UTC).date()
    totals = slack.coach.store.totals(TEAM_ID, today - timedelta(days=1), today + timedelta(days=2),
                                      user=user)
    return totals.messages


async def test_url_verification_echoes_the_challenge(slack: SlackHarness) -> None:
    body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"})
    async with slack.session.post(
        f"{slack.url}/slack/events", data=body,
        headers={"Content-Type": "application/json", **sign(body)},
    ) as response:
        assert response.status == 200
        assert (await response.json())["challenge"] == "c-123"


async def test_hostile_message_gets_a_private_nudge_to_its_author(slack: SlackHarness) -> None:
    response = await slack.event(message_event(HOSTILE, user="U0ALICE", channel="C0DEV"))
    assert response.status == 200
    [call] = await slack.fake.wait_for("chat.postEphemeral")
    assert call.params["channel"] == "C0DEV"
    assert call.params["user"] == "U0ALICE"
    assert call.token == "xoxb-e2e-token"
    action_ids = [
        element["action_id"]
        for block in call.params["blocks"] if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert action_ids == [
        "coach:feedback:helpful", "coach:feedback:not_helpful", "coach:feedback:snooze"
    ]
    await slack.app.idle()
    # Nothing public: no chat.postMessage about anyone.
    assert slack.fake.calls_of("chat.postMessage") == []
    [record] = slack.coach.store.nudges(TEAM_ID)
    assert record.delivered is True


async def test_nudge_for_a_thread_reply_stays_in_the_thread(slack: SlackHarness) -> None:
    await slack.event(message_event(HOSTILE, thread_ts="1700000000.000100"))
    [call] = await slack.fake.wait_for("chat.postEphemeral")
    assert call.params["thread_ts"] == "1700000000.000100"


async def test_friendly_message_gets_nothing_but_is_counted(slack: SlackHarness) -> None:
    response = await slack.event(message_event(FRIENDLY))
    assert response.status == 200
    await slack.app.idle()
    assert slack.fake.calls_of("chat.postEphemeral") == []
    assert _today_totals(slack) == 1


async def test_redelivery_with_retry_header_never_nudges_or_counts_twice(
    slack: SlackHarness,
) -> None:
    payload = message_event(HOSTILE)
    first = await slack.event(payload)
    await slack.fake.wait_for("chat.postEphemeral")
    await slack.app.idle()
    for attempt in (1, 2):
        retry = await slack.event(
            payload, headers={"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "timeout"}
        )
        assert retry.status == 200
    await slack.app.idle()
    assert first.status == 200
    assert len(slack.fake.calls_of("chat.postEphemeral")) == 1
    assert _today_totals(slack) == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"bot_id": BOT_ID, "subtype": "bot_message"},
        {"bot_id": "B0OTHER"},
        {"subtype": "bot_message", "username": "deploy-bot"},
        {"subtype": "channel_join"},
        {"subtype": "message_changed"},
        {"user": BOT_USER_ID},
        {"channel_type": "im"},
    ],
    ids=["own-bot", "other-bot", "bot_message", "join", "edit", "own-user", "dm"],
)
async def test_bot_and_non_human_messages_are_ignored_quietly(
    slack: SlackHarness, extra: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    payload = message_event(HOSTILE)
    payload["event"].update(extra)
    with caplog.at_level(logging.WARNING):
        response = await slack.event(payload)
        await slack.app.idle()
    assert response.status == 200
    assert slack.fake.calls_of("chat.postEphemeral") == []
    assert _today_totals(slack) == 0
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_unhandled_event_types_and_payloads_get_a_quiet_2xx(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        reaction = await slack.event(event_envelope(
            {"type": "reaction_added", "user": "U0ALICE", "reaction": "tada",
             "item": {"type": "message", "channel": "C0GENERAL", "ts": "1.2"}}
        ))
        shortcut = await slack.post(
            "payload=" + json.dumps({"type": "shortcut", "callback_id": "other",
                                     "team": {"id": TEAM_ID}, "user": {"id": "U0ALICE"},
                                     "trigger_id": "1"}),
            "application/x-www-form-urlencoded",
        )
        other_button = await slack.click("someone-elses-button", "1")
    assert (reaction.status, shortcut.status, other_button.status) == (200, 200, 200)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize("problem", ["forged", "stale", "missing", "wrong-secret"])
async def test_bad_signatures_get_exactly_401(slack: SlackHarness, problem: str) -> None:
    body = json.dumps(message_event(HOSTILE))
    headers = {"Content-Type": "application/json"}
    if problem == "forged":
        headers.update(sign(body))
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    elif problem == "stale":
        headers.update(sign(body, timestamp=int(time.time()) - 10 * 60))
    elif problem == "wrong-secret":
        headers.update(sign(body, secret="not-the-secret"))
    response = await slack.post(body, "application/json", headers=headers, signed=False)
    assert response.status == 401
    await slack.app.idle()
    assert slack.fake.calls_of("chat.postEphemeral") == []


async def test_failed_delivery_is_counted_recorded_and_survived(slack: SlackHarness) -> None:
    failures = DELIVERY_FAILURES.labels(what="nudge", error="channel_not_found")
    before = failures._value.get()
    slack.fake.fail("chat.postEphemeral", "channel_not_found")
    await slack.event(message_event(HOSTILE, channel="C0GONE"))
    await slack.fake.wait_for("chat.postEphemeral")
    await slack.app.idle()
    assert failures._value.get() == before + 1
    [record] = slack.coach.store.nudges(TEAM_ID)
    assert (record.delivered, record.error) == (False, "channel_not_found")
    # Still serving, still coaching.
    await slack.event(message_event(HOSTILE, user="U0BOB"))
    await slack.fake.wait_for("chat.postEphemeral", count=2)


async def test_rate_limited_delivery_is_retried(slack: SlackHarness) -> None:
    slack.fake.fail("chat.postEphemeral", "ratelimited", status=429, retry_after=0)
    await slack.event(message_event(HOSTILE))
    calls = await slack.fake.wait_for("chat.postEphemeral", count=2)
    await slack.app.idle()
    assert len(calls) == 2
    [record] = slack.coach.store.nudges(TEAM_ID)
    assert record.delivered is True


async def test_metrics_and_healthz(slack: SlackHarness) -> None:
    async with slack.session.get(f"{slack.url}/healthz") as response:
        assert response.status == 200
    async with slack.session.get(f"{slack.url}/metrics") as response:
        text = await response.text()
    assert "coachbot_slack_nudges_delivered_total" in text


async def test_socket_mode_receives_events_over_the_websocket(
    make_harness: Callable[..., Any],
) -> None:
    slack: SlackHarness = await make_harness(SLACK_APP_TOKEN="xapp-1-socket")
    await slack.fake.wait_for("socket_connect", timeout=10)
    [opened] = slack.fake.calls_of("apps.connections.open")
    assert opened.token == "xapp-1-socket"
    envelope = await slack.fake.send_envelope(message_event(HOSTILE, channel="C0SOCK"))
    await slack.fake.wait_for("socket_ack", envelope_id=envelope)
    [nudge] = await slack.fake.wait_for("chat.postEphemeral")
    assert nudge.params["channel"] == "C0SOCK"


async def test_worker_process_nudges_each_author_once_in_order(
    make_harness: Callable[..., Any],
) -> None:
    slack: SlackHarness = await make_harness(worker=True)
    payloads = [message_event(HOSTILE, user=f"U0W{i:03d}") for i in range(12)]
    for payload in payloads:
        await slack.event(payload)
    await slack.event(payloads[3], headers={"X-Slack-Retry-Num": "1"})
    await slack.fake.wait_for("chat.postEphemeral", count=12, timeout=30)
    await slack.app.idle()
    users = [c.params["user"] for c in slack.fake.calls_of("chat.postEphemeral")]
    assert sorted(users) == [f"U0W{i:03d}" for i in range(12)]
    records = slack.coach.store.nudges(TEAM_ID)
    assert len(records) == 12
    assert all(r.delivered is True for r in records)  # recorded by the worker process


async def test_overloaded_app_still_acks_but_skips_coaching(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.adapters.slack import app as slack_app

    monkeypatch.setattr(slack_app, "MAX_BACKLOG", 0)
    skipped = slack_app.EVENTS.labels(kind="message_skipped_overload")
    before = skipped._value.get()
    response = await slack.event(message_event(HOSTILE))
    await slack.app.idle()
    assert response.status == 200
    assert skipped._value.get() == before + 1
    assert slack.fake.calls_of("chat.postEphemeral") == []


async def test_a_dead_worker_is_restarted_without_losing_the_next_message(
    make_harness: Callable[..., Any],
) -> None:
    slack: SlackHarness = await make_harness(worker=True)
    worker = slack.app.worker
    assert worker is not None and worker._process is not None
    worker._process.kill()
    await asyncio.to_thread(worker._process.join, 10)
    await slack.event(message_event(HOSTILE, user="U0AFTER"))
    [call] = await slack.fake.wait_for("chat.postEphemeral", timeout=30)
    assert call.params["user"] == "U0AFTER"


async def test_the_same_message_under_a_new_event_id_is_coached_once(slack: SlackHarness) -> None:
    # Slack may deliver one message twice under two event ids: the message id decides.
    payload = message_event(HOSTILE)
    again = json.loads(json.dumps(payload))
    again["event_id"] = payload["event_id"] + "B"
    assert (await slack.event(payload)).status == 200
    await slack.fake.wait_for("chat.postEphemeral")
    assert (await slack.event(again)).status == 200
    await slack.app.idle()
    assert len(slack.fake.calls_of("chat.postEphemeral")) == 1
    assert _today_totals(slack) == 1


@pytest.mark.parametrize("kind", ["app_uninstalled", "tokens_revoked"])
async def test_uninstall_events_get_a_2xx_in_single_workspace_mode(
    slack: SlackHarness, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    event: dict[str, Any] = {"type": kind}
    if kind == "tokens_revoked":
        event["tokens"] = {"bot": [BOT_USER_ID]}
    with caplog.at_level(logging.WARNING):
        response = await slack.event(event_envelope(event))
    assert response.status == 200
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("payload=not-json", "application/x-www-form-urlencoded"),
        ("payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
        ("hello", "application/json"),
        ("[1,2]", "application/json"),
        (json.dumps({"type": "event_callback", "team_id": TEAM_ID, "event": "text"}),
         "application/json"),
    ],
    ids=["form-not-json", "form-list", "json-word", "json-list", "event-string"],
)
async def test_a_signed_malformed_request_gets_200_and_an_unsigned_one_401(
    slack: SlackHarness, body: str, content_type: str
) -> None:
    signed = await slack.post(body, content_type)
    assert signed.status == 200
    unsigned = await slack.post(body, content_type,
                                headers={"Content-Type": content_type}, signed=False)
    assert unsigned.status == 401
    await slack.app.idle()
    assert slack.fake.calls_of("chat.postEphemeral") == []


@pytest.mark.parametrize("timestamp", ["abc", "", "1795927249.0"])
async def test_a_timestamp_that_is_no_integer_gets_401(slack: SlackHarness, timestamp: str) -> None:
    body = json.dumps(message_event(HOSTILE))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": signature or ""}
    response = await slack.post(body, "application/json", headers=headers, signed=False)
    assert response.status == 401
    await slack.app.idle()
    assert slack.fake.calls_of("chat.postEphemeral") == []
