"""CJK mojibake: bytes of one encoding read as another, and GBK byte pairs read out of step.

The byte-level half of the repair stage (:mod:`pipeline.repair`). Each fixer
takes the text, finds runs that may be misread bytes, re-reads them the way
the damage arose, and proposes the other reading only when the character
model (:mod:`pipeline.charmodel`) finds it clearly more plausible. Because the
garble of one misreading can also be read another way, the readings compete
per span (:func:`choose`).

Finding candidates is cheap: a stdlib regex over the whole text finds the
characters outside the ~4,500 common hanzi, punctuation and plain ASCII
(tier 1); a rare character counts only if the few characters around it read
badly too (tier 2), since real text has rare characters in normal context.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import regex

from . import charmodel

#: A proposed repair: ``(start, end, replacement, rule)`` in the text it was found in.
Fix = tuple[int, int, str, str]

#: What stands where a character certainly was but its bytes are gone: U+3013
#: GETA MARK (GB2312 0xA1FE), the sign Chinese and Japanese typesetting use for
#: a character that cannot be shown.
LOST_MARKER = "〓"
# ---------------------------------------------------------------------------
# Finding candidates (the fast path)
# ---------------------------------------------------------------------------

# Tier 1, one regex over the whole text. Characters that never need a closer
# look: printable ASCII other than the markup and escape signs, line breaks and
# tabs, CJK punctuation and full-width forms, and the hanzi that make up 99% of
# text in either script. Anything else — a rarer hanzi, a Latin-1 letter, a
# control character, `&<>\\`, a `?` right before CJK text, byte junk — is a match.
_SAFE_ASCII = "\t\n !\"#$%'()*+,\\-./0-9:;=?@A-Z\\[\\]^_`a-z{|}~"
COMMON_SHARE = 0.99  # the frequency mass of the hanzi treated as ordinary (about 4,500 characters)

# Tier 2, for a match that is a rare CJK character: real text has rare
# characters (names), but around them it reads normally; mojibake reads badly
# all around. The window is the character and three on each side.
SUSPECT_WINDOW = 3
SUSPECT_MEAN = -8.0  # mean charmodel score below which a window looks garbled


@functools.cache
def _ordinary_chars() -> frozenset[str]:
    """Characters that alone never make a run suspicious: common hanzi, punctuation, full-width forms, symbols."""
    wide = {chr(c) for c in range(0xFF01, 0xFF5F)}
    common = charmodel.common_chars(COMMON_SHARE)
    return common | frozenset(charmodel.PUNCTUATION_SHARE) | frozenset(wide) | {LOST_MARKER} | _gb2312_symbols()


@functools.cache
def _gb2312_symbols() -> frozenset[str]:
    """GB2312's symbols (rows 1–9) that no fixer acts on: ``∶ ℃ ▲ ○ Ⅲ ① ※ →`` and box drawing.

    News text uses them (7% of the People's Daily documents hold one), and
    as unusual characters they sent the whole document through a repair
    round for nothing. Left out: Latin-1 and Windows-1252 characters (``×``,
    ``°``, ``‰``: GBK read as Latin-1 makes them), letters (Greek, Cyrillic),
    spaces and invisible characters, and everything from U+2E80 on (kana and
    CJK signs, which Big5 read as GBK makes).

    >>> sorted(_gb2312_symbols() & set("∶℃×‰▲ⅢαЖぁ※"))
    ['※', '℃', 'Ⅲ', '∶', '▲']
    """
    found = set()
    for lead in range(0xA1, 0xAA):
        for trail in range(0xA1, 0xFF):
            ch = _gbk_pair(bytes((lead, trail)))
            if (
                ch
                and 0xFF < ord(ch) < 0x2E80
                and ch not in CP1252_HIGH
                and unicodedata.category(ch)[0] in "SNP"
                and not _SPACE_OR_INVISIBLE.match(ch)
            ):
                found.add(ch)
    return frozenset(found)


_SPACE_OR_INVISIBLE = re.compile("[\u2000-\u200f\u2028-\u202f\u205f-\u206f]")


@functools.cache
def _unusual() -> re.Pattern[str]:
    # the stdlib engine: with a class of 4,500 characters it is ~100x faster than `regex`
    return re.compile(f"[^{_SAFE_ASCII}{re.escape(''.join(sorted(_ordinary_chars())))}]")


# `?` or U+FFFD right before CJK text (or before a folded full-width sign): a lost GBK lead byte.
_LOST_BYTE = re.compile(r"[?\ufffd](?=[!->@-~]?[^\x00-\x7f]|[!->@-~][?\ufffd])")


def _garbled_at(text: str, i: int) -> bool:
    """Whether the few characters around position ``i`` read like mojibake rather than text.

    A rare character that forms a known word with a neighbour reads as a word
    (鹦鹉, 洱海, 苋菜): garble pairs characters at random, and a random pair is a
    known one about once in a thousand, so a damaged run has other spots.
    About half of the rare characters in clean news prose that read badly
    around them are such words; the rest are names (闫戌麟).

    >>> _garbled_at("期侨务工作鐨勬柊局面", 5), _garbled_at("尼泊尔首相德乌帕", 6), _garbled_at("画堂鹦鹉鸟", 2)
    (True, False, False)
    """
    if _pair_bonus(text[i - 1 : i + 1] if i else "") or _pair_bonus(text[i : i + 2]):
        return False
    window = text[max(0, i - SUSPECT_WINDOW) : i + SUSPECT_WINDOW + 1]
    return charmodel.score(window) < SUSPECT_MEAN


def _is_cjk_like(ch: str) -> bool:
    """A rare CJK character, kana, private use, an emoji: unusual only if its neighbourhood is too."""
    return ord(ch) >= 0x2E80 and not ("\ufe00" <= ch <= "\uffff")


@dataclass(frozen=True)
class Survey:
    """Where a text may be damaged: spots (unusual characters in garbled context
    around which some re-reading of the bytes reads better), lost-byte signs,
    and the lines holding either.

    ``readings`` maps each byte-level fixer's rule to the spots where its own
    quick look found a better reading; ``spots`` is their union.
    """

    spots: tuple[int, ...]
    markers: tuple[int, ...]
    lines: tuple[tuple[int, int], ...]
    other: bool  # an unusual character that is not CJK (Latin-1, a control, `&`)
    readings: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def spots_in(self, start: int, end: int, rule: str | None = None) -> tuple[int, ...]:
        """The spots in ``[start, end)``; with ``rule``, only those where that reading looked better."""
        spots = self.spots if rule is None else self.readings.get(rule, ())
        return spots[bisect.bisect_left(spots, start) : bisect.bisect_left(spots, end)]

    def segments(self, pattern: regex.Pattern[str], text: str) -> Iterator[regex.Match[str]]:
        """Matches of ``pattern`` in the surveyed lines only."""
        for start, end in self.lines:
            yield from pattern.finditer(text, start, end)


@functools.lru_cache(maxsize=8)  # every byte-level fixer of a round surveys the same text
def survey(text: str) -> Survey:
    """Find what the byte-level fixers should look at, cheaply enough for every document.

    Tier 1 is one regex pass for unusual characters; tier 2 keeps a rare CJK
    character only if the few characters around it read badly. Tier 3 keeps
    it only if some re-reading of the bytes around it reads better (one byte
    later, Big5↔GBK, UTF-8): rare names side by side (郭树范和闫戌麟) read
    badly, but no other way better. Each fixer would make the same quick
    look before its full search, so a spot dropped here is one no fixer acts on,
    and a clean document with rare names leaves without a repair round.

    >>> survey("期侨务工作鐨勬柊局面").spots, survey("老工人郭树范和闫戌麟家").spots
    ((7,), ())
    """
    garbled, other = [], False
    for m in _unusual().finditer(text):
        if _is_cjk_like(m.group()):
            if _garbled_at(text, m.start()):
                garbled.append(m.start())
        else:
            other = True
    readings = _local_readings(text, garbled) if garbled else {}
    spots = tuple(sorted({i for found in readings.values() for i in found}))
    markers = tuple(m.start() for m in _LOST_BYTE.finditer(text)) if "?" in text or "\ufffd" in text else ()
    return Survey(spots, markers, tuple(lines_holding(text, (*spots, *markers))), other, readings)


def _local_readings(text: str, garbled: list[int]) -> dict[str, tuple[int, ...]]:
    """For each byte-level reading, the garbled spots around which it reads better (tier 3).

    A fixer only asks whether a run (a frame-shift fixer: a stretch of
    characters with GBK codes) holds such a spot, so once one spot of a run
    passes for a reading, the later ones are not looked at for it: a garbled
    paragraph has dozens of spots.
    """
    found: dict[str, list[int]] = {}

    def passed(rule: str, i: int) -> None:
        found.setdefault(rule, []).append(i)

    gbk_runs: dict[str, _GbkRuns] = {}  # one per reading: each asks from its own last spot

    def settled(rule: str, i: int, since: int) -> bool:
        spots = found.get(rule)
        if not spots or spots[-1] < since:
            return False
        runs = gbk_runs.get(rule) or gbk_runs.setdefault(rule, _GbkRuns(text))
        return runs.all_gbk(spots[-1], i)

    for start, end in lines_holding(text, garbled):
        for m in _SHIFT_SEGMENT.finditer(text, start, end):
            for i in _between(garbled, m.start(), m.end()):
                if not settled("gbk_frameshift", i, m.start()) and _shift_reads_better(text, m.start(), m.end(), i):
                    passed("gbk_frameshift", i)
        for m in _NON_ASCII_RUN.finditer(text, start, end):
            for i in _between(garbled, m.start(), m.end()):
                near = text[max(m.start(), i - LOCAL_REACH) : min(m.end(), i + LOCAL_REACH + 1)]
                for reading in (BIG5_AS_GBK, GBK_AS_BIG5):
                    if not settled(reading.rule, i, m.start()) and _reads_better(
                        near, "".join(_redecode(ch, reading) or "\x00" for ch in near)
                    ):
                        passed(reading.rule, i)
                if not settled("utf8_as_gbk", i, m.start()) and _looks_like_utf8(near):
                    passed("utf8_as_gbk", i)
    return {rule: tuple(spots) for rule, spots in found.items()}


def _between(positions: Sequence[int], start: int, end: int) -> Sequence[int]:
    """The sorted ``positions`` in ``[start, end)``, found by bisection (a line may hold thousands).

    >>> _between([1, 4, 7, 9], 4, 9)
    [4, 7]
    """
    return positions[bisect.bisect_left(positions, start) : bisect.bisect_left(positions, end)]


def lines_holding(text: str, positions: Iterable[int]) -> list[tuple[int, int]]:
    r"""The (start, end) of every line holding one of ``positions`` (none a line break), sorted.

    Each line is searched for once, and the search for a line's start stops at
    the previous line's end, so a document without line breaks and with
    thousands of positions costs one pass, not one pass per position.

    >>> lines_holding("ab\ncd\nef", [7, 0, 1])
    [(0, 2), (6, 8)]
    """
    lines: list[tuple[int, int]] = []
    floor = 0  # no line break before a later position's line start lies before this
    for i in sorted(positions):
        if lines and i < lines[-1][1]:
            continue  # in the line found last
        start = text.rfind("\n", floor, i) + 1 or floor
        end = _line_end(text, i)
        lines.append((start, end))
        floor = end
    return lines


class _GbkRuns:
    """:func:`_all_gbk` for one text, asked again and again from one anchor with a growing end.

    The quick look asks, for every garbled spot, whether everything since the
    reading's last passed spot has a GBK code; answering each question afresh
    costs the distance, and a long line with many spots would cost their
    number times its length. The answer for an anchor only turns from True to
    False as the end grows, so the stretch already checked is remembered.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.anchor = -1
        self.checked = -1  # text[anchor : checked + 1] is known ...
        self.ok = True  # ... to be all GBK (True) or not (False)

    def all_gbk(self, start: int, end: int) -> bool:
        if start != self.anchor or end < self.checked and self.ok is False:
            if start != self.anchor:
                self.anchor, self.checked, self.ok = start, start - 1, True
            else:
                return _all_gbk(self.text, start, end)
        if end <= self.checked:
            return self.ok
        if not self.ok:
            return False
        self.ok = _all_gbk(self.text, self.checked + 1, end)
        self.checked = end
        return self.ok


def _all_gbk(text: str, start: int, end: int) -> bool:
    """Whether every character from ``start`` to ``end`` has a GBK code (ASCII counts: a folded full-width form).

    >>> _all_gbk("中文abc網", 0, 5), _all_gbk("中😀文", 0, 2)
    (True, False)
    """
    return all(ch < "\x80" or _gbk_bytes(ch) for ch in text[start : end + 1])


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


LOCAL_REACH = 6  # characters on each side of a spot for the quick look at another reading


LOCAL_MIN_GAIN = 8.0  # a rare name read another way gains less; a garbled stretch far more


def _reads_better(seen: str, alt: str) -> bool:
    """Quick look: is another reading of some of the characters around a spot any better?

    ``alt`` is aligned with ``seen`` character by character (``\\x00`` where
    there is no reading); some stretch of it must gain plausibility.

    >>> _reads_better("いゅ呼", "中文網"), _reads_better("闫戌麟家", "杳缧貂剂")
    (True, False)
    """
    gains = [a - b for a, b in zip(charmodel.char_scores(alt), charmodel.char_scores(seen))]
    return _best_window(gains)[2] >= LOCAL_MIN_GAIN


# ---------------------------------------------------------------------------
# Shared helpers for the byte-level fixers
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def _gbk_pair(raw: bytes) -> str | None:
    """Decode exactly one GBK double-byte character, or None.

    GB18030 is used because it maps the GBK user-defined areas to the private
    use area, as Windows code page 936 and browsers do.
    """
    if len(raw) != 2 or not (0x81 <= raw[0] <= 0xFE) or not (0x40 <= raw[1] <= 0xFE) or raw[1] == 0x7F:
        return None
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return None


@functools.lru_cache(maxsize=1 << 16)
def _gbk_bytes(ch: str) -> bytes | None:
    """The two GBK bytes of a double-byte character, or None."""
    if ord(ch) < 0x80:
        return None
    try:
        raw = ch.encode("gb18030")
    except UnicodeEncodeError:
        return None
    return raw if len(raw) == 2 else None


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _best_window(gains: list[float]) -> tuple[int, int, float]:
    """The contiguous window with the largest total gain (Kadane): (start, end, total).

    >>> _best_window([-1.0, 3.0, 2.0, -9.0, 1.0])
    (1, 3, 5.0)
    """
    best = (0, 0, 0.0)
    start, total = 0, 0.0
    for i, g in enumerate(gains):
        if total <= 0:
            start, total = i, 0.0
        total += g
        if total > best[2]:
            best = (start, i + 1, total)
    return best


# ---------------------------------------------------------------------------
# 1. GBK frame-shift
# ---------------------------------------------------------------------------

#: Evidence needed to accept a shifted reading: its characters must gain this
#: much plausibility in total, plus this much per character replaced.
SHIFT_GAIN_BASE = 6.0
SHIFT_GAIN_BASE_MARKED = 2.0  # a `?` right before the run already says a byte was lost there
SHIFT_GAIN_PER_CHAR = 2.0
# Without a `?`, where the byte was lost is searched for too; a real character
# just before the loss, read shifted, is sometimes a common one (熬 → 据), so
# each character claimed as damaged must gain more.
SHIFT_GAIN_PER_CHAR_UNMARKED = 3.0
SHIFT_MIN_CHARS_UNMARKED = 3
TAG_EVIDENCE = 0.0  # score of a run's end that a cut tag (`?/p>`) explains
GUESS_PENALTY = -12.0  # score of a run's end whose last byte is unknown

_OPENERS = {"“": "”", "‘": "’", "《": "》", "「": "」", "『": "』", "（": "）", "【": "】", "〈": "〉"}
_QUOTES_AND_BRACKETS = set(_OPENERS) | set(_OPENERS.values())
# `?` and U+FFFD are where decoders put a byte pair they could not read.
MARKERS = "?\ufffd"
# After a frame-shift, a byte pair may decode to a full-width form (0xA3xx) that a
# later width-folding step turned into ASCII (！→!). Inside a run, such an ASCII
# sign stands between two non-ASCII characters; `?` is excluded (it is a marker).
# A full-width form keeps to the same rule as its ASCII twin (it may end a run
# only before non-ASCII text): normalisation widens `?` to `？` next to hanzi,
# and a second cleaning must see the same runs as the first.
_SIGN = r"[!->@-~\uff01-\uff5e]"  # ASCII signs, letters, digits and their full-width forms
# A run of non-ASCII characters is one repetition (`+`), not one per character:
# the regex module keeps state for every repetition of a group and gives up
# (MemoryError) on a segment of some millions of them, a page without spaces
# flattened into one line. The two alternatives never apply to the same
# character, so the match is the same.
_SHIFT_SEGMENT = regex.compile(
    rf"(?:(?<=[?\ufffd]){_SIGN}(?=[^\x00-\x7f]))?[^\x00-\x7f\uff01-\uff5e]"
    rf"(?:[^\x00-\x7f\uff01-\uff5e]+|{_SIGN}(?=[^\x00-\x7f]))*"
    rf"|(?<=[?\ufffd]){_SIGN}(?=[?\ufffd])"  # `?!?`: one folded pair between two lost bytes
)
_TAG_REST = regex.compile(r"/?[A-Za-z][A-Za-z0-9]*(?:\s[^<>\n]*)?/?>")


@dataclass(frozen=True, slots=True)
class _Unit:
    """One character of a candidate run with the two GBK bytes a decoder read for it."""

    pos: int
    char: str
    raw: bytes


def _units(text: str, start: int, end: int) -> Iterator[list[_Unit]]:
    """Split a segment into runs of characters that have two-byte GBK codes."""
    run: list[_Unit] = []
    for pos in range(start, end):
        ch = text[pos]
        raw = bytes((0xA3, ord(ch) + 0x80)) if ord(ch) < 0x80 else _gbk_bytes(ch)
        if raw is None:
            if run:
                yield run
            run = []
        else:
            run.append(_Unit(pos, ch, raw))
    if run:
        yield run


IMPLAUSIBLE_LOGPROB = -12.0  # rarer than about the 4,000th character
VANISHED_MIN_MARGIN = 2.0  # a guess for a lost lead or UTF-8 byte must beat the next best by this much


@functools.cache
def _user_defined_pairs() -> tuple[bytes, ...]:
    """GBK byte pairs in the user-defined areas, which decoders map to private use or drop."""
    pairs = []
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            ch = _gbk_pair(bytes((lead, trail)))
            if ch and "\ue000" <= ch <= "\uf8ff":
                pairs.append(bytes((lead, trail)))
    return tuple(pairs)


def _implausible(prev: str, ch: str, nxt: str) -> bool:
    """A rare character that forms no known pair with either neighbour.

    A character merged from two by a dropped pair is a random GBK code, mostly
    rare; about 0.3% of the characters of clean news prose also pass this test
    (names), which is the price of marking the merged ones inside a repaired run.
    """
    return charmodel.logprob(ch) < IMPLAUSIBLE_LOGPROB and not _pair_bonus(prev + ch) and not _pair_bonus(ch + nxt)


# ---------------------------------------------------------------------------
# 1b. Pairs the decoder dropped inside a frame-shifted run
# ---------------------------------------------------------------------------
#
# In a shifted run the decoder reads (trail of char k, lead of char k+1). When
# that pair falls in a GBK user-defined area (e.g. lead 0xAA–0xAF, trail
# 0xA1–0xFE) it decodes to private use, which the seeds' decoder deleted.
# Re-aligning then merges the lead of char k with the trail of char k+1 into
# one wrong character: 兩江新區 = 83 C9 | BD AD | D0 C2 | 85 5E, the
# dropped pair is AD D0, and the re-aligned run reads BD C2 = 铰 for 江新.
# The bytes fix half of each lost character; the ~1,600 pairs that fill in
# the other halves are scored by the character model and by the document.

#: A character of a re-aligned run is taken for a merge when its best two-character
#: reading scores this much more than the character itself. On news prose about
#: 0.35% of real characters reach it, and half of the merged ones; at 3.0 it is 0.6%
#: of real characters, and the benchmark's repaired runs lose more real characters
#: than before, so 4.0 keeps every character the stage restored without it.
MERGE_MIN_GAIN = 4.0
#: ... but only in a run long enough that holding no private-use character says the
#: decoder dropped them: about one shifted pair in five is user-defined, so a run of
#: 15 pairs from a decoder that keeps them shows none only 4% of the time.
MERGE_MIN_RUN = 15
#: Score added per side on which a reading, with its neighbour, spells a string
#: found elsewhere in the same document (兩 + 江新, 江新 + 區).
DOCUMENT_BONUS = 4.0
#: A reading is written only when it is this much (natural log: e^3 ≈ 20 times)
#: more likely than the runner-up. Of ~1,600 readings some score alike by chance:
#: at a margin of 2 one accepted character in eleven was wrong, at 3 one in sixteen.
GUESS_MIN_MARGIN = 3.0


@dataclass(frozen=True)
class _Readings:
    """Every two-character reading of one merged character, as a grid.

    Row ``i`` is a first character (the merged lead byte with one of ~20
    possible trails), column ``j`` a second one (one of ~130 possible leads
    with the merged trail byte); a cell holds the pair's context-free score,
    or -inf where the two middle bytes are not a user-defined pair. Context
    bonuses are computed once per row and per column and added by numpy,
    which keeps scoring every character of a long run affordable.
    """

    firsts: tuple[str, ...]
    seconds: tuple[str, ...]
    static: np.ndarray  # log-frequency of both characters, plus the bonus if they form a known pair

    def at(self, guess: str) -> tuple[int, int] | None:
        """Row and column of a two-character reading, if it is one."""
        try:
            i, j = self.firsts.index(guess[0]), self.seconds.index(guess[1])
        except ValueError:
            return None
        return (i, j) if np.isfinite(self.static[i, j]) else None


@functools.cache
def _user_defined_grid() -> np.ndarray:
    """A 256 × 256 table: True where (lead, trail) is a user-defined pair."""
    grid = np.zeros((256, 256), dtype=bool)
    for pair in _user_defined_pairs():
        grid[pair[0], pair[1]] = True
    return grid


@functools.cache
def _known_partners() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """For each character, those it forms a known pair with when it comes first, and when it comes second."""
    after: dict[str, set[str]] = {}
    before: dict[str, set[str]] = {}
    for pair in charmodel.model().bigrams:
        after.setdefault(pair[0], set()).add(pair[1])
        before.setdefault(pair[1], set()).add(pair[0])
    return {k: frozenset(v) for k, v in after.items()}, {k: frozenset(v) for k, v in before.items()}


def _pair_marks(chars: Sequence[str], partners: frozenset[str]) -> np.ndarray:
    """2 × BIGRAM_BONUS for each character of ``chars`` in ``partners``, else 0."""
    return np.array([2 * charmodel.BIGRAM_BONUS * (ch in partners) for ch in chars])


@functools.lru_cache(maxsize=4096)  # ~20 KB each
def _readings(merged: str) -> _Readings:
    """The readings of ``merged`` as two characters with one dropped user-defined pair between them.

    The merged character's lead byte is the first character's lead, its trail
    byte the second character's trail; the dropped pair supplies the first's
    trail and the second's lead.

    >>> grid = _readings("铰")  # BD C2
    >>> grid.at("江新") is not None, grid.at("江西") is None, int(np.isfinite(grid.static).sum()) > 1000
    (True, True, True)
    """
    raw = _gbk_bytes(merged)
    if raw is None:
        return _Readings((), (), np.zeros((0, 0)))
    user_defined = _user_defined_grid()
    leads, trails = np.flatnonzero(user_defined.any(axis=1)), np.flatnonzero(user_defined.any(axis=0))
    rows = [(b, ch) for b in leads if (ch := _gbk_pair(bytes((raw[0], b)))) and not _private(ch)]
    cols = [(b, ch) for b in trails if (ch := _gbk_pair(bytes((b, raw[1])))) and not _private(ch)]
    firsts, seconds = tuple(ch for _, ch in rows), tuple(ch for _, ch in cols)
    static = np.add.outer(
        np.array([charmodel.logprob(ch) for ch in firsts]), np.array([charmodel.logprob(ch) for ch in seconds])
    )
    after, _ = _known_partners()
    for i, a in enumerate(firsts):
        static[i] += _pair_marks(seconds, after.get(a, frozenset()))
    valid = user_defined[np.ix_([b for b, _ in rows], [b for b, _ in cols])]
    return _Readings(firsts, seconds, np.where(valid, static, -np.inf))


def _private(ch: str) -> bool:
    return "\ue000" <= ch <= "\uf8ff"


def _document_fillers(text: str, prev: str, nxt: str) -> tuple[frozenset[str], frozenset[str]]:
    """The two characters after each occurrence of ``prev``, and before each of ``nxt``, in the document.

    A name or term recurs within one article (兩江新區 28 times in seed 003),
    so a reading that, with its neighbour, spells a string found elsewhere in
    the document is strong evidence; a random reading rarely does. The
    document is the text the fixer was given, so the fixer stays a pure
    function of its input; each call scans it twice (``str.find``), cheap
    next to scoring the readings. Only hanzi, letters and digits count as
    neighbours: a punctuation mark followed by two characters is too common
    to mean anything.

    >>> after, before = _document_fillers("兩江新區說，兩江新區", "兩", "區")
    >>> sorted(after), sorted(before)
    (['江新'], ['江新'])
    """
    return _around(text, prev, 1), _around(text, nxt, -2)


def _around(text: str, ch: str, offset: int) -> frozenset[str]:
    """The two characters at ``offset`` from each occurrence of ``ch`` (1: after it, -2: before it)."""
    if not ch.isalnum():
        return frozenset()
    if len(text) >= INDEXED_TEXT:
        at = _CharIndex.of(text).positions(ch)
        return frozenset(text[i + offset : i + offset + 2] for i in at if i + offset >= 0)
    found, i = set(), text.find(ch)
    while i >= 0:
        if i + offset >= 0:
            found.add(text[i + offset : i + offset + 2])
        i = text.find(ch, i + 1)
    return frozenset(found)


#: From this length on, a text's occurrences are looked up in a :class:`_CharIndex`.
INDEXED_TEXT = 50_000


class _CharIndex:
    """Where each character occurs in one text: its positions sorted by character, once.

    Every lossy spot asks where its neighbours occur in the whole document;
    scanning for each spot cost the document's length a spot, so a long
    damaged page cost their product. Sorting the code points once (stable,
    so each character's positions stay in text order) answers each question
    with two bisections.
    """

    def __init__(self, text: str) -> None:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        self.order = np.argsort(codes, kind="stable").astype(np.int32)  # half the memory of int64
        self.sorted = codes[self.order]

    @staticmethod
    @functools.lru_cache(maxsize=2)  # the text one fixer round works on (kept alive while cached)
    def of(text: str) -> _CharIndex:
        return _CharIndex(text)

    def positions(self, ch: str) -> list[int]:
        # (the bounds in the array's own dtype: with Python ints numpy would
        # cast the whole sorted array for every lookup)
        lo, hi = np.searchsorted(self.sorted, np.array([ord(ch), ord(ch) + 1], dtype=np.uint32))
        return self.order[lo:hi].tolist()


def _reading_scores(grid: _Readings, prev: str, nxt: str, fillers: tuple[frozenset[str], ...]) -> np.ndarray:
    """Score every reading between ``prev`` and ``nxt``: the model's score plus the document's evidence."""
    after, before = _known_partners()
    left = _pair_marks(grid.firsts, after.get(prev, frozenset()))
    right = _pair_marks(grid.seconds, before.get(nxt, frozenset()))
    scores = grid.static + left[:, None] + right[None, :]
    for found in fillers:
        for guess in found:
            if len(guess) == 2 and (cell := grid.at(guess)) is not None:
                scores[cell] += DOCUMENT_BONUS
    return scores


def _as_is_score(prev: str, ch: str, nxt: str, fillers: tuple[frozenset[str], ...]) -> float:
    """The same score for the character as the decoder left it (one character, so one log-frequency)."""
    weight = 2 * charmodel.BIGRAM_BONUS
    pairs = bool(_pair_bonus(prev + ch)) + bool(_pair_bonus(ch + nxt))
    # prev + ch + nxt elsewhere in the document counts on both sides, like a two-sided reading
    seen = 2 * DOCUMENT_BONUS if nxt and ch + nxt in fillers[0] else 0.0
    return charmodel.logprob(ch) + weight * pairs + seen


def _clear_best(scores: np.ndarray) -> int | None:
    """Index of the best score if it beats the runner-up by :data:`GUESS_MIN_MARGIN` (flat, for a grid).

    >>> _clear_best(np.array([-13.0, -9.0])), _clear_best(np.array([-9.0, -10.0]))
    (1, None)
    """
    if scores.size == 0 or not np.isfinite(scores.max()):
        return None
    if scores.size > 1:
        runner_up, best = np.partition(scores, -2, axis=None)[-2:]
        if best - runner_up < GUESS_MIN_MARGIN:
            return None
    return int(np.argmax(scores))


def _marginal_winner(scores: np.ndarray, labels: Sequence[str]) -> str | None:
    """The character of a row (or column) of readings, when the likely readings agree on it.

    The readings' scores are log-likelihoods; summed (log-sum-exp) over every
    reading that shares a first (second) character, they give that
    character's own likelihood, which must beat the next one's by the same
    margin. In seed 000 ``芯片及SoC`` lost the pair between 片 and 及: 片 is
    certain (芯片), the second character is not (前 and 及 score alike).

    >>> _marginal_winner(np.array([[-9.0, -9.5], [-15.0, -16.0]]), "ab")
    'a'
    """
    with np.errstate(divide="ignore"):
        totals = np.log(np.exp(scores - scores.max()).sum(axis=1))
    best = _clear_best(totals)
    return None if best is None else labels[best]


def _unmerge(text: str, prev: str, merged: str, nxt: str, marker: str, suspect_all: bool) -> str | None:
    """What stood where ``merged`` is, if it is two characters merged by a dropped pair; else None.

    The character counts as a merge when it is implausible on its own (rare, no
    known pair with a neighbour), or, with ``suspect_all``, when its best
    two-character reading scores :data:`MERGE_MIN_GAIN` more than it does.
    Then the best reading is written if it clearly wins; failing that, each
    character on which the likely readings agree, and the marker for the other.

    >>> _unmerge("兩江新區。兩江新區", "兩", "铰", "區", "〓", False)  # the document names 兩江新區
    '江新'
    >>> _unmerge("", "芯", bytes((0xC6, 0xB0)).decode("gbk"), "S", "〓", False)  # truth 片及
    '片〓'
    >>> _unmerge("", "经", "济", "发", "〓", True) is None  # 经济发展: a real character
    True
    """
    implausible = _implausible(prev, merged, nxt)
    if not implausible and not suspect_all:
        return None
    grid = _readings(merged)
    if grid.static.size == 0:
        return None
    fillers = _document_fillers(text, prev, nxt)
    scores = _reading_scores(grid, prev, nxt, fillers)
    if not implausible and scores.max() - _as_is_score(prev, merged, nxt, fillers) < MERGE_MIN_GAIN:
        return None
    best = _clear_best(scores)
    if best is not None:
        row, column = divmod(best, len(grid.seconds))
        return grid.firsts[row] + grid.seconds[column]
    first = _marginal_winner(scores, grid.firsts) or marker
    second = _marginal_winner(scores.T, grid.seconds) or marker
    return first + second


def _confident_guess(prev: str, guesses: list[str], nxt: str, min_pairs: int) -> str | None:
    """The guess that reads best between ``prev`` and ``nxt``, if it forms known word pairs and clearly wins.

    Each guess is scored by its characters' frequencies and, twice over, by the
    known in-word pairs it forms; the best must form ``min_pairs`` pairs and
    beat the next best by :data:`VANISHED_MIN_MARGIN`.

    >>> _confident_guess("目", ["前", "钱", "潜"], "为", min_pairs=1)
    '前'
    """
    known, weight = charmodel.model().bigrams, 2 * charmodel.BIGRAM_BONUS
    scored = []
    for guess in guesses:
        score, pairs = _guess_score(guess)
        pairs += (prev + guess[0] in known) + (guess[-1] + nxt in known)
        scored.append((score + weight * pairs, pairs, guess))
    scored.sort(reverse=True)
    if not scored or scored[0][1] < min_pairs:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < VANISHED_MIN_MARGIN:
        return None
    return scored[0][2]


@functools.lru_cache(maxsize=1 << 17)
def _guess_score(guess: str) -> tuple[float, int]:
    """A guess's own log-frequency and the known pairs inside it (the context adds the rest)."""
    known = charmodel.model().bigrams
    return sum(map(charmodel.logprob, guess)), sum(guess[i : i + 2] in known for i in range(len(guess) - 1))


def _restore_vanished(text: str, seen: str, chars: list[str], after: str, marker: str) -> str:
    """Undo the merges in a re-aligned run whose decoder dropped user-defined pairs (see :func:`_unmerge`).

    ``seen`` is the run as the decoder wrote it, ``chars`` its re-aligned
    reading. A decoder that keeps user-defined pairs writes them as private
    use, about one shifted pair in five: if ``seen`` holds one, nothing was
    dropped and nothing is merged. In a short run their absence says little,
    so only implausible characters are taken for merges there
    (:data:`MERGE_MIN_RUN`).

    >>> _restore_vanished("兩江新區", "眱山聟", list("兩铰區"), "自", "〓")
    '兩江新區'
    >>> _restore_vanished("兩江新區", "眱\ue000山聟", list("兩铰區"), "自", "〓")
    '兩铰區'
    """
    if any(map(_private, seen)):
        return "".join(chars)
    suspect_all = len(seen) >= MERGE_MIN_RUN
    out = ""
    for i, ch in enumerate(chars):
        nxt = chars[i + 1] if i + 1 < len(chars) else after
        out += _unmerge(text, out[-1:], ch, nxt, marker, suspect_all) or ch
    return out


def _pair_bonus(pair: str) -> float:
    return charmodel.BIGRAM_BONUS if len(pair) == 2 and charmodel.bigram_count(pair) else 0.0


def _lost_lead(trail: int, before: str, after: str) -> str | None:
    """The character whose lead byte was lost, when its context makes it near-certain.

    Only the trail byte survived. Lead 0xA1/0xA3 give CJK punctuation, and a
    punctuation mark directly before a quote or bracket (``。”``, ``。《``) is
    the overwhelmingly common reading. Otherwise the ~90 hanzi with that trail
    are tried, and one is kept only if it forms a known word pair with a
    neighbour and clearly beats the others (``目?为止`` → ``目前为止``).

    >>> _lost_lead(0xA3, "望", "”"), _lost_lead(0xA3, "數", "混"), _lost_lead(0xB0, "目", "为")
    ('。', None, '前')
    """
    candidates = [_gbk_pair(bytes((lead, trail))) for lead in range(0x81, 0xFF)]
    if after in _QUOTES_AND_BRACKETS or after == "":
        for ch in candidates[0xA1 - 0x81], candidates[0xA3 - 0x81]:
            if ch in charmodel.PUNCTUATION_SHARE and ch not in _QUOTES_AND_BRACKETS:
                return ch
    hanzi = [ch for ch in candidates if ch and is_han(ch)]
    return _confident_guess(before[-1:], hanzi, after, min_pairs=1)


def _dangling_lead(lead: int, before: str, line_end: bool) -> str | None:
    """The character whose trail byte a decoder swallowed, when the line says which.

    A frame-shift ends at the first ASCII byte; if the byte before it was a
    lead, the decoder read ``lead + ASCII`` as one bad pair and printed ``?``.
    Lead 0xA1 is CJK punctuation: when exactly one kind of quote or bracket is
    open in the line so far, its closing mark is the only sensible reading;
    at the end of a line with nothing open, the full stop is.

    >>> _dangling_lead(0xA1, "“打造內陸開放門戶。", False), _dangling_lead(0xA1, "打造", False)
    ('”', None)
    >>> _dangling_lead(0xA1, "打造", True), _dangling_lead(0xB0, "打造", True)
    ('。', None)
    """
    if lead != 0xA1:
        return None
    line = before[before.rfind("\n") + 1 :]
    open_kinds = [c for o, c in _OPENERS.items() if line.count(o) > line.count(c)]
    if len(open_kinds) == 1 and _gbk_bytes(open_kinds[0])[:1] == bytes((lead,)):  # type: ignore[index]
        return open_kinds[0]
    return "。" if line_end and not open_kinds else None


@dataclass(frozen=True, slots=True)
class _Tail:
    """How a shifted run ends: the last character and how many following characters it absorbs."""

    text: str
    absorbed: int
    score: float
    dangling: int = 0  # a lead byte whose trail the decoder swallowed: the character is decided in context
    line_end: bool = False


def _tail(text: str, last: _Unit, nxt: int, marker: str) -> _Tail | None:
    """The end of a run whose last unit is ``last`` and whose next character is at ``nxt``."""
    trail = last.raw[1]
    if trail < 0x80:  # the decoder's pair was (trail of the last char, an ASCII byte)
        return _Tail(chr(trail), 0, charmodel.logprob(chr(trail)))
    after = text[nxt] if nxt < len(text) else ""
    if after and "\x40" <= after <= "\x7e":  # that ASCII byte was the last char's trail
        ch = _gbk_pair(bytes((trail, ord(after))))
        return _Tail(ch, 1, charmodel.logprob(ch)) if ch else None
    if after and after in MARKERS:  # the decoder read (lead, next byte) as one bad pair
        line_end = text[nxt + 1 : nxt + 2] in ("", "\n")
        # It swallowed the next byte too. A tag's `<` can be told from what
        # follows, and a cut tag is evidence of damage; a bare `?` is not.
        if _TAG_REST.match(text, nxt + 1):
            return _Tail("<", 1, TAG_EVIDENCE, trail, line_end)
        return _Tail("", 1, GUESS_PENALTY, trail, line_end)
    return None


def _shift_reads_better(text: str, start: int, end: int, spot: int) -> bool:
    """Quick look around a spot in a segment: does reading the bytes one later help at all?"""
    lo, hi = max(start, spot - LOCAL_REACH), min(end, spot + LOCAL_REACH + 1)
    for window in _units(text, lo, hi):
        if window[0].pos <= spot <= window[-1].pos:
            alt = "".join(_gbk_pair(bytes((a.raw[1], b.raw[0]))) or "\x00" for a, b in itertools.pairwise(window))
            return _reads_better("".join(u.char for u in window[:-1]), alt)
    return False


def _prefix_sums(values: list[float]) -> list[float]:
    """``[0, v0, v0+v1, ...]``: the sum of any stretch is a difference of two entries.

    >>> _prefix_sums([1.0, 2.0, 3.0])
    [0.0, 1.0, 3.0, 6.0]
    """
    sums = [0.0]
    for v in values:
        sums.append(sums[-1] + v)
    return sums


def _run_end(text: str, units: list[_Unit], shifted: list[str | None], e: int, marker: str) -> tuple[_Tail, float] | None:
    """How a run ending before unit ``e`` ends, and what its end adds to the gain (``None``: it cannot end there)."""
    n = len(units)
    nxt = units[e].pos if e < n else units[-1].pos + 1
    if e < n and units[e].char >= "\x80" and units[e - 1].raw[1] >= 0x80:
        return None  # a run can only end where the decoder met an ASCII byte
    tail = _tail(text, units[e - 1], nxt, marker)
    if tail is None:
        return None
    absorbed_score = sum(charmodel.char_scores(text[nxt : nxt + tail.absorbed]))
    # pairs across the run's end: the seen last character with what follows it, the
    # repaired one with what follows the absorbed characters
    following = text[nxt + tail.absorbed : nxt + tail.absorbed + 1]
    edge = _pair_bonus(tail.text[-1:] + following) - _pair_bonus(units[e - 1].char + text[nxt : nxt + 1])
    if e >= 2 and shifted[e - 2]:
        edge += _pair_bonus(shifted[e - 2] + tail.text[:1])  # type: ignore[operator]
    return tail, tail.score + edge - absorbed_score


def _best_shift(
    text: str, units: list[_Unit], shifted: list[str | None], marked: bool, marker: str
) -> tuple[int, int, _Tail] | None:
    """The stretch ``units[p:e]`` whose shifted reading gains most over its need, and its end.

    The gain of reading ``units[p:e]`` one byte later, less what it needs, is
    a term in ``e`` plus a term in ``p``, so for each end the best start is a
    running maximum: one pass over the run, not one per start and end. (A run
    can be a whole paragraph; on clean Traditional text the quadratic search
    was a third of the stage's time.) Without a ``?`` the start is free; with
    one it is the run's first unit. No stretch may hold a pair with no reading.
    """
    seen_acc = _prefix_sums(charmodel.char_scores("".join(u.char for u in units)))
    scores = charmodel.char_scores("".join(ch or "\x00" for ch in shifted))
    shifted_acc = _prefix_sums([s if ch else 0.0 for s, ch in zip(scores, shifted)])
    per_char = SHIFT_GAIN_PER_CHAR if marked else SHIFT_GAIN_PER_CHAR_UNMARKED
    base = SHIFT_GAIN_BASE_MARKED if marked else SHIFT_GAIN_BASE
    min_chars = 1 if marked else SHIFT_MIN_CHARS_UNMARKED
    best: tuple[float, int, int, _Tail] | None = None
    start_value, start, floor, next_p = float("-inf"), -1, 0, 0
    for e in range(1, len(units) + 1):
        if e >= 2 and shifted[e - 2] is None:
            start_value, start, floor = float("-inf"), -1, e - 1  # no stretch may hold it
        while next_p <= e - min_chars and (next_p == 0 or not marked):
            value = seen_acc[next_p] - shifted_acc[next_p] + per_char * next_p
            if next_p >= floor and value > start_value:
                start_value, start = value, next_p
            next_p += 1
        if start < 0 or (end := _run_end(text, units, shifted, e, marker)) is None:
            continue
        tail, end_gain = end
        value = shifted_acc[e - 1] + end_gain - seen_acc[e] - base - per_char * e + start_value
        if value >= 0 and (best is None or value > best[0]):
            best = (value, start, e, tail)
    return None if best is None else best[1:]


def _shift_repair(text: str, units: list[_Unit], marked: bool, marker: str) -> Fix | None:
    """Find the best frame-shifted reading of a run, or None if none is clearly better.

    The reading is worked out with the standard marker whatever ``marker`` is
    configured, so that what counts as a repair does not depend on how lost
    characters are shown. Without a ``?`` to say a byte was lost, a reading
    with more characters lost than recovered is junk read as other junk
    (``乜丛乣`` → ``〓看〓〓```), not a repair; after a ``?`` it can be right
    (``?!?/p>`` → ``〓〓</p>``: the tag is whole again).
    """
    # shifted[i]: the character formed by unit i's second byte and unit i+1's first byte
    shifted = [_gbk_pair(bytes((a.raw[1], b.raw[0]))) for a, b in itertools.pairwise(units)]
    best = _best_shift(text, units, shifted, marked, LOST_MARKER)
    if best is None:
        return None
    p, e, tail = best
    seen = text[units[p].pos : units[e - 1].pos + 1]
    middle = _restore_vanished(text, seen, shifted[p : e - 1], tail.text[:1], LOST_MARKER)  # type: ignore[arg-type]
    start = units[p].pos - (1 if marked and p == 0 else 0)
    last = tail.text
    if tail.dangling:  # which closing mark depends on the repaired line before it
        line = text[text.rfind("\n", 0, start) + 1 : start] + middle
        last = (_dangling_lead(tail.dangling, line, tail.line_end) or LOST_MARKER) + tail.text
    first = _lost_lead(units[p].raw[0], text[max(0, start - 1) : start], (middle + last)[:1]) or LOST_MARKER
    end = (units[e - 1].pos + 1) + tail.absorbed
    repaired = first + middle + last
    if not marked and 2 * repaired.count(LOST_MARKER) > len(repaired):
        return None
    return (start, end, repaired.replace(LOST_MARKER, marker), "gbk_frameshift")


def gbk_frameshift(text: str, marker: str = LOST_MARKER) -> list[Fix]:
    """Re-align GBK byte pairs after a lost byte.

    A GBK page lost one lead byte on its way to a decoder. From there every
    byte pair is misread — the trail of one character with the lead of the
    next — until the next ASCII byte puts the decoder back in step. Where the
    byte was lost a decoder printed ``?``; misread pairs that fell on full-width
    forms (0xA3xx) were later folded to ASCII (``！``→``!``). Re-encoding the run
    to GBK and reading it one byte later gives the text back; the character
    whose lead was lost is restored when its context makes it certain
    (punctuation before a quote), otherwise marked.

    >>> gbk_frameshift("寄予厚望?!毒V要》")
    [(4, 8, '。《綱', 'gbk_frameshift')]
    >>> gbk_frameshift("運行狀態如何?推進效率怎樣?")
    []
    >>> gbk_frameshift("如何?推進效率，崩罱ū蚪榻B")  # a real `?`, a silent shift further on
    [(8, 14, '〓李建彬介紹', 'gbk_frameshift')]
    """
    fixes: list[Fix] = []
    found = survey(text)
    for m in found.segments(_SHIFT_SEGMENT, text):
        spots = found.spots_in(m.start(), m.end(), "gbk_frameshift")
        if not spots and not (m.start() > 0 and text[m.start() - 1] in MARKERS):
            continue  # nothing garbled and no lost-byte sign: the fast way out
        for units in _units(text, m.start(), m.end()):
            first = units[0].pos
            # a `?` before our own marker is not a lost byte: the marker is not decoder output
            marked = first > 0 and text[first - 1] in MARKERS and units[0].char != LOST_MARKER
            if not marked and not any(first <= i <= units[-1].pos for i in spots):
                continue
            fix = _shift_repair(text, units, marked, marker)
            if fix is None and marked and any(first <= i <= units[-1].pos for i in spots):
                # The `?` was a real question mark, but a silent shift may still lie further
                # on in the run: look for it as if the `?` were not there, as a second run
                # will once normalisation has widened the `?` to `？`.
                fix = _shift_repair(text, units, False, marker)
            if fix and (not fixes or fix[0] >= fixes[-1][1]):
                fixes.append(fix)
    return fixes


# ---------------------------------------------------------------------------
# 2. Bytes decoded with the wrong codec
# ---------------------------------------------------------------------------

MISREAD_MIN_GAIN = 8.0  # total plausibility gain a re-decoded window needs
MISREAD_MIN_GAIN_PER_CHAR = 2.0
MISREAD_MIN_SCORE = -9.5  # and its mean score must look like ordinary text


@dataclass(frozen=True, eq=False)  # identity hash: the readings are constants and key a hot cache
class Misreading:
    """Bytes in encoding ``meant`` that a decoder read as ``seen``.

    Both are double-byte CJK encodings, so characters map one to one:
    re-encode each character with ``seen``, decode with ``meant``.
    """

    rule: str
    seen: str
    meant: str


BIG5_AS_GBK = Misreading("big5_as_gbk", "gb18030", "big5hkscs")
GBK_AS_BIG5 = Misreading("gbk_as_big5", "big5hkscs", "gb18030")

_NON_ASCII_RUN = regex.compile(r"[^\x00-\x7f]+")


@functools.lru_cache(maxsize=1 << 16)
def _redecode(ch: str, reading: Misreading) -> str | None:
    try:
        raw = ch.encode(reading.seen)
    except UnicodeEncodeError:
        return None
    if len(raw) != 2:
        return None
    try:
        out = raw.decode(reading.meant)
    except UnicodeDecodeError:
        return None
    return out if len(out) == 1 else None


def _accept(seen: str, repaired: str) -> bool:
    """Whether a re-decoded run is clearly the better reading of the same bytes.

    Readings of different lengths are compared by mean score, weighted by the
    repaired length.
    """
    if len(repaired) < 2:
        return False
    repaired_score = charmodel.score(repaired)
    gain = (repaired_score - charmodel.score(seen)) * len(repaired)
    return (
        gain >= max(MISREAD_MIN_GAIN, MISREAD_MIN_GAIN_PER_CHAR * len(repaired)) and repaired_score >= MISREAD_MIN_SCORE
    )


def dbcs_misreading(text: str, reading: Misreading) -> list[Fix]:
    """Re-decode windows of CJK text that one double-byte codec made of another's bytes.

    A Big5 page read as GBK turns ``中文`` into ``いゅ``; a GBK page read as Big5
    turns it into ``笢恅``. The characters map one to one, so each is compared
    with its re-decoded twin, and the window where the twins are most clearly
    better (Kadane over per-character gains) is replaced.

    >>> dbcs_misreading("新聞：いゅ呼", BIG5_AS_GBK)
    [(3, 6, '中文網', 'big5_as_gbk')]
    >>> dbcs_misreading("新闻：笢恅厙", GBK_AS_BIG5)
    [(3, 6, '中文网', 'gbk_as_big5')]
    >>> dbcs_misreading("中文网页", BIG5_AS_GBK)
    []
    """
    fixes: list[Fix] = []
    found = survey(text)
    for m in found.segments(_NON_ASCII_RUN, text):
        if not found.spots_in(m.start(), m.end(), reading.rule):
            continue  # no spot where the other reading looks any better
        run = m.group()
        twins = [_redecode(ch, reading) for ch in run]
        alt = "".join(t or ch for t, ch in zip(twins, run))
        seen_scores = charmodel.char_scores(run)
        alt_scores = charmodel.char_scores(alt)
        gains = [a - s if t else NO_READING for a, s, t in zip(alt_scores, seen_scores, twins)]
        for start, end in _windows(gains, run, alt):
            fixes.append((m.start() + start, m.start() + end, alt[start:end], reading.rule))
    return fixes


MIN_WINDOW = 3  # whole pages or fields are misread, not two characters
SHORT_WINDOW = 4  # a window this short needs a character that almost never occurs in text
NO_READING = -50.0  # gain of a character the other codec cannot read: it cannot be part of a misreading
EDGE_TOLERANCE = -1.0  # a character next to a misread window is taken along unless it reads worse than this


def _edge_joins(pair: str, other: str) -> bool:
    """Whether a character at a window's edge forms a known word pair in one reading (``pair``) only.

    >>> _edge_joins("经济", "经挤"), _edge_joins("经济", "经营")
    (True, False)
    """
    return bool(_pair_bonus(pair)) and not _pair_bonus(other)


def _windows(gains: list[float], seen: str, alt: str) -> list[tuple[int, int]]:
    """Every stretch where ``alt`` is clearly the better reading of ``seen`` (character-aligned).

    The best window (Kadane) is taken if it passes :func:`_accept`, widened
    over neighbours that read about as well either way (a common character
    whose misreading is also common and forms a word with the window only
    in the other reading: ``葫`` for ``綵`` in ``綵球``), and the search goes on
    left and right of it.

    >>> _windows([-9.0, 5.0, 6.0, 4.0, -9.0], "a婖俶樓z", "a造性加z")
    [(1, 4)]
    """
    start, end, _ = _best_window(gains)
    if end <= start or not _accept(seen[start:end], alt[start:end]):
        return []
    # A real character next to the garble can read a little better the other
    # way (拜 → 問 before 占): it stays as it is if it forms a word with the
    # repaired text only as it is (拜占, not 問占).
    while end - start > 1 and _edge_joins(seen[start] + alt[start + 1], alt[start : start + 2]):
        start += 1
    while end - start > 1 and _edge_joins(alt[end - 2] + seen[end - 1], alt[end - 2 : end]):
        end -= 1
    while (
        start > 0
        and gains[start - 1] >= EDGE_TOLERANCE
        and _edge_joins(alt[start - 1] + alt[start], seen[start - 1] + alt[start])
    ):
        start -= 1
    while (
        end < len(gains)
        and gains[end] >= EDGE_TOLERANCE
        and _edge_joins(alt[end - 1] + alt[end], alt[end - 1] + seen[end])
    ):
        end += 1
    width = end - start
    if width < MIN_WINDOW or (
        width <= SHORT_WINDOW and all(ch in charmodel.common_chars(0.999) for ch in seen[start:end])
    ):
        return []  # a few real if rare characters (旮旯, 秸秆氨) can read as a word in the other codec
    left = _windows(gains[:start], seen[:start], alt[:start])
    right = [(s + end, e + end) for s, e in _windows(gains[end:], seen[end:], alt[end:])]
    return left + [(start, end)] + right


# UTF-8 read as GBK: every three UTF-8 bytes became one and a half GBK characters.
_UTF8_CJK = regex.compile(rb"(?:[\xe2-\xe9\xef][\x80-\xbf][\x80-\xbf])+")


# Two UTF-8 characters at least: a misread run must repair to two characters
# (`_accept`), and three bytes that look like one UTF-8 character turn up by
# chance in the GBK bytes of a third of the rare names in clean news prose.
_UTF8_CJK_TWICE = regex.compile(rb"(?:[\xe2-\xe9\xef][\x80-\xbf][\x80-\xbf]){2}")


def _looks_like_utf8(near: str) -> bool:
    """Quick look: do the GBK bytes of the characters around a spot hold UTF-8 CJK text?

    >>> _looks_like_utf8("涓枃缃戦〉"), _looks_like_utf8("用的磅秤严重违")
    (True, False)
    """
    return _UTF8_CJK_TWICE.search(b"".join(_gbk_bytes(ch) or b"\x00" for ch in near)) is not None


def utf8_as_gbk(text: str, marker: str = LOST_MARKER) -> list[Fix]:
    """Re-decode runs that are UTF-8 bytes read as GBK (``涓枃`` for ``中文``).

    Each CJK character is three UTF-8 bytes; a GBK decoder makes one and a half
    characters of them, mostly rare ones (the leads 0xE4–0xE9 fall in GB2312
    level 2). Re-encoding the run to GBK gives bytes that decode as valid
    UTF-8 — a strong sign by itself, checked with the character model. An odd
    number of characters leaves one byte over, which the decoder paired with
    the next byte (an ASCII letter it swallowed) or replaced by U+FFFD (the
    character's last byte is then guessed from word pairs, or marked).

    >>> utf8_as_gbk("标题：" + "中文网页".encode("utf-8").decode("gb18030") + "。")
    [(3, 9, '中文网页', 'utf8_as_gbk')]
    >>> utf8_as_gbk("标题：" + "人民日报社".encode("utf-8").decode("gb18030", "replace") + "\\n")
    [(3, 11, '人民日报社', 'utf8_as_gbk')]
    >>> utf8_as_gbk("标题：" + "中文网".encode("utf-8").decode("gb18030", "replace") + "\\n")
    [(3, 8, '中文〓', 'utf8_as_gbk')]
    """
    fixes: list[Fix] = []
    found = survey(text)
    for m in found.segments(_NON_ASCII_RUN, text):
        if not found.spots_in(m.start(), m.end(), "utf8_as_gbk"):
            continue  # no spot whose bytes look like UTF-8
        run = m.group()
        # Inside a run, U+FFFD can only be the byte 0x80 (a continuation byte, and
        # the one byte GB18030 cannot start a character with); at the end it is
        # a byte that had nothing to pair with.
        codes = [b"\x80" if ch == "\ufffd" and i + 1 < len(run) else _gbk_bytes(ch) for i, ch in enumerate(run)]
        # byte offset of every character, so byte matches map back to characters
        offsets, raw = [], bytearray()
        for code in codes:
            offsets.append(len(raw))
            raw += code if code else b"\x00"
        offsets.append(len(raw))
        index = {off: i for i, off in enumerate(offsets)}
        data, first = bytes(raw), 0
        while first < len(run):  # a misread run starts at a character boundary
            b = _UTF8_CJK.match(data, offsets[first])
            if b is None:
                first += 1
                continue
            # the last place where both readings are at a character boundary
            end = max(off for off in offsets if b.start() <= off <= b.end() and (off - b.start()) % 3 == 0)
            last = index[end]
            upto, after = run, text[m.end() : m.end() + 1]
            if 0 < last < len(run) and run[last - 1] == "\ufffd" and b.end() == offsets[last]:
                # The U+FFFD read as 0x80 completed the stretch's last character and
                # what follows is not UTF-8: the misread field ended there, with one
                # byte left over that the decoder could not pair (a field of an odd
                # number of characters; a last character ending in 0x80 is 1 in 64).
                # The text after it is another field's: no word pair across the seam.
                upto, after = run[:last], " "
                end = max(off for off in offsets if b.start() <= off < offsets[last - 1] and (off - b.start()) % 3 == 0)
                last = index[end]
            repaired = data[b.start() : end].decode("utf-8")
            odd, last = _odd_utf8_end(data, offsets, end, last, upto, after, marker)
            repaired += odd
            seen = run[first:last]
            if _accept(seen, repaired):
                fixes.append((m.start() + first, m.start() + last, repaired, "utf8_as_gbk"))
                first = last
            else:
                first += 1
    return fixes


def _odd_utf8_end(
    data: bytes, offsets: list[int], end: int, last: int, run: str, after: str, marker: str
) -> tuple[str, int]:
    """The characters of a misread run past its last even boundary, and where the run then ends.

    With an odd count of UTF-8 characters, one byte is left over at the end.
    If the decoder paired it with an ASCII byte, that pair's second byte is an
    ASCII letter it swallowed (it comes back). If it could not pair it, it
    printed U+FFFD: the character's last byte is lost, and is guessed from
    its neighbours (the full stop at a line end) or marked.
    """
    for j in range(last, len(run)):
        code = _gbk_bytes(run[j])
        if code is None:
            break
        if code[1] < 0x80:  # (leftover byte, swallowed ASCII byte)
            try:
                return data[end : offsets[j] + 1].decode("utf-8") + chr(code[1]), j + 1
            except UnicodeDecodeError:
                break
    if run.endswith("\ufffd") and len(run) - 1 > last:
        rest = data[end : offsets[len(run) - 1]]
        if len(rest) >= 2 and 0xE2 <= rest[-2] <= 0xEF and 0x80 <= rest[-1] <= 0xBF:
            try:
                complete = rest[:-2].decode("utf-8")
            except UnicodeDecodeError:
                return "", last
            guesses = [(rest[-2:] + bytes((x,))).decode("utf-8") for x in range(0x80, 0xC0)]
            before = (data[max(0, end - 3) : end].decode("utf-8", "ignore") + complete)[-1:]
            if after in ("", "\n") and "。" in guesses:
                return complete + "。", len(run)  # at the end of a line, the full stop (as in _dangling_lead)
            return complete + (_confident_guess(before, guesses, after, min_pairs=1) or marker), len(run)
    return "", last


# GBK read as Big5 by a decoder that replaced what it could not read. A bad
# pair (lead, byte) becomes U+FFFD and costs only its first byte, so the reading
# changes step at each U+FFFD: in step, it was a GBK lead (the next character's
# first byte is that lost character's trail); out of step, a GBK trail (the
# character before it keeps its lead, and the decoder is back in step).


def _big5_bytes(ch: str) -> bytes | None:
    try:
        raw = ch.encode("big5hkscs")
    except UnicodeEncodeError:
        return None
    return raw if len(raw) == 2 else None


def _bad_big5(pair: bytes) -> bool:
    try:
        pair.decode("big5hkscs")
    except UnicodeDecodeError:
        return True
    return False


def _step_through(run: str, start: int) -> tuple[list[str | tuple[str, list[str]]], int] | None:
    """Read ``run[start:]`` as GBK bytes seen through a replacing Big5 decoder.

    Returns the characters (a string when the bytes fix it, ``(kind, candidates)``
    where one byte is lost) and where the misread stretch ends: after the last
    U+FFFD that brings the reading back in step, plus any in-step characters
    after it whose GBK reading is the better one. None if it ends out of step.
    """
    out: list[str | tuple[str, list[str]]] = []
    carry: int | None = None  # out of step: the GBK lead the last character ended with
    end = start
    i = start
    while i < len(run):
        ch = run[i]
        if carry is None:
            if ch == "\ufffd":
                nxt = _big5_bytes(run[i + 1]) if i + 1 < len(run) else None
                if nxt is None:
                    break
                trail, carry = nxt[0], nxt[1]
                found = [_gbk_pair(bytes((lead, trail))) for lead in range(0x81, 0xFF)]
                out.append(("lead", [c for lead, c in zip(range(0x81, 0xFF), found) if c and _bad_big5(bytes((lead, trail)))]))
                i += 2
                continue
            twin = _redecode(ch, GBK_AS_BIG5)
            if twin is None or charmodel.logprob(twin) <= charmodel.logprob(ch):
                break  # back to text that reads better as it is
            out.append(twin)
            end = i + 1
            i += 1
            continue
        if ch == "\ufffd":  # the trail of ``carry`` is lost; in step again
            after = _big5_bytes(run[i + 1]) if i + 1 < len(run) else None
            found = [(t, _gbk_pair(bytes((carry, t)))) for t in range(0x40, 0xFF)]
            out.append(("trail", [c for t, c in found if c and (after is None or _bad_big5(bytes((t, after[0]))))]))
            carry = None
            end = i + 1
            i += 1
            continue
        code = _big5_bytes(ch)
        pair = _gbk_pair(bytes((carry, code[0]))) if code else None
        if pair is None:
            return None
        out.append(pair)
        carry = code[1]  # type: ignore[index]
        i += 1
    if carry is not None:
        return None
    return out, end


LOSSY_EDGE_GAIN = 3.0  # the first character of a lossy Big5 stretch: its GBK twin e³ ≈ 20 times as frequent


def gbk_as_big5_lossy(text: str, marker: str = LOST_MARKER) -> list[Fix]:
    """Re-read GBK bytes that a replacing Big5 decoder read (``人都能`` → ``�侀敵``).

    Each U+FFFD stands for one byte, so the rest of the stretch is read one
    byte out of step until the next U+FFFD: the characters around each lost
    byte keep one known byte each, and are guessed from word pairs (among the
    codes Big5 cannot read, which is why the decoder failed) or marked.

    >>> raw = "情况下对每个人都能起".encode("gbk").decode("big5hkscs", "replace")
    >>> raw
    'ロ錶狟勤藩跺\ufffd侀敵剺\ufffd'
    >>> gbk_as_big5_lossy("他说：" + raw + "。")
    [(3, 14, '情况下对每个人都能〓', 'gbk_as_big5')]
    """
    if "\ufffd" not in text:
        return []
    fixes: list[Fix] = []
    for m in _NON_ASCII_RUN.finditer(text):
        run = m.group()
        first = run.find("\ufffd")
        if first < 0:
            continue
        # The stretch starts where the in-step GBK reading starts to gain; the
        # character before the first U+FFFD must gain clearly on its own, since a
        # clean character before a field often has a commoner twin (极 → 体).
        start, best, total = first, 0.0, 0.0
        for j in range(first - 1, -1, -1):
            twin = _redecode(run[j], GBK_AS_BIG5)
            if twin is None:
                break
            gain = charmodel.logprob(twin) - charmodel.logprob(run[j])
            total += gain
            if total > best and gain >= LOSSY_EDGE_GAIN:
                start, best = j, total
        stepped = _step_through(run, start)
        if stepped is None:
            continue
        chars, end = stepped
        # the next character the bytes fix, after each position (one pass from the end)
        following = [run[end : end + 1]] * (len(chars) + 1)
        for k in range(len(chars) - 1, -1, -1):
            c = chars[k]
            following[k] = c if isinstance(c, str) else following[k + 1]
        words: list[str] = []
        for k, c in enumerate(chars):
            if isinstance(c, str):
                words.append(c)
                continue
            before = words[-1] if words else run[start - 1 : start]
            words.append(_confident_guess(before, c[1], following[k + 1], min_pairs=1) or marker)
        repaired = "".join(words)
        seen = run[start:end]
        if repaired.count(marker) * 3 > len(repaired) or not _accept(seen.replace("\ufffd", ""), repaired.replace(marker, "")):
            continue
        fixes.append((m.start() + start, m.start() + end, repaired, "gbk_as_big5"))
    return fixes


# GBK read as Latin-1 / Windows-1252: each GBK byte became one Latin character.
CP1252_HIGH = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_LATIN_SIGN = re.compile("[\x80-\xff€‚ƒ„†‡ˆ‰Š‹ŒŽ•˜™š›œžŸ]")  # not only “”‘’…—, common in Chinese
_LATIN_RUN = regex.compile(f"(?:[\\x80-\\xff{CP1252_HIGH}][\\x40-\\x7e\\x80-\\xff{CP1252_HIGH}])+")


def _latin_byte(ch: str) -> int:
    o = ord(ch)
    return o if o <= 0xFF else ch.encode("cp1252")[0]


def gbk_as_latin1(text: str) -> list[Fix]:
    """Re-decode runs that are GBK bytes read as Latin-1 or Windows-1252 (``ÖÐÎÄ`` for ``中文``).

    A decoder that assumed a Western code page made one Latin character of
    every byte. A GBK character is a lead byte 0x81–0xFE and a trail byte
    0x40–0xFE, so the run is pairs of (high, high-or-ASCII) characters; taking
    the bytes back and decoding them as GBK gives the text, if it reads well.

    >>> gbk_as_latin1("标题：ÖÐÎÄÍøÒ³")
    [(3, 11, '中文网页', 'gbk_as_latin1')]
    >>> gbk_as_latin1("Müller, Straße, café")
    []
    """
    fixes: list[Fix] = []
    if not _LATIN_SIGN.search(text):
        return fixes
    for m in _LATIN_RUN.finditer(text):
        seen = m.group()
        raw = bytes(_latin_byte(ch) for ch in seen)
        try:
            repaired = raw.decode("gb18030")
        except UnicodeDecodeError:
            continue
        if not any(is_han(ch) for ch in repaired):
            continue
        if _accept(seen, repaired):
            fixes.append((m.start(), m.end(), repaired, "gbk_as_latin1"))
    return fixes


def fix_gain(text: str, fix: Fix) -> float:
    """How much more plausible a repair makes the text around it (mean score × length).

    >>> fix_gain("新聞：いゅ呼", (3, 6, "中文網", "big5_as_gbk")) > 0
    True
    """
    start, end, after, _ = fix
    before_context, after_context = text[max(0, start - 2) : start], text[end : end + 2]
    old = charmodel.score(before_context + text[start:end] + after_context)
    new = charmodel.score(before_context + after + after_context)
    return (new - old) * max(len(after), 1)


def choose(text: str, fixes: list[Fix]) -> list[Fix]:
    """Pick non-overlapping repairs, the most plausible first.

    The byte-level readings compete: the garble of one misreading can also
    be read another way that looks better than the garble without being
    right (a GBK-as-Big5 run read one byte later), so where candidates
    overlap, the one that gains most wins.

    >>> choose("ab", [(0, 2, "中文", "x"), (1, 2, "丁", "y")])
    [(0, 2, '中文', 'x')]
    """
    taken: list[Fix] = []
    # The taken fixes never overlap, so ordered by (start, end) their ends never
    # decrease: a candidate overlaps one of them exactly when the last taken fix
    # starting before the candidate's end ends after its start. Two bisections
    # instead of a look at every taken fix (a long damaged page has thousands).
    spans: list[tuple[int, int]] = []
    for fix in sorted(fixes, key=lambda f: -fix_gain(text, f)):
        before = bisect.bisect_left(spans, (fix[1], -1))  # the taken fixes starting before fix's end
        if before == 0 or spans[before - 1][1] <= fix[0]:
            bisect.insort(spans, (fix[0], fix[1]))
            taken.append(fix)
    return sorted(taken)
