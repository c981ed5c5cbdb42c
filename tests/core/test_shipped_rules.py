"""Every shipped rule validates, and each of its examples behaves as written."""

from __future__ import annotations

import json

import pytest

from bot.core.engine import Engine
from bot.core.examples import example_text, run_example
from bot.core.rulepack import collect_rules, default_rules_dir, json_schema

LOADED, PROBLEMS = collect_rules()
CASES = [
    pytest.param(item.rule, expect, example, id=f"{item.rule.id}:{expect}:{i}")
    for item in LOADED
    for expect, examples in (("flag", item.rule.examples.flag), ("pass", item.rule.examples.pass_))
    for i, example in enumerate(examples)
]


def test_shipped_packs_have_no_problems() -> None:
    assert [str(p) for p in PROBLEMS] == []


def test_every_category_pack_is_shipped() -> None:
    packs = {item.rule.pack for item in LOADED}
    assert {"tone", "inclusion", "clarity", "etiquette", "appreciation"} <= packs


@pytest.mark.parametrize(("rule", "expect", "example"), CASES)
def test_rule_example(rule, expect, example) -> None:  # type: ignore[no-untyped-def]
    fired = run_example(Engine([rule]), rule, example)
    if expect == "flag":
        assert fired, f"{rule.id} should fire on {example_text(example)!r}"
    else:
        assert not fired, f"{rule.id} should not fire on {example_text(example)!r}: {fired}"


def test_schema_json_is_current() -> None:
    shipped = json.loads((default_rules_dir() / "schema.json").read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(json_schema())), "run `coachbot rules schema`"
