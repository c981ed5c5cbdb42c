"""`bot.core.vader`'s compound scores against vaderSentiment: exactness on real data, and speed.

Run: `.venv/bin/python -m bench.vader_exact [--messages 20000] [--rounds 5]`. Checks both
implementations, the pure-Python `compound_python` and `compound` with the C extension
(`bot.core._cvader`, when built), against `polarity_scores` on every text of the shared data sets
(when present) and of `bench.corpus.messages`, and on every sentence the engine would split from
them; prints the mismatches of each (must be 0) and the speed ratio of each over
`polarity_scores`, best process-time of alternating rounds.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Callable
from pathlib import Path

from bench.corpus import messages
from bot.core import vader
from bot.core.models import Message
from bot.core.sentiment import analyzer
from bot.core.text import Document
from bot.core.vader import compound, compound_python

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DATASETS = [
    "incivility-github/dev.jsonl",
    "toxicity-github/comments.jsonl",
    "gitter-chat/docker.jsonl",
]


def load(path: Path) -> list[str]:
    """The `text` field of every line of a JSONL file."""
    with path.open(encoding="utf-8") as handle:
        return [str(json.loads(line).get("text") or "") for line in handle if line.strip()]


def sentence_texts(texts: list[str]) -> list[str]:
    """Every sentence text the engine would score, in order."""
    out: list[str] = []
    for text in texts:
        doc = Document(Message("bench", "w", "c", "u", text))
        out.extend(doc.sentence_text(s) for s in doc.sentences)
    return out


def implementations() -> dict[str, Callable[[str], float]]:
    """The implementations to check: Python always, C when the extension is active."""
    compound("")  # loads the tables (configures the C extension)
    impls: dict[str, Callable[[str], float]] = {"python": compound_python}
    if vader.SPEEDUPS:
        impls["c"] = compound
    return impls


def mismatches(texts: list[str], score: Callable[[str], float]) -> list[tuple[str, float, float]]:
    """Texts where `score` and VADER differ (as floats, bit for bit via repr)."""
    scores = analyzer().polarity_scores
    bad = []
    for text in texts:
        ours, theirs = score(text), float(scores(text)["compound"])
        if ours != theirs or repr(ours) != repr(theirs):
            bad.append((text, ours, theirs))
    return bad


def timed(run: Callable[[], object]) -> float:
    """Process time of one run."""
    gc.collect()
    start = time.process_time()
    run()
    return time.process_time() - start


def speed(
    texts: list[str], impls: dict[str, Callable[[str], float]], rounds: int
) -> tuple[float, dict[str, float]]:
    """(VADER seconds, {implementation: seconds}), best of alternating rounds."""
    scores = analyzer().polarity_scores

    def run(score: Callable[[str], object]) -> Callable[[], None]:
        def loop() -> None:
            for text in texts:
                score(text)

        return loop

    runs = {"vader": run(scores), **{name: run(score) for name, score in impls.items()}}
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):
        for name, loop in runs.items():
            best[name] = min(best[name], timed(loop))
    theirs = best.pop("vader")
    return theirs, best


def main() -> None:
    """Check both implementations everywhere, then time them and VADER on every corpus."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    corpora: dict[str, list[str]] = {}
    for name in DATASETS:
        path = DATA / name
        if path.exists():
            corpora[name] = load(path)
        else:
            print(f"{name}: absent, skipped")
    corpora[f"bench.corpus.messages({args.messages})"] = messages(args.messages)

    impls = implementations()
    if "c" not in impls:
        print("bot.core._cvader is not active (not built?): checking the Python path only")
    total_bad = dict.fromkeys(impls, 0)
    print("exactness (texts / sentences checked, mismatches per implementation):")
    split: dict[str, list[str]] = {}
    for name, texts in corpora.items():
        split[name] = sentence_texts(texts)
        counts = []
        for label, score in impls.items():
            bad = mismatches(texts, score) + mismatches(split[name], score)
            total_bad[label] += len(bad)
            counts.append(f"{label} {len(bad)}")
            for text, ours, theirs in bad[:5]:
                print(f"    {label}: ours={ours!r} vader={theirs!r} len={len(text)}")  # no text
        print(
            f"  {name}: {len(texts)} texts, {len(split[name])} sentences, "
            f"mismatches: {', '.join(counts)}"
        )
    print("total mismatches: " + ", ".join(f"{label} {n}" for label, n in total_bad.items()))

    print(f"speed (process time, best of {args.rounds} alternating rounds; ratio = VADER/ours):")
    for name in corpora:
        for label, texts in (("messages", corpora[name]), ("sentences", split[name])):
            theirs, timings = speed(texts, impls, args.rounds)
            parts = ", ".join(
                f"{impl} {seconds:.3f}s -> {theirs / seconds:.1f}x"
                for impl, seconds in timings.items()
            )
            print(f"  {name} {label}: vader {theirs:.3f}s, {parts}")


if __name__ == "__main__":
    main()
