"""Bounded per-channel memory of recent activity: who spoke when, and which questions are open.

Only user ids and timestamps are kept, never text; every structure has a fixed maximum size.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

RECENT_MESSAGES = 200
OPEN_QUESTIONS = 50
# A question left this long without a reply is no longer matched to later messages.
QUESTION_TTL_SECONDS = 24 * 3600
# A top-level message by someone else within this time is taken as a reply to an open question.
CHANNEL_REPLY_SECONDS = 30 * 60


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

    def append(self, user: str, ts: float | None) -> None:
        """Record that `user` spoke at `ts`."""
        self.recent.append(Spoke(user, ts))
        self.authors.append(user)

    def match_answer(
        self, user: str, ts: float | None, thread: str | None, mentions: tuple[str, ...]
    ) -> AnswerMatch | None:
        """Close and return the open question this message most plausibly answers, if any.

        In order: a question by someone this message mentions; a question in the same thread;
        the most recent top-level question by someone else asked shortly before.
        """
        questions = self.questions
        # Questions are kept in time order, so expired ones are at the front.
        while questions and _expired(questions[0], ts):
            questions.popleft()
        if not questions:
            return None
        chosen = -1
        if mentions:
            chosen = self._latest(lambda q: q.user in mentions, user)
        if chosen < 0 and thread is not None:
            chosen = self._latest(
                lambda q: q.thread == thread
                or (q.thread is None and q.ts is not None and thread == _ts_key(q.ts)),
                user,
            )
        if chosen < 0 and thread is None:
            chosen = self._latest(lambda q: q.thread is None and _recent(q, ts), user)
        if chosen < 0:
            return None
        question = questions[chosen]
        del questions[chosen]
        delay = None
        if question.ts is not None and ts is not None:
            delay = max(0.0, ts - question.ts)
        return AnswerMatch(question.user, delay)

    def _latest(self, accept: Callable[[OpenQuestion], bool], user: str) -> int:
        """Index of the most recent open question by someone other than `user` that `accept`s."""
        questions = self.questions
        for index in range(len(questions) - 1, -1, -1):
            question = questions[index]
            if question.user != user and accept(question):
                return index
        return -1

    def add_question(self, user: str, ts: float | None, thread: str | None) -> None:
        """Remember an open question."""
        self.questions.append(OpenQuestion(user, ts, thread))


def _ts_key(ts: float) -> str:
    return f"{ts:.6f}"


def _expired(question: OpenQuestion, now: float | None) -> bool:
    if question.ts is None or now is None:
        return False
    return now - question.ts > QUESTION_TTL_SECONDS


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
