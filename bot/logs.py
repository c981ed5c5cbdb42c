"""Structured logging set-up: JSON-free key=value lines on stderr, never message text."""

from __future__ import annotations

import logging
import os
import sys

import structlog


def configure_logging(default_level: str = "WARNING") -> None:
    """Send structlog output to stderr at $COACHBOT_LOG_LEVEL (else `default_level`)."""
    name = os.environ.get("COACHBOT_LOG_LEVEL", default_level).upper()
    level = logging.getLevelName(name)
    if not isinstance(level, int):
        level = logging.WARNING
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
