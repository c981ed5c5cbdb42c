"""Logs never carry message text, even when an exception holds it."""

from __future__ import annotations

import io

import structlog

from bot.logs import configure_logging


def test_exceptions_are_logged_without_message_or_locals(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging("INFO")
    secret = "you are an idiot and this is private"
    try:
        text = secret  # a local variable holding message text
        raise ValueError(f"could not parse {text}")
    except ValueError:
        structlog.get_logger("t").exception("coach.failed", workspace="w1")
    out = stream.getvalue()
    assert "coach.failed" in out and "ValueError at test_logs.py:" in out
    assert "idiot" not in out and "private" not in out
    structlog.reset_defaults()
