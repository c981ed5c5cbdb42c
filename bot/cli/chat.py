"""`coachbot chat`: an interactive console to try Coachbot as a named person."""

from __future__ import annotations

import sys

import typer


def chat(
    user: str = typer.Option("you", "--user", help="Who you are typing as."),
    channel: str = typer.Option("general", "--channel", help="The channel you are in."),
    database: str = typer.Option(None, "--database", help="A database URL (default: throwaway)."),
) -> None:
    """Type messages and see the private tips you would get; `/coach ...` runs commands."""
    from bot.adapters.console import run_chat

    run_chat(sys.stdin, sys.stdout, user, channel, database, interactive=sys.stdin.isatty())


def register(app: typer.Typer) -> None:
    """Add `chat` to the CLI."""
    app.command("chat")(chat)
