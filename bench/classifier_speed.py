"""Cost of the `classifier` rules per message, as a ratio to one raw VADER call (same run).

Run: `.venv/bin/python -m bench.classifier_speed [--messages 20000] [--rounds 5]`.

- engine: (engine with only the shipped classifier rules - engine with no rules) per message,
  over raw vaderSentiment `polarity_scores` per message (target <= 0.15).
- scoring: the model's probability with its message cues on prepared documents (words and
  sentence scores already computed, as the engine has them), fast path vs the feature-string
  reference of `tests/core/test_classifier_scoring.py` (the implementation it replaced,
  without its per-word cache), each over raw VADER.

CPU time (`time.process_time`), several alternating rounds, the best round of each side.
"""

from __future__ import annotations

import argparse
import gc
import math
import time
from collections.abc import Callable

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bench.corpus import messages
from bot.core.checks.classifier import ClassifierRule, load_model, message_probability
from bot.core.engine import Engine
from bot.core.models import Message
from bot.core.rulepack import load_rules
from bot.core.sentiment import sentence_scores
from bot.core.text import Document
from tests.core.test_classifier_scoring import reference_doc_cues, reference_logit


def cpu_seconds(run: Callable[[], object]) -> float:
    """CPU seconds of one call of `run`, after a garbage collection."""
    gc.collect()
    start = time.process_time()
    run()
    return time.process_time() - start


def prepared(msgs: list[Message]) -> list[Document]:
    """Documents with words and sentence scores computed (what the engine does anyway)."""
    docs = [Document(m) for m in msgs]
    for doc in docs:
        sentence_scores(doc)
    return docs


def measure(n: int, rounds: int) -> dict[str, float]:
    """Best-of-`rounds` CPU seconds per message of each side, alternating."""
    texts = messages(n)
    msgs = [Message("bench", "w", f"c{i % 50}", f"u{i % 37}", t, ts=1_700_000_000.0 + i)
            for i, t in enumerate(texts)]
    rules = [r for r in load_rules() if isinstance(r, ClassifierRule)]
    with_rules, without = Engine(rules), Engine([])
    model = load_model(rules[0].model)
    vader = SentimentIntensityAnalyzer()

    def run_engine(engine: Engine) -> Callable[[], None]:
        def run() -> None:
            engine.reset()
            for message in msgs:
                engine.evaluate(message)
        return run

    def run_vader() -> None:
        for text in texts:
            vader.polarity_scores(text)

    best: dict[str, float] = {}
    for _ in range(rounds):
        fast_docs, reference_docs = prepared(msgs), prepared(msgs)

        def fast(docs: list[Document] = fast_docs) -> None:
            for doc in docs:
                message_probability(doc, model)

        def reference(docs: list[Document] = reference_docs) -> None:
            for doc in docs:
                1.0 / (1.0 + math.exp(-reference_logit(model, doc.words, reference_doc_cues(doc))))

        sides = {"vader": run_vader, "engine_classifier": run_engine(with_rules),
                 "engine_none": run_engine(without), "scoring_fast": fast, "scoring_reference": reference}
        for name, run in sides.items():
            best[name] = min(best.get(name, math.inf), cpu_seconds(run) / n)
    return best


def main() -> None:
    """Print the per-message costs and their ratios to raw VADER."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    best = measure(args.messages, args.rounds)
    vader = best["vader"]
    rules = best["engine_classifier"] - best["engine_none"]
    print(f"messages {args.messages}, rounds {args.rounds}, best round per side (CPU time)")
    print(f"raw VADER polarity_scores       {vader * 1e6:7.1f} us/message")
    print(f"engine, classifier rules only   {best['engine_classifier'] * 1e6:7.1f} us/message")
    print(f"engine, no rules                {best['engine_none'] * 1e6:7.1f} us/message")
    print(f"classifier rules (difference)   {rules * 1e6:7.1f} us/message = {rules / vader:.3f}x VADER"
          " (target <= 0.15x)")
    print(f"scoring, fast path              {best['scoring_fast'] * 1e6:7.1f} us/message = "
          f"{best['scoring_fast'] / vader:.3f}x VADER")
    print(f"scoring, feature-string ref.    {best['scoring_reference'] * 1e6:7.1f} us/message = "
          f"{best['scoring_reference'] / vader:.3f}x VADER")


if __name__ == "__main__":
    main()
