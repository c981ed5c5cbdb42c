"""Loading packs: clear errors with file, line and rule; layering a team config."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.rulepack import RulePackError, collect_rules, load_rules

GOOD = """\
pack: team
rules:
  - id: team.obviously
    kind: phrase
    category: tone
    level: tip
    message: It can sound like the other person missed something simple.
    phrases: [obviously]
    examples:
      flag: [obviously not, "Obviously, yes", it is obviously broken]
      pass: [it is broken, "not obvious", "`obviously`"]
"""


def _write(tmp_path: Path, text: str, name: str = "team.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    return [str(p) for p in collect_rules(path)[1]]


def test_good_pack_loads(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, GOOD))
    assert [(r.id, r.pack) for r in rules] == [("team.obviously", "team")]


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("phrases: [obviously]", "phrases: [obviously"))
    problems = _problems(path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:")
    assert "invalid YAML" in problems[0]


def test_unknown_kind_names_rule_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("kind: phrase", "kind: frase"))
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:4: team.obviously: unknown kind 'frase' (known: ")
    assert "phrase" in problem and "pattern" in problem


def test_missing_field_names_rule_and_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        GOOD.replace(
            "    message: It can sound like the other person missed something simple.\n", ""
        ),
    )
    problems = _problems(path)
    assert problems == [f"{path}:3: team.obviously: message: Field required"]


def test_bad_option_points_at_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("level: tip", "level: scold"))
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:6: team.obviously: level:")


def test_too_few_examples_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        GOOD.replace("it is obviously broken]", "]").replace(
            '"Obviously, yes", ]', '"Obviously, yes"]'
        ),
    )
    [problem] = _problems(path)
    assert "examples.flag" in problem and "team.obviously" in problem


def test_regex_re2_cannot_compile_is_refused_at_load(tmp_path: Path) -> None:
    text = GOOD.replace("kind: phrase", "kind: pattern").replace(
        "phrases: [obviously]", 'patterns: ["(?<=x)obviously"]'
    )
    path = _write(tmp_path, text)
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:")
    assert "team.obviously" in problem and "not valid RE2 syntax" in problem
    with pytest.raises(RulePackError):
        Engine.load(path)


def test_duplicate_ids_across_packs(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, "a.yaml")
    _write(tmp_path, GOOD.replace("pack: team", "pack: b"), "b.yaml")
    problems = _problems(tmp_path)
    assert len(problems) == 1 and "duplicate rule id" in problems[0]


def test_config_layers_over_packs(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    _write(packs, GOOD)
    _write(
        packs,
        GOOD.replace("pack: team", "pack: extra").replace("team.obviously", "extra.obviously"),
        "extra.yaml",
    )
    config = _write(
        tmp_path,
        """\
        extends: packs
        packs: {extra: false}
        rules:
          team.obviously: {level: nudge}
        add:
          - id: team.yolo
            kind: phrase
            category: etiquette
            level: tip
            message: Shipping without review puts the on-call person at risk.
            phrases: [yolo]
            examples:
              flag: [yolo deploy, "YOLO", going yolo on prod]
              pass: [yo, solo, "`yolo`"]
        """,
        "coachbot.yaml",
    )
    rules = {r.id: r for r in load_rules(config)}
    assert set(rules) == {"team.obviously", "team.yolo"}
    assert rules["team.obviously"].level == "nudge"
    off = _write(tmp_path, "extends: packs\nrules:\n  team.obviously: false\n", "off.yaml")
    assert "team.obviously" not in Engine.load(off).rules_by_id


def test_config_override_errors_point_at_config(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    _write(packs, GOOD)
    config = _write(
        tmp_path,
        "extends: packs\nrules:\n  team.obviously: {level: loud}\n  nope: false\n",
        "c.yaml",
    )
    problems = _problems(config)
    assert any(p.startswith(f"{config}:3: team.obviously: level") for p in problems)
    assert f"{config}:4: nope: no such rule to override" in problems


def _listed(path: Path) -> list[tuple[str, int, str]]:
    _, problems = collect_rules(path)
    return [(Path(p.file).name, p.line, p.reason) for p in problems]


def test_a_config_that_includes_itself_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    (tmp_path / "self.yaml").write_text("extends: none\npaths: [self.yaml]\n")
    assert _listed(tmp_path / "a.yaml") == [
        ("b.yaml", 1, "'extends: a.yaml' includes this config again")]
    assert _listed(tmp_path / "self.yaml") == [
        ("self.yaml", 2, "'paths' entry self.yaml includes this config again")]


def test_config_keys_of_the_wrong_shape_name_their_line(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("extends: none\npaths: our\nadd: not-a-list\n")
    assert _listed(tmp_path / "c.yaml") == [
        ("c.yaml", 2, "'paths' must be a list of paths"),
        ("c.yaml", 3, "'add' must be a list of rules"),
    ]


def test_a_key_that_is_a_list_and_a_rule_that_is_no_mapping(tmp_path: Path) -> None:
    (tmp_path / "k.yaml").write_text("rules:\n  - id: a\n    ? [x, y]\n    : 1\n")
    [(name, line, message)] = _listed(tmp_path / "k.yaml")
    assert (name, line) == ("k.yaml", 3) and "a key must be a plain value" in message
    (tmp_path / "n.yaml").write_text("pack: n\nrules:\n  - just text\n  - 3\n")
    assert _listed(tmp_path / "n.yaml") == [
        ("n.yaml", 2, "each rule must be a mapping, not str"),
        ("n.yaml", 2, "each rule must be a mapping, not int"),
    ]
