"""Slack export reader: people vs. bots and system events, threads, zips, bad day files."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from bot.importers import ExportError, SlackExport, open_export
from bot.importers.analyze import analyze_export
from tests.importers.conftest import SLACK_DIR


def read_all(export: SlackExport, **kwargs: float) -> list:  # type: ignore[type-arg]
    problems: list[tuple[str, str]] = []
    found = [
        m for unit in export.units()
        for m in export.read(unit, on_problem=lambda w, p: problems.append((w, p)), **kwargs)
    ]
    assert not problems, problems
    return found


def test_people_bots_joins_and_subtypes() -> None:
    export = SlackExport(SLACK_DIR)
    assert export.units() == ["general", "random"]
    general = list(export.read("general"))
    human = [m for m in general if m.human]
    other = [m for m in general if not m.human]
    # Joins, leaves, topic changes, bot posts (bot_id), slackbot and bot users are not people.
    assert len(other) == 6
    assert {m.message.user for m in human} == {"U01ALICE", "U02BOB", "U03CAROL", "U04DAVE"}
    assert len(human) == 8
    assert all(m.message.channel == "C01GENERAL" and m.channel_name == "general" for m in human)
    # The deleted user's (edited) message counts once, like anyone's.
    assert sum(1 for m in human if m.message.user == "U04DAVE") == 1


def test_threads_mentions_files_and_order() -> None:
    general = [m.message for m in SlackExport(SLACK_DIR).read("general") if m.human]
    by_ts = {m.id: m for m in general}
    parent = by_ts["1709546400.000200"]
    reply = by_ts["1709546520.000300"]
    assert parent.thread is None  # a thread's parent is a channel message
    assert reply.thread == "1709546400.000200"
    assert by_ts["1709546700.000400"].mentions == ("U02BOB",)
    assert by_ts["1709553600.000600"].text.startswith("Here is the diagram")  # has a file
    assert by_ts["1709636400.000500"].thread == "1709546400.000200"  # thread broadcast
    stamps = [m.ts or 0.0 for m in general]
    assert stamps == sorted(stamps)


def test_zip_with_a_top_folder_reads_like_the_folder(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(SLACK_DIR.rglob("*.json")):
            zf.write(path, "My Workspace Slack export/" + path.relative_to(SLACK_DIR).as_posix())
    from_zip = open_export(archive)
    assert isinstance(from_zip, SlackExport)
    assert [m.message for m in read_all(from_zip)] == [
        m.message for m in read_all(SlackExport(SLACK_DIR))
    ]


def test_since_until_filter_by_time() -> None:
    export = SlackExport(SLACK_DIR)
    messages = read_all(export, since=1709596800.0, until=1709683200.0)  # 2024-03-05 only
    assert messages and all(1709596800 <= (m.message.ts or 0) < 1709683200 for m in messages)


def test_a_bad_day_file_is_reported_and_skipped(tmp_path: Path) -> None:
    copy = tmp_path / "slack"
    shutil.copytree(SLACK_DIR, copy)
    (copy / "general" / "2024-03-06.json").write_text('[{"type": "message", "text": ')
    (copy / "random" / "2024-03-07.json").write_text('{"not": "a list"}')
    export = SlackExport(copy)
    problems: list[tuple[str, str]] = []
    messages = [
        m for unit in export.units()
        for m in export.read(unit, on_problem=lambda w, p: problems.append((w, p)))
    ]
    assert len([m for m in messages if m.human]) == 11  # everything else still read
    assert [Path(w).name for w, _ in problems] == ["2024-03-06.json", "2024-03-07.json"]
    assert "not valid JSON" in problems[0][1] and "expected a list" in problems[1][1]


def test_malformed_users_file_is_a_clear_error(tmp_path: Path) -> None:
    copy = tmp_path / "slack"
    shutil.copytree(SLACK_DIR, copy)
    (copy / "users.json").write_text("[{")
    with pytest.raises(ExportError, match=r"users\.json: not valid JSON"):
        SlackExport(copy)


def test_not_a_zip_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "export.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ExportError, match="export.zip"):
        open_export(bad)


def _export(tmp_path: Path, users: list[dict[str, object]], day: list[dict[str, object]]) -> Path:
    """A one-channel, one-day Slack export folder."""
    root = tmp_path / "export"
    (root / "general").mkdir(parents=True)
    (root / "users.json").write_text(json.dumps(users))
    (root / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general"}]))
    (root / "general" / "2024-03-04.json").write_text(json.dumps(day))
    return root


NAMED_USERS: list[dict[str, object]] = [
    {"id": "U1", "name": "ana.lopez", "real_name": "Ana Lopez", "profile": {"display_name": "ana"}},
    {"id": "U2", "name": "ben", "real_name": "Ben Okafor"},
    {"id": "U3", "name": "sam.k", "real_name": "Sam King"},
    {"id": "U4", "name": "sam.r", "real_name": "Sam Reyes"},
]


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("ana: can you check the build?", ("U1",)),
        ("  Ana, try restarting it", ("U1",)),
        ("ANA.LOPEZ: ping", ("U1",)),
        ("@ben did it pass?", ("U2",)),
        ("<@U2> ana: both of you", ("U2",)),  # only the start of a message addresses someone
        ("ana try restarting", ()),  # a bare first word is not an address
        ("sam: which one of you?", ()),  # two people are called Sam
        ("note: the build is green", ()),  # not anybody's name
        ("ben:", ("U2",)),
    ],
)
def test_a_name_typed_at_the_start_counts_as_a_mention(
    tmp_path: Path, text: str, mentions: tuple[str, ...]
) -> None:
    root = _export(tmp_path, NAMED_USERS, [{"type": "message", "user": "U3", "text": text,
                                             "ts": "1709546400.000100"}])
    (message,) = [m.message for m in SlackExport(root).read("general")]
    assert message.mentions == mentions


def test_a_question_put_to_someone_by_name_is_answered_by_them(tmp_path: Path) -> None:
    lines = [("U5", "morning"), ("U6", "coffee time"), ("U7", "standup moved"), ("U8", "ok"),
             ("U2", "ana: does the build pass on arm?"), ("U6", "lol"), ("U7", "same"),
             ("U1", "yes, since Tuesday")]
    day = [{"type": "message", "user": user, "text": text, "ts": f"{1709546400 + 10 * i}.000100"}
           for i, (user, text) in enumerate(lines)]
    report = analyze_export(str(_export(tmp_path, NAMED_USERS, day))).to_json()
    (channel,) = report["channels"]
    assert (channel["questions"], channel["answered_questions"]) == (1, 1)
    assert channel["median_first_answer_seconds"] == pytest.approx(30.0, rel=0.05)


def test_a_corrupt_member_of_a_zip_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("users.json", "[]")
        out.writestr("channels.json", json.dumps([{"id": "C1", "name": "general"}]))
        out.writestr("general/2024-01-01.json", json.dumps(
            [{"type": "message", "user": "U1", "text": "hello " * 200, "ts": "1704103200.0"}]))
        out.writestr("general/2024-01-02.json", json.dumps(
            [{"type": "message", "user": "U2", "text": "fine", "ts": "1704189600.0"}]))
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as reading:
        info = reading.getinfo("general/2024-01-01.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start, start + 40):  # flip compressed bytes: zlib cannot inflate them
        data[offset] ^= 0xFF
    archive.write_bytes(bytes(data))
    export = open_export(archive)
    problems: list[tuple[str, str]] = []
    read = [m for unit in export.units()
            for m in export.read(unit, on_problem=lambda w, p: problems.append((w, p)))]
    assert [m.message.text for m in read] == ["fine"]
    assert len(problems) == 1 and problems[0][0].endswith("general/2024-01-01.json")
    assert problems[0][1].startswith("cannot be read"), problems


def test_an_export_zipped_several_folders_deep(tmp_path: Path) -> None:

    archive = tmp_path / "nested.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("a/b/Acme export/users.json", json.dumps(
            [{"id": "U1", "name": "ana"}, {"id": "B1", "name": "ci", "is_bot": True}]))
        out.writestr("a/b/Acme export/channels.json", json.dumps([{"id": "C1", "name": "general"}]))
        out.writestr("a/b/Acme export/general/2024-01-01.json", json.dumps([
            {"type": "message", "user": "U1", "text": "hi", "ts": "1704103200.0"},
            {"type": "message", "user": "B1", "text": "build ok", "ts": "1704103260.0"},
        ]))
    export = open_export(archive)
    assert export.units() == ["general"]
    read = list(export.read("general"))
    assert [(m.message.channel, m.human) for m in read] == [("C1", True), ("C1", False)]
