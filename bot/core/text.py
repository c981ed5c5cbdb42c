"""Text preparation shared by every rule: masking, words and sentences, with spans kept intact.

Masking replaces code blocks, inline code, quoted lines, URLs and user/channel mentions with
spaces, so the masked text has exactly the length of the original and every span found in it
points into the original message.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from functools import cached_property
from types import ModuleType
from typing import Any, Generic, NamedTuple, TypeVar, overload

from bot.core.models import Message

_ctext: ModuleType | None
try:  # optional C speed-ups (setup.py): `Document.sentences` here, phrase look-up; same results
    _ctext = importlib.import_module("bot.core._ctext")
except ImportError:
    _ctext = None

# Everything a rule must never look inside. One alternation, scanned once: linear time.
# (No part of a <...> form crosses another "<": Slack writes a literal "<" as "&lt;", and an
# unclosed form is then given up at the next "<" instead of at the end of the text, which would
# cost the square of the length on text full of them.)
_MASK_ALTERNATIVES = (
    r"```.*?(?:```|\Z)"  # fenced code block (an unclosed fence runs to the end)
    r"|``[^\n]*?``"  # inline code in double backticks (it may hold a single one)
    r"|`[^`\n]*`"  # inline code
    r"|^[ \t]*(?:>>>|&gt;&gt;&gt;)(?:[ \t]|$).*"  # Discord's ">>> ": the rest is quoted
    r"|^[ \t]*(?:>|&gt;)[^\n]*"  # a quoted line (Slack escapes '>' as '&gt;')
    r"|<(?:https?|mailto|ftp)[^<>\s]*>"  # Slack-style <http://...> or <http://...|label>
    r"|<(?:https?|mailto|ftp)[^<>|]*\|[^<>]*>"
    r"|\b(?:https?://|ftp://|www\.)[^\s<>]+"  # bare URL
    r"|<[@#][!&]?[A-Za-z0-9_]+(?:\|[^<>]*)?>"  # <@U123>, <@!123>, <@&role>, <#C1|name>
    r"|<a?:[A-Za-z0-9_]+:\d+>"  # Discord custom emoji
    r"|(?<![\w@])@(?!(?:here|channel|everyone)\b)[A-Za-z0-9_][\w.\-]*"  # @name, not broadcasts
)
_MASK_FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE
# The two look-aheads change no match: they only let the scan reject, with a character test,
# the positions where no alternative can start (a backtick, `<`, `>`, `&`, `@`, a word starting
# with h/f/w, or spaces at a line start) instead of trying all nine alternatives there. That
# halves the time on text that needs masking; the tests compare it with the bare alternation.
_MASK_GUARD = r"(?=[`<>&@ \thfw])(?=[`<>&@]|\b[hfw]|^[ \t])"
_MASK_RE = re.compile(f"{_MASK_GUARD}(?:{_MASK_ALTERNATIVES})", _MASK_FLAGS)

# Only text holding one of these can contain something to mask (plain substring tests are
# much cheaper than a regex scan, and most messages hold none).
_MASK_HINTS = ("`", "<", ">", "@", "&gt;", "://", "www.", "WWW.", "Www.")


def _may_need_mask(text: str) -> bool:
    # The hints of _MASK_HINTS, tested inline (a generator over them costs more than the tests).
    return (
        "`" in text
        or "<" in text
        or ">" in text
        or "@" in text
        or "&gt;" in text
        or "://" in text
        or "www." in text
        or "WWW." in text
        or "Www." in text
    )

# Words; snake_case identifiers stay one word, so `slave_lag` is not the word "slave".
WORD_RE = re.compile(r"\w+(?:'\w+)*")
_WORD_RE = WORD_RE
# A sentence ends at . ! ? (and runs of them) followed by space, or at a line break: the
# matches of `[.!?…]+(?=\s|$)|\n+`, written to start with one character class so the regex
# engine skips straight to candidate characters (several times faster than the alternation).
_SENTENCE_END_RE = re.compile(r"[\n.!?…](?:(?<=\n)\n*|[.!?…]*(?=\s|$))")
# For counting words without a regex: ASCII word characters (what `\w` matches among them)
# become b"a", the apostrophe stays, every other byte becomes b" ".
_WORD_CLASSES = bytes(
    ord("a") if re.fullmatch(r"\w", chr(i)) else i if chr(i) == "'" else ord(" ")
    for i in range(256)
)
# ASCII bytes with word characters (what `\w` matches among them) and the apostrophe kept,
# every other byte made b" ": the words of plain ASCII text are then its whitespace-split runs.
_WORD_BYTES = bytes(
    i if i < 128 and (re.fullmatch(r"\w", chr(i)) or chr(i) == "'") else ord(" ")
    for i in range(256)
)
# A non-ASCII word character (these cannot be classified byte by byte).
_NON_ASCII_WORD_RE = re.compile(r"[^\W\x00-\x7f]")
# Very long sentences are scored in chunks so the cost stays linear in message length.
MAX_SENTENCE_WORDS = 60
# `_ctext.sentences(lower, total, Sentence, MAX_SENTENCE_WORDS)`: the sentences of an ASCII
# text, or None to leave them to Python (non-ASCII text, a sentence to cut into chunks).
_c_sentences: Callable[[str, int, type, int], list[Sentence] | None] | None = (
    getattr(_ctext, "sentences", None) if _ctext is not None else None
)
# `_ctext.words(text)`: the words of an ASCII text in one C pass, or None for other text.
_c_words: Callable[[str], list[str] | None] | None = (
    getattr(_ctext, "words", None) if _ctext is not None else None
)
SPEEDUPS = _c_sentences is not None


class Token(NamedTuple):
    """A word of the masked text: its span and its lower-cased form."""

    start: int
    end: int
    norm: str


class Sentence(NamedTuple):
    """A sentence (or chunk of a very long one) of the masked text, as a span."""

    start: int
    end: int
    first_token: int
    last_token: int  # exclusive

    @property
    def word_count(self) -> int:
        """How many words the sentence holds."""
        return self.last_token - self.first_token


# Names of things written as paths, which no rule should read as prose: a URL of any scheme
# ("ssh://...", "postgres://..."), an scp-style remote ("git@github.com:org/repo.git"), a path
# of three or more parts that is rooted ("/var/lib/x", "~/a/b", "./a/b") or has a digit, ".",
# "_", "-" or "@" in a part ("docker.io/jenkins/slave"), and a two-part name with a tag or a
# short lower-case file extension ("jenkinsci/slave:latest", "docs/slave.md"). Plain words
# joined by slashes stay prose ("master/slave", "and/or", "he/she/they", "guys/gals/folks").
# Each alternative starts only where a token starts (not after a word character or a path
# character), and the scheme is bounded, so a scan is linear in the length of the text.
_PATH_RE = re.compile(
    r"(?<![\w/.~:@+\-])(?:"
    r"(?P<url>[A-Za-z][A-Za-z0-9+.\-]{0,30}://[^\s<>]*)"  # a URL of any scheme
    # An scp-style remote: after the ":" a path ("org/repo") or a ".git" name.
    r"|(?P<remote>[\w.\-]{1,64}@[\w\-]+(?:\.[\w\-]+)*:[\w.\-~]*(?:/[^\s<>]*|\.git\b))"
    r"|(?P<parts>[\w.~\-]*(?:/[\w.\-@:+~%]+){2,}/?)"  # three or more parts (see _path_span)
    # Two parts with a tag or a short lower-case extension, not "a/b...c" nor "a/b.Next".
    r"|[\w\-]+(?:\.[\w\-]+)*/[\w\-]+(?:\.[\w\-]+)*?"
    r"(?::[\w.\-]+|\.[a-z0-9]{1,8}(?!\w|\.[\w.]))"
    r")"
)
# A part of a path that prose words do not have: a digit, ".", "_", "-" or "@".
_PATH_MARK = re.compile(r"[\d._@\-]")
# Punctuation that ends a sentence or a clause after a URL or path rather than belonging to it.
_TRAILING_PUNCTUATION = ".,;:!?)]}'\""


def _path_span(match: re.Match[str]) -> tuple[int, int] | None:
    """The span of `_PATH_RE`'s match to blank: without trailing punctuation, which ends the
    sentence ("pushed to ssh://host/repo?"); None for slash-joined prose words."""
    start, end = match.span()
    parts = match.group("parts")
    if parts is not None and parts[0] not in "/~." and _PATH_MARK.search(parts) is None:
        return None
    text = match.string
    while end - start > 1 and text[end - 1] in _TRAILING_PUNCTUATION:
        end -= 1
    return start, end


def mask(text: str) -> str:
    """Return `text` with code, quotes, URLs, paths and mentions blanked out (same length)."""
    if not text:
        return text
    masked = _blank_matches(text, _MASK_RE) if _may_need_mask(text) else text
    # (Every form _PATH_RE blanks holds a "/" or an "@"; masked text is spaces, so a form the
    # first pass blanked is never matched again.)
    if "/" in masked or "@" in masked:
        masked = _blank_matches(masked, _PATH_RE, _path_span)
    return masked


def _blank_matches(
    text: str,
    pattern: re.Pattern[str],
    span_of: Callable[[re.Match[str]], tuple[int, int] | None] | None = None,
) -> str:
    """`text` with every match of `pattern` blanked (same length); `span_of` may narrow a
    match's span to blank, or leave the match as it is (None)."""
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        span = match.span() if span_of is None else span_of(match)
        if span is None:
            continue
        start, end = span
        parts.append(text[last:start])
        parts.append(_blank(text[start:end]))
        last = end
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def _blank(chunk: str) -> str:
    """Spaces in place of every character of `chunk` but its line breaks (same length).

    Line breaks stay so sentence and line structure survive masking.
    """
    if "\n" not in chunk:
        return " " * len(chunk)
    return "\n".join(" " * len(line) for line in chunk.split("\n"))


# Every byte but A-Z: deleting them from ASCII text leaves exactly its capitals.
_NOT_ASCII_CAPITALS = bytes(b for b in range(256) if not 0x41 <= b <= 0x5A)


def count_ascii_capitals(text: str) -> int:
    """How many of `text`'s characters are A-Z; `text` must be ASCII (one C-level pass)."""
    return len(text.encode("ascii").translate(None, _NOT_ASCII_CAPITALS))


def has_mark_pair(text: str) -> bool:
    """Whether `text` holds two adjacent `!`/`?` (`!!`, `??`, `!?`, `?!`): the start of any
    run of them (plain substring tests, no regex scan)."""
    if "!" not in text and "?" not in text:
        return False
    return "??" in text or "!!" in text or "!?" in text or "?!" in text


# Every byte but A-Z and a-z: deleting them from ASCII text leaves exactly its letters.
_NOT_ASCII_LETTERS = bytes(b for b in range(256) if not (0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A))


def count_ascii_letters(text: str) -> int:
    """How many of `text`'s characters are A-Z or a-z; `text` must be ASCII (one C-level pass)."""
    return len(text.encode("ascii").translate(None, _NOT_ASCII_LETTERS))


# U+00C0-U+00DE in UTF-8: the lead byte C3, then 80-9E (C3 is never a continuation byte).
_LATIN1_CAPITAL_UTF8 = re.compile(rb"\xc3[\x80-\x9e]")


def count_latin1_capitals(text: str) -> int:
    """How many of `text`'s characters are A-Z or U+00C0-U+00DE (any text; C-level passes over
    its UTF-8 bytes, where the ASCII bytes are exactly its ASCII characters)."""
    data = text.encode("utf-8", "surrogatepass")
    count = len(data.translate(None, _NOT_ASCII_CAPITALS))
    if b"\xc3" in data:
        count += len(_LATIN1_CAPITAL_UTF8.findall(data))
    return count


def lower_same_length(text: str) -> str:
    """Lower-case `text` (curly apostrophes made straight), keeping its length unchanged."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return lowered.replace("’", "'") if "’" in lowered else lowered


def words_of(text: str) -> list[str]:
    """The words of an already lower-cased text, as the rules see them (`WORD_RE` matches).

    ASCII text is split in C without a regex: each run of word characters and apostrophes is
    one word when every apostrophe joins two word characters (else the regex decides).
    """
    if _c_words is not None:
        found = _c_words(text)
        if found is not None:
            return found
    return _python_words_of(text)


def _python_words_of(text: str) -> list[str]:
    """`words_of` in pure Python (any text; the C path's reference)."""
    if text.isascii():
        runs = text.encode("ascii").translate(_WORD_BYTES)
        if _apostrophes_join_words(runs):
            return runs.decode("ascii").split()
    return _WORD_RE.findall(text)


def _apostrophes_join_words(runs: bytes) -> bool:
    """Whether every apostrophe in `runs` (bytes with every non-word character but the
    apostrophe made b" ") sits between two word characters, as `WORD_RE` joins them."""
    return b"'" not in runs or not (
        b" '" in runs or b"' " in runs or b"''" in runs or runs[0] == 39 or runs[-1] == 39
    )


_T = TypeVar("_T")


class cached(Generic[_T]):  # noqa: N801 - used like functools.cached_property
    """`functools.cached_property` without its per-access lock (Python 3.11 takes one)."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> cached[_T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> _T | cached[_T]:
        if obj is None:
            return self
        value = self.func(obj)
        obj.__dict__[self.name] = value
        return value


def _has_sentence_end(text: str) -> bool:
    """Whether `text` may hold more than one sentence (a line break or . ! ? …)."""
    return "." in text or "!" in text or "?" in text or "\n" in text or "…" in text


def _word_runs(lower: str) -> bytes | None:
    """`lower` as one byte per character, b"a" for each character of a word, b" " otherwise.

    The words of any span are then exactly the runs of b"a" in that span of the bytes, each
    starting after a b" " or at 0 (`WORD_RE` words are runs of word characters joined by single
    apostrophes), so they can be counted with `bytes.count`. None when
    that does not hold: a non-ASCII word character, or an apostrophe that does not join two word
    characters.
    """
    if lower.isascii():
        runs = lower.encode("ascii").translate(_WORD_CLASSES)
    elif _NON_ASCII_WORD_RE.search(lower) is None:
        # Every non-ASCII character separates words: encoded as b"?", classified as b" ".
        runs = lower.encode("ascii", "replace").translate(_WORD_CLASSES)
    else:
        return None
    if not _apostrophes_join_words(runs):
        return None
    return runs.replace(b"'", b"a") if b"'" in runs else runs


class Document:
    """One message prepared for the rules: original text, masked text, words and sentences.

    Masked text, lower-cased text and words are computed at once (every message needs them);
    sentences and the rest on first use, then cached.
    """

    def __init__(self, message: Message) -> None:
        self.message = message
        self.text = message.text or ""
        self.masked = mask(self.text)
        # The masked text, lower-cased, same length as the original.
        self.lower = lower_same_length(self.masked)
        # Lower-cased words of the masked text, in order.
        self.words: list[str] = words_of(self.lower)
        # Number of words outside masked regions.
        self.word_count = len(self.words)

    @cached_property
    def tokens(self) -> list[Token]:
        """Words with their spans (index-aligned with `words`); costly, for tools not rules."""
        lower = self.lower
        return [Token(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(lower)]

    def word_span(self, first: int, last: int) -> tuple[int, int]:
        """The span from the start of word `first` to the end of word `last - 1`.

        Rules find words by index; only the few that fire need spans, so word positions are
        found on demand, no further than the last word asked for. Between two words of
        `words` the text holds no word character, so each word is found by a plain substring
        search starting where the previous one ended.
        """
        starts: list[int] | None = self.__dict__.get("_word_starts")
        if starts is None:
            starts = self.__dict__["_word_starts"] = []
        words = self.words
        if len(starts) < last:
            find = self.lower.find
            pos = starts[-1] + len(words[len(starts) - 1]) if starts else 0
            for index in range(len(starts), last):
                pos = find(words[index], pos)
                starts.append(pos)
                pos += len(words[index])
        return starts[first], starts[last - 1] + len(words[last - 1])

    @cached
    def sentences(self) -> list[Sentence]:
        """Sentences of the masked text, long ones cut into chunks of MAX_SENTENCE_WORDS words."""
        lower = self.lower  # same length and positions as the masked text
        total = len(self.words)
        if total == 0:
            return []
        if total <= MAX_SENTENCE_WORDS and not _has_sentence_end(lower):
            return [Sentence(0, len(lower), 0, total)]
        if _c_sentences is not None:
            found = _c_sentences(lower, total, Sentence, MAX_SENTENCE_WORDS)
            if found is not None:
                return found
        return self._python_sentences(lower, total)

    def _python_sentences(self, lower: str, total: int) -> list[Sentence]:
        """`sentences` in pure Python (any text; the C path's reference)."""
        out: list[Sentence] = []
        # Words are counted per sentence in the word-run bytes (no regex) when that is exact.
        runs = _word_runs(lower)
        findall = _WORD_RE.findall
        new = tuple.__new__  # what Sentence(...) calls, without its Python-level __new__
        pos = 0
        seen_words = 0
        for mark in _SENTENCE_END_RE.finditer(lower):
            body_end, mark_end = mark.span()
            if runs is not None:
                # Words starting in [pos, body_end): each is a b"a" after a b" " (or at 0).
                if pos:
                    count = runs.count(b" a", pos - 1, body_end)
                else:
                    count = runs.count(b" a", 0, body_end) + (runs[0] == 97)
            else:
                count = len(findall(lower, pos, body_end))
            if count:
                end = body_end if lower[body_end] == "\n" else mark_end
                if count <= MAX_SENTENCE_WORDS:
                    out.append(new(Sentence, (pos, end, seen_words, seen_words + count)))
                else:
                    self._add_sentence(out, pos, body_end, end, seen_words, count)
                seen_words += count
            pos = mark_end
        count = total - seen_words
        if count:
            self._add_sentence(out, pos, len(lower), len(lower), seen_words, count)
        return out

    def _add_sentence(
        self, out: list[Sentence], start: int, body_end: int, end: int, first: int, count: int
    ) -> None:
        """Append one sentence, or the chunks of a sentence longer than MAX_SENTENCE_WORDS."""
        if count <= MAX_SENTENCE_WORDS:
            out.append(Sentence(start, end, first, first + count))
            return
        spans = [m.span() for m in _WORD_RE.finditer(self.lower, start, body_end)]
        for offset in range(0, len(spans), MAX_SENTENCE_WORDS):
            chunk = spans[offset : offset + MAX_SENTENCE_WORDS]
            c_start = start if offset == 0 else chunk[0][0]
            c_end = end if offset + MAX_SENTENCE_WORDS >= len(spans) else chunk[-1][1]
            out.append(Sentence(c_start, c_end, first + offset, first + offset + len(chunk)))

    @cached
    def ascii_capitals(self) -> int | None:
        """How many A-Z the masked text holds when it is ASCII (None otherwise), counted once for
        the rules that weigh capitals."""
        masked = self.masked
        return count_ascii_capitals(masked) if masked.isascii() else None

    @cached
    def question_count(self) -> int:
        """Number of sentences that end in a question mark (runs of `?` before a space or the
        end of the text)."""
        masked = self.masked
        marks = masked.count("?")
        if marks == 1:  # the common case, without a regex: is the one `?` followed by a space?
            after = masked.index("?") + 1
            return 1 if after == len(masked) or masked[after].isspace() else 0
        return len(_QUESTION_RE.findall(masked)) if marks else 0

    def sentence_text(self, sentence: Sentence) -> str:
        """The masked text of a sentence (masked parts are spaces)."""
        return self.masked[sentence.start : sentence.end]


_QUESTION_RE = re.compile(r"\?+(?=\s|$)")
