"""Slack adapter configuration: read and validate the environment before anything listens."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORT = 3000
DEFAULT_API_URL = "https://slack.com/api/"


class SlackConfigError(ValueError):
    """A missing or malformed setting; `variable` names the environment variable to fix."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


@dataclass(frozen=True, slots=True)
class SlackConfig:
    """Everything `coachbot run slack` needs, validated.

    Exactly one of `bot_token` (single workspace) or `client_id`/`client_secret` (OAuth,
    many workspaces) is set. `app_token` switches to Socket Mode. `api_url` always ends in "/".
    """

    signing_secret: str
    port: int
    api_url: str = DEFAULT_API_URL
    bot_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    app_token: str | None = None
    database_url: str | None = None

    @property
    def oauth(self) -> bool:
        """True when installs go through the OAuth flow (many workspaces)."""
        return self.client_id is not None

    @property
    def socket_mode(self) -> bool:
        """True when events arrive over Socket Mode instead of HTTP."""
        return self.app_token is not None


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _parse_port(raw: str | int, variable: str) -> int:
    try:
        port = int(raw)
    except (TypeError, ValueError):
        raise SlackConfigError(variable, f"{raw!r} is not a port number (use 1-65535)") from None
    if not 0 < port < 65536:
        raise SlackConfigError(variable, f"{port} is out of range (use 1-65535)")
    return port


def _check_prefix(env: Mapping[str, str], name: str, prefixes: tuple[str, ...]) -> str | None:
    value = _get(env, name)
    if value is not None and not value.startswith(prefixes):
        expected = " or ".join(f"'{p}'" for p in prefixes)
        raise SlackConfigError(name, f"should start with {expected}; check which token you copied")
    if value is not None and any(ch.isspace() for ch in value):
        raise SlackConfigError(name, "contains whitespace; copy the token again")
    return value


def _parse_api_url(raw: str | None) -> str:
    if raw is None:
        return DEFAULT_API_URL
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SlackConfigError(
            "SLACK_API_URL", f"{raw!r} is not an http(s) URL (e.g. https://slack.com/api/)"
        )
    return raw if raw.endswith("/") else raw + "/"


def _parse_database_url(raw: str | None) -> str | None:
    if raw is None:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(raw)
    except ArgumentError:
        raise SlackConfigError(
            "COACHBOT_DATABASE_URL",
            "is not a SQLAlchemy URL (e.g. sqlite:////abs/path/coachbot.db or "
            "postgresql+psycopg://user@host/db)",
        ) from None
    return raw


def load_config(env: Mapping[str, str] | None = None, port: int | None = None) -> SlackConfig:
    """Build a SlackConfig from the environment (and `--port`), or raise SlackConfigError."""
    env = os.environ if env is None else env
    signing_secret = _get(env, "SLACK_SIGNING_SECRET")
    if signing_secret is None:
        raise SlackConfigError(
            "SLACK_SIGNING_SECRET",
            "is required (Slack app settings > Basic Information > Signing Secret)",
        )

    if port is not None:
        resolved_port = _parse_port(port, "--port")
    elif _get(env, "PORT") is not None:
        resolved_port = _parse_port(_get(env, "PORT") or "", "PORT")
    else:
        resolved_port = DEFAULT_PORT

    bot_token = _check_prefix(env, "SLACK_BOT_TOKEN", ("xoxb-",))
    client_id = _get(env, "SLACK_CLIENT_ID")
    client_secret = _get(env, "SLACK_CLIENT_SECRET")
    if (client_id is None) != (client_secret is None):
        missing = "SLACK_CLIENT_SECRET" if client_secret is None else "SLACK_CLIENT_ID"
        raise SlackConfigError(
            missing, "is required together with the other OAuth credential for OAuth installs"
        )
    if bot_token is not None and client_id is not None:
        raise SlackConfigError(
            "SLACK_BOT_TOKEN",
            "set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET (OAuth installs), not both",
        )
    if bot_token is None and client_id is None:
        raise SlackConfigError(
            "SLACK_BOT_TOKEN",
            "is required (or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth installs)",
        )

    app_token = _check_prefix(env, "SLACK_APP_TOKEN", ("xapp-",))
    if app_token is not None and bot_token is None:
        raise SlackConfigError(
            "SLACK_APP_TOKEN", "Socket Mode needs SLACK_BOT_TOKEN (single-workspace installs)"
        )

    return SlackConfig(
        signing_secret=signing_secret,
        port=resolved_port,
        api_url=_parse_api_url(_get(env, "SLACK_API_URL")),
        bot_token=bot_token,
        client_id=client_id,
        client_secret=client_secret,
        app_token=app_token,
        database_url=_parse_database_url(_get(env, "COACHBOT_DATABASE_URL")),
    )
