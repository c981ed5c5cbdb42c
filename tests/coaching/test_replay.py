"""`coachbot replay` (shadow mode) and `coachbot db`: output contract, options, bad lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from bot.cli import app
from bot.store import Store

RULES = str(Path(__file__).parent / "rules")
LINES = [
    {"id": "a1", "user": "U1", "channel": "C1", "ts": 1718000000, "text": "you broke the build"},
    {"id": "a2", "user": "U2", "channel": "C1", "ts": "1718000060.000100", "text": "thanks <@U1>"},
    {
        "id": "a3",
        "user": "U1",
        "channel": "C1",
        "ts": "2024-06-10 06:20:00",
        "text": "you broke it",
    },
    {
        "id": "a4",
        "user": "U1",
        "channel": "C1",
        "ts": "2024-06-11T07:00:00",
        "text": "you broke it",
    },
    {
        "id": "a5",
        "user": "U3",
        "channel": "C2",
        "ts": "2024-06-11T07:00:01",
        "text": "need it asap",
    },
]


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    yield
    structlog.reset_defaults()


def write(tmp_path: Path, rows: list[object]) -> str:
    path = tmp_path / "history.jsonl"
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n",
        encoding="utf-8",
    )
    return str(path)


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


def test_replay_prints_one_json_line_per_nudge(tmp_path: Path) -> None:
    result = run("replay", write(tmp_path, LINES), "--jsonl", "--rules", RULES)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    # a3 is inside a1's 24 h cooldown (the clock follows the timestamps); a4 is the next day
    assert [(n["id"], n["rule"]) for n in out] == [
        ("a1", "testtone.blame"),
        ("a4", "testtone.blame"),
        ("a5", "testtone.asap"),
    ]
    assert set(out[0]) == {"id", "user", "channel", "rule", "level", "message"}
    assert out[0]["user"] == "U1" and out[2]["channel"] == "C2" and out[0]["level"] == "nudge"
    assert out[0]["message"] == "Blame words can make people defensive."


def test_replay_summary_and_optout(tmp_path: Path) -> None:
    result = run("replay", write(tmp_path, LINES), "--summary", "--rules", RULES, "--optout", "U3")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["messages"] == 5 and summary["nudges"] == 2
    assert summary["per_rule"] == {"testtone.blame": 2}
    assert summary["per_person"] == {"U1": 2}


def test_replay_reports_bad_lines_and_goes_on(tmp_path: Path) -> None:
    rows = [
        LINES[0],
        "not json",
        {"user": "U1", "channel": "C1", "text": "no ts"},
        {"user": "U1", "channel": "C1", "ts": "yesterday", "text": "x"},
        LINES[4],
    ]
    path = write(tmp_path, rows)
    result = run("replay", path, "--rules", RULES)
    assert result.exit_code == 1
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["a1", "a5"]
    assert f"{path}:2: skipped: invalid JSON" in result.stderr
    assert f"{path}:3: skipped: missing field(s): ts" in result.stderr
    assert f"{path}:4: skipped:" in result.stderr


def test_replay_with_a_database_uses_its_workspace_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shadow.db'}"
    store = Store.open(url)
    store.save_settings("acme", {"disabled_rules": ["testtone.blame"]})
    store.close()
    result = run(
        "replay", write(tmp_path, LINES), "--rules", RULES, "--database", url, "--workspace", "acme"
    )
    assert result.exit_code == 0, result.output
    assert [json.loads(x)["rule"] for x in result.stdout.splitlines()] == ["testtone.asap"]


def test_replay_missing_file(tmp_path: Path) -> None:
    result = run("replay", str(tmp_path / "nope.jsonl"), "--rules", RULES)
    assert result.exit_code == 1 and "cannot read" in result.stderr


def test_db_upgrade_and_current(database_url: str) -> None:
    from bot.store.migrate import head_revision

    head = head_revision()
    first = run("db", "upgrade", "--database", database_url)
    assert first.exit_code == 0, first.output
    assert f"upgraded from empty to {head}" in first.stdout
    again = run("db", "upgrade", "--database", database_url)
    assert f"already at revision {head}" in again.stdout
    assert f"revision {head}" in run("db", "current", "--database", database_url).stdout
    assert run("db", "purge", "--database", database_url).exit_code == 0


def test_db_upgrade_reports_an_unreachable_database() -> None:
    result = run("db", "upgrade", "--database", "postgresql+psycopg://nobody@127.0.0.1:1/x")
    assert result.exit_code == 1
    assert "OperationalError" in result.stderr


def test_db_forget_workspace(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    store = Store.open(url)
    store.save_settings("acme", {"daily_cap": 1})
    store.close()
    result = run("db", "forget-workspace", "acme", "--database", url, "--yes")
    assert result.exit_code == 0 and "Deleted 1 row(s)" in result.stdout
    refused = CliRunner().invoke(
        app, ["db", "forget-workspace", "acme", "--database", url], input="n\n"
    )
    assert refused.exit_code == 1
