"""Digest and report charts as PNG bytes (matplotlib's Agg backend, no display, no pyplot)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.digest.compute import ChannelDigest

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_BAR = "#4C78A8"
_LINE = "#F58518"
_NEG = "#E45756"
_POS = "#54A24B"


def _figure(width: float, height: float, ncols: int = 1) -> tuple[Figure, list]:  # type: ignore[type-arg]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, list(axes) if ncols > 1 else [axes]


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def activity_and_tone_png(
    labels: Sequence[str],
    messages: Sequence[int],
    voices: Sequence[int],
    tone_labels: Sequence[str],
    negative: Sequence[float],
    positive: Sequence[float],
    title: str = "",
) -> bytes:
    """Two panels: messages (bars) and voices (line) per period; tone shares over weeks."""
    fig, (left, right) = _figure(10, 3.6, ncols=2)
    positions = list(range(len(labels)))
    left.bar(positions, messages, color=_BAR, label="messages")
    left.set_xticks(positions, labels, rotation=0, fontsize=8)
    left.set_ylabel("messages")
    left.set_title("Messages and voices per day", fontsize=10)
    twin = left.twinx()
    twin.plot(positions, voices, color=_LINE, marker="o", label="voices")
    twin.set_ylabel("voices")
    twin.set_ylim(0, max([1, *voices]) * 1.25)
    left.set_ylim(0, max([1, *messages]) * 1.25)
    from matplotlib.ticker import MaxNLocator

    twin.yaxis.set_major_locator(MaxNLocator(integer=True))
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    handles = left.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    left.legend(handles, ["messages", "voices"], loc="upper center", ncols=2, fontsize=8,
                frameon=False)

    tone_pos = list(range(len(tone_labels)))
    right.plot(tone_pos, [100 * v for v in negative], color=_NEG, marker="o", label="negative")
    right.plot(tone_pos, [100 * v for v in positive], color=_POS, marker="o", label="positive")
    right.set_xticks(tone_pos, tone_labels, rotation=45, fontsize=8)
    right.set_ylabel("% of messages")
    right.set_ylim(0, max([0.1, *(v for v in (*negative, *positive) if v == v)]) * 125)
    right.set_title("Tone trend by week (gaps: no messages)", fontsize=10)
    right.legend(loc="upper center", ncols=2, fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    return _png(fig)


def channel_digest_png(digest: ChannelDigest) -> bytes:
    """The channel digest chart: messages and voices per day, tone over the last 8 weeks."""
    days = digest.days
    trend = digest.tone_trend
    # A week with fewer than three voices could single someone out: no tone is drawn for it
    # (nor for any week when this one has too few).
    nan = float("nan")
    negative = [nan if digest.suppressed or not t.shown else t.negative_share for t in trend]
    positive = [nan if digest.suppressed or not t.shown else t.positive_share for t in trend]
    return activity_and_tone_png(
        [d.day.strftime("%a") for d in days],
        [d.messages for d in days],
        [d.voices for d in days],
        [t.week_start.strftime("%d %b") for t in trend],
        negative,
        positive,
        title=f"Week of {digest.week_start:%d %b %Y}",
    )


def weekly_png(
    weeks: Sequence[str], messages: Sequence[int], people: Sequence[int], negative: Sequence[float]
) -> bytes:
    """Report chart: messages and people per week, and the share of negative messages."""
    fig, (left, right) = _figure(10, 3.4, ncols=2)
    positions = list(range(len(weeks)))
    step = max(1, len(weeks) // 12)
    ticks = positions[::step]
    left.bar(positions, messages, color=_BAR)
    left.set_ylabel("messages")
    left.set_title("Messages and people per week", fontsize=10)
    twin = left.twinx()
    twin.plot(positions, people, color=_LINE, marker=".")
    twin.set_ylabel("people")
    twin.set_ylim(bottom=0)
    left.set_xticks(ticks, [weeks[i] for i in ticks], rotation=45, fontsize=7)
    right.plot(positions, [100 * v for v in negative], color=_NEG, marker=".")
    right.set_ylim(bottom=0)
    right.set_ylabel("% negative")
    right.set_title("Share of negative messages per week", fontsize=10)
    right.set_xticks(ticks, [weeks[i] for i in ticks], rotation=45, fontsize=7)
    return _png(fig)
