"""The saved deduplication index: a documented, versioned folder of numpy arrays.

A run with the ``dedup`` stage writes ``dedup/index/`` into its output; a later
run given ``--against`` that output deduplicates a new batch against it without
reading the earlier corpus again. Format version 1::

    dedup/index/
      manifest.json        format, version, document count, parameters (below)
      documents.jsonl      one line per document, in row order: {"id": ..., "source": ...}
      exact.npy            uint64[N]   BLAKE2b-64 of the comparison form (UTF-32LE code points)
      minhashed.npy        bool[N]     False for documents too short for MinHash
      signatures.npy       uint32[N, num_perm]  MinHash signatures (datasketch affine32);
                                       all 0xFFFFFFFF where minhashed is False
      shingle_offsets.npy  int64[N+1]  row i's shingles are shingles[offsets[i]:offsets[i+1]]
      shingles.npy         uint32[S]   each row's sorted, distinct shingle hashes (for
                                       exact verification of candidates)

Every ``.npy`` file is plain ``numpy.save`` output (``numpy.load(...,
mmap_mode="r")`` reads it). The index holds the documents *written* by that
run (its survivors), so a match names a document present in that output.

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
import shutil
import tempfile
from array import array
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import numpy as np

from .io import atomic_write

FORMAT = "cleancorpus-dedup-index"
VERSION = 1
#: Where a run's output keeps its index.
INDEX_DIR = PurePosixPath("dedup") / "index"
MANIFEST = "manifest.json"
_CHUNK = 4096  # rows copied at a time when writing


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

    def differences(self, other: IndexParams) -> list[str]:
        """Human-readable ``name: theirs vs ours`` for every differing parameter.

        >>> a = IndexParams(5, 128, 1, "affine32", "h/1", "f/1")
        >>> IndexParams(4, 128, 1, "affine32", "h/1", "f/1").differences(a)
        ['ngram=4 (this run: 5)']
        """
        mine, theirs = asdict(self), asdict(other)
        return [f"{k}={mine[k]} (this run: {theirs[k]})" for k in mine if mine[k] != theirs[k]]


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


@dataclass
class IndexData:
    """Per-document hash data, row by row; arrays may be memory-mapped files."""

    ids: StringTable
    sources: StringTable
    exact: np.ndarray  # uint64[N]
    minhashed: np.ndarray  # bool[N]
    signatures: np.ndarray  # uint32[N, num_perm]
    offsets: np.ndarray  # int64[N+1]
    shingles: np.ndarray  # uint32[S]

    def __len__(self) -> int:
        return len(self.exact)

    def shingles_of(self, row: int) -> np.ndarray:
        return self.shingles[self.offsets[row] : self.offsets[row + 1]]


# -- building (streaming, on disk) ----------------------------------------------------


class IndexBuilder:
    """Collects rows during a run: small columns in memory, large ones in a temp folder.

    Signatures and shingle sets are appended to files, so memory holds only
    about 30 bytes per document plus its id; :meth:`finish` maps the files
    back as arrays. The folder is removed by :meth:`cleanup`.
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
        self._empty = np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32).tobytes()

    def add(self, doc_id: str, source: str, exact: int, signature: np.ndarray | None, shingles: np.ndarray) -> None:
        self.ids.append(doc_id)
        self.sources.append(source)
        self._exact.append(exact)
        self._minhashed.append(signature is not None)
        self._signatures.write(self._empty if signature is None else signature.astype("<u4", copy=False).tobytes())
        self._shingles.write(shingles.astype("<u4", copy=False).tobytes())
        self._ends.append(self._ends[-1] + shingles.size)

    def finish(self) -> IndexData:
        self._signatures.close()
        self._shingles.close()
        n = len(self._exact)
        return IndexData(
            ids=self.ids,
            sources=self.sources,
            exact=np.frombuffer(self._exact, dtype=np.uint64) if n else np.empty(0, np.uint64),
            minhashed=np.frombuffer(self._minhashed, dtype=np.int8).astype(bool),
            signatures=_map(self.folder / "signatures.u32", (n, self.num_perm)),
            offsets=np.frombuffer(self._ends, dtype=np.int64),
            shingles=_map(self.folder / "shingles.u32", (self._ends[-1],)),
        )

    def cleanup(self) -> None:
        for fh in (self._signatures, self._shingles):
            fh.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _map(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    """A read-only uint32 array backed by ``path`` (numpy cannot map an empty file)."""
    if int(np.prod(shape)) == 0:
        return np.empty(shape, dtype=np.uint32)
    return np.memmap(path, dtype="<u4", mode="r", shape=shape)


# -- writing ---------------------------------------------------------------------------


def write_index(
    directory: Path, data: IndexData, rows: np.ndarray, params: IndexParams, info: dict[str, Any]
) -> Path:
    """Write ``data``'s ``rows`` as a version-1 index in ``directory / INDEX_DIR``; return that folder.

    Large arrays are copied in chunks, so writing needs no more memory than a
    chunk whatever the corpus size. ``info`` (threshold, bands, the stages that
    prepared the text...) is recorded for people, never checked.
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
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    _save(folder / "shingle_offsets.npy", offsets)
    def copy_signatures(out: np.ndarray) -> None:
        for start in range(0, len(rows), _CHUNK):
            out[start : start + _CHUNK] = data.signatures[rows[start : start + _CHUNK]]

    def copy_shingles(out: np.ndarray) -> None:
        for i, row in enumerate(rows.tolist()):
            out[offsets[i] : offsets[i + 1]] = data.shingles_of(row)

    _save_large(folder / "signatures.npy", (len(rows), data.signatures.shape[1]), copy_signatures)
    _save_large(folder / "shingles.npy", (int(offsets[-1]),), copy_shingles)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "documents": int(len(rows)),
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


def _save_large(path: Path, shape: tuple[int, ...], fill: Callable[[np.ndarray], None]) -> None:
    """Save a uint32 array too large for memory: ``fill`` writes it into a mapped file."""
    if int(np.prod(shape)) == 0:
        _save(path, np.empty(shape, dtype="<u4"))
        return
    tmp = path.with_name(f".{path.name}.tmp")
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype="<u4", shape=shape)
    fill(out)
    out.flush()
    del out
    tmp.replace(path)


# -- reading ---------------------------------------------------------------------------


def find_index(path: str | Path) -> Path:
    """The index folder of an earlier output (or the index folder itself).

    >>> find_index("/nonexistent")
    Traceback (most recent call last):
    ...
    pipeline.dedup_index.IndexRefused: /nonexistent: no dedup index here (expected /nonexistent/dedup/index/manifest.json, written by a run with the dedup stage)
    """
    path = Path(path)
    for candidate in (path / INDEX_DIR, path):
        if (candidate / MANIFEST).is_file():
            return candidate
    raise IndexRefused(
        f"{path}: no dedup index here (expected {path / INDEX_DIR / MANIFEST}, written by a run with the dedup stage)"
    )


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
    return folder


def load_index(path: str | Path, params: IndexParams) -> IndexData:
    """Open an earlier output's index (memory-mapped) after checking its parameters."""
    folder = check_index(path, params)
    ids, sources = StringTable(), StringTable()
    with open(folder / "documents.jsonl", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            ids.append(record["id"])
            sources.append(record.get("source", ""))
    data = IndexData(
        ids=ids,
        sources=sources,
        exact=np.load(folder / "exact.npy"),
        minhashed=np.load(folder / "minhashed.npy"),
        signatures=np.load(folder / "signatures.npy", mmap_mode="r"),
        offsets=np.load(folder / "shingle_offsets.npy"),
        shingles=np.load(folder / "shingles.npy", mmap_mode="r"),
    )
    sizes = {len(data.ids), len(data.exact), len(data.minhashed), len(data.signatures), len(data.offsets) - 1}
    if len(sizes) != 1 or data.signatures.shape[1:] != (params.num_perm,):
        raise IndexRefused(f"{folder}: index files disagree about the number of documents; the index is damaged")
    return data
