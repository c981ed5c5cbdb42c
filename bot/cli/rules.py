"""`coachbot rules list|lint|test|schema`: inspect and check guideline packs."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from bot.core.examples import run_examples
from bot.core.rulepack import collect_rules, default_rules_dir, write_json_schema

rules_app = typer.Typer(help="Inspect and check guideline packs.", no_args_is_help=True)

PATH_ARGUMENT = typer.Argument(
    None, help="A rules directory, pack file or config (default: the shipped packs)."
)


@rules_app.command("list")
def list_rules(path: str = PATH_ARGUMENT) -> None:
    """List the active rules: id, pack, kind, category, level."""
    loaded, problems = collect_rules(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    for item in loaded:
        rule = item.rule
        state = "" if rule.enabled else "  (off)"
        print(f"{rule.id:<40} {rule.pack:<13} {rule.kind:<13} {rule.category:<13} {rule.level}{state}")
    if problems:
        raise typer.Exit(1)


@rules_app.command("lint")
def lint(path: str = PATH_ARGUMENT) -> None:
    """Validate rule files; print `file:line: rule-id: what is wrong`; exit 1 on any problem."""
    loaded, problems = collect_rules(path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        raise typer.Exit(1)
    packs = {item.rule.pack for item in loaded}
    print(f"OK: {len(loaded)} rules in {len(packs)} packs.")


@rules_app.command("test")
def test(path: str = PATH_ARGUMENT) -> None:
    """Run every rule's examples; report each failing one; exit 1 on any failure."""
    loaded, problems = collect_rules(path)
    for problem in problems:
        print(problem)
    if problems:
        raise typer.Exit(1)
    total = failed = 0
    for result in run_examples([item.rule for item in loaded]):
        total += 1
        if not result.ok:
            failed += 1
            print(f"FAIL {result.describe()}")
    print(f"{total - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


@rules_app.command("schema")
def schema(
    output: Path = typer.Option(None, "--output", "-o", help="Where to write (default rules/schema.json)."),
) -> None:
    """Write the JSON Schema of rule packs, for editors."""
    target = output or default_rules_dir() / "schema.json"
    write_json_schema(target)
    print(f"wrote {target}")


def register(app: typer.Typer) -> None:
    """Add the `rules` group to the CLI."""
    app.add_typer(rules_app, name="rules")
