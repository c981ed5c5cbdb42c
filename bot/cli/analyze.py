"""`coachbot analyze`: what Coachbot would have seen in a Slack, Discord or JSONL export."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import typer

from bot.cli.common import RULES_OPTION, load_engine
from bot.importers import ExportError
from bot.importers.analyze import analyze_export


def _parse_date(value: str | None, option: str, end: bool) -> float | None:
    """A --since/--until value as Unix seconds; a bare date covers that whole (UTC) day."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            print(f"{option} {value!r}: use a date like 2024-05-31", file=sys.stderr)
            raise typer.Exit(2) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    if end:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("analysing"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("analyse", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


def analyze(
    path: Path = typer.Argument(..., help="Slack export (.zip or folder), DiscordChatExporter "
                                "JSON (file or folder), or a JSONL file."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    html_file: Path = typer.Option(None, "--html", help="Also write a self-contained HTML report."),
    since: str = typer.Option(None, "--since", help="Only messages on or after DATE (UTC)."),
    until: str = typer.Option(None, "--until", help="Only messages on or before DATE (UTC)."),
    rules: str = RULES_OPTION,
    jobs: int = typer.Option(1, "--jobs", min=1, help="Worker processes (channels in parallel)."),
) -> None:
    """Report what Coachbot would have seen and said in an export (counts only, no text)."""
    start = _parse_date(since, "--since", end=False)
    end = _parse_date(until, "--until", end=True)
    engine = load_engine(rules) if jobs == 1 else None
    if jobs > 1:
        load_engine(rules)  # validate the rules once, with readable errors, before forking
    try:
        with _progress() as progress:
            report = analyze_export(
                str(path), since=start, until=end, rules_path=rules, jobs=jobs,
                progress=progress, engine=engine,
            )
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    for where, what in report.problems:
        print(f"{where}: skipped: {what}", file=sys.stderr)
    if html_file is not None:
        from bot.digest.report import report_html

        try:
            html_file.write_text(report_html(report), encoding="utf-8")
        except OSError as exc:
            print(f"{html_file}: cannot write: {exc.strerror or exc}", file=sys.stderr)
            raise typer.Exit(1) from None
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
    else:
        from bot.digest.report import report_text

        print(report_text(report))
    if report.problems and not report.messages and not report.other_messages:
        # Everything that was there to read was skipped: the report above is empty.
        print("error: nothing could be read (see the skipped files above)", file=sys.stderr)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `analyze` to the CLI."""
    app.command(name="analyze")(analyze)
