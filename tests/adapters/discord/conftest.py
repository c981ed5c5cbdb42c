"""Fixtures shared with the end-to-end tests: the local Discord stand-in and a real Coach."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "e2e" / "discord"))

from discord_harness import coach, endpoint_overrides, fake  # noqa: E402

__all__ = ["coach", "endpoint_overrides", "fake"]
