"""Balance statistics and the bounded median used by digests and `analyze`."""

from __future__ import annotations

import random
import statistics

import pytest

from bot.digest.stats import (
    DelayHistogram,
    balance_reading,
    gini,
    people_for_share,
    top_fifth_share,
)


def test_gini_is_zero_for_equal_voices_and_grows_with_concentration() -> None:
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert gini([1, 1, 1, 97]) == pytest.approx(0.72, abs=0.01)
    assert gini([10, 0, 0]) == pytest.approx(0.0)  # zero counts are not voices
    assert gini([]) == 0.0
    # Textbook value: incomes 1..5 have Gini 4/15.
    assert gini([1, 2, 3, 4, 5]) == pytest.approx(4 / 15)


def test_top_fifth_share_rounds_the_fifth_up_to_whole_people() -> None:
    assert top_fifth_share([10] * 10) == pytest.approx(0.2)  # 2 of 10 people
    assert top_fifth_share([80, 5, 5, 5, 5]) == pytest.approx(0.8)  # 1 of 5
    assert top_fifth_share([3, 1]) == pytest.approx(0.75)  # a fifth of 2 is still 1 person
    assert top_fifth_share([]) == 0.0


def test_people_for_share_and_plain_words_reading_name_nobody() -> None:
    counts = [40, 25, 15, 5, 5, 5, 5]
    assert people_for_share(counts, 0.8) == 3
    reading = balance_reading(counts)
    assert reading.startswith("Three of seven people wrote 80% of the messages")
    assert balance_reading([7]) == "One person wrote every message."
    assert "evenly balanced" in balance_reading([5, 5, 5, 5, 5])
    assert balance_reading([2, 1]) == (
        "It took all two people to write 80% of the messages: voices were evenly balanced."
    )
    assert "a few voices led" in reading
    # More than half the people needed for 80%: not "a few voices", though the Gini is 0.30.
    assert balance_reading([20, 18, 16, 14, 12, 10, 8, 6, 4, 2]) == (
        "Six of 10 people wrote 80% of the messages: most people took part, some more than others."
    )
    assert balance_reading([10, 3]) == (
        "It took all two people to write 80% of the messages: everyone took part, some more than "
        "others."
    )
    assert balance_reading([90, 2, 2, 2, 2, 2]).endswith("a few voices carried most of the conversation.")


def test_delay_histogram_median_is_within_five_percent_of_exact() -> None:
    rng = random.Random(7)
    samples = [rng.lognormvariate(6, 1.5) for _ in range(20_001)]
    hist = DelayHistogram()
    for s in samples:
        hist.add(s)
    exact = statistics.median(samples)
    assert hist.count == len(samples)
    assert hist.median() == pytest.approx(exact, rel=0.05)
    assert len(hist.buckets) < 400  # bounded whatever the sample count


def test_delay_histogram_merge_equals_one_histogram() -> None:
    a, b, both = DelayHistogram(), DelayHistogram(), DelayHistogram()
    for i in range(1, 500):
        (a if i % 2 else b).add(i * 3.0)
        both.add(i * 3.0)
    a.merge(b)
    assert a.buckets == both.buckets and a.median() == both.median()
    assert DelayHistogram().median() is None
