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


def test_thread_ids_may_be_times_or_opaque_strings() -> None:
    from bot.core.jsonl import thread_key

    assert thread_key("1718000000.000100") == "1718000000.000100"
    assert thread_key(1718000000) == "1718000000.000000"
    assert thread_key("gh-123") == "gh-123" and thread_key(" issue/7 ") == "issue/7"
    assert thread_key(None) is None and thread_key("") is None
    for bad in (True, {"id": 1}, [1], "   "):
        with pytest.raises(InputError):
            thread_key(bad)


def test_bad_threads_and_numbers_are_reported_lines_not_crashes(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"text": "a", "thread": "gh-123"}\n'
        '{"text": "b", "thread_ts": true}\n'
        '{"text": "c", "id": 1e400}\n'
        '{"text": "d", "ts": NaN}\n'
        '{"text": "e", "id": Infinity}\n'
        '{"text":\r"f"}\n'
    )
    lines = list(read_jsonl(path))
    assert [line.error is None for line in lines] == [True, False, False, False, False, True]
    assert "thread" in (lines[1].error or "") and "1e400" in (lines[2].error or "")
    assert lines[5].data == {"text": "f"}  # a carriage return is JSON whitespace, not a line end


def test_a_byte_order_mark_and_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"text": "caf\xe9 ok"}\n')
    (line,) = list(read_jsonl(path))
    assert line.error is None and line.data == {"text": "caf\ufffd ok"}


def test_blank_lines_can_be_kept_for_alignment(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "a"}\n\n  \n{"text": "b"}\n')
    assert [line.number for line in read_jsonl(path)] == [0, 3]
    kept = list(read_jsonl(path, blank_lines=True))
    assert [(line.number, line.data is None, line.error) for line in kept] == [
        (0, False, None), (1, True, None), (2, True, None), (3, False, None)]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "1e400", -1e20, 10**400, "9999-12-31"])
def test_parse_ts_refuses_numbers_that_are_no_time(value: object) -> None:
    # Reports count weeks: a time a datetime cannot hold would crash them later.
    with pytest.raises(InputError, match="years 1 and 9999"):
        parse_ts(value)


def test_analyze_skips_lines_whose_time_is_no_time(tmp_path: Path) -> None:
    from bot.importers.analyze import analyze_export

    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "a", "ts": NaN}\n{"text": "b", "ts": -1e20}\n'
                    '{"text": "c", "ts": "2024-01-01"}\n')
    report = analyze_export(str(path))
    assert report.messages == 1 and len(report.problems) == 2


def test_slack_export_skips_messages_whose_ts_is_no_time(tmp_path: Path) -> None:
    import json

    from bot.importers.analyze import analyze_export

    (tmp_path / "users.json").write_text("[]")
    (tmp_path / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general"}]))
    (tmp_path / "general").mkdir()
    (tmp_path / "general" / "2024-01-01.json").write_text(json.dumps([
        {"type": "message", "user": "U1", "text": "a", "ts": "1e400"},
        {"type": "message", "user": "U1", "text": "b", "ts": "-1e20"},
        {"type": "message", "user": "U1", "text": "c", "ts": "1704103200.000100"},
    ]))
    assert analyze_export(str(tmp_path)).messages == 1
