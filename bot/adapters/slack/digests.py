"""Weekly digests for Slack: run the digest scheduler every minute and post what is due."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks
from bot.coaching.models import Response

if TYPE_CHECKING:
    from bot.adapters.slack.app import SlackCoachApp

log = structlog.get_logger("coachbot.slack.digest")

PLATFORM = "slack"
POST_TIMEOUT_SECONDS = 120.0


class DigestNotPosted(RuntimeError):
    """A digest could not be posted (the scheduler releases its claim and retries later)."""


class DigestPoster:
    """Runs `DigestScheduler.run_due` (synchronous, in a thread) and posts through the Web API.

    Channel digests go to the configured channel (chart uploaded with files.uploadV2);
    personal digests go to the person's direct messages with the app. The scheduler's
    claim-by-insert makes this safe with several replicas.
    """

    def __init__(self, app: SlackCoachApp, scheduler: Any) -> None:
        self.app = app
        self.scheduler = scheduler
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def create(cls, app: SlackCoachApp) -> DigestPoster | None:
        """A poster when the digest scheduler is available, else None (digests are off)."""
        try:
            from bot.digest.schedule import DigestScheduler
        except ImportError:
            log.info("slack.digests_unavailable")
            return None
        return cls(app, DigestScheduler(app.coach))

    async def run_once(self, now: datetime | None = None) -> int:
        """Post every digest due at `now`; returns how many were posted. Never raises."""
        self._loop = asyncio.get_running_loop()
        moment = now or datetime.now(UTC)
        try:
            return int(
                await asyncio.to_thread(
                    self.scheduler.run_due, moment, PLATFORM, self.post_channel,
                    self.post_personal,
                )
            )
        except Exception as exc:  # noqa: BLE001 - a failed run is retried next minute
            log.warning("slack.digest_run_failed", error=type(exc).__name__)
            return 0

    # The scheduler calls these from its worker thread; they hop onto the event loop.
    def post_channel(self, workspace: str, channel: str, response: Response) -> str | None:
        """Post a channel digest; returns the message ts."""
        return self._run(self._post(workspace, channel, response, personal=False))

    def post_personal(self, workspace: str, user: str, response: Response) -> str | None:
        """Send a personal digest to the person's DMs with the app; returns the message ts."""
        return self._run(self._post(workspace, user, response, personal=True))

    def _run(self, coroutine: Coroutine[Any, Any, str | None]) -> str | None:
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(POST_TIMEOUT_SECONDS)

    async def _post(
        self, workspace: str, target: str, response: Response, *, personal: bool
    ) -> str | None:
        from bot.adapters.slack.app import DELIVERY_FAILURES, slack_error

        what = "personal_digest" if personal else "channel_digest"
        try:
            client = await self.app.client_for(workspace)
            if client is None:
                raise DigestNotPosted("workspace_not_installed")
            channel = await self._dm_channel(client, target) if personal else target
            posted = await client.chat_postMessage(
                channel=channel,
                text=blocks.response_text(response),
                blocks=blocks.response_blocks(response),
                unfurl_links=False,
            )
            if response.attachment is not None:
                filename, content = response.attachment
                await client.files_upload_v2(
                    channel=channel, filename=filename, content=content, title=response.title
                )
        except Exception as exc:
            error = slack_error(exc)
            DELIVERY_FAILURES.labels(what=what, error=error).inc()
            log.warning("slack.digest_post_failed", kind=what, workspace=workspace, error=error)
            raise
        ts = posted.get("ts")
        return str(ts) if ts else None

    @staticmethod
    async def _dm_channel(client: AsyncWebClient, user: str) -> str:
        opened = await client.conversations_open(users=user)
        return str(opened["channel"]["id"])
