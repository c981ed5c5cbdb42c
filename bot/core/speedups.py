"""Which of the engine's optional C speed-ups are active, and a switch to run without them.

Each speed-up (built by setup.py when a C compiler is found) has a pure-Python twin with the
same results; `pure_python()` turns them all off for a while, for benchmarks and tests that
compare the two paths in one process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from bot.core import phrase_index, text, vader
from bot.core.checks import classifier

# Each speed-up's name and the module attribute through which its hot path reaches the C code
# (None: pure Python).
_SWITCHES: tuple[tuple[str, ModuleType, str], ...] = (
    ("vader", vader, "_c_compound"),
    ("classifier", classifier, "_speedups"),
    ("sentences", text, "_c_sentences"),
    ("words", text, "_c_words"),
    ("phrases", phrase_index, "_c_find"),
)


def active() -> dict[str, bool]:
    """Whether each C speed-up is in use: VADER, the tone model, sentences, words, phrases."""
    vader.compound("")  # configures the C tables on first use
    return {name: getattr(module, attribute) is not None for name, module, attribute in _SWITCHES}


@contextmanager
def pure_python() -> Iterator[None]:
    """Within the block, every hot path runs its pure-Python code (not thread-safe)."""
    vader.compound("")
    saved = [getattr(module, attribute) for _, module, attribute in _SWITCHES]
    try:
        for _, module, attribute in _SWITCHES:
            setattr(module, attribute, None)
        yield
    finally:
        for (_, module, attribute), value in zip(_SWITCHES, saved, strict=True):
            setattr(module, attribute, value)
