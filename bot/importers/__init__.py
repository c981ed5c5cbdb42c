"""Export readers (Slack, DiscordChatExporter, JSONL) that stream neutral messages."""

from __future__ import annotations

from pathlib import Path

from bot.importers.base import Export, ExportError, ImportedMessage, parse_ts
from bot.importers.discord_export import DiscordExport, looks_like_discord_file
from bot.importers.jsonl import JsonlExport
from bot.importers.slack_export import SlackExport, looks_like_slack_export


def open_export(path: str | Path) -> Export:
    """Open a Slack export (.zip or folder), a DiscordChatExporter export or a JSONL file."""
    target = Path(path)
    if not target.exists():
        raise ExportError(f"{target}: no such file or folder")
    if looks_like_slack_export(target):
        return SlackExport(target)
    if target.is_dir():
        if any(looks_like_discord_file(p) for p in sorted(target.rglob("*.json"))[:20]):
            return DiscordExport(target)
        raise ExportError(
            f"{target}: not a Slack export (no users.json or channels.json) and no "
            "DiscordChatExporter .json files inside"
        )
    if looks_like_discord_file(target):
        return DiscordExport(target)
    if target.suffix.lower() in (".jsonl", ".ndjson") or _first_line_is_object(target):
        return JsonlExport(target)
    raise ExportError(
        f"{target}: not a Slack export (.zip or folder), a DiscordChatExporter .json file "
        "or a JSONL file"
    )


def _first_line_is_object(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            first = handle.readline(65536).strip()
    except OSError as exc:
        raise ExportError(f"{path}: cannot be read ({exc})") from None
    return first.startswith(b"{") and first.endswith(b"}")


__all__ = [
    "DiscordExport",
    "Export",
    "ExportError",
    "ImportedMessage",
    "JsonlExport",
    "SlackExport",
    "open_export",
    "parse_ts",
]
