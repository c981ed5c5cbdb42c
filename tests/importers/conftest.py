"""Paths of the small export fixtures written for these tests."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exports"
SLACK_DIR = FIXTURES / "slack"
DISCORD_FILE = FIXTURES / "discord" / "general.json"
JSONL_FILE = FIXTURES / "messages.jsonl"
