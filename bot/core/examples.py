"""Running every rule's examples as tests: flag examples must fire the rule, pass ones must not."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.core.checks import RuleSpec
from bot.core.checks.base import ConversationExample, Example
from bot.core.engine import Engine
from bot.core.models import Finding, Message

EXAMPLE_START_TS = 1_700_000_000.0


@dataclass(frozen=True, slots=True)
class ExampleResult:
    """The outcome of one example: did the rule behave as the example says?"""

    rule: str
    expect: str  # "flag" or "pass"
    example: str
    ok: bool
    fired: list[Finding]

    def describe(self) -> str:
        """A one-line report: rule id, example and what fired."""
        fired = ", ".join(f"{f.rule}@{f.start}-{f.end}" for f in self.fired) or "nothing"
        want = "should fire" if self.expect == "flag" else "should not fire"
        return f"{self.rule}: {want} on {self.example!r}; fired: {fired}"


def example_text(example: Example) -> str:
    """A readable form of an example for reports."""
    if isinstance(example, ConversationExample):
        return " | ".join(f"{line.user}: {line.text}" for line in example.conversation)
    return example


def run_example(engine: Engine, rule: RuleSpec, example: Example) -> list[Finding]:
    """Findings of `rule` on the example's (last) message."""
    engine.reset()
    lines: list[tuple[str, str, float | None]]
    if isinstance(example, str):
        lines = [("example-user", example, None)]
    else:
        lines = [(line.user, line.text, line.at) for line in example.conversation]
    findings: list[Finding] = []
    for user, text, at in lines:
        ts = None if at is None else EXAMPLE_START_TS + at
        findings = engine.analyze(Message("example", "example", "example", user, text, ts=ts))
    return [f for f in findings if f.rule == rule.id]


def run_examples(rules: list[RuleSpec]) -> Iterator[ExampleResult]:
    """Check every example of every rule, each rule on an engine of its own."""
    for rule in rules:
        engine = Engine([rule.model_copy(update={"enabled": True})])
        for expect, examples in (("flag", rule.examples.flag), ("pass", rule.examples.pass_)):
            for example in examples:
                fired = run_example(engine, rule, example)
                ok = bool(fired) if expect == "flag" else not fired
                yield ExampleResult(rule.id, expect, example_text(example), ok, fired)
