"""`coachbot check`: findings for a text, or for a JSONL conversation."""

from __future__ import annotations

import json
import re
import sys

import typer

from bot.cli.common import RULES_OPTION, load_engine
from bot.core.jsonl import line_error, message_from_line, read_jsonl
from bot.core.models import Finding, Level, Message

_ICONS = {Level.NUDGE: "!", Level.TIP: "~", Level.PRAISE: "+"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def format_finding(text: str, finding: Finding) -> str:
    """A human-readable block for one finding."""
    # (A lone surrogate, from bytes that were not UTF-8, cannot be printed: shown as U+FFFD.)
    excerpt = _SURROGATE.sub("\ufffd", text[finding.start : finding.end])
    if len(excerpt) > 60:
        excerpt = excerpt[:57] + "..."
    lines = [
        f"{_ICONS[finding.level]} {finding.level} [{finding.rule}] at {finding.start}-{finding.end}: "
        f"\"{excerpt}\"",
        f"    {finding.message}",
    ]
    if finding.suggestion:
        lines.append(f"    {finding.suggestion}")
    return "\n".join(lines)


def check(
    text: str = typer.Argument(None, help="The message to check."),
    jsonl: str = typer.Option(
        None, "--jsonl", help="JSON lines with `text` (and optional id, user, channel, ts); '-' for stdin."
    ),
    rules: str = RULES_OPTION,
) -> None:
    """Show what Coachbot would say about a message (or each line of a JSONL file)."""
    if (text is None) == (jsonl is None):
        print("Give either a TEXT argument or --jsonl FILE.", file=sys.stderr)
        raise typer.Exit(2)
    engine = load_engine(rules)
    if text is not None:
        findings = engine.analyze(Message("cli", "cli", "cli", "you", text))
        if not findings:
            print("No findings: this reads well.")
        for finding in findings:
            print(format_finding(text, finding))
        return
    failed = 0
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        # A lone surrogate in an echoed id is written as its JSON escape (`\ud800`), not a crash.
        reconfigure(errors="backslashreplace")
    try:
        for line in read_jsonl(jsonl, blank_lines=True):
            if line.error is None and line.data is None:
                # A blank line: nothing to check, but its output line keeps the two aligned.
                sys.stdout.write(json.dumps({"id": line.id, "findings": []}) + "\n")
                continue
            if line.error is not None or line.data is None:
                # Still one output line per input line (no findings), so outputs stay aligned.
                failed += 1
                print(line_error(jsonl, line), file=sys.stderr)
                sys.stdout.write(json.dumps({"id": line.id, "findings": []}, ensure_ascii=False) + "\n")
                continue
            message = message_from_line(line.data, line.number, platform="jsonl", workspace="jsonl")
            findings = [f.to_json() for f in engine.analyze(message)]
            sys.stdout.write(json.dumps({"id": line.id, "findings": findings}, ensure_ascii=False) + "\n")
    except OSError as exc:
        print(f"{jsonl}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    if failed:
        print(f"{failed} malformed line(s) not analysed.", file=sys.stderr)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `check` to the CLI."""
    app.command("check")(check)
