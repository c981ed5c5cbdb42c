"""DiscordChatExporter reader: message types, bots, deleted users, mentions, bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.importers import DiscordExport, open_export
from tests.importers.conftest import DISCORD_FILE


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
