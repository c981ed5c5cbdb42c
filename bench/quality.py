"""Measure tone-nudge quality on the shared real conversations and write QUALITY.md.

    .venv/bin/python bench/quality.py [--data ../shared/data] [--out QUALITY.md] [--folds 5]

Figures (all computed in this run, baselines on the same messages):
- incivility-github/dev.jsonl, cross-validated: the tone model is retrained without each fold
  (folds are whole issue threads) and the full engine with that fold's model scores the fold;
- toxicity-github/comments.jsonl: never trained on, scored by the shipped engine;
- gitter-chat/docker.jsonl: the nudge rate of the shipped engine on the second (newer) half,
  which the model never saw; the whole file is reported too (its first half is in training).
Needs scikit-learn for the cross-validation (dev only); the shipped engine does not.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import marked_sections  # noqa: E402
from bot.core.checks.classifier import ClassifierRule, load_model, target_cues  # noqa: E402
from bot.core.engine import Engine  # noqa: E402
from bot.core.jsonl import parse_ts  # noqa: E402
from bot.core.models import Message  # noqa: E402
from bot.core.rulepack import load_rules  # noqa: E402
from bot.core.sentiment import analyzer  # noqa: E402
from bot.quality.baselines import detectors  # noqa: E402
from bot.quality.evaluate import Decision, EvalRow, decide  # noqa: E402
from bot.quality.metrics import Scores, score  # noqa: E402
from bot.quality.train import document, features_of, gitter_split, train_tone  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
TARGET_PRECISION = 0.80
TARGET_RECALL = 0.35
TARGET_NUDGE_RATE = 0.010
CURVE_THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)
PREVIOUS_THRESHOLD = 0.5  # the setting before the recipe comparison (issue 7)
# The recipe shipped before the comparison in "Model recipes compared": word and character
# n-gram weights (the current `RECIPE` gives character n-grams no weights).
PREVIOUS_RECIPE: dict[str, Any] = {"char_ngrams": True}
BOOTSTRAP_ROUNDS = 1000
# Cue sets of the two-tier variants (names of `ClassifierRule.targeted_cues`).
CUES_ANY = ("second-person", "profanity", "insult", "harsh-sentence")
CUES_HARSH = ("profanity", "insult", "harsh-sentence")
CUES_AIMED = ("profanity", "insult", "second-person+harsh")
CUE_SET_NAMES = {CUES_ANY: "A", CUES_HARSH: "B", CUES_AIMED: "C"}
# Every decision rule compared on the cached cross-validated probabilities (all that were looked
# at, not only the best): (threshold, targeted_threshold, targeted_cues, question_threshold).
# A question threshold is a bench-only variant: question-heavy messages (at least half of
# their sentences end in "?") need that probability instead, unless they show the cues.
VARIANTS: tuple[tuple[float, float | None, tuple[str, ...], float | None], ...] = (
    (0.35, None, (), None), (0.4, None, (), None), (0.45, None, (), None), (0.5, None, (), None),
    (0.55, None, (), None), (0.6, None, (), None), (0.7, None, (), None),
    (0.6, 0.4, CUES_ANY, None), (0.7, 0.4, CUES_ANY, None), (0.999, 0.4, CUES_ANY, None),
    (0.6, 0.4, CUES_HARSH, None), (0.7, 0.4, CUES_HARSH, None), (0.999, 0.4, CUES_HARSH, None),
    (0.6, 0.3, CUES_HARSH, None), (0.7, 0.3, CUES_HARSH, None),
    (0.6, 0.5, CUES_HARSH, None), (0.7, 0.5, CUES_HARSH, None),
    (0.6, 0.4, CUES_AIMED, None), (0.7, 0.4, CUES_AIMED, None),
    (0.6, 0.5, CUES_AIMED, None), (0.7, 0.5, CUES_AIMED, None),
    (0.4, None, (), 0.6), (0.4, None, CUES_HARSH, 0.6), (0.5, None, (), 0.7),
)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every JSON object of a JSONL file."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


_IRC_LINE = re.compile(r"\[\d\d:\d\d\] <([^>]+)> (.*)")


def read_irc(folder: Path) -> list[dict[str, Any]]:
    """The people's lines of the #ubuntu IRC logs (`*.raw.txt`) as records with text, user
    and the log as the room (none when the folder is absent)."""
    records = []
    for path in sorted(folder.glob("*.raw.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            found = _IRC_LINE.match(line)
            if found:
                records.append({"text": found[2], "user": found[1], "room": path.name[:13]})
    return records


def rows_of(raw: Sequence[dict[str, Any]], label: str | None) -> list[EvalRow]:
    """Evaluation rows; a GitHub thread or chat room is the conversation's channel."""
    out = []
    for r in raw:
        channel = r.get("thread") or r.get("room")
        out.append(
            EvalRow(
                text=r["text"],
                label=bool(r[label]) if label else None,
                user=r.get("user"),
                channel=str(channel) if channel else None,
                ts=parse_ts(r["ts"]) if r.get("ts") else None,
            )
        )
    return out


def with_model(rules: Sequence[Any], model: str) -> list[Any]:
    """The rules with every classifier rule pointed at another model file."""
    return [r.model_copy(update={"model": model}) if isinstance(r, ClassifierRule) else r for r in rules]


def without_classifier(rules: Sequence[Any]) -> list[Any]:
    """The rules without classifier rules (what the hand-written rules alone catch)."""
    return [r for r in rules if not isinstance(r, ClassifierRule)]


class Figures:
    """Decisions and baseline verdicts for one data set, with labels and incivility types."""

    def __init__(self, name: str, rows: list[EvalRow], decisions: list[Decision],
                 types: list[str] | None = None) -> None:
        self.name = name
        self.rows = rows
        self.decisions = decisions
        self.labels = [r.label for r in rows]
        self.types = types
        texts = [r.text for r in rows]
        self.baselines: dict[str, list[bool] | None] = {
            n: (None if d is None else d(texts)) for n, d in detectors().items()
        }

    @property
    def tone(self) -> Scores:
        """Scores of tone nudges."""
        return score([d.tone for d in self.decisions], self.labels)

    @property
    def nudge(self) -> Scores:
        """Scores of any nudge (the nudge rate)."""
        return score([d.nudge for d in self.decisions], self.labels)

    def baseline(self, name: str) -> Scores | None:
        """Scores of one baseline (None when not installed)."""
        flags = self.baselines[name]
        return None if flags is None else score(flags, self.labels)

    def rule_counts(self) -> Counter[str]:
        """How many messages each nudge rule fired on."""
        counts: Counter[str] = Counter()
        for d in self.decisions:
            counts.update(d.rules)
        return counts


def cross_validate(inc: list[dict[str, Any]], chat_train: list[dict[str, Any]], rules: list[Any],
                   folds: int, work: Path) -> tuple[list[Decision], list[float]]:
    """Engine decisions and model probabilities for every incivility row, each from a model
    trained without that row's thread."""
    fold_of = [zlib.crc32(r["thread"].encode()) % folds for r in inc]
    decisions: list[Decision | None] = [None] * len(inc)
    probs = [0.0] * len(inc)
    for k in range(folds):
        train = [r for r, f in zip(inc, fold_of, strict=True) if f != k]
        test_idx = [i for i, f in enumerate(fold_of) if f == k]
        model = train_tone(train, chat_train)
        path = work / f"tone-fold{k}.json"
        path.write_text(json.dumps(model.to_json()))
        engine = Engine(with_model(rules, str(path)))
        test_rows = rows_of([inc[i] for i in test_idx], "uncivil")
        for i, d in zip(test_idx, decide(test_rows, engine), strict=True):
            decisions[i] = d
        for i in test_idx:
            probs[i] = model.probability(*features_of(inc[i]["text"]))
        print(f"  fold {k + 1}/{folds}: trained on {len(train)}, tested on {len(test_idx)}",
              file=sys.stderr)
    return [d for d in decisions if d is not None], probs


def cross_validated_probs(inc: list[dict[str, Any]], chat_train: list[dict[str, Any]], folds: int,
                          recipe: dict[str, Any]) -> list[float]:
    """Model probabilities for every incivility row from models of another recipe, each
    trained without that row's thread (same folds as `cross_validate`)."""
    fold_of = [zlib.crc32(r["thread"].encode()) % folds for r in inc]
    probs = [0.0] * len(inc)
    for k in range(folds):
        train = [r for r, f in zip(inc, fold_of, strict=True) if f != k]
        model = train_tone(train, chat_train, recipe=recipe)
        for i, f in enumerate(fold_of):
            if f == k:
                probs[i] = model.probability(*features_of(inc[i]["text"]))
    return probs


def _thread_bootstrap(flags: Sequence[bool], reference: Sequence[bool], labels: Sequence[bool],
                      groups: Sequence[str], statistic: Callable[[list[int]], float],
                      rounds: int) -> tuple[float, float]:
    """95% interval of `statistic` over thread-resampled sums of the per-thread counts
    [flags and label, flags, reference and label, reference, label]."""
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for f, r, y, g in zip(flags, reference, labels, groups, strict=True):
        c = per[g]
        c[0] += f and y
        c[1] += f
        c[2] += r and y
        c[3] += r
        c[4] += y
    cells = list(per.values())
    rng = random.Random(7)
    diffs = sorted(
        statistic([sum(column) for column in zip(*rng.choices(cells, k=len(cells)), strict=True)])
        for _ in range(rounds)
    )
    return diffs[int(0.025 * rounds)], diffs[int(0.975 * rounds) - 1]


def _recall_gain(sums: list[int]) -> float:
    tp, _, rtp, _, pos = sums
    return (tp - rtp) / pos if pos else 0.0


def _precision_gain(sums: list[int]) -> float:
    tp, fl, rtp, rfl, _ = sums
    return (tp / fl if fl else 0.0) - (rtp / rfl if rfl else 0.0)


def bootstrap_recall(flags: Sequence[bool], reference: Sequence[bool], labels: Sequence[bool],
                     groups: Sequence[str], rounds: int = BOOTSTRAP_ROUNDS) -> tuple[float, float]:
    """95% interval of recall(flags) − recall(reference), resampling whole threads."""
    return _thread_bootstrap(flags, reference, labels, groups, _recall_gain, rounds)


def recipes_table(current: Facts, previous: Facts, labels: list[bool], threads: list[str],
                  base: ClassifierRule) -> list[str]:
    """The shipped recipe against the previous one, both cross-validated, at a few thresholds."""
    reference = previous.flags((PREVIOUS_THRESHOLD, None, (), None), base)
    lines = ["| model recipe | threshold | precision (cv) | recall (cv) | flagged | "
             "precision vs previous, 95% | recall vs previous, 95% |",
             "|---|---|---|---|---|---|---|"]
    for title, facts in (("previous: word + character n-grams", previous),
                         ("shipped: word n-grams and cues only", current)):
        for t in (0.4, 0.45, 0.5):
            flags = facts.flags((t, None, (), None), base)
            s = score(flags, labels)
            same = facts is previous and t == PREVIOUS_THRESHOLD
            shipped = facts is current and t == base.threshold
            p_int = "–" if same else "{:+.2f} … {:+.2f}".format(
                *(round(v, 2) + 0.0 for v in bootstrap_interval(flags, reference, labels, threads)))
            r_int = "–" if same else "{:+.2f} … {:+.2f}".format(
                *(round(v, 2) + 0.0 for v in bootstrap_recall(flags, reference, labels, threads)))
            name = f"**{title} (shipped)**" if shipped else title
            if same:
                name += " (shipped before)"
            lines.append(f"| {name} | {t:.2f} | {fmt(s.precision)} | {fmt(s.recall)} | "
                         f"{pct(s.flagged_share)} | {p_int} | {r_int} |")
    return lines


class Facts:
    """What a decision rule needs of each message: hand-written tone nudge, enough words,
    model probability, `target_cues`, and whether it is question-heavy."""

    def __init__(self, texts: Sequence[str], probs: Sequence[float], handwritten: Sequence[bool],
                 min_words: int) -> None:
        self.probs = list(probs)
        self.handwritten = list(handwritten)
        self.enough: list[bool] = []
        self.cues: list[frozenset[str]] = []
        self.questions: list[bool] = []
        for text in texts:
            doc = document(text)
            tokens, cues = features_of(text)
            self.enough.append(len(tokens) >= min_words)
            self.cues.append(target_cues(tokens, cues))
            asked = sum(doc.sentence_text(s).rstrip().endswith("?") for s in doc.sentences)
            self.questions.append(asked >= 1 and 2 * asked >= len(doc.sentences))

    def flags(self, variant: tuple[float, float | None, tuple[str, ...], float | None],
              base: ClassifierRule) -> list[bool]:
        """Tone nudges under one decision rule: hand-written nudges or the gated model."""
        threshold, targeted, cue_names, question = variant
        rule = base.model_copy(update={
            "threshold": threshold, "targeted_threshold": targeted,
            "targeted_cues": cue_names or base.targeted_cues,
        })
        out = []
        for hand, enough, p, cues, asks in zip(self.handwritten, self.enough, self.probs,
                                               self.cues, self.questions, strict=True):
            if question is not None and asks and cues.isdisjoint(cue_names):
                p = p if p >= question else 0.0
            out.append(hand or (enough and rule.fires(p, partial(frozenset, cues))))
        return out


def variant_name(variant: tuple[float, float | None, tuple[str, ...], float | None]) -> str:
    """A short readable name of a decision rule."""
    threshold, targeted, cue_names, question = variant
    cue_set = CUE_SET_NAMES.get(cue_names, "")
    if question is not None:
        unless = f" unless cues {cue_set}" if cue_names else ""
        return f"≥ {threshold:.2f}; question-heavy ≥ {question:.2f}{unless}"
    if targeted is None:
        return f"≥ {threshold:.2f}"
    alone = "never alone" if threshold > 0.99 else f"≥ {threshold:.2f} alone"
    return f"{alone}, ≥ {targeted:.2f} with cues {cue_set}"


def bootstrap_interval(flags: Sequence[bool], reference: Sequence[bool], labels: Sequence[bool],
                       groups: Sequence[str], rounds: int = BOOTSTRAP_ROUNDS) -> tuple[float, float]:
    """95% interval of precision(flags) − precision(reference), resampling whole threads."""
    return _thread_bootstrap(flags, reference, labels, groups, _precision_gain, rounds)


def variants_table(inc: Facts, labels: list[bool], threads: list[str], tox: Facts,
                   tox_labels: list[bool], chat: Facts, base: ClassifierRule) -> list[str]:
    """Every decision rule compared: cross-validated incivility, toxicity, held-out Gitter."""
    previous = (PREVIOUS_THRESHOLD, None, (), None)
    reference = inc.flags(previous, base)
    shipped = (base.threshold, base.targeted_threshold,
               tuple(base.targeted_cues) if base.targeted_threshold is not None else (), None)
    chosen = inc.flags(shipped, base)
    lines = [
        f"| decision rule | precision (cv) | recall (cv) | flagged | precision vs ≥ {PREVIOUS_THRESHOLD:.2f}, 95% | "
        "precision vs shipped, 95% | toxicity precision | toxicity recall | Gitter held-out rate |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def interval(flags: list[bool], against: list[bool], same: bool) -> str:
        if same:
            return "–"
        low, high = bootstrap_interval(flags, against, labels, threads)
        return f"{round(low, 2) + 0.0:+.2f} … {round(high, 2) + 0.0:+.2f}"

    for variant in VARIANTS:
        flags = inc.flags(variant, base)
        s = score(flags, labels)
        t = score(tox.flags(variant, base), tox_labels)
        rate = sum(chat.flags(variant, base)) / len(chat.probs)
        name = variant_name(variant)
        if variant == shipped:
            name = f"**{name} (shipped)**"
        lines.append(f"| {name} | {fmt(s.precision)} | {fmt(s.recall)} | {pct(s.flagged_share)} | "
                     f"{interval(flags, reference, variant == previous)} | "
                     f"{interval(flags, chosen, variant == shipped)} | "
                     f"{fmt(t.precision)} | {fmt(t.recall)} | {pct(rate)} |")
    return lines


def cost_ratio(texts: Sequence[str], rounds: int = 3) -> tuple[float, float]:
    """Mean seconds per message of the shipped tone model and of raw VADER on the same
    messages (best of `rounds` passes each, so other load on the machine counts least)."""
    model = load_model("tone")
    sia = analyzer()
    examples = [features_of(t) for t in texts]
    model_best = vader_best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for tokens, cues in examples:
            model.probability(tokens, cues)
        model_best = min(model_best, (time.perf_counter() - start) / len(texts))
        start = time.perf_counter()
        for text in texts:
            sia.polarity_scores(text)
        vader_best = min(vader_best, (time.perf_counter() - start) / len(texts))
    return model_best, vader_best


def engine_cost(texts: Sequence[str], rules: Sequence[Any], rounds: int = 3) -> tuple[float, float]:
    """Seconds per message of the whole engine with and without the classifier rules."""
    full, without = Engine(list(rules)), Engine(without_classifier(rules))
    messages = [Message("bench", "w", "c", f"u{i}", t) for i, t in enumerate(texts)]
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for k, engine in enumerate((full, without)):
            start = time.perf_counter()
            for message in messages:
                engine.analyze(message)
            best[k] = min(best[k], (time.perf_counter() - start) / len(messages))
    return best[0], best[1]


def fmt(value: float | None) -> str:
    """Two decimals, or a dash."""
    return "–" if value is None else f"{value:.2f}"


def pct(value: float) -> str:
    """A share as a percentage with two decimals."""
    return f"{100 * value:.2f}%"


def table_row(title: str, s: Scores | None) -> str:
    """One markdown row: title, n, flagged share, precision, recall, F1."""
    if s is None:
        return f"| {title} | – | not installed | – | – | – |"
    return f"| {title} | {s.n} | {pct(s.flagged_share)} | {fmt(s.precision)} | {fmt(s.recall)} | {fmt(s.f1)} |"


def data_set_table(fig: Figures, extra: Figures | None = None, extra_title: str = "") -> list[str]:
    """The coachbot vs baselines table of one data set."""
    lines = ["| detector | n | flagged | precision | recall | F1 |", "|---|---|---|---|---|---|",
             table_row("**Coachbot tone nudges**", fig.tone)]
    if extra is not None:
        lines.append(table_row(extra_title, extra.tone))
    lines.append(table_row("raw VADER compound ≤ −0.5", fig.baseline("vader")))
    lines.append(table_row("alt-profanity-check ≥ 0.5", fig.baseline("profanity_check")))
    return lines


def per_type_table(fig: Figures) -> list[str]:
    """Recall (share flagged) per incivility type for Coachbot and the baselines."""
    assert fig.types is not None
    groups: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(fig.types):
        groups[t].append(i)
    lines = ["| type | n | Coachbot | raw VADER | profanity-check |", "|---|---|---|---|---|"]
    for t, idx in sorted(groups.items(), key=lambda kv: (kv[0] == "none", -len(kv[1]))):
        cells = [fmt(sum(fig.decisions[i].tone for i in idx) / len(idx))]
        for name in ("vader", "profanity_check"):
            flags = fig.baselines[name]
            cells.append("–" if flags is None else fmt(sum(flags[i] for i in idx) / len(idx)))
        title = "none (civil: share flagged = false-positive rate)" if t == "none" else t
        lines.append(f"| {title} | {len(idx)} | " + " | ".join(cells) + " |")
    return lines


def curve_table(labels: list[bool], probs: list[float], others: list[bool], min_words: list[bool],
                chat_probs: list[float], chat_others: list[bool], chat_words: list[bool]) -> list[str]:
    """Precision/recall (cross-validated) and held-out chat rate if the model threshold moved."""
    lines = ["| model threshold | incivility precision | recall | Gitter (held-out) tone-nudge rate |",
             "|---|---|---|---|"]
    for t in CURVE_THRESHOLDS:
        flags = [o or (p >= t and w) for o, p, w in zip(others, probs, min_words, strict=True)]
        s = score(flags, labels)
        chat = [o or (p >= t and w) for o, p, w in zip(chat_others, chat_probs, chat_words, strict=True)]
        lines.append(f"| {t:.2f} | {fmt(s.precision)} | {fmt(s.recall)} | {pct(sum(chat) / len(chat))} |")
    return lines


def verdict(ok: bool) -> str:
    """Met / missed."""
    return "met" if ok else "**missed**"


def main() -> None:
    """Compute every figure and write QUALITY.md."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=ROOT / "QUALITY.md")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    inc = read_jsonl(args.data / "incivility-github" / "dev.jsonl")
    tox = read_jsonl(args.data / "toxicity-github" / "comments.jsonl")
    chat = read_jsonl(args.data / "gitter-chat" / "docker.jsonl")
    chat_train, chat_test = gitter_split(chat)
    rules = load_rules()
    classifier_rules = [r for r in rules if isinstance(r, ClassifierRule)]
    shipped = Engine(rules)
    handwritten = Engine(without_classifier(rules))

    print("incivility: cross-validating", file=sys.stderr)
    with tempfile.TemporaryDirectory() as work:
        cv_decisions, cv_probs = cross_validate(inc, chat_train, rules, args.folds, Path(work))
    print("incivility: cross-validating the previous recipe", file=sys.stderr)
    previous_probs = cross_validated_probs(inc, chat_train, args.folds, PREVIOUS_RECIPE)
    inc_rows = rows_of(inc, "uncivil")
    types = [r["type"].replace("identity attacks/", "identity attack/") for r in inc]
    inc_cv = Figures("incivility (cross-validated)", inc_rows, cv_decisions, types)
    inc_rules_only = Figures("incivility, hand-written rules only", inc_rows, decide(inc_rows, handwritten))
    inc_insample = Figures("incivility, shipped model (in-sample)", inc_rows, decide(inc_rows, shipped))

    print("toxicity, gitter: shipped engine", file=sys.stderr)
    tox_rows = rows_of(tox, "toxic")
    tox_fig = Figures("toxicity", tox_rows, decide(tox_rows, shipped))
    tox_rules_only = Figures("toxicity, rules only", tox_rows, decide(tox_rows, handwritten))
    chat_test_rows = rows_of(chat_test, None)
    chat_fig = Figures("gitter held-out", chat_test_rows, decide(chat_test_rows, shipped))
    chat_all_rows = rows_of(chat, None)
    chat_all = Figures("gitter all", chat_all_rows, decide(chat_all_rows, shipped))
    irc_rows = rows_of(read_irc(args.data / "irc-replies"), None)
    irc_fig = Figures("irc", irc_rows, decide(irc_rows, shipped)) if irc_rows else None

    # Threshold curve: hand-written tone nudges OR the model above a threshold.
    min_words = min((r.min_words for r in classifier_rules), default=3)
    model = load_model(classifier_rules[0].model if classifier_rules else "tone")
    chat_test_handwritten = decide(chat_test_rows, handwritten)
    chat_features = [features_of(r.text) for r in chat_test_rows]
    curve = curve_table(
        [bool(r.label) for r in inc_rows], cv_probs, [d.tone for d in inc_rules_only.decisions],
        [len(features_of(r.text)[0]) >= min_words for r in inc_rows],
        [model.probability(*f) for f in chat_features], [d.tone for d in chat_test_handwritten],
        [len(f[0]) >= min_words for f in chat_features],
    )
    print("decision rules: comparing on cached probabilities", file=sys.stderr)
    base = classifier_rules[0] if classifier_rules else ClassifierRule.model_validate({
        "id": "bench.tone", "category": "tone", "level": "nudge", "message": "bench",
        "examples": {"flag": ["a b c"] * 3, "pass": ["d e f"] * 3}})
    tox_texts = [r.text for r in tox_rows]
    inc_facts = Facts([r.text for r in inc_rows], cv_probs, [d.tone for d in inc_rules_only.decisions], min_words)
    recipes = recipes_table(
        inc_facts,
        Facts([r.text for r in inc_rows], previous_probs, [d.tone for d in inc_rules_only.decisions], min_words),
        [bool(r.label) for r in inc_rows], [str(r["thread"]) for r in inc], base,
    )
    variants = variants_table(
        inc_facts,
        [bool(r.label) for r in inc_rows], [str(r["thread"]) for r in inc],
        Facts(tox_texts, [model.probability(*features_of(t)) for t in tox_texts],
              [d.tone for d in tox_rules_only.decisions], min_words),
        [bool(r.label) for r in tox_rows],
        Facts([r.text for r in chat_test_rows], [model.probability(*f) for f in chat_features],
              [d.tone for d in chat_test_handwritten], min_words),
        base,
    )
    model_time, vader_time = cost_ratio([r["text"] for r in chat_test[:5000]])
    with_model_time, without_model_time = engine_cost([r["text"] for r in chat_test[:5000]], rules)

    cv = inc_cv.tone
    rate = chat_fig.nudge.flagged_share
    thresholds = ", ".join(variant_name((r.threshold, r.targeted_threshold, tuple(r.targeted_cues), None))
                           .replace("≥", f"`{r.id}` ≥", 1) for r in classifier_rules) or "none"
    md: list[str] = [
        "# Coaching quality",
        "",
        f"Generated by `bench/quality.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; do not edit by hand.",
        "A message counts as flagged when it gets a finding of category `tone` at level `nudge`;",
        "the nudge rate counts any `nudge`-level finding. Baselines run on the same messages in",
        f"the same run. Classifier rules: {thresholds}.",
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| precision ≥ {TARGET_PRECISION:.2f} on heated GitHub threads (incivility, cross-validated) "
        f"| {fmt(cv.precision)} | {verdict((cv.precision or 0) >= TARGET_PRECISION)} |",
        f"| recall ≥ {TARGET_RECALL:.2f} on the same | {fmt(cv.recall)} "
        f"| {verdict((cv.recall or 0) >= TARGET_RECALL)} |",
        f"| nudge rate ≤ {pct(TARGET_NUDGE_RATE)} on normal chat (Gitter, held-out half) "
        f"| {pct(rate)} | {verdict(rate <= TARGET_NUDGE_RATE)} |",
        "",
        "## Incivility in locked GitHub threads (`incivility-github/dev.jsonl`)",
        "",
        f"Cross-validated ({args.folds} folds by whole issue thread): for each fold the tone model",
        "is retrained on the other folds (plus the older half of Gitter as civil chat) and the whole",
        "engine with that model scores the fold. These are the honest figures.",
        "",
        *data_set_table(inc_cv, inc_rules_only, "hand-written tone rules only (no model)"),
        "",
        f"For reference only, in-sample (the shipped model has seen these messages): precision "
        f"{fmt(inc_insample.tone.precision)}, recall {fmt(inc_insample.tone.recall)}, flagged "
        f"{pct(inc_insample.tone.flagged_share)}.",
        "",
        "### Recall per incivility type (cross-validated)",
        "",
        *per_type_table(inc_cv),
        "",
        "### If the model threshold moved (cross-validated incivility, held-out Gitter)",
        "",
        *curve,
        "",
        "### Model recipes compared (cross-validated incivility)",
        "",
        "Both recipes are retrained for every fold (same folds, same engine cues); the previous",
        "recipe also weighs within-word character 3–5-grams. Intervals: 95%, from "
        f"{BOOTSTRAP_ROUNDS} resamples of whole threads,",
        f"against the previous recipe at ≥ {PREVIOUS_THRESHOLD:.2f} (what was shipped before).",
        "",
        *recipes,
        "",
        "### Decision rules compared (cross-validated incivility; toxicity and Gitter as checks)",
        "",
        "Each message's cross-validated model probability is computed once (above); every rule",
        "below is then applied to those same probabilities, so the rows differ only in the rule.",
        "The toxicity set and the held-out Gitter half are scored by the shipped model and were",
        "not used to choose. Cue sets of the two-tier rules (`targeted_threshold` with",
        "`targeted_cues`): **A** = second person, profanity, insult word or a sentence with VADER",
        "≤ −0.5; **B** = profanity, insult word or such a sentence; **C** = profanity, insult word,",
        f"or second person together with a sentence VADER ≤ −0.5. \"Precision vs ≥ {PREVIOUS_THRESHOLD:.2f}\" (this",
        "model at the previous threshold) and \"vs shipped\" are 95% intervals of the precision difference from",
        f"{BOOTSTRAP_ROUNDS} resamples of whole threads.",
        "",
        *variants,
        "",
        "## Toxic GitHub comments (`toxicity-github/comments.jsonl`, never trained on)",
        "",
        *data_set_table(tox_fig, tox_rules_only, "hand-written tone rules only (no model)"),
        "",
        "## Normal developer chat (`gitter-chat/docker.jsonl`)",
        "",
        "| part | messages | nudge rate (any nudge) | tone nudges | raw VADER ≤ −0.5 | profanity-check |",
        "|---|---|---|---|---|---|",
    ]
    chat_parts = [("newer half (held out)", chat_fig), ("whole file (older half trained on)", chat_all)]
    if irc_fig is not None:
        chat_parts.append(("#ubuntu IRC, `irc-replies/*.raw.txt` (another room, never trained on)", irc_fig))
    for title, fig in chat_parts:
        prof = fig.baseline("profanity_check")
        vad = fig.baseline("vader")
        md.append(f"| {title} | {fig.nudge.n} | {pct(fig.nudge.flagged_share)} | "
                  f"{pct(fig.tone.flagged_share)} | {pct(vad.flagged_share) if vad else '–'} | "
                  f"{pct(prof.flagged_share) if prof else '–'} |")
    md += ["", "## Which nudge rules fire", "",
           "| rule | incivility (cv) | toxicity | Gitter held-out |", "|---|---|---|---|"]
    counts = [inc_cv.rule_counts(), tox_fig.rule_counts(), chat_fig.rule_counts()]
    for rule in sorted(set().union(*counts)):
        md.append(f"| `{rule}` | " + " | ".join(str(c[rule]) for c in counts) + " |")
    md += [
        "",
        "## Cost",
        "",
        f"Tone model scoring: {model_time * 1e6:.0f} µs per message; raw VADER on the whole "
        f"message: {vader_time * 1e6:.0f} µs (ratio {model_time / vader_time:.2f}×, 5,000 Gitter "
        "messages, best of 3 passes, same run; the VADER sentence scores the model uses as cues are",
        "computed by the engine for every message anyway). The whole engine takes "
        f"{with_model_time * 1e6:.0f} µs per message with the classifier rules and "
        f"{without_model_time * 1e6:.0f} µs without (ratio {with_model_time / without_model_time:.2f}×).",
        "",
        "## Method and caveats",
        "",
        "- The tone model (`bot/core/models_data/tone.json`, trained by `bench/train_tone.py`) is a",
        "  logistic regression over word 1–2-grams and a few hand-written cues (second person,",
        "  profanity, insult words and their co-occurrence; a sentence VADER score",
        "  ≤ −0.3/−0.5/−0.75; `!!`/`?!` runs; mostly capitals), on the engine's masked text",
        "  (quotes, code, URLs and mentions removed). The model format also has within-word",
        "  character 3–5-grams; the shipped recipe gives them no weights (see below). It is trained",
        "  on all of `incivility-github/dev.jsonl` and every other message of the older half of the",
        "  Gitter chat (as civil examples). The toxicity set and the newer Gitter half are never",
        "  trained on.",
        "- Incivility labels are per comment but were given with the thread in view; many uncivil",
        "  comments (bitter frustration, irony, entitlement) are not recognisable from the words",
        "  alone, which caps precision for any message-level detector. Misses are recorded above.",
        "- Recipe and threshold were chosen on the cross-validated incivility figures only (never",
        "  on the toxicity set or the held-out Gitter half): the highest precision at a recall no",
        f"  lower than the previous setting's (previous recipe at ≥ {PREVIOUS_THRESHOLD:.2f}), with the nudge rate",
        "  of normal chat, cross-validated inside the older (training) half of Gitter, kept under",
        "  half the target. Tried with a one-off search script on the same folds: L2 strength",
        "  (C 0.5–16), minimum feature count (2/3/5), weights kept (5k–60k), L1, class weights,",
        "  how much normal chat is trained on and its weight, and dropping or down-weighting",
        "  character n-grams, bigrams or cues. Only dropping the character n-gram weights helped",
        "  consistently (the same direction on four other thread partitions into folds; the table",
        "  \"Model recipes compared\" reruns that comparison here, and its precision interval at",
        "  equal recall still includes zero, so the gain is small). Less normal chat in training",
        "  raised incivility precision further but pushed the cross-validated chat nudge rate over",
        "  half the target, so it was not taken. Scoring costs the same per message (the same",
        "  features are looked up; the model file has no character n-gram weights).",
        "- Decision rule: `tone.hostile` fires at model probability ≥ 0.4, the threshold at which",
        "  the new recipe keeps the previous recall with higher precision. A stricter",
        "  precision-first reading would take 0.45 (more precise again, with less recall); the",
        "  rows above give both.",
        "- The two-tier rules (fire alone at a high probability, at a lower one only with cues that",
        "  the message targets a person) lie close to the plain-threshold curve: those more precise",
        "  than the shipped rule are about as precise as the plain threshold of the same recall,",
        "  and the model already weighs those cues, so requiring them again adds little.",
        "  Discounting question-heavy messages does not raise precision: in heated threads the jab",
        "  is often a question (\"did you even test this?\"). The `targeted_threshold` option stays",
        "  available for packs but the shipped pack does not use it. Choosing among the rows above",
        "  on the same cross-validated set flatters the winner slightly; a plain threshold is the",
        "  rule with the fewest knobs, and the toxicity and Gitter columns are independent checks.",
        "- No rule reaches precision 0.80 with recall 0.35 here: the model's cross-validated",
        "  precision passes 0.80 only at a few percent recall. The hand-written tone nudges are",
        "  precise but rare.",
        "- Self-directed put-downs (\"doh, I'm an idiot, the config was on the wrong branch\": a",
        "  first-person clause, no second person, no harsh word elsewhere) do not fire `tone.hostile`",
        "  (`self_directed_exempt`, a hand-written rule prompted by false positives in the",
        "  normal-chat sets; it changed no incivility or toxicity figure).",
        "- Span: the finding points at the sentence the model scores highest, so the message can",
        "  say which part may land badly.",
        "- Other real data (held out by the project) will check these figures; nothing here was tuned",
        "  per message, and the model's cues are hand-written word lists, not data-derived.",
        "",
    ]
    # Sections other scripts write into the same file (e.g. bench/answers.py) are kept.
    kept = marked_sections(args.out)
    args.out.write_text("\n".join(md + kept) + ("\n" if kept else ""), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
