"""Rule packs: YAML loading with line numbers, one pydantic schema, team config layering.

Shipped packs live in `rules/*.yaml`. A team can point `--rules` at another directory of packs,
at a single pack file, or at a config file layered over the shipped packs (like Vale styles):

```yaml
extends: default            # or "none", or a path to a directory of packs
paths: [our-rules/]         # more packs, relative to this file
packs: {clarity: false}     # switch whole packs off
rules:
  tone.sarcasm: false                       # switch one rule off
  inclusion.guys: {level: nudge}            # change a level or any option
  clarity.wall-of-text: {max: 400}
add:                        # new rules, same schema as in a pack
  - {id: team.no-yolo, kind: phrase, ...}
```
Every problem is reported as `file:line: rule-id: what is wrong`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from bot.core.checks import REGISTRY, RuleSpec

CONFIG_KEYS = {"extends", "paths", "packs", "rules", "add"}


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """One thing wrong with a rule file, located by file and line."""

    file: str
    line: int
    rule: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule}: {self.reason}"


class RulePackError(Exception):
    """Rules could not be loaded; `problems` says where and why."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _LineDict(dict[str, Any]):
    """A YAML mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


# libyaml's SafeLoader when PyYAML was built with it (ten times faster on the shipped packs, the
# same values and line marks), else the pure-Python one.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader whose mappings are `_LineDict`s."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value, not a list or mapping",
                key_node.start_mark,
            ) from None
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[str(key)] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def rule_union() -> Any:
    """The discriminated union of every registered kind's rule model."""
    specs = tuple(cls.spec for cls in REGISTRY.values())
    return Annotated[Union[specs], Field(discriminator="kind")]  # noqa: UP007


class PackFile(BaseModel):
    """The shape of a `rules/<pack>.yaml` file (used for the editor JSON Schema)."""

    model_config = ConfigDict(extra="forbid")

    pack: str
    description: str = ""
    rules: list[dict[str, Any]]


def json_schema() -> dict[str, Any]:
    """JSON Schema of a pack file, with every rule kind's options, for editors."""
    union = rule_union()
    schema = TypeAdapter(list[union]).json_schema()  # type: ignore[valid-type]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Coachbot rule pack",
        "type": "object",
        "additionalProperties": False,
        "required": ["pack", "rules"],
        "properties": {
            "pack": {"type": "string", "description": "Pack name: the file name without .yaml"},
            "description": {"type": "string"},
            "rules": {**{k: v for k, v in schema.items() if k != "$defs"}},
        },
        "$defs": schema.get("$defs", {}),
    }


def write_json_schema(path: Path) -> None:
    """Write the editor JSON Schema to `path`."""
    path.write_text(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n", encoding="utf-8")


def default_rules_dir() -> Path:
    """Where the shipped packs are: the source checkout, or the installed data directory."""
    candidates = [
        Path(__file__).resolve().parents[2] / "rules",
        Path(sys.prefix) / "share" / "coachbot" / "rules",
    ]
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    raise RulePackError(
        [RuleProblem(str(candidates[0]), 0, "-", "no shipped rule packs found; reinstall coachbot")]
    )


def _read_yaml(path: Path, problems: list[RuleProblem]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(RuleProblem(str(path), 0, "-", f"cannot read file: {exc.strerror or exc}"))
        return None
    except UnicodeDecodeError:
        problems.append(RuleProblem(str(path), 0, "-", "file is not UTF-8 text"))
        return None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        problems.append(RuleProblem(str(path), line, "-", f"invalid YAML: {exc.problem}"))
    except yaml.YAMLError as exc:
        problems.append(RuleProblem(str(path), 0, "-", f"invalid YAML: {exc}"))
    return None


def _line_of(raw: Any, loc: tuple[Any, ...], default: int) -> int:
    """The line of the deepest node of `raw` that `loc` reaches."""
    line = default
    node = raw
    for part in loc:
        if isinstance(node, _LineDict):
            if str(part) in node.key_lines:
                line = node.key_lines[str(part)]
            elif part == "pass_" and "pass" in node.key_lines:
                line = node.key_lines["pass"]
                part = "pass"
            node = node.get(part) if isinstance(part, str) else None
            if isinstance(node, _LineDict):
                line = node.line
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            if isinstance(node, _LineDict):
                line = node.line
        else:
            break
    return line


def _explain(error: dict[str, Any]) -> str:
    loc = [str(p) for p in error.get("loc", ()) if not isinstance(p, int)]
    # The first element of a discriminated union's location is the kind tag.
    field = ".".join(loc[1:]).replace("pass_", "pass")
    message = str(error.get("msg", "invalid"))
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return f"{field}: {message}" if field else message


def validate_rule(
    raw: Any, file: str, pack: str, list_line: int = 0
) -> tuple[RuleSpec | None, list[RuleProblem]]:
    """Validate one raw rule mapping; return the rule or the problems with their lines
    (`list_line`: the line of the list holding it, for an item that is no mapping)."""
    if not isinstance(raw, dict):
        return None, [RuleProblem(file, list_line, "-",
                                  f"each rule must be a mapping, not {type(raw).__name__}")]
    line = raw.line if isinstance(raw, _LineDict) else 0
    rule_id = str(raw.get("id") or "-")
    kind = raw.get("kind")
    if kind is None:
        return None, [RuleProblem(file, line, rule_id, "missing field 'kind'")]
    if kind not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        kind_line = _line_of(raw, ("kind",), line)
        return None, [RuleProblem(file, kind_line, rule_id, f"unknown kind {kind!r} (known: {known})")]
    data = dict(raw)
    data.setdefault("pack", pack)
    try:
        rule = REGISTRY[kind].spec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error.get("loc", ()))
            problems.append(RuleProblem(file, _line_of(raw, loc, line), rule_id, _explain(
                {**error, "loc": (kind, *loc)})))
        return None, problems
    return rule, []


@dataclass(slots=True)
class LoadedRule:
    """A validated rule with where it came from."""

    rule: RuleSpec
    file: str
    line: int


def load_pack_file(path: Path) -> tuple[list[LoadedRule], list[RuleProblem]]:
    """Load one pack file; problems are collected, not raised."""
    problems: list[RuleProblem] = []
    raw = _read_yaml(path, problems)
    if problems:
        return [], problems
    file = str(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
        return [], [RuleProblem(file, 1, "-", "a pack needs a 'rules:' list")]
    extra = set(raw) - {"pack", "description", "rules"}
    if extra:
        line = _line_of(raw, (sorted(extra)[0],), 1)
        problems.append(RuleProblem(file, line, "-", f"unknown top-level key(s): {sorted(extra)}"))
    pack = str(raw.get("pack") or path.stem)
    loaded: list[LoadedRule] = []
    rules_line = _line_of(raw, ("rules",), 1)
    for item in raw["rules"]:
        rule, rule_problems = validate_rule(item, file, pack, rules_line)
        problems.extend(rule_problems)
        if rule is not None:
            loaded.append(LoadedRule(rule, file, item.line if isinstance(item, _LineDict) else 0))
    return loaded, problems


def _pack_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def _is_config(raw: Any) -> bool:
    """A config layers over packs; a pack file has `pack:` or a `rules:` list."""
    return isinstance(raw, dict) and "pack" not in raw and not isinstance(raw.get("rules"), list)


def load_rules(path: str | Path | None = None) -> list[RuleSpec]:
    """Load, validate and layer rules; raise RulePackError listing every problem."""
    loaded, problems = collect_rules(path)
    if problems:
        raise RulePackError(problems)
    return [item.rule for item in loaded]


def collect_rules(
    path: str | Path | None = None, _including: tuple[Path, ...] = ()
) -> tuple[list[LoadedRule], list[RuleProblem]]:
    """Like `load_rules`, but return the problems instead of raising (for `rules lint`).

    (`_including`: the configs that led here, so a config that includes itself is reported.)
    """
    target = Path(path) if path is not None else default_rules_dir()
    problems: list[RuleProblem] = []
    if not target.exists():
        return [], [RuleProblem(str(target), 0, "-", "no such file or directory")]
    if target.resolve() in _including:
        chain = " -> ".join(str(p) for p in (*_including, target.resolve()))
        return [], [RuleProblem(str(target), 0, "-", f"a config includes itself ({chain})")]
    if target.is_dir():
        loaded: list[LoadedRule] = []
        files = _pack_files(target)
        if not files:
            return [], [RuleProblem(str(target), 0, "-", "directory holds no *.yaml rule packs")]
        for file in files:
            items, file_problems = load_pack_file(file)
            loaded.extend(items)
            problems.extend(file_problems)
    else:
        raw = _read_yaml(target, problems)
        if problems:
            return [], problems
        if _is_config(raw):
            loaded, problems = _load_config(target, raw, (*_including, target.resolve()))
        else:
            loaded, problems = load_pack_file(target)
    problems.extend(_duplicates(loaded))
    return loaded, problems


def _duplicates(loaded: list[LoadedRule]) -> list[RuleProblem]:
    seen: dict[str, LoadedRule] = {}
    problems = []
    for item in loaded:
        first = seen.get(item.rule.id)
        if first is not None:
            problems.append(RuleProblem(item.file, item.line, item.rule.id,
                                        f"duplicate rule id (first defined at {first.file}:{first.line})"))
        else:
            seen[item.rule.id] = item
    return problems


def _load_config(
    path: Path, raw: Any, including: tuple[Path, ...] = ()
) -> tuple[list[LoadedRule], list[RuleProblem]]:
    file = str(path)
    problems: list[RuleProblem] = []
    if not isinstance(raw, dict):
        return [], [RuleProblem(file, 1, "-", "a rules config must be a mapping")]
    unknown = set(raw) - CONFIG_KEYS
    if unknown:
        problems.append(RuleProblem(file, _line_of(raw, (sorted(unknown)[0],), 1), "-",
                                    f"unknown config key(s) {sorted(unknown)}; "
                                    f"expected some of {sorted(CONFIG_KEYS)}"))
    base_dir = path.parent
    extends = raw.get("extends", "default")
    loaded: list[LoadedRule] = []
    if extends is not None and not isinstance(extends, str):
        problems.append(RuleProblem(file, _line_of(raw, ("extends",), 1), "-",
                                    "'extends' must be default, none or a path"))
    elif extends not in (None, "none"):
        base = None if extends == "default" else base_dir / extends
        if base is not None and _includes_itself(base, including):
            problems.append(RuleProblem(file, _line_of(raw, ("extends",), 1), "-",
                                        f"'extends: {extends}' includes this config again"))
        else:
            items, base_problems = collect_rules(base, including)
            loaded.extend(items)
            problems.extend(base_problems)
    for extra in _config_list(raw, "paths", "paths", file, problems):
        if _includes_itself(base_dir / str(extra), including):
            problems.append(RuleProblem(file, _line_of(raw, ("paths",), 1), "-",
                                        f"'paths' entry {extra} includes this config again"))
            continue
        items, extra_problems = collect_rules(base_dir / str(extra), including)
        loaded.extend(items)
        problems.extend(extra_problems)
    packs = raw.get("packs") or {}
    if not isinstance(packs, dict):
        problems.append(RuleProblem(file, _line_of(raw, ("packs",), 1), "-",
                                    "'packs' must map pack names to true/false"))
        packs = {}
    loaded = [item for item in loaded if packs.get(item.rule.pack, True) is not False]
    overrides = raw.get("rules") or {}
    by_id = {item.rule.id: i for i, item in enumerate(loaded)}
    for rule_id, change in overrides.items() if isinstance(overrides, dict) else []:
        line = _line_of(raw, ("rules", rule_id), 1)
        if rule_id not in by_id:
            problems.append(RuleProblem(file, line, rule_id, "no such rule to override"))
            continue
        index = by_id[rule_id]
        current = loaded[index]
        if change is False or change == "off":
            loaded[index] = LoadedRule(current.rule.model_copy(update={"enabled": False}), file, line)
            continue
        if not isinstance(change, dict):
            problems.append(RuleProblem(file, line, rule_id,
                                        "an override is false/off or a mapping of fields"))
            continue
        merged = current.rule.model_dump(by_alias=True)
        merged.update(change)
        merged["id"] = rule_id
        rule, rule_problems = validate_rule(_with_lines(merged, change), file, current.rule.pack)
        problems.extend(rule_problems)
        if rule is not None:
            loaded[index] = LoadedRule(rule, file, line)
    for item in _config_list(raw, "add", "rules", file, problems):
        rule, rule_problems = validate_rule(item, file, "custom", _line_of(raw, ("add",), 1))
        problems.extend(rule_problems)
        if rule is not None:
            loaded.append(LoadedRule(rule, file, item.line if isinstance(item, _LineDict) else 0))
    return loaded, problems


def _config_list(
    raw: dict[str, Any], key: str, what: str, file: str, problems: list[RuleProblem]
) -> list[Any]:
    """A config key that holds a list (none: empty); anything else is a problem at its line."""
    value = raw.get(key) or []
    if isinstance(value, list):
        return value
    problems.append(RuleProblem(file, _line_of(raw, (key,), 1), "-",
                                f"'{key}' must be a list of {what}"))
    return []


def _includes_itself(target: Path, including: tuple[Path, ...]) -> bool:
    """Whether loading `target` would load one of the configs that led to it again."""
    return target.exists() and target.resolve() in including


def _with_lines(merged: dict[str, Any], change: Any) -> _LineDict:
    out = _LineDict(merged)
    out.line = getattr(change, "line", 0)
    out.key_lines = dict(getattr(change, "key_lines", {}))
    return out
