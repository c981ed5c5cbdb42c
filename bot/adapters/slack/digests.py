"""Weekly digests for Slack: run the digest scheduler every minute and post what is due."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    from bot.adapters.slack.app import SlackCoachApp

log = structlog.get_logger("coachbot.slack.digest")


class DigestPoster:
    """Placeholder hook until `bot/digest/schedule.py` (DigestScheduler) exists."""

    def __init__(self, app: SlackCoachApp, scheduler: Any) -> None:
        self.app = app
        self.scheduler = scheduler

    @classmethod
    def create(cls, app: SlackCoachApp) -> DigestPoster | None:
        """A poster when the digest scheduler is available, else None (digests are off)."""
        try:
            from bot.digest.schedule import DigestScheduler  # type: ignore[import-not-found]
        except ImportError:
            log.info("slack.digests_unavailable")
            return None
        return cls(app, DigestScheduler(app.coach))

    async def run_once(self) -> None:
        """Post every digest that is due now (hook; filled in once the scheduler exists)."""
        return None
