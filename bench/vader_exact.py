"""`bot.core.vader.compound` against vaderSentiment: exactness on real data, and speed.

Run: `.venv/bin/python -m bench.vader_exact [--messages 20000] [--rounds 5]`. Compares the two
on every text of the shared data sets (when present) and of `bench.corpus.messages`, and on
every sentence the engine would split from them; prints the mismatches (must be 0) and the
speed ratio of `compound` over `polarity_scores`, best process-time of alternating rounds.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Callable
from pathlib import Path

from bench.corpus import messages
from bot.core.models import Message
from bot.core.sentiment import analyzer
from bot.core.text import Document
from bot.core.vader import compound

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


def mismatches(texts: list[str]) -> list[tuple[str, float, float]]:
    """Texts where `compound` and VADER differ (as floats, bit for bit via repr)."""
    scores = analyzer().polarity_scores
    bad = []
    for text in texts:
        ours, theirs = compound(text), float(scores(text)["compound"])
        if ours != theirs or repr(ours) != repr(theirs):
            bad.append((text, ours, theirs))
    return bad


def timed(run: Callable[[], object]) -> float:
    """Process time of one run."""
    gc.collect()
    start = time.process_time()
    run()
    return time.process_time() - start


def speed_ratio(texts: list[str], rounds: int) -> tuple[float, float, float]:
    """(VADER seconds, compound seconds, ratio), best of alternating rounds."""
    scores = analyzer().polarity_scores

    def vader() -> None:
        for text in texts:
            scores(text)

    def ours() -> None:
        for text in texts:
            compound(text)

    theirs_t, ours_t = [], []
    for _ in range(rounds):
        theirs_t.append(timed(vader))
        ours_t.append(timed(ours))
    best_theirs, best_ours = min(theirs_t), min(ours_t)
    return best_theirs, best_ours, best_theirs / best_ours


def main() -> None:
    """Check exactness everywhere, then time both on the synthetic corpus (and real data)."""
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

    total_bad = 0
    print("exactness (texts / sentences checked, mismatches):")
    split: dict[str, list[str]] = {}
    for name, texts in corpora.items():
        split[name] = sentence_texts(texts)
        bad = mismatches(texts) + mismatches(split[name])
        total_bad += len(bad)
        print(f"  {name}: {len(texts)} texts, {len(split[name])} sentences, {len(bad)} mismatches")
        for text, ours, theirs in bad[:5]:
            print(f"    compound={ours!r} vader={theirs!r} len={len(text)}")  # no text logged
    print(f"total mismatches: {total_bad}")

    print(f"speed (process time, best of {args.rounds} alternating rounds; ratio = VADER/ours):")
    for name in corpora:
        for label, texts in (("messages", corpora[name]), ("sentences", split[name])):
            theirs, ours, ratio = speed_ratio(texts, args.rounds)
            print(f"  {name} {label}: vader {theirs:.3f}s, compound {ours:.3f}s -> {ratio:.1f}x")


if __name__ == "__main__":
    main()
