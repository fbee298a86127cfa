"""Corpus-level boilerplate: lines that recur at the edges of many different documents.

A site prints the same navigation line on top of every page and the same
copyright, contact or disclaimer lines at the bottom. No rule names them, but
the corpus gives them away: they occur, word for word, in many documents, at
the head or the tail. Article text does not. This stage finds them in a first
pass and removes them in a second one (``observe`` / ``merge`` / ``apply``).

Policy: position, length and recurrence decide together
    A line (compared by :func:`pipeline.lines.line_key`) is **boilerplate** when

    * its key has ``min_chars``..``max_chars`` characters (a 300-character
      paragraph recurring in many documents is a syndicated article, the dedup
      stage's business, not a footer);
    * it sits in the head or tail zone (the first/last ``edge_lines`` lines,
      at most a third of the document each) of at least ``min_docs`` *different*
      documents: copies of one article (same longest line) count once, so a
      wire story reposted by twenty sites does not lose its headline;
    * at least ``min_edge_share`` of the documents containing it have it in
      that zone: a slogan that articles quote in their body, and a few of them
      also at the end, is not boilerplate.

    In a document, a boilerplate line is removed when it is in the head or tail
    zone, or when it touches a removed block (a footer longer than the zone),
    or when it is at least ``mid_min_chars`` long (a long templated sentence,
    such as a disclaimer, that the page also put in its middle). Short
    boilerplate lines in the middle of the text stay: there they are more
    likely a quotation than a template.

Bounded memory
    ``merge`` never keeps a table of all lines. Document frequencies go into
    two count-min sketches (all occurrences, edge occurrences), gated by a
    Bloom filter of (line, document fingerprint) pairs so each different
    document counts once; only lines whose edge count reaches ``min_docs`` are
    kept exactly, with their text, up to ``max_blocks`` of them. Memory is
    ``2 × 4 × 2**sketch_bits × 2`` bytes for the sketches plus
    ``2**bloom_bits / 8`` for the filter: 42 MB (40 MiB) with the defaults, good for
    about a million documents (:meth:`Boilerplate.describe` reports how full
    they are; raise the bits when it warns).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .document import Document
from .io import atomic_write
from .lines import Line, key_hash, line_key, removal_spans, split_lines
from .sketch import BloomFilter, CountMinSketch

#: Sketch fill above which counts may be inflated enough to matter.
CROWDED = 0.5
#: States counted per numpy call in ``merge`` (a constant: the result must not
#: depend on anything but the input order).
MERGE_BATCH = 256


def edge_zone(n_lines: int, edge_lines: int) -> int:
    """How many lines at each end of a document of ``n_lines`` lines count as head/tail.

    At most a third of the document each, so the body of a short document is
    never "edge": in a five-line page only the first and last line are.

    >>> [edge_zone(n, 8) for n in (1, 2, 3, 5, 12, 40)]
    [0, 0, 1, 1, 4, 8]
    """
    return min(edge_lines, n_lines // 3)


def is_edge(i: int, n_lines: int, zone: int) -> bool:
    """Line ``i`` of ``n_lines`` is in the head or tail zone.

    >>> [is_edge(i, 6, 2) for i in range(6)]
    [True, True, False, False, True, True]
    """
    return i < zone or i >= n_lines - zone


@dataclass(frozen=True, slots=True)
class Observed:
    """What ``observe`` keeps of one document: compact and picklable; of its text, only the edge lines.

    ``hashes``  distinct line hashes (uint64), lines of countable length only
    ``edge``    for each hash, whether it occurs in the head/tail zone
    ``fingerprint``  hash of the document's longest line: copies of one article share it
    ``texts``   the text of each edge line (the report quotes them), keyed by hash
    """

    hashes: np.ndarray
    edge: np.ndarray
    fingerprint: int
    texts: dict[int, str]


@dataclass(frozen=True, slots=True)
class Block:
    """A recurring line and its counts (estimates from the sketches, never too low)."""

    text: str
    docs: int  # different documents containing it
    edge_docs: int  # different documents having it in the head/tail zone

    @property
    def edge_share(self) -> float:
        return self.edge_docs / self.docs if self.docs else 0.0


@dataclass(frozen=True)
class Summary:
    """The boilerplate verdict for the corpus, sent to every worker for ``apply``."""

    hashes: frozenset[int]
    blocks: tuple[Block, ...]  # boilerplate, most frequent first
    kept: tuple[Block, ...]  # recurring at the edges but kept (mostly mid-text)
    documents: int = 0
    lines: int = 0
    sketch_fill: float = 0.0
    bloom_fill: float = 0.0
    not_admitted: int = 0
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Boilerplate:
    """Remove lines that recur at the head or tail of many different documents.

    ``min_docs``        different documents a line must head or end to be
                        boilerplate (see docs/repetition.md for the measurement)
    ``min_edge_share``  share of its documents that must have it at an edge
    ``min_chars``, ``max_chars``  key length of lines that can be boilerplate
    ``edge_lines``      lines at each end forming the head/tail zone (at most a
                        third of the document)
    ``mid_min_chars``   boilerplate lines at least this long are removed in
                        the middle of a document too
    ``sketch_bits``, ``bloom_bits``  memory of the counting pass (2**bits)
    ``max_blocks``      recurring lines kept exactly, with their text
    ``report_top``      boilerplate lines listed in the run report
    """

    name: ClassVar[str] = "boilerplate"
    min_docs: int = 5
    min_edge_share: float = 0.5
    min_chars: int = 2
    max_chars: int = 200
    edge_lines: int = 8
    mid_min_chars: int = 40
    sketch_bits: int = 21
    bloom_bits: int = 26
    max_blocks: int = 100_000
    report_top: int = 30

    def __post_init__(self) -> None:
        if self.min_docs < 2:
            raise ValueError(f"min_docs must be at least 2 (a line in one document recurs nowhere), not {self.min_docs}")
        if not 0 <= self.min_edge_share <= 1:
            raise ValueError(f"min_edge_share must be between 0 and 1, not {self.min_edge_share}")
        if not 1 <= self.min_chars <= self.max_chars:
            raise ValueError(f"need 1 <= min_chars <= max_chars, not {self.min_chars}, {self.max_chars}")
        if self.edge_lines < 1 or self.max_blocks < 1 or self.report_top < 0:
            raise ValueError("edge_lines and max_blocks must be at least 1, report_top at least 0")

    # -- pass 1: observe -------------------------------------------------------------

    def keyed_lines(self, lines: list[Line]) -> list[tuple[int, int, str]]:
        """``(index, hash, key)`` of the lines whose key length makes them countable."""
        out = []
        for i, line in enumerate(lines):
            key = line_key(line.text)
            if self.min_chars <= len(key) <= self.max_chars:
                out.append((i, key_hash(key), key))
        return out

    def observe(self, doc: Document) -> Observed:
        lines = split_lines(doc.text)
        n = len(lines)
        zone = edge_zone(n, self.edge_lines)
        edge: dict[int, bool] = {}
        texts: dict[int, str] = {}
        for i, h, _ in self.keyed_lines(lines):
            at_edge = is_edge(i, n, zone)
            edge[h] = edge.get(h, False) or at_edge
            if at_edge and h not in texts:
                texts[h] = lines[i].text.strip()
        longest = max((line_key(line.text) for line in lines), key=len, default="")
        hashes = np.fromiter(edge.keys(), dtype=np.uint64, count=len(edge))
        flags = np.fromiter(edge.values(), dtype=bool, count=len(edge))
        return Observed(hashes, flags, key_hash(longest), texts)

    # -- merge -----------------------------------------------------------------------

    def merge(self, states: Iterable[Observed]) -> Summary:
        counter = _Counter(self)
        batch: list[Observed] = []
        for state in states:
            batch.append(state)
            if len(batch) == MERGE_BATCH:
                counter.add(batch)
                batch = []
        counter.add(batch)
        return counter.summary()

    # -- pass 2: apply ---------------------------------------------------------------

    def removable(self, lines: list[Line], summary: Summary) -> dict[int, str]:
        """Which lines go (index → rule), by the position/length/recurrence policy."""
        n = len(lines)
        zone = edge_zone(n, self.edge_lines)
        marked = [False] * n
        long_line = [False] * n
        for i, h, key in self.keyed_lines(lines):
            marked[i] = h in summary.hashes
            long_line[i] = len(key) >= self.mid_min_chars
        go = [False] * n
        for i in range(n):  # head zone, and blocks running down from it
            go[i] = marked[i] and (i < zone or (i > 0 and go[i - 1]))
        for i in reversed(range(n)):  # tail zone, and blocks running up from it
            go[i] = go[i] or (marked[i] and (i >= n - zone or (i + 1 < n and go[i + 1])))
        return {i: "recurring_line" if go[i] else "recurring_long_line" for i in range(n) if go[i] or (marked[i] and long_line[i])}

    def apply(self, doc: Document, summary: Summary) -> Document:
        if not summary.hashes:
            return doc
        # Removing the tail block makes the document shorter, which moves its
        # zones: repeat until nothing changes, so a second apply changes nothing.
        while True:
            lines = split_lines(doc.text)
            remove = self.removable(lines, summary)
            if not remove:
                return doc
            doc.replace(removal_spans(doc.text, lines, remove), self.name)

    # -- report ----------------------------------------------------------------------

    def describe(self, summary: Summary) -> dict[str, Any]:
        def listing(blocks: tuple[Block, ...]) -> list[dict[str, Any]]:
            return [
                {"text": b.text, "docs": b.docs, "edge_docs": b.edge_docs}
                for b in blocks[: self.report_top]
            ]

        section: dict[str, Any] = {
            "settings": summary.settings,
            "documents": summary.documents,
            "lines_counted": summary.lines,
            "boilerplate_lines": len(summary.hashes),
            "top": listing(summary.blocks),
            "kept_mid_text": listing(summary.kept),
            "memory": {"sketch_fill": round(summary.sketch_fill, 4), "bloom_fill": round(summary.bloom_fill, 4)},
        }
        warnings = []
        if summary.sketch_fill > CROWDED or summary.bloom_fill > CROWDED:
            warnings.append(
                "counting structures are crowded, counts may be inflated: raise sketch_bits/bloom_bits"
            )
        if summary.not_admitted:
            warnings.append(f"{summary.not_admitted} recurring lines not tracked (max_blocks reached)")
        if warnings:
            section["warnings"] = warnings
        return section

    def write_artifacts(self, summary: Summary, directory: Path) -> None:
        """``boilerplate.tsv``: every boilerplate line with its counts, to turn into rules (when any)."""
        if not summary.blocks:
            return
        with atomic_write(directory / "boilerplate.tsv") as fh:
            fh.write("docs\tedge_docs\ttext\n")
            for b in summary.blocks:
                fh.write(f"{b.docs}\t{b.edge_docs}\t{b.text}\n")


class _Counter:
    """The streaming state of ``merge``: sketches, the pair filter and the tracked lines."""

    def __init__(self, stage: Boilerplate) -> None:
        self.stage = stage
        self.all = CountMinSketch(stage.sketch_bits)
        self.edge = CountMinSketch(stage.sketch_bits)
        self.pairs = BloomFilter(stage.bloom_bits)
        self.texts: dict[int, str] = {}  # tracked lines: edge count reached min_docs
        self.not_admitted = 0
        self.documents = 0
        self.lines = 0

    def add(self, batch: list[Observed]) -> None:
        """Count a batch of documents (in input order) at once: numpy pays per call, not per line."""
        self.documents += len(batch)
        hashes = np.concatenate([s.hashes for s in batch]) if batch else np.zeros(0, dtype=np.uint64)
        self.lines += len(hashes)
        if not len(hashes):
            return
        edge = np.concatenate([s.edge for s in batch])
        fingerprints = np.repeat(np.array([s.fingerprint for s in batch], dtype=np.uint64), [len(s.hashes) for s in batch])
        with np.errstate(over="ignore"):
            pairs = hashes ^ (fingerprints * np.uint64(0x9E3779B97F4A7C15))
        new = self.pairs.add_new(pairs)  # a copy of a document seen before adds nothing
        hashes, edge = hashes[new], edge[new]
        self.all.add(hashes)
        edge_hashes = hashes[edge]
        hot = edge_hashes[self.edge.add(edge_hashes) >= self.stage.min_docs]
        for h in dict.fromkeys(hot.tolist()):  # first occurrence order: deterministic admissions
            if h in self.texts:
                continue
            if len(self.texts) >= self.stage.max_blocks:
                self.not_admitted += 1
                continue
            self.texts[h] = next((s.texts[h] for s in batch if h in s.texts), "")

    def summary(self) -> Summary:
        stage = self.stage
        tracked = np.fromiter(self.texts.keys(), dtype=np.uint64, count=len(self.texts))
        docs = self.all.query(tracked).tolist()
        edge_docs = self.edge.query(tracked).tolist()
        boiler: list[tuple[int, Block]] = []
        kept: list[Block] = []
        for h, d, e in zip(tracked.tolist(), docs, edge_docs):
            block = Block(self.texts[h], d, min(e, d))
            if block.edge_share >= stage.min_edge_share:
                boiler.append((h, block))
            else:
                kept.append(block)
        boiler.sort(key=lambda hb: _by_frequency(hb[1]))
        kept.sort(key=_by_frequency)
        return Summary(
            hashes=frozenset(h for h, _ in boiler),
            blocks=tuple(b for _, b in boiler),
            kept=tuple(kept),
            documents=self.documents,
            lines=self.lines,
            sketch_fill=max(self.all.fill(), self.edge.fill()),
            bloom_fill=self.pairs.fill(),
            not_admitted=self.not_admitted,
            settings={
                "min_docs": stage.min_docs,
                "min_edge_share": stage.min_edge_share,
                "edge_lines": stage.edge_lines,
                "mid_min_chars": stage.mid_min_chars,
                "memory_bytes": self.all.nbytes + self.edge.nbytes + self.pairs.nbytes,
            },
        )


def _by_frequency(block: Block) -> tuple[int, str]:
    """Most frequent first; ties by text, so the report is the same for every worker count."""
    return (-block.docs, block.text)
