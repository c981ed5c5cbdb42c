"""Properties of the engine on arbitrary text: never raises, spans valid, deterministic, masked."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.engine import Engine
from bot.core.models import Message

TRICKY = st.sampled_from(
    [
        "",
        " ",
        "\u200b",
        "\u200f",
        "\u202e",
        "مرحبا يا",
        "שלום",
        "🙂🔥💩",
        "İstanbul",
        "ß",
        "ﬁ",
        "\n\n",
        "```",
        "`",
        "> ",
        "&gt;",
        "<@U1>",
        "<!here>",
        "@here",
        "???",
        "!!!",
        "GUYS",
        "guys",
        "you idiot",
        "obviously",
        "thanks",
        "\t",
        "\r\n",
        "\x00",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=40), TRICKY), max_size=25).map("".join)


@lru_cache(maxsize=1)
def engine() -> Engine:
    return Engine.load()


def _message(text: str, n: int = 0) -> Message:
    return Message("p", "w", f"c{n}", "u", text, ts=float(n))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_never_raises_and_spans_are_inside_the_text(text: str) -> None:
    analysis = engine().evaluate(_message(text))
    for finding in analysis.findings:
        assert 0 <= finding.start <= finding.end <= len(text)
    assert analysis.words >= 0 and -1 <= analysis.tone <= 1


@lru_cache(maxsize=1)
def second_engine() -> Engine:
    return Engine.load()


@settings(max_examples=100, deadline=None)
@given(TEXT)
def test_deterministic(text: str) -> None:
    first = engine().analyze(_message(text, 7))
    second = second_engine().analyze(_message(text, 7))
    assert first == second


INSIDE = st.sampled_from(
    [
        "you are an idiot",
        "hey guys",
        "obviously just do it",
        "WHY IS THIS BROKEN AGAIN",
        "shut up",
        "master/slave",
        "what is wrong with you",
        "per my last message",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    INSIDE,
    st.sampled_from(["`{}`", "```\n{}\n```", "> {}", "&gt; {}", "https://example.com/{}"]),
    st.text(max_size=20),
)
def test_masked_regions_are_never_flagged(inner: str, wrapper: str, noise: str) -> None:
    if wrapper.startswith("https"):
        inner = inner.replace(" ", "-")
    noise = noise.replace("`", "").replace(">", "").replace("\n", " ")
    text = f"ok {noise}\n" + wrapper.format(inner)
    masked_from = text.index(wrapper.format(inner)[:1], len(f"ok {noise}\n") - 1)
    for finding in engine().analyze(_message(text, 1)):
        assert finding.end <= masked_from or finding.category in ("clarity", "etiquette"), finding


# A conversation: who (bots included), where, what, and optionally in reply to a thread.
LINE = st.tuples(
    st.sampled_from(["ana", "bo", "cy", "dee", "bot"]),
    st.sampled_from(["c1", "c2", "c3"]),
    st.one_of(
        TEXT,
        st.sampled_from([
            "does anyone know why the build fails?", "ana: can you review it?", "<@bo> any idea?",
            "yes, it needs the new flag", "thanks <@ana>, that fixed it!", "this is garbage",
            "you clearly didn't read it", "ok", "lol", "bo, done", "WHY IS THIS STILL BROKEN??",
        ]),
    ),
    st.sampled_from([None, None, "1.000000"]),
    st.floats(0, 900),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=60), st.integers(1, 70))
def test_evaluate_many_equals_evaluate_one_by_one(
    lines: list[tuple[str, str, str, str | None, float]], size: int
) -> None:
    # Batches of any size, channels interleaved, bots inside: the same analyses, in order.
    messages = []
    ts = 0.0
    for user, channel, text, thread, gap in lines:
        ts += gap
        mentions = tuple(u for u in ("ana", "bo") if f"<@{u}>" in text)
        messages.append(Message("p", "w", channel, user, text, ts=ts, thread=thread,
                                is_bot=user == "bot", mentions=mentions))
    one, many = Engine.load(), Engine.load()
    want = [one.evaluate(message) for message in messages]
    got = []
    for start in range(0, len(messages), size):
        got.extend(many.evaluate_many(messages[start : start + size]))
    assert got == want


def test_analysis_fields_are_in_the_order_the_engine_passes_them() -> None:
    # The engine builds Analysis positionally (cheaper than keywords, once per message).
    from dataclasses import fields

    from bot.core.models import Analysis

    assert [f.name for f in fields(Analysis)] == [
        "findings", "words", "questions", "sentiment", "is_question", "answers_user",
        "answer_delay", "tone", "thanks", "credited",
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(TRICKY, st.sampled_from(["\ud800", "\udfff", "seriously??", "per my last email"])),
                max_size=12).map("".join))
def test_lone_surrogates_are_read_as_replacement_characters(text: str) -> None:
    # Bytes that were not UTF-8 reach the engine as lone surrogates (argv, stdin): never a
    # crash, and the same findings, at the same spans, as with U+FFFD in their place.
    replaced = text.replace("\ud800", "\ufffd").replace("\udfff", "\ufffd")
    engine().reset()
    second_engine().reset()
    assert second_engine().analyze(_message(text, 3)) == engine().analyze(_message(replaced, 3))
