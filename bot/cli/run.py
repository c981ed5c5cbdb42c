"""`coachbot run slack|discord`: start a platform adapter."""

from __future__ import annotations

import typer

run_app = typer.Typer(help="Run the bot on a chat platform.", no_args_is_help=True)


@run_app.command("slack")
def run_slack(
    port: int = typer.Option(None, "--port", help="HTTP port (default: $PORT, else 3000)."),
) -> None:
    """Run the Slack app (HTTP or Socket Mode), configured from the environment."""
    from bot.adapters.slack.app import main as slack_main

    raise typer.Exit(slack_main(port=port))


@run_app.command("discord")
def run_discord() -> None:
    """Run the Discord bot, configured from the environment."""
    from bot.adapters.discord.client import main as discord_main

    raise typer.Exit(discord_main())


def register(app: typer.Typer) -> None:
    """Add the `run` group to the CLI."""
    app.add_typer(run_app, name="run")
