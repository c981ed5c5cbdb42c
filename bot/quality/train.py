"""Offline training of the shipped tone model (needs scikit-learn; never imported at run time).

Features come from `bot.core.checks.classifier.featurize` on the engine's own masked, tokenised
`Document`, so training and run-time scoring see exactly the same input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bot.core.checks.classifier import LinearTextModel, featurize
from bot.core.models import Message
from bot.core.text import Document


def tokens_of(text: str) -> list[str]:
    """The lower-cased words the engine sees in `text` (code, quotes, URLs, mentions masked)."""
    doc = Document(Message(platform="eval", workspace="eval", channel="eval", user="eval", text=text))
    return [t.norm for t in doc.tokens]


class FeatureSpace:
    """Maps feature names to columns; builds the per-group L2-normalised binary matrix."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def matrix(self, token_lists: Sequence[Sequence[str]], grow: bool) -> Any:
        """A CSR matrix for the token lists; new features get columns only when `grow`."""
        from scipy.sparse import csr_matrix

        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        index = self.index
        for tokens in token_lists:
            for group in featurize(tokens):
                cols = []
                for feat in group:
                    col = index.get(feat)
                    if col is None and grow:
                        col = index[feat] = len(index)
                    if col is not None:
                        cols.append(col)
                if group:
                    value = 1.0 / math.sqrt(len(group))
                    indices.extend(cols)
                    data.extend([value] * len(cols))
            indptr.append(len(indices))
        return csr_matrix((data, indices, indptr), shape=(len(token_lists), max(len(index), 1)))


def fit(
    token_lists: Sequence[Sequence[str]],
    labels: Sequence[bool],
    weights: Sequence[float] | None = None,
    c: float = 4.0,
    min_count: int = 2,
    keep: int = 40000,
    name: str = "tone",
    meta: dict[str, Any] | None = None,
) -> LinearTextModel:
    """Train a logistic regression and keep the `keep` largest weights of features seen
    at least `min_count` times."""
    from collections import Counter

    from sklearn.linear_model import LogisticRegression

    counts: Counter[str] = Counter()
    for tokens in token_lists:
        words, chars = featurize(tokens)
        counts.update(words)
        counts.update(chars)
    space = FeatureSpace()
    for feat, n in counts.items():
        if n >= min_count:
            space.index[feat] = len(space.index)
    x = space.matrix(token_lists, grow=False)
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
