"""`coachbot demo`: replay a bundled team conversation through the whole pipeline."""

from __future__ import annotations

import sys
from pathlib import Path

import typer


def demo(
    chart_dir: Path = typer.Option(None, "--chart-dir", help="Where to save the digest chart."),
) -> None:
    """Replay a realistic team conversation (no tokens, no network, throwaway database)."""
    from bot.adapters.console import run_demo

    run_demo(sys.stdout, chart_dir)


def register(app: typer.Typer) -> None:
    """Add `demo` to the CLI."""
    app.command("demo")(demo)
