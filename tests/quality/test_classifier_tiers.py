"""The optional second tier of `classifier` rules: a lower probability fires only with target cues."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bot.core.checks.classifier import MODEL_FORMAT, ClassifierRule, target_cues
from bot.core.engine import Engine
from bot.core.models import Message
from bot.core.rulepack import RulePackError
from bot.quality.train import features_of

# A model without weights: every message gets probability sigmoid(-1), about 0.27.
FLAT_PROBABILITY = 1.0 / (1.0 + math.exp(1.0))


def flat_model(path: Path) -> Path:
    """A model that scores every message the same, so only the rule's gate decides."""
    path.write_text(json.dumps({"format": MODEL_FORMAT, "name": "flat", "bias": -1.0, "meta": {},
                                "weights": {"word": {}, "char": {}}}))
    return path


def pack_with(tmp_path: Path, options: str) -> Path:
    """A one-rule pack using the flat model with extra classifier options."""
    model = flat_model(tmp_path / "flat.json")
    pack = tmp_path / "team.yaml"
    pack.write_text(f"""
pack: team
rules:
  - id: team.hostile
    kind: classifier
    category: tone
    level: nudge
    message: The highlighted part may read as an attack on the person.
    model: {model}
    threshold: 0.5
{options}
    examples:
      flag: ["a b c", "d e f", "g h i"]
      pass: ["j k l", "m n o", "p q r"]
""")
    return pack


def fired(engine: Engine, text: str) -> bool:
    return any(f.rule == "team.hostile" for f in engine.analyze(Message("t", "w", "c", "u", text)))


def test_second_tier_fires_below_threshold_only_with_a_cue(tmp_path: Path) -> None:
    engine = Engine.load(pack_with(tmp_path, "    targeted_threshold: 0.2\n    targeted_cues: [second-person]"))
    assert fired(engine, "could you check the logs again")
    assert not fired(engine, "the logs look odd again today")
    assert not fired(engine, "> could you check the logs again\nthe logs look odd")  # quoted: masked


def test_second_tier_needs_the_probability_too(tmp_path: Path) -> None:
    assert FLAT_PROBABILITY < 0.3
    engine = Engine.load(pack_with(tmp_path, "    targeted_threshold: 0.3\n    targeted_cues: [second-person]"))
    assert not fired(engine, "could you check the logs again")


def test_default_cues_need_harsh_words_or_second_person_with_a_harsh_sentence(tmp_path: Path) -> None:
    engine = Engine.load(pack_with(tmp_path, "    targeted_threshold: 0.2"))
    assert not fired(engine, "could you check the logs again")  # second person alone
    assert fired(engine, "this is a stupid default for the logs")  # insult word
    assert fired(engine, "the damn logs are empty again")  # profanity
    assert fired(engine, "you ruined everything and I hate this")  # you + VADER <= -0.5
    assert not fired(engine, "I hate this, everything is ruined")  # harsh sentence, no target


def test_without_second_tier_the_cues_do_not_matter(tmp_path: Path) -> None:
    engine = Engine.load(pack_with(tmp_path, ""))
    assert not fired(engine, "you are a stupid idiot and this is damn useless")


@pytest.mark.parametrize("options, problem", [
    ("    targeted_threshold: 0.5", "must be below threshold"),
    ("    targeted_threshold: 0.6", "must be below threshold"),
    ("    targeted_threshold: 0.2\n    targeted_cues: [sarcasm]", "targeted_cues"),
    ("    targeted_threshold: 0.2\n    targeted_cues: []", "targeted_cues"),
])
def test_bad_tier_options_are_rule_problems(tmp_path: Path, options: str, problem: str) -> None:
    with pytest.raises(RulePackError) as caught:
        Engine.load(pack_with(tmp_path, options))
    assert problem in str(caught.value.problems[0])


def test_target_cues_names() -> None:
    assert target_cues(*features_of("you clearly are an idiot")) == {
        "second-person", "insult", "second-person+harsh"}
    assert target_cues(*features_of("this idiot tool crashed")) == {"insult", "harsh-sentence"}
    assert target_cues(*features_of("thanks, you are great")) == {"second-person"}
    assert target_cues(*features_of("> you idiot\nthanks for the fix")) == frozenset()


def test_fires_asks_for_cues_only_when_the_second_tier_decides() -> None:
    rule = ClassifierRule.model_validate({
        "id": "t.x", "category": "tone", "level": "nudge", "message": "m",
        "threshold": 0.6, "targeted_threshold": 0.4,
        "examples": {"flag": ["a b c", "d e f", "g h i"], "pass": ["j k l", "m n o", "p q r"]}})
    asked: list[float] = []

    def cues_for(p: float) -> frozenset[str]:
        asked.append(p)
        return frozenset({"insult"})

    assert rule.fires(0.7, lambda: cues_for(0.7))
    assert not rule.fires(0.3, lambda: cues_for(0.3))
    assert rule.fires(0.5, lambda: cues_for(0.5))
    assert asked == [0.5]
    assert not rule.fires(0.5, lambda: frozenset({"second-person"}))
