"""Optional C speed-ups for the engine's hot paths: VADER scoring, the tone model, sentences.

Every extension is `optional`: without a C compiler the install still succeeds and the engine
uses its pure-Python paths, which give the same results (the tests compare both).
"""

from setuptools import Extension, setup

_FLAGS = ["-O2", "-ffp-contract=off"]  # no fused multiply-add: float results stay bit-exact

setup(
    ext_modules=[
        Extension("bot.core._cvader", ["bot/core/_cvader.c"], optional=True, extra_compile_args=_FLAGS),
        Extension("bot.core._clogit", ["bot/core/_clogit.c"], optional=True, extra_compile_args=_FLAGS),
        Extension("bot.core._ctext", ["bot/core/_ctext.c"], optional=True, extra_compile_args=_FLAGS),
    ]
)
