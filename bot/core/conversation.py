"""Bounded per-channel memory of recent activity: who spoke when, and which questions are open.

Only user ids and timestamps are kept, never text; every structure has a fixed maximum size.
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

RECENT_MESSAGES = 200
OPEN_QUESTIONS = 50
# A question left this long without a reply is no longer matched to later messages.
QUESTION_TTL_SECONDS = 24 * 3600
# An unaddressed top-level message by someone else is taken as the reply to an open top-level
# question asked at most this long before and at most this many messages back (1: the question
# was the message just before; None: no limit). See bench/answers.py for how these were chosen.
CHANNEL_REPLY_SECONDS: float = 30 * 60
CHANNEL_REPLY_MESSAGES: int | None = 3
# ... and only while the channel holds one conversation: the replier and the authors of the last
# CHANNEL_QUIET_MESSAGES messages sent within CHANNEL_QUIET_SECONDS before the reply are at most
# CHANNEL_QUIET_VOICES people (None: no limit).
CHANNEL_QUIET_MESSAGES = 10
CHANNEL_QUIET_SECONDS: float = 10 * 60
CHANNEL_QUIET_VOICES: int | None = 3
# A message addressed by name starts with "name:", "name," or "@name" (IRC and plain-text style).
# A bare leading word ("ana try this") addresses the asker of an open question when it is their
# name, but is never taken as addressing anyone else (it is too often an ordinary word).
ADDRESS_BARE_NAME = True
# A question put to someone (it mentions them, or starts with their name: "ana: does it build?")
# is answered by that person's next message that addresses nobody else, in the same place (thread
# or channel), within this many seconds of the question (None: this rule is off).
PUT_TO_SECONDS: float | None = 30 * 60
# One match at the start of the text: group 1 or 2 is an addressed name ("@name", "name:" or
# "name,"), else group 3 a bare first word. (Each alternative starts at a non-space, so the
# first one that matches is what trying the address forms first, then the bare word, gives.)
_ADDRESS = re.compile(
    r"\s*(?:@([^\s:,;@<>]{1,64})|([^\s:,;@<>]{1,64})[:,](?:\s|$)"
    r"|([^\s:,;@<>]{2,64})(?:\s+-)?(?:\s|$))"
)


def addressed_name(text: str) -> str | None:
    """The name a message starts by addressing ("@ana ...", "ana: ...", "ana, ..."), as
    written; None when it starts otherwise (a bare first word is not taken as an address)."""
    found = _ADDRESS.match(text)
    return (found[1] or found[2]) if found is not None else None


@dataclass(slots=True)
class Spoke:
    """One message in the window: its author and time (None when the platform gave none)."""

    user: str
    ts: float | None


@dataclass(slots=True)
class OpenQuestion:
    """A question nobody else has answered yet."""

    user: str
    ts: float | None
    thread: str | None
    # How many messages the channel had seen before this question.
    seq: int = 0
    # `user` case-folded, compared with names a message addresses.
    folded: str = ""
    # Case-folded ids and names of the people the question was put to.
    to: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AnswerMatch:
    """The open question a message answered and how long after it was asked."""

    asker: str
    delay: float | None


@dataclass(slots=True)
class ChannelWindow:
    """Recent messages and open questions of one channel."""

    recent: deque[Spoke] = field(default_factory=lambda: deque(maxlen=RECENT_MESSAGES))
    # The authors of `recent`, index-aligned (share counts without touching each Spoke).
    authors: deque[str] = field(default_factory=lambda: deque(maxlen=RECENT_MESSAGES))
    questions: deque[OpenQuestion] = field(default_factory=lambda: deque(maxlen=OPEN_QUESTIONS))
    flags: dict[str, bool] = field(default_factory=dict)
    # Messages seen in this channel (appended), to tell how many messages back a question is.
    seen: int = 0
    # How many open questions each case-folded asker has (kept in step with `questions`), so a
    # name that asked nothing is rejected without a scan.
    askers: dict[str, int] = field(default_factory=dict)
    # How many open questions were put to each case-folded id or name (in step with `questions`).
    put_to: dict[str, int] = field(default_factory=dict)
    # For each size k a rule asked for (`tally`): how many of the last k messages each author
    # wrote (authors with none left out), kept in step by `append`.
    tallies: dict[int, dict[str, int]] = field(default_factory=dict)

    def append(self, user: str, ts: float | None) -> None:
        """Record that `user` spoke at `ts`."""
        self.recent.append(Spoke(user, ts))
        authors = self.authors
        authors.append(user)
        self.seen += 1
        if self.tallies:
            size = len(authors)
            for k, counts in self.tallies.items():
                counts[user] = counts.get(user, 0) + 1
                if size > k:  # the message k back has left the last k
                    _decrement(counts, authors[-k - 1])

    def tally(self, k: int) -> dict[str, int]:
        """How many of the last `k` messages each author wrote (a live view: do not change it).

        Counted once, then kept in step by `append`, so asking costs nothing per message.
        """
        counts = self.tallies.get(k)
        if counts is None:
            if not 0 < k < RECENT_MESSAGES:
                raise ValueError(f"a tally covers 1 to {RECENT_MESSAGES - 1} messages, not {k}")
            counts = {}
            for author in islice(reversed(self.authors), k):
                counts[author] = counts.get(author, 0) + 1
            self.tallies[k] = counts
        return counts

    def match_answer(
        self,
        user: str,
        ts: float | None,
        thread: str | None,
        mentions: tuple[str, ...],
        text: str | None = None,
    ) -> AnswerMatch | None:
        """Close and return the open question this message most plausibly answers, if any.

        In order: a question by someone this message mentions (platform ids); a question by
        someone it addresses by name at its start ("name:", "name,", "@name", or a bare first
        word that is an open asker's name; any case); a question in the same thread;
        otherwise, for a top-level message addressed to nobody else, the most recent top-level
        question by someone else asked shortly before (CHANNEL_REPLY_SECONDS, at most
        CHANNEL_REPLY_MESSAGES back) while the channel holds one conversation (at most
        CHANNEL_QUIET_VOICES people just before). A message that mentions another person, or
        names a recent author, who asked nothing open answers nobody's question by that last
        rule. The asker never answers their own question. `text` is read, never kept.
        """
        questions = self.questions
        # Questions are kept in time order, so expired ones are at the front.
        if ts is not None:
            while questions:
                asked = questions[0].ts
                if asked is None or ts - asked <= QUESTION_TTL_SECONDS:
                    break
                self._forget(questions.popleft())
        if not questions:
            return None
        chosen = -1
        addressed = False
        # A name this message addresses that asked nothing open (a person if a recent author).
        other: str | None = None
        if mentions:
            askers = self.askers
            # (Only a mentioned person with an open question can be chosen: checked first.)
            if any(m.casefold() in askers for m in mentions):
                chosen = self._latest(lambda q: q.user in mentions, user)
            addressed = any(m != user for m in mentions)
        if chosen < 0 and text:
            found = _ADDRESS.match(text)
            if found is not None:
                named = found[1] or found[2]
                if named is not None:
                    name = named.casefold()
                    if name != user.casefold():
                        chosen = self._asked_by(name, user)
                        if chosen < 0:
                            other = name
                elif ADDRESS_BARE_NAME:
                    word = found[3].casefold()
                    # (A word that asked nothing open is rejected before anything else.)
                    if word in self.askers and word != user.casefold():
                        chosen = self._asked_by(word, user)
        if chosen < 0 and thread is not None:
            chosen = self._latest(
                lambda q: q.thread == thread
                or (q.thread is None and q.ts is not None and thread == _ts_key(q.ts)),
                user,
            )
        if chosen < 0 and self.put_to and not addressed:
            folded_user = user.casefold()
            # ("yes, ..." reads as an address: only a recent author's name is one.)
            if folded_user in self.put_to and (other is None or not self._spoke(other)):
                chosen = self._put_to(folded_user, user, ts, thread)
        if (
            chosen < 0
            and thread is None
            and not addressed
            # (The latest question is the nearest: when it is too far back, so is every one.)
            and (
                CHANNEL_REPLY_MESSAGES is None
                or self.seen - questions[-1].seq <= CHANNEL_REPLY_MESSAGES
            )
            # (Quietness first: in a busy channel it fails within a few messages.)
            and self._quiet(user, ts)
        ):
            chosen = self._latest_unaddressed(user, ts)
            if chosen >= 0 and other is not None and self._spoke(other):
                chosen = -1
        if chosen < 0:
            return None
        question = questions[chosen]
        del questions[chosen]
        self._forget(question)
        delay = None
        if question.ts is not None and ts is not None:
            delay = max(0.0, ts - question.ts)
        return AnswerMatch(question.user, delay)

    def _latest_unaddressed(self, user: str, ts: float | None) -> int:
        """Index of the most recent top-level question by someone other than `user` asked at
        most CHANNEL_REPLY_SECONDS and CHANNEL_REPLY_MESSAGES before."""
        questions = self.questions
        limit = CHANNEL_REPLY_MESSAGES
        seen = self.seen
        for index in range(len(questions) - 1, -1, -1):
            question = questions[index]
            if limit is not None and seen - question.seq > limit:
                break  # questions are in message order: every earlier one is further back
            if question.user != user and question.thread is None and _recent(question, ts):
                return index
        return -1

    def _put_to(self, folded: str, user: str, ts: float | None, thread: str | None) -> int:
        """Index of the most recent question put to `folded` in this thread (or the channel)
        by someone else, asked at most PUT_TO_SECONDS before."""
        limit = PUT_TO_SECONDS
        if limit is None:
            return -1
        questions = self.questions
        for index in range(len(questions) - 1, -1, -1):
            question = questions[index]
            if question.ts is not None and ts is not None and ts - question.ts > limit:
                break  # questions are in time order: every earlier one is older
            if folded in question.to and question.user != user and question.thread == thread:
                return index
        return -1

    def question_to(self, user: str, mentions: tuple[str, ...], text: str | None) -> tuple[str, ...]:
        """Case-folded ids and names a question by `user` is put to: the people it mentions,
        and a name it starts with ("name:", "name,", "@name"; a bare first word is not taken
        here); never `user`. `text` is read, never kept."""
        folded_user = user.casefold()
        to = [m.casefold() for m in mentions if m.casefold() != folded_user] if mentions else []
        if text:
            named = addressed_name(text)
            if named is not None:
                name = named.casefold()
                if name != folded_user and name not in to:
                    to.append(name)
        return tuple(to)

    def _quiet(self, user: str, ts: float | None) -> bool:
        """Whether `user` and the authors who spoke just before are few enough to be one talk."""
        limit = CHANNEL_QUIET_VOICES
        if limit is None:
            return True
        voices = {user}
        for spoke in islice(reversed(self.recent), CHANNEL_QUIET_MESSAGES):
            if ts is not None and spoke.ts is not None and ts - spoke.ts > CHANNEL_QUIET_SECONDS:
                break
            voices.add(spoke.user)
            if len(voices) > limit:
                return False
        return True

    def _spoke(self, folded: str) -> bool:
        """Whether someone whose case-folded name is `folded` wrote one of the recent messages."""
        return any(author.casefold() == folded for author in self.authors)

    def _asked_by(self, folded: str, user: str) -> int:
        """Index of the most recent open question by the case-folded name, unless by `user`."""
        if folded not in self.askers:
            return -1
        questions = self.questions
        for index in range(len(questions) - 1, -1, -1):
            question = questions[index]
            if question.folded == folded and question.user != user:
                return index
        return -1

    def _latest(self, accept: Callable[[OpenQuestion], bool], user: str) -> int:
        """Index of the most recent open question by someone other than `user` that `accept`s."""
        questions = self.questions
        for index in range(len(questions) - 1, -1, -1):
            question = questions[index]
            if question.user != user and accept(question):
                return index
        return -1

    def add_question(
        self, user: str, ts: float | None, thread: str | None, to: tuple[str, ...] = ()
    ) -> None:
        """Remember an open question, put to the case-folded ids or names `to` (see
        `question_to`); the oldest is dropped when OPEN_QUESTIONS are open."""
        questions = self.questions
        if len(questions) == questions.maxlen:
            self._forget(questions.popleft())
        folded = user.casefold()
        questions.append(OpenQuestion(user, ts, thread, self.seen, folded, to))
        self.askers[folded] = self.askers.get(folded, 0) + 1
        for name in to:
            self.put_to[name] = self.put_to.get(name, 0) + 1

    def _forget(self, question: OpenQuestion) -> None:
        """Take a question that left `questions` out of `askers`."""
        _decrement(self.askers, question.folded)
        for name in question.to:
            _decrement(self.put_to, name)


def _decrement(counts: dict[str, int], key: str) -> None:
    """Take one from `counts[key]`, dropping the key at zero."""
    count = counts[key] - 1
    if count:
        counts[key] = count
    else:
        del counts[key]


def _ts_key(ts: float) -> str:
    return f"{ts:.6f}"


def _recent(question: OpenQuestion, now: float | None) -> bool:
    if question.ts is None or now is None:
        return True
    return 0 <= now - question.ts <= CHANNEL_REPLY_SECONDS


class Windows:
    """An LRU map from (workspace, channel) to its window, holding at most `capacity` channels."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._windows: OrderedDict[tuple[str, str], ChannelWindow] = OrderedDict()

    def get(self, workspace: str, channel: str) -> ChannelWindow:
        """The window of a channel, created on first use."""
        key = (workspace, channel)
        window = self._windows.get(key)
        if window is None:
            window = ChannelWindow()
            self._windows[key] = window
            if len(self._windows) > self.capacity:
                self._windows.popitem(last=False)
        else:
            self._windows.move_to_end(key)
        return window

    def clear(self) -> None:
        """Forget every channel."""
        self._windows.clear()
