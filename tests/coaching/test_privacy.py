"""Message text never reaches the database files or the logs, whatever the pipeline does."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.coaching.clock import ManualClock
from bot.coaching.coach import Coach
from bot.coaching.models import CommandContext
from bot.core.models import Message

RULES_DIR = Path(__file__).parent / "rules"

# Each message carries a made-up marker word that cannot appear in any rule, id or setting.
CONVERSATION = [
    ("U1", "hey guys, the Quokkafrost deploy is red again, this is your fault", ()),
    ("U2", "Which Zebrulon step failed? I need the logs asap", ()),
    ("U1", "THE MARMOSETTA BUILD IS BROKEN AGAIN!!!", ()),
    ("U3", "the Plinketron cache was stale, fixed it now", ()),
    ("U2", "thanks <@U3> for fixing the Wombatrix cache!", ("U3",)),
    ("U1", "you broke the Glimmerstag pipeline, seriously, asap please", ()),
    ("U3", "what is the Frobnitzel timeline for the release?", ()),
    ("U2", "the Snorkelwane release is friday at 3pm", ()),
]
MARKERS = [
    "Quokkafrost",
    "Zebrulon",
    "MARMOSETTA",
    "Plinketron",
    "Wombatrix",
    "Glimmerstag",
    "Frobnitzel",
    "Snorkelwane",
]


def _db_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file())


def _assert_no_text(blob: bytes, where: str) -> None:
    lowered = blob.lower()
    for _, text, _ in CONVERSATION:
        assert text.encode() not in blob, f"message text found in {where}"
    for marker in MARKERS:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert marker.lower().encode(encoding) not in lowered, f"{marker!r} in {where}"


@pytest.mark.parametrize("rules", ["shipped", "test"])
def test_no_message_text_in_database_files_or_logs(
    tmp_path: Path,
    rules: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if rules == "shipped" and not any((Path(__file__).parents[2] / "rules").glob("*.yaml")):
        pytest.skip("no shipped rule packs in this checkout yet")
    caplog.set_level(logging.DEBUG)
    db_dir = tmp_path / "db"
    clock = ManualClock(datetime(2024, 6, 10, 9, 0, tzinfo=UTC))
    coach = Coach.create(
        f"sqlite:///{db_dir / 'coachbot.db'}",
        rules_path=None if rules == "shipped" else str(RULES_DIR),
        clock=clock,
    )
    nudges = []
    for n, (user, text, mentions) in enumerate(CONVERSATION):
        clock.advance(30)
        message = Message(
            "slack", "T1", "C1", user, text, ts=clock().timestamp(), id=f"{n}", mentions=mentions
        )
        for nudge in coach.process(message, event_id=f"Ev{n}"):
            nudges.append(nudge)
            coach.record_delivery(nudge.id, delivered=True)
            coach.action(
                CommandContext("slack", "T1", user), "coach:feedback:helpful", str(nudge.id)
            )
    # the pipeline did real work: counters, nudges, a draft check and exports
    day = clock().date()
    totals = coach.store.totals("T1", day, day + timedelta(days=1))
    assert totals.messages == len(CONVERSATION)
    if rules == "test":
        assert nudges, "the test rules should have produced nudges"
    admin = CommandContext("slack", "T1", "U1", channel="C1", is_admin=True)
    coach.command(admin, "check the Quokkafrost draft is your fault")
    coach.command(admin, "stats")
    coach.command(admin, "mydata")
    coach.command(admin, "digest preview")

    _assert_no_text(_db_bytes(db_dir), "the open database (incl. -wal/-shm)")
    coach.close()
    _assert_no_text(_db_bytes(db_dir), "the closed database")
    captured = capsys.readouterr()
    logs = caplog.text + captured.out + captured.err
    _assert_no_text(logs.encode(), "the logs")


def test_a_failing_command_logs_no_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    coach = Coach.create(f"sqlite:///{tmp_path / 'c.db'}", rules_path=str(RULES_DIR))

    def broken(message: Message) -> list:  # type: ignore[type-arg]
        raise ValueError(f"cannot analyze {message.text}")

    coach.engine.analyze = broken  # type: ignore[method-assign]
    response = coach.command(CommandContext("slack", "T1", "U1"), "check the Zebrulon draft")
    assert response.error
    captured = capsys.readouterr()
    logs = caplog.text + captured.out + captured.err
    assert "coach.command_failed" in logs and "ValueError" in logs
    assert "zebrulon" not in logs.lower()
    coach.close()
