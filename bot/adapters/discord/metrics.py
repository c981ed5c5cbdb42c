"""Prometheus counters of the Discord adapter (counts only, never message text)."""

from __future__ import annotations

from prometheus_client import Counter

REST_FAILURES = Counter(
    "coachbot_discord_rest_failures",
    "Discord REST calls that failed, by HTTP method, route template and status.",
    ["method", "route", "status"],
)
NUDGES = Counter(
    "coachbot_discord_nudges",
    "Nudges handed to Discord by outcome (delivered, dm_closed, failed).",
    ["outcome"],
)
MESSAGES = Counter(
    "coachbot_discord_messages",
    "Guild messages seen, by outcome (processed, ignored, failed).",
    ["outcome"],
)

# The message outcomes' children, resolved once (`labels()` costs a lock and a lookup per call).
MESSAGES_PROCESSED = MESSAGES.labels(outcome="processed")
MESSAGES_IGNORED = MESSAGES.labels(outcome="ignored")
MESSAGES_FAILED = MESSAGES.labels(outcome="failed")
