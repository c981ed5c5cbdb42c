"""`coachbot analyze`: the exact JSON contract, text report, filters, errors, --jobs, HTML."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.importers.conftest import DISCORD_FILE, JSONL_FILE, SLACK_DIR

CHANNEL_KEYS = [
    "name", "messages", "people", "questions", "answered_questions",
    "median_first_answer_seconds", "top_fifth_share", "gini", "negative_share",
    "positive_share", "nudges", "praise", "findings_by_rule",
]


def analyze(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["analyze", *args])
    return result.exit_code, result.stdout, result.stderr


def analyze_json(*args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = analyze(*args, "--json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_slack_json_has_the_exact_shape_and_counts_people_only() -> None:
    data = analyze_json(str(SLACK_DIR))
    assert list(data) == ["source", "messages", "people", "channels", "findings_by_rule", "weeks"]
    assert data["source"] == str(SLACK_DIR)
    assert (data["messages"], data["people"]) == (11, 4)
    general, random_ = data["channels"]
    assert list(general) == CHANNEL_KEYS
    assert (general["name"], general["messages"], general["people"]) == ("general", 8, 4)
    assert (random_["name"], random_["messages"], random_["people"]) == ("random", 3, 2)
    # Alice's thread question was answered by Bob 2 minutes later; Carol's by Alice in 5.
    assert general["questions"] == 2 and general["answered_questions"] == 2
    assert general["median_first_answer_seconds"] == pytest.approx(210.0)
    assert general["negative_share"] == pytest.approx(1 / 8)
    assert general["top_fifth_share"] == pytest.approx(3 / 8)
    assert 0.0 <= general["gini"] < 0.5
    assert general["nudges"] + general["praise"] == sum(general["findings_by_rule"].values())
    assert data["findings_by_rule"].get("tone.harsh-sentiment", 0) >= 1
    assert data["weeks"] == [
        {"week": "2024-03-04", "messages": 10, "people": 4, "negative_share": 0.1},
        {"week": "2024-03-11", "messages": 1, "people": 1, "negative_share": 0.0},
    ]


def test_discord_and_jsonl_exports() -> None:
    discord = analyze_json(str(DISCORD_FILE))
    assert (discord["messages"], discord["people"]) == (4, 4)
    [channel] = discord["channels"]
    assert channel["answered_questions"] == 1 and channel["median_first_answer_seconds"] == 180
    jsonl = analyze_json(str(JSONL_FILE))
    assert (jsonl["messages"], jsonl["people"]) == (4, 3)
    assert [c["name"] for c in jsonl["channels"]] == ["dev", "ops"]


def test_since_and_until_are_inclusive_dates() -> None:
    data = analyze_json(str(SLACK_DIR), "--since", "2024-03-05", "--until", "2024-03-05")
    assert data["messages"] == 3  # Carol, Alice and Bob's broadcast on the 5th
    assert [w["week"] for w in data["weeks"]] == ["2024-03-04"]
    code, _, err = analyze(str(SLACK_DIR), "--since", "yesterday")
    assert code == 2 and "--since" in err


def test_text_report_names_no_one_and_counts_rules() -> None:
    code, out, _ = analyze(str(SLACK_DIR))
    assert code == 0
    assert "11 messages by 4 people in 2 channels" in out
    assert "What Coachbot would have said" in out and "#general" in out
    for name in ("alice", "bob", "carol", "dave", "U01ALICE", "U02BOB"):
        assert name not in out.lower().replace("#general", "")
    assert "stupid" not in out  # no message text


def test_text_report_counts_read_as_words(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"text": "thanks!", "user": "ana", "channel": "dev", "ts": 1.7e9}) + "\n")
    code, out, _ = analyze(str(path))
    assert code == 0
    assert "1 message by 1 person in 1 channel (0 other messages" in out
    assert "Messages: 1 from 1 person" in out and "1 thank-you, 0 credits given" in out


def test_bad_day_file_is_reported_and_the_rest_analysed(tmp_path: Path) -> None:
    copy = tmp_path / "slack"
    shutil.copytree(SLACK_DIR, copy)
    (copy / "general" / "2024-03-06.json").write_text("[{]")
    code, out, err = analyze(str(copy), "--json")
    assert code == 0
    assert json.loads(out)["messages"] == 11
    assert re.search(r"general/2024-03-06\.json: skipped: not valid JSON", err)


def test_unreadable_input_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = analyze(str(tmp_path / "missing.zip"))
    assert code == 1 and "missing.zip: no such file or folder" in err
    odd = tmp_path / "notes.txt"
    odd.write_text("hello\n")
    code, _, err = analyze(str(odd))
    assert code == 1 and "notes.txt: not a Slack export" in err


def test_jobs_give_the_same_report(tmp_path: Path) -> None:
    assert analyze_json(str(SLACK_DIR), "--jobs", "2") == analyze_json(str(SLACK_DIR))


def test_html_report_is_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _, err = analyze(str(SLACK_DIR), "--html", str(out))
    assert code == 0, err
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "#general" in page
    assert "data:image/png;base64," in page
    # No external assets: every src/href is inline data.
    assert not re.search(r"(src|href)=['\"](?!data:)", page)
    assert "http://" not in page and "https://" not in page


def test_progress_reaches_the_total_and_no_bar_without_a_terminal() -> None:
    from bot.importers.analyze import analyze_export

    calls: list[tuple[int, int]] = []
    report = analyze_export(str(SLACK_DIR), progress=lambda done, total: calls.append((done, total)))
    assert report.messages == 11
    assert calls[0] == (0, 4) and calls[-1] == (4, 4)  # four day files
    code, out, err = analyze(str(SLACK_DIR), "--json")
    assert code == 0 and err == ""  # stderr is not a terminal here: no progress bar


def test_nothing_readable_exits_1_after_naming_what_was_skipped(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"guild": {"id": "9"}, "channel": {"id": "7"}, "messages": [{')
    code, out, err = analyze(str(tmp_path / "broken.json"), "--json")
    assert code == 1
    assert "broken.json: skipped" in err and "nothing could be read" in err
    assert json.loads(out)["messages"] == 0  # the (empty) report is still printed
