"""Digest arithmetic on hand-built counters: balance, answers, trends, suppression, personal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.digest.compute import (
    ANONYMOUS,
    CounterRow,
    DelayRow,
    NudgeRow,
    RuleHitRow,
    compute_channel_digest,
    compute_personal_digest,
    compute_workspace_digests,
)

WEEK = date(2024, 3, 4)  # a Monday
LAST = WEEK - timedelta(days=7)


def day(n: int) -> date:
    """Day n of the digest week (negative: before it)."""
    return WEEK + timedelta(days=n)


def busy_channel() -> list[CounterRow]:
    rows = [
        # this week: u1 dominates (60 of 100), four others share the rest
        CounterRow("C1", "u1", day(0), messages=40, questions=4, tone_negative=4, tone_positive=8),
        CounterRow("C1", "u1", day(2), messages=20, answers=3, thanks=2, tone_negative=2),
        CounterRow("C1", "u2", day(0), messages=10, questions=2, answers=1, tone_positive=2),
        CounterRow("C1", "u3", day(1), messages=10, questions=2, answers=2, praise_received=3),
        CounterRow("C1", "u4", day(1), messages=10, questions=2, answers=2, thanks=1),
        CounterRow("C1", "u5", day(6), messages=10, tone_negative=4),
        # last week: 50 messages by three people, 20% negative, 10% positive
        CounterRow("C1", "u1", day(-7), messages=30, tone_negative=6, tone_positive=5),
        CounterRow("C1", "u2", day(-3), messages=10, tone_negative=4),
        CounterRow("C1", "u3", day(-1), messages=10),
        # another channel and a later week: ignored
        CounterRow("C2", "u9", day(0), messages=99),
        CounterRow("C1", "u1", day(7), messages=99),
    ]
    return rows


def test_activity_balance_and_questions() -> None:
    digest = compute_channel_digest(
        "C1",
        WEEK,
        busy_channel(),
        delays=[DelayRow("C1", "u2", day(0), s) for s in (60, 120, 600, 3600)]
        + [DelayRow("C1", "u2", day(8), 1.0), DelayRow("C2", "u2", day(0), 1.0)],
    )
    assert (digest.messages, digest.messages_last) == (100, 50)
    assert (digest.voices, digest.voices_last) == (5, 3)
    assert not digest.suppressed
    assert digest.top_fifth_share == pytest.approx(0.6)  # one person of five wrote 60
    assert digest.gini == pytest.approx(0.4)
    assert digest.balance_text is not None and "of five people" in digest.balance_text
    assert (digest.questions, digest.answered) == (10, 8)
    assert digest.answered_share == pytest.approx(0.8)
    assert digest.median_first_answer_seconds == pytest.approx(360)  # median of 60,120,600,3600
    assert [d.messages for d in digest.days] == [50, 20, 20, 0, 0, 0, 10]
    assert [d.voices for d in digest.days] == [2, 2, 1, 0, 0, 0, 1]


def test_tone_trend_and_change_against_last_week() -> None:
    digest = compute_channel_digest("C1", WEEK, busy_channel())
    assert digest.negative_share == pytest.approx(0.10)
    assert digest.positive_share == pytest.approx(0.10)
    assert digest.negative_change == pytest.approx(0.10 - 0.20)
    assert digest.positive_change == pytest.approx(0.10 - 0.10)
    trend = digest.tone_trend
    assert len(trend) == 8 and trend[-1].week_start == WEEK and trend[-2].week_start == LAST
    assert trend[-2].negative_share == pytest.approx(0.2)
    assert all(t.messages == 0 for t in trend[:-2])


def test_appreciation_guidelines_ratings_and_demotions_are_anonymous_counts() -> None:
    hits = [
        RuleHitRow("C1", "u1", day(0), "tone.harsh", 5),
        RuleHitRow("C1", "u2", day(3), "tone.harsh", 2),
        RuleHitRow("C1", "u2", day(3), "clarity.asap", 3),
        RuleHitRow("C1", "u2", day(-1), "clarity.asap", 50),  # last week: not counted
    ]
    nudges = [
        NudgeRow("C1", "u1", day(0), "tone.harsh", "nudge", "helpful"),
        NudgeRow("C1", "u1", day(1), "tone.harsh", "nudge", "not_helpful"),
        NudgeRow("C1", "u2", day(2), "clarity.asap", "nudge", None),
    ]
    digest = compute_channel_digest("C1", WEEK, busy_channel(), hits, (), nudges, ["x.rule"])
    assert (digest.thanks, digest.praise) == (3, 3)
    assert digest.top_rules == [("tone.harsh", 7), ("clarity.asap", 3)]
    assert digest.nudges == 3
    assert digest.ratings == {"helpful": 1, "not_helpful": 1}
    assert digest.demoted_rules == ["x.rule"]


def test_small_channel_figures_are_suppressed() -> None:
    rows = [
        CounterRow("C1", "u1", day(0), messages=30, questions=3, tone_negative=5),
        CounterRow("C1", "u2", day(1), messages=3, answers=3, thanks=2),
    ]
    hits = [RuleHitRow("C1", "u1", day(0), "tone.harsh", 4)]
    digest = compute_channel_digest("C1", WEEK, rows, hits)
    assert digest.suppressed and digest.voices == 2 and digest.messages == 33
    assert digest.top_fifth_share is None and digest.gini is None and digest.balance_text is None
    assert digest.questions is None and digest.negative_share is None and digest.thanks is None
    assert digest.top_rules == [] and digest.ratings == {}


def test_three_voices_are_enough_and_anonymous_people_count_as_one_voice() -> None:
    rows = [
        CounterRow("C1", "u1", day(0), messages=4),
        CounterRow("C1", "u2", day(0), messages=4),
        CounterRow("C1", ANONYMOUS, day(0), messages=12),  # several uncoached people, pooled
    ]
    digest = compute_channel_digest("C1", WEEK, rows)
    assert digest.voices == 3 and not digest.suppressed
    assert digest.messages == 20
    assert digest.top_fifth_share == pytest.approx(0.5)  # balance over named people only
    two = compute_channel_digest("C1", WEEK, rows[:1] + rows[2:])
    assert two.suppressed


def test_no_questions_and_no_last_week() -> None:
    rows = [CounterRow("C1", f"u{i}", day(0), messages=1) for i in range(3)]
    digest = compute_channel_digest("C1", WEEK, rows)
    assert digest.questions == 0 and digest.answered_share == 0.0
    assert digest.median_first_answer_seconds is None
    assert digest.negative_change is None and digest.messages_last == 0


def test_workspace_digests_group_rows_by_channel() -> None:
    rows = busy_channel() + [CounterRow("C2", f"v{i}", day(1), messages=i + 1) for i in range(4)]
    digests = compute_workspace_digests(WEEK, rows)
    assert set(digests) == {"C1", "C2"}
    assert digests["C1"].messages == 100
    assert digests["C2"].messages == 99 + 10 and digests["C2"].voices == 5


def test_personal_digest_counts_only_the_persons_own_week() -> None:
    rows = busy_channel() + [CounterRow("C2", "u2", day(4), messages=5, answers=1)]
    nudges = [
        NudgeRow("C1", "u2", day(1), "clarity.asap", "nudge", "helpful"),
        NudgeRow("C1", "u2", day(2), "clarity.asap", "nudge", None),
        NudgeRow("C1", "u1", day(2), "tone.harsh", "nudge", "not_helpful"),
    ]
    digest = compute_personal_digest(
        "u2", WEEK, rows, nudges, suggestions={"clarity.asap": "Give a time instead of ASAP."}
    )
    assert (digest.messages, digest.messages_last) == (15, 10)
    assert digest.answers == 2 and digest.questions == 2
    assert digest.tips == [("clarity.asap", 2)]
    assert digest.ratings == {"helpful": 1}
    assert digest.suggestion == "Give a time instead of ASAP."


def test_personal_digest_falls_back_to_a_general_suggestion() -> None:
    rows = [CounterRow("C1", "u9", day(0), messages=3)]
    digest = compute_personal_digest("u9", WEEK, rows)
    assert "Thank" in digest.suggestion
    rows = [CounterRow("C1", "u9", day(0), messages=3, thanks=1)]
    assert "answer" in compute_personal_digest("u9", WEEK, rows).suggestion
