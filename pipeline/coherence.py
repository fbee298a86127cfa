"""How much a paragraph belongs to its document: the coherence signal, and the blocks it bounds.

Scraped pages carry text that is *real* but not the page's own: the continued
half of another article after a ``（上接1版）`` marker, a "related articles" list
after ``相关阅读``, a second article glued to the end. A marker says where such a
block *starts*; it says nothing about where the block ends, and the page's own
paragraphs after the block are real text that must stay. Deciding where a block
ends needs a signal of whether a paragraph belongs to the document:

* :func:`content_bigrams` — the character bigrams of a text that carry topic,
  weighted by rarity: a bigram of two common characters (``我们``, ``的发``)
  weighs nothing, one with a rare character (``渝北``, ``鲁能``) a lot. The
  rarity is the character model's (``pipeline/charmodel.py``, jieba-derived
  frequencies) so no corpus pass is needed; Latin and digit tokens (names,
  commands, numbers) count as one heavy item each.
* :func:`coherence` — the weighted share of a paragraph's bigrams that also
  occur in a reference text (the rest of the document): about 0.15 for a
  paragraph of the same news article, about 0.01 for one of another article
  (medians on People's Daily; ``docs/rules.md`` gives the measurement).
* :func:`foreign_extent` — where a marked block ends: the marker paragraph and
  the paragraphs after it that are foreign to the text before the marker, up to
  the first paragraph that belongs to the host again.
* :func:`spam_features` — what makes a span junk whatever its topic (contact
  handles, URLs, copyright lines, decoration): a long span a rule would remove
  but that is coherent with the document and has none of these stays.

One paragraph's coherence is a noisy signal (a short paragraph shares little
with anything), so every decision here leans towards keeping text: a block
grows only over paragraphs that are clearly foreign, a short paragraph is
removed only when foreign paragraphs follow it, and the first paragraph that
is not clearly foreign ends the block. Text left behind can be removed by a
user rule; text removed wrongly would be lost.

>>> host = "重庆永川区大数据产业园今年引进企业四十家，永川大数据产业规模持续扩大。"
>>> own = "永川区负责人说，大数据产业园将继续引进企业。"
>>> other = "郑州铁路东站党委制定了领导干部五不准制度。"
>>> coherence(content_bigrams(own), content_bigrams(host)) > 0.3
True
>>> coherence(content_bigrams(other), content_bigrams(host))
0.0
"""

from __future__ import annotations

import functools
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import regex

from . import charmodel, features

#: A bigram weighs the rarity of its two characters beyond this many nats: two
#: characters among the few hundred most common (function words, 发展, 工作)
#: weigh nothing. Chosen by measurement (docs/rules.md): it separates a news
#: paragraph's own article from another article better than plain or
#: unweighted bigrams (ROC AUC 0.938 against 0.922 on People's Daily).
_RARITY_FLOOR = 13.0
#: Weight of a Latin or digit token (a name, a command, a version).
_TOKEN_WEIGHT = 10.0
#: A bare number (a date, a count: 2017, 09) is in every kind of text: little topic evidence.
_NUMBER_WEIGHT = 2.0
_NUMBER = regex.compile(r"[0-9][0-9.\-/]*")


#: Code points the hanzi bigrams are taken from (the blocks of \\p{Han}).
_HAN_RANGES = ((0x2E80, 0x2FDF), (0x3005, 0x3007), (0x3021, 0x3029), (0x3038, 0x303B), (0x3400, 0x4DBF),
               (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
_TABLE_SIZE = 0x40000
#: Latin and digit tokens (names, commands, figures): one heavy item each.
_TOKENS = regex.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-/]*")


@functools.cache
def _rarities() -> tuple[np.ndarray, np.ndarray]:
    """Per code point: the rarity of a hanzi (negative log-frequency; NaN: not a hanzi), as one table.

    numpy does the per-character work: a page is a few array operations, not a Python loop.
    """
    model = charmodel.model()
    rarity = np.full(_TABLE_SIZE, np.nan, dtype=np.float64)
    for low, high in _HAN_RANGES:
        rarity[low : high + 1] = -model.floor
    for ch, lp in model.logprobs.items():
        if len(ch) == 1 and ord(ch) < _TABLE_SIZE and not np.isnan(rarity[ord(ch)]):
            rarity[ord(ch)] = -lp
    return rarity, np.isnan(rarity)


#: The words of a news item's furniture (datelines, bylines, source lines: 据新华社北京１月１日电
#: （记者…）, 本报讯, ——本报记者…报道): every article of every paper has them, so they say
#: nothing about its topic, and a foreign article's lead would share them with the host's.
FORMULA_WORDS = ("新华社", "中新社", "新华网", "人民网", "央视网", "中新网", "记者", "通讯员", "本报讯",
                 "报道", "日报", "晚报", "日电", "编辑", "责任编辑", "来源", "摄影", "特约", "特派", "实习")


@functools.cache
def _formula_keys() -> frozenset[int]:
    return frozenset((ord(w[i]) << 21) | ord(w[i + 1]) for w in FORMULA_WORDS for i in range(len(w) - 1))


def content_bigrams(text: str) -> dict[int | str, float]:
    """The topic-bearing bigrams of ``text`` with their weights (each distinct bigram once).

    A hanzi bigram is keyed by one integer (both code points, see :func:`readable`), a Latin or
    digit token by its lower-case text.

    >>> sorted(readable(content_bigrams("我们的一个")))  # only common characters: nothing left
    []
    >>> sorted(readable(content_bigrams("渝北区 GCC 4.2")))
    ['4.2', 'gcc', '北区', '渝北']
    >>> sorted(readable(content_bigrams("新华社记者")))  # news furniture (FORMULA_WORDS): no topic
    ['社记']
    """
    out: dict[int | str, float] = {}
    if len(text) >= 2:
        rarity, not_han = _rarities()
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        points = np.where(points < _TABLE_SIZE, points, 0)  # beyond the table: not a hanzi (0 is not one)
        r = rarity[points]
        weights = r[:-1] + r[1:] - _RARITY_FLOOR  # NaN where either side is not a hanzi
        keep = np.flatnonzero(weights > 0)
        if keep.size:
            keys = (points[keep].astype(np.int64) << 21) | points[keep + 1].astype(np.int64)
            out = dict(zip(keys.tolist(), weights[keep].tolist()))
            for key in _formula_keys().intersection(out):
                del out[key]
    for token in _TOKENS.findall(text):
        out[token.lower()] = _NUMBER_WEIGHT if _NUMBER.fullmatch(token) else _TOKEN_WEIGHT
    return out


def readable(bigrams: Mapping[int | str, float]) -> dict[str, float]:
    """The bigrams with their keys as text (``渝北`` rather than an integer), for people and tests."""
    return {(chr(k >> 21) + chr(k & 0x1FFFFF)) if isinstance(k, int) else k: w for k, w in bigrams.items()}


def weight(bigrams: Mapping[int | str, float]) -> float:
    """How much topic evidence a text carries: the total weight of its bigrams."""
    return sum(bigrams.values())


def coherence(part: Mapping[int | str, float], reference: Container[int | str]) -> float:
    """Weighted share of ``part``'s bigrams found in ``reference`` (0 when ``part`` has none).

    >>> coherence({"渝北": 2.0, "鲁能": 2.0}, {"渝北"})
    0.5
    >>> host = content_bigrams("重庆渝北区")
    >>> coherence(content_bigrams("渝北区与广安"), host) > 0.3
    True
    """
    total = weight(part)
    return sum(w for k, w in part.items() if k in reference) / total if total else 0.0


# -- paragraphs as units --------------------------------------------------------------------

#: Paragraphs longer than this are never judged part of a block (a page flattened into one
#: line: removing it on the evidence of a marker would take everything).
MAX_UNIT_CHARS = 5000

_BLANK_LINE = regex.compile(r"\n[^\S\n]*\n")
_SENTENCE_END = "。！？!?…；;”」』）)\"'"
_LIST_MARK = regex.compile(
    r"^\s*(?:[·•●○◆◇■□▪▶►▸>※★☆\-*+]|\d{1,2}[.、．)）]|[（(]\d{1,2}[）)]|[一二三四五六七八九十]{1,2}、)\s*"
)
_DATE_TAIL = regex.compile(r"[\s(（\[]*(?:\d{2,4}[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?|\d{1,2}[-/月]\d{1,2}日?)[\s)）\]]*$")


def units(text: str) -> list[tuple[int, int]]:
    r"""``(start, end)`` of each paragraph: blocks between blank lines, or lines when there are none.

    Scraped pages use one of two layouts, paragraphs separated by a blank line
    or one paragraph per line; the rules stage reads both the same way.

    >>> units("一\n二\n\n三")
    [(0, 3), (5, 6)]
    >>> units("一\n二")
    [(0, 1), (2, 3)]
    """
    spans: list[tuple[int, int]] = []
    separator = _BLANK_LINE if _BLANK_LINE.search(text) else regex.compile(r"\n")
    pos = 0
    for match in separator.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    return [(s + len(text[s:e]) - len(text[s:e].lstrip()), e - (len(text[s:e]) - len(text[s:e].rstrip())))
            for s, e in spans if text[s:e].strip()]


def is_list_item(line: str) -> bool:
    """A line shaped like an entry of a list of links: a headline, not a sentence.

    Short (at most 48 characters once a leading bullet and a trailing date are
    taken off), one line, and not ending a sentence.

    >>> is_list_item("· 重庆今年将新开工高速公路10条 2021-05-27")
    True
    >>> is_list_item("1. 川渝合作再提速")
    True
    >>> is_list_item("川渝两地合作持续深化，成效明显。")
    False
    """
    if "\n" in line.strip():
        return False
    core = _DATE_TAIL.sub("", _LIST_MARK.sub("", line.strip())).strip()
    return 0 < len(core) <= 48 and core[-1] not in _SENTENCE_END


def _entry_key(line: str) -> str:
    """A list entry as compared with another: its bullet and spaces gone (``· 第一章 总则`` → ``第一章总则``)."""
    return regex.sub(r"\s+", "", _LIST_MARK.sub("", line.strip()))


def is_list_block(text: str) -> bool:
    r"""One list entry, or a paragraph whose every line is one (a list kept with single line breaks).

    >>> is_list_block("· 川渝合作再提速\n· 成都地铁三号线明日试运行"), is_list_block("川渝合作再提速。\n下文")
    (True, False)
    """
    lines = [line for line in text.split("\n") if line.strip()]
    return bool(lines) and all(is_list_item(line) for line in lines)


# -- spam features ---------------------------------------------------------------------------

#: The features (pipeline/features.py) that make a span junk whatever its topic.
JUNK_FEATURES = ("url", "contact", "handle", "copyright", "decoration")


def spam_features(text: str) -> tuple[str, ...]:
    """The names of the junk features ``text`` shows (an empty tuple for ordinary prose).

    >>> spam_features("详情咨询：400-820-8820，官网 www.example.com")
    ('url', 'contact')
    >>> spam_features("会议强调，要加快推进重点项目建设。")
    ()
    """
    return features.present(text, JUNK_FEATURES)


# -- blocks opened by a marker -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where :func:`foreign_extent` draws its lines (defaults measured, see docs/rules.md).

    ``opened``    the paragraph the marker opens (the text right after the marker) is
                  foreign below this coherence with the host: the marker is direct
                  evidence about it;
    ``first``     a paragraph with no foreign prose before it in the block (the marker
                  stood alone, or only list entries came between) is foreign below this;
    ``next``      a later paragraph is foreign below ``first`` when it is more coherent
                  with the block than with the host, or below ``next`` when it is at least
                  ``margin`` more coherent with the block;
    ``min_weight`` paragraphs with less topic evidence than this are too short to judge:
                  they go only when a foreign paragraph follows them;
    ``window``    characters of host text before the marker used as the reference;
    ``min_host``  below this much host evidence before the marker, the reference is the
                  whole rest of the document instead (so a block near the top is judged
                  against the text after it, and the block stays when in doubt);
    ``headline``  the last entry of a link list is the headline of the prose after it
                  (and stays) when at least this coherent with that prose;
    ``article``   an unmarked second article (:func:`appended_extent`) goes only when its
                  paragraphs together are below this coherence with the host, and
    ``shorter``   at most this share of the length of the page's text before it, which
    ``article_host`` must carry at least this much evidence;
    ``run_host``  a weakly coherent run is taken to the next marker or the end only when
                  the host before the marker carries at least this much evidence (a few
                  paragraphs): against a title and one paragraph, the page's own later
                  paragraphs look as unrelated as a foreign block.
    """

    opened: float = 0.1
    first: float = 0.03
    next: float = 0.12
    margin: float = 0.05
    min_weight: float = 25.0
    window: int = 1200
    min_host: float = 60.0
    run_host: float = 500.0
    headline: float = 0.3
    article: float = 0.05
    shorter: float = 0.5
    article_host: float = 300.0


@dataclass(frozen=True, slots=True)
class Judged:
    """The evidence for one paragraph after a marker: its coherence with the host and with the block."""

    unit: int
    host: float
    block: float | None
    verdict: str  # "foreign", "weak", "list", "short", "host", "heading", "headline"


@dataclass(frozen=True, slots=True)
class Extent:
    """A block: paragraphs ``first`` .. ``end - 1`` go; ``judged`` says why, paragraph by paragraph."""

    first: int
    end: int
    judged: tuple[Judged, ...]
    #: The block is the text *before* ``first`` (a page that opens with another, shorter
    #: article), not ``first`` .. ``end - 1``: see :func:`appended_extent`.
    before: bool = False

    @property
    def paragraphs(self) -> int:
        return self.end - self.first


def foreign_extent(
    paragraphs: Sequence[str],
    first: int,
    before: str,
    *,
    lists: bool = False,
    max_paragraphs: int = 40,
    same_article: bool = False,
    until: int | None = None,
    open_end: bool = False,
    limits: Thresholds = Thresholds(),
) -> Extent:
    """Where a block that a marker opens at paragraph ``first`` ends.

    ``paragraphs`` are the document's paragraphs, ``paragraphs[first]`` the text
    the marker opens (the marker itself removed; it may be empty), ``before``
    the document's own text before the marker (title included). With
    ``lists``, lines shaped like link-list entries (:func:`is_list_item`) belong
    to the block whatever their topic: a "related articles" list is about the
    same topic as the page, which is why it was listed; the first prose
    paragraph after the list ends the block. ``same_article`` says
    the document itself hints that its own text goes on after the marker (it
    printed its own ``（下转2版）`` before): then even the paragraph the marker
    opens needs the strict ``first`` threshold.

    When the paragraph-by-paragraph walk stops at a paragraph that is only
    *weakly* coherent, and every paragraph from there to ``until`` (the next
    marker of the same kind, else the end of the document) is below
    ``opened`` too, nothing of the host comes back: the block runs there (a
    page's trailing continued articles). This needs a host whose own
    paragraphs hang together (:func:`_hangs_together`): on a page of news
    briefs, a paragraph that shares little with the rest is just another
    brief. With ``open_end`` the document goes on past ``paragraphs`` (the
    caller passed only the part a block may span), so no run to the end is
    taken. The evidence for such a run is weaker than for the walk, so its
    paragraphs are judged ``"weak"``, and a block holding them is kept as a
    document of its own rather than deleted (:func:`pipeline.rules.block_removal`).

    >>> host = ["川渝两地交通部门签署协议，推动渝广高速建设。", "渝北区与广安市将共建高竹新区。"]
    >>> block = ["会议还表决通过了人事任免事项，郑州铁路东站党委制定了制度。"]
    >>> after = ["高竹新区规划范围内的渝北、广安几个镇实行两地一张蓝图。"]
    >>> e = foreign_extent(host + block + after, 2, "\\n".join(host))
    >>> e.first, e.end, [j.verdict for j in e.judged]
    (2, 3, ['foreign', 'host'])
    """
    host = content_bigrams(before[-limits.window :])
    if weight(host) < limits.min_host:  # too little before the marker: judge against everything else
        rest = [p for i, p in enumerate(paragraphs) if i != first]
        host = content_bigrams(before + "\n" + "\n".join(rest))
    block: dict[int | str, float] = {}
    judged: list[Judged] = []
    listed: set[str] = set()  # the list entries seen so far (lists mode)
    end = first
    stop = min(len(paragraphs), first + max_paragraphs)
    for i in range(first, stop):
        text = paragraphs[i]
        if not text.strip():
            judged.append(Judged(i, 0.0, None, "short"))
            continue
        if len(text) > MAX_UNIT_CHARS:  # a flattened page or a wall of text: never a block on this evidence
            judged.append(Judged(i, 0.0, None, "host"))
            break
        if lists and is_list_block(text):
            entries = [_entry_key(line) for line in text.split("\n") if line.strip()]
            if any(e in listed for e in entries):
                # An entry the list already had: the text's own heading that a table of
                # contents listed (第一章 总则 after 目录 … 第一章 总则). The block ends here.
                judged.append(Judged(i, 0.0, None, "heading"))
                break
            listed.update(entries)
            judged.append(Judged(i, 0.0, None, "list"))
            end = i + 1
            continue
        if lists and end > first and not block:
            # Prose right after a list of links is the page going on (its own text, or
            # its footer), not more of the list: the block ends with the list. When the
            # last entry is the headline of that prose (they share its topic words), it
            # is the page's own heading, not an entry of the list.
            judged.append(Judged(i, 0.0, None, "host"))
            last = judged[-2]
            # (a paragraph of several entries is the list itself, not a heading after it)
            if last.verdict == "list" and "\n" not in paragraphs[last.unit].strip():
                lead = content_bigrams("\n".join(paragraphs[i : i + 2]))
                headline = coherence(content_bigrams(paragraphs[last.unit]), lead)
                # A block at the very top of the page: the page's own title is the line
                # right before its first prose, whatever it shares with it.
                if headline >= limits.headline or not before.strip():
                    judged[-2] = Judged(last.unit, round(headline, 3), None, "heading")
                    end = last.unit
            break
        grams = content_bigrams(text)
        with_host = coherence(grams, host)
        with_block = coherence(grams, block) if block else None
        if weight(grams) < limits.min_weight or not block and _is_credit_line(text):
            # Too short to judge alone; it goes with the block only when a foreign
            # paragraph follows, or when it clearly shares the block's topic rather
            # than the host's.
            clearly_block = with_block is not None and with_block >= with_host + 2 * limits.margin
            judged.append(Judged(i, round(with_host, 3), _round(with_block), "foreign" if clearly_block else "short"))
            if clearly_block:
                end = i + 1
            continue
        if with_block is None:  # no foreign prose in the block yet: the host coherence alone decides
            # The paragraph the marker opens, or the first one after lines too short to judge
            # (a byline, a source line, a marker standing alone), is what the marker is about.
            opens = i == first or all(j.verdict == "short" for j in judged)
            foreign = with_host < (limits.opened if opens and not same_article else limits.first)
        else:  # later: it must also look more like the block than like the host
            foreign = (with_host < limits.first and with_block > with_host) or (
                with_host < limits.next and with_block >= with_host + limits.margin
            )
        if not foreign and end > first and with_host < limits.opened and weight(host) >= limits.run_host and not (
            open_end and until is None
        ):
            stop_at = len(paragraphs) if until is None else until
            tail = _weakly_coherent_run(paragraphs, i, stop_at, host, limits) if _hangs_together(before, limits) else []
            if tail:
                judged.extend(tail)
                end = tail[-1].unit + 1
                break
        judged.append(Judged(i, round(with_host, 3), _round(with_block), "foreign" if foreign else "host"))
        if not foreign:
            break
        block.update(grams)
        end = i + 1
    return Extent(first, end, tuple(judged))


def _is_credit_line(text: str) -> bool:
    """A short line that ends no sentence, such as a byline or a source line: too little to start a block on.

    >>> _is_credit_line("——南方日报记者冯玲桂报道"), _is_credit_line("会议审议了人事任免事项。")
    (True, False)
    """
    line = text.strip()
    return "\n" not in line and len(line) <= _CREDIT_LINE_CHARS and line[-1:] not in _SENTENCE_END


def _weakly_coherent_run(
    paragraphs: Sequence[str], start: int, stop: int, host: Container[str], limits: Thresholds
) -> list[Judged]:
    """The paragraphs ``start`` .. ``stop - 1`` judged "weak" (weakly foreign) if none is coherent with the host, else []."""
    run = []
    for i in range(start, stop):
        grams = content_bigrams(paragraphs[i])
        score = coherence(grams, host)
        if weight(grams) >= limits.min_weight and score >= limits.opened:
            return []
        run.append(Judged(i, round(score, 3), None, "weak"))
    return run


def _hangs_together(before: str, limits: Thresholds) -> bool:
    """Whether the host's own paragraphs are coherent with each other (their median above ``opened``).

    Only then does a paragraph that shares little with the host say it is
    foreign. A page of news briefs, a list of answers or a listicle has
    paragraphs that share little with each other: there, weak coherence is
    no evidence, and the page's later paragraphs are its own.

    >>> _hangs_together("南极科考队抵达中山站，队员将观测冰川。\\n\\n约旦宣布以观察员身份参加会议。\\n\\n尼日尔警方破获暗杀团伙。", Thresholds())
    False
    """
    own = [p for p in regex.split(r"\n\s*\n|\n", before[-limits.window :]) if p.strip()]
    grams = [content_bigrams(p) for p in own]
    scores = []
    for i, g in enumerate(grams):
        if weight(g) < limits.min_weight:
            continue
        rest: set[str] = set()
        for j, other in enumerate(grams):
            if j != i:
                rest.update(other)
        scores.append(coherence(g, rest))
    if len(scores) < 2:
        return False
    scores.sort()
    return scores[len(scores) // 2] >= limits.opened


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


_HAN = regex.compile(r"\p{Han}")
_SECTION_NUMBER = regex.compile(r"^\s*(?:\d+(?:[.．]\d+)*[.．、]?\s|第[\d一二三四五六七八九十百]+[章节篇部分条]|[（(]?[一二三四五六七八九十]+[）)、]|[A-Z][.．、]\s)")


#: Sentence-final particles of spoken Chinese: what a post ends with, never a headline.
_MODAL_PARTICLES = frozenset("啊吧呢嘛呀哦啦呗咯喔噢哇耶")


def is_headline(line: str) -> bool:
    """A line shaped like a news headline: 6–32 characters, mostly hanzi, no section number, no sentence end.

    Inner headings of manuals (``1.4.3. 特殊按键``, ``第二章 安装``), code and command
    lines, and lead-ins to a list (``尝试下列例子：``) are not headlines of another article.

    >>> is_headline("南极科考队抵达中山站"), is_headline("1.4.3. 特殊按键"), is_headline("$ ls -l /etc")
    (True, False, False)
    >>> is_headline("服务应该再提升一下．怎么也要符合五星的标准啊")
    False
    """
    text = line.strip()
    if not 6 <= len(text) <= 32 or "\n" in text or text[-1] in _SENTENCE_END + "：:，,、" or _SECTION_NUMBER.match(text):
        return False
    # A headline is one phrase: no sentence ends inside it, no modal particle closing it
    # (``服务应该再提升一下．怎么也要符合五星的标准啊`` is a post, not a headline).
    if any(mark in text for mark in "。！？．!?") or text[-1] in _MODAL_PARTICLES:
        return False
    # figures are part of headlines (去年生产原油１５８０万吨); Latin words are not
    return len(_HAN.findall(text)) >= 0.8 * len(regex.sub(r"[\s\p{P}\p{S}\p{Nd}]", "", text))


class _Contains:
    """A text seen as the set of its substrings (for :func:`coherence` against a few bigrams)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __contains__(self, item: object) -> bool:
        return isinstance(item, str) and item in self.text


#: Longest line without a sentence end that an unmarked article may hold besides its
#: paragraphs: a byline, a source and date line (``——本报记者张三报道``).
_CREDIT_LINE_CHARS = 40


def appended_extent(
    paragraphs: Sequence[str],
    first: int,
    before: str,
    *,
    before_chars: int | None = None,
    max_paragraphs: int = 40,
    to_the_end: bool = True,
    split: bool = False,
    limits: Thresholds = Thresholds(),
) -> Extent:
    """Whether the headline ``paragraphs[first]`` opens a second article glued into the page, and where it ends.

    No marker says so, and a page's own inner headings look the same, so the
    evidence asked for is stronger than after a marker: a line shaped like a
    news headline (:func:`is_headline`), at least two paragraphs of sentences
    after it, a headline that shares nothing with the text before it (below
    ``first``), a first paragraph below ``first`` too, the article as a whole
    below ``article`` against the page's own text around it (the text before
    the headline and the text after the article, together at least
    ``article_host`` of evidence), and an article that runs to the end of the
    page or is followed by text clearly the page's own (``opened``).
    Otherwise the extent is empty (``end == first``) and the headline stays
    with everything after it.

    Which of the two articles is the page's own is a matter of length: the
    article after the headline goes when it is at most ``shorter`` of the
    page's own text. Longer, nothing goes unless the caller keeps what goes
    as a document of its own (``split``): then a second article that runs to
    the end and is longer than everything before it makes the text *before*
    the headline the stray one (a page that opens with another, shorter story
    or the continued end of one; ``Extent.before``), when that text is two
    paragraphs of sentences or more and wholly in ``before``; and an article
    between ``shorter`` and the length of the page's text is split off as it
    is. Splitting loses no text, so only the document ids are at stake.

    >>> host = ["永川区大数据产业园今年引进企业四十家，园区负责人说，永川将继续扩大大数据产业规模。" * 4]
    >>> appended_extent(host + ["永川大数据产业园扩容", "永川区负责人表示，大数据产业园明年再扩建。"], 1, host[0]).paragraphs
    0
    """
    nothing = Extent(first, first, ())
    following = paragraphs[first + 1 : first + 5]  # a byline or a source line may come first
    if sum(p.rstrip()[-1:] in _SENTENCE_END for p in following) < 2:
        return nothing  # cheap checks first: an article is two paragraphs of sentences or more
    if not is_headline(paragraphs[first]):
        return nothing
    window = before[-limits.window :]
    headline = content_bigrams(paragraphs[first])
    # Most headlines after some text are the page's own inner headings, sharing words with
    # it: test the few bigrams of the headline against the text itself before building the
    # host's bigrams (the same share as coherence(headline, host)).
    lowered = window.lower()
    if coherence(readable(headline), _Contains(lowered)) >= limits.first:
        return nothing
    host = content_bigrams(window)
    if weight(host) < limits.min_host:
        return nothing
    body = foreign_extent(paragraphs, first + 1, before, max_paragraphs=max_paragraphs,
                          open_end=not to_the_end, limits=limits)
    foreign = [paragraphs[j.unit] for j in body.judged if j.verdict == "foreign" and j.unit < body.end]
    prose = [p for p in foreign if p.rstrip()[-1:] in _SENTENCE_END]
    if len(prose) < 2 or any(len(p) > _CREDIT_LINE_CHARS and p.rstrip()[-1:] not in "：:，,"
                             for p in foreign if p not in prose):
        # An article is paragraphs of sentences (a byline or a source line may stand
        # among them), not one line, a list or code.
        return nothing
    stopper = next((j for j in body.judged if j.unit >= body.end and j.verdict == "host"), None)
    runs_to_end = body.end == len(paragraphs) and to_the_end
    if not runs_to_end and (stopper is None or stopper.host < limits.opened):
        # The page's own text must clearly come back after the article (or the article
        # runs to the end): a weak stop says the two parts are not told apart.
        return nothing
    # The page's own text is what stands before the headline and what comes back after
    # the article (a block in the middle of a page may have little before it).
    after = paragraphs[body.end :]
    around = content_bigrams(window + "\n" + "\n".join(after)[: limits.window]) if after else host
    article = content_bigrams("\n".join(prose))
    # Evidence enough on both sides: the page's own text must carry ``article_host``. When
    # what goes is kept as a document (``split``: a wrong split loses no text), half of that
    # on the smaller side will do if the text before is one article whose paragraphs hang
    # together (a page of reviews or briefs is many short texts, each foreign to the next).
    enough = weight(around) >= limits.article_host or split and (
        2 * min(weight(around), weight(article)) >= limits.article_host and _hangs_together(before, limits))
    if not enough or weight(article) < limits.min_host or coherence(article, around) >= limits.article:
        return nothing
    judged = (Judged(first, round(coherence(headline, host), 3), None, "headline"), *body.judged)
    own_chars = (len(before.strip()) if before_chars is None else before_chars) + sum(map(len, after))
    article_chars = sum(map(len, prose))
    if article_chars <= limits.shorter * own_chars:
        return Extent(first, body.end, judged)
    if not split:
        # The page's own article is the main text: unless the text after the headline is
        # clearly the shorter, the text *before* may be the stray one (a page that opens
        # with another story), and which is which cannot be told. Keep both.
        return nothing
    if runs_to_end and article_chars > own_chars and _is_whole_article(before, before_chars, 2 * limits.window):
        # The page opens with the shorter article: that one is the stray. The text after
        # the headline must not share with it either (the same test, the other way).
        if coherence(content_bigrams(before), content_bigrams("\n".join(prose))) < limits.article:
            return Extent(first, first, judged, before=True)
        return nothing
    return Extent(first, body.end, judged)


def _is_whole_article(before: str, before_chars: int | None, limit: int) -> bool:
    """The text before a headline was read whole (at most ``limit`` characters) and is two paragraphs of sentences.

    >>> _is_whole_article("上海举行马拉松赛。\\n\\n三万名选手参赛，赛事顺利。", None, 2400)
    True
    >>> _is_whole_article("上海举行马拉松赛。\\n\\n三万名选手参赛，赛事顺利。", 5000, 2400)
    False
    """
    text = before.strip()
    if len(text) > limit or before_chars is not None and before_chars != len(text):
        return False  # part of it lies outside what was read: never remove what was not judged
    paragraphs = [p for p in regex.split(r"\n\s*\n|\n", text) if p.strip()]
    return sum(p.rstrip()[-1:] in _SENTENCE_END for p in paragraphs) >= 2
