"""Quality signals per document, and a conservative filter for pages that are mostly junk.

The stages before this one repair and strip what they can; some pages are
still not worth keeping: a page that was nine tenths footer and navigation, a
spam page that repeats one phrase, a keyword-stuffed page. This stage measures
each document and records the figures in ``doc.meta["quality"]``:

``cjk_share``             Han characters / letters and digits, after cleaning
``duplicate_lines``       share of the original's lines that repeat an earlier line
``duplicate_paragraphs``  the same for paragraphs (see :func:`paragraph_units`)
``top_ngram_share``       share of characters covered by the most frequent
                          character ``top_ngram``-gram, after cleaning (Gopher's
                          repetition signal, on characters since Chinese has no spaces)
``mean_paragraph_chars``  mean paragraph length after cleaning
``removed_share``         share of the original's characters cleaning removed
``stuffing_score``        from the repetition stage (0 when it found no stuffing)

"Original" is the text as read, rebuilt from the edit log with
:func:`pipeline.document.undo`, so the figures do not depend on what the
earlier stages happened to remove. A document over a threshold is dropped with
the signal's name as the reason and its value in the audit. The defaults are
set well beyond anything clean news produces (docs/repetition.md gives the
measurement): no seed document and no People's Daily article is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
import regex

from .document import Document, undo
from .lines import line_key, paragraphs, split_lines, word_chars
from .minhash import ngram_hashes

_NOT_HAN = regex.compile(r"[^\p{Han}]+")
_SPACE = regex.compile(r"\s+")


def cjk_share(text: str) -> float:
    """Han characters among the letters and digits (punctuation and spaces not counted).

    >>> cjk_share("中文，text")
    0.3333333333333333
    >>> cjk_share("")
    0.0
    """
    words = word_chars(text)  # one pass of sub is far cheaper than findall's list
    return len(_NOT_HAN.sub("", words)) / len(words) if words else 0.0


def duplicate_share(units: list[str]) -> float:
    """Share of units (lines, paragraphs) whose key repeats an earlier unit's.

    Units without letters or digits (a rule of dashes) are not counted.

    >>> duplicate_share(["标题", "正文。", "“标题”", "——"])
    0.3333333333333333
    """
    seen: set[str] = set()
    counted = repeats = 0
    for unit in units:
        key = line_key(unit)
        if not key:
            continue
        counted += 1
        repeats += key in seen
        seen.add(key)
    return repeats / counted if counted else 0.0


def top_ngram_share(text: str, n: int) -> float:
    """Share of characters covered by the most frequent character n-gram, if it repeats.

    A spam page repeating one phrase scores high; edited prose stays low even
    when it repeats its topic (``成渝地区双城经济圈`` in every paragraph of the
    seeds covers about 2%). An n-gram that occurs once is no repetition, so
    a short text of distinct characters scores 0. Spaces are ignored.

    >>> top_ngram_share("买买买买买买", 2)
    1.0
    >>> top_ngram_share("今天天气很好", 3)
    0.0
    >>> top_ngram_share("发展经济，发展经济，发展", 3)
    0.5
    """
    chars = _SPACE.sub("", text)
    if len(chars) < n:
        return 0.0
    # Each n-gram as one 64-bit hash, counted by numpy: ten times faster than
    # a Counter of substrings on a 3 KB page.
    points = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32)
    top = int(np.unique(ngram_hashes(points, n), return_counts=True)[1].max())
    return min(1.0, top * n / len(chars)) if top > 1 else 0.0


def paragraph_units(text: str) -> list[str]:
    r"""Paragraphs: blocks between empty lines, or the lines when the text has no empty line.

    Scraped pages use one of two layouts: paragraphs separated by an empty
    line (001, 002) or one paragraph per line (000, 003). Taking the blocks of
    a one-per-line page would make the whole page one paragraph.

    >>> paragraph_units("一\n二\n\n三")
    ['一\n二', '三']
    >>> paragraph_units("一\n二")
    ['一', '二']
    """
    blocks = paragraphs(text)
    return blocks if len(blocks) > 1 else [line.text.strip() for line in split_lines(text)]


@dataclass(frozen=True, slots=True)
class Signals:
    """The figures recorded in ``doc.meta["quality"]`` (rounded to 4 places there)."""

    cjk_share: float
    duplicate_lines: float
    duplicate_paragraphs: float
    top_ngram_share: float
    mean_paragraph_chars: float
    removed_share: float
    stuffing_score: float


def measure(doc: Document, n: int) -> Signals:
    """Compute the signals of a document from its text, its edit log and its meta.

    >>> from pipeline.document import Document
    >>> doc = Document("a", "标题\\n\\n正文。")
    >>> doc.replace([(0, 4, "")], "demo")
    1
    >>> s = measure(doc, 3)
    >>> round(s.removed_share, 3), s.duplicate_lines, round(s.cjk_share, 3)
    (0.571, 0.0, 1.0)
    """
    original = undo(doc.text, doc.edits) if doc.edits else doc.text
    paras = paragraph_units(doc.text)
    return Signals(
        cjk_share=cjk_share(doc.text),
        duplicate_lines=duplicate_share([line.text for line in split_lines(original)]),
        duplicate_paragraphs=duplicate_share(paragraph_units(original)),
        top_ngram_share=top_ngram_share(doc.text, n),
        mean_paragraph_chars=sum(map(len, paras)) / len(paras) if paras else 0.0,
        removed_share=1 - len(doc.text) / len(original) if original else 0.0,
        stuffing_score=float(doc.meta.get("stuffing_score", 0.0)),
    )


@dataclass(frozen=True)
class Quality:
    """Record quality signals; drop documents that are mostly junk (conservative defaults).

    Each ``max_*``/``min_*`` field is the threshold of the signal of the same
    name (see the module docstring); a document beyond it is dropped with the
    signal's name as the reason. ``min_cjk_share`` and ``min_chars`` are off
    (0) by default: a short or mostly-Latin page is not junk by itself.
    ``top_ngram_share`` is judged only on documents of at least
    ``ngram_min_chars`` characters: in a ten-character headline
    (``成也规模败也规模``) a repeated n-gram is style, not spam.
    """

    name: ClassVar[str] = "quality"
    top_ngram: int = 3
    ngram_min_chars: int = 100
    min_cjk_share: float = 0.0
    max_duplicate_lines: float = 0.5
    max_duplicate_paragraphs: float = 0.5
    max_top_ngram_share: float = 0.3
    max_removed_share: float = 0.8
    max_stuffing_score: float = 0.5
    min_chars: int = 0

    def __post_init__(self) -> None:
        if self.top_ngram < 1 or self.ngram_min_chars < 0 or self.min_chars < 0:
            raise ValueError("top_ngram must be at least 1, ngram_min_chars and min_chars at least 0")
        for field_name in ("min_cjk_share", "max_duplicate_lines", "max_duplicate_paragraphs",
                           "max_top_ngram_share", "max_removed_share", "max_stuffing_score"):
            value = getattr(self, field_name)
            if not 0 <= value <= 1:
                raise ValueError(f"{field_name} must be between 0 and 1, not {value}")

    def verdict(self, signals: Signals, chars: int) -> tuple[str, float, float] | None:
        """The first threshold the document fails: ``(reason, value, threshold)``, or None.

        >>> s = Signals(0.9, 0.7, 0.0, 0.05, 80.0, 0.1, 0.0)
        >>> Quality().verdict(s, 500)
        ('duplicate_lines', 0.7, 0.5)
        """
        checks = (  # the specific reasons first: a page of repeated lines is "duplicate_lines"
            ("duplicate_lines", signals.duplicate_lines, self.max_duplicate_lines, True),
            ("duplicate_paragraphs", signals.duplicate_paragraphs, self.max_duplicate_paragraphs, True),
            ("top_ngram_share", signals.top_ngram_share if chars >= self.ngram_min_chars else 0.0,
             self.max_top_ngram_share, True),
            ("stuffing_score", signals.stuffing_score, self.max_stuffing_score, True),
            ("removed_share", signals.removed_share, self.max_removed_share, True),
            ("cjk_share", signals.cjk_share, self.min_cjk_share, False),
            ("chars", float(chars), float(self.min_chars), False),
        )
        for reason, value, threshold, is_max in checks:
            if (value > threshold) if is_max else (value < threshold):
                return reason, round(value, 4), threshold
        return None

    def apply(self, doc: Document) -> Document:
        signals = measure(doc, self.top_ngram)
        doc.meta["quality"] = {f.name: round(getattr(signals, f.name), 4) for f in fields(Signals)}
        failed = self.verdict(signals, len(doc.text))
        if failed is not None:
            reason, value, threshold = failed
            doc.drop(self.name, reason, value=value, threshold=threshold)
        return doc
