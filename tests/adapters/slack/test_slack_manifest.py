"""deploy/slack-manifest.yaml asks for exactly what the app uses."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.adapters.slack.app import EVENTS_PATH
from bot.adapters.slack.oauth import BOT_SCOPES

MANIFEST = Path(__file__).resolve().parents[3] / "deploy" / "slack-manifest.yaml"


def load() -> dict:
    return yaml.safe_load(MANIFEST.read_text())


def test_scopes_are_exactly_the_ones_the_oauth_install_requests() -> None:
    assert sorted(load()["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert "user" not in load()["oauth_config"]["scopes"]


def test_events_command_and_interactivity_point_at_the_one_endpoint() -> None:
    manifest = load()
    settings = manifest["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == sorted([
        "message.channels", "message.groups", "app_home_opened", "user_change",
        "app_uninstalled", "tokens_revoked",
    ])
    assert settings["interactivity"]["is_enabled"] is True
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/coach" and command["should_escape"] is True
    for url in (settings["event_subscriptions"]["request_url"],
                settings["interactivity"]["request_url"], command["url"]):
        assert url.endswith(EVENTS_PATH)
    assert manifest["oauth_config"]["redirect_urls"][0].endswith("/slack/oauth_redirect")
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
