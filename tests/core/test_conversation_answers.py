"""Which open question a message answers: names, mentions, threads and the unaddressed rule."""

from __future__ import annotations

import pytest

from bot.core import conversation
from bot.core.conversation import ChannelWindow
from bot.core.engine import Engine
from tests.core.conftest import msg


def _run(engine: Engine, *lines: tuple[str, str, float]) -> list[str | None]:
    """Evaluate (user, text, ts) lines in one channel; whose question each one answered."""
    return [engine.evaluate(msg(text, user=user, ts=ts)).answers_user for user, text, ts in lines]


def _busy(engine: Engine, start: float) -> None:
    """Five people chatting about something else, so the channel holds several conversations."""
    for offset, user in enumerate(("p1", "p2", "p3", "p4", "p5")):
        engine.evaluate(msg("I rebooted and it works now", user=user, ts=start + offset))


@pytest.fixture
def busy_engine() -> Engine:
    """An engine without rules whose channel already holds five people's chatter (from ts 0)."""
    engine = Engine([])
    _busy(engine, 0.0)
    return engine


def _tally(names_per_question: list[tuple[str, ...]]) -> dict[str, int]:
    """How many open questions each name appears in."""
    counts: dict[str, int] = {}
    for names in names_per_question:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    return counts


@pytest.mark.parametrize("reply", ["blocke: try hdparm", "Blocke, try hdparm", "@blocke try hdparm",
                                   "  BLOCKE: try hdparm", "blocke try hdparm", "blocke - try hdparm"])
def test_address_by_name_answers_that_asker(reply: str, busy_engine: Engine) -> None:
    engine = busy_engine
    assert _run(
        engine,
        ("blocke", "how do I tune my disk?", 10.0),
        ("yohannes", "which archiver reads rar?", 20.0),
        ("ana", reply, 40.0),
    ) == [None, None, "blocke"]


def test_address_by_name_reports_the_delay_of_that_question(busy_engine: Engine) -> None:
    engine = busy_engine
    engine.evaluate(msg("how do I tune my disk?", user="blocke", ts=100.0))
    engine.evaluate(msg("which archiver reads rar?", user="yohannes", ts=130.0))
    reply = engine.evaluate(msg("blocke: hdparm", user="ana", ts=190.0))
    assert (reply.answers_user, reply.answer_delay) == ("blocke", 90.0)
    # yohannes's question is still open; once answered, it is closed.
    assert _run(engine, ("ben", "yohannes, why not WinRAR?", 200.0)) == ["yohannes"]
    assert _run(engine, ("cy", "yohannes: or unrar", 210.0)) == [None]


def test_address_to_someone_else_answers_nobody() -> None:
    engine = Engine([])
    assert _run(
        engine,
        ("ben", "morning", 0.0),
        ("ana", "anyone know why CI is red?", 10.0),
        ("cy", "ben: did you get my mail", 20.0),
        ("cy", "@ben lunch later", 25.0),
    ) == [None, None, None, None]
    # Still open: an unaddressed reply (the channel holds three people) answers it.
    assert _run(engine, ("ben", "the cache expired", 30.0)) == ["ana"]


def test_mention_of_someone_else_answers_nobody_but_mention_of_the_asker_does() -> None:
    engine = Engine([])
    engine.evaluate(msg("where are the docs?", user="U1", ts=0.0))
    assert engine.evaluate(msg("ping", user="U2", ts=5.0, mentions=("U3",))).answers_user is None
    assert engine.evaluate(msg("here", user="U2", ts=9.0, mentions=("U1",))).answers_user == "U1"


def test_an_ordinary_first_word_is_not_an_address() -> None:
    engine = Engine([])
    assert _run(
        engine,
        ("ana", "anyone know why CI is red?", 10.0),
        ("ben", "yes, the cache expired", 20.0),
    ) == [None, "ana"]


def test_the_asker_never_answers_their_own_question() -> None:
    engine = Engine([])
    assert _run(
        engine,
        ("ana", "why is CI red?", 0.0),
        ("ana", "ana: talking to myself", 5.0),
        ("ana", "still red", 6.0),
        ("ana", "@ana hello?", 7.0),
    ) == [None, None, None, None]


def test_mention_and_thread_rules_still_work(busy_engine: Engine) -> None:
    engine = busy_engine
    engine.evaluate(msg("where are the docs?", user="U1", ts=10.0))
    engine.evaluate(msg("who owns deploys?", user="U2", ts=11.0))
    engine.evaluate(msg("why is CI red?", user="U3", ts=12.0))
    # A mention picks U1's question although newer ones are open.
    assert engine.evaluate(msg("in the wiki", user="U9", ts=20.0, mentions=("U1",))).answers_user == "U1"
    # A thread reply picks the thread's question, late and in a busy channel.
    reply = engine.evaluate(msg("me", user="U9", ts=5000.0, thread="11.000000"))
    assert (reply.answers_user, reply.answer_delay) == ("U2", 4989.0)


def test_a_busy_channel_needs_an_address(busy_engine: Engine) -> None:
    engine = busy_engine
    assert _run(engine, ("ana", "why is CI red?", 10.0), ("ben", "lol", 12.0)) == [None, None]
    assert _run(engine, ("cy", "ana: the cache expired", 14.0)) == ["ana"]


def test_an_unaddressed_reply_must_follow_closely() -> None:
    engine = Engine([])
    limit = conversation.CHANNEL_REPLY_MESSAGES or 3
    engine.evaluate(msg("why is CI red?", user="ana", ts=0.0))
    for n in range(limit):
        engine.evaluate(msg("still red", user="ana", ts=1.0 + n))
    assert _run(engine, ("ben", "cache expired", 60.0)) == [None]


def test_questions_expire() -> None:
    engine = Engine([])
    engine.evaluate(msg("why is CI red?", user="ana", ts=0.0))
    late = conversation.CHANNEL_REPLY_SECONDS + 1
    assert _run(engine, ("ben", "cache expired", late)) == [None]
    gone = conversation.QUESTION_TTL_SECONDS + 1
    assert _run(engine, ("ben", "ana: cache expired", gone)) == [None]
    # Within the day, an address still finds it.
    engine.evaluate(msg("who owns deploys?", user="cy", ts=gone))
    assert _run(engine, ("dee", "cy: me", gone + 3600)) == ["cy"]


def test_the_window_keeps_no_text() -> None:
    window = ChannelWindow()
    window.add_question("blocke", 1.0, None)
    window.append("blocke", 1.0)
    match = window.match_answer("ana", 2.0, None, (), "blocke: try hdparm")
    assert match is not None and match.asker == "blocke"
    kept = repr(window)
    assert "hdparm" not in kept and "try" not in kept


def test_without_text_the_window_behaves_as_without_names() -> None:
    window = ChannelWindow()
    window.add_question("blocke", 1.0, None)
    window.append("blocke", 1.0)
    match = window.match_answer("ana", 2.0, None, ())
    assert match is not None and (match.asker, match.delay) == ("blocke", 1.0)


def test_open_askers_stay_in_step_with_the_open_questions() -> None:
    """`askers` (names with open questions) follows adds, answers, expiry and the size bound."""
    window = ChannelWindow()
    for n in range(conversation.OPEN_QUESTIONS + 20):  # the oldest questions fall out
        window.add_question(f"User{n % 7}", float(n), None)
        window.append(f"User{n % 7}", float(n))
        if n % 5 == 0:
            window.match_answer("helper", float(n), None, (), f"user{(n + 3) % 7}: see the docs")
    late = conversation.QUESTION_TTL_SECONDS + 10.0  # the first questions have expired
    window.match_answer("helper", late, None, (), "user1: see the docs")

    assert window.askers == _tally([(q.folded,) for q in window.questions])
    assert 0 < len(window.questions) < conversation.OPEN_QUESTIONS


def test_a_question_put_to_someone_is_answered_by_their_unaddressed_reply(busy_engine: Engine) -> None:
    engine = busy_engine
    # In a busy channel an unaddressed message answers nobody, but the person asked does.
    assert _run(
        engine,
        ("ben", "ana: does the build pass on arm?", 10.0),
        ("p1", "yes it does", 12.0),
        ("p2", "lol", 13.0),
        ("ana", "yes, since Tuesday", 30.0),
    ) == [None, None, None, "ben"]


def test_a_question_put_to_someone_by_mention_is_answered_by_them(busy_engine: Engine) -> None:
    engine = busy_engine
    engine.evaluate(msg("can you review the migration?", user="U2", ts=10.0, mentions=("U1",)))
    engine.evaluate(msg("standup in 5", user="U7", ts=11.0))
    reply = engine.evaluate(msg("on it", user="U1", ts=70.0))
    assert (reply.answers_user, reply.answer_delay) == ("U2", 60.0)


def test_the_person_asked_answers_nothing_when_addressing_someone_else(busy_engine: Engine) -> None:
    engine = busy_engine
    assert _run(
        engine,
        ("cy", "morning all", 5.0),
        ("ben", "ana: does the build pass on arm?", 10.0),
        ("ana", "cy: can you look at ben's question", 20.0),
        ("ana", "hmm", 25.0),
    ) == [None, None, None, "ben"]


def test_a_question_put_to_someone_waits_only_so_long(busy_engine: Engine) -> None:
    engine = busy_engine
    engine.evaluate(msg("ana: does the build pass on arm?", user="ben", ts=10.0))
    late = 10.0 + (conversation.PUT_TO_SECONDS or 0.0) + 1.0
    assert _run(engine, ("ana", "back from lunch", late)) == [None]
    # An address still reaches it.
    assert _run(engine, ("ana", "ben: yes it does", late + 1.0)) == ["ben"]


def test_a_question_put_to_someone_in_a_thread_is_not_answered_at_top_level() -> None:
    window = ChannelWindow()
    window.add_question("ben", 10.0, "5.000000", ("ana",))
    assert window.match_answer("ana", 20.0, None, (), "unrelated news") is None
    match = window.match_answer("ana", 21.0, "5.000000", (), "yes")
    assert match is not None and match.asker == "ben"


def test_who_a_question_is_put_to() -> None:
    window = ChannelWindow()
    window.append("Ana", 1.0)
    assert window.question_to("ben", ("U1", "ben"), "can you look?") == ("u1",)
    assert window.question_to("ben", (), "Ana: can you look?") == ("ana",)
    assert window.question_to("ben", (), "@cy can you look?") == ("cy",)
    # A bare first word is not taken, even a recent author's name.
    assert window.question_to("ben", (), "ana can you look?") == ()
    assert window.question_to("ben", (), "does anyone know?") == ()
    assert window.question_to("ben", (), "ben: note to self?") == ()
    assert window.question_to("ben", (), None) == ()


def test_people_asked_stay_in_step_with_the_open_questions() -> None:
    """`put_to` (who open questions were put to) follows adds, answers, expiry and the bound."""
    window = ChannelWindow()
    for n in range(conversation.OPEN_QUESTIONS + 20):
        asker = f"User{n % 7}"
        window.add_question(asker, float(n), None, (f"user{(n + 1) % 7}",))
        window.append(asker, float(n))
        if n % 3 == 0:
            window.match_answer(f"User{(n + 1) % 7}", float(n) + 0.5, None, (), "sure")
    window.match_answer("helper", conversation.QUESTION_TTL_SECONDS + 10.0, None, (), "hi")
    assert window.put_to == _tally([q.to for q in window.questions])
    assert 0 < len(window.questions) < conversation.OPEN_QUESTIONS


def test_windows_keep_the_most_recent_channels_and_their_memory() -> None:
    windows = conversation.Windows(capacity=2)
    first = windows.get("w", "c1")
    first.append("ana", 1.0)
    assert windows.get("w", "c1") is first  # asked again at once
    second = windows.get("w", "c2")
    assert windows.get("w", "c1") is first  # c1 is now the most recent, c2 the oldest
    windows.get("w", "c3")  # over capacity: c2 goes
    assert windows.get("w", "c1") is first and list(first.authors) == ["ana"]
    assert windows.get("w", "c2") is not second
    assert windows.get("x", "c1") is not first  # another workspace's channel
    windows.clear()
    assert windows.get("w", "c1") is not first
