"""Offline training of the tone model: the recipe's feature families and overrides."""

from __future__ import annotations

import pytest

from bot.core.checks.classifier import LinearTextModel
from bot.quality.train import RECIPE, features_of, fit, train_tone

pytest.importorskip("sklearn")

HOSTILE = [
    "you are an idiot and your code is garbage",
    "stop whining, you clearly did not read the docs you moron",
    "what a joke, you people are incompetent",
    "are you stupid? read the issue before you answer",
    "pathetic. you never test anything you merge",
    "you broke it again, idiot",
]
CIVIL = [
    "thanks for the quick fix, it works now",
    "could you share the output of docker ps please",
    "the build is green again after the rebase",
    "I think the retry belongs in the client",
    "merged, thanks for the review everyone",
    "the volume mount works with the new flag",
]


def labelled() -> list[dict[str, object]]:
    return [{"text": t, "uncivil": True} for t in HOSTILE] + [{"text": t, "uncivil": False} for t in CIVIL]


def test_without_char_ngrams_only_word_and_cue_weights_are_learned() -> None:
    examples = [features_of(str(r["text"])) for r in labelled()]
    labels = [bool(r["uncivil"]) for r in labelled()]
    words_only = fit(examples, labels, min_count=1, char_ngrams=False)
    with_chars = fit(examples, labels, min_count=1, char_ngrams=True)
    assert words_only.char_weights == {}
    assert words_only.word_weights and with_chars.char_weights
    assert all(not f.startswith("c:") for f in words_only.word_weights)
    hostile = words_only.probability(*features_of("you idiot, read the docs"))
    civil = words_only.probability(*features_of("thanks, the build works now"))
    assert hostile > civil


def test_train_tone_follows_the_recipe_and_its_overrides() -> None:
    chat = [{"text": t} for t in CIVIL]
    shipped = train_tone(labelled(), chat)
    previous = train_tone(labelled(), chat, recipe={"char_ngrams": True, "min_count": 1})
    assert isinstance(shipped, LinearTextModel)
    assert shipped.meta["char_ngrams"] is RECIPE["char_ngrams"]
    assert (shipped.char_weights == {}) is (not RECIPE["char_ngrams"])
    assert previous.meta["char_ngrams"] is True and previous.meta["min_count"] == 1
    assert previous.char_weights
    assert shipped.meta["c"] == RECIPE["c"]
