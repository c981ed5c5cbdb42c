"""Small, text-free statistics shared by digests and `coachbot analyze`: balance and medians."""

from __future__ import annotations

import math
from collections.abc import Iterable

# Log-spaced buckets for answer delays: 5% apart from 1 s to about 80 days (≈ 370 buckets).
_DELAY_RATIO = 1.05
_DELAY_LOG = math.log(_DELAY_RATIO)
_DELAY_BUCKETS = 376


def gini(counts: Iterable[int]) -> float:
    """Gini coefficient of messages per person: 0 = everyone equal, towards 1 = one voice."""
    values = sorted(c for c in counts if c > 0)
    n = len(values)
    total = sum(values)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * v for i, v in enumerate(values))
    return max(0.0, (2.0 * weighted) / (n * total) - (n + 1) / n)


def top_fifth_share(counts: Iterable[int]) -> float:
    """Share of messages written by the most active fifth of people (at least one person)."""
    values = sorted((c for c in counts if c > 0), reverse=True)
    total = sum(values)
    if not values or total == 0:
        return 0.0
    top = max(1, math.ceil(len(values) / 5))
    return sum(values[:top]) / total


def people_for_share(counts: Iterable[int], share: float = 0.8) -> int:
    """The fewest people whose messages together reach `share` of all messages."""
    values = sorted((c for c in counts if c > 0), reverse=True)
    total = sum(values)
    running = 0
    for i, v in enumerate(values, start=1):
        running += v
        if running >= share * total - 1e-9:
            return i
    return len(values)


_NUMBER_WORDS = ("no one", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def number_words(n: int) -> str:
    """Small numbers as words ("three"), larger ones as digits ("1,044")."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else f"{n:,}"


def plural(count: int, one: str, many: str | None = None) -> str:
    """`count` with the singular or plural noun ("1 channel", "3 channels", "1,734 people")."""
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def balance_reading(counts: Iterable[int]) -> str:
    """A plain-words reading of how evenly messages are spread, naming nobody."""
    values = [c for c in counts if c > 0]
    n = len(values)
    if n == 0:
        return "No messages yet."
    k = people_for_share(values, 0.8)
    g = gini(values)
    # The words agree with the "k of n" figure they follow: when more than half the people
    # were needed for 80% of the messages, nobody says that a few voices led.
    if g < 0.25:
        spread = "voices were evenly balanced"
    elif k == n:
        spread = "everyone took part, some more than others"
    elif k > n / 2:
        spread = "most people took part, some more than others"
    elif g < 0.5:
        spread = "a few voices led, others joined in"
    else:
        spread = "a few voices carried most of the conversation"
    if n == 1:
        return "One person wrote every message."
    if k == n:
        return f"It took all {number_words(n)} people to write 80% of the messages: {spread}."
    who = f"{number_words(k)} of {number_words(n)} people"
    return f"{who[0].upper()}{who[1:]} wrote 80% of the messages: {spread}."


class DelayHistogram:
    """Bounded histogram of seconds (log buckets 5% apart) with an approximate median.

    Memory is fixed whatever the number of samples; the median is exact to within 5%
    (and exact for delays under one second, which all land in bucket 0).
    """

    __slots__ = ("buckets", "count")

    def __init__(self) -> None:
        self.buckets: dict[int, int] = {}
        self.count = 0

    def add(self, seconds: float, times: int = 1) -> None:
        """Record a delay (negative values count as zero)."""
        index = self._index(seconds)
        self.buckets[index] = self.buckets.get(index, 0) + times
        self.count += times

    def merge(self, other: DelayHistogram) -> None:
        """Add another histogram's samples to this one."""
        for index, times in other.buckets.items():
            self.buckets[index] = self.buckets.get(index, 0) + times
        self.count += other.count

    @staticmethod
    def _index(seconds: float) -> int:
        if seconds < 1.0:
            return 0
        return min(_DELAY_BUCKETS - 1, 1 + int(math.log(seconds) / _DELAY_LOG))

    @staticmethod
    def _value(index: int) -> float:
        """Representative value of a bucket (geometric middle of its bounds)."""
        if index == 0:
            return 0.0
        low = _DELAY_RATIO ** (index - 1)
        return low * math.sqrt(_DELAY_RATIO)

    def median(self) -> float | None:
        """Approximate median in seconds, or None without samples."""
        if self.count == 0:
            return None
        half = self.count / 2.0
        running = 0
        ordered = sorted(self.buckets.items())
        for position, (index, times) in enumerate(ordered):
            running += times
            if running > half:
                return self._value(index)
            if running == half and self.count % 2 == 0:
                nxt = ordered[position + 1][0] if position + 1 < len(ordered) else index
                return (self._value(index) + self._value(nxt)) / 2.0
        return self._value(ordered[-1][0])


def median(values: Iterable[float]) -> float | None:
    """Exact median of a small collection, or None when it is empty."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


def share(part: int, whole: int) -> float:
    """part / whole, or 0.0 when whole is zero."""
    return part / whole if whole else 0.0
