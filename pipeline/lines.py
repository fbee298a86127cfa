"""Lines of a document: where they are, what they say once markup noise is ignored, how to cut them.

The rules, repetition, boilerplate and quality stages all reason about whole
lines (a line is a paragraph in scraped news: the HTML-to-text step puts one
``<p>`` on one line). They share these, kept here so they are written once:

* :class:`LineIndex` says where every line starts and ends, which are blank
  and which line holds a given character; :func:`split_lines` gives the
  non-empty lines with their offsets;
* :func:`line_key` is what a line *says*, with the noise that differs between
  two copies of the same line removed (punctuation, spaces, width, case), so
  ``“（上接1版）要积极推动…”`` and ``(上接1版)要积极推动…`` have one key;
* :func:`removal_spans` turns "remove lines 3 and 7" into replacement spans
  that also take the line breaks with them, so no blank-line runs are left.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import unicodedata
from collections.abc import Mapping
from typing import NamedTuple

import regex

_NOT_WORD = regex.compile(r"[^\p{L}\p{N}]+")
_PARAGRAPH_BREAK = regex.compile(r"\n\s*\n")


class Line(NamedTuple):
    """A non-empty line: its text and where it sits (``end`` excludes the line break).

    A named tuple rather than a frozen dataclass: documents have many lines
    and a tuple is several times cheaper to build.
    """

    start: int
    end: int
    text: str


class LineIndex:
    r"""Every line of a text, empty ones too: where each starts and ends, which are blank.

    Code that cuts lines out needs more than the lines that say something: the
    blank lines around them (a removal must not leave two in a row) and which
    line holds a given character (a match). Offsets and blank flags are
    computed in one go, since they are asked for line after line.

    >>> lines = LineIndex("标题\n\n正文。")
    >>> len(lines), lines.line_at(5), lines.start(2), lines.end(2), lines.blank(1)
    (3, 2, 4, 7, True)
    """

    __slots__ = ("_parts", "_starts", "_blanks")

    def __init__(self, text: str) -> None:
        self._parts = text.split("\n")
        # one offset more than there are lines: where a line after the last would start
        self._starts = list(itertools.accumulate([len(p) + 1 for p in self._parts], initial=0))
        self._blanks = [not p.strip() for p in self._parts]

    def __len__(self) -> int:
        return len(self._parts)

    def line_at(self, pos: int) -> int:
        """The line holding character ``pos`` (a line break belongs to the line it ends)."""
        return bisect.bisect_right(self._starts, pos) - 1

    def start(self, i: int) -> int:
        return self._starts[i]

    def end(self, i: int) -> int:
        """Position of the line break ending line ``i`` (or the end of the text)."""
        return self._starts[i + 1] - 1

    def blank(self, i: int) -> bool:
        """Whether line ``i`` is empty or only white space."""
        return self._blanks[i]

    def any_blank(self) -> bool:
        return any(self._blanks)

    def non_blank(self) -> list[Line]:
        """The lines that hold anything but white space (see :func:`split_lines`)."""
        return [Line(s, s + len(p), p) for s, p, b in zip(self._starts, self._parts, self._blanks) if not b]


def split_lines(text: str) -> list[Line]:
    r"""The lines of ``text`` that hold anything but white space, with their offsets.

    >>> split_lines("标题\n\n 正文。\n")
    [Line(start=0, end=2, text='标题'), Line(start=4, end=8, text=' 正文。')]
    """
    return LineIndex(text).non_blank()


def word_chars(text: str) -> str:
    """The letters and digits of ``text``: what is left when punctuation, spaces and symbols go.

    >>> word_chars("“（上接1版）要积极推动！”")
    '上接1版要积极推动'
    """
    return _NOT_WORD.sub("", text)


@functools.lru_cache(maxsize=4096)
def line_key(text: str) -> str:
    """What a line says: letters and digits only, width-folded (NFKC) and case-folded.

    Two copies of one paragraph scraped from two places differ in exactly this
    noise: a stray quote left by a cut, half- against full-width brackets, a
    space. Comparing keys makes them equal without touching the text itself.

    >>> line_key("“（上接1版）要积极推动！”") == line_key("(上接１版)要积极推动!")
    True
    >>> line_key("Hello, World")
    'helloworld'

    Cached: the repetition, boilerplate and quality stages key the same lines
    of a document one after the other, in the same worker.
    """
    key = word_chars(text)
    # NFKC is the costly step; most keys (hanzi and ASCII) need none of it.
    if not unicodedata.is_normalized("NFKC", key):
        key = word_chars(unicodedata.normalize("NFKC", key))
    return key.casefold()


def hash64(data: bytes) -> int:
    """A 64-bit hash of some bytes, the same in every process and every run.

    Python's ``hash()`` of a string is salted per process, so workers would
    disagree; BLAKE2b cut to 8 bytes is stable and fast enough for one call
    per line or per document. The line keys of the boilerplate stage and the
    exact hashes of the dedup stage (stored in its saved index) both use it.

    >>> hash64(b"abc") == hash64(b"abc") != hash64(b"abd")
    True
    >>> 0 <= hash64(b"") < 2**64
    True
    """
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def key_hash(key: str) -> int:
    """:func:`hash64` of a line key (its UTF-8 bytes).

    >>> key_hash("版权所有") == hash64("版权所有".encode("utf-8"))
    True
    """
    return hash64(key.encode("utf-8"))


def paragraphs(text: str) -> list[str]:
    r"""Blocks of text separated by empty lines (a paragraph may span several lines).

    >>> paragraphs("一\n二\n\n三")
    ['一\n二', '三']
    """
    return [p for p in (p.strip() for p in _PARAGRAPH_BREAK.split(text)) if p]


def removal_spans(text: str, lines: list[Line], remove: Mapping[int, str]) -> list[tuple[int, int, str, str]]:
    r"""Spans deleting the lines ``remove`` names (index into ``lines`` → rule), with their breaks.

    A removed line takes the break that follows it up to the next line that
    stays, so the paragraph layout around it is unchanged; a removed line with
    no kept line after it takes the break before it instead, so the text does
    not end in a blank line.

    >>> text = "甲\n\n乙\n\n丙"
    >>> lines = split_lines(text)
    >>> removal_spans(text, lines, {1: "dup"})
    [(3, 6, '', 'dup')]
    >>> removal_spans(text, lines, {2: "dup"})
    [(4, 7, '', 'dup')]
    """
    last_kept = max((i for i in range(len(lines)) if i not in remove), default=-1)
    spans = []
    for i in sorted(remove):
        line = lines[i]
        if i < last_kept:
            spans.append((line.start, lines[i + 1].start, "", remove[i]))
        else:
            begin = lines[i - 1].end if i > 0 else line.start
            spans.append((begin, line.end, "", remove[i]))
    return spans


