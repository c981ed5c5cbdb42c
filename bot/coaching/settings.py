"""Workspace settings chosen by admins: defaults, parsing of `config set`, and validation."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.models import Level

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MODES = ("opt-out", "opt-in")

# The keys `/coach config set` accepts, with a one-line explanation each (shown in usage).
CONFIG_KEYS: dict[str, str] = {
    "packs": "guideline packs to use: comma list, or `all`",
    "rules.disable": "switch a rule off (rule id)",
    "rules.enable": "switch a rule back on (rule id)",
    "level.<rule>": "change a rule's level: praise, tip, nudge, off, or default",
    "min_level": "lowest level delivered as a private nudge: tip or nudge",
    "channels.include": "only coach in these channels: comma list, or `all`",
    "channels.exclude": "never coach in these channels: comma list, or `none`",
    "digest.channel": "channel for the weekly digest, or `off`",
    "digest.weekday": "weekday of the digest: mon..sun",
    "digest.time": "time of the digest, HH:MM (24 h)",
    "digest.timezone": "timezone of the digest, e.g. Europe/Berlin",
    "mode": "opt-out (everyone coached unless they opt out) or opt-in",
    "cooldown_hours": "hours before the same rule nudges the same person again",
    "daily_cap": "most nudges one person gets in 24 hours",
    "retention_weeks": "weeks that counters are kept",
    "demotion.threshold": "share of 'not helpful' votes that demotes a rule to a tip (0-1)",
    "demotion.min_votes": "votes needed before a rule can be demoted",
}


# `config show` names each setting by the key `config set` takes.
SHOWN_AS: dict[str, str] = {
    "packs": "packs",
    "disabled_rules": "rules.disable",
    "levels": "level.<rule>",
    "min_level": "min_level",
    "channels_include": "channels.include",
    "channels_exclude": "channels.exclude",
    "digest_channel": "digest.channel",
    "digest_weekday": "digest.weekday",
    "digest_time": "digest.time",
    "digest_timezone": "digest.timezone",
    "mode": "mode",
    "cooldown_hours": "cooldown_hours",
    "daily_cap": "daily_cap",
    "retention_weeks": "retention_weeks",
    "demotion_threshold": "demotion.threshold",
    "demotion_min_votes": "demotion.min_votes",
}
_ALIASES = {stored: shown for stored, shown in SHOWN_AS.items() if "<" not in shown}
_ALIASES.update({"disabled_rules": "rules.disable", "optin": "mode", "opt_in": "mode"})


class SettingError(ValueError):
    """A `config set` key or value that is not valid; the message says what to do."""


@dataclass(frozen=True, slots=True)
class WorkspaceSettings:
    """The effective settings of one workspace (defaults where an admin chose nothing)."""

    workspace: str
    packs: tuple[str, ...] | None = None  # None: every loaded pack
    disabled_rules: frozenset[str] = frozenset()
    levels: Mapping[str, str] = field(default_factory=dict)  # rule -> praise|tip|nudge|off
    min_level: Level = Level.NUDGE
    channels_include: frozenset[str] = frozenset()  # empty: every channel
    channels_exclude: frozenset[str] = frozenset()
    digest_channel: str | None = None
    digest_weekday: str = "mon"
    digest_time: str = "09:00"
    digest_timezone: str = "UTC"
    mode: str = "opt-out"
    cooldown_hours: float = 24.0
    daily_cap: int = 3
    retention_weeks: int = 26
    demotion_threshold: float = 0.6
    demotion_min_votes: int = 5

    @property
    def opt_in(self) -> bool:
        """True when only people who opted in are coached."""
        return self.mode == "opt-in"

    def channel_enabled(self, channel: str) -> bool:
        """Whether Coachbot looks at messages in `channel` at all."""
        if channel in self.channels_exclude:
            return False
        return not self.channels_include or channel in self.channels_include

    def rule_enabled(self, rule: str, pack: str | None = None) -> bool:
        """Whether a rule is switched on (pack chosen, not disabled, level not `off`)."""
        if rule in self.disabled_rules or self.levels.get(rule) == "off":
            return False
        pack = pack or rule.split(".", 1)[0]
        return self.packs is None or pack in self.packs

    def level_for(self, rule: str, level: Level) -> Level:
        """The level of a rule after an admin's override."""
        override = self.levels.get(rule)
        if override and override != "off":
            return Level(override)
        return level

    @classmethod
    def from_values(cls, workspace: str, values: Mapping[str, Any]) -> WorkspaceSettings:
        """Build settings from stored key/value pairs, ignoring unknown or broken entries."""
        settings = cls(workspace=workspace)
        changes: dict[str, Any] = {}
        for key, value in values.items():
            try:
                changes.update(_decode(key, value))
            except (TypeError, ValueError):
                continue  # a value from an older version we cannot read: keep the default
        return replace(settings, **changes)

    def to_values(self) -> dict[str, Any]:
        """A JSON-friendly view (used by `config show` and `mydata`-style exports)."""
        return {
            "packs": list(self.packs) if self.packs is not None else "all",
            "disabled_rules": sorted(self.disabled_rules),
            "levels": dict(sorted(self.levels.items())),
            "min_level": str(self.min_level),
            "channels_include": sorted(self.channels_include) or "all",
            "channels_exclude": sorted(self.channels_exclude),
            "digest_channel": self.digest_channel or "off",
            "digest_weekday": self.digest_weekday,
            "digest_time": self.digest_time,
            "digest_timezone": self.digest_timezone,
            "mode": self.mode,
            "cooldown_hours": self.cooldown_hours,
            "daily_cap": self.daily_cap,
            "retention_weeks": self.retention_weeks,
            "demotion_threshold": self.demotion_threshold,
            "demotion_min_votes": self.demotion_min_votes,
        }


def _decode(key: str, value: Any) -> dict[str, Any]:
    """Map one stored key/value to WorkspaceSettings fields."""
    if key == "packs":
        return {"packs": None if value is None else tuple(str(v) for v in value)}
    if key == "disabled_rules":
        return {"disabled_rules": frozenset(str(v) for v in value)}
    if key == "levels":
        return {"levels": {str(k): str(v) for k, v in dict(value).items()}}
    if key == "min_level":
        return {"min_level": Level(value)}
    if key in ("channels_include", "channels_exclude"):
        return {key: frozenset(str(v) for v in value)}
    if key in ("digest_channel", "digest_weekday", "digest_time", "digest_timezone", "mode"):
        return {key: None if value is None else str(value)}
    if key in ("cooldown_hours", "demotion_threshold"):
        return {key: float(value)}
    if key in ("daily_cap", "retention_weeks", "demotion_min_votes"):
        return {key: int(value)}
    return {}


_CHANNEL_REF = re.compile(r"^<#([A-Za-z0-9_-]+)(?:\|[^>]*)?>$")


def parse_channel(token: str) -> str:
    """A channel id from `C123`, `<#C123|general>` (Slack) or `<#123>` (Discord)."""
    token = token.strip()
    match = _CHANNEL_REF.match(token)
    if match:
        return match.group(1)
    token = token.lstrip("#")
    if not token or not re.fullmatch(r"[A-Za-z0-9_.-]+", token):
        raise SettingError(f"`{token}` is not a channel; use a channel mention or id.")
    return token


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\s]+", value) if part.strip()]


def apply_setting(
    settings: WorkspaceSettings,
    key: str,
    value: str,
    *,
    known_rules: Iterable[str] = (),
    known_packs: Iterable[str] = (),
) -> tuple[dict[str, Any], str]:
    """Validate `config set key value`; return the stored entries to write and a confirmation.

    Raises SettingError with a message fit for the admin when the key or value is wrong.
    """
    rules = set(known_rules)
    packs = set(known_packs)
    key = key.strip().lower() if not key.lower().startswith("level.") else key.strip()
    key = _ALIASES.get(key, key)
    value = value.strip()
    if not value:
        raise SettingError(f"`{key}` needs a value.")
    lowered = value.lower()

    def check_rule(rule: str) -> str:
        if rules and rule not in rules:
            raise SettingError(f"There is no rule `{rule}`; `/coach rules` lists them.")
        return rule

    if key == "packs":
        if lowered == "all":
            return {"packs": None}, "All guideline packs are on."
        chosen = _split(lowered)
        unknown = [p for p in chosen if packs and p not in packs]
        if unknown:
            raise SettingError(
                f"Unknown pack(s): {', '.join(unknown)}. Available: {', '.join(sorted(packs))}."
            )
        return {"packs": chosen}, f"Guideline packs: {', '.join(chosen)}."
    if key in ("rules.disable", "rules.enable"):
        changed = {check_rule(r) for r in _split(value)}
        current = set(settings.disabled_rules)
        current = current | changed if key == "rules.disable" else current - changed
        verb = "off" if key == "rules.disable" else "on"
        return {
            "disabled_rules": sorted(current)
        }, f"Switched {verb}: {', '.join(sorted(changed))}."
    if key.startswith("level."):
        rule = check_rule(key[len("level.") :])
        levels = dict(settings.levels)
        if lowered == "default":
            levels.pop(rule, None)
            return {"levels": levels}, f"`{rule}` is back at its default level."
        if lowered not in ("praise", "tip", "nudge", "off"):
            raise SettingError("A level is one of: praise, tip, nudge, off, default.")
        levels[rule] = lowered
        return {"levels": levels}, f"`{rule}` is now at level {lowered}."
    if key == "min_level":
        if lowered not in ("tip", "nudge"):
            raise SettingError("`min_level` is `tip` or `nudge`.")
        return {"min_level": lowered}, f"Private nudges start at level {lowered}."
    if key in ("channels.include", "channels.exclude"):
        field_name = key.replace(".", "_")
        if lowered in ("all", "none", "-"):
            return {field_name: []}, f"`{key}` cleared."
        channels = sorted({parse_channel(c) for c in _split(value)})
        return {field_name: channels}, f"`{key}`: {', '.join(channels)}."
    if key == "digest.channel":
        if lowered in ("off", "none", "-"):
            return {"digest_channel": None}, "The channel digest is off."
        channel = parse_channel(value)
        return {"digest_channel": channel}, f"The weekly digest goes to <#{channel}>."
    if key == "digest.weekday":
        day = lowered[:3]
        if day not in WEEKDAYS:
            raise SettingError("`digest.weekday` is one of mon, tue, wed, thu, fri, sat, sun.")
        return {"digest_weekday": day}, f"The digest is posted on {day}."
    if key == "digest.time":
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise SettingError("`digest.time` is HH:MM in 24-hour time, e.g. 09:30.")
        hhmm = f"{int(match.group(1)):02d}:{match.group(2)}"
        return {"digest_time": hhmm}, f"The digest is posted at {hhmm}."
    if key == "digest.timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingError(
                f"`{value}` is not a timezone; use a name like Europe/Berlin or UTC."
            ) from None
        return {"digest_timezone": value}, f"The digest uses the {value} timezone."
    if key == "mode":
        if lowered not in MODES:
            raise SettingError("`mode` is `opt-out` (default) or `opt-in`.")
        return {"mode": lowered}, f"The workspace is now in {lowered} mode."
    if key in ("cooldown_hours", "demotion.threshold"):
        number = _number(key, value, float)
        if key == "demotion.threshold" and not 0 < number <= 1:
            raise SettingError("`demotion.threshold` is a share between 0 and 1, e.g. 0.6.")
        if key == "cooldown_hours" and not 0 <= number <= MAX_COOLDOWN_HOURS:
            raise SettingError(
                f"`cooldown_hours` is between 0 and {MAX_COOLDOWN_HOURS:,} (a year).")
        return {key.replace(".", "_"): number}, f"`{key}` is now {number:g}."
    if key in ("daily_cap", "retention_weeks", "demotion.min_votes"):
        whole = int(_number(key, value, int))
        least = 1 if key != "daily_cap" else 0
        most = MAX_WHOLE[key]
        if not least <= whole <= most:
            raise SettingError(f"`{key}` is a whole number from {least} to {most:,}.")
        return {key.replace(".", "_"): whole}, f"`{key}` is now {whole}."
    raise SettingError(f"Unknown setting `{key}`.")


# Upper bounds of the numeric settings: beyond them a setting means nothing more, and a date
# computed from it would overflow (a retention of 200,000 weeks stopped every workspace's purge).
MAX_COOLDOWN_HOURS = 24 * 365
MAX_WHOLE = {"daily_cap": 1_000, "retention_weeks": 520, "demotion.min_votes": 100_000}


def _number(key: str, value: str, kind: type[float] | type[int]) -> float:
    try:
        return kind(value)
    except ValueError:
        raise SettingError(f"`{key}` needs a number, not `{value}`.") from None


def encode(value: Any) -> str:
    """JSON-encode a setting value for the store."""
    return json.dumps(value, sort_keys=True)
