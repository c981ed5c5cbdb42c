"""`coachbot eval`: precision/recall of tone nudges on a labelled JSONL file, with baselines."""

from __future__ import annotations

import json
import sys

import typer

from bot.cli.common import RULES_OPTION, load_engine
from bot.quality.evaluate import evaluate_file, render_text


def eval_command(
    file: str = typer.Argument(..., help="JSON lines with `text` and a boolean label ('-' for stdin)."),
    label: str = typer.Option("uncivil", "--label", help="The boolean label field, e.g. toxic."),
    rules: str = RULES_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
) -> None:
    """Measure tone nudges against labels: precision, recall, F1, flagged share, nudge rate."""
    engine = load_engine(rules)
    try:
        report = evaluate_file(file, engine, label)
    except OSError as exc:
        print(f"{file}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    for error in report.skipped:
        print(error, file=sys.stderr)
    if as_json:
        print(json.dumps(report.to_json()))
    else:
        print(render_text(report))
    if report.skipped:
        print(f"{len(report.skipped)} malformed line(s) skipped; figures cover the rest.", file=sys.stderr)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `eval` to the CLI."""
    app.command("eval")(eval_command)
