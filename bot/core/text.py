"""Text preparation shared by every rule: masking, words and sentences, with spans kept intact.

Masking replaces code blocks, inline code, quoted lines, URLs and user/channel mentions with
spaces, so the masked text has exactly the length of the original and every span found in it
points into the original message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from bot.core.models import Message

# Everything a rule must never look inside. One alternation, scanned once: linear time.
_MASK_RE = re.compile(
    r"```.*?(?:```|\Z)"  # fenced code block (an unclosed fence runs to the end)
    r"|`[^`\n]*`"  # inline code
    r"|^[ \t]*(?:>|&gt;)[^\n]*"  # a quoted line (Slack escapes '>' as '&gt;')
    r"|<(?:https?|mailto|ftp)[^>\s]*>"  # Slack-style <http://...> or <http://...|label>
    r"|<(?:https?|mailto|ftp)[^>|]*\|[^>]*>"
    r"|\b(?:https?://|ftp://|www\.)[^\s<>]+"  # bare URL
    r"|<[@#][!&]?[A-Za-z0-9_]+(?:\|[^>]*)?>"  # <@U123>, <@!123>, <@&role>, <#C1|name>
    r"|<a?:[A-Za-z0-9_]+:\d+>"  # Discord custom emoji
    r"|(?<![\w@])@(?!(?:here|channel|everyone)\b)[A-Za-z0-9_][\w.\-]*",  # @name, not broadcasts
    re.DOTALL | re.MULTILINE | re.IGNORECASE,
)

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# A sentence ends at . ! ? (and runs of them) followed by space, or at a line break.
_SENTENCE_END_RE = re.compile(r"[.!?…]+(?=\s|$)|\n+")
# Very long sentences are scored in chunks so the cost stays linear in message length.
MAX_SENTENCE_WORDS = 60


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the masked text: its span and its lower-cased form."""

    start: int
    end: int
    norm: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence (or chunk of a very long one) of the masked text, as a span."""

    start: int
    end: int
    first_token: int
    last_token: int  # exclusive

    @property
    def word_count(self) -> int:
        """How many words the sentence holds."""
        return self.last_token - self.first_token


def mask(text: str) -> str:
    """Return `text` with code, quotes, URLs and mentions blanked out (same length)."""
    if not text:
        return text
    parts: list[str] = []
    last = 0
    for match in _MASK_RE.finditer(text):
        start, end = match.span()
        parts.append(text[last:start])
        # Keep line breaks so sentence and line structure survive masking.
        parts.append(re.sub(r"[^\n]", " ", match.group()))
        last = end
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def lower_same_length(text: str) -> str:
    """Lower-case `text`, keeping every character where lower-casing would change the length."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


class Document:
    """One message prepared for the rules: original text, masked text, words and sentences."""

    __slots__ = ("message", "text", "masked", "__dict__")

    def __init__(self, message: Message) -> None:
        self.message = message
        self.text = message.text or ""
        self.masked = mask(self.text)

    @cached_property
    def lower(self) -> str:
        """The masked text, lower-cased, same length as the original."""
        return lower_same_length(self.masked)

    @cached_property
    def tokens(self) -> list[Token]:
        """Words of the masked text, in order."""
        lower = self.lower
        return [Token(m.start(), m.end(), lower[m.start() : m.end()]) for m in _WORD_RE.finditer(lower)]

    @cached_property
    def sentences(self) -> list[Sentence]:
        """Sentences of the masked text, long ones cut into chunks of MAX_SENTENCE_WORDS words."""
        tokens = self.tokens
        bounds: list[tuple[int, int]] = []
        start = 0
        for m in _SENTENCE_END_RE.finditer(self.masked):
            if m.end() > start:
                bounds.append((start, m.end()))
            start = m.end()
        if start < len(self.masked):
            bounds.append((start, len(self.masked)))
        out: list[Sentence] = []
        ti = 0
        for s_start, s_end in bounds:
            first = ti
            while ti < len(tokens) and tokens[ti].start < s_end:
                ti += 1
            if ti == first:
                continue
            for chunk_first in range(first, ti, MAX_SENTENCE_WORDS):
                chunk_last = min(chunk_first + MAX_SENTENCE_WORDS, ti)
                c_start = s_start if chunk_first == first else tokens[chunk_first].start
                c_end = s_end if chunk_last == ti else tokens[chunk_last - 1].end
                out.append(Sentence(c_start, c_end, chunk_first, chunk_last))
        return out

    @cached_property
    def word_count(self) -> int:
        """Number of words outside masked regions."""
        return len(self.tokens)

    @cached_property
    def question_count(self) -> int:
        """Number of sentences that end in a question mark."""
        return len(re.findall(r"\?+(?=\s|$)", self.masked))

    def sentence_text(self, sentence: Sentence) -> str:
        """The masked text of a sentence (masked parts are spaces)."""
        return self.masked[sentence.start : sentence.end]
