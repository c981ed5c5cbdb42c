"""The `coachbot` command: one Typer app, one module per command group."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="coachbot",
    help="Coachbot: private, kind coaching for team chat.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module defines `register(app)`; one module per command group, owned by one feature.
_COMMAND_MODULES = (
    "check",
    "rules",
    "demo",
    "chat",
    "replay",
    "db",
    "run",
    "analyze",
    "eval",
)

for _name in _COMMAND_MODULES:
    importlib.import_module(f"bot.cli.{_name}").register(app)


def main() -> None:
    """Entry point of the `coachbot` console script."""
    import sys

    from bot.logs import configure_logging

    # Servers log their operations; one-shot commands keep the terminal for their output.
    configure_logging("INFO" if sys.argv[1:2] == ["run"] else "WARNING")
    app()
