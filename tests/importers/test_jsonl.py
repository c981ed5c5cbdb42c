"""JSONL reader: the `check --jsonl` format with every timestamp form, bad lines skipped."""

from __future__ import annotations

from pathlib import Path

from bot.importers import JsonlExport, open_export
from tests.importers.conftest import JSONL_FILE


def test_timestamps_in_every_form_and_defaults() -> None:
    export = open_export(JSONL_FILE)
    assert isinstance(export, JsonlExport)
    messages = [m.message for m in export.read(export.units()[0])]
    assert [m.ts for m in messages] == [1709546400.0, 1709546460.0001, 1710147600.0, 1710149400.0]
    assert [m.channel for m in messages] == ["dev", "dev", "dev", "ops"]


def test_bad_lines_are_reported_with_their_number(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "fine"}\nnot json\n{"text": 5}\n\n{"text": "ok", "ts": "soon"}\n'
                    '{"text": "also fine"}\n')
    export = JsonlExport(path)
    problems: list[tuple[str, str]] = []
    messages = list(export.read(str(path), on_problem=lambda w, p: problems.append((w, p))))
    assert [m.message.text for m in messages] == ["fine", "also fine"]
    assert [w.rsplit(":", 1)[1] for w, _ in problems] == ["2", "3", "5"]
    assert messages[0].message.user == "anonymous-0" and messages[0].message.channel == "default"
