"""Run the engine over labelled (or unlabelled) messages and score its tone nudges."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.engine import Engine
from bot.core.jsonl import read_jsonl
from bot.core.models import Category, Finding, Level, Message
from bot.quality.baselines import detectors
from bot.quality.metrics import Scores, score


@dataclass(frozen=True, slots=True)
class EvalRow:
    """One message to evaluate: text, label (None when the file has none), conversation fields."""

    text: str
    label: bool | None
    user: str | None = None
    channel: str | None = None
    ts: float | None = None


@dataclass(slots=True)
class EvalReport:
    """Tone-nudge scores, the nudge rate, the baselines' scores and lines that were skipped."""

    tone: Scores
    nudges: Scores
    baselines: dict[str, Scores | None]
    skipped: list[str] = field(default_factory=list)
    label: str = "uncivil"

    def to_json(self) -> dict[str, Any]:
        """`{"n", "flagged_share", "precision", "recall", "f1", "nudge_rate", "baselines"}`."""
        out = self.tone.to_json()
        out["nudge_rate"] = round(self.nudges.flagged_share, 4)
        out["baselines"] = {
            name: None if scores is None else scores.to_json() for name, scores in self.baselines.items()
        }
        return out


def is_tone_nudge(finding: Finding) -> bool:
    """A finding that counts as `flagged`: category tone at level nudge."""
    return finding.category is Category.TONE and finding.level is Level.NUDGE


def read_rows(source: str | Path, label: str) -> tuple[list[EvalRow], list[str]]:
    """Rows of a JSONL file plus one error line (file:line: reason) per skipped line.

    A line whose label field is present but not true/false is skipped with a reason.
    """
    rows: list[EvalRow] = []
    errors: list[str] = []
    name = "<stdin>" if str(source) == "-" else str(source)
    for line in read_jsonl(source):
        if line.error is not None or line.data is None:
            errors.append(f"{name}:{line.number + 1}: skipped: {line.error}")
            continue
        data = line.data
        value = data.get(label)
        if value is not None and not isinstance(value, bool):
            errors.append(f"{name}:{line.number + 1}: skipped: {label!r} must be true or false, not {value!r}")
            continue
        channel = data.get("channel") or data.get("thread") or data.get("room")
        rows.append(
            EvalRow(
                text=data["text"],
                label=value,
                user=str(data["user"]) if data.get("user") is not None else None,
                channel=str(channel) if channel is not None else None,
                ts=data.get("ts"),
            )
        )
    return rows, errors


@dataclass(frozen=True, slots=True)
class Decision:
    """What the engine did with one message: a tone nudge, any nudge, which nudge rules fired."""

    tone: bool
    nudge: bool
    rules: tuple[str, ...] = ()


def decide(rows: Sequence[EvalRow], engine: Engine) -> list[Decision]:
    """Run the engine over the rows in order (conversation state per channel, reset around)."""
    engine.reset()
    out: list[Decision] = []
    for i, row in enumerate(rows):
        message = Message(
            platform="eval",
            workspace="eval",
            channel=row.channel or "eval",
            user=row.user or f"author-{i}",
            text=row.text,
            ts=row.ts,
        )
        findings = engine.analyze(message)
        nudges = tuple(sorted({f.rule for f in findings if f.level is Level.NUDGE}))
        out.append(Decision(any(is_tone_nudge(f) for f in findings), bool(nudges), nudges))
    engine.reset()
    return out


def baseline_scores(rows: Sequence[EvalRow]) -> dict[str, Scores | None]:
    """Every baseline's scores on the rows (None for one that is not installed)."""
    labels = [row.label for row in rows]
    texts = [row.text for row in rows]
    return {
        name: None if detect is None else score(detect(texts), labels)
        for name, detect in detectors().items()
    }


def evaluate_rows(rows: Iterable[EvalRow], engine: Engine, label: str = "uncivil") -> EvalReport:
    """Score the engine's tone nudges and any-nudge rate, plus every installed baseline."""
    rows = list(rows)
    decisions = decide(rows, engine)
    labels = [row.label for row in rows]
    return EvalReport(
        tone=score([d.tone for d in decisions], labels),
        nudges=score([d.nudge for d in decisions], labels),
        baselines=baseline_scores(rows),
        label=label,
    )


def evaluate_file(source: str | Path, engine: Engine, label: str = "uncivil") -> EvalReport:
    """Read `source` (JSONL; '-' for stdin) and evaluate it; skipped lines are in the report."""
    rows, errors = read_rows(source, label)
    report = evaluate_rows(rows, engine, label)
    report.skipped = errors
    return report


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


BASELINE_TITLES = {"vader": "raw VADER <= -0.5", "profanity_check": "profanity-check >= 0.5"}


def render_text(report: EvalReport) -> str:
    """The human-readable table `coachbot eval` prints."""
    t = report.tone
    if t.labelled:
        head = f"{t.n} messages, {t.labelled} labelled by {report.label!r} ({t.positives} true)"
    else:
        head = f"{t.n} messages, no {report.label!r} labels: rates only"
    lines = [head, "", f"{'':28}{'flagged':>9}{'precision':>11}{'recall':>8}{'F1':>7}"]

    def row(title: str, s: Scores) -> str:
        return (f"{title:28}{_pct(s.flagged_share):>9}{_num(s.precision):>11}"
                f"{_num(s.recall):>8}{_num(s.f1):>7}")

    lines.append(row("coachbot tone nudges", t))
    for name, scores in report.baselines.items():
        title = BASELINE_TITLES.get(name, name)
        lines.append(row(title, scores) if scores is not None else f"{title:28}{'(not installed)':>9}")
    lines += ["", f"nudge rate (any nudge-level finding): {_pct(report.nudges.flagged_share)}"]
    return "\n".join(lines)
