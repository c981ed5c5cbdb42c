"""Configuration of the Discord adapter, read and validated from the environment only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_API_BASE = "https://discord.com/api/v10"


class ConfigError(ValueError):
    """Missing or malformed configuration; `variable` names the environment variable at fault."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    """Everything `coachbot run discord` needs, as given by the environment.

    `api_base` and `gateway_url` are None when unset (discord.py's defaults stay);
    `shard_ids`/`shard_count` None mean automatic sharding.
    """

    token: str
    api_base: str | None = None
    gateway_url: str | None = None
    shard_ids: tuple[int, ...] | None = None
    shard_count: int | None = None
    database_url: str | None = None
    dev_guild: int | None = None
    metrics_port: int | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DiscordConfig:
        """Read and validate the configuration; raise ConfigError naming the bad variable."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name)
            if value is None:
                return None
            value = value.strip()
            return value or None

        token = get("DISCORD_TOKEN")
        if token is None:
            raise ConfigError(
                "DISCORD_TOKEN",
                "is required: set it to the bot token from the Discord developer portal "
                "(Applications > your app > Bot > Reset Token).",
            )
        if any(ch.isspace() for ch in token):
            raise ConfigError("DISCORD_TOKEN", "must not contain spaces or line breaks.")

        api_base = get("DISCORD_API_BASE")
        if api_base is not None:
            api_base = _url("DISCORD_API_BASE", api_base, ("http", "https")).rstrip("/")
        gateway_url = get("DISCORD_GATEWAY_URL")
        if gateway_url is not None:
            gateway_url = _url("DISCORD_GATEWAY_URL", gateway_url, ("ws", "wss"))

        shard_count = _positive_int("DISCORD_SHARD_COUNT", get("DISCORD_SHARD_COUNT"))
        if shard_count is not None and shard_count > MAX_SHARDS:
            raise ConfigError("DISCORD_SHARD_COUNT", f"must be at most {MAX_SHARDS:,}.")
        shard_ids = _shard_ids(get("DISCORD_SHARD_IDS"))
        if shard_ids is not None:
            if shard_count is None:
                raise ConfigError(
                    "DISCORD_SHARD_IDS",
                    "needs DISCORD_SHARD_COUNT (the total number of shards across all processes).",
                )
            too_big = [i for i in shard_ids if i >= shard_count]
            if too_big:
                raise ConfigError(
                    "DISCORD_SHARD_IDS",
                    f"shard id {too_big[0]} is not below DISCORD_SHARD_COUNT={shard_count}.",
                )

        database_url = get("COACHBOT_DATABASE_URL")
        if database_url is not None:
            _check_database_url(database_url)

        dev_guild = get("COACHBOT_DISCORD_DEV_GUILD")
        dev_guild_id: int | None = None
        if dev_guild is not None:
            if not _digits(dev_guild):
                raise ConfigError(
                    "COACHBOT_DISCORD_DEV_GUILD", f"must be a guild id (digits), got {dev_guild!r}."
                )
            dev_guild_id = int(dev_guild)

        metrics_port = get("COACHBOT_METRICS_PORT")
        port: int | None = None
        if metrics_port is not None:
            if not _digits(metrics_port) or not 0 < int(metrics_port) < 65536:
                raise ConfigError(
                    "COACHBOT_METRICS_PORT", f"must be a TCP port (1-65535), got {metrics_port!r}."
                )
            port = int(metrics_port)

        return cls(
            token=token,
            api_base=api_base,
            gateway_url=gateway_url,
            shard_ids=shard_ids,
            shard_count=shard_count,
            database_url=database_url,
            dev_guild=dev_guild_id,
            metrics_port=port,
        )


# Shard ids are checked against DISCORD_SHARD_COUNT after parsing; a range is never built
# beyond this many (Discord's largest bots run far fewer shards).
MAX_SHARDS = 1 << 17


def _digits(value: str) -> bool:
    """Whether a value is a plain decimal number: ASCII digits only ("²" is a digit to
    `str.isdigit`, not to `int`)."""
    return value.isascii() and value.isdigit()


def _url(variable: str, value: str, schemes: tuple[str, ...]) -> str:
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise ConfigError(variable, f"is not a valid URL: {value!r}.") from None
    if parts.scheme not in schemes or not parts.hostname:
        wanted = " or ".join(f"{s}://" for s in schemes)
        raise ConfigError(variable, f"must be a {wanted} URL with a host, got {value!r}.")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ConfigError(variable, f"has a malformed port: {value!r}.") from None
    return value


def _positive_int(variable: str, value: str | None) -> int | None:
    if value is None:
        return None
    if not _digits(value) or int(value) < 1:
        raise ConfigError(variable, f"must be a positive whole number, got {value!r}.")
    return int(value)


def _shard_ids(value: str | None) -> tuple[int, ...] | None:
    """Parse "0,1,2" or ranges like "0-3,8" into sorted, distinct shard ids."""
    if value is None:
        return None
    ids: set[int] = set()
    for part in value.split(","):
        part = part.strip()
        low, sep, high = part.partition("-")
        if part and _digits(low.strip()) and (not sep or _digits(high.strip())):
            first = int(low)
            last = int(high) if sep else first
            if first <= last < MAX_SHARDS:
                ids.update(range(first, last + 1))
                continue
        raise ConfigError(
            "DISCORD_SHARD_IDS",
            f"must be shard ids (below {MAX_SHARDS:,}) separated by commas, e.g. '0,1' or "
            f"'0-3', got {value!r}.",
        )
    return tuple(sorted(ids))


def _check_database_url(value: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(value)
    except (ArgumentError, ValueError):
        raise ConfigError(
            "COACHBOT_DATABASE_URL",
            "is not a valid SQLAlchemy URL (e.g. sqlite:////abs/path/coachbot.db or "
            "postgresql+psycopg://user@host/db).",
        ) from None
