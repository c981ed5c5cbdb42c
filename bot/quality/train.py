"""Offline training of the shipped tone model (needs scikit-learn; never imported at run time).

Features come from `bot.core.checks.classifier.featurize` on the engine's own masked, tokenised
`Document`, so training and run-time scoring see exactly the same input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bot.core.checks.classifier import LinearTextModel, doc_cues, featurize
from bot.core.models import Message
from bot.core.text import Document


def document(text: str) -> Document:
    """The engine's prepared document for `text` (code, quotes, URLs, mentions masked)."""
    return Document(Message(platform="eval", workspace="eval", channel="eval", user="eval", text=text))


def tokens_of(text: str) -> list[str]:
    """The lower-cased words the engine sees in `text`."""
    return [t.norm for t in document(text).tokens]


Features = tuple[list[str], frozenset[str]]


def features_of(text: str) -> Features:
    """What the tone model sees in `text`: the engine's words and the message-level cues."""
    doc = document(text)
    return [t.norm for t in doc.tokens], doc_cues(doc)


class FeatureSpace:
    """Maps feature names to columns; builds the per-group L2-normalised binary matrix."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def matrix(self, examples: Sequence[Features], grow: bool) -> Any:
        """A CSR matrix for the examples; new features get columns only when `grow`."""
        from scipy.sparse import csr_matrix

        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        index = self.index
        for tokens, cues in examples:
            words, chars = featurize(tokens, cues)
            for group in (dict.fromkeys(words, 1), chars):
                total = sum(group.values())
                for feat, n in group.items():
                    col = index.get(feat)
                    if col is None and grow:
                        col = index[feat] = len(index)
                    if col is not None:
                        indices.append(col)
                        data.append(n / math.sqrt(total))
            indptr.append(len(indices))
        return csr_matrix((data, indices, indptr), shape=(len(examples), max(len(index), 1)))


def fit(
    examples: Sequence[Features],
    labels: Sequence[bool],
    weights: Sequence[float] | None = None,
    c: float = 4.0,
    min_count: int = 2,
    keep: int = 40000,
    name: str = "tone",
    meta: dict[str, Any] | None = None,
    char_ngrams: bool = True,
) -> LinearTextModel:
    """Train a logistic regression and keep the `keep` largest weights of features seen
    at least `min_count` times.

    Without `char_ngrams` the character n-grams get no columns and the model no `c:` weights
    (each feature group is normalised on its own, so the word features are unchanged).
    """
    from collections import Counter

    from sklearn.linear_model import LogisticRegression

    counts: Counter[str] = Counter()
    for tokens, cues in examples:
        words, chars = featurize(tokens, cues)
        counts.update(words)
        counts.update(chars.keys())
    space = FeatureSpace()
    for feat, n in counts.items():
        if n >= min_count and (char_ngrams or not feat.startswith("c:")):
            space.index[feat] = len(space.index)
    x = space.matrix(examples, grow=False)
    clf = LogisticRegression(C=c, max_iter=5000)
    clf.fit(x, list(labels), sample_weight=None if weights is None else list(weights))
    coef = clf.coef_[0]
    names = sorted(space.index, key=lambda f: -abs(coef[space.index[f]]))[:keep]
    word: dict[str, float] = {}
    char: dict[str, float] = {}
    for feat in sorted(names):
        w = round(float(coef[space.index[feat]]), 4)
        if w == 0.0:
            continue
        (char if feat.startswith("c:") else word)[feat] = w
    return LinearTextModel(
        name=name,
        bias=round(float(clf.intercept_[0]), 4),
        word_weights=word,
        char_weights=char,
        meta=dict(meta or {}),
    )


# The recipe of the shipped model, shared by `bench/train_tone.py` and the cross-validation in
# `bench/quality.py` so that what is measured is what is shipped.
RECIPE: dict[str, Any] = {
    "c": 4.0,  # inverse L2 strength
    "min_count": 2,  # a feature must occur in at least this many training messages
    "keep": 20000,  # largest-|weight| features shipped
    "gitter_every": 2,  # every n-th message of the gitter training part, labelled civil
    "gitter_weight": 0.5,  # sample weight of those normal-chat negatives
    # Character n-gram weights: off since they lowered cross-validated precision at equal
    # recall on the incivility set (QUALITY.md, "Model recipes compared").
    "char_ngrams": False,
}


def gitter_split(rows: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Normal chat split in time: the first half may be trained on, the second is held out."""
    half = len(rows) // 2
    return list(rows[:half]), list(rows[half:])


def train_tone(
    labelled: Sequence[dict[str, Any]],
    normal_chat: Sequence[dict[str, Any]],
    label: str = "uncivil",
    meta: dict[str, Any] | None = None,
    recipe: dict[str, Any] | None = None,
) -> LinearTextModel:
    """Train the tone model: labelled messages plus a sample of normal chat as civil examples.

    `recipe` overrides entries of `RECIPE` (to compare recipes); the shipped model uses `RECIPE`.
    """
    spec = {**RECIPE, **(recipe or {})}
    examples = [features_of(r["text"]) for r in labelled]
    labels = [bool(r[label]) for r in labelled]
    weights = [1.0] * len(examples)
    chat = list(normal_chat)[:: spec["gitter_every"]]
    examples += [features_of(r["text"]) for r in chat]
    labels += [False] * len(chat)
    weights += [spec["gitter_weight"]] * len(chat)
    info = {"labelled_messages": len(labelled), "normal_chat_messages": len(chat), **spec}
    info.update(meta or {})
    return fit(
        examples, labels, weights, c=spec["c"], min_count=spec["min_count"],
        keep=spec["keep"], meta=info, char_ngrams=spec["char_ngrams"],
    )
