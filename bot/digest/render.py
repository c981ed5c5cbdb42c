"""Digests as neutral `Response`s (title, sections, chart) that every adapter renders."""

from __future__ import annotations

from bot.coaching.models import Response, Section
from bot.digest.compute import MIN_VOICES, ChannelDigest, PersonalDigest


def fmt_duration(seconds: float | None) -> str:
    """A duration in friendly units: "45 s", "12 min", "3.5 h", "2.1 days"."""
    if seconds is None:
        return "n/a"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def fmt_pct(value: float | None) -> str:
    """0.237 -> "24%"."""
    return "n/a" if value is None else f"{100 * value:.0f}%"


def fmt_change(value: float | None) -> str:
    """A change of a share in percentage points: "+3 pts", "-1 pt", "no change"."""
    if value is None:
        return "no comparison yet"
    points = round(100 * value)
    if points == 0:
        return "no change"
    unit = "pt" if abs(points) == 1 else "pts"
    return f"{points:+d} {unit}"


def fmt_count_change(now: int, before: int) -> str:
    """"1,200 (last week 1,000, +20%)"."""
    if before == 0:
        return f"{now:,} (last week 0)"
    pct = round(100 * (now - before) / before)
    return f"{now:,} (last week {before:,}, {pct:+d}%)"


def channel_digest_sections(digest: ChannelDigest) -> list[Section]:
    """The digest's sections, in reading order; no section names or ranks a person."""
    sections = [
        Section(
            heading="Activity",
            fields=(
                ("Messages", fmt_count_change(digest.messages, digest.messages_last)),
                ("Voices", fmt_count_change(digest.voices, digest.voices_last)),
            ),
        )
    ]
    if digest.suppressed:
        sections.append(
            Section(
                text=(
                    f"Fewer than {MIN_VOICES} people spoke this week, so the details stay "
                    "private: figures about so few people would single someone out."
                )
            )
        )
        return sections
    sections.append(
        Section(
            heading="Balance of voices",
            text=digest.balance_text or "",
            fields=(
                ("Most active fifth wrote", fmt_pct(digest.top_fifth_share) + " of messages"),
                ("Gini (0 = even, 1 = one voice)", f"{digest.gini or 0.0:.2f}"),
            ),
        )
    )
    sections.append(
        Section(
            heading="Questions",
            fields=(
                ("Asked", f"{digest.questions or 0:,}"),
                (
                    "Answered by someone else",
                    f"{digest.answered or 0:,} ({fmt_pct(digest.answered_share)})",
                ),
                ("Median time to a first answer", fmt_duration(digest.median_first_answer_seconds)),
            ),
        )
    )
    sections.append(
        Section(
            heading="Tone",
            fields=(
                (
                    "Negative",
                    f"{fmt_pct(digest.negative_share)} ({fmt_change(digest.negative_change)})",
                ),
                (
                    "Positive",
                    f"{fmt_pct(digest.positive_share)} ({fmt_change(digest.positive_change)})",
                ),
            ),
        )
    )
    sections.append(
        Section(
            heading="Appreciation",
            fields=(
                ("Thank-yous", f"{digest.thanks or 0:,}"),
                ("Credit given to someone", f"{digest.praise or 0:,}"),
            ),
        )
    )
    if digest.top_rules:
        sections.append(
            Section(
                heading="Guidelines that came up most (anonymous counts)",
                fields=tuple((rule, str(count)) for rule, count in digest.top_rules),
            )
        )
    if digest.nudges:
        ratings = digest.ratings
        sections.append(
            Section(
                heading="Private tips",
                fields=(
                    ("Sent", f"{digest.nudges:,}"),
                    ("Rated helpful", str(ratings.get("helpful", 0))),
                    ("Rated not helpful", str(ratings.get("not_helpful", 0))),
                    ("Snoozed", str(ratings.get("snooze", 0))),
                ),
            )
        )
    if digest.demoted_rules:
        sections.append(
            Section(
                heading="Guidelines toned down",
                text=(
                    "People found these unhelpful, so they now come as gentle tips: "
                    + ", ".join(digest.demoted_rules)
                ),
            )
        )
    return sections


def render_channel_digest(
    digest: ChannelDigest, channel_name: str | None = None, chart: bool = True
) -> Response:
    """The channel digest as a neutral Response with the chart as a PNG attachment."""
    span = f"{digest.week_start:%d %b}–{digest.week_end:%d %b}"
    title = f"Weekly conversation digest: {span}"
    # Posted in the channel it describes, so it needs no channel mention (adapters escape them).
    where = f"#{channel_name}" if channel_name else "this channel"
    sections = [Section(text=f"How the conversation went in {where} this week.")]
    sections += channel_digest_sections(digest)
    attachment = None
    if chart:
        from bot.digest.charts import channel_digest_png

        attachment = ("digest.png", channel_digest_png(digest))
    return Response(
        title=title,
        sections=sections,
        public=True,
        attachment=attachment,
    )


def render_personal_digest(digest: PersonalDigest) -> Response:
    """One person's private digest as a Response (delivered privately, never to a channel)."""
    sections = [
        Section(
            heading="Your week",
            fields=(
                ("Messages", fmt_count_change(digest.messages, digest.messages_last)),
                ("Questions you asked", f"{digest.questions:,}"),
                ("Questions you answered for others", f"{digest.answers:,}"),
                ("Thank-yous you gave", f"{digest.thanks:,}"),
                ("Praise you received", f"{digest.praise_received:,}"),
            ),
        )
    ]
    if digest.tips:
        rated = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in digest.ratings.items())
        sections.append(
            Section(
                heading="Tips you got",
                text=f"You rated them: {rated}." if rated else "You didn't rate them yet.",
                fields=tuple((rule, str(count)) for rule, count in digest.tips),
            )
        )
    sections.append(Section(heading="One thing to try this week", text=digest.suggestion))
    return Response(
        title=f"Your conversation week: {digest.week_start:%d %b}–{digest.week_end:%d %b}",
        sections=sections,
        public=False,
    )


def digest_text(response: Response) -> str:
    """Plain-text rendering for the console (the chart is mentioned, not drawn)."""
    text = response.as_text()
    if response.attachment:
        text += f"\n\n(chart: {response.attachment[0]}, {len(response.attachment[1])} bytes)"
    return text
