"""Layout clean-up that every text needs: line endings, trailing blanks, blank-line runs.

Scraped pages arrive with Windows or old-Mac line endings, spaces and tabs left at
the ends of lines by the HTML-to-text step, and runs of empty lines where
``<div>`` blocks used to be. None of that is content. This stage runs first so
every later stage can rely on ``\\n`` line breaks, no trailing blanks, paragraphs
separated by at most one empty line, and no blank lines at either end.

Each fixer is a pure function returning replacement spans; the stage applies
them through the edit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import regex

from .document import Document, regex_spans

_CRLF = regex.compile(r"\r\n?")
# Horizontal white space at the end of a line. \h is [ \t] plus Unicode spaces;
# U+3000 (ideographic space) counts: at the end of a line it is padding too.
_TRAILING = regex.compile(r"\h+$", regex.M)
# Three or more line breaks (possibly with blank-only lines between): one empty line.
_BLANK_RUN = regex.compile(r"\n(?:\h*\n){2,}")
# U+0085 is not trimmed: in scraped text it is almost always Windows-1252's
# "…" (byte 0x85) decoded as Latin-1, which repair turns back into "…".
_EDGES = regex.compile(r"\A[^\S\x85]+|[^\S\x85]+\Z")


def line_endings(text: str) -> list[tuple[int, int, str]]:
    r"""``\r\n`` and lone ``\r`` become ``\n``.

    >>> line_endings("a\r\nb\rc")
    [(1, 3, '\n'), (4, 5, '\n')]
    """
    return regex_spans(_CRLF, "\n", text)


def trailing_blanks(text: str) -> list[tuple[int, int, str]]:
    """Spaces and tabs at the end of a line go.

    >>> trailing_blanks("好 \\t\\n的")
    [(1, 3, '')]
    """
    return regex_spans(_TRAILING, "", text)


def blank_runs(text: str) -> list[tuple[int, int, str]]:
    r"""Runs of empty lines collapse to one: a paragraph break is one empty line.

    >>> blank_runs("a\n\n\n\nb")
    [(1, 5, '\n\n')]
    """
    return regex_spans(_BLANK_RUN, "\n\n", text)


def edges(text: str) -> list[tuple[int, int, str]]:
    r"""White space at the very start and end of the document goes.

    >>> edges("\n\n好\n")
    [(0, 2, ''), (3, 4, '')]
    """
    return regex_spans(_EDGES, "", text)


#: The fixers that leave clean layout behind, in order.
LAYOUT = (trailing_blanks, blank_runs, edges)


@dataclass(frozen=True)
class Whitespace:
    """Normalise line endings, strip trailing blanks, collapse blank-line runs, trim."""

    name: ClassVar[str] = "whitespace"

    def apply(self, doc: Document) -> Document:
        for fixer in (line_endings, *LAYOUT):
            doc.replace(fixer(doc.text), self.name, fixer.__name__)
        return doc
