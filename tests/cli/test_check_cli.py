"""Contract tests of `coachbot check`, `rules lint` and `rules test`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()
COACHBOT = str(Path(sys.executable).parent / "coachbot")


def _jsonl(rows: list[object]) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n"


def test_check_text_is_human_readable() -> None:
    result = runner.invoke(app, ["check", "hey guys, you are an idiot"])
    assert result.exit_code == 0
    assert "inclusion.guys" in result.output and "nudge" in result.output


def test_check_jsonl_one_line_per_input_in_order_with_ids(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(_jsonl([
        {"id": "a", "text": "thanks so much for the quick fix!"},
        {"text": "hey guys, standup in 5"},
        {"id": 7, "text": "you are an idiot", "user": "u1", "channel": "c", "ts": "1718000000.000100"},
        {"text": "plain update: deployed", "ts": "2024-06-10 06:13:20"},
    ]))
    result = runner.invoke(app, ["check", "--jsonl", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", 1, 7, 3]
    assert all(set(f) == {"rule", "category", "level", "message", "suggestion", "start", "end"}
               for r in rows for f in r["findings"])
    assert any(f["level"] == "praise" for f in rows[0]["findings"])
    guys = [f for f in rows[1]["findings"] if f["rule"] == "inclusion.guys"]
    assert guys and (guys[0]["start"], guys[0]["end"]) == (4, 8)
    assert any(f["level"] == "nudge" and f["category"] == "tone" for f in rows[2]["findings"])
    assert rows[3]["findings"] == []


def test_check_jsonl_stdin_and_malformed_lines_do_not_stop_the_rest() -> None:
    stdin = _jsonl([{"text": "hey guys"}, "{not json", {"id": "x"}, {"text": "all good here"}])
    result = subprocess.run([COACHBOT, "check", "--jsonl", "-"], input=stdin, capture_output=True,
                            text=True, timeout=60)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    # One output line per input line: a malformed one has no findings (its error is on stderr).
    assert [r["id"] for r in rows] == [0, 1, "x", 3]
    assert rows[1]["findings"] == [] and rows[2]["findings"] == []
    assert any(f["rule"] == "inclusion.guys" for f in rows[0]["findings"])
    assert "<stdin>:2:" in result.stderr and "invalid JSON" in result.stderr
    assert "<stdin>:3:" in result.stderr and "text" in result.stderr
    assert result.returncode == 1


def test_check_jsonl_conversation_kinds_work_across_lines(tmp_path: Path) -> None:
    rows = [{"id": i, "user": "ana", "channel": "ops", "ts": 1_700_000_000 + i * 5, "text": f"also {i}"}
            for i in range(5)]
    path = tmp_path / "burst.jsonl"
    path.write_text(_jsonl(rows))
    result = runner.invoke(app, ["check", "--jsonl", str(path)])
    fired = [json.loads(line)["findings"] for line in result.stdout.splitlines()]
    assert [any(f["rule"] == "etiquette.rapid-fire" for f in fs) for fs in fired] == [
        False, False, False, False, True]


def test_rules_lint_reports_file_line_rule_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("pack: bad\nrules:\n  - id: bad.one\n    kind: pattern\n    category: tone\n"
                   "    level: tip\n    message: m\n    patterns: ['(?=x)']\n"
                   "    examples: {flag: [a, b, c], pass: [d, e, f]}\n")
    result = runner.invoke(app, ["rules", "lint", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: bad.one: " in result.stdout or f"{bad}:8: bad.one: " in result.stdout
    assert "RE2" in result.stdout


def test_rules_lint_and_test_pass_on_shipped_packs() -> None:
    lint = runner.invoke(app, ["rules", "lint"])
    assert lint.exit_code == 0 and lint.stdout.startswith("OK:")
    tested = runner.invoke(app, ["rules", "test"])
    assert tested.exit_code == 0, tested.stdout
    assert ", 0 failed" in tested.stdout


def test_rules_test_reports_a_failing_example(tmp_path: Path) -> None:
    pack = tmp_path / "t.yaml"
    pack.write_text("pack: t\nrules:\n  - id: t.one\n    kind: phrase\n    category: tone\n"
                    "    level: tip\n    message: m\n    phrases: [obviously]\n"
                    "    examples: {flag: [obviously, Obviously., clearly], pass: [d, e, f]}\n")
    result = runner.invoke(app, ["rules", "test", str(pack)])
    assert result.exit_code == 1
    assert "FAIL t.one: should fire on 'clearly'; fired: nothing" in result.stdout
    assert "5 passed, 1 failed" in result.stdout


def test_bad_rules_path_refuses_to_check(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "hi", "--rules", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no such file or directory" in result.output


def test_check_jsonl_survives_odd_input_and_stays_aligned(tmp_path: Path) -> None:
    # An opaque thread id, a lone surrogate, a blank line, an invalid thread and a huge number:
    # one output line per input line, never a traceback.
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"text": "you idiot \\ud800 shut up"}\n'
        '{"text": "hi there", "thread": "gh-123"}\n'
        "\n"
        '{"text": "ok", "thread_ts": true}\n'
        '{"text": "hi", "id": 1e400}\n'
    )
    result = subprocess.run([COACHBOT, "check", "--jsonl", str(path)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == [0, 1, 2, 3, 4]
    assert any(f["rule"] == "tone.personal-insult" for f in rows[0]["findings"])
    assert "in.jsonl:4: skipped: thread" in result.stderr
    assert "in.jsonl:5: skipped: invalid JSON" in result.stderr


def test_check_text_and_stdin_with_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    text = subprocess.run([COACHBOT, "check", b"\xed\xa0\x80 you idiot"], capture_output=True,
                          timeout=120)
    assert text.returncode == 0 and b"tone.personal-insult" in text.stdout, text.stderr
    piped = subprocess.run([COACHBOT, "check", "--jsonl", "-"],
                           input=b'{"text": "caf\xe9, you idiot"}\n', capture_output=True,
                           timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert b"tone.personal-insult" in piped.stdout
