"""A seeded generator of realistic team-chat messages (3–80 words) for benchmarks."""

from __future__ import annotations

import random

OPENERS = [
    "hey", "morning all", "quick one", "fyi", "heads up", "ok so", "hmm", "right", "btw",
    "sorry to bug you", "thanks", "nice", "yeah", "agreed", "so", "update:", "question:",
]
SENTENCES = [
    "the deploy to staging failed again with a timeout on the migration step",
    "can someone take a look at the flaky integration test when you get a chance",
    "I pushed a fix for the cache invalidation bug, PR is up for review",
    "does anyone know why the build cache keeps getting evicted",
    "we should probably pin the base image version before the release",
    "the dashboard shows p99 latency going up since yesterday afternoon",
    "I think the retry logic is hiding the real error here",
    "let's pair on this after standup if you have time",
    "this is really frustrating, the docs say one thing and the code does another",
    "great catch, I completely missed that edge case",
    "I'm not sure this approach scales once we have more tenants",
    "could you add a test for the empty input case",
    "the on-call rotation for next week is in the calendar",
    "that is a terrible idea and it will break production",
    "honestly this code is a mess and nobody understands it anymore",
    "I love how clean the new API turned out",
    "why does the linter complain about unused imports in generated files",
    "we lost about an hour of metrics during the outage",
    "please don't merge without a second approval",
    "thanks for jumping on the incident so quickly last night",
    "I disagree, the old behaviour was documented and people rely on it",
    "can we move the retro to Thursday",
    "the memory usage doubled after the upgrade, not sure why",
    "works on my machine but CI is red",
    "you could try clearing the volume and rebuilding the container",
    "the error says permission denied when writing to the socket",
    "did you even read the ticket before closing it",
    "sounds good to me, ship it",
    "I'm blocked on the database credentials for the new environment",
    "this is awesome work, really appreciate the effort",
    "the release notes need a section about the breaking change",
    "hm, the config file is not picked up when the env var is set",
    "is there a reason we don't use the managed queue for this",
    "I hate this build system so much, it is slow and broken",
    "obviously the cache needs to be warmed before the benchmark",
    "just restart the pod, it usually fixes it",
    "let me know if you need anything from my side",
    "guys, the staging database is almost out of disk",
]
TAILS = [
    "", "", "", "?", "!", " :)", " 🙂", " lol", " thanks!", " any ideas?", " see `kubectl logs -f`",
    " https://ci.example.com/build/1234", " cc <@U024BE7LH>", " (not urgent)",
]


def messages(n: int, seed: int = 7) -> list[str]:
    """`n` messages between 3 and 80 words, the same for the same seed."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        parts = [rng.choice(OPENERS)] if rng.random() < 0.4 else []
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            parts.append(rng.choice(SENTENCES) + rng.choice([".", ".", "", "?", "!"]))
        text = " ".join(parts) + rng.choice(TAILS)
        words = text.split()
        if len(words) < 3:
            continue
        out.append(" ".join(words[:80]))
    return out


def long_message(words: int, seed: int = 11) -> str:
    """One message of about `words` words, made of realistic sentences."""
    rng = random.Random(seed)
    parts: list[str] = []
    count = 0
    while count < words:
        sentence = rng.choice(SENTENCES) + rng.choice([". ", "! ", "? ", ", and "])
        parts.append(sentence)
        count += len(sentence.split())
    return " ".join(" ".join(parts).split()[:words])
