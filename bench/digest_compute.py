"""Benchmark digest computation for a workspace of 1,000 channels and 10,000 people.

Fills a fresh SQLite store (migrated as in production) with eight weeks of daily counters,
rule hits, answer delays and nudges, then times computing every channel's digest from the
store (queries + arithmetic), the arithmetic alone, and, as the baseline measured in the same
run, one plain `SUM(messages) GROUP BY channel` over the same two weeks of counters.
With --write, rewrites the digest part of the `digest` section of BENCHMARKS.md.

    .venv/bin/python bench/digest_compute.py --write
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.analyze_export import write_section  # noqa: E402
from bot.digest.compute import digest_from_totals  # noqa: E402
from bot.digest.source import load_totals, workspace_digests  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.store.schema import AnswerDelay, DailyCounter, NudgeLog, RuleHit  # noqa: E402

WS = "TBENCH"
WEEK = date(2024, 6, 3)
RULES = ["tone.harsh-sentiment", "clarity.asap", "inclusion.guys", "etiquette.shouting",
         "appreciation.thanks", "tone.sarcasm"]


def fill(store: Store, channels: int, people: int, seed: int = 3) -> int:
    """Eight weeks of activity: each person in 5 channels, active 3 days a week in each."""
    rng = random.Random(seed)
    first = WEEK - timedelta(days=7 * 7)
    counters, hits, delays, nudges = [], [], [], []
    for p in range(people):
        user = f"U{p:06d}"
        for channel in rng.sample(range(channels), 5):
            ch = f"C{channel:05d}"
            for week in range(8):
                for d in rng.sample(range(7), 3):
                    day = first + timedelta(days=7 * week + d)
                    n = rng.randint(1, 12)
                    counters.append({
                        "workspace": WS, "channel": ch, "user": user, "day": day,
                        "messages": n, "words": n * 9, "questions": rng.randint(0, 2),
                        "answers": rng.randint(0, 2), "thanks": rng.randint(0, 1),
                        "praise_received": rng.randint(0, 1), "nudges_delivered": 0,
                        "tone_negative": rng.randint(0, n // 4), "tone_neutral": n // 2,
                        "tone_positive": rng.randint(0, n // 3),
                    })
                    if rng.random() < 0.2:
                        hits.append({"workspace": WS, "channel": ch, "user": user, "day": day,
                                     "rule": rng.choice(RULES), "hits": rng.randint(1, 3)})
                    if rng.random() < 0.2:
                        delays.append({"workspace": WS, "channel": ch, "user": user, "day": day,
                                       "seconds": rng.lognormvariate(6, 1.5)})
                    if week == 7 and rng.random() < 0.05:
                        nudges.append({
                            "platform": "slack", "workspace": WS, "channel": ch, "user": user,
                            "rule": rng.choice(RULES), "level": "nudge", "escalated": False,
                            "created_at": datetime.combine(day, datetime.min.time(), UTC),
                            "delivered": True,
                            "feedback": rng.choice([None, "helpful", "not_helpful"]),
                        })
    # Rows are created as days go by in production, so store them in day order.
    for rows in (counters, hits, delays):
        rows.sort(key=lambda row: (row["day"], row["channel"], row["user"]))
    with store.engine.begin() as conn:
        for table, rows in ((DailyCounter, counters), (RuleHit, hits),
                            (AnswerDelay, delays), (NudgeLog, nudges)):
            for start in range(0, len(rows), 50_000):
                conn.execute(insert(table.__table__), rows[start:start + 50_000])
    return len(counters)


def best_of(n: int, fn) -> float:  # type: ignore[no-untyped-def]
    """Median wall time of n runs."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Run the benchmark and print (or write) the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--database-url", default=None,
                        help="an empty database (e.g. a PostgreSQL schema); default: SQLite file")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coachbot-digest-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = Store.open(url)
        backend = store.engine.dialect.name
        started = time.perf_counter()
        rows = fill(store, args.channels, args.people)
        # Planner statistics, as PostgreSQL's autovacuum gathers them (SQLite: PRAGMA optimize).
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        filled = time.perf_counter() - started
        digests = workspace_digests(store, WS, WEEK)
        full = best_of(3, lambda: workspace_digests(store, WS, WEEK))
        totals = load_totals(store, WS, WEEK)
        arithmetic = best_of(3, lambda: [digest_from_totals(t, WEEK) for t in totals.values()])
        table = DailyCounter.__table__

        def baseline() -> None:
            with store.engine.connect() as conn:
                conn.execute(
                    select(table.c.channel, func.sum(table.c.messages))
                    .where(table.c.workspace == WS, table.c.day >= WEEK - timedelta(days=7),
                           table.c.day < WEEK + timedelta(days=7))
                    .group_by(table.c.channel)
                ).all()

        base = best_of(3, baseline)
        from bot.digest.source import channel_digest, personal_digest

        single = best_of(3, lambda: channel_digest(store, WS, "C00007", WEEK))
        personal = best_of(3, lambda: personal_digest(store, WS, "U000007", WEEK))
        from bot.digest.charts import channel_digest_png

        one = next(iter(digests.values()))
        chart = best_of(3, lambda: channel_digest_png(one))
        store.close()
    text = "\n".join([
        f"### Digest computation from stored counters ({backend})",
        "",
        f"A {backend} store with {args.channels:,} channels and {args.people:,} people (each in 5 "
        f"channels, active 3 days a week, 8 weeks: {rows:,} daily counter rows, plus rule hits, "
        f"answer delays and nudges, in day order as production writes them; filled and ANALYZEd "
        f"in {filled:.0f} s). Median of 3 runs. Baseline: one plain `SUM(messages) GROUP BY "
        "channel` over the same two weeks, in the same run. Load average during the run: "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other sessions share the machine).",
        "",
        "| what | time | vs. baseline |",
        "|---|---|---|",
        f"| every channel's digest from the store (queries + arithmetic), {len(digests):,} "
        f"digests | {full:.2f} s | {full / base:.1f}× |",
        f"| arithmetic only (rows already in memory) | {arithmetic:.2f} s | "
        f"{arithmetic / base:.1f}× |",
        f"| baseline GROUP BY | {base:.2f} s | 1× |",
        f"| one channel's digest (the configured digest channel) | {single * 1000:.0f} ms | "
        f"{single / base:.2f}× |",
        f"| one personal digest | {personal * 1000:.0f} ms | {personal / base:.2f}× |",
        f"| one digest chart (PNG, matplotlib Agg) | {chart:.2f} s | – |",
        "",
        f"Target: under 2 s for the whole workspace — {'met' if full < 2 else 'NOT met'} "
        f"on {backend}.",
    ])
    print(text)
    if args.write:
        write_section(text, marker=f"digest-{backend}")


if __name__ == "__main__":
    main()
