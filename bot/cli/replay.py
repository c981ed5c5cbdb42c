"""`coachbot replay`: shadow mode, the nudges a message history would have produced."""

from __future__ import annotations

import json
import logging
import sys

import structlog
import typer

from bot.cli.common import RULES_OPTION, load_engine
from bot.core.jsonl import InputLine, line_error


def quiet_logs() -> None:
    """Keep stdout for results: logs go to stderr, warnings and worse only."""
    if not structlog.is_configured():
        structlog.configure(
            wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
            logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        )


def replay(
    file: str = typer.Argument(..., help="JSON lines with text, user, channel, ts; '-' for stdin."),
    jsonl: bool = typer.Option(
        True, "--jsonl", help="The input is JSON lines (the only format; kept for clarity)."
    ),
    summary: bool = typer.Option(
        False, "--summary", help="Print counts per rule and per person instead of each nudge."
    ),
    database: str = typer.Option(
        None, "--database", help="Database URL to use (default: a fresh temporary SQLite)."
    ),
    rules: str = RULES_OPTION,
    optout: list[str] = typer.Option(  # noqa: B008
        [], "--optout", help="Simulate that USER opted out (repeatable)."
    ),
    workspace: str = typer.Option(
        "replay", "--workspace", help="Workspace id (its settings apply when --database has them)."
    ),
) -> None:
    """Replay a message stream through engine and policy; print the nudges it would deliver."""
    from sqlalchemy.exc import SQLAlchemyError  # imported late: keeps CLI start-up light

    from bot.coaching.replay import replay_lines, replay_store

    quiet_logs()
    engine = load_engine(rules)

    def emit(nudge: dict[str, object]) -> None:
        if not summary:
            sys.stdout.write(json.dumps(nudge, ensure_ascii=False) + "\n")

    def report(line: InputLine) -> None:
        print(line_error(file, line), file=sys.stderr)

    try:
        with replay_store(database) as store:
            result = replay_lines(
                file,
                engine,
                store,
                workspace=workspace,
                optout=optout,
                on_nudge=emit,
                on_error=report,
            )
    except OSError as exc:
        print(f"{file}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    except SQLAlchemyError as exc:
        print(
            f"database error: {type(exc).__name__}: {exc.orig if hasattr(exc, 'orig') else exc}",
            file=sys.stderr,
        )
        raise typer.Exit(1) from None
    if summary:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    if result.skipped:
        print(f"{result.skipped} malformed line(s) skipped.", file=sys.stderr)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `replay` to the CLI."""
    app.command("replay")(replay)
