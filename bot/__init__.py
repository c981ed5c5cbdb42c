"""Coachbot: private, kind coaching for team chat on Slack and Discord."""

import structlog as _structlog

from bot.logs import configure_logging as _configure_logging

__version__ = "0.1.0"

# Safe logging from the first import: no message text, exception messages or locals in logs.
if not _structlog.is_configured():
    _configure_logging()
