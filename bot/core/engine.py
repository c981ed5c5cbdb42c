"""The rules engine: one message in, findings and text-free counters out.

Created once per process and shared: rules, indexes and VADER load once; the only mutable
state is the bounded per-channel conversation memory, guarded by a lock.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from bot.core.checks import REGISTRY, Check, Hit, RuleSpec
from bot.core.conversation import AnswerMatch, ChannelWindow, Windows
from bot.core.models import Analysis, Category, Finding, Message
from bot.core.rulepack import load_rules
from bot.core.sentiment import message_tone
from bot.core.text import Document

# One rule reports at most this many spans in one message.
MAX_HITS_PER_RULE = 5


class Engine:
    """Applies every enabled rule to each message; safe to share between threads."""

    def __init__(self, rules: Sequence[RuleSpec], channel_capacity: int = 10_000) -> None:
        self.rules: list[RuleSpec] = [rule for rule in rules if rule.enabled]
        self.rules_by_id: dict[str, RuleSpec] = {rule.id: rule for rule in self.rules}
        by_kind: dict[str, list[RuleSpec]] = defaultdict(list)
        for rule in self.rules:
            by_kind[rule.kind].append(rule)
        checks: list[Check] = [REGISTRY[kind](group) for kind, group in by_kind.items()]
        self._message_checks = [c for c in checks if not c.conversational]
        self._conversation_checks = [c for c in checks if c.conversational]
        self._message_scans = tuple(c.scan for c in self._message_checks)
        self._windows = Windows(channel_capacity)
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path | None = None) -> Engine:
        """An engine over the shipped packs, or over a rules directory, pack or config file."""
        return cls(load_rules(path))

    def reset(self) -> None:
        """Forget every channel's conversation memory."""
        with self._lock:
            self._windows.clear()

    def analyze(self, message: Message) -> list[Finding]:
        """Findings for one message, in text order."""
        return self.evaluate(message).findings

    def evaluate(self, message: Message) -> Analysis:
        """Findings plus the counters the store keeps (words, questions, tone, answers)."""
        doc = Document(message)
        if message.is_bot:
            return Analysis(findings=[], words=doc.word_count)
        hits: list[tuple[RuleSpec, Hit]] = []
        for scan in self._message_scans:
            found = scan(doc, None)
            if found:
                hits.extend(found)
        with self._lock:
            window = self._windows.get(message.workspace, message.channel)
            answer = self._converse(window, doc, hits)
        return _analysis(doc, hits, answer)

    def evaluate_many(self, messages: Sequence[Message]) -> list[Analysis]:
        """`evaluate` of each message in turn (the same results), cheaper per message.

        Each message rule kind runs over the whole batch before the next one (its tables stay
        in the CPU caches), and the conversation memory is locked once for the batch. Messages
        of one channel must be in order, as for `evaluate`.
        """
        docs = [Document(message) for message in messages]
        humans = [doc for doc in docs if not doc.message.is_bot]
        hits: dict[int, list[tuple[RuleSpec, Hit]]] = {}
        for scan in self._message_scans:
            for doc in humans:
                found = scan(doc, None)
                if found:
                    key = id(doc)
                    if key in hits:
                        hits[key].extend(found)
                    else:
                        hits[key] = list(found)
        answers: list[AnswerMatch | None] = []
        with self._lock:
            windows = self._windows
            last: tuple[str, str] | None = None
            window = None
            for doc in humans:
                message = doc.message
                place = (message.workspace, message.channel)
                if place != last or window is None:
                    # (The window got last is already the most recent: no need to get it again.)
                    window = windows.get(*place)
                    last = place
                answers.append(self._converse(window, doc, hits.setdefault(id(doc), [])))
        results: list[Analysis] = []
        answer_of = iter(answers)
        for doc in docs:
            if doc.message.is_bot:
                results.append(Analysis(findings=[], words=doc.word_count))
            else:
                results.append(_analysis(doc, hits[id(doc)], next(answer_of)))
        return results

    def _converse(
        self, window: ChannelWindow, doc: Document, hits: list[tuple[RuleSpec, Hit]]
    ) -> AnswerMatch | None:
        """The conversation step of one message (under the lock): the conversation rules'
        hits go to `hits`, the question it answers is returned, and the window records it."""
        message = doc.message
        for check in self._conversation_checks:
            hits.extend(check.scan(doc, window))
        answer = (
            window.match_answer(
                message.user, message.ts, message.thread, message.mentions, message.text
            )
            if window.questions
            else None
        )
        if doc.question_count:
            to = window.question_to(message.user, message.mentions, message.text)
            window.add_question(message.user, message.ts, message.thread, to)
        window.append(message.user, message.ts)
        return answer


def _analysis(
    doc: Document, hits: list[tuple[RuleSpec, Hit]], answer: AnswerMatch | None
) -> Analysis:
    """The Analysis of a human message from its rule hits and the question it answers."""
    message = doc.message
    findings = _findings(hits) if hits else []
    sentiment, tone = message_tone(doc)
    thanks = False
    for finding in findings:
        if finding.category is Category.APPRECIATION:
            thanks = True
            break
    questions = doc.question_count
    # (Positional: a dataclass takes keywords several times slower, once per message.)
    return Analysis(
        findings,  # findings
        doc.word_count,  # words
        questions,  # questions
        round(sentiment, 4) if sentiment else 0.0,  # sentiment
        questions > 0,  # is_question
        answer.asker if answer else None,  # answers_user
        answer.delay if answer else None,  # answer_delay
        tone,  # tone
        thanks,  # thanks
        tuple(u for u in message.mentions if u != message.user) if thanks else (),  # credited
    )


def _findings(hits: list[tuple[RuleSpec, Hit]]) -> list[Finding]:
    if len(hits) > 1:
        hits.sort(key=_hit_order)
    per_rule: dict[str, int] = {}
    seen: set[tuple[str, int, int]] = set()
    findings: list[Finding] = []
    for rule, hit in hits:
        key = (rule.id, hit.start, hit.end)
        count = per_rule.get(rule.id, 0)
        if key in seen or count >= MAX_HITS_PER_RULE:
            continue
        seen.add(key)
        per_rule[rule.id] = count + 1
        findings.append(
            Finding(
                rule=rule.id,
                category=rule.category,
                level=rule.level,
                message=rule.message,
                suggestion=hit.suggestion or rule.suggestion,
                start=hit.start,
                end=hit.end,
                link=rule.link,
                details=hit.details,
            )
        )
    return findings


def _hit_order(rule_hit: tuple[RuleSpec, Hit]) -> tuple[int, int, str]:
    rule, hit = rule_hit
    return hit.start, hit.end, rule.id
