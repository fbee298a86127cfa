"""Near-duplicate detection: exact hash, MinHash LSH, verification, non-chaining clusters.

Real crawls carry the same article many times: the same wire story on ten
sites with different boilerplate, a Traditional-script mirror of a Simplified
page, a re-post with a paragraph added or a few characters changed. This stage
keeps one copy and names, for every document it drops, the copy it kept and
how similar the two are.

How a document is compared
    The *comparison form* of its clean text (:func:`pipeline.minhash.fold`:
    punctuation, spaces and control characters dropped, width and case
    folded), cut into character n-grams. In the full pipeline the text has
    already been repaired, converted to Simplified script and stripped of
    known boilerplate; the standalone ``cleancorpus dedup`` command runs those
    text stages on a *copy* of each document first (``prepare``), compares the
    copies and writes the originals unchanged.

What is a duplicate (in this order)
    1. **Exact**: equal comparison forms (a 64-bit hash) — cheap and certain;
       it also catches documents too short for MinHash.
    2. **Earlier corpus** (``against``): a document equal to, or at least
       ``threshold`` similar to, a document of an earlier output's saved index
       is dropped in favour of that earlier document.
    3. **Near**: documents with at least ``min_chars`` characters in comparison
       form get a MinHash signature; LSH bands propose candidate pairs, and
       every candidate is **verified** with the exact Jaccard similarity of the
       two shingle sets before it can link anything.

Clusters never chain
    Union-find over LSH edges merges A~B~C into one cluster even when A and C
    are unrelated, which is how one public run merged 859,091 documents. Here
    documents are visited in survivor order (most content first, counted in
    characters of the comparison form; then lowest id; then input order); an
    unclaimed document becomes a *survivor* and claims every still-unclaimed
    candidate whose verified similarity *to it* is at least the threshold. A
    claimed document never claims others. So every dropped document is at
    least ``threshold`` similar to its own survivor and, Jaccard distance
    being a metric, two documents represented by one survivor are at least
    ``2 * threshold - 1`` similar (0.5 at threshold 0.75): the ends of a chain
    less similar than that are never collapsed into one survivor.

Memory
    At its peak, while it clusters, ``merge`` holds about 100 bytes per
    document plus its id and source, and 20 bytes per LSH band of each
    minhashed document (its band keys and the ``BandIndex``): about 470 bytes
    per document with 18 bands, reported as ``state_bytes_per_document``.
    Signatures and shingle sets go to a temporary folder on disk and become
    the saved index (:mod:`pipeline.dedup_index`).
"""

from __future__ import annotations

import functools
import json
import os
import weakref
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from . import __version__
from .dedup_index import (
    IndexBuilder,
    IndexData,
    IndexParams,
    StringTable,
    check_index,
    load_index,
    write_index,
)
from .document import Document
from .io import JSONL_SUFFIXES, atomic_write, inside, iter_files
from .minhash import (
    FOLD_VERSION,
    SCHEME,
    SHINGLE_HASH,
    BandIndex,
    band_keys,
    exact_hash,
    fold,
    jaccard,
    lsh_params,
    shingle_hashes,
    signature,
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
    signature: np.ndarray | None  # uint32[num_perm]; None when too short for MinHash
    shingles: np.ndarray  # sorted distinct shingle hashes; empty when too short


@functools.cache
def _prepare_steps(names: tuple[str, ...]) -> tuple[Any, ...]:
    from .stages import AVAILABLE  # here, not at the top: stages.py imports this module

    by_name = {cls.name: cls for cls in AVAILABLE}
    return tuple(by_name[name]() for name in names)


def prepared_text(doc: Document, names: tuple[str, ...]) -> str:
    """The text the named per-document stages would make of ``doc``; ``doc`` is untouched.

    The standalone command compares documents in the form the full pipeline
    would give them, yet writes them as they came: the stages run on a copy.
    A stage that fails leaves the copy as it was (and warns on ``doc``).

    >>> doc = Document("a.txt", "好 \\r\\n\\n\\n\\n的")
    >>> prepared_text(doc, ("whitespace",)), doc.text
    ('好\\n\\n的', '好 \\r\\n\\n\\n\\n的')
    """
    if not names:
        return doc.text
    copy = Document(doc.id, doc.text, doc.source, doc.seq, dict(doc.meta))
    for step in _prepare_steps(names):
        text = copy.text
        try:
            copy = step.apply(copy)
        except Exception as exc:  # noqa: BLE001 - reported; the comparison goes on
            copy.text = text
            doc.warn("dedup", f"preparing with {step.name} failed, compared without it: {type(exc).__name__}: {exc}")
    return copy.text


# -- decisions over the whole corpus (functions of numpy arrays) ------------------------


@dataclass
class Decisions:
    """Per observed document (row): kept, or dropped in favour of which survivor."""

    reason: np.ndarray  # uint8: _KEEP, _EXACT, _NEAR
    survivor: np.ndarray  # int64: survivor row (in this batch, or in earlier index ``earlier``)
    earlier: np.ndarray  # int16: -1 this batch, k: the k-th ``against`` index
    similarity: np.ndarray  # float64: verified Jaccard with the survivor (1.0 for exact)
    candidates: int = 0  # candidate pairs verified
    linked: int = 0  # of which at least the threshold similar

    @classmethod
    def empty(cls, n: int) -> Decisions:
        return cls(
            np.zeros(n, np.uint8), np.full(n, -1, np.int64), np.full(n, -1, np.int16), np.zeros(n, np.float64)
        )


def survivor_order(lengths: np.ndarray, ids: StringTable) -> np.ndarray:
    """Row numbers best-survivor first: most content, then lowest id, then input order.

    ``lengths`` count characters of the comparison form, so a copy padded with
    spaces or punctuation is not "more complete" than the original.

    >>> ids = StringTable()
    >>> for name in ("c", "b", "a"): ids.append(name)
    >>> survivor_order(np.array([5, 9, 5]), ids).tolist()
    [1, 2, 0]

    Ids are compared only among rows of equal length, a group at a time, so
    no Python object is made per row of the corpus at once.
    """
    order = np.lexsort((np.arange(len(lengths)), -np.asarray(lengths, dtype=np.int64)))
    ties = np.flatnonzero(np.diff(np.asarray(lengths)[order])) + 1
    for group in np.split(order, ties):  # views into ``order``
        if len(group) > 1:
            group[:] = sorted(group.tolist(), key=ids.__getitem__)  # stable: input order among equal ids
    return order


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
    verify: Callable[[int, int], float],
    threshold: float,
    decisions: Decisions,
) -> None:
    """Greedy, non-chaining clustering of ``rows`` (with their LSH ``keys``) into ``decisions``.

    Rows are visited best-survivor first (``rank``); an unclaimed row becomes a
    survivor and claims its unclaimed LSH candidates whose verified similarity
    to it reaches ``threshold``. Candidates that rank better were visited
    already (they are survivors that did not claim this row, or claimed
    rows), so each pair is verified at most once, and a large bucket of
    copies costs one verification per copy, not one per pair.

    A chain 0 ~ 1 ~ 2 whose ends are unrelated: 1 joins 0 (the better
    survivor), 2 stays, although 1 and 2 are similar.

    >>> similar = {(0, 1): 0.9, (1, 2): 0.9, (0, 2): 0.2}
    >>> d = Decisions.empty(3)
    >>> keys = np.zeros((3, 2), dtype=np.uint64)  # everyone in one LSH bucket
    >>> cluster(np.arange(3), keys, np.arange(3), lambda u, v: similar[(u, v)], 0.8, d)
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
                _claim(p, index.members(p_lo, p_hi), rows, row_rank, claimed, verify, threshold, decisions)


def _claim(
    p: int,
    mates: np.ndarray,
    rows: np.ndarray,
    row_rank: np.ndarray,
    claimed: np.ndarray,
    verify: Callable[[int, int], float],
    threshold: float,
    decisions: Decisions,
) -> None:
    """Survivor ``p`` claims its unclaimed, worse-ranked ``mates`` that are ``threshold`` similar to it."""
    mates = mates[~claimed[mates] & (row_rank[mates] > row_rank[p])]
    for q in mates[np.argsort(row_rank[mates], kind="stable")].tolist():
        similarity = verify(int(rows[p]), int(rows[q]))
        decisions.candidates += 1
        if similarity >= threshold:
            claimed[q] = True
            decisions.linked += 1
            r = rows[q]
            decisions.reason[r], decisions.survivor[r], decisions.similarity[r] = _NEAR, rows[p], similarity


def _blocks(values: np.ndarray) -> Iterator[np.ndarray]:
    """Consecutive slices of ``values``, :data:`QUERY_BLOCK` long."""
    for start in range(0, len(values), QUERY_BLOCK):
        yield values[start : start + QUERY_BLOCK]


def match_earlier(
    k: int,
    earlier: IndexData,
    batch: IndexData,
    rows: np.ndarray,
    lsh: tuple[int, int],
    threshold: float,
    decisions: Decisions,
) -> None:
    """Drop ``rows`` that equal, or are ``threshold`` similar to, a document of an earlier index.

    An exact match wins; otherwise the most similar verified candidate (ties:
    the earliest in that index). Rows already matched to an earlier index
    keep that match unless this one is exact where it was not, or more similar.
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
            decisions.similarity[row] = 1.0
    minhashed_earlier = np.flatnonzero(earlier.minhashed)
    queries = rows[batch.minhashed[rows] & (decisions.reason[rows] != _EXACT)]
    if len(minhashed_earlier) == 0 or len(queries) == 0:
        return
    index = BandIndex.build(keys_of(earlier, minhashed_earlier, *lsh))
    for block in _blocks(queries):  # a block at a time: bounded lookup memory
        lo, hi = index.lookup(keys_of(batch, block, *lsh))
        for i in np.flatnonzero((hi > lo).any(axis=1)).tolist():
            candidates = minhashed_earlier[index.members(lo[i], hi[i])]
            _take_best_earlier(k, earlier, batch, int(block[i]), candidates, threshold, decisions)


def _take_best_earlier(
    k: int, earlier: IndexData, batch: IndexData, row: int, candidates: np.ndarray, threshold: float,
    decisions: Decisions,
) -> None:
    """Verify a row's candidates (increasing rows) of earlier index ``k``; keep the most similar."""
    shingles = batch.shingles_of(row)
    for candidate in candidates.tolist():
        similarity = jaccard(shingles, earlier.shingles_of(candidate))
        decisions.candidates += 1
        if similarity < threshold:
            continue
        decisions.linked += 1
        if similarity > decisions.similarity[row]:
            decisions.reason[row], decisions.survivor[row], decisions.earlier[row] = _NEAR, candidate, k
            decisions.similarity[row] = similarity


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
        else:
            decisions.reason[row] = decisions.reason[r]
            decisions.survivor[row] = decisions.survivor[r]
            decisions.earlier[row] = decisions.earlier[r]
            decisions.similarity[row] = decisions.similarity[r]


def exact_similarity(data: IndexData, u: int, v: int) -> float:
    """Verification: the exact Jaccard similarity of two rows' shingle sets."""
    return jaccard(data.shingles_of(u), data.shingles_of(v))


def decide(
    stage: Dedup,
    data: IndexData,
    lengths: np.ndarray,
    earlier: list[IndexData],
    verify: Callable[[IndexData, int, int], float] = exact_similarity,
) -> Decisions:
    """Every decision of a run: exact copies, matches in earlier indexes, near-duplicate clusters.

    ``verify`` confirms a candidate pair; the benchmark swaps in the signature
    estimate to measure what exact verification buys.
    """
    n = len(lengths)
    has_key = lengths > 0  # an empty comparison form has no hash: nothing to compare
    rank = np.empty(n, dtype=np.int64)
    rank[survivor_order(lengths, data.ids)] = np.arange(n)
    rep = exact_representatives(data.exact, has_key, rank)
    decisions = Decisions.empty(n)
    reps = np.flatnonzero((rep == np.arange(n)) & has_key)
    for k, index in enumerate(earlier):
        match_earlier(k, index, data, reps, stage.lsh, stage.threshold, decisions)
    rows = reps[data.minhashed[reps] & (decisions.reason[reps] == _KEEP)]
    keys = keys_of(data, rows, *stage.lsh)
    cluster(rows, keys, rank, lambda u, v: verify(data, u, v), stage.threshold, decisions)
    follow_representatives(rep, decisions)
    return decisions


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
        self._finalizer = weakref.finalize(self, _cleanup, builder, os.getpid()) if builder is not None else None

    def __reduce__(self) -> tuple[type, tuple[()]]:
        return (_Scratch, ())

    def release(self) -> None:
        self.data = None
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

    def to_json(self) -> dict[str, Any]:
        return {
            "survivor": self.survivor,
            "source": self.source,
            "earlier": self.earlier,
            "size": len(self.members) + 1,
            "members": list(self.members),
        }


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
                "similarity": round(float(d.similarity[row]), 4),
            }
            for row in group.tolist()
        )
        earlier_output = summary.against[k] if k >= 0 else None
        yield Cluster(summary.survivor_ids[first], summary.survivor_sources[first], earlier_output, members)


# -- the stage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dedup:
    """Drop exact and near-duplicate documents (MinHash LSH on character n-grams, verified)."""

    name: ClassVar[str] = "dedup"

    threshold: float = 0.75  # verified Jaccard similarity at which two documents are duplicates
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
        if self.min_chars < self.ngram:
            raise ValueError(f"min_chars ({self.min_chars}) must be at least ngram ({self.ngram})")
        _check_prepare(self.prepare)
        for path in self.against:
            check_index(path, self.index_params)

    @property
    def index_params(self) -> IndexParams:
        return IndexParams(self.ngram, self.num_perm, self.seed, SCHEME, SHINGLE_HASH, FOLD_VERSION)

    @property
    def lsh(self) -> tuple[int, int]:
        """(bands, rows) for the threshold, as MinHashLSH chooses them."""
        return lsh_params(self.threshold, self.num_perm, self.recall_weight)

    # -- observe: in a worker, per document -------------------------------------------

    def observe(self, doc: Document) -> Observation:
        text = prepared_text(doc, self.prepare)
        codes = fold(text)
        exact = exact_hash(codes) if codes.size else None
        if codes.size < self.min_chars:
            return Observation(doc.seq, doc.id, doc.source, codes.size, exact, None, np.empty(0, np.uint32))
        shingles = shingle_hashes(codes, self.ngram)
        minhash = signature(shingles, self.num_perm, self.seed)
        return Observation(doc.seq, doc.id, doc.source, codes.size, exact, minhash, shingles)

    # -- merge: in one process, streaming -------------------------------------------------

    def merge(self, states: Iterable[Observation]) -> DedupSummary:
        builder = IndexBuilder(self.num_perm)
        try:
            seqs, lengths = array("q"), array("q")
            for obs in states:
                if seqs and obs.seq <= seqs[-1]:
                    raise ValueError(
                        f"dedup: document {obs.id!r} has seq {obs.seq} after {seqs[-1]}; "
                        "documents must reach merge() in input order with distinct seq numbers"
                    )
                seqs.append(obs.seq)
                lengths.append(obs.length)
                builder.add(obs.id, obs.source, obs.exact or 0, obs.signature, obs.shingles)
            return self._summarise(builder.finish(), _np(seqs, np.int64), _np(lengths, np.int64), builder)
        except BaseException:
            builder.cleanup()
            raise

    def _summarise(self, data: IndexData, seqs: np.ndarray, lengths: np.ndarray, builder: IndexBuilder) -> DedupSummary:
        earlier = [load_index(path, self.index_params) for path in self.against]
        decisions = decide(self, data, lengths, earlier)
        survivor_ids, survivor_sources = StringTable(), StringTable()
        for row in range(len(seqs)):
            dropped = decisions.reason[row] != _KEEP
            k, s = int(decisions.earlier[row]), int(decisions.survivor[row])
            table = data if k < 0 else earlier[k]
            survivor_ids.append(table.ids[s] if dropped else "")
            survivor_sources.append(table.sources[s] if dropped else "")
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
        }
        return DedupSummary(
            params, self.against, seqs, data.ids, data.sources, lengths, data.minhashed.copy(), decisions,
            survivor_ids, survivor_sources, _state_bytes(data, bands),
            _Scratch(builder, data),
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
        details["similarity"] = round(float(d.similarity[row]), 4)
        if d.earlier[row] >= 0:
            details["against"] = summary.against[int(d.earlier[row])]
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
            "candidate_pairs": d.candidates,  # LSH candidates verified
            "linked_pairs": d.linked,  # of which at least threshold similar
            "clusters": count,
            "largest_cluster": largest,
            "state_bytes_per_document": round(summary.state_bytes / n, 1) if n else 0,
            "clusters_file": CLUSTERS_FILE,
            "top_clusters": listed,
        }

    def write_artifacts(self, summary: DedupSummary, directory: Path) -> None:
        """Write ``dedup/clusters.jsonl`` and the saved index ``dedup/index/`` of the survivors."""
        with atomic_write(Path(directory) / CLUSTERS_FILE) as fh:
            for found in clusters(summary):
                fh.write(json.dumps(found.to_json(), ensure_ascii=False) + "\n")
        data = summary.scratch.data
        if data is None:
            raise RuntimeError("dedup: the summary's index data is gone (written already, or sent to another process)")
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
        write_index(Path(directory), data, kept, self.index_params, info)
        summary.scratch.release()


def _np(values: array, dtype: type) -> np.ndarray:
    """The array's values as numpy, sharing its buffer (the array is not appended to again)."""
    return np.frombuffer(values, dtype=dtype) if len(values) else np.empty(0, dtype)


#: Bytes merge() holds per observed document while it clusters, besides ids and sources.
_ROW_BYTES = (
    8 + 8 + 1  # seq, length, has-key flag (derived while deciding)
    + 8 + 1 + 1 + 8  # the index builder's exact hash, minhashed flag (and its buffer), shingle offset
    + 1 + 8 + 2 + 8  # decisions: reason, survivor, earlier index, similarity
    + 8 + 8 + 8 + 8  # survivor rank, exact representative, representative rows, clustered rows
)
#: Bytes per LSH band of each clustered document: its key, the index's sorted copy and holder.
_BAND_BYTES = 8 + 8 + 4


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
    from .stages import AVAILABLE

    by_name = {cls.name: cls for cls in AVAILABLE}
    for name in names:
        cls = by_name.get(name)
        if cls is None:
            raise ValueError(f"prepare names unknown stage {name!r}; known: {', '.join(sorted(by_name))}")
        if hasattr(cls, "observe") or name == Dedup.name:
            raise ValueError(f"prepare may only name per-document stages; {name!r} needs the whole corpus")


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


# -- the standalone command --------------------------------------------------------------------


def input_formats(path: str | Path) -> tuple[str, ...]:
    """The output formats matching an input: JSONL in → JSONL shards out, .txt in → .txt out.

    >>> input_formats("batch.jsonl.gz")
    ('jsonl',)
    """
    path = Path(path)
    files = iter_files(path) if path.is_dir() else [path]
    kinds: set[str] = set()
    for file in files:
        kinds.add("jsonl" if file.name.endswith(JSONL_SUFFIXES) else "txt")
        if len(kinds) == 2:
            break
    return tuple(sorted(kinds)) or ("txt",)


def deduplicate(
    input_path: str | Path,
    output_dir: str | Path,
    stage: Dedup | None = None,
    *,
    workers: int | None = None,
    text_field: str | None = None,
    id_field: str | None = None,
    force: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Deduplicate a folder or a file on its own; write the survivors unchanged; return the report.

    Documents are compared in the form the full pipeline would give them (the
    stage's ``prepare`` stages run on a copy; default :data:`TEXT_STAGES`),
    and written as they were read, in the input's format.
    """
    from .config import Config  # here: config → stages → this module
    from .runner import RunError, run_pipeline

    stage = stage or Dedup(prepare=TEXT_STAGES)
    for path in stage.against:
        if inside(Path(path), Path(output_dir)) or inside(Path(output_dir), Path(path)):
            raise RunError(f"{path}: --against may not be the output folder: a run replaces what it compares with")
    config = Config().with_run(
        stages=(Dedup.name,),
        workers=workers,
        formats=input_formats(input_path),
        text_field=text_field,
        id_field=id_field,
        progress=progress,
    )
    return run_pipeline(input_path, output_dir, config, stages=[stage], force=force)


def read_clusters(output_dir: str | Path) -> Iterator[dict[str, Any]]:
    """The clusters a run wrote (``dedup/clusters.jsonl``), one dict each."""
    with open(Path(output_dir) / CLUSTERS_FILE, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def explain(found: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Clusters as lines a person reads: who was kept, who was dropped, how similar.

    >>> print("\\n".join(explain([{"survivor": "a.txt", "source": "a.txt", "earlier": None, "size": 2,
    ...     "members": [{"id": "b.txt", "source": "b.txt", "reason": "near_duplicate", "similarity": 0.91}]}])))
    cluster 1: 2 documents, kept a.txt
      dropped b.txt  near_duplicate  similarity 0.9100
    """
    for number, item in enumerate(found, 1):
        where = f" (in earlier output {item['earlier']})" if item["earlier"] else ""
        yield f"cluster {number}: {item['size']} documents, kept {item['survivor']}{where}"
        for member in item["members"]:
            yield f"  dropped {member['id']}  {member['reason']}  similarity {member['similarity']:.4f}"
