"""The `classifier` rule kind: scoring a shipped-format model, thresholds, spans, the shipped model."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from bot.core.checks.classifier import (
    MODEL_FORMAT,
    LinearTextModel,
    cue_features,
    featurize,
    load_model,
)
from bot.core.engine import Engine
from bot.core.models import Category, Level, Message
from bot.core.rulepack import RulePackError, load_rules
from bot.quality.train import features_of, tokens_of


def tiny_model(path: Path) -> Path:
    """A hand-written model: 'idiot' and a harsh word aimed at 'you' push the score up."""
    path.write_text(json.dumps({
        "format": MODEL_FORMAT,
        "name": "tiny",
        "bias": -3.0,
        "meta": {},
        "weights": {"word": {"w:idiot": 20.0, "x:you+harsh": 5.0}, "char": {}},
    }))
    return path


def engine_with(tmp_path: Path, threshold: float = 0.5, min_words: int = 3) -> Engine:
    where = Path(tempfile.mkdtemp(dir=tmp_path))
    model = tiny_model(where / "tiny.json")
    pack = where / "rules" / "team.yaml"
    pack.parent.mkdir()
    pack.write_text(f"""
pack: team
rules:
  - id: team.hostile
    kind: classifier
    category: tone
    level: nudge
    message: The highlighted part may read as an attack on the person.
    model: {model}
    threshold: {threshold}
    min_words: {min_words}
    examples:
      flag: ["you are such an idiot", "what an idiot you are", "idiot, you broke it"]
      pass: ["thanks for the fix", "the build is green", "see you tomorrow"]
""")
    return Engine.load(pack.parent)


def analyze(engine: Engine, text: str) -> list[tuple[str, str]]:
    return [(f.rule, text[f.start : f.end])
            for f in engine.analyze(Message("t", "w", "c", "u", text))]


def test_fires_above_threshold_and_points_at_the_worst_sentence(tmp_path: Path) -> None:
    engine = engine_with(tmp_path)
    text = "The deploy went fine. But you are such an idiot about reviews."
    assert analyze(engine, text) == [("team.hostile", "But you are such an idiot about reviews.")]
    finding = engine.analyze(Message("t", "w", "c", "u", text))[0]
    assert (finding.category, finding.level) == (Category.TONE, Level.NUDGE)
    assert analyze(engine, "thanks for the quick fix") == []


def test_threshold_min_words_and_masking(tmp_path: Path) -> None:
    strict = engine_with(tmp_path, threshold=0.999)
    assert analyze(strict, "you are such an idiot") == []
    lenient = engine_with(tmp_path, min_words=4)
    assert analyze(lenient, "idiot, you idiot") == []  # 3 words < 4
    assert analyze(lenient, "> you are such an idiot\nok thanks") == []  # quoted text is masked
    assert analyze(lenient, "`idiot` is the name of the lint rule") == []  # inline code too


def test_model_round_trips_and_rejects_other_formats(tmp_path: Path) -> None:
    model = load_model(str(tiny_model(tmp_path / "m.json")))
    again = LinearTextModel.from_json(json.loads(json.dumps(model.to_json())))
    tokens = tokens_of("you are such an idiot")
    assert again.probability(tokens) == model.probability(tokens) > 0.9
    assert model.probability([]) == pytest.approx(1 / (1 + 2.718281828 ** 3), rel=1e-6)
    with pytest.raises(ValueError, match="unknown model format"):
        LinearTextModel.from_json({"format": "pickle", "name": "x", "bias": 0, "weights": {}})


def test_features_are_grouped_and_cues_need_a_target() -> None:
    words, chars = featurize(["you", "idiot"])
    assert {"w:you", "w:idiot", "b:you idiot", "x:you+harsh"} <= words
    assert {"c: yo", "c:you ", "c:idi"} <= set(chars)
    assert "x:you+harsh" not in cue_features(["this", "tool", "is", "garbage"])
    assert "x:insult" in cue_features(["this", "tool", "is", "garbage"])


def test_shipped_model_ranks_hostility_above_frustration_at_things() -> None:
    model = load_model("tone")
    hostile = model.probability(*features_of("stop rambling and get a life, you people are pathetic"))
    at_thing = model.probability(*features_of("ugh, this build tool is garbage today"))
    friendly = model.probability(*features_of("thanks, that fixed it! the volume mount works now"))
    assert hostile > 0.5 > at_thing > friendly


def test_shipped_classifier_rules_load() -> None:
    rules = [r for r in load_rules() if r.kind == "classifier"]
    assert rules and all(r.category is Category.TONE for r in rules)
    engine = Engine(rules)
    assert analyze(engine, "could you share the output of docker ps?") == []


def test_a_model_that_cannot_load_is_a_rule_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    pack = tmp_path / "team.yaml"
    pack.write_text(f"""
pack: team
rules:
  - id: team.hostile
    kind: classifier
    category: tone
    level: nudge
    message: The highlighted part may read as an attack on the person.
    model: {broken}
    examples:
      flag: ["a b c", "d e f", "g h i"]
      pass: ["j k l", "m n o", "p q r"]
""")
    with pytest.raises(RulePackError) as caught:
        Engine.load(pack)
    assert "cannot load model" in str(caught.value.problems[0])
