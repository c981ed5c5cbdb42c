"""Each rule kind on small inline packs."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.checks.shouting import ShoutingCheck, _letters_and_capitals, _shouted_words
from bot.core.engine import Engine
from bot.core.models import Message
from bot.core.rulepack import load_rules
from bot.core.text import Document, has_mark_pair
from tests.core.conftest import msg

Build = Callable[[str], Engine]


def _rules(engine: Engine, text: str, **kw: object) -> list[tuple[str, str]]:
    return [(f.rule, text[f.start : f.end]) for f in engine.analyze(msg(text, **kw))]  # type: ignore[arg-type]


def test_phrase_word_boundaries_case_and_exceptions(engine_for: Build) -> None:
    engine = engine_for("""
    pack: team
    rules:
      - id: team.obviously
        kind: phrase
        category: tone
        level: tip
        message: It can sound like the other person missed something simple.
        phrases: [obviously, "per my last message"]
        exceptions: ["not obviously"]
    """)
    assert _rules(engine, "Obviously it fails") == [("team.obviously", "Obviously")]
    assert _rules(engine, "As PER  my last\nmessage, no") == [
        ("team.obviously", "PER  my last\nmessage")
    ]
    assert _rules(engine, "obviousness is not a word here") == []
    assert _rules(engine, "it is not obviously wrong") == []


def test_substitution_suggests_alternatives_and_prefers_longest(engine_for: Build) -> None:
    engine = engine_for("""
    pack: team
    rules:
      - id: team.guys
        kind: substitution
        category: inclusion
        level: tip
        message: A group word includes everyone.
        swap: {guys: [everyone, folks], "you guys": "you all"}
        exceptions: ["five guys"]
    """)
    findings = engine.analyze(msg("thanks you guys"))
    assert [(f.start, f.end, f.suggestion) for f in findings] == [
        (7, 15, 'Try "you all" instead of "you guys".')
    ]
    assert engine.analyze(msg("lunch at Five Guys?")) == []
    assert (
        engine.analyze(msg("hey guys"))[0].suggestion
        == 'Try "everyone" or "folks" instead of "guys".'
    )


def test_pattern_uses_re2_and_spans_the_match(engine_for: Build) -> None:
    engine = engine_for("""
    pack: team
    rules:
      - id: team.did-you-even
        kind: pattern
        category: tone
        level: nudge
        message: It reads as a jab at the other person.
        patterns: ["\\\\bdid you (even|actually) read\\\\b"]
    """)
    text = "Seriously, did you even read the docs?"
    assert _rules(engine, text) == [("team.did-you-even", "did you even read")]
    assert _rules(engine, "`did you even read`") == []


def test_sentiment_scores_per_sentence_so_long_messages_do_not_dilute(engine_for: Build) -> None:
    engine = engine_for("""
    pack: team
    rules:
      - id: team.harsh
        kind: sentiment
        category: tone
        level: tip
        message: This may land harder than you mean.
        threshold: -0.6
        min_words: 3
    """)
    harsh = "This is a horrible, awful, disgusting mess."
    padding = " The deploy finished at noon and the logs are in the usual place." * 30
    findings = engine.analyze(msg(padding + " " + harsh))
    assert len(findings) == 1
    assert (padding + " " + harsh)[findings[0].start : findings[0].end] == harsh
    assert engine.analyze(msg("Ugh, awful.")) == []  # below the minimum word count


def test_shouting_ignores_acronyms_and_flags_punctuation_runs(engine_for: Build) -> None:
    engine = engine_for("""
    pack: team
    rules:
      - id: team.shout
        kind: shouting
        category: tone
        level: tip
        message: All caps reads as shouting.
    """)
    assert _rules(engine, "WHY IS THE BUILD BROKEN AGAIN") == [
        ("team.shout", "WHY IS THE BUILD BROKEN AGAIN")
    ]
    assert _rules(engine, "The API returns JSON over HTTP to the AWS CI box") == []
    assert _rules(engine, "where is it???") == [("team.shout", "???")]
    assert _rules(engine, "see https://X.COM/SHOUTING/URL/PATH/HERE ok") == []


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("!?a .")), max_size=20))
def test_the_punctuation_run_shortcut_never_hides_a_run(text: str) -> None:
    """Every rule's run is at least 2 marks long: any such run passes the substring shortcut."""
    if re.search(r"[!?]{2,}", text):
        assert has_mark_pair(text)


def test_metric_mention_kinds(engine_for: Build) -> None:
    engine = engine_for("""
    pack: team
    rules:
      - id: team.many-questions
        kind: metric
        category: clarity
        level: tip
        message: Several questions at once are hard to answer.
        metric: questions
        max: 2
      - id: team.broadcast
        kind: mention
        category: etiquette
        level: tip
        message: This notifies everyone.
        targets: [here, channel]
    """)
    assert [f.rule for f in engine.analyze(msg("a? b? c?"))] == ["team.many-questions"]
    assert engine.analyze(msg("a? b?")) == []
    assert _rules(engine, "<!here> deploy done") == [("team.broadcast", "<!here>")]
    assert _rules(engine, "@channel deploy done") == [("team.broadcast", "@channel")]
    assert _rules(engine, "@everyone deploy done") == []
    assert _rules(engine, "mail me at ops@here.com") == []


def test_rapid_fire_fires_once_at_the_completing_message_and_needs_timestamps(
    engine_for: Build,
) -> None:
    engine = engine_for("""
    pack: team
    rules:
      - id: team.rapid
        kind: rapid_fire
        category: etiquette
        level: tip
        message: Many short messages ping people many times.
        messages: 3
        seconds: 30
    """)
    fired = [bool(engine.analyze(msg("x", ts=t))) for t in (0, 5, 10, 12, 14)]
    assert fired == [False, False, True, False, False]
    engine.reset()
    assert not any(engine.analyze(msg("x")) for _ in range(5))
    engine.reset()
    # Another channel and another person are separate.
    assert not any(engine.analyze(msg("x", ts=t, channel=f"c{t}")) for t in (0, 1, 2))


def test_dominance_fires_on_crossing_and_rearms(engine_for: Build) -> None:
    engine = engine_for("""
    pack: team
    rules:
      - id: team.dominance
        kind: dominance
        category: participation
        level: tip
        message: Others may not get a word in.
        share: 0.6
        window: 6
        min_participants: 3
    """)
    speakers = ["b", "c", "a", "a", "a", "a", "b", "c", "a", "b", "c", "b", "c", "b", "a", "a", "a", "a"]
    fired = [bool(engine.analyze(msg("x", user=u))) for u in speakers]
    # a passes 60% of the last 6 at message 5, stays over it at 8 (no repeat), drops below
    # by 14, and crosses again at 17.
    assert [i for i, f in enumerate(fired) if f] == [5, 17]


def test_questions_and_answers_are_tracked_without_text() -> None:
    engine = Engine([])
    asked = engine.evaluate(msg("anyone know why CI is red?", user="ana", ts=100.0))
    assert asked.is_question and asked.answers_user is None
    own = engine.evaluate(msg("still red", user="ana", ts=110.0))
    assert own.answers_user is None
    reply = engine.evaluate(msg("the cache expired", user="ben", ts=160.0))
    assert (reply.answers_user, reply.answer_delay) == ("ana", 60.0)
    assert engine.evaluate(msg("ok", user="cy", ts=170.0)).answers_user is None


def test_thread_reply_answers_the_thread_question() -> None:
    engine = Engine([])
    engine.evaluate(msg("where are the docs?", user="ana", ts=1000.0))
    reply = engine.evaluate(msg("here", user="ben", ts=5000.0, thread="1000.000000"))
    assert reply.answers_user == "ana"


def test_bots_get_no_findings(engine_for: Build) -> None:
    engine = engine_for("""
    pack: team
    rules:
      - id: team.shout
        kind: shouting
        category: tone
        level: tip
        message: All caps reads as shouting.
    """)
    from bot.core.models import Message

    bot = Message("t", "w", "c", "bot", "WHY IS THE BUILD BROKEN AGAIN", is_bot=True)
    assert engine.analyze(bot) == []


def test_pattern_span_group_narrows_the_highlight(engine_for: Build) -> None:
    engine = engine_for("""
    pack: team
    rules:
      - id: team.right
        kind: pattern
        category: tone
        level: tip
        message: m
        patterns: ["(?:^|[,.] )(?P<span>fine, whatever)"]
    """)
    assert _rules(engine, "ok, fine, whatever") == [("team.right", "fine, whatever")]


def test_snake_case_identifiers_are_not_words(engine_for: Build) -> None:
    engine = engine_for("""
    pack: team
    rules:
      - id: team.slave
        kind: phrase
        category: inclusion
        level: tip
        message: m
        phrases: [slave]
    """)
    assert _rules(engine, "check slave_lag metric") == []
    assert _rules(engine, "the slave node") == [("team.slave", "slave")]


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZbQ1_'É中ǅß ")), max_size=12))
def test_shouting_counts_letters_and_capitals_of_a_word_like_per_character(word: str) -> None:
    alpha = [ch for ch in word if ch.isalpha()]
    assert _letters_and_capitals(word) == (len(alpha), sum(ch.isupper() for ch in alpha))


@cache
def _shouting_rules() -> list[Any]:
    return [r for r in load_rules(None) if r.kind == "shouting"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(["API", "HTTP", "WHY", "IS", "THIS", "BROKEN", "this", "is", "Fine",
                                 "ok", "NO", "a", "X", "OK.", "JSON!", "StOp"]), max_size=25))
def test_shouting_gate_never_hides_a_shout(words: list[str]) -> None:
    rules = _shouting_rules()
    doc = Document(Message("t", "w", "c", "u", " ".join(words)))
    letters, upper, first, _ = _shouted_words(doc)
    would_fire = {
        r.id for r in rules
        if letters and letters >= r.min_letters and upper / letters >= r.caps_ratio and first >= 0
    }
    fired = {rule.id for rule, hit in ShoutingCheck(rules).scan(doc, None)
             if doc.text[hit.start:hit.end].strip("!?")}
    assert would_fire <= fired
