"""End to end: /coach, buttons, App Home and OAuth installs against the Web API stand-in."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import make_url

from bot.adapters.slack import app as slack_app
from bot.adapters.slack.handlers import AdminCache
from bot.coaching.models import CommandContext
from tests.e2e.slack.fake_slack import INSTALLED_TEAM_ID, TEAM_ID, FakeSlack
from tests.e2e.slack.harness import HOSTILE, SlackHarness, event_envelope, message_event


def _texts(blocks: list[dict[str, Any]]) -> str:
    """All visible text of some blocks, for assertions."""
    out: list[str] = []
    for block in blocks:
        for key in ("text",):
            if isinstance(block.get(key), dict):
                out.append(block[key]["text"])
        for field in block.get("fields", []):
            out.append(field["text"])
        for element in block.get("elements", []):
            if isinstance(element.get("text"), dict):
                out.append(element["text"]["text"])
            elif isinstance(element.get("text"), str):
                out.append(element["text"])
    return "\n".join(out)


async def _nudge_id(slack: SlackHarness) -> int:
    await slack.event(message_event(HOSTILE))
    [call] = await slack.fake.wait_for("chat.postEphemeral")
    actions = [b for b in call.params["blocks"] if b["type"] == "actions"]
    return int(actions[0]["elements"][0]["value"])


async def test_coach_help_is_answered_privately_with_blocks(slack: SlackHarness) -> None:
    status, body = await slack.command("help")
    assert status == 200
    assert body["response_type"] == "ephemeral"
    assert body["blocks"][0]["type"] == "header"
    assert "/coach snooze" in _texts(body["blocks"])
    assert "Workspace admins" not in _texts(body["blocks"])


async def test_admin_rights_come_from_users_info_and_are_cached(slack: SlackHarness) -> None:
    status, body = await slack.command("help", user="U0ADMIN")
    assert status == 200
    assert "Workspace admins" in _texts(body["blocks"])
    _, refused = await slack.command("config show", user="U0ALICE")
    assert refused["blocks"][0]["text"]["text"].startswith("⚠️")
    _, again = await slack.command("config show", user="U0ADMIN")
    assert not again["blocks"][0]["text"]["text"].startswith("⚠️")
    looked_up = [c.params["user"] for c in slack.fake.calls_of("users.info")]
    assert sorted(looked_up) == ["U0ADMIN", "U0ALICE"]


async def test_feedback_button_records_feedback_and_replaces_the_nudge(
    slack: SlackHarness,
) -> None:
    nudge_id = await _nudge_id(slack)
    response = await slack.click("coach:feedback:helpful", str(nudge_id))
    assert response.status == 200
    [reply] = await slack.fake.wait_for("response_url")
    await slack.app.idle()
    assert reply.params["replace_original"] is True
    assert reply.params["response_type"] == "ephemeral"
    record = slack.coach.store.nudge(nudge_id)
    assert record is not None and record.feedback == "helpful"


async def test_snooze_button_snoozes_the_person(slack: SlackHarness) -> None:
    nudge_id = await _nudge_id(slack)
    await slack.click("coach:feedback:snooze", str(nudge_id))
    await slack.fake.wait_for("response_url")
    await slack.app.idle()
    prefs = slack.coach.store.prefs(TEAM_ID, "U0ALICE")
    assert prefs.snoozed(datetime.now(UTC))
    # Snoozed: the next hostile message is counted but not nudged.
    await slack.event(message_event(HOSTILE))
    await slack.app.idle()
    assert len(slack.fake.calls_of("chat.postEphemeral")) == 1


async def test_someone_elses_feedback_button_changes_nothing(slack: SlackHarness) -> None:
    nudge_id = await _nudge_id(slack)
    await slack.click("coach:feedback:not_helpful", str(nudge_id), user="U0MALLORY")
    await slack.fake.wait_for("response_url")
    await slack.app.idle()
    record = slack.coach.store.nudge(nudge_id)
    assert record is not None and record.feedback is None


async def test_app_home_opened_publishes_the_home_view(slack: SlackHarness) -> None:
    await slack.event(event_envelope(
        {"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "home"}
    ))
    [call] = await slack.fake.wait_for("views.publish")
    assert call.params["user_id"] == "U0ALICE"
    view = call.params["view"]
    assert view["type"] == "home"
    action_ids = {
        e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
    }
    assert "coach:settings:pause" in action_ids
    # The messages tab is not the home tab: nothing to publish.
    await slack.event(event_envelope(
        {"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "messages"}
    ))
    await slack.app.idle()
    assert len(slack.fake.calls_of("views.publish")) == 1


async def test_home_button_changes_settings_and_republishes(slack: SlackHarness) -> None:
    await slack.click("coach:settings:pause", "", home=True)
    [call] = await slack.fake.wait_for("views.publish")
    await slack.app.idle()
    assert slack.coach.store.prefs(TEAM_ID, "U0ALICE").paused is True
    assert "Paused" in _texts(call.params["view"]["blocks"])
    assert slack.fake.calls_of("response_url") == []


async def test_oauth_redirect_stores_an_installation_that_then_serves_events(
    make_harness: Callable[..., Any],
) -> None:
    slack: SlackHarness = await make_harness(
        SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="oauth-secret"
    )
    async with slack.session.get(f"{slack.url}/slack/install") as response:
        assert response.status == 200
        page = await response.text()
        cookie = response.headers["Set-Cookie"]
    state = re.search(r"slack-app-oauth-state=([^;]+)", cookie)
    assert state is not None
    authorize = re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', page)
    assert authorize is not None
    query = parse_qs(urlsplit(authorize.group(1).replace("&amp;", "&")).query)
    assert query["state"] == [state.group(1)]
    assert "chat:write" in query["scope"][0].split(",")
    assert authorize.group(1).startswith(slack.fake.base)  # SLACK_API_URL's host

    async with slack.session.get(
        f"{slack.url}/slack/oauth_redirect",
        params={"code": "install-code", "state": state.group(1)},
        headers={"Cookie": f"slack-app-oauth-state={state.group(1)}"},
    ) as response:
        assert response.status == 200
    [exchange] = slack.fake.calls_of("oauth.v2.access")
    assert exchange.params["code"] == "install-code"
    store = slack.app.installation_store
    assert store is not None
    bot = await store.async_find_bot(enterprise_id=None, team_id=INSTALLED_TEAM_ID)
    assert bot is not None and bot.bot_token == "xoxb-installed-token"

    # The new workspace's events are served with its own token.
    await slack.event(message_event(HOSTILE, team=INSTALLED_TEAM_ID))
    [nudge] = await slack.fake.wait_for("chat.postEphemeral")
    assert nudge.token == "xoxb-installed-token"

    # Uninstalling forgets the installation.
    await slack.event(event_envelope({"type": "app_uninstalled"}, team=INSTALLED_TEAM_ID))
    await slack.app.idle()
    assert await store.async_find_bot(enterprise_id=None, team_id=INSTALLED_TEAM_ID) is None


async def test_oauth_redirect_with_a_forged_state_stores_nothing(
    make_harness: Callable[..., Any],
) -> None:
    slack: SlackHarness = await make_harness(
        SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="oauth-secret"
    )
    async with slack.session.get(
        f"{slack.url}/slack/oauth_redirect",
        params={"code": "install-code", "state": "forged"},
        headers={"Cookie": "slack-app-oauth-state=forged"},
    ) as response:
        assert response.status >= 400
    assert slack.fake.calls_of("oauth.v2.access") == []
    assert slack.app.installation_store is not None
    found = await slack.app.installation_store.async_find_bot(
        enterprise_id=None, team_id=INSTALLED_TEAM_ID
    )
    assert found is None


async def test_command_context_for_unknown_user_is_not_admin(slack: SlackHarness) -> None:
    ctx = await slack.app.command_context(slack.app.client, TEAM_ID, "U0NOBODY", "C1")
    assert ctx == CommandContext(platform="slack", workspace=TEAM_ID, user="U0NOBODY",
                                 channel="C1", is_admin=False, timezone=None)


async def test_due_digests_are_posted_once_to_the_channel_and_to_dms(
    slack: SlackHarness,
) -> None:
    slack.coach.store.save_settings(TEAM_ID, {
        "digest_channel": "C0DIGEST", "digest_weekday": "mon", "digest_time": "09:00",
        "digest_timezone": "UTC",
    })
    for user in ("U0ALICE", "U0BOB", "U0CAROL", "U0DAN"):
        await slack.event(message_event("Thanks, that fixed it!", user=user, channel="C0DIGEST"))
    await slack.click("coach:settings:digest_on", "", home=True)
    await slack.app.idle()
    assert slack.coach.store.personal_digest_users(TEAM_ID) == ["U0ALICE"]
    # Next Monday 10:00 UTC: this week's digest is due.
    today = datetime.now(UTC)
    next_monday = (today + timedelta(days=7 - today.weekday())).replace(
        hour=10, minute=0, second=0, microsecond=0)
    assert slack.app.digests is not None
    assert await slack.app.digests.run_once(next_monday) == 2  # channel + Alice's own
    channel_posts = slack.fake.calls_of("chat.postMessage")
    assert [c.params["channel"] for c in channel_posts][0] == "C0DIGEST"
    assert channel_posts[0].params["blocks"][0]["type"] == "header"
    uploads = slack.fake.calls_of("files.completeUploadExternal")
    assert uploads and uploads[0].params["channel_id"] == "C0DIGEST"
    dm_posts = [c for c in channel_posts if c.params["channel"].startswith("D")]
    # The personal digest goes to the person's DMs, never the channel.
    assert [c.params["users"] for c in slack.fake.calls_of("conversations.open")] == ["U0ALICE"]
    assert len(dm_posts) == 1
    # A second run in the same week posts nothing again.
    assert await slack.app.digests.run_once(next_monday + timedelta(minutes=1)) == 0
    assert len(slack.fake.calls_of("chat.postMessage")) == len(channel_posts)


async def test_failed_digest_post_is_retried_on_the_next_run(slack: SlackHarness) -> None:
    slack.coach.store.save_settings(TEAM_ID, {"digest_channel": "C0DIGEST"})
    await slack.event(message_event("Thanks, that fixed it!", channel="C0DIGEST"))
    await slack.app.idle()
    today = datetime.now(UTC)
    next_monday = (today + timedelta(days=7 - today.weekday())).replace(
        hour=10, minute=0, second=0, microsecond=0)
    assert slack.app.digests is not None
    slack.fake.fail("chat.postMessage", "not_in_channel")
    assert await slack.app.digests.run_once(next_monday) == 0
    assert await slack.app.digests.run_once(next_monday + timedelta(minutes=1)) == 1
    assert [c.params["channel"] for c in slack.fake.calls_of("chat.postMessage")] == [
        "C0DIGEST", "C0DIGEST"]


async def test_slow_answer_is_acknowledged_then_sent_to_the_response_url(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_app, "INLINE_ANSWER_SECONDS", 0.0)
    status, body = await slack.command("help")
    assert status == 200
    assert body == {"response_type": "ephemeral", "text": "Working on it…"}
    [late] = await slack.fake.wait_for("response_url")
    assert late.params["response_type"] == "ephemeral"
    assert "/coach snooze" in _texts(late.params["blocks"])


async def test_mydata_is_shown_privately_as_json(slack: SlackHarness) -> None:
    await slack.event(message_event(HOSTILE))
    await slack.fake.wait_for("chat.postEphemeral")
    await slack.app.idle()
    status, body = await slack.command("mydata")
    assert status == 200 and body["response_type"] == "ephemeral"
    text = _texts(body["blocks"])
    assert "```" in text and "tone.personal-insult" in text
    assert "idiot" not in text  # counters only, never the message


async def test_oauth_install_and_dedupe_on_each_database(
    make_harness: Callable[..., Any], database_url: str
) -> None:
    slack: SlackHarness = await make_harness(
        SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="oauth-secret",
        COACHBOT_DATABASE_URL=database_url,
    )
    async with slack.session.get(f"{slack.url}/slack/install") as response:
        state = re.search(r"slack-app-oauth-state=([^;]+)", response.headers["Set-Cookie"])
    assert state is not None
    async with slack.session.get(
        f"{slack.url}/slack/oauth_redirect",
        params={"code": "c", "state": state.group(1)},
        headers={"Cookie": f"slack-app-oauth-state={state.group(1)}"},
    ) as response:
        assert response.status == 200
    payload = message_event(HOSTILE, team=INSTALLED_TEAM_ID)
    await slack.event(payload)
    await slack.event(payload, headers={"X-Slack-Retry-Num": "1"})
    await slack.fake.wait_for("chat.postEphemeral")
    await slack.app.idle()
    assert len(slack.fake.calls_of("chat.postEphemeral")) == 1
    backend = make_url(database_url).get_backend_name()
    assert slack.coach.store.engine.url.get_backend_name() == backend


async def test_data_too_big_to_show_inline_is_sent_as_a_file_in_dms(slack: SlackHarness) -> None:
    for i in range(80):
        await slack.event(message_event("Thanks, that fixed it!", channel=f"C0CH{i:03d}"))
    await slack.app.idle()
    status, body = await slack.command("mydata")
    assert status == 200 and body["response_type"] == "ephemeral"
    [upload] = await slack.fake.wait_for("files.completeUploadExternal")
    await slack.app.idle()
    [opened] = slack.fake.calls_of("conversations.open")
    assert opened.params["users"] == "U0ALICE"
    assert upload.params["channel_id"] == "D0ALICE"  # the person's DM, not the channel
    [file_id] = list(slack.fake.uploads)
    exported = json.loads(slack.fake.uploads[file_id])
    assert "C0CH079" in json.dumps(exported)


async def test_events_from_a_workspace_without_an_install_are_acknowledged(
    make_harness: Callable[..., Any],
) -> None:
    slack: SlackHarness = await make_harness(
        SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="oauth-secret"
    )
    response = await slack.event(message_event(HOSTILE, team="T0UNKNOWN"))
    assert 200 <= response.status < 300
    await slack.app.idle()
    assert slack.fake.calls_of("chat.postEphemeral") == []


async def test_admin_lookups_are_shared_cached_and_fail_closed(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-x", base_url=fake_slack.url)
    cache = AdminCache()
    first, second = await asyncio.gather(
        cache.lookup(client, TEAM_ID, "U0ADMIN"), cache.lookup(client, TEAM_ID, "U0ADMIN")
    )
    assert first.is_admin and second.is_admin
    assert first.timezone == "Europe/Berlin"
    assert len(fake_slack.calls_of("users.info")) == 1
    fake_slack.add_user("U0OWNER", owner=True)
    assert (await cache.lookup(client, TEAM_ID, "U0OWNER")).is_admin
    fake_slack.add_user("U0FLAKY", admin=True)
    fake_slack.fail("users.info", "internal_error")
    assert not (await cache.lookup(client, TEAM_ID, "U0FLAKY")).is_admin  # fails closed
    cache.forget(TEAM_ID, "U0FLAKY")
    assert (await cache.lookup(client, TEAM_ID, "U0FLAKY")).is_admin
