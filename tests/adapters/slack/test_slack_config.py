"""Slack configuration: the run contract's variables, validated with clear errors."""

from __future__ import annotations

import pytest

from bot.adapters.slack.config import DEFAULT_API_URL, SlackConfigError, load_config
from bot.adapters.slack.handlers import mentions_in, message_from_event, should_coach

BASE = {"SLACK_SIGNING_SECRET": "s3cret", "SLACK_BOT_TOKEN": "xoxb-1"}


def test_single_workspace_defaults() -> None:
    config = load_config(BASE)
    assert (config.port, config.api_url, config.oauth, config.socket_mode) == (
        3000, DEFAULT_API_URL, False, False
    )


def test_port_comes_from_option_then_env() -> None:
    assert load_config({**BASE, "PORT": "8080"}).port == 8080
    assert load_config({**BASE, "PORT": "8080"}, port=9090).port == 9090


def test_oauth_and_socket_mode_and_api_url() -> None:
    oauth = load_config({"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "1.2",
                         "SLACK_CLIENT_SECRET": "c", "SLACK_API_URL": "http://127.0.0.1:1/api"})
    assert oauth.oauth and oauth.bot_token is None
    assert oauth.api_url == "http://127.0.0.1:1/api/"
    socket = load_config({**BASE, "SLACK_APP_TOKEN": "xapp-1"})
    assert socket.socket_mode


@pytest.mark.parametrize(
    ("env", "port", "variable"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, None, "SLACK_SIGNING_SECRET"),
        ({**BASE, "SLACK_SIGNING_SECRET": "   "}, None, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s"}, None, "SLACK_BOT_TOKEN"),
        ({**BASE, "SLACK_BOT_TOKEN": "xoxp-user"}, None, "SLACK_BOT_TOKEN"),
        ({**BASE, "SLACK_CLIENT_ID": "1", "SLACK_CLIENT_SECRET": "2"}, None, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_SECRET": "2"}, None, "SLACK_CLIENT_ID"),
        ({**BASE, "SLACK_APP_TOKEN": "xoxb-2"}, None, "SLACK_APP_TOKEN"),
        ({**BASE, "SLACK_API_URL": "ftp://x/api"}, None, "SLACK_API_URL"),
        ({**BASE, "COACHBOT_DATABASE_URL": "::nonsense::"}, None, "COACHBOT_DATABASE_URL"),
        ({**BASE, "PORT": "0"}, None, "PORT"),
        (BASE, 123456, "--port"),
    ],
)
def test_bad_configuration_names_the_variable(
    env: dict[str, str], port: int | None, variable: str
) -> None:
    with pytest.raises(SlackConfigError) as caught:
        load_config(env, port=port)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(variable)


def test_only_new_human_channel_messages_are_coached() -> None:
    base = {"type": "message", "user": "U1", "channel": "C1", "ts": "1.5", "text": "hi"}
    assert should_coach(base, "UBOT")
    assert should_coach({**base, "subtype": "thread_broadcast"}, "UBOT")
    assert should_coach({**base, "channel_type": "group"}, "UBOT")
    assert not should_coach({**base, "user": "UBOT"}, "UBOT")
    assert not should_coach({**base, "bot_id": "B1"}, "UBOT")
    assert not should_coach({**base, "subtype": "message_changed"}, "UBOT")
    assert not should_coach({**base, "channel_type": "im"}, "UBOT")
    assert not should_coach({k: v for k, v in base.items() if k != "user"}, "UBOT")


def test_message_translation() -> None:
    event = {"type": "message", "user": "U1", "channel": "C1", "ts": "1700000000.000200",
             "thread_ts": "1700000000.000100", "text": "thanks <@U2> and <@W3|bo>, <@U2>"}
    message = message_from_event(event, "T1")
    assert (message.platform, message.workspace, message.channel, message.user) == (
        "slack", "T1", "C1", "U1"
    )
    assert message.ts == 1700000000.0002
    assert message.thread == "1700000000.000100"
    assert message.mentions == ("U2", "W3")
    assert mentions_in("no mentions") == ()


def test_authorization_url_follows_slack_shaped_api_hosts_only() -> None:
    from bot.adapters.slack.oauth import authorization_url

    assert authorization_url(DEFAULT_API_URL) is None
    assert authorization_url("https://slack-gov.com/api/") == (
        "https://slack-gov.com/oauth/v2/authorize"
    )
    assert authorization_url("https://proxy.example.com/slack-api/") is None


@pytest.mark.parametrize("ts", ["ZQX", "nan", "inf", "1e400", "-5", "", None, "1.5.2"])
def test_a_message_whose_ts_is_no_time_is_not_coached(ts: object) -> None:
    # (It used to fail inside the listener: an HTTP 500 and an error log quoting the value.)
    event = {"type": "message", "user": "U1", "channel": "C1", "ts": ts, "text": "hi"}
    assert not should_coach(event, "UBOT")


def test_library_log_records_keep_no_text_and_no_traceback() -> None:
    import io
    import logging

    from bot.adapters.slack.app import LibraryLogFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(LibraryLogFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    bolt = logging.getLogger("coachbot.slack.bolt.test")
    other = logging.getLogger("alembic.test")
    for logger in (bolt, other):
        logger.addHandler(handler)
        logger.propagate = False
        logger.setLevel(logging.INFO)
    try:
        raise ValueError("could not convert string to float: 'CANARY secret words'")
    except ValueError:
        bolt.exception("Failed to run listener function (error: %s)", "CANARY secret words")
        other.error("upgrade failed", exc_info=True)
    bolt.warning("Unhandled request ({'text': 'CANARY secret words'})")
    other.info("Running upgrade 0001 -> 0002")
    out = stream.getvalue()
    assert "CANARY" not in out and "Traceback" not in out
    assert "ERROR coachbot.slack.bolt.test details withheld" in out and "(ValueError)" in out
    assert "ERROR alembic.test upgrade failed (ValueError)" in out
    assert "Running upgrade 0001 -> 0002" in out  # other libraries' plain messages stay
