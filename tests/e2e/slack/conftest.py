"""Fixtures for Slack end-to-end tests: the Web API stand-in and the real app on free ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.adapters.slack.app import create_app
from tests.e2e.slack.fake_slack import FakeSlack
from tests.e2e.slack.harness import SlackHarness, serve, slack_config


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """The Slack Web API stand-in on a free port."""
    fake = FakeSlack()
    await fake.start()
    fake.add_user("U0ALICE")
    fake.add_user("U0ADMIN", admin=True)
    yield fake
    await fake.stop()


HarnessFactory = Callable[..., Any]


@pytest.fixture
async def make_harness(
    fake_slack: FakeSlack, tmp_path: Path
) -> AsyncIterator[Callable[..., Any]]:
    """Build and serve the real app for a config (extra env overrides the defaults)."""
    started: list[tuple[web.AppRunner, SlackHarness]] = []

    async def build(worker: bool = False, **env: str) -> SlackHarness:
        config = slack_config(fake_slack, tmp_path / "coachbot.db", **env)
        app = create_app(config, worker=worker)
        # Tests post digests with `app.digests.run_once(moment)`; the minute loop would also
        # run on the real clock (a catch-up digest is due most days) and race with them.
        app.digest_loop_enabled = False
        runner, url = await serve(app)
        session = aiohttp.ClientSession()
        harness = SlackHarness(app, app.coach, fake_slack, url, session)  # type: ignore[arg-type]
        started.append((runner, harness))
        return harness

    yield build
    for runner, harness in started:
        await harness.session.close()
        await runner.cleanup()
        harness.coach.close()


@pytest.fixture
async def slack(make_harness: Callable[..., Any]) -> SlackHarness:
    """The single-workspace app (SLACK_BOT_TOKEN) serving on a free port."""
    return await make_harness()  # type: ignore[no-any-return]
