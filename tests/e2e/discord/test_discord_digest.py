"""Weekly digests on Discord: an embed with the chart attached, in the configured channel, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from discord_harness import FRIENDLY, new_user, running_bot
from fake_discord import FakeDiscord

from bot.coaching.coach import Coach


async def test_weekly_digest_is_posted_once_with_its_chart(
    fake: FakeDiscord, tmp_path: Path, endpoint_overrides: None
) -> None:
    # The bot's clock is a week ahead, so this week's messages are "last week" to the digest.
    coach = Coach.create(
        database_url=f"sqlite:///{tmp_path / 'coach.db'}",
        clock=lambda: datetime.now(UTC) + timedelta(days=7),
    )
    try:
        async with running_bot(fake, coach) as bot:
            admin = new_user("admin")
            fake.guild.admins.add(int(admin["id"]))
            channel = fake.guild.channel_id
            for key, value in (
                ("digest.channel", f"<#{channel}>"),
                ("digest.weekday", "mon"),
                ("digest.time", "00:00"),
            ):
                await bot.command(admin, "coach", "config", "set", key=key, value=value)
            assert coach.settings(str(fake.guild.id)).digest_channel == str(channel)

            people = [new_user(f"person{i}") for i in range(4)]
            for i in range(12):
                await bot.send(people[i % 4], f"{FRIENDLY} Can you check build {i}?")

            runner = bot.client.digest_runner
            assert runner is not None
            assert await runner.tick() == 1
            (post,) = fake.find("POST", f"/channels/{channel}/messages")
            embed = post.body["embeds"][0]
            assert embed["title"].startswith("Weekly conversation digest")
            assert embed["image"]["url"] == "attachment://digest.png"
            assert [f["filename"] for f in post.body["_files"]] == ["digest.png"]
            # No person is named in the public digest.
            text = str(post.body)
            assert not any(p["username"] in text or p["id"] in text for p in people)

            assert await runner.tick() == 0  # claimed and posted: never twice
            assert len(fake.find("POST", f"/channels/{channel}/messages")) == 1
    finally:
        coach.close()
