"""Rule kinds, one module each; importing this package registers them all."""

import importlib

from bot.core.checks.base import REGISTRY, Check, Hit, RuleSpec, register

KIND_MODULES = (
    "phrase",
    "substitution",
    "pattern",
    "sentiment",
    "shouting",
    "metric",
    "mention",
    "rapid_fire",
    "dominance",
    "classifier",
)

for _module in KIND_MODULES:
    importlib.import_module(f"bot.core.checks.{_module}")

__all__ = ["REGISTRY", "Check", "Hit", "RuleSpec", "register", "KIND_MODULES"]
