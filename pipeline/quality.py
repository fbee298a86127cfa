"""Quality signals per document, and a filter that drops a page only on agreeing evidence.

The stages before this one repair and strip what they can; some pages are
still not worth keeping: a spam page that repeats one phrase, a page of
copied lines, a keyword-stuffed page whose text is also gibberish. This stage
measures each document, records the figures in ``doc.meta["quality"]``, and
drops a document only when the evidence agrees (docs/quality.md has the
policy and the measurements it rests on):

``cjk_share``             Han characters / letters and digits, after cleaning
``duplicate_lines``       share of the original's lines that repeat an earlier line
``duplicate_paragraphs``  the same for paragraphs (see :func:`paragraph_units`)
``top_ngram_share``       share of characters covered by the most frequent
                          character ``top_ngram``-gram, after cleaning (Gopher's
                          repetition signal, on characters since Chinese has no spaces)
``ngram_variety``         distinct ``top_ngram``-grams / all of them, after
                          cleaning: prose is varied (0.6 and more), a phrase
                          repeated over and over is not
``char_score``            mean per-character plausibility under the character
                          model of Chinese (:mod:`pipeline.charmodel`), hanzi
                          only: prose -5 to -8, word salad and mojibake -11 and lower
``mean_paragraph_chars``  mean paragraph length after cleaning
``removed_share``         share of the original's characters cleaning removed
``removal_share``         the part of it removed by stages other than
                          ``repetition`` (rules, boilerplate, ...): the removal family
``stuffing_score``        from the repetition stage (0 when it found no stuffing)

"Original" is the text as read, rebuilt from the edit log with
:func:`pipeline.document.undo`, so the figures do not depend on what the
earlier stages happened to remove.

The signals fall into independent *families*; a family *votes* when one of
its signals is past its threshold:

=============  ==============================================================
repetition     ``duplicate_lines``/``duplicate_paragraphs`` over 0.5, or
               ``ngram_variety`` under 0.2 (a repeated phrase; prose repeating
               its topic word stays varied, ``top_ngram_share`` is recorded only)
stuffing       ``stuffing_score`` over 0.5
removal        ``removal_share`` over 0.8
language       ``char_score`` under -10
script         ``cjk_share`` under ``low_cjk_share`` (off by default)
=============  ==============================================================

A document is dropped when ``min_agreeing`` (2) families vote, or when the
repetition family is *extreme*: 80% of the lines (or paragraphs) are exact
copies, or the text has no variety (a phrase repeated: always extreme).
Removal never drops a document alone: the page is kept and ``meta["quality"]["warning"]``
(and a warning in the run's problems) names the stage and rule that emptied
it, so a wrong removal cannot hide behind a drop. ``min_cjk_share`` and
``min_chars`` are the user's own hard filters (off by default) and drop alone.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np
import regex

from . import charmodel
from .document import Document, Edit, undo
from .lines import line_key, paragraphs, split_lines, word_chars
from .minhash import ngram_hashes

_NOT_HAN = regex.compile(r"[^\p{Han}]+")
_SPACE = regex.compile(r"\s+")
#: The stage whose removals are the repetition family's evidence, not the removal family's.
REPETITION_STAGE = "repetition"
#: n-grams per window of the variety signal.
VARIETY_WINDOW = 256
#: Fewer hanzi than this are not scored (char_score 0.0, never a vote).
MIN_SCORED_HANZI = 20
_HAN_TOP = 0x40000  # code points beyond the CJK extension planes are never hanzi


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


def ngram_stats(text: str, n: int) -> tuple[float, float]:
    """``(top_ngram_share, ngram_variety)`` of the character n-grams of ``text`` (spaces ignored).

    *Top share*: characters covered by the most frequent n-gram, if it repeats.
    A spam page repeating one phrase scores high; edited prose stays low even
    when it repeats its topic. *Variety*: distinct n-grams / all n-grams, counted
    in windows of ``VARIETY_WINDOW`` n-grams (so that it does not fall with the
    length of the text: a 200 KB manual repeats its vocabulary, not its
    phrases). A talk that says ``机器人`` in every sentence still has varied
    sentences around it; a phrase repeated a hundred times has almost no variety.

    >>> ngram_stats("买买买买买买", 2)
    (1.0, 0.2)
    >>> ngram_stats("今天天气很好", 3)
    (0.0, 1.0)
    >>> ngram_stats("", 3)
    (0.0, 1.0)
    >>> round(ngram_stats("买彩票上某某网" * 100, 3)[1], 3)  # one phrase: 7 distinct 3-grams a window
    0.02
    """
    chars = _SPACE.sub("", text)
    if len(chars) < n:
        return 0.0, 1.0
    # Each n-gram as one 64-bit hash, counted by numpy: ten times faster than
    # a Counter of substrings on a 3 KB page.
    points = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32)
    hashes = ngram_hashes(points, n)
    counts = np.unique(hashes, return_counts=True)[1]
    top = int(counts.max())
    share = min(1.0, top * n / len(chars)) if top > 1 else 0.0
    if len(hashes) <= VARIETY_WINDOW:
        return share, len(counts) / len(hashes)
    # Distinct n-grams per window in one sort: each hash salted with its window number
    # (a short last window joins the one before it); a collision can only lower the figure.
    windows = np.minimum(np.arange(len(hashes), dtype=np.uint64) // np.uint64(VARIETY_WINDOW),
                         np.uint64(len(hashes) // VARIETY_WINDOW - 1))
    with np.errstate(over="ignore"):
        keys = np.sort(hashes ^ (windows * np.uint64(0x9E3779B97F4A7C15)))
    distinct = 1 + int(np.count_nonzero(keys[1:] != keys[:-1]))
    return share, distinct / len(hashes)


def top_ngram_share(text: str, n: int) -> float:
    """Share of characters covered by the most frequent character n-gram, if it repeats.

    An n-gram that occurs once is no repetition, so a short text of distinct
    characters scores 0 (see :func:`ngram_stats`).

    >>> top_ngram_share("买买买买买买", 2)
    1.0
    >>> top_ngram_share("今天天气很好", 3)
    0.0
    >>> top_ngram_share("发展经济，发展经济，发展", 3)
    0.5
    """
    return ngram_stats(text, n)[0]


@functools.cache
def _char_tables() -> tuple[np.ndarray, frozenset[int]]:
    """The character model as tables: log-probability by code point (numpy), known pairs as integer codes.

    Built once per process from :func:`pipeline.charmodel.model` (about 0.3 s), so
    that a document is scored in a few numpy calls instead of a Python loop per
    character (four times the cost of the whole stage otherwise).
    """
    cm = charmodel.model()
    logprobs = np.full(_HAN_TOP, cm.floor, dtype=np.float32)
    for ch, lp in cm.logprobs.items():
        if len(ch) == 1 and ord(ch) < _HAN_TOP:
            logprobs[ord(ch)] = lp
    return logprobs, frozenset((ord(p[0]) << 21) | ord(p[1]) for p in cm.bigrams if len(p) == 2)


def _is_han(points: np.ndarray) -> np.ndarray:
    return ((points >= 0x3400) & (points <= 0x9FFF)) | ((points >= 0xF900) & (points <= 0xFAFF)) | (
        (points >= 0x20000) & (points < _HAN_TOP))


def char_score(text: str) -> float:
    """Mean plausibility of the text's hanzi under :mod:`pipeline.charmodel` (0.0, neutral, under 20 hanzi).

    Each hanzi scores its log-frequency plus ``BIGRAM_BONUS`` for each hanzi
    neighbour it forms a known in-word pair with, exactly as
    :func:`pipeline.charmodel.char_scores` scores it inside a run of hanzi.
    Only hanzi are scored: digits, Latin and punctuation say nothing about
    whether the Chinese is Chinese, and a table of full-width figures
    (``１２１３·９６``) would otherwise look like gibberish.

    >>> char_score("我们今天讨论机器人的发展，也讨论机器人会带来的问题。") > -7
    True
    >>> char_score("眱山聟罱蚪榻" * 4) < -10
    True
    >>> char_score("２０２４年，ABC")  # too few hanzi to judge
    0.0
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    han = _is_han(points)
    count = int(np.count_nonzero(han))
    if count < MIN_SCORED_HANZI:
        return 0.0
    logprobs, pairs = _char_tables()
    total = float(logprobs[points[han]].sum(dtype=np.float64))
    both = han[:-1] & han[1:]
    codes = (points[:-1][both] << 21) | points[1:][both]
    known = sum(map(pairs.__contains__, codes.tolist()))  # a set probe per pair: faster than a sorted search
    total += 2 * charmodel.BIGRAM_BONUS * known
    return total / count


def removed_by(edits: list[Edit]) -> dict[tuple[str, str], int]:
    """Characters removed (net) per ``(stage, rule)`` of the edit log.

    >>> removed_by([Edit("rules", "nav", 0, 4, "首页导航", ""), Edit("normalize", "width", 0, 1, ",", "，")])
    {('rules', 'nav'): 4}
    """
    out: dict[tuple[str, str], int] = defaultdict(int)
    for e in edits:
        gone = len(e.before) - len(e.after)
        if gone > 0:
            out[(e.stage, e.rule)] += gone
    return dict(out)


def emptied_by(removed: dict[tuple[str, str], int]) -> str:
    """``stage:rule`` that removed most: the stage with the most characters, then its top rule.

    >>> emptied_by({("rules", "a"): 5, ("rules", "b"): 6, ("boilerplate", "recurring_line"): 10})
    'rules:b'
    >>> emptied_by({})
    ''
    """
    per_stage: dict[str, int] = defaultdict(int)
    for (stage, _), n in removed.items():
        per_stage[stage] += n
    if not per_stage:
        return ""
    stage = min(per_stage, key=lambda s: (-per_stage[s], s))
    rule = min((r for s, r in removed if s == stage), key=lambda r: (-removed[(stage, r)], r))
    return f"{stage}:{rule}" if rule else stage


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
    ngram_variety: float = 1.0
    char_score: float = 0.0
    removal_share: float = 0.0
    emptied_by: str = ""  # stage:rule that removed most (not rounded, not a figure)


def measure(doc: Document, n: int) -> Signals:
    """Compute the signals of a document from its text, its edit log and its meta.

    >>> from pipeline.document import Document
    >>> doc = Document("a", "标题\\n\\n正文。")
    >>> doc.replace([(0, 4, "")], "demo", "title")
    1
    >>> s = measure(doc, 3)
    >>> round(s.removed_share, 3), round(s.removal_share, 3), s.emptied_by, s.duplicate_lines
    (0.571, 0.571, 'demo:title', 0.0)
    """
    original = undo(doc.text, doc.edits) if doc.edits else doc.text
    paras = paragraph_units(doc.text)
    removed = removed_by(doc.edits)
    other = sum(k for (stage, _), k in removed.items() if stage != REPETITION_STAGE)
    top, variety = ngram_stats(doc.text, n)
    return Signals(
        cjk_share=cjk_share(doc.text),
        duplicate_lines=duplicate_share([line.text for line in split_lines(original)]),
        duplicate_paragraphs=duplicate_share(paragraph_units(original)),
        top_ngram_share=top,
        mean_paragraph_chars=sum(map(len, paras)) / len(paras) if paras else 0.0,
        removed_share=1 - len(doc.text) / len(original) if original else 0.0,
        stuffing_score=float(doc.meta.get("stuffing_score", 0.0)),
        ngram_variety=variety,
        char_score=char_score(doc.text),
        removal_share=min(1.0, other / len(original)) if original else 0.0,
        emptied_by=emptied_by(removed),
    )


#: Families, in the order their reasons are preferred (the specific first).
FAMILIES = ("repetition", "stuffing", "language", "script", "removal")


@dataclass(frozen=True)
class Verdict:
    """What the stage concluded about one document.

    ``reason``/``value``/``threshold``: the first voting signal (the drop's
    reason when ``drop``); ``votes``: family → ``(signal, value, threshold)``
    for every family that voted; ``extreme``: the repetition family alone
    was enough.
    """

    drop: bool
    reason: str = ""
    value: float = 0.0
    threshold: float = 0.0
    votes: dict[str, tuple[str, float, float]] | None = None
    extreme: bool = False


@dataclass(frozen=True)
class Quality:
    """Record quality signals; drop a document only when independent signals agree.

    The ``max_*``/``min_*`` fields are the vote thresholds of the signals of
    the same name (see the module docstring and docs/quality.md for the
    measurements). ``min_agreeing`` families must vote for a drop (at least
    1; 1 is the old one-signal-drops behaviour, except that removal still
    never drops alone). ``extreme_duplicates`` lets the repetition family
    drop alone on a page of copies; a text of no variety (``ngram_variety``
    under ``min_ngram_variety``, a phrase repeated) drops alone too.
    ``ngram_variety`` is judged only on documents of at least
    ``ngram_min_chars`` characters, ``char_score`` only on documents of at
    least 20 hanzi. ``low_cjk_share`` makes few hanzi a vote
    (off: 0). ``min_cjk_share`` and ``min_chars`` are hard filters of the user's
    (off by default: a short or mostly-Latin page is not junk by itself).
    """

    name: ClassVar[str] = "quality"
    top_ngram: int = 3
    ngram_min_chars: int = 100
    min_agreeing: int = 2
    max_duplicate_lines: float = 0.5
    max_duplicate_paragraphs: float = 0.5
    min_ngram_variety: float = 0.2
    max_stuffing_score: float = 0.5
    max_removed_share: float = 0.8
    min_char_score: float = -10.0
    low_cjk_share: float = 0.0
    extreme_duplicates: float = 0.8
    min_cjk_share: float = 0.0
    min_chars: int = 0

    def __post_init__(self) -> None:
        if self.top_ngram < 1 or self.ngram_min_chars < 0 or self.min_chars < 0:
            raise ValueError("top_ngram must be at least 1, ngram_min_chars and min_chars at least 0")
        if self.min_agreeing < 1:
            raise ValueError(f"min_agreeing must be at least 1, not {self.min_agreeing}")
        for field_name in ("min_cjk_share", "low_cjk_share", "max_duplicate_lines", "max_duplicate_paragraphs",
                           "min_ngram_variety", "max_removed_share", "max_stuffing_score",
                           "extreme_duplicates"):
            value = getattr(self, field_name)
            if not 0 <= value <= 1:
                raise ValueError(f"{field_name} must be between 0 and 1, not {value}")

    def votes(self, s: Signals, chars: int) -> dict[str, tuple[str, float, float]]:
        """Family → ``(signal, value, threshold)`` of its first signal past its threshold.

        >>> s = Signals(0.9, 0.7, 0.0, 0.05, 80.0, 0.1, 0.0)
        >>> Quality().votes(s, 500)
        {'repetition': ('duplicate_lines', 0.7, 0.5)}
        """
        out: dict[str, tuple[str, float, float]] = {}
        for signal, value, threshold in (
            ("duplicate_lines", s.duplicate_lines, self.max_duplicate_lines),
            ("duplicate_paragraphs", s.duplicate_paragraphs, self.max_duplicate_paragraphs),
        ):
            if value > threshold:
                out["repetition"] = (signal, round(value, 4), threshold)
                break
        else:
            if self.is_phrase_spam(s, chars):
                out["repetition"] = ("ngram_variety", round(s.ngram_variety, 4), self.min_ngram_variety)
        if s.stuffing_score > self.max_stuffing_score:
            out["stuffing"] = ("stuffing_score", round(s.stuffing_score, 4), self.max_stuffing_score)
        if s.char_score < self.min_char_score:  # 0.0 (not judged) under 20 hanzi
            out["language"] = ("char_score", round(s.char_score, 4), self.min_char_score)
        if s.cjk_share < self.low_cjk_share:
            out["script"] = ("cjk_share", round(s.cjk_share, 4), self.low_cjk_share)
        if s.removal_share > self.max_removed_share:
            out["removal"] = ("removal_share", round(s.removal_share, 4), self.max_removed_share)
        return {family: out[family] for family in FAMILIES if family in out}

    def is_extreme(self, s: Signals, chars: int) -> bool:
        """The repetition family alone is enough: a page of copies, or one phrase over a text of no variety.

        >>> Quality().is_extreme(Signals(1.0, 0.95, 0.95, 0.9, 12.0, 0.9, 0.0, 0.02), 12)
        True
        >>> Quality().is_extreme(Signals(1.0, 0.0, 0.0, 0.35, 40.0, 0.0, 0.0, 0.7), 2000)  # varied prose
        False
        """
        if max(s.duplicate_lines, s.duplicate_paragraphs) > self.extreme_duplicates:
            return True
        return self.is_phrase_spam(s, chars)

    def is_phrase_spam(self, s: Signals, chars: int) -> bool:
        """A text of no variety: a phrase repeated, not prose repeating a word.

        Judged on ``ngram_min_chars`` characters or more. ``top_ngram_share``
        is not used: it cannot tell a phrase repeated from a topic word
        repeated (a clean review full of ``！！！`` scores 0.69, a talk saying
        ``机器人`` in every sentence 0.35), while variety can.

        >>> q = Quality()
        >>> q.is_phrase_spam(Signals(1.0, 0.0, 0.0, 0.4, 40.0, 0.0, 0.0, 0.07), 500)  # 买彩票上某某网 × 40
        True
        >>> q.is_phrase_spam(Signals(1.0, 0.0, 0.0, 0.4, 40.0, 0.0, 0.0, 0.8), 500)  # a talk saying 机器人
        False
        """
        return chars >= self.ngram_min_chars and s.ngram_variety < self.min_ngram_variety

    def verdict(self, signals: Signals, chars: int) -> Verdict:
        """Drop or keep, with the reason: agreeing families, an extreme repetition, or a user filter.

        >>> s = Signals(0.9, 0.7, 0.0, 0.05, 80.0, 0.1, 0.0)
        >>> Quality().verdict(s, 500).drop  # one family voting: kept
        False
        >>> Quality(min_agreeing=1).verdict(s, 500).reason
        'duplicate_lines'
        """
        votes = self.votes(signals, chars)
        for signal, value, threshold in (
            ("cjk_share", signals.cjk_share, self.min_cjk_share),
            ("chars", float(chars), float(self.min_chars)),
        ):
            if value < threshold:  # the user's own filters
                return Verdict(True, signal, round(value, 4), threshold, votes)
        evidence = [f for f in votes if f != "removal"]  # removal alone is never evidence of junk
        extreme = "repetition" in votes and self.is_extreme(signals, chars)
        drop = bool(evidence) and (len(votes) >= self.min_agreeing or extreme)
        if not votes:
            return Verdict(False, votes=votes)
        reason, value, threshold = next(iter(votes.values()))
        return Verdict(drop, reason, value, threshold, votes, extreme and len(votes) < self.min_agreeing)

    def apply(self, doc: Document) -> Document:
        signals = measure(doc, self.top_ngram)
        quality: dict[str, Any] = {
            f.name: round(getattr(signals, f.name), 4) for f in fields(Signals) if f.name != "emptied_by"
        }
        if signals.emptied_by:
            quality["emptied_by"] = signals.emptied_by
        doc.meta["quality"] = quality
        chars = len(doc.text)
        verdict = self.verdict(signals, chars)
        removal_high = signals.removal_share > self.max_removed_share
        if verdict.drop:
            details: dict[str, Any] = {"value": verdict.value, "threshold": verdict.threshold}
            if verdict.votes:
                details["agreeing"] = {family: {"signal": v[0], "value": v[1], "threshold": v[2]}
                                       for family, v in verdict.votes.items()}
            if verdict.extreme:
                details["extreme"] = True
            if removal_high:
                details["emptied_by"] = signals.emptied_by
            doc.drop(self.name, verdict.reason, **details)
        elif removal_high:
            # The page was emptied by a removing stage, and nothing else says it is junk:
            # keep what is left and say who removed the rest (a wrong rule must show).
            message = (f"removal_share {signals.removal_share:.4f} > {self.max_removed_share}: "
                       f"kept (removal alone is no evidence of junk); most removed by {signals.emptied_by}")
            quality["warning"] = message
            doc.warn(self.name, message)
        return doc
