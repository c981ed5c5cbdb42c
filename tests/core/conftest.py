"""Fixtures for core tests: small rule packs written inline."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.core.engine import Engine
from bot.core.models import Message

PLACEHOLDER_EXAMPLES = {"flag": ["a", "b", "c"], "pass": ["d", "e", "f"]}


@pytest.fixture
def pack_dir(tmp_path: Path) -> Callable[[str], Path]:
    """Write a pack file from a YAML rules body and return its directory."""

    def write(body: str, name: str = "team") -> Path:
        folder = tmp_path / "packs"
        folder.mkdir(exist_ok=True)
        (folder / f"{name}.yaml").write_text(textwrap.dedent(body), encoding="utf-8")
        return folder

    return write


@pytest.fixture
def engine_for(pack_dir: Callable[[str], Path]) -> Callable[[str], Engine]:
    """An engine over one inline pack."""

    def build(body: str) -> Engine:
        data = yaml.safe_load(textwrap.dedent(body))
        for rule in data["rules"]:
            rule.setdefault("examples", PLACEHOLDER_EXAMPLES)
        return Engine.load(pack_dir(yaml.safe_dump(data)))

    return build


def msg(
    text: str,
    user: str = "ana",
    channel: str = "c1",
    ts: float | None = None,
    thread: str | None = None,
    mentions: tuple[str, ...] = (),
) -> Message:
    """A test message with sensible defaults."""
    return Message("test", "w1", channel, user, text, ts=ts, thread=thread, mentions=mentions)
