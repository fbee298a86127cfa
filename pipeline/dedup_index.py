"""The saved deduplication index: a documented, versioned folder of numpy arrays.

A run with the ``dedup`` stage writes ``dedup/index/`` into its output; a later
run given ``--against`` that output deduplicates a new batch against it without
reading the earlier corpus again. Format version 2::

    dedup/index/
      manifest.json        format, version, document count, parameters (below)
      documents.jsonl      one line per document, in row order: {"id": ..., "source": ...}
      exact.npy            uint64[N]   BLAKE2b-64 of the comparison form (UTF-32LE code points)
      minhashed.npy        bool[N]     False for documents too short for MinHash
      signatures.npy       uint32[N, num_perm]  MinHash signatures (datasketch affine32);
                                       all 0xFFFFFFFF where minhashed is False
      shingle_offsets.npy  int64[N+1]  row i's shingles are shingles[offsets[i]:offsets[i+1]]
      shingles.npy         uint32[S]   each row's sorted, distinct shingle hashes (for
                                       exact verification of candidates), before masking
      argmins.npy          uint32[N, num_perm]  per signature slot, the shingle hash that gave
                                       its minimum (to mask a signature without recomputing it)
      short_offsets.npy    int64[N+1]  row i's short-line shingles are short_shingles[...]
      short_shingles.npy   uint32[T]   each row's shingles that occur only inside short lines
                                       (captions, credits: noise a copy may carry unmasked)
      frequency_buckets.npy uint32[K]  the non-zero counters of the document frequency of
      frequency_counts.npy  uint32[K]  shingles, by the top ``mask_bits`` bits of their hash, over
                                       every document the run observed
                                       (``manifest["frequency_documents"]`` of them), as
                                       (bucket, count) pairs in bucket order

Version 2 (issue 14) added ``argmins.npy``, the short-line shingles and the frequencies: a later run
adds the saved frequencies to its own, so the earlier documents and the new
ones are masked alike. A version-1 index is refused with a message saying to
rebuild it (its signatures and shingles use comparison form 1, without script
folding, so they could not be compared anyway).

Every ``.npy`` file is a plain numpy array file (``numpy.load`` reads it). The
index holds the documents *written* by that run (its survivors), so a match
names a document present in that output.

``manifest.json["params"]`` lists what decides the numbers in the arrays: the
n-gram size, ``num_perm``, the seed, the permutation scheme and the versions
of the comparison form and the shingle hash. An index whose parameters differ
from the run's is refused with an error naming the difference: mixing them
would compare unrelated hash values and silently find nothing. The similarity
threshold is *not* among them: LSH bands are recomputed from the stored
signatures, so a later run may use another threshold.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import numpy as np

from .io import atomic_write

FORMAT = "cleancorpus-dedup-index"
VERSION = 2
#: Bits of a shingle hash that pick its frequency counter (4M counters, 16 MB).
MASK_BITS = 22
#: Where a run's output keeps its index.
INDEX_DIR = PurePosixPath("dedup") / "index"
MANIFEST = "manifest.json"
_CHUNK = 1024  # rows of signatures read at a time (512 KB at 128 permutations)


class IndexRefused(ValueError):
    """A saved index that cannot be used here; the message is for the user."""


@dataclass(frozen=True)
class IndexParams:
    """Everything that decides the stored hash values: must match to compare."""

    ngram: int
    num_perm: int
    seed: int
    scheme: str
    shingle_hash: str
    fold: str
    view: str
    mask_bits: int

    def differences(self, run: IndexParams) -> list[str]:
        """``name=index's value (this run: run's value)`` for every parameter that differs.

        ``self`` are a saved index's parameters, ``run`` those of this run.

        >>> run = IndexParams(5, 128, 1, "affine32", "h/1", "f/1", "v/1", 22)
        >>> IndexParams(4, 128, 1, "affine32", "h/1", "f/1", "v/1", 22).differences(run)
        ['ngram=4 (this run: 5)']
        """
        saved, wanted = asdict(self), asdict(run)
        return [f"{k}={saved[k]} (this run: {wanted[k]})" for k in saved if saved[k] != wanted[k]]


class StringTable:
    """Strings kept as one UTF-8 buffer plus end offsets: no Python object per entry.

    >>> t = StringTable()
    >>> t.append("甲.txt"); t.append("b")
    >>> len(t), t[0], t[1]
    (2, '甲.txt', 'b')
    """

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("q")

    def append(self, text: str) -> None:
        self._data += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._data))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:
        start = self._ends[i - 1] if i > 0 else 0
        return self._data[start : self._ends[i]].decode("utf-8", "surrogatepass")

    @property
    def nbytes(self) -> int:
        return len(self._data) + 8 * len(self._ends)


class UInt32File:
    """uint32 values in a file, read by position: nothing stays mapped in memory.

    A memory map would make every page touched (gigabytes of shingle sets on
    a large corpus) count in the process's resident size; reading just what
    is needed keeps the footprint what the stage really holds.
    """

    def __init__(self, path: Path, offset: int = 0) -> None:
        self._fh = open(path, "rb")
        self.offset = offset
        self.count = (os.fstat(self._fh.fileno()).st_size - offset) // 4

    def read(self, start: int, stop: int) -> np.ndarray:
        """Values ``start`` to ``stop`` (exclusive), as a read-only array."""
        if stop <= start:
            return np.empty(0, dtype=np.uint32)
        data = os.pread(self._fh.fileno(), 4 * (stop - start), self.offset + 4 * start)
        return np.frombuffer(data, dtype="<u4")

    def close(self) -> None:
        self._fh.close()


@dataclass
class FrequencyTable:
    """How many observed documents hold each shingle, counted by the top bits of its hash.

    One row of ``2**bits`` saturating-free uint32 counters: a shingle's count
    is its counter's, so a collision can only make it look more frequent. At
    100,000 documents of 1,000 shingles a counter holds about 25 stray
    occurrences on average, far below any cutoff worth masking at; the
    benchmark measures the rest. Counts from saved indexes add up.
    """

    counts: np.ndarray  # uint32[2**bits]
    documents: int = 0

    @classmethod
    def empty(cls, bits: int = MASK_BITS) -> FrequencyTable:
        return cls(np.zeros(1 << bits, dtype=np.uint32))

    @property
    def bits(self) -> int:
        return int(self.counts.size).bit_length() - 1

    def add(self, shingles: np.ndarray) -> None:
        """Count one document's distinct shingles (sorted, as a shingle set is).

        Two shingles of one document in one counter count once: the counter
        says in how many documents its bucket occurs. The buckets of a sorted
        set are sorted, so their distinct values are a comparison away (no
        ``np.add.at``, ten times slower).
        """
        self.documents += 1
        if shingles.size:
            buckets = shingles >> np.uint32(32 - self.bits)
            first = np.empty(buckets.size, dtype=bool)
            first[0] = True
            np.not_equal(buckets[1:], buckets[:-1], out=first[1:])
            self.counts[buckets[first]] += 1

    def of(self, shingles: np.ndarray) -> np.ndarray:
        """The (over-)estimated document frequency of each shingle."""
        return self.counts[shingles >> np.uint32(32 - self.bits)]

    def plus(self, other: FrequencyTable) -> FrequencyTable:
        return FrequencyTable(self.counts + other.counts, self.documents + other.documents)


@dataclass
class IndexData:
    """Per-document hash data, row by row: small columns in memory, the rest on disk."""

    ids: StringTable
    sources: StringTable
    exact: np.ndarray  # uint64[N]
    minhashed: np.ndarray  # bool[N]
    offsets: np.ndarray  # int64[N+1]: row i's shingles are values offsets[i]:offsets[i+1]
    num_perm: int
    signature_file: UInt32File  # N * num_perm values, row after row
    shingle_file: UInt32File
    argmin_file: UInt32File  # N * num_perm values: the shingle behind each signature slot
    short_offsets: np.ndarray  # int64[N+1]
    short_file: UInt32File  # each row's short-line shingles
    frequency: FrequencyTable | None = None  # saved with an index; None while a run builds one

    def __len__(self) -> int:
        return len(self.exact)

    def signatures(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start`` to ``stop`` of the (documents, num_perm) signature array."""
        return self.signature_file.read(start * self.num_perm, stop * self.num_perm).reshape(-1, self.num_perm)

    def signatures_of(self, rows: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(rows, signatures)`` for increasing ``rows``, reading a block of the file at a time."""
        rows = np.asarray(rows, dtype=np.int64)
        for chosen in np.split(rows, np.flatnonzero(np.diff(rows // _CHUNK)) + 1):
            if len(chosen):
                first = int(chosen[0])
                yield chosen, self.signatures(first, int(chosen[-1]) + 1)[chosen - first]

    def argmins_of(self, rows: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(rows, argmins)`` for increasing ``rows``, as :meth:`signatures_of`."""
        rows = np.asarray(rows, dtype=np.int64)
        for chosen in np.split(rows, np.flatnonzero(np.diff(rows // _CHUNK)) + 1):
            if len(chosen):
                first, last = int(chosen[0]), int(chosen[-1]) + 1
                block = self.argmin_file.read(first * self.num_perm, last * self.num_perm).reshape(-1, self.num_perm)
                yield chosen, block[chosen - first]

    def shingles_of(self, row: int) -> np.ndarray:
        return self.shingle_file.read(int(self.offsets[row]), int(self.offsets[row + 1]))

    def short_of(self, row: int) -> np.ndarray:
        return self.short_file.read(int(self.short_offsets[row]), int(self.short_offsets[row + 1]))

    def close(self) -> None:
        self.signature_file.close()
        self.shingle_file.close()
        self.argmin_file.close()
        self.short_file.close()


# -- building (streaming, on disk) ----------------------------------------------------


class IndexBuilder:
    """Collects rows during a run: small columns in memory, large ones in a temp folder.

    Signatures and shingle sets are appended to files, so memory holds only
    about 18 bytes per document plus its id and source. The folder is removed
    by :meth:`cleanup`.
    """

    def __init__(self, num_perm: int) -> None:
        self.num_perm = num_perm
        self.folder = Path(tempfile.mkdtemp(prefix="cleancorpus-dedup-"))
        self.ids = StringTable()
        self.sources = StringTable()
        self._exact = array("Q")
        self._minhashed = array("b")
        self._ends = array("q", [0])
        self._signatures: IO[bytes] = open(self.folder / "signatures.u32", "wb")
        self._shingles: IO[bytes] = open(self.folder / "shingles.u32", "wb")
        self._argmins: IO[bytes] = open(self.folder / "argmins.u32", "wb")
        self._no_args = np.zeros(num_perm, dtype=np.uint32).tobytes()
        self._short: IO[bytes] = open(self.folder / "short.u32", "wb")
        self._short_ends = array("q", [0])
        self._empty = np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32).tobytes()
        self._data: IndexData | None = None

    def add(
        self, doc_id: str, source: str, exact: int, signature: np.ndarray | None, shingles: np.ndarray,
        argmins: np.ndarray | None = None, short: np.ndarray | None = None,
    ) -> None:
        self.ids.append(doc_id)
        self.sources.append(source)
        self._exact.append(exact)
        self._minhashed.append(signature is not None)
        self._signatures.write(self._empty if signature is None else signature.astype("<u4", copy=False).tobytes())
        self._shingles.write(shingles.astype("<u4", copy=False).tobytes())
        self._argmins.write(self._no_args if argmins is None else argmins.astype("<u4", copy=False).tobytes())
        self._ends.append(self._ends[-1] + shingles.size)
        short = np.empty(0, np.uint32) if short is None else short
        self._short.write(short.astype("<u4", copy=False).tobytes())
        self._short_ends.append(self._short_ends[-1] + short.size)

    def finish(self) -> IndexData:
        self._signatures.close()
        self._shingles.close()
        self._argmins.close()
        self._short.close()
        self._data = IndexData(
            ids=self.ids,
            sources=self.sources,
            exact=np.frombuffer(self._exact, dtype=np.uint64) if len(self._exact) else np.empty(0, np.uint64),
            minhashed=np.frombuffer(self._minhashed, dtype=np.int8).astype(bool),
            offsets=np.frombuffer(self._ends, dtype=np.int64),
            num_perm=self.num_perm,
            signature_file=UInt32File(self.folder / "signatures.u32"),
            shingle_file=UInt32File(self.folder / "shingles.u32"),
            argmin_file=UInt32File(self.folder / "argmins.u32"),
            short_offsets=np.frombuffer(self._short_ends, dtype=np.int64),
            short_file=UInt32File(self.folder / "short.u32"),
        )
        return self._data

    def cleanup(self) -> None:
        for fh in (self._signatures, self._shingles, self._argmins, self._short):
            fh.close()
        if self._data is not None:
            self._data.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# -- writing ---------------------------------------------------------------------------


def write_index(
    directory: Path, data: IndexData, rows: np.ndarray, params: IndexParams, info: dict[str, Any],
    frequency: FrequencyTable | None = None,
) -> Path:
    """Write ``data``'s ``rows`` and the run's shingle frequencies as a version-2 index.

    The index goes to ``directory / INDEX_DIR``; that folder is returned.

    Large arrays are copied a block at a time, so writing needs no more memory
    than a block whatever the corpus size. ``info`` (threshold, bands, the
    stages that prepared the text...) is recorded for people, never checked.
    """
    folder = Path(directory) / INDEX_DIR
    folder.mkdir(parents=True, exist_ok=True)
    rows = np.asarray(rows, dtype=np.int64)
    with atomic_write(folder / "documents.jsonl") as fh:
        for row in rows.tolist():
            fh.write(json.dumps({"id": data.ids[row], "source": data.sources[row]}, ensure_ascii=False) + "\n")
    _save(folder / "exact.npy", np.asarray(data.exact)[rows])
    _save(folder / "minhashed.npy", np.asarray(data.minhashed)[rows])
    sizes = np.diff(data.offsets)[rows]
    _save(folder / "shingle_offsets.npy", np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64))
    _save_blocks(folder / "signatures.npy", (len(rows), data.num_perm), (sig for _, sig in data.signatures_of(rows)))
    _save_blocks(folder / "shingles.npy", (int(sizes.sum()),), (data.shingles_of(row) for row in rows.tolist()))
    _save_blocks(folder / "argmins.npy", (len(rows), data.num_perm), (arg for _, arg in data.argmins_of(rows)))
    short_sizes = np.diff(data.short_offsets)[rows]
    _save(folder / "short_offsets.npy", np.concatenate([[0], np.cumsum(short_sizes)]).astype(np.int64))
    _save_blocks(folder / "short_shingles.npy", (int(short_sizes.sum()),), (data.short_of(r) for r in rows.tolist()))
    frequency = frequency or FrequencyTable.empty(params.mask_bits)
    buckets = np.flatnonzero(frequency.counts).astype(np.uint32)  # sparse: a small run saves little
    _save(folder / "frequency_buckets.npy", buckets)
    _save(folder / "frequency_counts.npy", frequency.counts[buckets])
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "documents": int(len(rows)),
        "frequency_documents": frequency.documents,
        "params": asdict(params),
        "info": info,
    }
    with atomic_write(folder / MANIFEST) as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    return folder


def _save(path: Path, values: np.ndarray) -> None:
    with atomic_write(path, "wb") as fh:
        np.save(fh, values, allow_pickle=False)


def _save_blocks(path: Path, shape: tuple[int, ...], blocks: Iterable[np.ndarray]) -> None:
    """Write a uint32 ``.npy`` file of ``shape`` from consecutive blocks of its values."""
    with atomic_write(path, "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": "<u4", "fortran_order": False, "shape": shape})
        for block in blocks:
            fh.write(np.ascontiguousarray(block, dtype="<u4").tobytes())


def _npy_values(path: Path) -> UInt32File:
    """Open a uint32 ``.npy`` file for positional reads (after checking its header)."""
    with open(path, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        _shape, fortran, dtype = read_header(fh)
        offset = fh.tell()
    if fortran or dtype != np.dtype("<u4"):
        raise IndexRefused(f"{path}: expected a C-ordered uint32 array, found {dtype}")
    return UInt32File(path, offset)


# -- reading ---------------------------------------------------------------------------


def find_index(path: str | Path) -> Path:
    """The index folder of an earlier output (or the index folder itself).

    >>> find_index("/x")
    Traceback (most recent call last):
    ...
    pipeline.dedup_index.IndexRefused: /x: no dedup index here (expected /x/dedup/index/manifest.json)
    """
    path = Path(path)
    for candidate in (path / INDEX_DIR, path):
        if (candidate / MANIFEST).is_file():
            return candidate
    raise IndexRefused(f"{path}: no dedup index here (expected {path / INDEX_DIR / MANIFEST})")


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of an index folder, checked for format and version."""
    try:
        with open(folder / MANIFEST, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError) as exc:
        raise IndexRefused(f"{folder / MANIFEST}: unreadable index manifest: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexRefused(f"{folder / MANIFEST}: not a cleancorpus dedup index")
    if manifest.get("version") != VERSION:
        raise IndexRefused(
            f"{folder / MANIFEST}: index format version {manifest.get('version')!r}; "
            f"this cleancorpus reads version {VERSION} only: rebuild the index with this version"
        )
    return manifest


def check_index(path: str | Path, params: IndexParams) -> Path:
    """Find the index of ``path`` and refuse it unless its parameters are ``params``; return its folder."""
    folder = find_index(path)
    manifest = read_manifest(folder)
    try:
        theirs = IndexParams(**manifest["params"])
    except (KeyError, TypeError) as exc:
        raise IndexRefused(f"{folder / MANIFEST}: malformed params: {exc}") from None
    differences = theirs.differences(params)
    if differences:
        raise IndexRefused(
            f"{path}: index built with other parameters: {', '.join(differences)}; "
            "its hashes cannot be compared with this run's: run with the same parameters or rebuild it"
        )
    for name, dtype in _ARRAYS.items():
        _check_array(folder / name, dtype)
    if not (folder / "documents.jsonl").is_file():
        raise IndexRefused(f"{folder / 'documents.jsonl'}: missing; the index is damaged")
    return folder


#: The arrays of an index and their element types.
_ARRAYS = {
    "exact.npy": np.dtype("<u8"),
    "minhashed.npy": np.dtype("bool"),
    "shingle_offsets.npy": np.dtype("<i8"),
    "signatures.npy": np.dtype("<u4"),
    "shingles.npy": np.dtype("<u4"),
    "argmins.npy": np.dtype("<u4"),
    "short_offsets.npy": np.dtype("<i8"),
    "short_shingles.npy": np.dtype("<u4"),
    "frequency_buckets.npy": np.dtype("<u4"),
    "frequency_counts.npy": np.dtype("<u4"),
}


def _check_array(path: Path, dtype: np.dtype) -> None:
    """Refuse an array file that is missing, not .npy, of another type, or cut short.

    Checked before a run starts (header and size only), so a damaged index is
    refused in one line before any work, not with a traceback at the end.
    """
    try:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, found = read_header(fh)
            offset = fh.tell()
            size = os.fstat(fh.fileno()).st_size
    except (OSError, ValueError, EOFError) as exc:
        raise IndexRefused(f"{path}: not a readable array file ({exc}); the index is damaged") from None
    if found != dtype or fortran:
        raise IndexRefused(f"{path}: expected a C-ordered {dtype} array, found {found}; the index is damaged")
    expected = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if size != expected:
        raise IndexRefused(f"{path}: {size} bytes where its header promises {expected}; the index is damaged (cut short?)")


def _load_frequency(folder: Path, bits: int, documents: int) -> FrequencyTable | None:
    """The saved (bucket, count) pairs as a dense table; None when they do not fit ``bits``."""
    buckets, counts = np.load(folder / "frequency_buckets.npy"), np.load(folder / "frequency_counts.npy")
    if buckets.shape != counts.shape or (buckets.size and int(buckets.max()) >= 1 << bits):
        return None
    table = FrequencyTable.empty(bits)
    table.counts[buckets] = counts
    table.documents = documents
    return table


def load_index(path: str | Path, params: IndexParams) -> IndexData:
    """Open an earlier output's index after checking its parameters (large arrays stay on disk).

    Any damage the checks did not see (a bad line in documents.jsonl, arrays
    changed since) is refused with :class:`IndexRefused`, never a traceback.
    """
    folder = check_index(path, params)
    try:
        return _load(folder, params)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError) as exc:
        if isinstance(exc, IndexRefused):
            raise
        raise IndexRefused(f"{folder}: damaged index: {type(exc).__name__}: {exc}") from None


def _load(folder: Path, params: IndexParams) -> IndexData:
    manifest = read_manifest(folder)
    ids, sources = StringTable(), StringTable()
    with open(folder / "documents.jsonl", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            ids.append(str(record["id"]))
            sources.append(str(record.get("source", "")))
    data = IndexData(
        ids=ids,
        sources=sources,
        exact=np.load(folder / "exact.npy", allow_pickle=False),
        minhashed=np.load(folder / "minhashed.npy", allow_pickle=False),
        offsets=np.load(folder / "shingle_offsets.npy", allow_pickle=False),
        num_perm=params.num_perm,
        signature_file=_npy_values(folder / "signatures.npy"),
        shingle_file=_npy_values(folder / "shingles.npy"),
        argmin_file=_npy_values(folder / "argmins.npy"),
        short_offsets=np.load(folder / "short_offsets.npy"),
        short_file=_npy_values(folder / "short_shingles.npy"),
        frequency=_load_frequency(folder, params.mask_bits, int(manifest.get("frequency_documents", 0))),
    )
    n = len(data.ids)
    if {len(data.exact), len(data.minhashed), len(data.offsets) - 1} != {n} or (
        data.signature_file.count != n * params.num_perm or data.shingle_file.count != data.offsets[-1]
        or data.argmin_file.count != n * params.num_perm or len(data.short_offsets) != n + 1
        or data.short_file.count != data.short_offsets[-1] or data.frequency is None
    ):
        data.close()
        raise IndexRefused(f"{folder}: index files disagree about the number of documents; the index is damaged")
    return data
