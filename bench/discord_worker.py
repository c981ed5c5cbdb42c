"""Coaching in a worker process, for `bench/discord_gateway.py --worker-process` (a diagnostic).

The functions are module-level so a spawned process can run them: `init` builds the worker's
own Coach on the benchmark's database, then `run_batch`/`run_one` stand in for the client's
coaching threads. The conversation windows live in this one worker, so every message of a
channel is still coached in order by the same engine.
"""

from __future__ import annotations

from typing import Any

_COACH: Any = None


def init(database_url: str) -> None:
    """Build this worker's Coach (engine, policy, store) on `database_url`."""
    global _COACH
    from bot.coaching.coach import Coach

    _COACH = Coach.create(database_url=database_url)


def ready() -> bool:
    """True once `init` has run (the benchmark waits for it before the burst)."""
    return _COACH is not None


def run_batch(items: list[tuple[Any, str | None]]) -> list[list[Any]]:
    """`Coach.process_batch` in the worker."""
    return _COACH.process_batch(items)  # type: ignore[no-any-return]


def run_one(message: Any, event_id: str | None) -> list[Any]:
    """`Coach.process` in the worker (the batcher's one-by-one fallback)."""
    return _COACH.process(message, event_id)  # type: ignore[no-any-return]
