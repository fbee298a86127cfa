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
      also at the end, is not boilerplate;
    * it looks like a template: it has a template feature
      (:func:`template_features`: separators between short items, page
      widgets, copyright, contact, URLs, source/author key–value shapes,
      site disclaimers), or it is a fragment that is not a normal sentence
      (:func:`is_normal_sentence`) and recurs on at least ``min_sites``
      different sites (:func:`site_of`). A short normal sentence that many
      documents share (``谢谢大家。`` closing talks) is text, not a template,
      and stays. Recurring is not enough.

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
    kept exactly, with their text, up to ``max_blocks`` of them. A third
    sketch, a quarter of the size, counts the *sites* per edge line, gated by
    the same Bloom filter over (line, site) pairs. Memory is
    ``2.25 × 4 × 2**sketch_bits × 2`` bytes for the sketches plus
    ``2**bloom_bits / 8`` for the filter: 46 MB (44 MiB) with the defaults, good for
    about a million documents (:meth:`Boilerplate.describe` reports how full
    they are; raise the bits when it warns).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar
from urllib.parse import urlsplit

import numpy as np
import regex

from . import features
from .document import Document
from .io import atomic_write
from .lines import Line, key_hash, line_key, removal_spans, split_lines
from .sketch import BloomFilter, CountMinSketch

#: Sketch fill above which counts may be inflated enough to matter.
CROWDED = 0.5
#: States counted per numpy call in ``merge`` (a constant: the result must not
#: depend on anything but the input order).
MERGE_BATCH = 256

# -- what a template line looks like ------------------------------------------------------------
#
# From the general shape of Chinese site templates (navigation bars, page widgets,
# footers with copyright, ICP licence and contact lines, article metadata lines,
# reprint disclaimers), not from any corpus' strings.

_SEPARATOR = regex.compile(r"\s*(?:[|｜¦┊>›»→/／]|>>|＞|-{2,}|·(?=\s))\s*")
_SHORT_ITEM = regex.compile(r"^\s*\S{1,6}(?:\s+\S{1,6}){3,}\s*$")  # 首页 新闻 体育 娱乐 财经: a menu
#: The named features a template line can show (pipeline/features.py), in the order they are listed.
_FEATURES = ("widget", "copyright", "contact", "url", "key_value", "disclaimer")
_SENTENCE_END = regex.compile(r"[。！？!?…]+[”’」』）)】]*\s*$")
_HAN = regex.compile(r"\p{Han}")


def template_features(line: str) -> tuple[str, ...]:
    """The features of a site template a line shows, by name (empty: none).

    ``separators``: three or more short items between ``|`` ``>`` ``›`` ``»``
    ``/`` ... or a row of short space-separated items (a menu); ``widget``:
    page furniture (上一页, 返回顶部, 分享到, 字号, 关闭窗口, 相关阅读, 扫一扫 ...);
    ``copyright``: ©, 版权所有, ICP licence, 公网安备; ``contact``: phone, e-mail,
    address, fax, postcode; ``url``; ``key_value``: article metadata (来源：,
    作者：, 责任编辑：, a time stamp); ``disclaimer``: 本站/本文 … 转载/声明/观点.

    >>> template_features("首页 > 新闻中心 > 正文")
    ('separators', 'widget')
    >>> template_features("关于我们 | 联系我们 | 网站地图 | 广告服务")
    ('separators', 'widget')
    >>> template_features("Copyright © 2008-2024 www.mounews.cn 京ICP备05012345号")
    ('copyright', 'url')
    >>> template_features("来源：某某日报 作者：李四 2024-03-01 08:30")
    ('key_value',)
    >>> template_features("本文为本站原创，转载请注明出处。")
    ('disclaimer',)
    >>> template_features("电话：010-12345678 传真：010-87654321")
    ('contact',)
    >>> template_features("谢谢大家。"), template_features("他返回家乡，建起了网站。")
    ((), ())
    """
    found = []
    items = [p for p in _SEPARATOR.split(line.strip()) if p]
    if (len(items) >= 3 and sum(len(p) for p in items) / len(items) <= 10) or _SHORT_ITEM.match(line):
        found.append("separators")
    found.extend(features.present(line, _FEATURES))
    return tuple(found)


def is_normal_sentence(line: str) -> bool:
    """A sentence of running text: ends like a sentence, mostly hanzi, at least two, no template feature.

    Such a line stays even when many documents share it: a talk closing with
    ``谢谢大家。``, a programme's ``以上就是本期节目的全部内容。``.

    >>> [is_normal_sentence(s) for s in ("谢谢大家。", "谢谢。", "以上就是本期节目的全部内容。")]
    [True, True, True]
    >>> [is_normal_sentence(s) for s in ("本报记者 张三", "图片新闻", "OK.", "转载请注明出处。")]
    [False, False, False, False]
    """
    text = line.strip()
    if not _SENTENCE_END.search(text):
        return False
    words = [ch for ch in text if ch.isalnum()]
    han = len(_HAN.findall(text))
    return han >= 2 and han >= 0.5 * len(words) and not template_features(text)


def site_of(doc: Document) -> str:
    """Where a document was published, as well as the input tells: a url host, else the folder, else the file.

    The url comes from a JSONL record's fields ``url``, ``link`` or
    ``source_url``; else the top-level folder of the source path (a crawl
    stored as ``site/…/page.txt``); else the source file itself.

    >>> site_of(Document("1", "", source="a.jsonl", meta={"fields": {"url": "https://www.example.cn/n/1.html"}}))
    'example.cn'
    >>> site_of(Document("1", "", source="xinhua/2024/01.txt")), site_of(Document("1", "", source="01.txt"))
    ('xinhua', '01.txt')
    """
    fields = doc.meta.get("fields")
    if isinstance(fields, dict):
        for name in ("url", "link", "source_url"):
            value = fields.get(name)
            if isinstance(value, str) and value:
                host = (urlsplit(value if "//" in value else "//" + value).hostname or "").removeprefix("www.")
                if host:
                    return host
    parts = PurePosixPath(doc.source.replace("\\\\", "/")).parts
    return parts[0] if len(parts) > 1 else doc.source


def looks_like_template(text: str, sites: int, min_sites: int) -> bool:
    """The template test of a recurring line: a feature, or a non-sentence fragment on ``min_sites`` sites.

    >>> looks_like_template("谢谢大家。", 30, 2), looks_like_template("版权所有 某某网", 1, 2)
    (False, True)
    >>> looks_like_template("本报记者 张三", 1, 2), looks_like_template("本报记者 张三", 3, 2)
    (False, True)
    """
    if template_features(text):
        return True
    return not is_normal_sentence(text) and sites >= min_sites


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
    ``site``    hash of :func:`site_of` the document
    """

    hashes: np.ndarray
    edge: np.ndarray
    fingerprint: int
    texts: dict[int, str]
    site: int = 0


@dataclass(frozen=True, slots=True)
class Block:
    """A recurring line and its counts (estimates from the sketches, never too low)."""

    text: str
    docs: int  # different documents containing it
    edge_docs: int  # different documents having it in the head/tail zone
    sites: int = 0  # different sites having it in the head/tail zone
    features: tuple[str, ...] = ()  # template_features of its text

    @property
    def edge_share(self) -> float:
        return self.edge_docs / self.docs if self.docs else 0.0


@dataclass(frozen=True)
class Summary:
    """The boilerplate verdict for the corpus, sent to every worker for ``apply``."""

    hashes: frozenset[int]
    blocks: tuple[Block, ...]  # boilerplate, most frequent first
    kept: tuple[Block, ...]  # recurring at the edges but kept (mostly mid-text)
    not_template: tuple[Block, ...] = ()  # recurring at the edges but kept: normal sentences, one-site fragments
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
    ``min_sites``       different sites (:func:`site_of`) on which a recurring
                        fragment without template features must head or end
                        documents to be boilerplate; normal sentences without
                        features are never boilerplate
    ``template_check``  ``False``: recurrence alone decides, as before issue 12
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
    min_sites: int = 2
    template_check: bool = True
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
        if self.min_sites < 1:
            raise ValueError(f"min_sites must be at least 1, not {self.min_sites}")
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
        return Observed(hashes, flags, key_hash(longest), texts, key_hash(site_of(doc)))

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
                {"text": b.text, "docs": b.docs, "edge_docs": b.edge_docs, "sites": b.sites,
                 "features": list(b.features)}
                for b in blocks[: self.report_top]
            ]

        section: dict[str, Any] = {
            "settings": summary.settings,
            "documents": summary.documents,
            "lines_counted": summary.lines,
            "boilerplate_lines": len(summary.hashes),
            "top": listing(summary.blocks),
            "kept_mid_text": listing(summary.kept),
            "kept_not_template": listing(summary.not_template),
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
        # Sites per edge line: a quarter of a documents sketch (fewer distinct pairs), gated by
        # the same Bloom filter under another salt. Collisions can only raise a count.
        self.sites = CountMinSketch(max(stage.sketch_bits - 2, 1))
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
        sites = np.repeat(np.array([s.site for s in batch], dtype=np.uint64), [len(s.hashes) for s in batch])
        with np.errstate(over="ignore"):
            site_pairs = (hashes[edge] + np.uint64(0x632BE59BD9B4E019)) ^ (sites[edge] * np.uint64(0xC2B2AE3D27D4EB4F))
        self.sites.add(hashes[edge][self.pairs.add_new(site_pairs)])
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
        sites = self.sites.query(tracked).tolist()
        boiler: list[tuple[int, Block]] = []
        kept: list[Block] = []
        not_template: list[Block] = []
        for h, d, e, n in zip(tracked.tolist(), docs, edge_docs, sites):
            text = self.texts[h]
            block = Block(text, d, min(e, d), min(n, e, d), template_features(text))
            if block.edge_share < stage.min_edge_share:
                kept.append(block)
            elif not stage.template_check or looks_like_template(text, block.sites, stage.min_sites):
                boiler.append((h, block))
            else:
                not_template.append(block)
        boiler.sort(key=lambda hb: _by_frequency(hb[1]))
        kept.sort(key=_by_frequency)
        not_template.sort(key=_by_frequency)
        return Summary(
            hashes=frozenset(h for h, _ in boiler),
            blocks=tuple(b for _, b in boiler),
            kept=tuple(kept),
            not_template=tuple(not_template),
            documents=self.documents,
            lines=self.lines,
            sketch_fill=max(self.all.fill(), self.edge.fill(), self.sites.fill()),
            bloom_fill=self.pairs.fill(),
            not_admitted=self.not_admitted,
            settings={
                "min_docs": stage.min_docs,
                "min_edge_share": stage.min_edge_share,
                "edge_lines": stage.edge_lines,
                "mid_min_chars": stage.mid_min_chars,
                "min_sites": stage.min_sites,
                "template_check": stage.template_check,
                "memory_bytes": self.all.nbytes + self.edge.nbytes + self.sites.nbytes + self.pairs.nbytes,
            },
        )


def _by_frequency(block: Block) -> tuple[int, str]:
    """Most frequent first; ties by text, so the report is the same for every worker count."""
    return (-block.docs, block.text)
