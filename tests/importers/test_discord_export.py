"""DiscordChatExporter reader: message types, bots, deleted users, mentions, bad files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bot.importers import DiscordExport, open_export
from tests.importers.conftest import DISCORD_FILE
from tests.importers.test_analyze_cli import analyze_json


def test_people_replies_attachments_and_system_messages() -> None:
    export = open_export(DISCORD_FILE)
    assert isinstance(export, DiscordExport)
    [unit] = export.units()
    messages = list(export.read(unit))
    human = [m.message for m in messages if m.human]
    # Join and pin notices and the CI bot are not people; an attachment-only post is.
    assert [m.id for m in human] == ["2", "3", "4", "7"]
    assert {m.user for m in human} == {"101", "102", "103", "456"}  # 456: a deleted user
    reply = human[1]
    assert reply.channel == "910000000000000001" and reply.workspace == "900000000000000001"
    assert reply.mentions == ("101",)
    assert reply.ts == 1709546580.0
    assert messages[0].channel_name == "general"


def test_folder_with_a_broken_file_reports_it_and_reads_the_rest(tmp_path: Path) -> None:
    shutil.copy(DISCORD_FILE, tmp_path / "general.json")
    text = DISCORD_FILE.read_text()
    (tmp_path / "truncated.json").write_text(text[: len(text) // 2])
    (tmp_path / "other.json").write_text('{"guild": {}, "messages": []}')
    export = open_export(tmp_path)
    assert isinstance(export, DiscordExport)
    problems: list[tuple[str, str]] = []
    human = [
        m for unit in export.units()
        for m in export.read(unit, on_problem=lambda w, p: problems.append((w, p))) if m.human
    ]
    names = sorted(Path(w).name for w, _ in problems)
    assert names == ["other.json", "truncated.json"]
    # The truncated copy yields what it could read before the break, then is reported.
    assert len([m for m in human if m.message.id == "2"]) == 2
    assert len([m for m in human if m.message.id == "7"]) == 1


def test_a_reply_mentions_the_author_of_the_message_it_references(tmp_path: Path) -> None:
    def item(message_id: str, author: str, content: str, **extra: object) -> dict[str, object]:
        return {
            "id": message_id, "type": "Default", "timestamp": f"2024-03-04T10:0{message_id}:00+00:00",
            "content": content, "author": {"id": author, "name": author, "isBot": False},
            "mentions": [], **extra,
        }

    messages = [
        item("1", "104", "Deploy is green."),
        item("2", "105", "Nice, thanks."),
        item("3", "101", "Where do the release notes live?"),
        item("4", "103", "Lunch is here."),
        item("5", "102", "In the wiki.", type="Reply", reference={"messageId": "3"}),
        item("6", "102", "Also here.", type="Reply", reference={"messageId": "999"}),
    ]
    path = tmp_path / "general.json"
    path.write_text(json.dumps({"guild": {"id": "9"}, "channel": {"id": "8", "name": "general"},
                                "messages": messages}))
    export = open_export(path)
    [unit] = export.units()
    read = {m.message.id: m.message for m in export.read(unit)}
    assert read["5"].mentions == ("101",)  # not pinged, still the author it answers
    assert read["6"].mentions == ()  # the referenced message is not in the export
    # In a channel with five voices only the reference ties the answer to the question.
    [channel] = analyze_json(str(path))["channels"]
    assert (channel["questions"], channel["answered_questions"]) == (1, 1)
    assert channel["median_first_answer_seconds"] == 120


def _channel_file(path: Path, messages: list[dict[str, object]]) -> None:
    path.write_text(json.dumps({"guild": {"id": "9"}, "channel": {"id": "8", "name": "general"},
                                "messages": messages}))


def test_the_parts_of_a_split_channel_are_one_conversation_in_part_order(tmp_path: Path) -> None:
    # DiscordChatExporter's partition option writes "<name> [part N].json": a question in one
    # part answered in the next; part 10 sorts before part 2 by name, never by reading order.
    def item(n: int, author: str, content: str, **extra: object) -> dict[str, object]:
        return {"id": str(n), "type": "Default", "timestamp": f"2024-03-04T10:{n:02d}:00+00:00",
                "content": content, "author": {"id": author, "name": author, "isBot": False},
                "mentions": [], **extra}

    messages = [item(n, f"{100 + n % 3}", f"update {n}") for n in range(1, 12)]
    messages[9] = item(10, "101", "where do the release notes live?")
    messages[10] = item(11, "102", "In the wiki.", type="Reply", reference={"messageId": "10"})
    whole = tmp_path / "whole"
    whole.mkdir()
    _channel_file(whole / "Guild - general [8].json", messages)
    split = tmp_path / "split"
    split.mkdir()
    for number, chunk in enumerate([messages[i:i + 1] for i in range(11)], start=1):
        _channel_file(split / f"Guild - general [8] [part {number}].json", chunk)
    export = open_export(split)
    assert isinstance(export, DiscordExport) and len(export.units()) == 1
    [unit] = export.units()
    assert [m.message.id for m in export.read(unit)] == [str(n) for n in range(1, 12)]
    assert export.total(unit) == sum(f.stat().st_size for f in split.iterdir())
    reference = analyze_json(str(whole))
    assert reference["channels"][0]["answered_questions"] == 1
    for jobs in ("1", "2"):
        got = analyze_json(str(split), "--jobs", jobs)
        assert got["channels"] == reference["channels"] and got["weeks"] == reference["weeks"]


def test_a_malformed_file_is_reported_without_quoting_its_text(tmp_path: Path) -> None:
    # The JSON parser's own message quotes the text around the error: never shown.
    _channel_file(tmp_path / "good.json", [])
    (tmp_path / "broken.json").write_text(
        '{"guild": {"id": "9"}, "channel": {"id": "7", "name": "x"}, "messages": [{"id": "1", '
        '"content": "please keep this private" oops}]}'
    )
    (tmp_path / "badutf.json").write_bytes(
        b'{"guild": {"id": "9"}, "channel": {"id": "6", "name": "y"}, "messages": [{"id": "1", '
        b'"content": "secret \xff\xfe words"}]}'
    )
    export = open_export(tmp_path)
    problems: list[str] = []
    for unit in export.units():
        list(export.read(unit, on_problem=lambda where, what: problems.append(what)))
    assert len(problems) == 2
    assert not any("private" in p or "oops" in p or "secret" in p for p in problems), problems
