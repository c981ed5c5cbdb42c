"""The shared JSONL input format and timestamp parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.jsonl import InputError, parse_ts, read_jsonl


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1718000000, 1718000000.0),
        (1718000000.5, 1718000000.5),
        ("1718000000.000100", 1718000000.0001),
        ("2024-06-10T06:13:20Z", 1718000000.0),
        ("2024-06-10 06:13:20", 1718000000.0),
        ("2024-06-10T08:13:20+02:00", 1718000000.0),
    ],
)
def test_parse_ts_accepts_every_documented_form(value: object, expected: float) -> None:
    assert parse_ts(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", ["yesterday", "", None, True, [1]])
def test_parse_ts_refuses_garbage(value: object) -> None:
    with pytest.raises(InputError):
        parse_ts(value)


def test_read_jsonl_reports_bad_lines_and_keeps_numbers(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "a"}\n\nnot json\n{"text": 3}\n{"id": "x", "text": "b"}\n')
    lines = list(read_jsonl(path))
    assert [(line.number, line.error is None) for line in lines] == [
        (0, True),
        (2, False),
        (3, False),
        (4, True),
    ]
    assert lines[0].id == 0 and lines[3].id == "x"


def test_one_line_becomes_the_same_message_for_every_command() -> None:
    from bot.core.jsonl import message_from_line

    message = message_from_line(
        {"text": "thanks <@U42>!", "ts": "2024-06-10 06:13:20", "thread_ts": "1718000000.000100",
         "bot_id": "B1"},
        3, platform="jsonl", workspace="w",
    )
    assert (message.channel, message.user, message.id) == ("default", "anonymous-3", "3")
    assert message.ts == 1718000000.0 and message.thread == "1718000000.000100"
    assert message.mentions == ("U42",) and message.is_bot
    named = message_from_line({"text": "hi", "user": "ana", "channel": "ops", "id": "m1",
                               "mentions": ["ben"]}, 0, platform="p", workspace="w")
    assert (named.user, named.channel, named.id, named.mentions, named.is_bot) == (
        "ana", "ops", "m1", ("ben",), False)
