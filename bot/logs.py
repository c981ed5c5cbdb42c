"""Structured logging set-up: key=value lines on stderr that never carry message text.

Exceptions are logged as their type and the frames they passed through (file and line), never
with their message or local variables, since either can hold what someone wrote.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import MutableMapping
from typing import Any

import structlog


def safe_exception(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Replace `exc_info` with the exception type and its frames: no message, no locals."""
    exc_info = event.pop("exc_info", None)
    if not exc_info:
        return event
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    kind, _value, tb = exc_info
    if kind is None:
        return event
    frames = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in traceback.extract_tb(tb)][-6:]
    event["exception"] = f"{kind.__name__} at {' < '.join(reversed(frames)) or '?'}"
    return event


class StderrLogger:
    """Writes each rendered line to whatever `sys.stderr` is at that moment."""

    def msg(self, message: str) -> None:
        """Write one log line."""
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def _stderr_logger(*_: Any) -> StderrLogger:
    return StderrLogger()


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
            safe_exception,
            structlog.processors.KeyValueRenderer(key_order=["timestamp", "level", "event"]),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
