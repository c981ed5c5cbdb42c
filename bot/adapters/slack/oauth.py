"""OAuth installs: slack_sdk's SQLAlchemy installation and state stores, served to async Bolt."""

from __future__ import annotations

import asyncio
import logging
from logging import Logger
from typing import Any
from urllib.parse import urlsplit

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.adapters.slack.config import DEFAULT_API_URL, SlackConfig

log = logging.getLogger(__name__)

# Exactly the bot scopes the app uses (keep in sync with deploy/slack-manifest.yaml).
BOT_SCOPES: tuple[str, ...] = (
    "channels:history",
    "groups:history",
    "chat:write",
    "commands",
    "users:read",
    "im:write",
    "files:write",
)
STATE_EXPIRATION_SECONDS = 600


class ThreadedInstallationStore(AsyncInstallationStore):
    """slack_sdk's sync SQLAlchemy installation store, run in worker threads for async Bolt.

    The sync store works with any SQLAlchemy URL (the same database as the coaching store),
    where the async one would need an async driver.
    """

    def __init__(self, store: SQLAlchemyInstallationStore) -> None:
        self.store = store

    @property
    def logger(self) -> Logger:
        """The wrapped store's logger."""
        return self.store.logger

    async def async_save(self, installation: Installation) -> None:
        """Save an installation (and its bot)."""
        await asyncio.to_thread(self.store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        """Save a bot installation."""
        await asyncio.to_thread(self.store.save_bot, bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The latest bot installation of a workspace or org."""
        return await asyncio.to_thread(
            self.store.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The latest installation of a workspace or org (optionally of one user)."""
        return await asyncio.to_thread(
            self.store.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget a workspace's bot installation (tokens_revoked / app_uninstalled)."""
        await asyncio.to_thread(self.store.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Forget a workspace's installations (optionally one user's)."""
        await asyncio.to_thread(
            self.store.delete_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget everything about a workspace's install (app_uninstalled)."""
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)


class ThreadedOAuthStateStore(AsyncOAuthStateStore):
    """slack_sdk's sync SQLAlchemy OAuth state store, run in worker threads."""

    def __init__(self, store: SQLAlchemyOAuthStateStore) -> None:
        self.store = store

    @property
    def logger(self) -> Logger:
        """The wrapped store's logger."""
        return self.store.logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        """Issue a new one-time state value."""
        return await asyncio.to_thread(self.store.issue, *args, **kwargs)

    async def async_consume(self, state: str) -> bool:
        """Consume a state value; False when unknown or expired."""
        return await asyncio.to_thread(self.store.consume, state)


def authorization_url(api_url: str) -> str | None:
    """Where installers authorize (None = slack.com's page).

    A Slack-shaped host (`https://<host>/api/`, e.g. GovSlack) has its authorize page at
    `https://<host>/oauth/v2/authorize`; any other base URL (say, an API proxy) keeps Slack's.
    """
    if api_url == DEFAULT_API_URL:
        return None
    parts = urlsplit(api_url)
    if parts.path.rstrip("/") != "/api":
        return None
    return f"{parts.scheme}://{parts.netloc}/oauth/v2/authorize"


def build_stores(
    engine: Engine, client_id: str
) -> tuple[ThreadedInstallationStore, ThreadedOAuthStateStore]:
    """Installation and state stores in `engine`'s database, creating their tables if needed."""
    installations = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)
    states = SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine, logger=log
    )
    installations.create_tables()
    states.create_tables()
    return ThreadedInstallationStore(installations), ThreadedOAuthStateStore(states)


def build_oauth_settings(
    config: SlackConfig,
    installation_store: AsyncInstallationStore,
    state_store: AsyncOAuthStateStore,
) -> AsyncOAuthSettings:
    """Bolt OAuth settings: /slack/install and /slack/oauth_redirect, our scopes and stores."""
    assert config.client_id is not None and config.client_secret is not None
    return AsyncOAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(BOT_SCOPES),
        install_path="/slack/install",
        redirect_uri_path="/slack/oauth_redirect",
        authorization_url=authorization_url(config.api_url),
        installation_store=installation_store,
        installation_store_bot_only=True,
        state_store=state_store,
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,
        logger=log,
    )
