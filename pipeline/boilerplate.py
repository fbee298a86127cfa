"""Corpus-level boilerplate: lines and sentences that recur, as a site template, in many documents.

A site prints the same navigation line on top of every page and the same
copyright, contact or disclaimer lines at the bottom; a CMS glues the same
"关注我们" call or slogan to the last paragraph and puts the same disclaimer
sentence in the middle of the text. No rule names them, but the corpus gives
them away: they occur, word for word, in many documents. Article text does
not. This stage finds them in a first pass and removes them in a second one
(``observe`` / ``merge`` / ``apply``). docs/boilerplate.md has the
measurements; docs/repetition.md the history of the edge rule.

Policy: position, length and recurrence decide together; recurring is not enough
    A line (compared by :func:`pipeline.lines.line_key`) is **edge
    boilerplate** when

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
      and stays.

    Edge boilerplate is removed in the head or tail zone, when it touches a
    removed block (a footer longer than the zone), or when it is at least
    ``mid_min_chars`` long (a long templated sentence, such as a disclaimer,
    that the page also put in its middle).

    A line is **boilerplate anywhere** (head, middle or tail: rule
    ``recurring_template_line`` in the middle) when it has a template feature
    and occurs, anywhere, in at least ``min_docs`` different documents of at
    least ``min_sites`` sites. Both are needed: a featureless line (a slogan
    quoted mid-text, a heading) is never removed from the middle, and a
    featured line recurring on one site only (a hotline an outlet prints in
    its own articles) stays where it is not at an edge.

    A **recurring span** (rule ``recurring_span``) is a sentence-sized piece of
    a line (:func:`pieces`: split after 。！？ and at the separators | ｜ ¦ ┊
    —— ·) with ``span_min_chars``..``span_max_chars`` key characters, a
    template feature, and ``min_docs`` different documents on
    ``span_min_sites`` sites (as a piece of a line or a line of its own). It
    is cut out with the separator joining it to the rest of the line, which
    stays; a line made only of recurring spans goes whole. Every span and
    every line removed in the middle is logged with its evidence (documents,
    sites, features) in ``audit/edits.jsonl`` (:func:`pipeline.removals.decide`).

Bounded memory
    ``merge`` never keeps a table of all lines. Document frequencies go into
    two count-min sketches (all occurrences, edge occurrences), gated by a
    Bloom filter of (key, document fingerprint) pairs so each different
    document counts once; only keys whose edge count reaches ``min_docs``, or
    featured keys whose count does, are kept exactly, with their text, up to
    ``max_blocks`` of them. Two sketches a quarter of the size count the
    *sites* per edge line and per featured key, gated by the same Bloom filter
    over (key, site) pairs. Span keys are line keys under a salt
    (:data:`SPAN_SALT`) in the same structures; only featured pieces are
    counted, so they add little. Memory is ``2.5 × 4 × 2**sketch_bits × 2``
    bytes for the sketches plus ``2**bloom_bits / 8`` for the filter: 50 MB
    with the defaults, good for about a million documents
    (:meth:`Boilerplate.describe` reports how full they are; raise the bits
    when it warns).
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
from .removals import decide
from .sketch import BloomFilter, CountMinSketch

#: Sketch fill above which counts may be inflated enough to matter.
CROWDED = 0.5
#: States counted per numpy call in ``merge`` (a constant: the result must not
#: depend on anything but the input order).
MERGE_BATCH = 256
#: Span keys are line keys XOR this salt, so a sentence counted as a piece of a line and
#: the same sentence counted as a whole line are different keys in the same structures.
SPAN_SALT = 0x5BD1E9955BD1E995
#: Texts of featured lines and pieces (beyond the edge lines) one state carries, for the
#: report: a page that is one long contact list must not make its state large.
MAX_FEATURED_TEXTS = 24
#: Lines up to this long are gated by one feature test of the whole line (see ``featured_pieces``).
MAX_GATED_LINE = 2_000
#: Pieces longer than this are never tested: no sentence-sized template is (a key of at most
#: ``span_max_chars`` characters in this much text would be mostly punctuation and spaces).
MAX_PIECE = 600

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
    found.extend(_present(line))
    return tuple(found)


def _top_level_alternatives(pattern: str) -> list[str]:
    r"""The alternatives of a pattern at its top level: ``a|(b|c)|[|]`` → ``a``, ``(b|c)``, ``[|]``.

    >>> _top_level_alternatives(r"x\|y|(a|b)|[|]")
    ['x\\|y', '(a|b)', '[|]']
    """
    parts, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


#: Features searched one top-level alternative at a time. The same matches (a search finds
#: ``A|B`` exactly when it finds ``A`` or ``B``), but the regex module gives up its fast scan on
#: an alternation whose branches start with classes or lookarounds: measured on People's Daily
#: sentences, contact 0.43 → 0.06 s, url 0.12 → 0.04 s, key_value 0.06 → 0.05 s; the patterns
#: of literal words (widget, copyright, disclaimer) are faster as they are.
_SPLIT_FEATURES = ("contact", "url", "key_value")
_FEATURE_SEARCHES: dict[str, tuple[regex.Pattern[str], ...]] = {
    name: tuple(regex.compile(alt, features.PATTERNS[name].flags)
                for alt in _top_level_alternatives(features.PATTERNS[name].pattern))
    if name in _SPLIT_FEATURES else (features.PATTERNS[name],)
    for name in _FEATURES
}


def _present(text: str) -> tuple[str, ...]:
    """:func:`pipeline.features.present` of the template features, searched the fast way.

    >>> _present("电话：010-12345678 www.x.cn") == features.present("电话：010-12345678 www.x.cn", _FEATURES)
    True
    """
    return tuple(name for name in _FEATURES if any(p.search(text) for p in _FEATURE_SEARCHES[name]))


# The line-level gate of ``observe``: a line whose pieces could show a feature. An alternative
# anchored at the start (end) of the text is anchored at any piece start (end) instead, so the
# gate fires whenever a piece would match (a superset: it may also fire when none does).
_AFTER_BREAK = r"(?<=(?:^|[。！？!?|｜¦┊—─·”’」』）)】])\s*)"
_BEFORE_BREAK = r"(?=\s*(?:$|[。！？!?|｜¦┊—─·]))"


def _at_piece_edges(alternative: str) -> str:
    r"""An alternative with its text anchors turned into piece-edge anchors.

    >>> _at_piece_edges("^打印").startswith("(?<="), _at_piece_edges(r"首页\$")
    (True, '首页\\$')
    """
    if alternative.startswith("^"):
        alternative = _AFTER_BREAK + alternative[1:]
    if alternative.endswith("$") and not alternative.endswith("\\$"):
        alternative = alternative[:-1] + _BEFORE_BREAK
    return alternative


_LINE_GATE: tuple[regex.Pattern[str], ...] = tuple(
    regex.compile(alt, features.PATTERNS[name].flags)
    for name in _FEATURES
    for alt in (
        [_at_piece_edges(a) for a in _top_level_alternatives(features.PATTERNS[name].pattern)]
        if name in _SPLIT_FEATURES
        else ["|".join(_at_piece_edges(a) for a in _top_level_alternatives(features.PATTERNS[name].pattern))]
    )
)


#: The widget alternatives that are phrases, not a button word anchored at the text's edge.
_WIDGET_PHRASE = regex.compile(
    "|".join(a for a in _top_level_alternatives(features.WIDGET.pattern) if "^" not in a and not a.endswith("$")),
    features.WIDGET.flags,
)


def may_have_featured_piece(line: str) -> bool:
    """False when no piece of ``line`` can show an :func:`anywhere_features` feature (a cheap line-level test).

    >>> may_have_featured_piece("会议要求抓好落实。来源：某某网"), may_have_featured_piece("会议要求抓好落实。")
    (True, False)
    """
    return any(p.search(line) for p in _LINE_GATE)


def anywhere_features(text: str) -> tuple[str, ...]:
    """The template features that make a recurring line or sentence boilerplate wherever it stands.

    Stricter than :func:`template_features`, because off the edges a removal
    meets running text: ``separators`` is left out (paths, code and table
    headers have them: ``/usr/lib/``, ``#!/bin/sh``, ``软件包 流行度 大小 说明``),
    and the widget alternatives that describe a button by standing alone at a
    text's start or end (``打印``, ``首页``) do not make a sentence of prose a
    template (``打印帮助消息并退出。``, a man page's option); they do make a
    fragment one. Widget phrases (扫一扫, 关注我们, 微信公众号 …) count in a
    sentence too: ``扫码关注某某网官方微信公众号。`` is a call, not prose.

    >>> anywhere_features("本文来源于网络，如有侵权请联系删除。"), anywhere_features("扫码关注某某网微信公众号。")
    (('disclaimer',), ('widget',))
    >>> anywhere_features("打印帮助消息并退出。"), anywhere_features("#!/bin/sh"), anywhere_features("首页 > 新闻 > 正文")
    ((), (), ('widget',))
    """
    found = _present(text)
    if found == ("widget",) and _prose_shaped(text) and not _WIDGET_PHRASE.search(text):
        return ()
    return found


def _prose_shaped(text: str) -> bool:
    """Ends like a sentence and is at least half hanzi (two at least): how running text looks."""
    text = text.strip()
    if not _SENTENCE_END.search(text):
        return False
    words = [ch for ch in text if ch.isalnum()]
    han = len(_HAN.findall(text))
    return han >= 2 and han >= 0.5 * len(words)


def is_normal_sentence(line: str) -> bool:
    """A sentence of running text: ends like a sentence, mostly hanzi, at least two, no template feature.

    Such a line stays even when many documents share it: a talk closing with
    ``谢谢大家。``, a programme's ``以上就是本期节目的全部内容。``.

    >>> [is_normal_sentence(s) for s in ("谢谢大家。", "谢谢。", "以上就是本期节目的全部内容。")]
    [True, True, True]
    >>> [is_normal_sentence(s) for s in ("本报记者 张三", "图片新闻", "OK.", "转载请注明出处。")]
    [False, False, False, False]
    """
    return _prose_shaped(line) and not template_features(line.strip())


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


# A piece ends after a sentence end (with its closing quotes) or before a template separator,
# which belongs to neither piece. ``·`` and ASCII ``!?`` only with a space after (names such as
# 约翰·史密斯 and URLs keep theirs); dashes only doubled (a single dash is a hyphen or a range).
_PIECE_BREAK = regex.compile(
    r"(?P<end>[。！？]+[”’」』）)】]*|[!?]+(?=\s|$))|(?P<sep>[|｜¦┊]|—{2,}|─{2,}|(?<=\s)·(?=\s))"
)


def pieces(text: str) -> list[tuple[int, int]]:
    """The sentence-sized pieces of a line, as ``(start, end)`` without the blanks and separators around them.

    >>> line = "会议指出，要抓好落实。扫一扫，关注我们！——某某网"
    >>> [line[a:b] for a, b in pieces(line)]
    ['会议指出，要抓好落实。', '扫一扫，关注我们！', '某某网']
    >>> line = "首页 | 新闻 ｜ 约翰·史密斯说“好！”"
    >>> [line[a:b] for a, b in pieces(line)]
    ['首页', '新闻', '约翰·史密斯说“好！”']
    """
    out: list[tuple[int, int]] = []
    start = 0
    for m in _PIECE_BREAK.finditer(text):
        stop, nxt = (m.end(), m.end()) if m.group("end") else (m.start(), m.end())
        _add_piece(text, start, stop, out)
        start = nxt
    _add_piece(text, start, len(text), out)
    return out


def _add_piece(text: str, start: int, stop: int, out: list[tuple[int, int]]) -> None:
    while start < stop and text[start].isspace():
        start += 1
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    if start < stop:
        out.append((start, stop))


def piece_cuts(line: str, spans: list[tuple[int, int]], gone: set[int]) -> list[tuple[int, int]]:
    """Ranges of ``line`` removing the pieces ``gone`` (indices into ``spans``) with the separator joining them.

    A run of removed pieces takes the separator after it when a kept piece
    follows, else the one before it, so neither a stray ``|`` nor a doubled
    one is left; a line whose pieces all go is one range.

    >>> line = "来源：某某网｜正文一句。关注我们。"
    >>> spans = pieces(line)
    >>> [line[a:b] for a, b in piece_cuts(line, spans, {0, 2})]
    ['来源：某某网｜', '关注我们。']
    >>> piece_cuts(line, spans, {0, 1, 2}) == [(0, len(line))]
    True
    """
    cuts: list[tuple[int, int]] = []
    k = 0
    while k < len(spans):
        if k not in gone:
            k += 1
            continue
        first = k
        while k + 1 < len(spans) and k + 1 in gone:
            k += 1
        if k + 1 < len(spans):
            cuts.append((spans[first][0], spans[k + 1][0]))
        elif first > 0:
            cuts.append((spans[first - 1][1], spans[k][1]))
        else:
            cuts.append((0, len(line)))
        k += 1
    return cuts


_GRAM_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93,
                              0xA0761D6478BD642F, 0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3, 0x589965CC75374CC3],
                             dtype=np.uint64)


def gram_hashes(text: str, width: int) -> np.ndarray:
    """A 64-bit hash of every run of ``width`` characters of ``text`` (uint64, in order; empty when shorter).

    Equal runs hash equal, in every process; different runs rarely do (used as a filter only).

    >>> h = gram_hashes("关注我们关注我们", 4)
    >>> len(h), bool(h[0] == h[4]), bool(h[0] == h[1])
    (5, True, False)
    """
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - width + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    out = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(width):
            out ^= (codes[j:j + n] + np.uint64(j + 1)) * _GRAM_MULTIPLIERS[j % len(_GRAM_MULTIPLIERS)]
    return out


def piece_key(text: str) -> str:
    """:func:`pipeline.lines.line_key` of a piece, past its cache: pieces must not push the lines out of it.

    >>> piece_key("关注我们！") == line_key("关注我们！")
    True
    """
    return line_key.__wrapped__(text)  # type: ignore[attr-defined]


def span_hash(key: str) -> int:
    """The counting key of a piece: its key's hash under :data:`SPAN_SALT`."""
    return key_hash(key) ^ SPAN_SALT


@dataclass(frozen=True, slots=True)
class Observed:
    """What ``observe`` keeps of one document: compact and picklable; of its text, only edge and featured lines.

    ``hashes``  distinct line hashes (uint64), lines of countable length only
    ``edge``    for each hash, whether it occurs in the head/tail zone
    ``fingerprint``  hash of the document's longest line: copies of one article share it
    ``texts``   the text of each edge line and of the first featured lines and pieces
                (the report quotes them), keyed by hash
    ``site``    hash of :func:`site_of` the document
    ``featured``  for each hash, whether the line has a template feature
    ``spans``   distinct :func:`span_hash` of the pieces with a template feature
    """

    hashes: np.ndarray
    edge: np.ndarray
    fingerprint: int
    texts: dict[int, str]
    site: int = 0
    featured: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    spans: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))


@dataclass(frozen=True, slots=True)
class Block:
    """A recurring line or span and its counts (estimates from the sketches, never too low)."""

    text: str
    docs: int  # different documents containing it
    edge_docs: int  # different documents having it in the head/tail zone (lines only)
    sites: int = 0  # different sites having it in the head/tail zone (lines only)
    features: tuple[str, ...] = ()  # template_features of its text
    all_sites: int = 0  # different sites having it anywhere (featured lines and spans)
    kind: str = "line"  # "line" or "span"
    where: str = "edge"  # "edge": removed at the edges; "anywhere": wherever it stands

    @property
    def edge_share(self) -> float:
        return self.edge_docs / self.docs if self.docs else 0.0

    def evidence(self) -> dict[str, Any]:
        """What the audit logs for a removal this block decided."""
        return {"text": self.text, "docs": self.docs, "sites": self.all_sites, "features": list(self.features)}


@dataclass(frozen=True)
class Summary:
    """The boilerplate verdict for the corpus, sent to every worker for ``apply``."""

    hashes: frozenset[int]  # boilerplate lines (edge or anywhere)
    blocks: tuple[Block, ...]  # boilerplate lines (edge or anywhere), most frequent first
    kept: tuple[Block, ...]  # recurring but kept (mostly mid-text, or featured on one site)
    not_template: tuple[Block, ...] = ()  # recurring at the edges but kept: normal sentences, one-site fragments
    documents: int = 0
    lines: int = 0
    sketch_fill: float = 0.0
    bloom_fill: float = 0.0
    not_admitted: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    anywhere: frozenset[int] = frozenset()  # lines removed wherever they stand
    spans: frozenset[int] = frozenset()  # span hashes removed from inside lines
    span_blocks: tuple[Block, ...] = ()  # the recurring spans removed, most frequent first
    kept_spans: tuple[Block, ...] = ()  # featured spans recurring in min_docs documents but on too few sites
    evidence: dict[int, Block] = field(default_factory=dict)  # anywhere lines and spans, by hash
    # Hashes (:func:`gram_hashes`) of the first ``span_head`` key characters of every span
    # removed, sorted: ``apply`` tests a whole document for them at once and looks at the pieces
    # of the lines that hold one only. ``None``: a span's text is unknown, look at every line.
    span_heads: np.ndarray | None = None
    span_head: int = 4

    def lines_with_span_heads(self, keys: list[str]) -> set[int]:
        """Indices of the line keys containing the head of a recurring span (every index when unknown).

        >>> s = Summary(frozenset(), (), (), span_heads=gram_hashes("关注我们", 4), span_head=4)
        >>> sorted(s.lines_with_span_heads(["正文", "正文关注我们的微信", "关注"]))
        [1]
        """
        if self.span_heads is None:
            return set(range(len(keys)))
        if not len(self.span_heads):
            return set()
        # One pass over the document: keys joined by a character no key holds, so no gram
        # crosses two lines.
        grams = gram_hashes("\0".join(keys), self.span_head)
        at = np.searchsorted(self.span_heads, grams)
        hit = np.flatnonzero(self.span_heads[np.minimum(at, len(self.span_heads) - 1)] == grams)
        starts = np.cumsum([0] + [len(k) + 1 for k in keys[:-1]])
        return set((np.searchsorted(starts, hit, side="right") - 1).tolist())


@dataclass(frozen=True)
class Boilerplate:
    """Remove lines and sentences that recur, as a site template, in many different documents.

    ``min_docs``        different documents a line must head or end to be
                        boilerplate (see docs/repetition.md for the measurement),
                        or hold anywhere to be boilerplate anywhere (lines and spans)
    ``min_edge_share``  share of its documents that must have it at an edge
    ``min_chars``, ``max_chars``  key length of lines that can be boilerplate
    ``edge_lines``      lines at each end forming the head/tail zone (at most a
                        third of the document)
    ``mid_min_chars``   edge boilerplate lines at least this long are removed in
                        the middle of a document too
    ``min_sites``       different sites (:func:`site_of`) on which a recurring
                        fragment without template features must head or end
                        documents to be boilerplate, and on which a featured line
                        must recur to be removed anywhere; normal sentences
                        without features are never boilerplate
    ``template_check``  ``False``: recurrence alone decides at the edges, as before issue 12
    ``anywhere``        remove featured lines recurring on ``min_sites`` sites wherever they stand
    ``spans``           remove recurring template sentences from inside lines
    ``span_min_chars``, ``span_max_chars``  key length of pieces that can be recurring spans
    ``span_min_sites``  different sites on which a span must recur
    ``sketch_bits``, ``bloom_bits``  memory of the counting pass (2**bits)
    ``max_blocks``      recurring lines and spans kept exactly, with their text
    ``report_top``      boilerplate lines (and spans) listed in the run report
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
    anywhere: bool = True
    spans: bool = True
    span_min_chars: int = 4
    span_max_chars: int = 100
    span_min_sites: int = 2
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
        if not 1 <= self.span_min_chars <= self.span_max_chars:
            raise ValueError(f"need 1 <= span_min_chars <= span_max_chars, not {self.span_min_chars}, {self.span_max_chars}")
        if self.min_sites < 1 or self.span_min_sites < 1:
            raise ValueError(f"min_sites and span_min_sites must be at least 1, not {self.min_sites}, {self.span_min_sites}")
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

    def line_spans(self, text: str) -> list[tuple[int, int, int]]:
        """``(start, end, span hash)`` of the pieces of a line whose key length makes them countable.

        >>> text = "正文。关注我们！好"
        >>> [text[a:b] for a, b, _ in Boilerplate().line_spans(text)]  # keys of 4..100 characters
        ['关注我们！']
        """
        out = []
        for a, b in pieces(text):
            key = piece_key(text[a:b])
            if self.span_min_chars <= len(key) <= self.span_max_chars:
                out.append((a, b, span_hash(key)))
        return out

    def observe(self, doc: Document) -> Observed:
        lines = split_lines(doc.text)
        n = len(lines)
        zone = edge_zone(n, self.edge_lines)
        keyed = {i: h for i, h, _ in self.keyed_lines(lines)}
        edge: dict[int, bool] = {}
        featured: dict[int, bool] = {}
        texts: dict[int, str] = {}
        spans: dict[int, None] = {}
        extra = 0  # featured texts carried beyond the edge lines
        for i, line in enumerate(lines):
            # One feature test per piece serves both: a line is flagged when a piece of it has a
            # feature (the verdict in ``merge`` tests the whole line again), and only featured
            # pieces are counted as spans, which keeps the state and the sketches small.
            strong = self.featured_pieces(line.text) if self.anywhere or self.spans else []
            h = keyed.get(i)
            if h is not None:
                at_edge = is_edge(i, n, zone)
                edge[h] = edge.get(h, False) or at_edge
                featured[h] = featured.get(h, False) or (self.anywhere and bool(strong))
                if h not in texts and (at_edge or (featured[h] and extra < MAX_FEATURED_TEXTS)):
                    extra += not at_edge
                    texts[h] = line.text.strip()
            if not self.spans:
                continue
            for a, b in strong:
                key = piece_key(line.text[a:b])
                if not self.span_min_chars <= len(key) <= self.span_max_chars:
                    continue
                s = span_hash(key)
                if s not in spans:
                    spans[s] = None
                    if extra < MAX_FEATURED_TEXTS:
                        extra += 1
                        texts[s] = line.text[a:b]
        longest = max((line_key(line.text) for line in lines), key=len, default="")
        hashes = np.fromiter(edge.keys(), dtype=np.uint64, count=len(edge))
        flags = np.fromiter(edge.values(), dtype=bool, count=len(edge))
        feats = np.fromiter((featured[h] for h in edge), dtype=bool, count=len(edge))
        span_hashes = np.fromiter(spans.keys(), dtype=np.uint64, count=len(spans))
        return Observed(hashes, flags, key_hash(longest), texts, key_hash(site_of(doc)), feats, span_hashes)

    @staticmethod
    def featured_pieces(text: str) -> list[tuple[int, int]]:
        """The pieces of a line with an :func:`anywhere_features` feature.

        >>> text = "会议要求抓好落实。扫一扫，关注我们的微信公众号"
        >>> [text[a:b] for a, b in Boilerplate.featured_pieces(text)]
        ['扫一扫，关注我们的微信公众号']
        """
        # Long lines (a page flattened into one line) are tested piece by piece, and long pieces
        # not at all (they cannot be sentence-sized): the feature patterns are linear only on
        # text of bounded length (``.*`` in a key-value pattern rescans the rest of its text).
        if len(text) <= MAX_GATED_LINE and not may_have_featured_piece(text):
            return []
        return [(a, b) for a, b in pieces(text) if b - a <= MAX_PIECE and anywhere_features(text[a:b])]

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
        marked = [False] * n  # boilerplate (edge or anywhere): may form a block running from the zone
        anywhere = [False] * n
        long_line = [False] * n
        for i, h, key in self.keyed_lines(lines):
            marked[i] = h in summary.hashes
            anywhere[i] = marked[i] and h in summary.anywhere
            long_line[i] = marked[i] and len(key) >= self.mid_min_chars
        chain = [False] * n
        for i in range(n):  # head zone, and blocks running down from it
            chain[i] = marked[i] and (i < zone or (i > 0 and chain[i - 1]))
        for i in reversed(range(n)):  # tail zone, and blocks running up from it
            chain[i] = chain[i] or (marked[i] and (i >= n - zone or (i + 1 < n and chain[i + 1])))
        out = {}
        for i in range(n):
            if chain[i]:
                out[i] = "recurring_line"
            elif anywhere[i]:
                out[i] = "recurring_template_line"
            elif long_line[i]:
                out[i] = "recurring_long_line"
        return out

    def span_removals(self, lines: list[Line], skip: dict[int, str], summary: Summary) -> tuple[list[tuple[int, int]], list[int], list[Block]]:
        """The recurring spans to cut out of the lines not in ``skip``: text ranges, whole lines, evidence.

        A line all of whose pieces are recurring spans is returned as a whole line.
        """
        cuts: list[tuple[int, int]] = []
        whole: list[int] = []
        found: list[Block] = []
        candidates = summary.lines_with_span_heads([line_key(line.text) for line in lines])
        for i, line in enumerate(lines):
            if i in skip or i not in candidates:
                continue
            spans = pieces(line.text)
            gone: set[int] = set()
            for k, (a, b) in enumerate(spans):
                key = piece_key(line.text[a:b])
                if self.span_min_chars <= len(key) <= self.span_max_chars:
                    h = span_hash(key)
                    if h in summary.spans:
                        gone.add(k)
                        found.append(summary.evidence[h])
            if not gone:
                continue
            if len(gone) == len(spans):
                whole.append(i)
                continue
            cuts.extend((line.start + a, line.start + b) for a, b in piece_cuts(line.text, spans, gone))
        return cuts, whole, found

    def apply(self, doc: Document, summary: Summary) -> Document:
        if not summary.hashes and not summary.spans:
            return doc
        # Removing the tail block makes the document shorter, which moves its
        # zones: repeat until nothing changes, so a second apply changes nothing.
        while True:
            lines = split_lines(doc.text)
            remove = self.removable(lines, summary)
            for i, rule in remove.items():
                if rule == "recurring_template_line":
                    decide(doc, self.name, rule, "removed", **summary.evidence[key_hash(line_key(lines[i].text))].evidence())
            cuts: list[tuple[int, int]] = []
            if summary.spans:
                cuts, whole, found = self.span_removals(lines, remove, summary)
                remove.update((i, "recurring_span") for i in whole)
                for block in found:
                    decide(doc, self.name, "recurring_span", "removed", **block.evidence())
            if not remove and not cuts:
                return doc
            edits = removal_spans(doc.text, lines, remove) if remove else []
            edits.extend((a, b, "", "recurring_span") for a, b in cuts)
            doc.replace(edits, self.name)

    # -- report ----------------------------------------------------------------------

    def describe(self, summary: Summary) -> dict[str, Any]:
        def listing(blocks: tuple[Block, ...]) -> list[dict[str, Any]]:
            return [
                {"text": b.text, "docs": b.docs, "edge_docs": b.edge_docs, "sites": b.sites,
                 "all_sites": b.all_sites, "where": b.where, "features": list(b.features)}
                for b in blocks[: self.report_top]
            ]

        def span_listing(blocks: tuple[Block, ...]) -> list[dict[str, Any]]:
            # A span that is also a boilerplate line of its own is listed once, as the line.
            shown = [b for b in blocks if key_hash(piece_key(b.text)) not in summary.hashes]
            return [{"text": b.text, "docs": b.docs, "sites": b.all_sites, "features": list(b.features)}
                    for b in shown[: self.report_top]]

        section: dict[str, Any] = {
            "settings": summary.settings,
            "documents": summary.documents,
            "lines_counted": summary.lines,
            "boilerplate_lines": len(summary.hashes),
            "anywhere_lines": len(summary.anywhere),
            "boilerplate_spans": len(summary.spans),
            "top": listing(summary.blocks),
            "top_spans": span_listing(summary.span_blocks),
            "kept_mid_text": listing(summary.kept),
            "kept_not_template": listing(summary.not_template),
            "kept_spans": span_listing(summary.kept_spans),
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
        """``boilerplate.tsv``: every boilerplate line and span with its counts, to turn into rules (when any)."""
        if not summary.blocks and not summary.span_blocks:
            return
        with atomic_write(directory / "boilerplate.tsv") as fh:
            fh.write("docs\tedge_docs\tsites\tkind\ttext\n")
            spans = [b for b in summary.span_blocks if key_hash(piece_key(b.text)) not in summary.hashes]
            for b in (*summary.blocks, *spans):
                kind = "span" if b.kind == "span" else f"line:{b.where}"
                fh.write(f"{b.docs}\t{b.edge_docs}\t{max(b.sites, b.all_sites)}\t{kind}\t{b.text}\n")


class _Counter:
    """The streaming state of ``merge``: sketches, the pair filter and the tracked keys."""

    def __init__(self, stage: Boilerplate) -> None:
        self.stage = stage
        self.all = CountMinSketch(stage.sketch_bits)
        self.edge = CountMinSketch(stage.sketch_bits)
        self.pairs = BloomFilter(stage.bloom_bits)
        # Sites per edge line and sites per featured key (anywhere): a quarter of a documents
        # sketch each (fewer distinct pairs), gated by the same Bloom filter under other salts.
        # Collisions can only raise a count.
        self.sites = CountMinSketch(max(stage.sketch_bits - 2, 1))
        self.all_sites = CountMinSketch(max(stage.sketch_bits - 2, 1))
        self.texts: dict[int, str] = {}  # tracked keys: edge count, or featured count, reached min_docs
        self.span_keys: set[int] = set()  # which tracked keys are spans
        self.featured: set[int] = set()  # which tracked line keys were flagged featured
        self.textless: set[int] = set()  # tracked keys whose text no state has carried yet
        self.not_admitted = 0
        self.documents = 0
        self.lines = 0

    def add(self, batch: list[Observed]) -> None:
        """Count a batch of documents (in input order) at once: numpy pays per call, not per line."""
        self.documents += len(batch)
        self.lines += sum(len(s.hashes) for s in batch)
        sizes = [len(s.hashes) + len(s.spans) for s in batch]
        if not sum(sizes):
            return
        # Per document: its line keys, then its span keys; flags say which is which.
        keys = np.concatenate([np.concatenate([s.hashes, s.spans]) for s in batch])
        edge = np.concatenate([np.concatenate([s.edge, np.zeros(len(s.spans), dtype=bool)]) for s in batch])
        featured = np.concatenate([np.concatenate([s.featured, np.ones(len(s.spans), dtype=bool)]) for s in batch])
        is_span = np.concatenate([np.concatenate([np.zeros(len(s.hashes), dtype=bool), np.ones(len(s.spans), dtype=bool)])
                                  for s in batch])
        fingerprints = np.repeat(np.array([s.fingerprint for s in batch], dtype=np.uint64), sizes)
        sites = np.repeat(np.array([s.site for s in batch], dtype=np.uint64), sizes)
        with np.errstate(over="ignore"):
            pairs = keys ^ (fingerprints * np.uint64(0x9E3779B97F4A7C15))
            site_pairs = (keys[edge] + np.uint64(0x632BE59BD9B4E019)) ^ (sites[edge] * np.uint64(0xC2B2AE3D27D4EB4F))
            any_pairs = (keys[featured] + np.uint64(0x27D4EB2F165667C5)) ^ (sites[featured] * np.uint64(0x85EBCA77C2B2AE63))
        self.sites.add(keys[edge][self.pairs.add_new(site_pairs)])
        self.all_sites.add(keys[featured][self.pairs.add_new(any_pairs)])
        new = self.pairs.add_new(pairs)  # a copy of a document seen before adds nothing
        keys, edge, featured, is_span = keys[new], edge[new], featured[new], is_span[new]
        counts = self.all.add(keys)
        hot = featured & (counts >= self.stage.min_docs)
        hot[np.flatnonzero(edge)[self.edge.add(keys[edge]) >= self.stage.min_docs]] = True
        span_set = set(keys[is_span & hot].tolist())
        for h in dict.fromkeys(keys[hot].tolist()):  # first occurrence order: deterministic admissions
            if h in self.texts:
                continue
            if len(self.texts) >= self.stage.max_blocks:
                self.not_admitted += 1
                continue
            self.texts[h] = next((s.texts[h] for s in batch if h in s.texts), "")
            if not self.texts[h]:
                self.textless.add(h)
            if h in span_set:
                self.span_keys.add(h)
        # A tracked line admitted by its edge count may show its feature in a later document only
        # (another copy's punctuation): the flag is an "or" over every document.
        self.featured.update(h for h in keys[featured & ~is_span].tolist() if h in self.texts)
        for h in [h for h in self.textless if any(h in s.texts for s in batch)]:
            self.texts[h] = next(s.texts[h] for s in batch if h in s.texts)
            self.textless.discard(h)

    def summary(self) -> Summary:
        stage = self.stage
        tracked = np.fromiter(self.texts.keys(), dtype=np.uint64, count=len(self.texts))
        docs = self.all.query(tracked).tolist()
        edge_docs = self.edge.query(tracked).tolist()
        sites = self.sites.query(tracked).tolist()
        all_sites = self.all_sites.query(tracked).tolist()
        boiler: list[tuple[int, Block]] = []
        anywhere: set[int] = set()
        kept: list[Block] = []
        not_template: list[Block] = []
        span_blocks: list[tuple[int, Block]] = []
        kept_spans: list[Block] = []
        for h, d, e, n, a in zip(tracked.tolist(), docs, edge_docs, sites, all_sites):
            text = self.texts[h]
            feats = template_features(text) if text else ()
            if h in self.span_keys:
                strong = anywhere_features(text) if text else ()
                block = Block(text, d, 0, 0, strong, min(a, d), kind="span", where="anywhere")
                if strong and block.all_sites >= stage.span_min_sites:
                    span_blocks.append((h, block))
                else:
                    kept_spans.append(block)
                continue
            a = min(a, d) if h in self.featured else 0
            e = min(e, d)
            strong = anywhere_features(text) if stage.anywhere and h in self.featured and text else ()
            if strong and a >= stage.min_sites:
                anywhere.add(h)
                boiler.append((h, Block(text, d, e, min(n, e), strong, a, where="anywhere")))
                continue
            block = Block(text, d, e, min(n, e), feats, a)
            if e < stage.min_docs or block.edge_share < stage.min_edge_share:
                kept.append(block)
            elif not stage.template_check or looks_like_template(text, block.sites, stage.min_sites):
                boiler.append((h, block))
            else:
                not_template.append(block)
        boiler.sort(key=lambda hb: _by_frequency(hb[1]))
        span_blocks.sort(key=lambda hb: _by_frequency(hb[1]))
        kept.sort(key=_by_frequency)
        not_template.sort(key=_by_frequency)
        kept_spans.sort(key=_by_frequency)
        evidence = {h: b for h, b in boiler if h in anywhere}
        evidence.update(span_blocks)
        head = min(4, stage.span_min_chars)
        span_keys = [piece_key(b.text) for _, b in span_blocks]
        heads = None if any(not k for k in span_keys) else np.unique(
            np.array([gram_hashes(k[:head], head)[0] for k in span_keys], dtype=np.uint64))
        return Summary(
            hashes=frozenset(h for h, _ in boiler),
            blocks=tuple(b for _, b in boiler),
            kept=tuple(kept),
            not_template=tuple(not_template),
            documents=self.documents,
            lines=self.lines,
            sketch_fill=max(self.all.fill(), self.edge.fill(), self.sites.fill(), self.all_sites.fill()),
            bloom_fill=self.pairs.fill(),
            not_admitted=self.not_admitted,
            settings={
                "min_docs": stage.min_docs,
                "min_edge_share": stage.min_edge_share,
                "edge_lines": stage.edge_lines,
                "mid_min_chars": stage.mid_min_chars,
                "min_sites": stage.min_sites,
                "template_check": stage.template_check,
                "anywhere": stage.anywhere,
                "spans": stage.spans,
                "span_min_sites": stage.span_min_sites,
                "memory_bytes": self.all.nbytes + self.edge.nbytes + self.sites.nbytes + self.all_sites.nbytes
                + self.pairs.nbytes,
            },
            anywhere=frozenset(anywhere),
            spans=frozenset(h for h, _ in span_blocks),
            span_blocks=tuple(b for _, b in span_blocks),
            kept_spans=tuple(kept_spans),
            evidence=evidence,
            span_heads=heads,
            span_head=head,
        )


def _by_frequency(block: Block) -> tuple[int, str]:
    """Most frequent first; ties by text, so the report is the same for every worker count."""
    return (-block.docs, block.text)
