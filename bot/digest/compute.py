"""Weekly channel and personal digests computed from stored counters (never message text)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.digest.stats import (
    balance_reading,
    gini,
    median,
    share,
    top_fifth_share,
)

# A channel with fewer active voices than this gets no per-person figures (they would single
# someone out): only its message and voice totals are shown.
MIN_VOICES = 3
TONE_WEEKS = 8
TOP_RULES = 5
# The store counts people who are not coached (opted out, or not opted in) under this user
# id: their messages count in totals and as (at least) one voice, never in the balance.
ANONYMOUS = ""


@dataclass(frozen=True, slots=True)
class CounterRow:
    """Counters of one person in one channel on one UTC day (mirrors the store's daily row)."""

    channel: str
    user: str
    day: date
    messages: int = 0
    questions: int = 0
    answers: int = 0
    thanks: int = 0
    praise_received: int = 0
    nudges_delivered: int = 0
    tone_negative: int = 0
    tone_positive: int = 0
    words: int = 0


@dataclass(frozen=True, slots=True)
class RuleHitRow:
    """How often one rule fired for one person in one channel on one UTC day."""

    channel: str
    user: str
    day: date
    rule: str
    hits: int


@dataclass(frozen=True, slots=True)
class DelayRow:
    """Seconds from a question to its first answer by someone else, on a UTC day."""

    channel: str
    user: str
    day: date
    seconds: float


@dataclass(frozen=True, slots=True)
class NudgeRow:
    """One delivered nudge and how its recipient rated it (None = not rated)."""

    channel: str
    user: str
    day: date
    rule: str
    level: str
    feedback: str | None = None


@dataclass(frozen=True, slots=True)
class DayActivity:
    """Messages and distinct voices on one day."""

    day: date
    messages: int
    voices: int


@dataclass(frozen=True, slots=True)
class ToneWeek:
    """Share of messages with negative and positive tone in one week."""

    week_start: date
    messages: int
    negative_share: float
    positive_share: float
    # People who wrote that week (None: not known); a week with fewer than MIN_VOICES is not
    # shown (its tone could be one person's).
    voices: int | None = None

    @property
    def shown(self) -> bool:
        """Whether this week's tone may be shown: it has messages and enough voices."""
        return bool(self.messages) and (self.voices is None or self.voices >= MIN_VOICES)


@dataclass(slots=True)
class ChannelDigest:
    """The weekly digest of one channel: anonymous, aggregate figures only.

    `suppressed` is set when fewer than MIN_VOICES people spoke: then every figure that could
    single someone out (balance, questions, tone, appreciation, guidelines, ratings) is None
    or empty, and only message and voice totals remain.
    """

    channel: str
    week_start: date
    week_end: date
    messages: int
    messages_last: int
    voices: int
    voices_last: int
    suppressed: bool
    days: list[DayActivity] = field(default_factory=list)
    tone_trend: list[ToneWeek] = field(default_factory=list)
    top_fifth_share: float | None = None
    gini: float | None = None
    balance_text: str | None = None
    questions: int | None = None
    answered: int | None = None
    median_first_answer_seconds: float | None = None
    negative_share: float | None = None
    positive_share: float | None = None
    negative_change: float | None = None
    positive_change: float | None = None
    thanks: int | None = None
    praise: int | None = None
    top_rules: list[tuple[str, int]] = field(default_factory=list)
    nudges: int | None = None
    ratings: dict[str, int] = field(default_factory=dict)
    demoted_rules: list[str] = field(default_factory=list)

    @property
    def answered_share(self) -> float | None:
        """Share of questions that got an answer from someone else."""
        if self.questions is None or self.answered is None:
            return None
        return min(1.0, share(self.answered, self.questions))


@dataclass(slots=True)
class PersonalDigest:
    """One person's private week: their own figures and one suggestion; nobody else sees it."""

    user: str
    week_start: date
    week_end: date
    messages: int
    messages_last: int
    questions: int
    answers: int
    thanks: int
    praise_received: int
    tips: list[tuple[str, int]]
    ratings: dict[str, int]
    suggestion: str


def week_bounds(week_start: date) -> tuple[date, date]:
    """First and last UTC day covered by a digest whose week starts on `week_start`."""
    return week_start, week_start + timedelta(days=6)


def _week_index(day: date, week_start: date) -> int:
    """0 for the digest's week, 1 for the week before, ... (negative for later days)."""
    return -((day - week_start).days // 7)


@dataclass(slots=True)
class ChannelTotals:
    """One channel's counters summed for a digest: the form SQL aggregation produces directly.

    `this_users` holds named people's messages this week (uncoached people are pooled in
    `anonymous_this`); `days` maps days to [messages, voices, negative, positive] (this week's
    days at least, older days optionally); `weeks` maps an older week's index (1 = last week)
    to [messages, negative, positive] not already in `days`; the other figures are this week's.
    """

    channel: str
    this_users: dict[str, int] = field(default_factory=dict)
    anonymous_this: int = 0
    # True when the pooled messages may be a named person's (someone started or stopped being
    # coached this week): the pool then adds no voice, as it could be one counted already.
    anonymous_may_be_named: bool = False
    messages_last: int = 0
    voices_last: int = 0
    days: dict[date, list[int]] = field(default_factory=dict)
    weeks: dict[int, list[int]] = field(default_factory=dict)
    # People who wrote in each older week (1 = last week), for hiding weeks with too few.
    week_voices: dict[int, int] = field(default_factory=dict)
    questions: int = 0
    answers: int = 0
    thanks: int = 0
    praise: int = 0
    delays: list[float] = field(default_factory=list)
    rule_hits: Counter[str] = field(default_factory=Counter)
    nudges: int = 0
    ratings: Counter[str] = field(default_factory=Counter)


def totals_from_rows(
    channel: str,
    week_start: date,
    rows: Iterable[CounterRow],
    rule_hits: Iterable[RuleHitRow] = (),
    delays: Iterable[DelayRow] = (),
    nudges: Iterable[NudgeRow] = (),
) -> ChannelTotals:
    """Sum per-person daily rows (and the week's extras) of one channel into ChannelTotals."""
    week_end = week_start + timedelta(days=6)
    first = week_start - timedelta(days=7 * (TONE_WEEKS - 1))
    last_start = week_start - timedelta(days=7)
    totals = ChannelTotals(channel)
    this_users: Counter[str] = Counter()
    week_users: dict[int, set[str]] = {}  # older weeks' writers (1 = last week)
    for row in rows:
        if row.channel != channel or not first <= row.day <= week_end:
            continue
        if row.messages and row.day < week_start:
            week_users.setdefault(_week_index(row.day, week_start), set()).add(row.user)
        day = totals.days.get(row.day)
        if day is None:
            day = totals.days[row.day] = [0, 0, 0, 0]
        day[0] += row.messages
        day[1] += 1 if row.messages else 0
        day[2] += row.tone_negative
        day[3] += row.tone_positive
        if row.day >= week_start:
            if row.user == ANONYMOUS:
                totals.anonymous_this += row.messages
            elif row.messages:
                this_users[row.user] += row.messages
            totals.questions += row.questions
            totals.answers += row.answers
            totals.thanks += row.thanks
            totals.praise += row.praise_received
        elif row.day >= last_start:
            totals.messages_last += row.messages
    totals.this_users = dict(this_users)
    totals.week_voices = {index: len(users) for index, users in week_users.items()}
    totals.voices_last = totals.week_voices.get(1, 0)
    totals.delays = [
        d.seconds for d in delays if d.channel == channel and week_start <= d.day <= week_end
    ]
    for hit in rule_hits:
        if hit.channel == channel and week_start <= hit.day <= week_end:
            totals.rule_hits[hit.rule] += hit.hits
    for nudge in nudges:
        if nudge.channel == channel and week_start <= nudge.day <= week_end:
            totals.nudges += 1
            if nudge.feedback:
                totals.ratings[nudge.feedback] += 1
    return totals


def digest_from_totals(
    totals: ChannelTotals, week_start: date, demoted_rules: Sequence[str] = ()
) -> ChannelDigest:
    """The digest arithmetic proper: shares, balance, medians, trends and suppression."""
    week_end = week_start + timedelta(days=6)
    named = totals.this_users
    # The pooled (uncoached) messages count as one more voice, unless they may be a named
    # person's: fewer voices, never more, so suppression errs on the private side.
    pooled = 1 if totals.anonymous_this and not totals.anonymous_may_be_named else 0
    voices = len(named) + pooled
    empty = [0, 0, 0, 0]
    digest = ChannelDigest(
        channel=totals.channel,
        week_start=week_start,
        week_end=week_end,
        messages=sum(named.values()) + totals.anonymous_this,
        messages_last=totals.messages_last,
        voices=voices,
        voices_last=totals.voices_last,
        suppressed=voices < MIN_VOICES,
        days=[
            DayActivity(d, totals.days.get(d, empty)[0], totals.days.get(d, empty)[1])
            for d in (week_start + timedelta(days=i) for i in range(7))
        ],
        demoted_rules=sorted(demoted_rules),
    )
    weeks: list[list[int]] = [[0, 0, 0] for _ in range(TONE_WEEKS)]  # messages, neg, pos
    for day, (messages, _voices, negative, positive) in totals.days.items():
        idx = _week_index(day, week_start)
        if 0 <= idx < TONE_WEEKS:
            weeks[idx][0] += messages
            weeks[idx][1] += negative
            weeks[idx][2] += positive
    for idx, (messages, negative, positive) in totals.weeks.items():
        if 0 <= idx < TONE_WEEKS:
            weeks[idx][0] += messages
            weeks[idx][1] += negative
            weeks[idx][2] += positive
    digest.tone_trend = [
        ToneWeek(
            week_start - timedelta(days=7 * i),
            weeks[i][0],
            share(weeks[i][1], weeks[i][0]),
            share(weeks[i][2], weeks[i][0]),
            voices if i == 0 else totals.week_voices.get(i, 0),
        )
        for i in reversed(range(TONE_WEEKS))
    ]
    if digest.suppressed:
        return digest

    # Balance over the people we may count individually (uncoached people are pooled).
    counts = list(named.values())
    digest.top_fifth_share = top_fifth_share(counts)
    digest.gini = gini(counts)
    digest.balance_text = balance_reading(counts)
    digest.questions = totals.questions
    digest.answered = totals.answers
    digest.median_first_answer_seconds = median(totals.delays)
    this_tone, last_tone = weeks[0], weeks[1]
    digest.negative_share = share(this_tone[1], this_tone[0])
    digest.positive_share = share(this_tone[2], this_tone[0])
    # (A change from a week with fewer voices would tell that week's tone: left out too.)
    if last_tone[0] and totals.week_voices.get(1, totals.voices_last) >= MIN_VOICES:
        digest.negative_change = digest.negative_share - share(last_tone[1], last_tone[0])
        digest.positive_change = digest.positive_share - share(last_tone[2], last_tone[0])
    digest.thanks = totals.thanks
    digest.praise = totals.praise
    digest.top_rules = sorted(totals.rule_hits.items(), key=lambda kv: (-kv[1], kv[0]))[
        :TOP_RULES
    ]
    digest.nudges = totals.nudges
    digest.ratings = dict(sorted(totals.ratings.items()))
    return digest


def compute_channel_digest(
    channel: str,
    week_start: date,
    rows: Iterable[CounterRow],
    rule_hits: Iterable[RuleHitRow] = (),
    delays: Iterable[DelayRow] = (),
    nudges: Iterable[NudgeRow] = (),
    demoted_rules: Sequence[str] = (),
) -> ChannelDigest:
    """Compute one channel's digest for the week [week_start, week_start + 7 days).

    `rows` may cover up to TONE_WEEKS weeks back (for the tone trend); the week before is
    the comparison. Rows of other channels are ignored.
    """
    totals = totals_from_rows(channel, week_start, rows, rule_hits, delays, nudges)
    return digest_from_totals(totals, week_start, demoted_rules)


def compute_workspace_digests(
    week_start: date,
    rows: Iterable[CounterRow],
    rule_hits: Iterable[RuleHitRow] = (),
    delays: Iterable[DelayRow] = (),
    nudges: Iterable[NudgeRow] = (),
    demoted_rules: Sequence[str] = (),
    channels: Iterable[str] | None = None,
) -> dict[str, ChannelDigest]:
    """Digests of many channels at once: rows are grouped by channel in one pass each."""
    by_rows: dict[str, list[CounterRow]] = defaultdict(list)
    for row in rows:
        by_rows[row.channel].append(row)
    by_hits: dict[str, list[RuleHitRow]] = defaultdict(list)
    for hit in rule_hits:
        by_hits[hit.channel].append(hit)
    by_delays: dict[str, list[DelayRow]] = defaultdict(list)
    for delay in delays:
        by_delays[delay.channel].append(delay)
    by_nudges: dict[str, list[NudgeRow]] = defaultdict(list)
    for nudge in nudges:
        by_nudges[nudge.channel].append(nudge)
    wanted = sorted(by_rows) if channels is None else list(channels)
    return {
        ch: compute_channel_digest(
            ch,
            week_start,
            by_rows.get(ch, ()),
            by_hits.get(ch, ()),
            by_delays.get(ch, ()),
            by_nudges.get(ch, ()),
            demoted_rules,
        )
        for ch in wanted
    }


# Suggestions for the week when no guideline fired often enough to pick one.
_GENERAL_SUGGESTIONS = {
    "thanks": "Thank one person by name for something specific they did this week.",
    "answers": "Pick one open question in a channel you follow and answer it, even briefly.",
    "questions": "When you're stuck, ask early: a clear question with context saves everyone time.",
    "steady": "Keep it up: when someone helps you, say what their help made possible.",
}


def compute_personal_digest(
    user: str,
    week_start: date,
    rows: Iterable[CounterRow],
    nudges: Iterable[NudgeRow] = (),
    rule_hits: Iterable[RuleHitRow] = (),
    suggestions: Mapping[str, str] | None = None,
) -> PersonalDigest:
    """Compute one person's private week from their own counters and nudges.

    `suggestions` maps rule ids to the guideline's suggestion; the most frequent tip of the
    week picks the suggestion, otherwise a general one fitting the person's week is chosen.
    """
    week_end = week_start + timedelta(days=6)
    last_start = week_start - timedelta(days=7)
    messages = messages_last = questions = answers = thanks = praise = 0
    for row in rows:
        if row.user != user:
            continue
        if week_start <= row.day <= week_end:
            messages += row.messages
            questions += row.questions
            answers += row.answers
            thanks += row.thanks
            praise += row.praise_received
        elif last_start <= row.day < week_start:
            messages_last += row.messages
    tips: Counter[str] = Counter()
    ratings: Counter[str] = Counter()
    for nudge in nudges:
        if nudge.user == user and week_start <= nudge.day <= week_end:
            tips[nudge.rule] += 1
            if nudge.feedback:
                ratings[nudge.feedback] += 1
    fired: Counter[str] = Counter()
    for hit in rule_hits:
        if hit.user == user and week_start <= hit.day <= week_end:
            fired[hit.rule] += hit.hits
    suggestion = _pick_suggestion(tips + fired, suggestions or {}, thanks, answers, questions)
    return PersonalDigest(
        user=user,
        week_start=week_start,
        week_end=week_end,
        messages=messages,
        messages_last=messages_last,
        questions=questions,
        answers=answers,
        thanks=thanks,
        praise_received=praise,
        tips=sorted(tips.items(), key=lambda kv: (-kv[1], kv[0])),
        ratings=dict(sorted(ratings.items())),
        suggestion=suggestion,
    )


def _pick_suggestion(
    rules: Counter[str], suggestions: Mapping[str, str], thanks: int, answers: int, questions: int
) -> str:
    for rule, _count in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0])):
        text = suggestions.get(rule)
        if text:
            return text
    if thanks == 0:
        return _GENERAL_SUGGESTIONS["thanks"]
    if answers == 0:
        return _GENERAL_SUGGESTIONS["answers"]
    if questions == 0:
        return _GENERAL_SUGGESTIONS["questions"]
    return _GENERAL_SUGGESTIONS["steady"]


__all__ = [
    "ChannelDigest",
    "CounterRow",
    "DayActivity",
    "DelayRow",
    "NudgeRow",
    "PersonalDigest",
    "RuleHitRow",
    "ToneWeek",
    "compute_channel_digest",
    "compute_personal_digest",
    "compute_workspace_digests",
    "week_bounds",
]
