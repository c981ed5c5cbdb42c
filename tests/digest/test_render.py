"""Digest rendering: neutral Response, console text, Slack Block Kit, Discord embed, PNG chart."""

from __future__ import annotations

import json
from datetime import date, timedelta

from bot.coaching.models import Response
from bot.digest.compute import (
    CounterRow,
    NudgeRow,
    RuleHitRow,
    compute_channel_digest,
    compute_personal_digest,
)
from bot.digest.render import (
    digest_text,
    fmt_change,
    fmt_count_change,
    fmt_duration,
    render_channel_digest,
    render_personal_digest,
)

WEEK = date(2024, 3, 4)
PEOPLE = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _digest(voices: int = 4):  # type: ignore[no-untyped-def]
    rows = [
        CounterRow(
            "C1",
            user,
            WEEK + timedelta(days=i),
            messages=5 + i,
            questions=1,
            answers=1,
            thanks=1,
            tone_negative=1,
            tone_positive=2,
        )
        for i, user in enumerate(PEOPLE[:voices])
    ] + [CounterRow("C1", "U0ALICE", WEEK - timedelta(days=3), messages=9, tone_negative=3)]
    hits = [RuleHitRow("C1", "U0BOB", WEEK, "tone.harsh-sentiment", 3)]
    nudges = [NudgeRow("C1", "U0BOB", WEEK, "tone.harsh-sentiment", "nudge", "helpful")]
    return compute_channel_digest("C1", WEEK, rows, hits, (), nudges, ["clarity.asap"])


def _all_text(response: Response) -> str:
    return digest_text(response)


def test_channel_digest_response_has_all_parts_and_names_nobody() -> None:
    response = render_channel_digest(_digest())
    text = _all_text(response)
    assert response.public and response.title.startswith("Weekly conversation digest")
    for heading in (
        "Activity",
        "Balance of voices",
        "Questions",
        "Tone",
        "Appreciation",
        "Guidelines that came up most",
        "Private tips",
        "Guidelines toned down",
    ):
        assert heading in text
    assert "tone.harsh-sentiment: 3" in text and "clarity.asap" in text
    assert "Rated helpful: 1" in text
    assert not any(user in text for user in PEOPLE)
    assert response.attachment is not None
    name, png = response.attachment
    assert name == "digest.png" and png.startswith(PNG_MAGIC) and len(png) > 5000


def test_small_channel_digest_says_why_details_are_missing() -> None:
    response = render_channel_digest(_digest(voices=2), chart=False)
    text = _all_text(response)
    assert "Fewer than 3 people spoke" in text
    assert "Balance of voices" not in text and "Tone" not in text and "tone.harsh" not in text
    assert response.attachment is None


def test_slack_blocks_render_the_digest() -> None:
    from bot.adapters.slack.blocks import response_blocks

    blocks = response_blocks(render_channel_digest(_digest(), chart=False))
    assert blocks[0]["type"] == "header"
    dumped = json.dumps(blocks)
    assert "Balance of voices" in dumped and "Median time to a first answer" in dumped
    assert not any(user in dumped for user in PEOPLE)


def test_discord_embed_renders_the_digest_with_its_chart() -> None:
    from bot.adapters.discord.embeds import render_response

    rendered = render_response(render_channel_digest(_digest()))
    embed = rendered.embeds[0]
    assert embed.title is not None and embed.title.startswith("Weekly conversation digest")
    assert rendered.files and rendered.files[0].filename == "digest.png"
    assert embed.image.url == "attachment://digest.png"
    names = [f.name for e in rendered.embeds for f in e.fields]
    assert "Messages" in names and "Negative" in names


def test_personal_digest_is_private_and_has_one_suggestion() -> None:
    rows = [CounterRow("C1", "U0BOB", WEEK, messages=7, answers=2, praise_received=1)]
    nudges = [NudgeRow("C1", "U0BOB", WEEK, "clarity.asap", "nudge", "not_helpful")]
    digest = compute_personal_digest(
        "U0BOB", WEEK, rows, nudges, suggestions={"clarity.asap": "Name a time."}
    )
    response = render_personal_digest(digest)
    text = response.as_text()
    assert not response.public
    assert "Questions you answered for others: 2" in text and "Praise you received: 1" in text
    assert "You rated them: not helpful 1." in text
    assert text.rstrip().endswith("Name a time.")


def test_formatting_helpers() -> None:
    assert fmt_duration(None) == "n/a" and fmt_duration(45) == "45 s"
    assert fmt_duration(600) == "10 min" and fmt_duration(3 * 3600) == "3.0 h"
    assert fmt_duration(3 * 86400) == "3.0 days"
    assert fmt_change(0.031) == "+3 pts" and fmt_change(-0.01) == "-1 pt"
    assert fmt_change(0.001) == "no change" and fmt_change(None) == "no comparison yet"


def test_large_counts_read_with_thousands_separators() -> None:
    assert fmt_count_change(1200, 1000) == "1,200 (last week 1,000, +20%)"
    assert fmt_count_change(12345, 0) == "12,345 (last week 0)"
