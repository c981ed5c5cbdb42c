"""Helpers for the deploy tests: read deploy/ files and the env variable names the code reads."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")
# Calls that read one environment variable: os.environ.get / env.get / os.getenv, and the
# adapters' own readers (`_get(env, NAME)`, discord's local `get(NAME)`, ...).
_READER_FUNCS = {"_get", "get", "getenv", "_check_prefix", "_env_float"}
_ENV_OBJECTS = {"environ", "env", "os"}


def _reader_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name) and func.id in _READER_FUNCS:
        return func.id
    if isinstance(func, ast.Attribute) and func.attr in {"get", "getenv"}:
        owner = func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
        if owner_name in _ENV_OBJECTS:
            return func.attr
    return None


def env_names_read_by(path: Path) -> set[str]:
    """Environment variable names that `path` reads (literal or module-constant arguments)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants: dict[str, str] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant):
            for target in statement.targets:
                if isinstance(target, ast.Name) and isinstance(statement.value.value, str):
                    constants[target.id] = statement.value.value
    names: set[str] = set()
    for node in ast.walk(tree):
        args: list[ast.expr] = []
        if isinstance(node, ast.Call) and _reader_name(node):
            args = list(node.args)
        elif isinstance(node, ast.Subscript):
            owner = node.value
            if getattr(owner, "attr", getattr(owner, "id", None)) == "environ":
                args = [node.slice]
        for arg in args:
            value = None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                value = arg.value
            elif isinstance(arg, ast.Name):
                value = constants.get(arg.id)
            if value and ENV_NAME.match(value):
                names.add(value)
    return names


@cache
def code_env_names() -> frozenset[str]:
    """Every environment variable name read anywhere in the `bot` package."""
    names: set[str] = set()
    for path in sorted((ROOT / "bot").rglob("*.py")):
        names |= env_names_read_by(path)
    return frozenset(names)


def load_yaml_docs(path: Path) -> list[Any]:
    """All YAML documents of a file (empty ones dropped)."""
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def k8s_objects(name: str) -> dict[str, dict[str, Any]]:
    """The objects of deploy/k8s/NAME by kind (one of each kind per file)."""
    objects: dict[str, dict[str, Any]] = {}
    for doc in load_yaml_docs(DEPLOY / "k8s" / name):
        assert doc["kind"] not in objects, f"{name}: two {doc['kind']} objects"
        objects[doc["kind"]] = doc
    return objects


def env_example() -> dict[str, str]:
    """The example environment file, commented-out variables included (uncommented)."""
    values: dict[str, str] = {}
    path = DEPLOY / "systemd" / "coachbot.env.example"
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line.strip())
        if match:
            values[match.group(1)] = match.group(2)
    return values


def env_example_active() -> dict[str, str]:
    """The example environment file as a service would read it (comments skipped)."""
    path = DEPLOY / "systemd" / "coachbot.env.example"
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def unit_entries(name: str) -> list[tuple[str, str, str]]:
    """(section, key, value) of a systemd unit file, in order (keys may repeat)."""
    entries: list[tuple[str, str, str]] = []
    section = ""
    for raw in (DEPLOY / "systemd" / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{name}: not key=value: {raw!r}"
        entries.append((section, key.strip(), value.strip()))
    return entries
