"""`coachbot eval` (not yet implemented)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI (placeholder until implemented)."""
