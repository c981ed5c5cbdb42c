"""Measure answered-question tracking against real reply links (#ubuntu IRC, gold annotations).

    .venv/bin/python bench/answers.py [--data ../shared/data] [--write] [--sweep]

Each `irc-replies/*.raw.txt` log becomes Coachbot messages in the `check --jsonl` shape (text,
user = nick, channel = file stem, ts = the file's date plus HH:MM; messages within one minute get
increasing sub-second offsets so their order is kept; `=== ...` system lines are skipped but
counted, `* nick does` lines are messages by nick). Every message goes through `Engine.load()`.
For each message from line 1,000 on (the annotated part) that the engine counts as a question:

- gold: answered when some later line by a different nick links to it directly
  (`*.annotation.txt` line `i j -`: line j replies to line i); gold delay = time of the first
  such reply;
- ours: answered when the engine matched a later message to it (`Analysis.answers_user`); which
  question that was is recovered from the reply's ts minus `answer_delay` (every message has its
  own ts), and the delay is `answer_delay`.

Five files tune the matching parameters (`TUNE`), the other five are held out (`HELD_OUT`);
`--sweep` prints the parameter sweep on the tuning files only. `--write` puts the section
"Answered questions (IRC reply links)" into QUALITY.md.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import replace_section  # noqa: E402
from bot.core import conversation  # noqa: E402
from bot.core.conversation import ChannelWindow  # noqa: E402
from bot.core.engine import Engine  # noqa: E402
from bot.core.jsonl import message_from_line  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
SECTION = "answers"
TITLE = "Answered questions (IRC reply links)"
FIRST_ANNOTATED = 1000
# Alternate files in date order, so both halves span 2004-2016.
TUNE = ("2004-11-15_03", "2005-08-08_01", "2009-02-23_10", "2009-10-01_17", "2011-11-13_02")
HELD_OUT = ("2005-06-27_12", "2008-12-11_11", "2009-03-03_10", "2011-05-29_19", "2016-12-19_20")

_LINE = re.compile(r"\[(\d\d):(\d\d)\] (?:<([^>]+)> ?(.*)|\s*\* (\S+) ?(.*))$")


@dataclass(slots=True)
class Line:
    """One chat line of a log: its 0-based line number in the raw file, author, text and time."""

    number: int
    nick: str
    text: str
    ts: float = 0.0


@dataclass(slots=True)
class Log:
    """One annotated log: its chat lines and, per line number, the line numbers replying to it."""

    name: str
    lines: list[Line]
    replies: dict[int, list[int]] = field(default_factory=dict)


def read_log(raw: Path) -> Log:
    """Parse a raw log and its annotation file (system lines are counted but not kept)."""
    day = datetime.strptime(raw.name[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    lines: list[Line] = []
    minutes: list[float] = []
    previous = -1
    for number, text in enumerate(raw.read_text(encoding="utf-8", errors="replace").splitlines()):
        found = _LINE.match(text)
        if not found:
            continue
        hour, minute = int(found[1]), int(found[2])
        if hour * 60 + minute < previous:  # the log ran past midnight
            day += timedelta(days=1)
        previous = hour * 60 + minute
        nick = found[3] if found[3] is not None else found[5]
        body = found[4] if found[3] is not None else found[6]
        lines.append(Line(number, nick, body or ""))
        minutes.append((day + timedelta(hours=hour, minutes=minute)).timestamp())
    # Spread the messages of one minute over it, keeping their order.
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and minutes[end] == minutes[start]:
            end += 1
        for k in range(start, end):
            lines[k].ts = minutes[k] + (k - start) / (end - start)
        start = end
    replies: dict[int, list[int]] = {}
    annotation = raw.with_name(raw.name.replace(".raw.txt", ".annotation.txt"))
    for row in annotation.read_text(encoding="utf-8").splitlines():
        parts = row.split()
        if len(parts) >= 2:
            parent, child = int(parts[0]), int(parts[1])
            if child != parent:
                replies.setdefault(parent, []).append(child)
    return Log(raw.name.removesuffix(".raw.txt"), lines, replies)


@dataclass(slots=True)
class Outcome:
    """Per question (keyed by line number): gold and our first-answer delay (None: unanswered)."""

    gold: dict[int, float | None] = field(default_factory=dict)
    ours: dict[int, float | None] = field(default_factory=dict)
    # Questions we matched to a reply that the gold links to that question.
    right_reply: set[int] = field(default_factory=set)


def gold_answers(log: Log, questions: Sequence[int]) -> dict[int, float | None]:
    """For each question line, the delay of its first gold reply by another nick (or None)."""
    by_number = {line.number: line for line in log.lines}
    out: dict[int, float | None] = {}
    for number in questions:
        asked = by_number[number]
        delays = [
            by_number[r].ts - asked.ts
            for r in log.replies.get(number, [])
            if r > number and r in by_number and by_number[r].nick != asked.nick
        ]
        out[number] = min(delays) if delays else None
    return out


def run_engine(log: Log, engine: Engine) -> tuple[list[bool], list[tuple[str, float] | None]]:
    """Run every line through the engine: per line, is it a question, and (asker, question ts)."""
    engine.reset()
    is_question: list[bool] = []
    answered: list[tuple[str, float] | None] = []
    for index, line in enumerate(log.lines):
        data = {"text": line.text, "user": line.nick, "channel": log.name, "ts": line.ts}
        analysis = engine.evaluate(message_from_line(data, index, platform="jsonl", workspace="jsonl"))
        is_question.append(analysis.is_question)
        if analysis.answers_user is not None and analysis.answer_delay is not None:
            answered.append((analysis.answers_user, line.ts - analysis.answer_delay))
        else:
            answered.append(None)
    return is_question, answered


def replay_window(log: Log, is_question: Sequence[bool], use_text: bool = True
                  ) -> list[tuple[str, float] | None]:
    """The engine's conversation steps alone, on one fresh window (for parameter sweeps)."""
    window = ChannelWindow()
    answered: list[tuple[str, float] | None] = []
    for line, question in zip(log.lines, is_question, strict=True):
        match = None
        if window.questions:
            match = window.match_answer(line.nick, line.ts, None, (), line.text if use_text else None)
        answered.append((match.asker, line.ts - match.delay) if match and match.delay is not None else None)
        if question:
            to = window.question_to(line.nick, (), line.text if use_text else None)
            window.add_question(line.nick, line.ts, None, to)
        window.append(line.nick, line.ts)
    return answered


def outcome(log: Log, is_question: Sequence[bool], answered: Sequence[tuple[str, float] | None]) -> Outcome:
    """Gold against ours for the questions from line 1,000 on."""
    lines = log.lines
    questions = [line.number for line, q in zip(lines, is_question, strict=True)
                 if q and line.number >= FIRST_ANNOTATED]
    result = Outcome(gold=gold_answers(log, questions), ours={n: None for n in questions})
    by_asked = {(line.nick, round(line.ts, 3)): line.number for line in lines}
    for line, match in zip(lines, answered, strict=True):
        if match is None:
            continue
        number = by_asked.get((match[0], round(match[1], 3)))
        if number is None:
            raise AssertionError(f"{log.name}: no question by {match[0]} at {match[1]}")
        if number in result.ours and result.ours[number] is None:
            result.ours[number] = line.ts - next(x.ts for x in lines if x.number == number)
            if line.number in log.replies.get(number, ()):
                result.right_reply.add(number)
    return result


@dataclass(slots=True)
class Row:
    """The figures of one file or group of files."""

    questions: int
    gold: int
    ours: int
    both: int
    right_reply: int
    gold_delays: list[float]
    our_delays: list[float]

    @classmethod
    def of(cls, outcomes: Sequence[Outcome]) -> Row:
        """Sum the outcomes of several files."""
        row = cls(0, 0, 0, 0, 0, [], [])
        for o in outcomes:
            row.questions += len(o.gold)
            for number, delay in o.gold.items():
                ours = o.ours[number]
                row.gold += delay is not None
                row.ours += ours is not None
                row.both += delay is not None and ours is not None
                if delay is not None:
                    row.gold_delays.append(delay)
                if ours is not None:
                    row.our_delays.append(ours)
            row.right_reply += len(o.right_reply)
        return row

    @property
    def precision(self) -> float:
        """Share of questions we call answered that the gold calls answered."""
        return self.both / self.ours if self.ours else 0.0

    @property
    def recall(self) -> float:
        """Share of gold-answered questions we call answered."""
        return self.both / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def reply_precision(self) -> float:
        """Share of our matches whose reply is a gold reply to that very question."""
        return self.right_reply / self.ours if self.ours else 0.0

    def cells(self) -> list[str]:
        """Table cells: questions, shares, precision, recall, reply precision, medians."""
        n = self.questions or 1
        return [
            str(self.questions), pct(self.gold / n), pct(self.ours / n), pct(self.precision),
            pct(self.recall), f"{self.f1:.2f}", pct(self.reply_precision),
            seconds(self.gold_delays), seconds(self.our_delays),
        ]


def pct(value: float) -> str:
    """A share as a whole percentage."""
    return f"{100 * value:.0f}%"


def seconds(values: Sequence[float]) -> str:
    """The median of some delays in whole seconds ("-" when there are none)."""
    return f"{statistics.median(values):.0f} s" if values else "-"


HEADER = ["| | questions | answered (gold) | answered (ours) | precision | recall | F1 | "
          "right reply | median first answer (gold) | (ours) |",
          "|---|---|---|---|---|---|---|---|---|---|"]


def table(rows: Sequence[tuple[str, Row]]) -> list[str]:
    """A Markdown table of rows."""
    return HEADER + [f"| {title} | " + " | ".join(row.cells()) + " |" for title, row in rows]


@contextmanager
def parameters(**values: float | bool | None) -> Iterator[None]:
    """Temporarily set module parameters of `bot.core.conversation` (bench sweeps only)."""
    saved = {name: getattr(conversation, name) for name in values}
    try:
        for name, value in values.items():
            setattr(conversation, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(conversation, name, value)


def load(data: Path) -> dict[str, Log]:
    """Every annotated log of the data folder, by file stem."""
    folder = data / "irc-replies"
    return {log.name: log for log in (read_log(p) for p in sorted(folder.glob("*.raw.txt")))}


def main() -> None:
    """Compute the figures, print them, and optionally write the QUALITY.md section."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=ROOT / "QUALITY.md")
    parser.add_argument("--write", action="store_true", help="update the section of QUALITY.md")
    parser.add_argument("--sweep", action="store_true", help="print the sweep on the tuning files")
    args = parser.parse_args()
    logs = load(args.data)
    if sorted(logs) != sorted(TUNE + HELD_OUT):
        raise SystemExit(f"expected the 10 files {sorted(TUNE + HELD_OUT)}, found {sorted(logs)}")
    engine = Engine.load()
    questions: dict[str, list[bool]] = {}
    shipped: dict[str, Outcome] = {}
    for name, log in logs.items():
        is_question, answered = run_engine(log, engine)
        questions[name] = is_question
        shipped[name] = outcome(log, is_question, answered)
        # The window replay used for sweeps must agree with the engine.
        if outcome(log, is_question, replay_window(log, is_question)).ours != shipped[name].ours:
            raise AssertionError(f"{name}: the window replay differs from the engine")
    with parameters(**PREVIOUS):
        before = {n: outcome(log, questions[n], replay_window(log, questions[n], use_text=False))
                  for n, log in logs.items()}

    # The previous session's matching: everything but questions put to someone.
    with parameters(PUT_TO_SECONDS=None):
        unput = {n: outcome(log, questions[n], replay_window(log, questions[n]))
                 for n, log in logs.items()}

    md = [f"## {TITLE}", "", *describe()]
    md += ["", "### Per file (shipped matching)", ""]
    md += table([(f"{name}{' (tuning)' if name in TUNE else ''}", Row.of([shipped[name]]))
                 for name in sorted(logs)])
    md += ["", "### Before and after", ""]
    md += table([
        ("tuning 5, before", Row.of([before[n] for n in TUNE])),
        ("tuning 5, without questions put to someone", Row.of([unput[n] for n in TUNE])),
        ("tuning 5, now", Row.of([shipped[n] for n in TUNE])),
        ("**held-out 5, before**", Row.of([before[n] for n in HELD_OUT])),
        ("held-out 5, without questions put to someone", Row.of([unput[n] for n in HELD_OUT])),
        ("**held-out 5, now**", Row.of([shipped[n] for n in HELD_OUT])),
        ("all 10, before", Row.of([before[n] for n in logs])),
        ("all 10, without questions put to someone", Row.of([unput[n] for n in logs])),
        ("all 10, now", Row.of([shipped[n] for n in logs])),
    ])
    md += ["", "### Sweep on the tuning files only", "", *sweep(logs, questions)]
    md += ["", *caveats()]
    text = "\n".join(md)
    print(text)
    if args.write:
        replace_section(args.out, SECTION, text)
        print(f"wrote the {SECTION} section of {args.out}", file=sys.stderr)


# The matching before name addressing: any top-level message by someone else within 30 minutes.
PREVIOUS: dict[str, float | None] = {
    "CHANNEL_REPLY_SECONDS": 30 * 60, "CHANNEL_REPLY_MESSAGES": None, "CHANNEL_QUIET_VOICES": None,
}
# What the sweep tries (on the tuning files): reply window in seconds x how many messages back.
SWEEP_SECONDS: tuple[float, ...] = (120, 600, 1800)
SWEEP_MESSAGES: tuple[int | None, ...] = (1, 3, None)
SWEEP_VOICES: tuple[int | None, ...] = (2, 3, 4, 5, None)


def sweep(logs: dict[str, Log], questions: dict[str, list[bool]]) -> list[str]:
    """Rule (3) parameters tried on the tuning files, name addressing on in all of them."""
    rows: list[tuple[str, Row]] = []
    for limit_seconds in SWEEP_SECONDS:
        for limit_messages in SWEEP_MESSAGES:
            for voices in SWEEP_VOICES:
                values = {"CHANNEL_REPLY_SECONDS": limit_seconds,
                          "CHANNEL_REPLY_MESSAGES": limit_messages, "CHANNEL_QUIET_VOICES": voices}
                with parameters(**values):
                    row = Row.of([outcome(logs[n], questions[n], replay_window(logs[n], questions[n]))
                                  for n in TUNE])
                back = "any" if limit_messages is None else str(limit_messages)
                people = "any" if voices is None else str(voices)
                rows.append((f"≤ {limit_seconds:.0f} s, ≤ {back} msgs back, ≤ {people} voices", row))
    with parameters(CHANNEL_REPLY_SECONDS=-1.0):
        row = Row.of([outcome(logs[n], questions[n], replay_window(logs[n], questions[n])) for n in TUNE])
    rows.append(("no rule (3): names, mentions, threads only", row))
    for quiet in (120.0, 300.0, 1800.0):
        with parameters(CHANNEL_QUIET_SECONDS=quiet):
            row = Row.of([outcome(logs[n], questions[n], replay_window(logs[n], questions[n]))
                          for n in TUNE])
        rows.append((f"shipped, but voices counted over the last {quiet:.0f} s", row))
    for put_to in (None, 300.0, 3600.0):
        with parameters(PUT_TO_SECONDS=put_to):
            row = Row.of([outcome(logs[n], questions[n], replay_window(logs[n], questions[n]))
                          for n in TUNE])
        label = "off" if put_to is None else f"within {put_to:.0f} s"
        rows.append((f"shipped, but questions put to someone answered by them: {label}", row))
    with parameters(ADDRESS_BARE_NAME=False):
        row = Row.of([outcome(logs[n], questions[n], replay_window(logs[n], questions[n])) for n in TUNE])
    rows.append(("shipped, without the bare leading name (\"ana try this\")", row))
    return table(rows)


def describe() -> list[str]:
    """How the figures are computed."""
    return [
        "How well `questions`, `answered_questions` and `median_first_answer_seconds` match real",
        "reply structure: 10 #ubuntu IRC logs with hand-annotated reply links",
        "(`irc-replies/`, Kummerfeld et al. 2019), computed by `bench/answers.py`. A question is",
        "what the engine counts as one (a sentence ending in \"?\"), from line 1,000 on (the",
        "annotated part). Gold: answered when a later line by another nick links to it; ours: the",
        "engine matched a later message to it. Precision and recall are of \"answered\" per",
        "question; *right reply* is the share of our matches whose reply is a gold reply to that",
        "same question. Medians are over the answered questions of each side.",
        f"Parameters were chosen on 5 files ({', '.join(TUNE)}) with the sweep below; the other",
        "5 are held out (their figures were printed during development, but no choice was",
        "made on them; misses were only read in a tuning file).",
        "",
        "Now: a message addressed by name at its start (\"nick:\", \"nick,\", \"@nick\", or a bare",
        "first word that is an open asker's nick) answers that person's latest open question;",
        "one addressed to another recent author answers nobody; a question put to someone",
        "(\"nick:\", \"nick,\" or \"@nick\" at its start) is answered by that person's next message in the",
        f"same place within {conversation.PUT_TO_SECONDS or 0:.0f} s that addresses nobody else; "
        "an unaddressed top-level message",
        f"answers the latest question asked within {conversation.CHANNEL_REPLY_SECONDS:.0f} s and at most "
        f"{conversation.CHANNEL_REPLY_MESSAGES} messages back,",
        f"only when at most {conversation.CHANNEL_QUIET_VOICES} people (the replier included) wrote the last "
        f"{conversation.CHANNEL_QUIET_MESSAGES} messages of the",
        f"last {conversation.CHANNEL_QUIET_SECONDS:.0f} s. Before: no names; any top-level message by "
        "someone else within 30 minutes",
        "answered the latest open question (so almost every question counted as answered).",
    ]


def caveats() -> list[str]:
    """What the figures do not say."""
    return [
        "Caveats: IRC has no threads or mention ids, so only name addressing and rule (3) are",
        "measured here; Slack/Discord threads and mentions are exact and covered by tests. The",
        "gold counts a reply linked to the question even when it is a follow-up question;",
        "the IRC bot `ubottu` counts as a person (as an unmarked bot would in a JSONL file).",
        "Log times are whole minutes (messages of one minute are spread over it), so a delay is",
        "only good to about a minute and medians of 0-60 s mostly say \"the same or next minute\".",
        "The quiet-channel condition cannot be measured here (#ubuntu is never quiet): it is what",
        "keeps unaddressed replies counting in small Slack/Discord conversations.",
    ]


if __name__ == "__main__":
    main()
