"""`coachbot eval` on a small hand-written fixture: the figures, the JSON contract, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bot.cli import app
from bot.quality.metrics import score

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "labelled.jsonl"
RULES = HERE / "fixtures" / "rules"
KEYS = {"n", "flagged_share", "precision", "recall", "f1"}


def run_eval(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["eval", *args])
    return result.exit_code, result.stdout, result.stderr


def eval_json(*args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run_eval(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_figures_count_only_tone_nudges() -> None:
    # Flagged: rows 1 and 2 (name-calling, tone/nudge). Row 3 only gets a tone *tip* and row 5
    # an etiquette nudge, so neither is flagged; row 5 still counts toward the nudge rate.
    report = eval_json(str(FIXTURE), "--rules", str(RULES))
    assert KEYS | {"baselines"} <= set(report)
    assert report["n"] == 8
    assert report["flagged_share"] == 0.25
    assert report["precision"] == 0.5  # 1 of 2 flagged is labelled uncivil
    assert report["recall"] == pytest.approx(1 / 3, abs=1e-4)  # 1 of 3 uncivil flagged
    assert report["f1"] == pytest.approx(0.4, abs=1e-4)
    assert report["nudge_rate"] == 0.375  # rows 1, 2 and 5


def test_label_option_selects_another_field() -> None:
    report = eval_json(str(FIXTURE), "--rules", str(RULES), "--label", "toxic")
    # toxic rows: 1 and 6; flagged rows 1 and 2.
    assert (report["precision"], report["recall"]) == (0.5, 0.5)


def test_vader_baseline_is_raw_compound_at_minus_half() -> None:
    rows = [json.loads(line) for line in FIXTURE.read_text().splitlines()]
    sia = SentimentIntensityAnalyzer()
    expected = score([sia.polarity_scores(r["text"])["compound"] <= -0.5 for r in rows],
                     [r["uncivil"] for r in rows]).to_json()
    report = eval_json(str(FIXTURE), "--rules", str(RULES))
    assert report["baselines"]["vader"] == expected


def test_profanity_baseline_is_reported_when_installed() -> None:
    report = eval_json(str(FIXTURE), "--rules", str(RULES))
    try:
        import profanity_check  # noqa: F401
    except ImportError:
        assert report["baselines"]["profanity_check"] is None
    else:
        assert set(report["baselines"]["profanity_check"]) == KEYS
        assert report["baselines"]["profanity_check"]["n"] == 8


def test_unlabelled_file_reports_rates_only(tmp_path: Path) -> None:
    chat = tmp_path / "chat.jsonl"
    chat.write_text(
        "\n".join(json.dumps({"text": t, "user": u, "ts": i * 60}) for i, (t, u) in enumerate([
            ("anyone seen the flaky test on main?", "ana"),
            ("@here standup moved to 10", "bo"),
            ("yes, retrying fixed it", "cy"),
            ("you idiot", "bo"),
        ])) + "\n"
    )
    report = eval_json(str(chat), "--rules", str(RULES))
    assert report["n"] == 4
    assert report["flagged_share"] == 0.25
    assert report["precision"] is None and report["recall"] is None and report["f1"] is None
    assert report["nudge_rate"] == 0.5
    assert report["baselines"]["vader"]["precision"] is None


def test_text_output_names_every_detector() -> None:
    code, out, _ = run_eval(str(FIXTURE), "--rules", str(RULES))
    assert code == 0
    assert "8 messages, 8 labelled by 'uncivil' (3 true)" in out
    assert "coachbot tone nudges" in out and "raw VADER" in out and "profanity-check" in out
    assert "nudge rate (any nudge-level finding): 37.5%" in out


def test_bad_lines_are_reported_and_the_rest_still_counted(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"text": "you idiot", "uncivil": true}\n'
        "not json\n"
        '{"text": "fine", "uncivil": "yes"}\n'
        '{"uncivil": false}\n'
        '{"text": "thanks!", "uncivil": false}\n'
    )
    code, out, err = run_eval(str(bad), "--rules", str(RULES), "--json")
    assert code == 1
    assert f"{bad}:2: skipped" in err
    assert f"{bad}:3: skipped: 'uncivil' must be true or false" in err
    assert f"{bad}:4: skipped" in err
    report = json.loads(out)
    assert (report["n"], report["precision"], report["recall"]) == (2, 1.0, 1.0)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = run_eval(str(tmp_path / "nope.jsonl"), "--rules", str(RULES))
    assert code == 1
    assert "nope.jsonl: cannot read" in err


def test_scores_edge_cases() -> None:
    nothing_flagged = score([False, False], [True, False])
    assert (nothing_flagged.precision, nothing_flagged.recall, nothing_flagged.f1) == (0.0, 0.0, 0.0)
    no_positives = score([True], [False])
    assert no_positives.recall is None and no_positives.precision == 0.0
    mixed = score([True, True, False], [True, None, None])  # only labelled rows count for P/R
    assert (mixed.flagged_share, mixed.precision, mixed.recall) == (2 / 3, 1.0, 1.0)
    with pytest.raises(ValueError):
        score([True], [True, False])
