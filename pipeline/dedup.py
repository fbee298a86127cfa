"""Near-duplicate detection: exact hash, MinHash LSH, verification, non-chaining clusters.

Real crawls carry the same article many times: the same wire story on ten
sites with different boilerplate, a Traditional-script mirror of a Simplified
page, a re-post with a paragraph added or a few characters changed. This stage
keeps one copy and names, for every document it drops, the copy it kept and
how similar the two are.

How a document is compared (the dedup view, issue 14)
    The *comparison form* of its clean text (:func:`pipeline.minhash.fold`:
    punctuation, spaces and control characters dropped, width and case
    folded, Traditional hanzi folded to Simplified one for one), digits
    folded (:func:`pipeline.minhash.view_codes`), cut into character n-grams.
    Shingles frequent across the corpus — site templates, shared boilerplate,
    stock phrases — are **masked**: ``merge`` counts their document frequency
    while the states stream in (:class:`pipeline.dedup_index.FrequencyTable`)
    and masks those in at least max(``mask_min_documents``, ``mask_rate`` × N)
    documents. The standalone ``cleancorpus dedup`` command runs the text
    stages on a *copy* of each document first (``prepare``), compares the
    copies and writes the originals unchanged.

What is a duplicate (in this order)
    1. **Exact**: equal comparison forms (a 64-bit hash) — cheap and certain;
       it also catches documents too short for MinHash.
    2. **Earlier corpus** (``against``): a document equal to, or a verified
       copy of, a document of an earlier output's saved index is dropped in
       favour of that earlier document (both masked with the summed
       frequencies).
    3. **Near**: LSH bands over the *masked* signatures propose candidates;
       every candidate is **verified** on the two masked shingle sets
       (:class:`Judge`): resemblance ≥ ``threshold``, or containment ≥
       ``containment`` of the smaller in the larger when the smaller is at
       least ``min_ratio`` of it (a truncated or extended copy). The audit
       names the measure that decided and its value.

Clusters never chain
    Union-find over LSH edges merges A~B~C into one cluster even when A and C
    are unrelated, which is how one public run merged 859,091 documents. Here
    documents are visited in survivor order (least removed as noise, then a
    Simplified original before a converted mirror, then most content, then
    lowest id, then input order); an unclaimed document becomes a *survivor*
    and claims every still-unclaimed candidate verified a copy *of it*. A
    claimed document never claims others, so every dropped document is
    verified against its own survivor; the benchmark measures chains.

Memory
    At its peak, while it clusters, ``merge`` holds about 330 bytes per
    document plus its id and source, and 32 bytes per LSH band of each
    minhashed document (37 bands): about 1.5 KB per document, reported as
    ``state_bytes_per_document``, plus the 16 MB frequency table. Signatures,
    shingle sets and masked sets go to temporary files and become the saved
    index (:mod:`pipeline.dedup_index`).
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
import weakref
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from . import __version__
from .dedup_index import (
    FrequencyTable,
    IndexBuilder,
    IndexData,
    IndexParams,
    StringTable,
    check_index,
    load_index,
    write_index,
)
from .document import Document
from .io import atomic_write
from .dedup_index import MASK_BITS
from . import text_stages
from .minhash import (
    FOLD_VERSION,
    SCHEME,
    SHINGLE_HASH,
    VIEW_VERSION,
    BandIndex,
    band_keys,
    containment,
    exact_hash,
    fold_with_line_lengths,
    masked_fragments,
    lsh_params,
    masked_signature,
    shingle_hashes,
    short_line_shingles,
    signature_and_argmin,
    view_codes,
)

#: The stages the standalone command runs on a copy of each document before
#: comparing, so it compares what the full pipeline would: repaired,
#: Simplified, punctuation-normalised text without the boilerplate the rules
#: know or the repeated paragraphs and stuffed keywords inside a document.
#: (Corpus-level boilerplate is left out: it needs a pass over the whole corpus
#: before any document can be compared.)
TEXT_STAGES: tuple[str, ...] = ("whitespace", "repair", "normalize", "rules", "repetition")

EXACT = "exact_duplicate"
NEAR = "near_duplicate"
_KEEP, _EXACT, _NEAR = 0, 1, 2
_REASONS = {_EXACT: EXACT, _NEAR: NEAR}
#: Which measure decided a drop (the audit names it).
_NO_MEASURE, _M_EXACT, _RESEMBLANCE, _CONTAINMENT = 0, 1, 2, 3
MEASURES = {_M_EXACT: "exact", _RESEMBLANCE: "resemblance", _CONTAINMENT: "containment"}
#: Stages whose removals count as "removed as noise" when choosing the survivor.
NOISE_STAGES = frozenset({"rules", "spam", "stuffing", "furniture", "repetition", "boilerplate"})
#: The noise share is compared in steps of this size: a few characters of difference in what the
#: cleaning took out must not make a truncated copy beat the complete one.
NOISE_STEP = 0.1
#: Lines shorter than this (comparison-form characters) are "short": captions, credits, ad lines.
SHORT_LINE = 40
#: Clusters up to this size get every pairwise measure in the clusters file (``--explain``).
MAX_PAIRWISE = 12

#: Where the full list of clusters goes in the output folder.
CLUSTERS_FILE = "dedup/clusters.jsonl"
#: How many clusters report.json lists (all are in the clusters file).
MAX_LISTED_CLUSTERS = 20
#: Documents whose LSH buckets are looked up at a time.
QUERY_BLOCK = 4096


# -- what observe() keeps of a document ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Observation:
    """One document's compact state: a few numbers, its signature and shingle set."""

    seq: int
    id: str
    source: str
    length: int  # characters of the comparison form: "most complete" means most content
    exact: int | None  # hash of the comparison form; None when it is empty
    signature: np.ndarray | None  # uint32[num_perm] of the unmasked view; None when too short
    shingles: np.ndarray  # sorted distinct shingle hashes of the view; empty when too short
    argmins: np.ndarray | None = None  # per signature slot, the shingle that gave its minimum
    noise: float = 0.0  # share of the document the cleaning stages removed as noise
    converted: bool = False  # converted from another script (a mirror), not an original
    short: np.ndarray | None = None  # the shingles that occur only inside short lines


@functools.cache
def _prepare_steps(names: tuple[str, ...]) -> tuple[Any, ...]:
    by_name = {cls.name: cls for cls in text_stages.PER_DOCUMENT}
    return tuple(by_name[name]() for name in names)


def prepared_document(doc: Document, names: tuple[str, ...]) -> Document:
    """``doc`` after the named per-document stages, as a copy (``doc`` itself when none are named)."""
    if not names:
        return doc
    copy = Document(doc.id, doc.text, doc.source, doc.seq, dict(doc.meta), list(doc.edits))
    for step in _prepare_steps(names):
        text = copy.text
        try:
            copy = step.apply(copy)
        except Exception as exc:  # noqa: BLE001 - reported; the comparison goes on
            copy.text = text
            doc.warn("dedup", f"preparing with {step.name} failed, compared without it: {type(exc).__name__}: {exc}")
    return copy


def noise_share(doc: Document) -> float:
    """Share of the document the cleaning stages removed as noise (ads, footers, repeats...).

    >>> doc = Document("a.txt", "正文。广告")
    >>> _ = doc.replace([(3, 5, "")], stage="rules", rule="ad")
    >>> noise_share(doc)
    0.4
    """
    removed = sum(edit.removed_chars for edit in doc.edits if edit.stage in NOISE_STAGES)
    total = removed + len(doc.text)
    return removed / total if total else 0.0


def prepared_text(doc: Document, names: tuple[str, ...]) -> str:
    """The text the named per-document stages would make of ``doc``; ``doc`` is untouched.

    The standalone command compares documents in the form the full pipeline
    would give them, yet writes them as they came: the stages run on a copy.
    A stage that fails leaves the copy as it was (and warns on ``doc``).

    >>> doc = Document("a.txt", "好 \\r\\n\\n\\n\\n的")
    >>> prepared_text(doc, ("whitespace",)), doc.text
    ('好\\n\\n的', '好 \\r\\n\\n\\n\\n的')
    """
    return prepared_document(doc, names).text


# -- decisions over the whole corpus (functions of numpy arrays) ------------------------


@dataclass
class Decisions:
    """Per observed document (row): kept, or dropped in favour of which survivor."""

    reason: np.ndarray  # uint8: _KEEP, _EXACT, _NEAR
    survivor: np.ndarray  # int64: survivor row (in this batch, or in earlier index ``earlier``)
    earlier: np.ndarray  # int16: -1 this batch, k: the k-th ``against`` index
    similarity: np.ndarray  # float64: the deciding measure's value with the survivor (1.0 for exact)
    measure: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))  # uint8: MEASURES
    candidates: int = 0  # candidate pairs verified
    linked: int = 0  # of which duplicates
    skipped: int = 0  # LSH candidates not verified: estimated far below any duplicate

    @classmethod
    def empty(cls, n: int) -> Decisions:
        return cls(
            np.zeros(n, np.uint8), np.full(n, -1, np.int64), np.full(n, -1, np.int16), np.zeros(n, np.float64),
            np.zeros(n, np.uint8),
        )


# -- masking and verification -----------------------------------------------------------------


def mask_cutoff(documents: int, rate: float, min_documents: int) -> int:
    """Document frequency from which a shingle is masked: ``rate`` of the corpus, at least ``min_documents``.

    >>> mask_cutoff(100_000, 0.01, 30), mask_cutoff(500, 0.01, 30)
    (1000, 30)
    """
    return max(min_documents, int(np.ceil(rate * documents)))


@dataclass(frozen=True)
class Masker:
    """Which shingles are too frequent across the corpus to say two documents are copies."""

    frequency: FrequencyTable
    cutoff: int

    def masked(self, shingles: np.ndarray) -> np.ndarray:
        return self.frequency.of(shingles) >= self.cutoff

    def keep(self, shingles: np.ndarray) -> np.ndarray:
        return shingles[~self.masked(shingles)]


@dataclass(frozen=True)
class Judge:
    """When two masked shingle sets are copies of one article, and which measure says so.

    Resemblance (Jaccard) at least ``threshold``: the same article in other
    dress. Otherwise containment — the share of the smaller set found in the
    larger — at least ``containment``, when the smaller is at least
    ``min_ratio`` of the larger: a truncated or extended copy. The ratio
    keeps a short text that quotes one paragraph of a long article (or *is*
    that paragraph) from counting as its copy.

    ``unique`` is how many shingles of the smaller set occur in no other
    document of the corpus and only inside short lines (a caption, a photo
    credit, a one-line ad only this copy carries). Up to ``unique_budget`` of
    the smaller set, they are not counted against containment: noise that no
    frequency can mask must not hide a truncated copy. A real paragraph is a
    long line and is never excused, and neither is anything another document
    shares, so an article that is one quoted paragraph and a line of its own
    stays apart from the article it quotes.

    >>> judge = Judge(0.75, 0.9, 0.5, unique_budget=0.15)
    >>> judge(80, 100, 100)  # 80 common of 100 and 100: Jaccard 0.67, containment 0.8
    (0, 0.6667)
    >>> judge(95, 100, 180)  # a 100-shingle copy 95% inside a 180-shingle one
    (3, 0.95)
    >>> judge(95, 100, 250)  # ... inside one 2.5 times as long: a quote, not a copy
    (0, 0.3725)
    >>> judge(80, 100, 150), judge(80, 100, 150, unique=12)  # 12 shingles no other document has
    ((0, 0.4706), (3, 0.9091))
    """

    threshold: float
    containment: float
    min_ratio: float
    unique_budget: float = 0.0

    def __call__(self, common: int, a: int, b: int, unique: int = 0) -> tuple[int, float]:
        if a == 0 or b == 0:
            return _NO_MEASURE, 0.0
        resemblance = common / (a + b - common)
        if resemblance >= self.threshold:
            return _RESEMBLANCE, round(resemblance, 4)
        small, large = min(a, b), max(a, b)
        contained = common / (small - min(unique, int(self.unique_budget * small)))
        if contained >= self.containment and small >= self.min_ratio * large:
            return _CONTAINMENT, round(contained, 4)
        return _NO_MEASURE, round(resemblance, 4)


class MaskedSets:
    """Rows' shingle sets with the masked shingles taken out, read from disk on demand.

    :func:`masked_keys` writes every row it masks to a temporary file
    (:meth:`store`), so verifying a candidate is one read; other rows (exact
    copies, for the clusters file) are masked when asked for. A survivor is
    compared with all its candidates in a row, so the last few sets are kept.
    """

    def __init__(self, data: IndexData, masker: Masker) -> None:
        self.data, self.masker = data, masker
        self._cache: dict[int, tuple[np.ndarray, int]] = {}
        self._file: Any = None
        self._start = np.full(len(data), -1, dtype=np.int64)  # -1: not stored
        self._size = np.zeros(len(data), dtype=np.int32)
        self._unique = np.zeros(len(data), dtype=np.int32)
        self._written = 0
        self._dirty = False

    def store(self, row: int, kept: np.ndarray, short: np.ndarray) -> None:
        """Keep a row's masked set (and its excusable unique count) on disk for verification."""
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="cleancorpus-masked-")
        self._file.write(kept.astype("<u4", copy=False).tobytes())
        self._dirty = True
        self._start[row], self._size[row] = self._written, kept.size
        self._unique[row] = self._unique_of(short)
        self._written += kept.size

    def _unique_of(self, short: np.ndarray) -> int:
        # only short lines' shingles may be excused, and only those no other document has
        return int(np.count_nonzero(self.masker.frequency.of(short) == 1))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def of(self, row: int) -> np.ndarray:
        return self._get(row)[0]

    def unique(self, row: int) -> int:
        """How many of the row's masked set occur in this document only (document frequency 1)."""
        return self._get(row)[1]

    def _get(self, row: int) -> tuple[np.ndarray, int]:
        found = self._cache.get(row)
        if found is None:
            if len(self._cache) >= 64:
                self._cache.clear()
            if self._file is not None and self._start[row] >= 0:
                if self._dirty:  # written through a buffer: flush once before the first read
                    self._file.flush()
                    self._dirty = False
                data = os.pread(self._file.fileno(), 4 * int(self._size[row]), 4 * int(self._start[row]))
                found = (np.frombuffer(data, dtype="<u4"), int(self._unique[row]))
            else:
                found = (self.masker.keep(self.data.shingles_of(row)), self._unique_of(self.data.short_of(row)))
            self._cache[row] = found
        return found


def sketch_similarity(sketch: np.ndarray, p: int, others: np.ndarray) -> np.ndarray:
    """Estimated Jaccard of row ``p`` with ``others`` from the low bytes of their masked signatures.

    Two slots agree by accident with probability 1/256, which the estimate
    takes out (b-bit MinHash). Used only to *skip* verifying pairs far below
    any duplicate; every pair it lets through is verified exactly.

    >>> sk = np.array([[1, 2, 3, 4], [1, 2, 3, 9], [7, 8, 9, 9]], dtype=np.uint8)
    >>> sketch_similarity(sk, 0, np.array([1, 2])).round(3).tolist()
    [0.749, -0.004]
    """
    agree = (sketch[others] == sketch[p]).mean(axis=1)
    return (agree - 1 / 256) / (1 - 1 / 256)


def verify_pair(judge: Judge, sets_u: MaskedSets, sets_v: MaskedSets, u: int, v: int) -> tuple[int, float]:
    """The judge's verdict on two rows' masked sets (the smaller one's unique shingles excused)."""
    common, a, b = containment(sets_u.of(u), sets_v.of(v))
    return judge(common, a, b, sets_u.unique(u) if a <= b else sets_v.unique(v))


def masked_keys(
    data: IndexData, rows: np.ndarray, masker: Masker, stage: Dedup, sets: MaskedSets | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """LSH keys of ``rows`` (increasing) after masking; the rows with enough left; masked counts.

    A row keeps its signature slots whose minimum came from a shingle that
    stays (:func:`pipeline.minhash.masked_signature`); only the others are
    recomputed. Rows with fewer than ``stage.min_shingles`` shingles left are
    left out (matched exactly only). Returns ``(kept_rows, keys, masked,
    sketch)``: ``masked[i]`` the number of masked shingles of ``rows[i]``,
    ``sketch`` the low byte of each kept row's masked signature (128 bytes a
    row, for :func:`sketch_similarity`). The masked sets go to ``sets``.
    """
    bands, r = stage.lsh
    masked_counts = np.zeros(len(rows), dtype=np.int64)
    kept_rows = np.empty(len(rows), dtype=np.int64)
    keys = np.empty((len(rows), bands), dtype=np.uint64)  # filled from the top: no second copy
    sketch = np.empty((len(rows), data.num_perm), dtype=np.uint8)
    done = filled = 0
    for (chosen, sigs), (_, args) in zip(data.signatures_of(rows), data.argmins_of(rows)):
        good = np.zeros(len(chosen), dtype=bool)
        out = np.empty_like(sigs)
        for i, row in enumerate(chosen.tolist()):
            shingles = data.shingles_of(row)
            masked = masker.masked(shingles)
            masked_counts[done + i] = int(masked.sum())
            kept = shingles[~masked]
            if kept.size >= stage.min_shingles:
                good[i] = True
                out[i] = masked_signature(sigs[i], args[i], kept, masker.masked(args[i]), stage.seed)
                if sets is not None:
                    sets.store(row, kept, data.short_of(row))
        count = int(good.sum())
        kept_rows[filled : filled + count] = chosen[good]
        keys[filled : filled + count] = band_keys(out[good], bands, r)
        sketch[filled : filled + count] = out[good] & 0xFF
        done += len(chosen)
        filled += count
    return kept_rows[:filled], keys[:filled], masked_counts, sketch[:filled]


def survivor_order(lengths: np.ndarray, ids: StringTable, primary: np.ndarray | None = None) -> np.ndarray:
    """Row numbers best-survivor first: ``primary`` (smaller first), most content, lowest id, input order.

    ``primary`` is the noise step and the mirror flag (:func:`survivor_primary`).

    ``lengths`` count characters of the comparison form, so a copy padded with
    spaces or punctuation is not "more complete" than the original.

    >>> ids = StringTable()
    >>> for name in ("c", "b", "a"): ids.append(name)
    >>> survivor_order(np.array([5, 9, 5]), ids).tolist()
    [1, 2, 0]

    Ids are compared only among rows of equal length, a group at a time, so
    no Python object is made per row of the corpus at once.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    primary = np.zeros(len(lengths), np.int64) if primary is None else np.asarray(primary, dtype=np.int64)
    order = np.lexsort((np.arange(len(lengths)), -lengths, primary))
    ties = np.flatnonzero(np.diff(lengths[order]) | np.diff(primary[order])) + 1
    for group in np.split(order, ties):  # views into ``order``
        if len(group) > 1:
            group[:] = sorted(group.tolist(), key=ids.__getitem__)  # stable: input order among equal ids
    return order


def survivor_primary(noise: np.ndarray, converted: np.ndarray) -> np.ndarray:
    """What decides the survivor before content length: the noise step, then original before mirror.

    >>> survivor_primary(np.array([0.0, 0.05, 0.25, 0.0]), np.array([False, True, False, True])).tolist()
    [0, 1, 4, 1]
    """
    steps = np.floor(np.asarray(noise, dtype=np.float64) / NOISE_STEP + 1e-9).astype(np.int64)
    return steps * 2 + np.asarray(converted, dtype=np.int64)


def survivor_reason(primary: tuple[int, int], length: tuple[int, int], ids: tuple[str, str]) -> str:
    """Why the survivor (first of each pair) was kept rather than the dropped document (second).

    >>> survivor_reason((0, 1), (10, 20), ("a", "b")), survivor_reason((0, 0), (20, 10), ("b", "a"))
    ('Simplified original over converted mirror', 'longer content')
    """
    if primary[0] // 2 != primary[1] // 2:
        return "less removed as noise"
    if primary[0] != primary[1]:
        return "Simplified original over converted mirror"
    if length[0] != length[1]:
        return "longer content"
    if ids[0] != ids[1]:
        return "lower id"
    return "earlier in the input"


def exact_representatives(exact: np.ndarray, has_key: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """For every row, the best-ranked row with the same comparison form (itself if it is that row).

    Rows without a comparison form (empty text) represent themselves: there is
    nothing to compare.

    >>> exact = np.array([7, 3, 7], np.uint64)
    >>> exact_representatives(exact, np.array([True, True, True]), rank=np.array([2, 0, 1])).tolist()
    [2, 1, 2]
    """
    rep = np.arange(len(exact), dtype=np.int64)
    rows = np.flatnonzero(has_key)
    ordered = rows[np.lexsort((rank[rows], exact[rows]))]
    if ordered.size:
        starts = np.concatenate([[True], exact[ordered[1:]] != exact[ordered[:-1]]])
        rep[ordered] = ordered[np.flatnonzero(starts)[np.cumsum(starts) - 1]]
    return rep


def keys_of(data: IndexData, rows: np.ndarray, bands: int, rows_per_band: int) -> np.ndarray:
    """LSH band keys (len(rows), bands) of some rows (in increasing order) of an index."""
    keys = np.empty((len(rows), bands), dtype=np.uint64)
    done = 0
    for chosen, signatures in data.signatures_of(rows):
        keys[done : done + len(chosen)] = band_keys(signatures, bands, rows_per_band)
        done += len(chosen)
    return keys


def cluster(
    rows: np.ndarray,
    keys: np.ndarray,
    rank: np.ndarray,
    verify: Callable[[int, int], tuple[int, float]],
    decisions: Decisions,
    sketch: np.ndarray | None = None,
    prefilter: float = 0.0,
) -> None:
    """Greedy, non-chaining clustering of ``rows`` (with their LSH ``keys``) into ``decisions``.

    Rows are visited best-survivor first (``rank``); an unclaimed row becomes a
    survivor and claims its unclaimed LSH candidates that ``verify`` (a
    measure code and its value; code 0: not a copy) says are copies of it.
    Candidates that rank better were visited already (they are survivors
    that did not claim this row, or claimed rows), so each pair is verified
    at most once, and a large bucket of copies costs one verification per
    copy, not one per pair. With a ``sketch``, candidates whose estimated
    similarity is below ``prefilter`` are not verified (counted in
    ``decisions.skipped``).

    A chain 0 ~ 1 ~ 2 whose ends are unrelated: 1 joins 0 (the better
    survivor), 2 stays, although 1 and 2 are similar.

    >>> similar = {(0, 1): (2, 0.9), (1, 2): (2, 0.9), (0, 2): (0, 0.2)}
    >>> d = Decisions.empty(3)
    >>> keys = np.zeros((3, 2), dtype=np.uint64)  # everyone in one LSH bucket
    >>> cluster(np.arange(3), keys, np.arange(3), lambda u, v: similar[(u, v)], d)
    >>> d.reason.tolist(), d.survivor.tolist(), d.candidates
    ([0, 2, 0], [-1, 0, -1], 2)
    """
    if len(rows) == 0:
        return
    index = BandIndex.build(keys)
    row_rank = rank[rows]
    visit = np.flatnonzero(index.shared())  # rows with no bucket mate can claim nothing
    visit = visit[np.argsort(row_rank[visit], kind="stable")]
    claimed = np.zeros(len(rows), dtype=bool)
    for block in _blocks(visit):  # bucket bounds for a block of rows at a time: bounded memory
        lo, hi = index.lookup(keys[block])
        for p, p_lo, p_hi in zip(block.tolist(), lo, hi):
            if not claimed[p]:
                mates = index.members(p_lo, p_hi)
                if sketch is not None and prefilter > 0 and len(mates):
                    close = sketch_similarity(sketch, p, mates) >= prefilter
                    decisions.skipped += int(np.count_nonzero(~close & (mates != p)))
                    mates = mates[close]
                _claim(p, mates, rows, row_rank, claimed, verify, decisions)


def _claim(
    p: int,
    mates: np.ndarray,
    rows: np.ndarray,
    row_rank: np.ndarray,
    claimed: np.ndarray,
    verify: Callable[[int, int], tuple[int, float]],
    decisions: Decisions,
) -> None:
    """Survivor ``p`` claims its unclaimed, worse-ranked ``mates`` that are verified copies of it."""
    mates = mates[~claimed[mates] & (row_rank[mates] > row_rank[p])]
    for q in mates[np.argsort(row_rank[mates], kind="stable")].tolist():
        measure, value = verify(int(rows[p]), int(rows[q]))
        decisions.candidates += 1
        if measure != _NO_MEASURE:
            claimed[q] = True
            decisions.linked += 1
            r = rows[q]
            decisions.reason[r], decisions.survivor[r], decisions.similarity[r] = _NEAR, rows[p], value
            decisions.measure[r] = measure


def _blocks(values: np.ndarray) -> Iterator[np.ndarray]:
    """Consecutive slices of ``values``, :data:`QUERY_BLOCK` long."""
    for start in range(0, len(values), QUERY_BLOCK):
        yield values[start : start + QUERY_BLOCK]


def match_earlier(
    k: int,
    earlier: IndexData,
    batch: IndexData,
    rows: np.ndarray,
    batch_keys: tuple[np.ndarray, np.ndarray, np.ndarray],
    masker: Masker,
    stage: Dedup,
    decisions: Decisions,
    mine: MaskedSets,
) -> None:
    """Drop ``rows`` that equal, or are verified copies of, a document of an earlier index.

    An exact match wins; otherwise the best verified candidate (resemblance
    before containment, then the higher value; ties: the earliest in that
    index). Both sides are masked with the same frequency table.
    ``batch_keys`` are ``(rows, keys, sketch)`` of the batch's masked signatures.
    """
    if len(earlier) == 0:
        return
    order = np.argsort(earlier.exact, kind="stable")
    sorted_exact = earlier.exact[order]
    pos = np.searchsorted(sorted_exact, batch.exact[rows])
    found = sorted_exact[np.minimum(pos, len(sorted_exact) - 1)] == batch.exact[rows]
    for row, where in zip(rows[found].tolist(), pos[found].tolist()):
        if decisions.reason[row] != _EXACT:
            decisions.reason[row], decisions.survivor[row], decisions.earlier[row] = _EXACT, order[where], k
            decisions.similarity[row], decisions.measure[row] = 1.0, _M_EXACT
    theirs = MaskedSets(earlier, masker)
    try:
        _match_earlier(k, earlier, rows, batch_keys, stage, decisions, mine, theirs)
    finally:
        theirs.close()


def _match_earlier(
    k: int, earlier: IndexData, rows: np.ndarray, batch_keys: tuple[np.ndarray, np.ndarray, np.ndarray],
    stage: Dedup, decisions: Decisions, mine: MaskedSets, theirs: MaskedSets,
) -> None:
    earlier_rows, earlier_keys, _, earlier_sketch = masked_keys(
        earlier, np.flatnonzero(earlier.minhashed), theirs.masker, stage, theirs
    )
    key_rows, keys, sketch = batch_keys
    wanted = np.isin(key_rows, rows) & (decisions.reason[key_rows] != _EXACT)
    queries, query_keys, query_sketch = key_rows[wanted], keys[wanted], sketch[wanted]
    if len(earlier_rows) == 0 or len(queries) == 0:
        return
    index = BandIndex.build(earlier_keys)
    judge = stage.judge
    both = np.empty((1 + len(earlier_rows), earlier_sketch.shape[1]), np.uint8)  # row 0: the query
    both[1:] = earlier_sketch
    for start in range(0, len(queries), QUERY_BLOCK):  # a block at a time: bounded lookup memory
        block = queries[start : start + QUERY_BLOCK]
        lo, hi = index.lookup(query_keys[start : start + QUERY_BLOCK])
        for i in np.flatnonzero((hi > lo).any(axis=1)).tolist():
            row = int(block[i])
            found = index.members(lo[i], hi[i])
            if stage.prefilter > 0:
                both[0] = query_sketch[start + i]
                close = sketch_similarity(both, 0, found + 1) >= stage.prefilter
                decisions.skipped += int(np.count_nonzero(~close))
                found = found[close]
            for candidate in earlier_rows[found].tolist():
                measure, value = verify_pair(judge, mine, theirs, row, candidate)
                decisions.candidates += 1
                if measure == _NO_MEASURE:
                    continue
                decisions.linked += 1
                best = (decisions.measure[row] == _RESEMBLANCE, decisions.similarity[row])
                if decisions.reason[row] == _KEEP or (measure == _RESEMBLANCE, value) > best:
                    decisions.reason[row], decisions.survivor[row], decisions.earlier[row] = _NEAR, candidate, k
                    decisions.similarity[row], decisions.measure[row] = value, measure


def follow_representatives(rep: np.ndarray, decisions: Decisions) -> None:
    """Copies of a representative share its fate: dropped as exact copies of it if it
    stays, or with its survivor and similarity if it goes.

    >>> d = Decisions.empty(4)
    >>> d.reason[2], d.survivor[2], d.similarity[2] = _NEAR, 3, 0.9  # row 2 went to row 3
    >>> follow_representatives(np.array([0, 0, 2, 3]), d)  # row 1 copies row 0; nothing copies 2
    >>> d.reason.tolist(), d.survivor.tolist(), d.similarity.tolist()
    ([0, 1, 2, 0], [-1, 0, 3, -1], [0.0, 1.0, 0.9, 0.0])
    """
    for row in np.flatnonzero(rep != np.arange(len(rep))).tolist():
        r = rep[row]
        if decisions.reason[r] == _KEEP:
            decisions.reason[row], decisions.survivor[row], decisions.similarity[row] = _EXACT, r, 1.0
            decisions.measure[row] = _M_EXACT
        else:
            decisions.measure[row] = decisions.measure[r]
            decisions.reason[row] = decisions.reason[r]
            decisions.survivor[row] = decisions.survivor[r]
            decisions.earlier[row] = decisions.earlier[r]
            decisions.similarity[row] = decisions.similarity[r]


def decide(
    stage: Dedup,
    data: IndexData,
    lengths: np.ndarray,
    earlier: list[IndexData],
    masker: Masker,
    primary: np.ndarray | None = None,
) -> tuple[Decisions, np.ndarray]:
    """Every decision of a run: exact copies, matches in earlier indexes, near-duplicate clusters.

    Every candidate pair is verified on the *masked* shingle sets (exact
    counts, no estimate), so shared site text never makes two articles
    copies. Returns the decisions and, per row, how many of its shingles
    were masked.
    """
    n = len(lengths)
    has_key = lengths > 0  # an empty comparison form has no hash: nothing to compare
    rank = np.empty(n, dtype=np.int64)
    rank[survivor_order(lengths, data.ids, primary)] = np.arange(n)
    rep = exact_representatives(data.exact, has_key, rank)
    decisions = Decisions.empty(n)
    reps = np.flatnonzero((rep == np.arange(n)) & has_key)
    sets, judge = MaskedSets(data, masker), stage.judge
    try:
        key_rows, keys, masked_some, sketch = masked_keys(data, reps[data.minhashed[reps]], masker, stage, sets)
        masked = np.zeros(n, dtype=np.int64)
        masked[reps[data.minhashed[reps]]] = masked_some
        for k, index in enumerate(earlier):
            match_earlier(k, index, data, reps, (key_rows, keys, sketch), masker, stage, decisions, sets)
        open_rows = decisions.reason[key_rows] == _KEEP
        if not open_rows.all():  # some matched an earlier output (a copy only then)
            key_rows, keys, sketch = key_rows[open_rows], keys[open_rows], sketch[open_rows]
        verify = functools.partial(verify_pair, judge, sets, sets)
        cluster(key_rows, keys, rank, verify, decisions, sketch, stage.prefilter)
    finally:
        sets.close()
    follow_representatives(rep, decisions)
    return decisions, masked


# -- the summary handed from merge() to apply() -----------------------------------------


class _Scratch:
    """The run's signatures and shingle sets on disk, kept for ``write_artifacts``.

    They stay in the process that ran ``merge``: pickled (to send the summary
    to a worker) this becomes an empty placeholder, so workers never receive
    the arrays. The temporary folder is removed when the summary is written or
    garbage-collected.
    """

    def __init__(self, builder: IndexBuilder | None = None, data: IndexData | None = None) -> None:
        self.builder = builder
        self.data = data
        self.masker: Masker | None = None
        self._finalizer = weakref.finalize(self, _cleanup, builder, os.getpid()) if builder is not None else None

    def __reduce__(self) -> tuple[type, tuple[()]]:
        return (_Scratch, ())

    def release(self) -> None:
        self.data = None
        self.masker = None
        if self._finalizer is not None:
            self._finalizer()


def _cleanup(builder: IndexBuilder, owner: int) -> None:
    if os.getpid() == owner:  # a forked child that inherited the summary must not delete the files
        builder.cleanup()


@dataclass
class DedupSummary:
    """What ``merge`` decided, row by row (rows: observed documents in input order)."""

    params: dict[str, Any]
    against: tuple[str, ...]
    seqs: np.ndarray  # int64, strictly increasing
    ids: StringTable
    sources: StringTable
    lengths: np.ndarray  # characters of the comparison form
    minhashed: np.ndarray
    decisions: Decisions
    survivor_ids: StringTable  # per row; "" when kept
    survivor_sources: StringTable
    state_bytes: int  # bytes merge() held in memory for the corpus
    scratch: _Scratch = field(default_factory=_Scratch, repr=False)
    primary: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # survivor_primary per row
    masked: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # masked shingles per row
    shingle_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # before masking
    survivor_reasons: StringTable = field(default_factory=StringTable)  # per row; "" when kept
    mask: dict[str, Any] = field(default_factory=dict)  # cutoff and counts, for the report
    frequent: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))  # packed bits: bucket masked
    frequent_shift: int = 32 - MASK_BITS

    def is_masked(self, shingles: np.ndarray) -> np.ndarray:
        """Which shingle hashes are masked, from the packed bitmap (512 KB: what workers receive)."""
        if not self.frequent.size:
            return np.zeros(shingles.size, dtype=bool)
        bucket = (shingles >> np.uint32(self.frequent_shift)).astype(np.int64)
        return ((self.frequent[bucket >> 3] >> (7 - (bucket & 7)).astype(np.uint8)) & 1).astype(bool)

    @property
    def has_key(self) -> np.ndarray:
        """Rows with a comparison form (and so an exact hash): the others are never compared."""
        return self.lengths > 0

    def row_of(self, seq: int) -> int | None:
        row = int(np.searchsorted(self.seqs, seq))
        return row if row < len(self.seqs) and self.seqs[row] == seq else None


@dataclass(frozen=True)
class Cluster:
    """A survivor and the documents dropped in its favour."""

    survivor: str
    source: str
    earlier: str | None  # the earlier output it is in, for --against matches
    members: tuple[dict[str, Any], ...]
    rows: tuple[int, ...] = ()  # survivor row, then the members' rows (this batch only)

    def to_json(self) -> dict[str, Any]:
        return {
            "survivor": self.survivor,
            "source": self.source,
            "earlier": self.earlier,
            "size": len(self.members) + 1,
            "members": list(self.members),
        }


def _masked_of(summary: DedupSummary, row: int) -> str:
    """``"masked/total"`` shingles of a row (``""`` when it has none)."""
    if row >= len(summary.shingle_counts) or not summary.shingle_counts[row]:
        return ""
    return f"{int(summary.masked[row])}/{int(summary.shingle_counts[row])}"


def clusters(summary: DedupSummary) -> Iterator[Cluster]:
    """Every cluster, largest first (then by survivor), members in input order."""
    d = summary.decisions
    dropped = np.flatnonzero(d.reason != _KEEP)
    if not len(dropped):
        return
    dropped = dropped[np.lexsort((dropped, d.survivor[dropped], d.earlier[dropped]))]
    survivor, earlier = d.survivor[dropped], d.earlier[dropped]
    changes = (survivor[1:] != survivor[:-1]) | (earlier[1:] != earlier[:-1])
    starts = np.flatnonzero(np.concatenate([[True], changes]))
    groups = np.split(dropped, starts[1:])
    groups.sort(key=lambda g: (-len(g), int(d.earlier[g[0]]), int(d.survivor[g[0]])))
    for group in groups:
        first = int(group[0])
        k = int(d.earlier[first])
        members = tuple(
            {
                "id": summary.ids[row],
                "source": summary.sources[row],
                "reason": _REASONS[int(d.reason[row])],
                "measure": MEASURES.get(int(d.measure[row]), "exact"),
                "similarity": round(float(d.similarity[row]), 4),
                "survivor_reason": summary.survivor_reasons[row],
                "masked_shingles": _masked_of(summary, row),
            }
            for row in group.tolist()
        )
        earlier_output = summary.against[k] if k >= 0 else None
        rows = (int(d.survivor[first]), *group.tolist()) if k < 0 else ()
        yield Cluster(summary.survivor_ids[first], summary.survivor_sources[first], earlier_output, members, rows)


# -- the stage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dedup:
    """Drop exact and near-duplicate documents (MinHash LSH on character n-grams, verified)."""

    name: ClassVar[str] = "dedup"

    threshold: float = 0.75  # verified Jaccard (resemblance) of the masked sets at which two are duplicates
    containment: float = 0.9  # ... or this share of the smaller masked set inside the larger
    min_ratio: float = 0.55  # containment decides only when the smaller set is this share of the larger
    unique_budget: float = 0.15  # shingles no other document has, up to this share, don't count against it
    candidate_threshold: float = 0.45  # LSH bands are chosen for this Jaccard (lowest a containment copy has)
    mask_rate: float = 0.01  # shingles in at least this share of the corpus's documents are masked
    mask_min_documents: int = 30  # ... and in at least this many documents
    min_shingles: int = 20  # fewer shingles left after masking: matched exactly only
    prefilter: float = 0.25  # LSH candidates estimated (b-bit sketch) below this Jaccard are not verified
    ngram: int = 3  # characters per shingle
    num_perm: int = 128  # MinHash permutations
    seed: int = 1  # MinHash seed (datasketch's default)
    recall_weight: float = 0.95  # MinHashLSH false-negative weight when choosing bands and rows
    min_chars: int = 50  # shorter documents (comparison form) are matched exactly only
    prepare: tuple[str, ...] = ()  # stages run on a copy before comparing (standalone command)
    against: tuple[str, ...] = ()  # earlier outputs (with a dedup index) to deduplicate against

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], not {self.threshold!r}")
        if not 1 <= self.ngram <= 32:
            raise ValueError(f"ngram must be between 1 and 32, not {self.ngram!r}")
        if self.num_perm < 2:
            raise ValueError(f"num_perm must be at least 2, not {self.num_perm!r}")
        if not 0.0 <= self.recall_weight <= 1.0:
            raise ValueError(f"recall_weight must be in [0, 1], not {self.recall_weight!r}")
        if not 0.0 < self.containment <= 1.0 or not 0.0 < self.min_ratio <= 1.0:
            raise ValueError("containment and min_ratio must be in (0, 1]")
        if not 0.0 < self.candidate_threshold <= 1.0 or not 0.0 < self.mask_rate <= 1.0:
            raise ValueError("candidate_threshold and mask_rate must be in (0, 1]")
        if self.mask_min_documents < 2:
            raise ValueError(f"mask_min_documents must be at least 2, not {self.mask_min_documents!r}")
        if self.min_chars < self.ngram:
            raise ValueError(f"min_chars ({self.min_chars}) must be at least ngram ({self.ngram})")
        _check_prepare(self.prepare)
        for path in self.against:
            check_index(path, self.index_params)

    @property
    def index_params(self) -> IndexParams:
        return IndexParams(
            self.ngram, self.num_perm, self.seed, SCHEME, SHINGLE_HASH, FOLD_VERSION, VIEW_VERSION, MASK_BITS
        )

    @property
    def lsh(self) -> tuple[int, int]:
        """(bands, rows) for the candidate threshold, as MinHashLSH would choose them.

        Bands are chosen for the lowest Jaccard a duplicate can have — a
        containment copy (``containment`` × ``min_ratio`` / (1 + ``min_ratio``
        − that): 0.47 at the defaults, lower when short-line noise is
        excused, so ``candidate_threshold`` is 0.45) — not for ``threshold``,
        or truncated copies would rarely become candidates.
        """
        return lsh_params(min(self.threshold, self.candidate_threshold), self.num_perm, self.recall_weight)

    @property
    def judge(self) -> Judge:
        return Judge(self.threshold, self.containment, self.min_ratio, self.unique_budget)

    # -- observe: in a worker, per document -------------------------------------------

    def observe(self, doc: Document) -> Observation:
        prepared = prepared_document(doc, self.prepare)
        codes, line_lengths = fold_with_line_lengths(prepared.text)
        exact = exact_hash(codes) if codes.size else None
        noise, converted = noise_share(prepared), bool(prepared.meta.get("script_converted"))
        if codes.size < self.min_chars:
            return Observation(
                doc.seq, doc.id, doc.source, codes.size, exact, None, np.empty(0, np.uint32), None, noise, converted
            )
        view = view_codes(codes)
        shingles = shingle_hashes(view, self.ngram)
        minhash, argmins = signature_and_argmin(shingles, self.num_perm, self.seed)
        short = short_line_shingles(view, line_lengths, self.ngram, SHORT_LINE, shingles)
        return Observation(
            doc.seq, doc.id, doc.source, codes.size, exact, minhash, shingles, argmins, noise, converted, short
        )

    # -- merge: in one process, streaming -------------------------------------------------

    def merge(self, states: Iterable[Observation]) -> DedupSummary:
        builder = IndexBuilder(self.num_perm)
        try:
            seqs, lengths, noise, converted = array("q"), array("q"), array("d"), array("b")
            frequency = FrequencyTable.empty()
            for obs in states:
                if seqs and obs.seq <= seqs[-1]:
                    raise ValueError(
                        f"dedup: document {obs.id!r} has seq {obs.seq} after {seqs[-1]}; "
                        "documents must reach merge() in input order with distinct seq numbers"
                    )
                seqs.append(obs.seq)
                lengths.append(obs.length)
                noise.append(obs.noise)
                converted.append(obs.converted)
                frequency.add(obs.shingles)  # document frequency: each document's shingles are distinct
                builder.add(obs.id, obs.source, obs.exact or 0, obs.signature, obs.shingles, obs.argmins, obs.short)
            primary = survivor_primary(_np(noise, np.float64), _np(converted, np.int8).astype(bool))
            data = builder.finish()
            data.frequency = frequency
            return self._summarise(data, _np(seqs, np.int64), _np(lengths, np.int64), primary, builder)
        except BaseException:
            builder.cleanup()
            raise

    def _summarise(
        self, data: IndexData, seqs: np.ndarray, lengths: np.ndarray, primary: np.ndarray, builder: IndexBuilder
    ) -> DedupSummary:
        earlier = [load_index(path, self.index_params) for path in self.against]
        assert data.frequency is not None
        frequency = data.frequency
        for index in earlier:  # the earlier outputs' documents count too: both sides masked alike
            if index.frequency is not None:
                frequency = frequency.plus(index.frequency)
        masker = Masker(frequency, mask_cutoff(frequency.documents, self.mask_rate, self.mask_min_documents))
        decisions, masked = decide(self, data, lengths, earlier, masker, primary)
        survivor_ids, survivor_sources, reasons = StringTable(), StringTable(), StringTable()
        for row in range(len(seqs)):
            dropped = decisions.reason[row] != _KEEP
            k, s = int(decisions.earlier[row]), int(decisions.survivor[row])
            table = data if k < 0 else earlier[k]
            survivor_ids.append(table.ids[s] if dropped else "")
            survivor_sources.append(table.sources[s] if dropped else "")
            if not dropped:
                reasons.append("")
            elif k >= 0:
                reasons.append("already in an earlier output")
            else:
                pairs = (int(primary[s]), int(primary[row])), (int(lengths[s]), int(lengths[row]))
                reasons.append(survivor_reason(*pairs, (data.ids[s], data.ids[row])))
        for index in earlier:
            index.close()
        bands, rows_per_band = self.lsh
        params = {
            "threshold": self.threshold,
            "ngram": self.ngram,
            "num_perm": self.num_perm,
            "seed": self.seed,
            "bands": bands,
            "rows": rows_per_band,
            "min_chars": self.min_chars,
            "prepare": list(self.prepare),
            "containment": self.containment,
            "min_ratio": self.min_ratio,
            "unique_budget": self.unique_budget,
            "candidate_threshold": self.candidate_threshold,
            "mask_rate": self.mask_rate,
            "mask_min_documents": self.mask_min_documents,
            "min_shingles": self.min_shingles,
            "prefilter": self.prefilter,
        }
        counts = np.diff(data.offsets)
        mask = {
            "cutoff_documents": masker.cutoff,
            "frequency_documents": frequency.documents,
            "documents_with_masked_shingles": int((masked > 0).sum()),
            "masked_share_of_shingles": round(float(masked.sum() / max(1, counts.sum())), 4),
        }
        scratch = _Scratch(builder, data)
        scratch.masker = masker
        return DedupSummary(
            params, self.against, seqs, data.ids, data.sources, lengths, data.minhashed.copy(), decisions,
            survivor_ids, survivor_sources, _state_bytes(data, bands), scratch,
            primary, masked, counts, reasons, mask,
            np.packbits(frequency.counts >= masker.cutoff), 32 - frequency.bits,
        )

    # -- apply: in a worker, per document ---------------------------------------------------

    def apply(self, doc: Document, summary: DedupSummary) -> Document:
        row = summary.row_of(doc.seq)
        if row is None or summary.decisions.reason[row] == _KEEP:
            return doc
        d = summary.decisions
        details: dict[str, Any] = {"survivor": summary.survivor_ids[row]}
        if summary.survivor_sources[row] != details["survivor"]:
            details["survivor_source"] = summary.survivor_sources[row]
        details["measure"] = MEASURES.get(int(d.measure[row]), "exact")
        details["similarity"] = round(float(d.similarity[row]), 4)
        details["survivor_reason"] = summary.survivor_reasons[row]
        if d.earlier[row] >= 0:
            details["against"] = summary.against[int(d.earlier[row])]
        if d.reason[row] == _NEAR and summary.masked[row] > 0:  # what was not compared, as text
            # Found on the text as it is here (the standalone command's prepared copy is not
            # kept, and preparing it again would cost as much as observing it).
            found = masked_fragments(doc.text, self.ngram, summary.is_masked)
            if found:
                details["masked_text"] = found
        return doc.drop(self.name, _REASONS[int(d.reason[row])], **details)

    # -- report and files ----------------------------------------------------------------------

    def describe(self, summary: DedupSummary) -> dict[str, Any]:
        d = summary.decisions
        listed = []
        largest, count = 1, 0
        for found in clusters(summary):
            count += 1
            largest = max(largest, len(found.members) + 1)
            if len(listed) < MAX_LISTED_CLUSTERS:
                listed.append(found.to_json())
        n = len(summary.seqs)
        return {
            "params": summary.params,
            "against": list(summary.against),
            "documents": n,
            "minhashed": int(summary.minhashed.sum()),
            "exact_only": int((summary.has_key & ~summary.minhashed).sum()),
            "dropped": {
                EXACT: int((d.reason == _EXACT).sum()),
                NEAR: int((d.reason == _NEAR).sum()),
                "matched_earlier": int((d.earlier >= 0).sum()),
            },
            "decided_by": {name: int((d.measure == code).sum()) for code, name in MEASURES.items()},
            "mask": summary.mask,
            "candidate_pairs": d.candidates,  # LSH candidates verified
            "candidates_skipped": d.skipped,  # estimated far below any duplicate: not verified
            "linked_pairs": d.linked,  # of which at least threshold similar
            "clusters": count,
            "largest_cluster": largest,
            "state_bytes_per_document": round(summary.state_bytes / n, 1) if n else 0,
            "clusters_file": CLUSTERS_FILE,
            "top_clusters": listed,
        }

    def write_artifacts(self, summary: DedupSummary, directory: Path) -> None:
        """Write ``dedup/clusters.jsonl`` and the saved index ``dedup/index/`` of the survivors."""
        data, masker = summary.scratch.data, summary.scratch.masker
        if data is None or masker is None:
            raise RuntimeError("dedup: the summary's index data is gone (written already, or sent to another process)")
        sets = MaskedSets(data, masker)
        with atomic_write(Path(directory) / CLUSTERS_FILE) as fh:
            for found in clusters(summary):
                record = found.to_json()
                if 1 < len(found.rows) <= MAX_PAIRWISE:
                    record["pairs"] = pairwise(found.rows, summary, sets)
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        kept = np.flatnonzero((summary.decisions.reason == _KEEP) & summary.has_key)
        bands, rows_per_band = self.lsh
        info = {
            "created_by": f"cleancorpus {__version__}",
            "threshold": self.threshold,
            "bands": bands,
            "rows": rows_per_band,
            "min_chars": self.min_chars,
            "prepare": list(self.prepare),
        }
        write_index(Path(directory), data, kept, self.index_params, info, data.frequency)
        summary.scratch.release()


def pairwise(rows: tuple[int, ...], summary: DedupSummary, sets: MaskedSets) -> list[dict[str, Any]]:
    """Every pair of a cluster's rows: resemblance and containment of their masked shingle sets."""
    out = []
    for i, u in enumerate(rows):
        for v in rows[i + 1 :]:
            common, a, b = containment(sets.of(u), sets.of(v))
            out.append({
                "a": summary.ids[u], "b": summary.ids[v],
                "resemblance": round(common / (a + b - common), 4) if a and b else 0.0,
                "containment": round(common / min(a, b), 4) if a and b else 0.0,
            })  # fmt: skip
    return out


def _np(values: array, dtype: type) -> np.ndarray:
    """The array's values as numpy, sharing its buffer (the array is not appended to again)."""
    return np.frombuffer(values, dtype=dtype) if len(values) else np.empty(0, dtype)


#: Bytes merge() holds per observed document while it clusters, besides ids and sources.
_ROW_BYTES = (
    8 + 8 + 1  # seq, length, has-key flag (derived while deciding)
    + 8 + 1 + 1 + 8  # the index builder's exact hash, minhashed flag (and its buffer), shingle offset
    + 1 + 8 + 2 + 8  # decisions: reason, survivor, earlier index, similarity
    + 8 + 8 + 8 + 8  # survivor rank, exact representative, representative rows, clustered rows
    + 1 + 8 + 8 + 8 + 8 + 8  # measure; noise, survivor primary, masked and shingle counts, key rows
    + 8 + 8  # survivor-reason table ends and (mostly short) text
    + 128 + 8 + 4 + 4  # the b-bit sketch (a byte per permutation); masked sets' place, size, unique count
)
#: Bytes per LSH band of each clustered document: its key, the index's sorted copy and holder,
#: and (measured with tracemalloc, issue 14) the transient copies while the masked keys and
#: the index are built.
_BAND_BYTES = 8 + 8 + 4 + 12


def _state_bytes(data: IndexData, bands: int) -> int:
    """Memory merge() holds for the corpus at its peak, while it clusters (at most).

    Per-row columns, the ids and sources, and the LSH band keys and index of
    every minhashed document. Signatures and shingle sets stay on disk and
    are read by position, so they are not counted; neither is the fixed
    working buffer (about 1.5 MB) they are read through. The survivors' names
    are collected after clustering, when the band index is gone, and take
    less than it.
    """
    return len(data.exact) * _ROW_BYTES + data.ids.nbytes + data.sources.nbytes + (
        int(data.minhashed.sum()) * bands * _BAND_BYTES
    )


def _check_prepare(names: tuple[str, ...]) -> None:
    """Refuse unknown or corpus-level stages in ``prepare`` (they cannot run on one copy)."""
    by_name = {cls.name: cls for cls in text_stages.PER_DOCUMENT}
    for name in names:
        if name not in by_name:
            raise ValueError(f"prepare names {name!r}: an unknown stage or one that needs the whole corpus; "
                             f"it may only name per-document stages: {', '.join(sorted(by_name))}")


def deduplicate_documents(
    docs: Iterable[Document], stage: Dedup | None = None, directory: str | Path | None = None
) -> tuple[list[Document], DedupSummary]:
    """Run the stage over documents held in memory (a notebook, a test); return them and the summary.

    Documents need distinct, increasing ``seq`` numbers. With ``directory``,
    the clusters file and the saved index are written there.

    >>> text = "新华社北京一月一日电，国务院总理今天在人民大会堂会见了外宾。"
    >>> docs = [Document(f"{i}.txt", text, seq=i) for i in range(2)]
    >>> out, summary = deduplicate_documents(docs, Dedup(min_chars=10))
    >>> out[1].dropped.reason, out[1].dropped.details["survivor"]
    ('exact_duplicate', '0.txt')
    """
    stage = stage or Dedup()
    docs = list(docs)
    summary = stage.merge(stage.observe(doc) for doc in docs)
    if directory is not None:
        stage.write_artifacts(summary, Path(directory))
    summary.scratch.release()
    return [stage.apply(doc, summary) for doc in docs], summary


def read_clusters(output_dir: str | Path) -> Iterator[dict[str, Any]]:
    """The clusters a run wrote (``dedup/clusters.jsonl``), one dict each."""
    with open(Path(output_dir) / CLUSTERS_FILE, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def masked_texts(dropped: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """Document id → the masked stretches the audit recorded for it (dedup drops only).

    >>> masked_texts([{"id": "b", "stage": "dedup", "details": {"masked_text": ["本站首页"]}}])
    {'b': ['本站首页']}
    """
    return {
        record["id"]: record["details"]["masked_text"]
        for record in dropped
        if record.get("stage") == Dedup.name and "masked_text" in record.get("details", {})
    }


def clusters_with(found: Iterable[dict[str, Any]], doc_id: str | None) -> Iterator[dict[str, Any]]:
    """The clusters that ``doc_id`` is in, as survivor or member (all of them when ``doc_id`` is None).

    >>> [c["survivor"] for c in clusters_with([{"survivor": "a", "members": [{"id": "b"}]},
    ...     {"survivor": "c", "members": [{"id": "d"}]}], "b")]
    ['a']
    """
    for item in found:
        if doc_id is None or item["survivor"] == doc_id or any(m["id"] == doc_id for m in item["members"]):
            yield item


def explain(found: Iterable[dict[str, Any]], masked_text: dict[str, list[str]] | None = None) -> Iterator[str]:
    """Clusters as lines a person reads: who was kept, who was dropped, how similar.

    >>> print("\\n".join(explain([{"survivor": "a.txt", "source": "a.txt", "earlier": None, "size": 2,
    ...     "members": [{"id": "b.txt", "source": "b.txt", "reason": "near_duplicate", "measure": "containment",
    ...                  "similarity": 0.93, "survivor_reason": "longer content", "masked_shingles": "40/700"}],
    ...     "pairs": [{"a": "a.txt", "b": "b.txt", "resemblance": 0.71, "containment": 0.93}]}])))
    cluster 1: 2 documents, kept a.txt
      dropped b.txt  near_duplicate  containment 0.9300  (kept a.txt: longer content; masked 40/700 shingles)
      pair a.txt ~ b.txt  resemblance 0.7100  containment 0.9300

    With ``masked_text`` (document id → the audit's ``masked_text``), each
    dropped member's masked stretches follow it (``    masked: 本站首页…``).
    """
    for number, item in enumerate(found, 1):
        where = f" (in earlier output {item['earlier']})" if item["earlier"] else ""
        yield f"cluster {number}: {item['size']} documents, kept {item['survivor']}{where}"
        for member in item["members"]:
            measure = member.get("measure", "similarity")
            why = f"  (kept {item['survivor']}: {member['survivor_reason']}" if member.get("survivor_reason") else ""
            if why and member.get("masked_shingles"):
                why += f"; masked {member['masked_shingles']} shingles"
            yield f"  dropped {member['id']}  {member['reason']}  {measure} {member['similarity']:.4f}" + (
                why + ")" if why else ""
            )
            for piece in (masked_text or {}).get(member["id"], []):
                yield f"    masked: {piece}"
        for pair in item.get("pairs", []):
            yield (f"  pair {pair['a']} ~ {pair['b']}  resemblance {pair['resemblance']:.4f}  "
                   f"containment {pair['containment']:.4f}")  # fmt: skip
