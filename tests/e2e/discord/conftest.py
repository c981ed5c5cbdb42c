"""Fixtures: the local Discord stand-in, a real Coach on SQLite, and a running Coachbot client."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from discord_harness import bot, coach, endpoint_overrides, fake  # noqa: E402

__all__ = ["bot", "coach", "endpoint_overrides", "fake"]
