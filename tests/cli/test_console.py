"""The tokenless demo and the interactive console."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from bot.adapters.console import demo_conversation, run_chat, run_demo

COACHBOT = str(Path(sys.executable).parent / "coachbot")


def test_bundled_conversation_is_a_realistic_team_chat() -> None:
    script = demo_conversation()
    assert 40 <= len(script) <= 80
    assert len({line.user for line in script}) >= 4
    assert [line.ts for line in script] == sorted(line.ts for line in script)


def test_demo_runs_the_whole_pipeline_and_ends_with_the_digest(tmp_path: Path) -> None:
    out = io.StringIO()
    counts = run_demo(out, chart_dir=tmp_path)
    text = out.getvalue()
    assert 2 <= counts["nudges"] <= 10
    assert text.count("private to ") == counts["nudges"]
    assert "[Helpful] [Not helpful] [Snooze 1 day]" in text
    digest = text.split("weekly digest", 1)[1].split("(chart saved")[0].lower()
    assert "balance of voices" in digest and "questions" in digest
    for person in {line.user for line in demo_conversation()}:
        assert person not in digest, f"the digest names {person}"
    assert (tmp_path / "digest.png").read_bytes().startswith(b"\x89PNG")


def test_demo_command_from_a_clean_environment(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([COACHBOT, "demo", "--chart-dir", str(tmp_path)], capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert "private tips in" in result.stdout
    assert not (tmp_path / ".local").exists() or not any((tmp_path / ".local").rglob("*.db"))


def test_chat_shows_a_private_tip_and_answers_commands() -> None:
    out = io.StringIO()
    stdin = io.StringIO("morning all\nyou are an idiot\n/user kim\n/coach help\n/quit\nignored\n")
    run_chat(stdin, out, "sam", "general", interactive=False)
    text = out.getvalue()
    assert "private to sam" in text
    assert "snooze" in text.split("sam: you are an idiot", 1)[1].lower()  # the help answer
    assert "ignored" not in text
