"""Text → comparison form → shingle sets → MinHash signatures → LSH bands, in numpy.

This module knows nothing about documents or corpora; :mod:`pipeline.dedup`
builds the stage on top of it. Every step is a pure function over numpy arrays,
so a 3 KB document costs a handful of vectorised operations and no Python object
per character or per shingle.

Why these choices (details in ``docs/dedup.md``):

* **Comparison form** (:func:`fold`): Chinese has no spaces, and scraped copies
  of one article differ in layout — full-width or half-width digits and
  punctuation, line breaks, spaces between hanzi. None of that is content, so
  the form two documents are compared in drops punctuation, white space and
  control characters and folds width and case (NFKC + casefold).
* **Shingles** (:func:`shingle_hashes`): character n-grams of that form, hashed
  to 32 bits straight from the code points. Word splitting on ``\\W`` or on
  spaces (what other tools do) yields one token per clause, or none, in Chinese.
* **Signatures** (:func:`signature`): exactly datasketch 2.0's default
  ``affine32`` scheme — the MurmurHash3 32-bit finaliser as a pre-mix, then
  ``a * h + b mod 2**32`` with datasketch's ``a``/``b`` for the seed, drawn as
  datasketch draws them (:func:`permutations`) — so a
  signature here equals ``datasketch.MinHash(num_perm, seed, hashfunc=identity)``
  fed the same shingle hashes (a test checks it).
* **LSH bands** (:func:`band_keys`, :class:`BandIndex`): bands and rows are
  chosen as datasketch's ``MinHashLSH`` chooses them (:func:`lsh_params`,
  computed here without scipy);
  the buckets themselves are kept as sorted numpy arrays (12 bytes per band per
  document) instead of ``MinHashLSH``'s dict of Python sets (about 3.4 KB per
  document); a test checks both return the same candidates.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .lines import hash64

#: Names of the algorithms below, recorded in a saved index: an index built
#: with another comparison form or shingle hash cannot be mixed with this one.
FOLD_VERSION = "nfkc-casefold-drop-PZC-t2s/2"
#: The dedup view of a comparison form: digits folded (see :func:`view_codes`).
VIEW_VERSION = "digits-0/1"
SHINGLE_HASH = "poly64-fmix64-hi32/1"
SCHEME = "affine32"  # datasketch 2.0's default permutation scheme

#: The value of an empty signature slot (datasketch's "no element seen yet").
EMPTY = np.uint32(0xFFFFFFFF)

# Shingles are hashed in blocks so that a huge document never needs a
# (shingles × num_perm) matrix larger than about 2 MB.
_BLOCK = 4096

_U64 = np.uint64
_POLY = _U64(0x9E3779B97F4A7C15)  # odd multiplier of the polynomial n-gram hash
_FMIX64 = (_U64(33), _U64(0xFF51AFD7ED558CCD), _U64(0xC4CEB9FE1A85EC53))
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))


# -- the comparison form ------------------------------------------------------------


@functools.cache
def fold_table() -> np.ndarray:
    """For every BMP code point, what it becomes in the comparison form (0: dropped).

    Punctuation (P*), separators (Z*, i.e. spaces) and control/format/unassigned
    characters (C*) are dropped: they are layout, and scraped copies disagree
    about them (half- vs full-width commas, ``\\u3000`` indents, zero-width
    spaces). Everything else is NFKC-normalised and casefolded when that gives
    a single character (``１``→``1``, ``Ａ``→``a``, half-width katakana →
    full-width); characters whose NFKC form is several characters (``㈠``)
    stay as they are. Code points above U+FFFF are kept unchanged (CJK
    extensions, emoji). Built once per process in about 30 ms.

    >>> table = fold_table()
    >>> chr(table[ord("１")]), chr(table[ord("Ｂ")]), int(table[ord("，")]), int(table[0x3000])
    ('1', 'b', 0, 0)
    """
    table = np.zeros(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        char = chr(cp)
        if _is_layout(char):
            continue
        folded = unicodedata.normalize("NFKC", char).casefold()
        if len(folded) != 1:
            table[cp] = cp
        elif not _is_layout(folded):
            table[cp] = ord(folded)
    # Script: a Traditional hanzi folds to its Simplified form, one character for one, so a
    # Traditional mirror that no stage converted compares equal to its original (phrase-level
    # vocabulary such as 軟體/软件 is the normalise stage's job; this is the safety net).
    hanzi = np.flatnonzero((table >= 0x3400) & (table <= 0x9FFF))
    for cp, simple in zip(hanzi.tolist(), _t2s_chars([chr(int(table[c])) for c in hanzi])):
        if len(simple) == 1:
            table[cp] = ord(simple)
    table.flags.writeable = False
    return table


def _t2s_chars(chars: list[str]) -> list[str]:
    """Each character converted on its own by OpenCC ``t2s`` (one call for all of them)."""
    from .normalize import opencc_converter  # lazily: the converter is built once per process

    converted = opencc_converter("t2s")("\n".join(chars)).split("\n")
    return converted if len(converted) == len(chars) else chars


def _is_layout(char: str) -> bool:
    return unicodedata.category(char)[0] in "PZC"


def fold(text: str) -> np.ndarray:
    """The code points of ``text`` in comparison form (uint32), layout removed.

    >>> "".join(map(chr, fold("Ｈｅｌｌｏ， 世界！\\n１９９８年")))
    'hello世界1998年'
    >>> "".join(map(chr, fold("經濟 , 发展 。")))
    '经济发展'
    """
    codes, folded = _folded(text)
    return folded[folded != 0]


def _folded(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The text's code points and, position for position, their comparison form (0: dropped)."""
    # Lone surrogates can reach us from JSON escapes; "surrogatepass" keeps them
    # (they are category Cs and fold to nothing).
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    folded = fold_table()[codes & 0xFFFF]
    if codes.size and codes.max() > 0xFFFF:  # rare: keep code points beyond the BMP as they are
        astral = codes > 0xFFFF
        folded[astral] = codes[astral]
    return codes, folded


def fold_with_line_lengths(text: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`fold`, and for each code the comparison-form length of the line it came from.

    >>> codes, lengths = fold_with_line_lengths("图为记者摄。\\n正文很长的一段话")
    >>> len(codes), lengths.tolist()
    (13, [5, 5, 5, 5, 5, 8, 8, 8, 8, 8, 8, 8, 8])
    """
    raw, folded = _folded(text)
    keep = folded != 0
    line = np.cumsum(raw == 0x0A)[keep]
    lengths = np.bincount(line) if line.size else np.zeros(0, np.int64)
    return folded[keep], lengths[line]


def short_line_shingles(
    codes: np.ndarray, line_lengths: np.ndarray, n: int, short: int, shingles: np.ndarray | None = None
) -> np.ndarray:
    """The set (sorted, distinct 32-bit hashes) of n-grams that occur only within short lines.

    Captions, photo credits, one-line ads: the noise a copy may carry that no
    corpus frequency can mask. A real paragraph is a long line, so a shingle
    of it is never in this set. ``shingles`` is the document's shingle set
    when the caller has it already (it is derived otherwise).

    >>> codes, lengths = fold_with_line_lengths("图为记者摄。\\n正文很长的一段话")
    >>> short_line_shingles(codes, lengths, 3, 6).size  # 图为记 为记者 记者摄, and none across the break
    3
    """
    m = codes.size - n + 1
    if m <= 0:
        return np.empty(0, dtype=np.uint32)
    inside = (line_lengths[:m] < short) & (line_lengths[n - 1 :] < short)
    if not inside.any():  # the common case: no short line, nothing to look up
        return np.empty(0, dtype=np.uint32)
    hashes = (ngram_hashes(codes, n) >> _U64(32)).astype(np.uint32)
    if shingles is None:
        shingles = sorted_unique(hashes)
    where = np.searchsorted(shingles, hashes)
    everywhere = np.bincount(where, minlength=shingles.size)
    in_short = np.bincount(where[inside], minlength=shingles.size)
    return shingles[(in_short > 0) & (in_short == everywhere)]


def view_codes(codes: np.ndarray) -> np.ndarray:
    """The dedup view of a comparison form: every ASCII digit becomes ``0``.

    Copies of one article on different sites differ in dates, view counts,
    phone numbers and page numbers; the article's own figures are few. So
    shingles are taken over digits folded (the exact hash is not: two tables
    that differ only in their figures are not exact copies).

    >>> "".join(map(chr, view_codes(fold("2023年5月9日"))))
    '0000年0月0日'
    """
    out = codes.copy()
    out[(codes >= 0x30) & (codes <= 0x39)] = 0x30
    return out


def masked_fragments(
    text: str, n: int, is_masked: Callable[[np.ndarray], np.ndarray], limit: int = 5, width: int = 30
) -> list[str]:
    """The stretches of ``text`` covered by masked shingles, as a person reads them.

    ``is_masked`` says, for an array of shingle hashes (of the dedup view),
    which are masked. Each stretch runs from the first to the last character
    of a run of masked shingles; at most ``limit`` distinct ones, each cut to
    ``width`` characters. The stage keeps hashes only, so this is how the
    audit can show *what* was masked.

    >>> text = "本站首页新闻\\n今天的正文"
    >>> site = set(shingle_hashes(fold("本站首页新闻"), 3).tolist())
    >>> masked_fragments(text, 3, lambda h: np.isin(h, list(site)))
    ['本站首页新闻']
    """
    _, folded = _folded(text)
    where = np.flatnonzero(folded != 0)
    codes = view_codes(folded[where])
    m = codes.size - n + 1
    if m <= 0:
        return []
    masked = np.asarray(is_masked((ngram_hashes(codes, n) >> _U64(32)).astype(np.uint32)), dtype=bool)
    covered = np.zeros(codes.size, dtype=bool)
    for k in range(n):  # a shingle covers its n characters
        covered[k : k + m] |= masked
    edges = np.flatnonzero(np.diff(np.concatenate([[0], covered.astype(np.int8), [0]])))
    out = []
    for start, stop in zip(edges[::2].tolist(), edges[1::2].tolist()):
        piece = text[int(where[start]) : int(where[stop - 1]) + 1]
        piece = piece if len(piece) <= width else piece[:width] + "…"
        if piece not in out:  # a site's name in every footer line is shown once
            out.append(piece)
        if len(out) == limit:
            break
    return out


def exact_hash(codes: np.ndarray) -> int:
    """A 64-bit hash of a comparison form: equal forms, equal hashes.

    :func:`pipeline.lines.hash64` (BLAKE2b truncated to 8 bytes) of the code
    points as UTF-32LE: at a billion documents the chance of one accidental
    collision is below 3%, and a collision merges two documents the audit
    still names.

    >>> exact_hash(fold("好，的")) == exact_hash(fold("好的"))
    True
    """
    return hash64(codes.astype("<u4").tobytes())


# -- shingles ---------------------------------------------------------------------------


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, in place (one scratch array, no temporaries)."""
    shift, m1, m2 = _FMIX64
    scratch = np.empty_like(h)
    for multiplier in (m1, m2, None):
        np.right_shift(h, shift, out=scratch)
        h ^= scratch
        if multiplier is not None:
            h *= multiplier
    return h


def ngram_hashes(codes: np.ndarray, n: int) -> np.ndarray:
    """A 64-bit hash of every character n-gram of ``codes`` (code points), in text order.

    The n-gram's code points are combined by a polynomial over 64 bits and
    mixed with the MurmurHash3 64-bit finaliser: no Python string is made per
    n-gram, and any ``n`` works (packing code points into one integer would
    overflow from four characters on). Fewer than ``n`` characters: none.

    >>> h = ngram_hashes(fold("人民人民"), 2)  # 人民 民人 人民
    >>> h.dtype, len(h), bool(h[0] == h[2]), bool(h[0] == h[1])
    (dtype('uint64'), 3, True, False)
    """
    m = codes.size - n + 1
    if m <= 0:
        return np.empty(0, dtype=np.uint64)
    wide = codes.astype(np.uint64)
    h = wide[:m].copy()
    for k in range(1, n):
        h *= _POLY
        h += wide[k : k + m]
    return _fmix64(h)


def shingle_hashes(codes: np.ndarray, n: int) -> np.ndarray:
    """The set of character n-grams of ``codes`` as sorted, distinct 32-bit hashes.

    The high 32 bits of :func:`ngram_hashes` (MinHash works on 32-bit values).

    >>> codes = fold("中华人民共和国人民")
    >>> len(shingle_hashes(codes, 2))  # 中华 华人 人民 民共 共和 和国 国人 (人民 twice)
    7
    >>> shingle_hashes(fold("中国"), 3).size
    0
    """
    return sorted_unique((ngram_hashes(codes, n) >> _U64(32)).astype(np.uint32))


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` for a 1-D array, by sort and compare (several times faster in numpy 2).

    >>> sorted_unique(np.array([3, 1, 3, 2], dtype=np.uint32)).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted, distinct hash arrays.

    Two empty sets give 0.0, not datasketch's 1.0: nothing to compare is not a
    match.

    >>> jaccard(np.array([1, 2, 3, 4]), np.array([2, 3, 4, 5]))
    0.6
    >>> jaccard(np.array([], dtype=np.uint32), np.array([], dtype=np.uint32))
    0.0
    """
    if a.size > b.size:
        a, b = b, a
    if a.size == 0:
        return 0.0
    where = np.searchsorted(b, a)
    np.minimum(where, b.size - 1, out=where)
    common = int(np.count_nonzero(b[where] == a))
    return common / (a.size + b.size - common)


# -- MinHash signatures -------------------------------------------------------------------


@functools.cache
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters ``(a, b)`` as column vectors.

    Drawn as ``datasketch.MinHash._init_permutations`` draws them for affine32
    (``RandomState(seed)``: odd ``a``, then ``b``, 32 bits each), without
    importing datasketch, whose package import pulls in scipy (half a second
    of start-up). A test checks them against the installed datasketch.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.ascontiguousarray(a)[:, None], np.ascontiguousarray(b)[:, None]


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser: datasketch's pre-mix before the permutations.

    >>> int(fmix32(np.array([1], dtype=np.uint32))[0])
    1364076727
    """
    s1, m1, s2, m2 = _FMIX32
    h = h ^ (h >> s1)
    h *= m1
    h ^= h >> s2
    h *= m2
    h ^= h >> s1
    return h


def signature(hashes: np.ndarray, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """The MinHash signature (uint32[num_perm]) of a set of 32-bit hash values.

    Identical to ``datasketch.MinHash(num_perm, seed, hashfunc=lambda v: v)``
    after ``update_batch(hashes)``. An empty set gives the empty signature (all
    ``0xFFFFFFFF``), as in datasketch.

    >>> from datasketch import MinHash
    >>> m = MinHash(num_perm=16, hashfunc=lambda v: v)
    >>> m.update_batch([7, 42, 2**32 - 1])
    >>> bool((signature(np.array([7, 42, 2**32 - 1], dtype=np.uint32), 16) == m.hashvalues).all())
    True
    """
    a, b = permutations(num_perm, seed)
    out = np.full(num_perm, EMPTY, dtype=np.uint32)
    mixed = fmix32(hashes.astype(np.uint32, copy=False))
    for start in range(0, mixed.size, _BLOCK):
        block = np.multiply(a, mixed[start : start + _BLOCK])  # (num_perm, block), wraps mod 2**32
        block += b
        np.minimum(out, block.min(axis=1), out=out)
    return out


def signature_and_argmin(hashes: np.ndarray, num_perm: int = 128, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """:func:`signature`, and for each slot the shingle hash that gave its minimum.

    The second array lets :func:`masked_signature` drop masked shingles from a
    signature later without recomputing it: a slot whose minimum came from a
    shingle that stays keeps its value. (An empty set: all slots ``EMPTY``,
    arg-hashes 0.)

    >>> sig, arg = signature_and_argmin(np.array([7, 42], dtype=np.uint32), 4)
    >>> bool((sig == signature(np.array([7, 42], dtype=np.uint32), 4)).all()), set(arg.tolist()) <= {7, 42}
    (True, True)
    """
    a, b = permutations(num_perm, seed)
    out = np.full(num_perm, EMPTY, dtype=np.uint32)
    arg = np.zeros(num_perm, dtype=np.uint32)
    hashes = hashes.astype(np.uint32, copy=False)
    mixed = fmix32(hashes)
    slots = np.arange(num_perm)
    for start in range(0, mixed.size, _BLOCK):
        block = np.multiply(a, mixed[start : start + _BLOCK])
        block += b
        where = block.argmin(axis=1)
        values = block[slots, where]
        better = values < out
        out[better] = values[better]
        arg[better] = hashes[start + where[better]]
    return out, arg


def masked_signature(
    sig: np.ndarray, arg: np.ndarray, kept: np.ndarray, masked_arg: np.ndarray, seed: int = 1
) -> np.ndarray:
    """The signature of the shingle set ``kept`` (a subset), from the full set's ``sig`` and ``arg``.

    ``masked_arg`` says which slots' minimum came from a masked shingle: only
    those slots are recomputed over ``kept``, so masking a few template
    shingles costs a few slots, not a whole signature. Equal to
    ``signature(kept)`` (a test checks it).
    """
    if not masked_arg.any():
        return sig
    out = sig.copy()
    a, b = permutations(len(sig), seed)
    slots = np.flatnonzero(masked_arg)
    if kept.size == 0:
        out[slots] = EMPTY
        return out
    mixed = fmix32(kept.astype(np.uint32, copy=False))
    best = np.full(len(slots), EMPTY, dtype=np.uint32)
    for start in range(0, mixed.size, _BLOCK):
        block = np.multiply(a[slots], mixed[start : start + _BLOCK])
        block += b[slots]
        np.minimum(best, block.min(axis=1), out=best)
    out[slots] = best
    return out


def containment(a: np.ndarray, b: np.ndarray) -> tuple[int, int, int]:
    """``(common, len(a), len(b))`` of two sorted, distinct hash arrays: every set measure from it.

    >>> containment(np.array([1, 2, 3]), np.array([2, 3, 4, 5]))
    (2, 3, 4)
    """
    if a.size == 0 or b.size == 0:
        return 0, a.size, b.size
    small, large = (a, b) if a.size <= b.size else (b, a)
    where = np.searchsorted(large, small)
    np.minimum(where, large.size - 1, out=where)
    return int(np.count_nonzero(large[where] == small)), a.size, b.size


# -- LSH ---------------------------------------------------------------------------------


@functools.cache
def lsh_params(threshold: float, num_perm: int, recall_weight: float) -> tuple[int, int]:
    """(bands, rows) as ``datasketch.MinHashLSH`` chooses them for the threshold.

    ``recall_weight`` is MinHashLSH's false-negative weight (the false-positive
    weight is ``1 - recall_weight``): missed pairs cannot be recovered later,
    extra candidates are removed by verification, so recall weighs more.

    Computed here as MinHashLSH computes it (minimise the weighted areas of
    false positives below the threshold and false negatives above it over
    every ``b × r ≤ num_perm``), with a fixed-step Simpson rule instead of
    ``scipy.integrate.quad``: importing datasketch's LSH imports scipy, half a
    second of start-up for every worker. A test checks the choice against
    datasketch over a grid of thresholds.

    >>> lsh_params(0.8, 128, 0.9)
    (14, 9)
    """
    fp_weight, fn_weight = 1.0 - recall_weight, recall_weight
    below = np.linspace(0.0, threshold, 1025)
    above = np.linspace(threshold, 1.0, 1025)
    best, choice = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = _simpson(1.0 - (1.0 - below**r) ** b, threshold)
            fn = _simpson((1.0 - above**r) ** b, 1.0 - threshold)
            error = fp * fp_weight + fn * fn_weight
            if error < best:
                best, choice = error, (b, r)
    return choice


def _simpson(values: np.ndarray, width: float) -> float:
    """Simpson's rule over equally spaced ``values`` (an odd count) spanning ``width``."""
    h = width / (len(values) - 1)
    return float(h / 3 * (values[0] + values[-1] + 4 * values[1:-1:2].sum() + 2 * values[2:-1:2].sum()))


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per band: two documents share a band's bucket when its rows agree.

    ``signatures`` is (documents, num_perm); the result is (documents, bands).
    Band ``i`` covers columns ``i*rows .. (i+1)*rows - 1``, as in MinHashLSH.
    Distinct rows give equal keys with probability 2**-64 per pair; verification
    would catch it anyway.

    >>> sigs = np.array([[1, 2, 3, 4], [1, 2, 3, 5]], dtype=np.uint32)
    >>> keys = band_keys(sigs, bands=2, rows=2)
    >>> bool(keys[0, 0] == keys[1, 0]), bool(keys[0, 1] == keys[1, 1])
    (True, False)
    """
    keys = np.empty((signatures.shape[0], bands), dtype=np.uint64)
    for band in range(bands):
        seed = _U64(((band + 1) * int(_POLY)) % 2**64)  # a different start per band
        h = np.full(signatures.shape[0], seed, dtype=np.uint64)
        for column in range(band * rows, (band + 1) * rows):
            h ^= signatures[:, column].astype(np.uint64)
            h *= _POLY
        keys[:, band] = _fmix64(h)
    return keys


@dataclass(frozen=True)
class BandIndex:
    """LSH buckets as sorted arrays: per band, the keys in order and who holds them.

    ``sorted_keys[i]`` are band ``i``'s keys in ascending order and
    ``holders[i]`` the positions (in the array the index was built from) they
    belong to. A bucket is a run of equal keys, found by binary search.
    """

    sorted_keys: np.ndarray  # (bands, documents) uint64
    holders: np.ndarray  # (bands, documents) int32 positions

    @classmethod
    def build(cls, keys: np.ndarray) -> BandIndex:
        """Index (documents, bands) keys; ties keep input order, so lookups are deterministic.

        One band at a time, so building needs no more than the index itself
        and one band's sort order besides ``keys``.
        """
        count, bands = keys.shape
        sorted_keys = np.empty((bands, count), dtype=np.uint64)
        holders = np.empty((bands, count), dtype=np.int32)
        for band in range(bands):
            order = np.argsort(keys[:, band], kind="stable")
            holders[band] = order
            sorted_keys[band] = keys[order, band]
        return cls(sorted_keys, holders)

    @property
    def bands(self) -> int:
        return self.sorted_keys.shape[0]

    @property
    def nbytes(self) -> int:
        return self.sorted_keys.nbytes + self.holders.nbytes

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For (queries, bands) keys, the bucket bounds ``lo, hi`` (queries, bands) per band."""
        lo = np.empty(keys.shape, dtype=np.int64)
        hi = np.empty(keys.shape, dtype=np.int64)
        for band in range(self.bands):
            lo[:, band] = np.searchsorted(self.sorted_keys[band], keys[:, band], side="left")
            hi[:, band] = np.searchsorted(self.sorted_keys[band], keys[:, band], side="right")
        return lo, hi

    def members(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Distinct positions in the buckets ``lo[i]:hi[i]`` of bands ``i`` (one query's row)."""
        parts = [self.holders[band, lo[band] : hi[band]] for band in range(self.bands) if hi[band] > lo[band]]
        if not parts:
            return np.empty(0, dtype=np.int32)
        return sorted_unique(np.concatenate(parts))

    def shared(self) -> np.ndarray:
        """Whether each indexed position shares some band's bucket with another position.

        Read off the sorted keys (a bucket of two or more is a run of equal
        neighbours), one band at a time: nothing is kept per position and band.

        >>> keys = np.array([[1, 2], [1, 3], [4, 5]], dtype=np.uint64)
        >>> BandIndex.build(keys).shared().tolist()
        [True, True, False]
        """
        count = self.sorted_keys.shape[1]
        found = np.zeros(count, dtype=bool)
        in_run = np.zeros(count, dtype=bool)
        for keys, holders in zip(self.sorted_keys, self.holders):
            same = keys[1:] == keys[:-1]
            in_run[:] = False
            in_run[1:] |= same
            in_run[:-1] |= same
            found[holders[in_run]] = True
        return found
