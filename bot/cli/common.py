"""Helpers shared by CLI commands: loading the engine with user-facing errors."""

from __future__ import annotations

import sys

import typer

from bot.core.engine import Engine
from bot.core.rulepack import RulePackError


def load_engine(rules: str | None) -> Engine:
    """Load the engine, or print every rule problem (file:line: rule: reason) and exit 1."""
    try:
        return Engine.load(rules)
    except RulePackError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        raise typer.Exit(1) from None


RULES_OPTION = typer.Option(
    None, "--rules", help="A rules directory, a pack file, or a config layered over the shipped packs."
)
