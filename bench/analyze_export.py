"""Benchmark `coachbot analyze --json` on generated Slack exports against raw VADER.

Generates Slack workspace exports (a folder of day files) of the given sizes, runs
`coachbot analyze --json` on each as a child process (wall time and that process's peak RSS),
and measures raw VADER (`polarity_scores`) on a sample of the same texts in the same run.
With --write, rewrites the `digest` section's analyze part of BENCHMARKS.md.

    .venv/bin/python bench/analyze_export.py --sizes 200000,1000000 --jobs 2 --write
"""

from __future__ import annotations

import argparse
import compileall
import json
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COACHBOT = Path(sys.executable).with_name("coachbot")

OPENERS = ["", "Hey team, ", "Quick one: ", "FYI ", "Morning! ", "Update: ", "Hmm, ", "So "]
SUBJECTS = ["the deploy", "the release notes", "staging", "the migration", "the dashboard",
            "the login page", "our roadmap", "the on-call rota", "the API docs", "the build"]
QUESTIONS = ["does anyone know why {s} is failing?", "can someone review {s} today?",
             "where do we track {s}?", "who owns {s} these days?", "is {s} blocked on us?"]
ANSWERS = ["I think {s} needs the new env var, I'll add it.", "Yes, {s} is on my list for today.",
           "Looked at {s}: the config was stale, fixed now.", "It's in the wiki under {s}.",
           "No, {s} is fine on my side."]
THANKS = ["Thanks <@{u}>, that fixed {s}!", "Great work on {s}, <@{u}>, really appreciated.",
          "thank you so much for the help with {s}"]
HARSH = ["This is a stupid mess, who broke {s} again?", "{s} is garbage and I hate it.",
         "Seriously?? Why is {s} STILL broken", "guys, just fix {s} asap"]
PLAIN = ["Pushed a fix for {s}.", "Heading to lunch, back in an hour.", "Meeting moved to 3pm.",
         "I'll pair with you on {s} after standup.", "Ok, sounds good.", "lol",
         "Let's discuss {s} tomorrow.", "Merged {s}, watch the alerts please."]


def message_text(rng: random.Random, users: list[str]) -> str:
    """One synthetic chat message drawn from a mix of questions, answers, thanks and banter."""
    s = rng.choice(SUBJECTS)
    roll = rng.random()
    if roll < 0.15:
        body = rng.choice(QUESTIONS).format(s=s)
    elif roll < 0.35:
        body = rng.choice(ANSWERS).format(s=s)
    elif roll < 0.42:
        body = rng.choice(THANKS).format(s=s, u=rng.choice(users))
    elif roll < 0.47:
        body = rng.choice(HARSH).format(s=s)
    else:
        body = rng.choice(PLAIN).format(s=s)
    return rng.choice(OPENERS) + body


def generate_slack_export(
    path: Path, messages: int, channels: int = 100, people: int = 2000, seed: int = 1,
    texts: list[str] | None = None,
) -> list[str]:
    """Write a Slack export folder; returns the texts of all its people's messages, in order.

    Texts come from the synthetic templates, or, given `texts`, from those real messages drawn
    at random (with repeats once the list is used up).
    """
    rng = random.Random(seed)
    users = [f"U{i:07d}" for i in range(people)]
    path.mkdir(parents=True)
    (path / "users.json").write_text(json.dumps(
        [{"id": u, "name": f"user{i}", "deleted": False, "is_bot": False}
         for i, u in enumerate(users)]
    ))
    names = [f"channel-{i:03d}" for i in range(channels)]
    (path / "channels.json").write_text(json.dumps(
        [{"id": f"C{i:07d}", "name": n} for i, n in enumerate(names)]
    ))
    per_day = 200  # messages per channel-day file (the last file of the last channel may be short)
    per_channel = -(-messages // channels)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    human_texts: list[str] = []
    written = 0
    for name in names:
        members = rng.sample(users, k=min(len(users), 40))
        folder = path / name
        folder.mkdir()
        left = min(per_channel, messages - written)
        day = start
        while left > 0:
            count = min(per_day, left)
            base = day.timestamp() + 8 * 3600
            batch = []
            for i in range(count):
                text = message_text(rng, members) if texts is None else rng.choice(texts)
                ts = f"{base + i * 60 + rng.random():.6f}"
                item: dict[str, object] = {"type": "message", "user": rng.choice(members),
                                           "text": text, "ts": ts}
                if i % 25 == 24:
                    item = {"type": "message", "subtype": "channel_join",
                            "user": rng.choice(members), "text": "has joined", "ts": ts}
                else:
                    human_texts.append(text)
                batch.append(item)
            (folder / f"{day:%Y-%m-%d}.json").write_text(json.dumps(batch))
            written += count
            left -= count
            day += timedelta(days=1)
    return human_texts


def read_texts(path: Path) -> list[str]:
    """The non-empty `text` fields of a JSONL file of real chat."""
    with path.open(encoding="utf-8") as handle:
        rows = (json.loads(line) for line in handle if line.strip())
        return [t for row in rows if (t := str(row.get("text") or "").strip())]


def run_analyze_measured(path: Path, jobs: int) -> tuple[float, int, dict[str, object]]:
    """Like run_analyze, but reads the peak RSS of that very child through wait4."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        proc = subprocess.Popen(
            [str(COACHBOT), "analyze", str(path), "--json", "--jobs", str(jobs)],
            stdout=out_file, stderr=err_file,
        )
        _, status, rusage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        out_file.seek(0)
        err_file.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"analyze failed: {err_file.read().decode()[-2000:]}")
        data = json.loads(out_file.read())
    return elapsed, rusage.ru_maxrss * 1024, data


def vader_rate(texts: list[str]) -> float:
    """Messages per second of raw VADER polarity_scores over `texts`."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    started = time.perf_counter()
    for text in texts:
        analyzer.polarity_scores(text)
    return len(texts) / (time.perf_counter() - started)


def vader_rate_in_child(texts_file: Path) -> float:
    """`vader_rate` over the texts of a JSON-lines file, in a child process.

    (The benchmark process stays small: a forked analyze child's peak RSS counts the memory it
    was forked with, so a million texts held here would be charged to analyze.)
    """
    out = subprocess.run(
        [sys.executable, __file__, "--vader-only", str(texts_file)],
        check=True, capture_output=True, text=True,
    ).stdout
    return float(out.strip().splitlines()[-1])


def generate_files(export: Path, size: int, texts: list[str] | None, texts_file: Path) -> int:
    """Write the export and, as JSON lines, its human texts; returns how many there are."""
    human_texts = generate_slack_export(export, size, texts=texts)
    with texts_file.open("w", encoding="utf-8") as handle:
        for text in human_texts:
            handle.write(json.dumps(text) + "\n")
    return len(human_texts)


def main() -> None:
    """Run the benchmark and print (or write) the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="200000,1000000")
    parser.add_argument("--jobs", type=int, default=2,
                        help="also run the first size with this many worker processes")
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds per size: one analyze run and one VADER timing each "
                             "(the ratio is the median of the rounds')")
    parser.add_argument("--texts", type=Path, default=None,
                        help="draw message texts from this JSONL of real chat (a `text` field) "
                             "instead of the templates; --write then writes its own part")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    parser.add_argument("--vader-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.vader_only is not None:  # (the child of vader_rate_in_child)
        with args.vader_only.open(encoding="utf-8") as handle:
            print(vader_rate([json.loads(line) for line in handle]))
        return
    texts = read_texts(args.texts) if args.texts else None
    # Byte-compile the package first, as `pip install` does: where PYTHONDONTWRITEBYTECODE is set
    # (it is on some CI machines), every analyze run would otherwise compile it again.
    compileall.compile_dir(ROOT / "bot", quiet=1)
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="coachbot-bench-") as tmp:
        for size in sizes:
            export = Path(tmp) / f"slack-{size}"
            t0 = time.perf_counter()
            texts_file = Path(tmp) / f"texts-{size}.jsonl"
            # (In a child process: this one stays small, see vader_rate_in_child.)
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                count = pool.submit(generate_files, export, size, texts, texts_file).result()
            gen = time.perf_counter() - t0
            # Each round times VADER on every human text of the export and one analyze run, next
            # to each other (the order alternates from round to round), and the ratio is the
            # median of the rounds' ratios. Both sides run for about as long: on this shared
            # machine the speed drifts by tens of percent within seconds (VADER alone read 16k to
            # 33k msg/s on 25,000-text slices of one run), so the best of short samples of one
            # side against long runs of the other would favour the short side.
            seconds, rss, vader = float("inf"), 0, 0.0
            ratios: list[float] = []
            data: dict[str, object] = {}
            for index in range(args.rounds):
                if index % 2 == 0:
                    round_vader = vader_rate_in_child(texts_file)
                round_seconds, round_rss, data = run_analyze_measured(export, 1)
                if index % 2 == 1:
                    round_vader = vader_rate_in_child(texts_file)
                assert data["messages"] == count
                ratios.append(count / round_seconds / round_vader)
                seconds, rss = min(seconds, round_seconds), max(rss, round_rss)
                vader = max(vader, round_vader)
            row = {
                "size": size, "generated_s": gen, "human": data["messages"], "seconds": seconds,
                "rate": data["messages"] / seconds, "rss_mb": rss / 2**20, "vader": vader,
                "ratio": statistics.median(ratios), "ratios": ratios, "rounds": args.rounds,
            }
            if args.jobs > 1 and size == sizes[0]:
                # (Paired like a round: the VADER timing right after the parallel run.)
                pseconds, prss, pdata = run_analyze_measured(export, args.jobs)
                assert pdata["messages"] == data["messages"]
                row.update(par_seconds=pseconds, par_rate=pdata["messages"] / pseconds,
                           par_rss_mb=prss / 2**20,
                           par_ratio=count / pseconds / vader_rate_in_child(texts_file))
            results.append(row)
            print(json.dumps(row), flush=True)
            shutil.rmtree(export)
            texts_file.unlink()
    text = render(results, args.jobs, args.texts)
    print(text)
    if args.write:
        write_section(text, "analyze" if args.texts is None else "analyze-real-texts")


def render(results: list[dict[str, float]], jobs: int, texts: Path | None = None) -> str:
    """The BENCHMARKS.md lines for these results."""
    source = (
        "texts from the synthetic templates (short: 42 characters on average)" if texts is None
        else f"texts drawn at random from the real chat in `{texts.parent.name}/{texts.name}` "
             f"(unedited)"
    )
    lines = [
        "### `coachbot analyze --json` on a generated Slack export"
        + ("" if texts is None else ", real chat texts"),
        "",
        f"Generated folder exports (100 channels, 2,000 people, 200 messages per day file, 4% "
        f"joins; {source}). Each size: {int(results[0]['rounds'])} rounds, each one single-process "
        f"analyze run next to raw VADER `polarity_scores` timed on every human text of the same "
        f"export, in a process of its own (the order alternating from round to round, "
        f"so both sides run for about as long on this machine, whose speed drifts within "
        f"seconds). The ratio is the median of the rounds' ratios (the range in brackets); the "
        f"rates are each side's best. The analyze side is the whole command, its start-up "
        f"(interpreter, rules and models: about 0.4-0.8 s) included; the VADER side only its "
        f"loop. The `--jobs` run is paired with a VADER timing of its own. Peak RSS is the "
        f"analyze process's (wait4 ru_maxrss; with --jobs the largest of the main process and its "
        f"workers). {os.cpu_count()} cores.",
        "",
        "| messages (human) | analyze msg/s | raw VADER msg/s | ratio | peak RSS |"
        + (f" --jobs {jobs} msg/s | ratio | peak RSS (main or a worker) |" if jobs > 1 else ""),
        "|---|---|---|---|---|" + ("---|---|---|" if jobs > 1 else ""),
    ]
    for r in results:
        line = (
            f"| {int(r['human']):,} | {r['rate']:,.0f} | {r['vader']:,.0f} | "
            f"{r['ratio']:.2f}× ({min(r['ratios']):.2f}–{max(r['ratios']):.2f}) | "
            f"{r['rss_mb']:.0f} MB |"
        )
        if jobs > 1 and "par_rate" in r:
            line += (f" {r['par_rate']:,.0f} | {r['par_ratio']:.2f}× | "
                     f"{r['par_rss_mb']:.0f} MB |")
        elif jobs > 1:
            line += " – | – | – |"
        lines.append(line)
    return "\n".join(lines)


def write_section(text: str, marker: str = "analyze") -> None:
    """Replace this benchmark's part (between its own comment markers) of the `digest` section."""
    path = ROOT / "BENCHMARKS.md"
    content = path.read_text()
    begin, end = "<!-- section:digest -->", "<!-- /section:digest -->"
    head, rest = content.split(begin, 1)
    body, tail = rest.split(end, 1)
    part_begin, part_end = f"<!-- part:{marker} -->", f"<!-- /part:{marker} -->"
    block = f"{part_begin}\n{text}\n{part_end}"
    if part_begin in body:
        before, after = body.split(part_begin, 1)
        body = before + block + after.split(part_end, 1)[1]
    else:
        body = body.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(head + begin + body + end + tail)


if __name__ == "__main__":
    main()
