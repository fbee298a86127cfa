"""Keyword stuffing in every shape, removed span by span: keyword runs, labelled tag lists,
hidden-text blocks, title fragments inserted into sentences.

SEO pages stuff keywords for search engines, not for readers, and the shapes
differ from site to site; what they share is what stuffing *is*:

* **short items that repeat a head word** (rule ``keyword_run``): a line, or the
  tail of a line after its last sentence, made of four or more short phrases
  (``北京搬家，北京搬家公司，北京搬家电话，朝阳搬家``), separated by ``，、|/`` or by
  nothing at all (the normalize stage has already removed the spaces between
  hanzi, so ``北京搬家 北京搬家公司`` arrives as ``北京搬家北京搬家公司``). A run goes when
  at least three of its items share a head of two to four hanzi, its items are
  of at least three kinds, and none of them reads like a sentence (see
  :data:`FUNCTION_CHARS`: ``性价比不错声效不错摄像头效果不错`` is a review, not
  keywords). A run whose items are pieces of the document's
  title (``川渝|成渝|双城|经济圈``) goes too, unless it is an enumeration with ``、``:
  Chinese writes real lists that way;
* **a label that says so** (rule ``keyword_label``): ``关键词：``, ``标签：``, ``热门搜索：``,
  ``Tags:`` at the start of a line (or after a sentence) and a list after it to
  the end of the line;
* **hidden-text blocks** (rule ``hidden_text``): a paragraph at the head or the
  tail of the page that is keyword soup: thirty or more hanzi, almost no
  punctuation or function words, and most of its characters in bigrams it
  repeats three times or more;
* **title fragments inserted into sentences** (rule ``title_fragment``): a two- to
  four-character piece of the title put where the sentence breaks. The
  character model (:mod:`pipeline.charmodel`) says where: the fragment forms no
  known in-word pair with either neighbour, while the two neighbours form a
  common one (``同步`` in ``现场同合力步推介``): the fragment was put inside a word.
  That happens by chance between words of clean text (``中国驻南非大使馆``: ``国大``
  is a pair), so a fragment whose neighbours already belong to words, or are
  grammatical characters, or that recurs with a neighbour elsewhere on the
  page, stays; a document is confirmed only with
  :attr:`KeywordStuffing.min_fragments` insertions; and only the insertions
  go, never the fragment's other occurrences. A fragment put *between* two
  words leaves no trace in character pairs and stays (docs/stuffing.md).

What stays, by construction: a sentence that repeats its topic word
(``机器人`` in every sentence of a talk: the sentences have punctuation and
function words), an enumeration with ``、`` inside a sentence, a table of contents
or a spec list (items with figures or ordinals are no keywords), a poem or a
refrain (one line is one item; items of one kind are no run), commands (Latin
items are judged only under a label).

Every removal is bounded by the run it recognises (never past the line or the
segment), is logged as ``doc.replace(..., "stuffing", rule)``, and its evidence
goes to ``doc.meta["evidence"]`` (:func:`pipeline.removals.decide`); the counts
per rule go to ``doc.meta["keyword_stuffing"]``.

>>> from pipeline.document import Document
>>> doc = KeywordStuffing().apply(Document("a", "搬家须知\\n搬家前要整理物品。\\n北京搬家北京搬家公司北京搬家电话朝阳搬家"))
>>> doc.text, doc.meta["keyword_stuffing"]
('搬家须知\\n搬家前要整理物品。', {'keyword_run': 1})
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import regex

from . import charmodel
from .document import Document
from .lines import Line, split_lines
from .removals import decide, removal_spans
from .repetition import headline_of, title_matches, title_of, title_pieces

#: Characters that make a phrase a sentence: particles, pronouns, copula, negation,
#: 很, 把, 被. Only characters that are rare inside names and nouns: 都, 在, 和, 与
#: are not here (成都, 在线, 和平, 参与). Keywords are noun phrases (``北京搬家公司哪家好``);
#: ``北京很美``, ``我爱你中国`` are sentences, and a run of them is rhetoric, not stuffing.
FUNCTION_CHARS = frozenset("的了是我你他她它这那很把被吗呢吧啊么不没")
#: Characters of constructions and function words: a pair across a fragment with one of
#: them (以…为, 为了, 的是) is a chance pair between words, not a word the fragment split.
GRAMMAR_CHARS = frozenset("的了是为以在和与也就都而着把被让将对从向于之其所者我你他她它这那有不")
#: Share of an item's (or a block's) hanzi that may be function characters.
MAX_FUNCTION_SHARE = 0.05
#: The same for one short item (``上海的旅游`` may be a keyword; the run as a whole is judged by the share above).
MAX_ITEM_FUNCTION_SHARE = 0.2
_ENDERS = "。！？!?；;…"
_SEPARATOR = regex.compile(r"[，,、|｜/／·•\s]+")
_HAN = regex.compile(r"\p{Han}")
_HAN_RUN = regex.compile(r"\p{Han}+")
#: Segments of a line: a sentence with its end mark, or the text after the last one.
_CLOSERS = "”’」』）)》】\"'"
_LAST_CLOSER = regex.compile(rf"^.*[{_CLOSERS}]\s*")
_LAST_BREAK = regex.compile(rf"^.*[{_CLOSERS}{_ENDERS}]\s*")
_SEGMENT = regex.compile(rf"[{_CLOSERS}]*[^{_ENDERS}\n]+[{_ENDERS}]*[{_CLOSERS}]*")
#: Figures and ordinals: an item that has them is a spec, a chapter, a date, not a keyword.
_FIGURE = regex.compile(r"\d|第[一二三四五六七八九十百千\d]+[章节条款篇部回卷]|[一二三四五六七八九十]+[、.]")
#: A keyword label at the start of a line or right after a sentence.
_LABEL = regex.compile(
    rf"(?:^|(?<=[{_ENDERS}\s]))\s*(?:(?:热门|相关|本文|文章|TAGS?|Tags?)?(?:关键词|关键字|标签|搜索词?|热搜词?|热词|TAG)"
    r"|(?i:tags?|keywords?))\s*[:：]\s*",
    regex.MULTILINE,
)
#: Copies of its most frequent bigram a soup paragraph has at least (one per fifteen hanzi
#: when longer): a list of real names repeats a province two or three times, soup its head word on and on.
MIN_SOUP_HEAD = 5
#: Longest item of a keyword run, and of a labelled list.
MAX_ITEM_CHARS = 12
MAX_LABEL_ITEM_CHARS = 20
#: Longest stretch judged as glued keywords: longer ones are soup or prose, and judging
#: one costs its length times its distinct grams.
MAX_UNSEPARATED_CHARS = 200
#: Longest mean item of a run: keywords are short (北京搬家公司), clauses longer (并且开始收集参考资料).
MAX_MEAN_ITEM_CHARS = 8


# -- small measures -----------------------------------------------------------------------------


def hanzi(text: str) -> int:
    """Number of hanzi in ``text``.

    >>> hanzi("北京2024搬家")
    4
    """
    return len(_HAN.findall(text))


#: The question forms a search query appends to a keyword (``不锈钢管怎么样``, ``会计培训哪家好``):
#: SEO long-tail lists are made of them, and their ``么`` or ``是`` is no grammar of the page's.
QUERY_WORDS = ("怎么样", "怎么办", "怎么买", "怎么选", "多少钱", "哪家好", "哪个好", "哪里有", "哪里买", "是什么",
               "有哪些", "什么牌子", "好不好", "靠不靠谱")


def keyword_function_share(text: str, head: str = "") -> float:
    """:func:`function_share` of ``text`` once the query forms and the shared ``head`` are taken out.

    A function character inside the word every item repeats (``不`` of ``不锈钢管``) or in a query
    form (``么`` of ``怎么样``) belongs to the keyword; one elsewhere makes a sentence.

    >>> keyword_function_share("不锈钢管怎么样不锈钢管排名", "不锈钢管"), keyword_function_share("北京很美")
    (0.0, 0.25)
    """
    n = hanzi(text)
    for word in (*QUERY_WORDS, head) if _is_compound(head) else QUERY_WORDS:
        text = text.replace(word, "")
    return sum(ch in FUNCTION_CHARS for ch in text) / n if n else 0.0


def _is_compound(head: str) -> bool:
    """A head of three or four hanzi whose every pair is an in-word pair: one noun (``不锈钢管``).

    Two hanzi (``不错``) may be a predicate, and ``北京很`` is two words with a pair between them.

    >>> _is_compound("不锈钢管"), _is_compound("北京很"), _is_compound("不错")
    (True, False, False)
    """
    return 3 <= len(head) <= 4 and all(charmodel.bigram_count(head[i : i + 2]) for i in range(len(head) - 1))


def function_share(text: str) -> float:
    """Share of the hanzi of ``text`` that are :data:`FUNCTION_CHARS` (0.0 without hanzi).

    >>> function_share("北京搬家公司"), function_share("北京很美")
    (0.0, 0.25)
    """
    n = hanzi(text)
    return sum(ch in FUNCTION_CHARS for ch in text) / n if n else 0.0


def grams(text: str, sizes: tuple[int, ...] = (2, 3, 4)) -> Iterator[str]:
    """Every substring of ``sizes`` hanzi within one run of hanzi.

    >>> sorted(grams("北京a搬家", (2,)))
    ['北京', '搬家']
    """
    for run in _HAN_RUN.findall(text):
        for n in sizes:
            for i in range(len(run) - n + 1):
                yield run[i : i + n]


def shared_head(items: list[str]) -> tuple[str, int]:
    """The 2–4-hanzi gram found in most items (the longest on a tie), and in how many.

    >>> shared_head(["北京搬家", "北京搬家公司", "北京搬家电话", "朝阳搬家"])
    ('搬家', 4)
    >>> shared_head(["苹果", "香蕉"])
    ('', 0)
    """
    counts: Counter[str] = Counter()
    for item in items:
        counts.update(set(grams(item)))
    best = max(counts.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]), default=("", 0))
    return best if best[1] >= 2 else ("", 0)


# -- keyword runs ------------------------------------------------------------------------------


def is_keyword_item(item: str, head: str = "") -> bool:
    """A short phrase of hanzi that reads like a keyword, not a sentence, a figure or a command.

    >>> is_keyword_item("北京搬家公司"), is_keyword_item("北京很美"), is_keyword_item("第一章")
    (True, False, False)
    >>> is_keyword_item("apt-get"), is_keyword_item("这是一个很长的句子不是关键词啊")
    (False, False)
    """
    n = hanzi(item)
    return (2 <= len(item) <= MAX_ITEM_CHARS and n >= 0.8 * len(item) and not _FIGURE.search(item)
            and keyword_function_share(item, head) <= MAX_ITEM_FUNCTION_SHARE)


def run_evidence(items: list[str], separators: str, is_title_piece: Callable[[str], bool]) -> dict[str, Any] | None:
    """Why ``items`` (the pieces of one segment) are a keyword run, or None when they are not.

    A run has four or more keyword items (:func:`is_keyword_item`) of at least
    three kinds, of :data:`MAX_MEAN_ITEM_CHARS` characters or fewer on average,
    and either a head shared by three items or more, at least half
    of them, or mostly title pieces (not for a ``、`` enumeration).

    >>> run_evidence(["北京搬家", "北京搬家公司", "北京搬家电话", "朝阳搬家"], "，", lambda s: False)
    {'items': 4, 'head': '搬家', 'head_items': 4}
    >>> run_evidence(["北京烤鸭", "北京很美", "北京人", "北京的冬天"], "，", lambda s: False) is None
    True
    >>> run_evidence(["国安", "国安", "国安", "国安"], "，", lambda s: False) is None  # a chant: one kind
    True
    """
    joined = "".join(items)
    if len(items) < 4 or len(set(items)) < 3 or len(joined) > MAX_MEAN_ITEM_CHARS * len(items):
        return None
    head, with_head = shared_head(items)
    if not all(is_keyword_item(i, head) for i in items) or keyword_function_share(joined, head) > MAX_FUNCTION_SHARE:
        return None
    if with_head >= 3 and with_head >= 0.5 * len(items):
        return {"items": len(items), "head": head, "head_items": with_head}
    pieces = sum(map(is_title_piece, items))
    if "、" not in separators and pieces >= 0.75 * len(items):
        return {"items": len(items), "title_pieces": pieces}
    return None


def unseparated_evidence(segment: str) -> dict[str, Any] | None:
    """Why a stretch of hanzi with no separator is keywords glued together, or None.

    The head that repeats most (two to four hanzi, three times or more, not
    overlapping) covers 30% of the stretch, at least two of its later copies
    start a new item (the character before them forms no in-word pair with
    them), the items it starts are of three kinds at least and short
    (:data:`MAX_MEAN_ITEM_CHARS` on average), and the stretch has no function
    character at all: without separators, a stretch of prose that lost its
    punctuation (``源代码软件包视图列出由源代码软件包分组的软件包``) would look the same otherwise. Twelve
    hanzi at least: a slogan (``中国梦中国心中国魂``) is shorter.

    >>> unseparated_evidence("北京搬家北京搬家公司北京搬家电话朝阳搬家")
    {'head': '北京搬家', 'copies': 3, 'coverage': 0.6}
    >>> unseparated_evidence("机器人能帮助机器人工程师设计新的机器人") is None  # 能, 的: a sentence
    True
    """
    if not 12 <= len(segment) <= MAX_UNSEPARATED_CHARS or hanzi(segment) < len(segment) \
            or keyword_function_share(segment) > MAX_ITEM_FUNCTION_SHARE:
        return None
    counts = Counter(grams(segment))
    best: tuple[int, int, str] | None = None
    for gram, n in counts.items():
        if n < 3:
            continue
        copies = _copies(segment, gram)
        if len(copies) >= 3 and (best is None or (len(copies) * len(gram), len(gram)) > best[:2]):
            best = (len(copies) * len(gram), len(gram), gram)
    if best is None:
        return None
    covered, _, head = best
    if keyword_function_share(segment, head):
        return None  # a function character outside the head and the query forms: a sentence
    copies = _copies(segment, head)
    starts_item = sum(1 for i in copies if i > 0 and charmodel.bigram_count(segment[i - 1] + head[0]) == 0)
    items = {segment[a:b] for a, b in zip([0, *copies[1:]], [*copies[1:], len(segment)])}
    if covered < 0.3 * len(segment) or starts_item < 2 or len(items) < 3 \
            or len(segment) > MAX_MEAN_ITEM_CHARS * len(copies):
        return None  # (one item over and over, ``一般一般一般``, is a reviewer's emphasis)
    return {"head": head, "copies": len(copies), "coverage": round(covered / len(segment), 3)}


def _glued_items(text: str) -> list[str]:
    """A glued list cut before each copy of its most repeated 3–4-hanzi compound, or [] without one.

    >>> _glued_items("南京不锈钢管报价不锈钢管哪家好昆明不锈钢管")
    ['南京', '不锈钢管报价', '不锈钢管哪家好昆明', '不锈钢管']
    """
    counts = Counter(g for g in grams(text, (3, 4)) if _is_compound(g))
    head = max(counts.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]), default=("", 0))[0]
    if counts.get(head, 0) < 3:
        return []
    starts = _copies(text, head)
    cuts = [0, *starts, len(text)]
    return [text[a:b] for a, b in zip(cuts, cuts[1:]) if a < b]


def _copies(text: str, gram: str) -> list[int]:
    """Starts of the non-overlapping copies of ``gram`` in ``text``, left to right."""
    out, i = [], text.find(gram)
    while i >= 0:
        out.append(i)
        i = text.find(gram, i + len(gram))
    return out


@dataclass(frozen=True, slots=True)
class Found:
    """One stretch to remove: where, which rule, and the evidence for the audit."""

    start: int
    end: int
    rule: str
    evidence: dict[str, Any]


def keyword_runs(text: str, line: Line, is_title_piece: Callable[[str], bool]) -> list[Found]:
    """Keyword runs and labelled keyword lists in one line.

    A run is a whole segment (:data:`_SEGMENT`: a sentence, or the text after
    the line's last sentence). A ``、`` or ``，`` run must not end like a sentence:
    an enumeration that does is part of what the page says.

    >>> t = "今天搬家。北京搬家，北京搬家公司，北京搬家电话，朝阳搬家"
    >>> [(t[f.start:f.end], f.rule) for f in keyword_runs(t, Line(0, len(t), t), lambda s: False)]
    [('北京搬家，北京搬家公司，北京搬家电话，朝阳搬家', 'keyword_run')]
    >>> t = "推荐北京烤鸭、北京炸酱面、北京豆汁、北京卤煮。"
    >>> keyword_runs(t, Line(0, len(t), t), lambda s: False)
    []
    """
    found: list[Found] = []
    label = _LABEL.search(text, line.start, line.end)
    if label is not None:
        rest = text[label.end() : line.end].strip()
        items = [i for i in _SEPARATOR.split(rest) if i]
        glued = len(items) == 1 and len(rest) > MAX_LABEL_ITEM_CHARS and hanzi(rest) >= 0.8 * len(rest)
        if glued:
            # The normalize stage took the spaces between hanzi out: a labelled list arrives glued
            # (``TAG标签：南京股票行情哪家好广州搬家公司…``); its items are the copies of its head, if
            # it has one, else the label's word is taken for it (no punctuation, no grammar: the
            # function-share test below).
            items = _glued_items(rest) or [rest[i : i + MAX_LABEL_ITEM_CHARS] for i in range(0, len(rest), MAX_LABEL_ITEM_CHARS)]
        # (a definition after a label, ``标签：用于标识资源的键值对``, is a sentence: it stays)
        if items and not any(ch in _ENDERS for ch in rest) and all(len(i) <= MAX_LABEL_ITEM_CHARS for i in items) \
                and (len(items) >= 2 or len(rest) <= MAX_ITEM_CHARS) \
                and keyword_function_share(rest, shared_head(items)[0]) <= MAX_FUNCTION_SHARE:
            found.append(Found(label.start(), line.end, "keyword_label",
                               {"label": label.group().strip(), "items": len(items)}))
            limit = label.start()
        else:
            limit = line.end
    else:
        limit = line.end
    for m in _SEGMENT.finditer(text, line.start, limit):
        segment = m.group()
        body = segment.strip().lstrip(_CLOSERS).rstrip(_CLOSERS).rstrip(_ENDERS).strip()
        if not body:
            continue
        ends_sentence = segment.rstrip().rstrip(_CLOSERS)[-1:] in tuple(_ENDERS) or body.endswith(".")
        # (a half-width stop ends sentences in translated manuals)
        start = m.start() + segment.index(body)
        closer = _LAST_CLOSER.search(body)
        if closer is not None:  # a run holds no bracket or quote: it starts after ``（记者某某摄）``
            start += closer.end()
            body = body[closer.end() :]
            if not body:
                continue
        end = start + len(body)
        seps = "".join(sorted(set(_SEPARATOR.findall(body))))
        if seps:
            if ends_sentence and regex.search(r"[、，,]", seps):
                continue
            evidence = run_evidence([i for i in _SEPARATOR.split(body) if i], seps, is_title_piece)
        elif not ends_sentence:  # (``本法所称价格包括商品价格和服务价格。`` is a sentence)
            evidence = unseparated_evidence(body)
        else:
            continue
        if evidence is not None:
            found.append(Found(start, m.end() if ends_sentence else end, "keyword_run", evidence))
    return found


#: A piece of the title in brackets or underscores glued after a sentence (``…翻译。【的新面貌】``).
_BRACKETED_PIECE = regex.compile(r"(?<=[。！？!?；;])\h*(?:【([^】\n]{2,8})】|_([^_\s]{2,8})_)")


def bracketed_fragments(text: str, body_start: int, title: str) -> list[Found]:
    """Pieces of the title an SEO template glued after sentences in ``【】`` or ``_ _``.

    Only after a sentence end (a ``【…】`` opening a line is a section label) and
    only what the title's hanzi hold: ``【背景链接】`` after a sentence stays unless
    the title says it. The title line itself is never touched.

    >>> t = "中的新面貌\\n有29种语言可用，其中22种已完全翻译。【的新面貌】下一句。"
    >>> [t[f.start:f.end] for f in bracketed_fragments(t, 5, "中的新面貌")]
    ['【的新面貌】']
    """
    han = "".join(_HAN_RUN.findall(title))
    found: list[Found] = []
    for match in _BRACKETED_PIECE.finditer(text, body_start):
        piece = match.group(1) or match.group(2)
        if hanzi(piece) == len(piece) and piece in han:
            found.append(Found(match.start(), match.end(), "title_fragment", {"piece": piece, "shape": "bracketed"}))
    return found


def vertical_runs(lines: list[Line], is_title_piece: Callable[[str], bool]) -> list[Found]:
    """Keyword runs laid out one item per line (``减肥方法官网`` / ``郑州月嫂报价`` / ``减肥方法价格`` …).

    Consecutive lines (no blank line between them) that are each one keyword
    item (:func:`is_keyword_item`) are judged together as one run (:func:`run_evidence`); each of their lines
    without a function character goes.

    >>> t = "正文。\\n减肥方法官网\\n郑州月嫂报价\\n减肥方法价格\\n减肥方法批发\\n杭州减肥方法品牌\\n电脑显示也很棒"
    >>> [(t[f.start:f.end], f.rule) for f in vertical_runs(split_lines(t), lambda s: False)][:2]
    [('减肥方法官网', 'keyword_run'), ('郑州月嫂报价', 'keyword_run')]
    """
    found: list[Found] = []
    block: list[Line] = []

    def flush() -> None:
        if len(block) < 4:
            return
        evidence = run_evidence([b.text.strip() for b in block], "\n", is_title_piece)
        if evidence is not None:
            # Only the items without grammar: a short real line next to the list (``电脑显示也很棒``) stays.
            head = evidence.get("head", "")
            found.extend(Found(b.start, b.end, "keyword_run", {**evidence, "layout": "lines"}) for b in block
                         if not keyword_function_share(b.text, head))

    for line in lines:
        if not is_keyword_item(line.text.strip()):
            flush()
            block = []
            continue
        # One block: lines right under each other. A manual sets its short definitions apart
        # by blank lines (``字符设备`` / ``每次访问一个字符``); a converted tag list does not.
        if block and line.start != block[-1].end + 1:
            flush()
            block = []
        block.append(line)
    flush()
    return found


# -- hidden-text blocks --------------------------------------------------------------------------


def soup_evidence(line: str) -> dict[str, Any] | None:
    """Why a paragraph is keyword soup (hidden text), or None.

    Thirty hanzi or more, at most one sentence mark per sixty hanzi, function
    characters under :data:`MAX_FUNCTION_SHARE`, no figures or ordinals,
    half of its hanzi in bigrams it repeats three times or more, a head bigram
    repeated :data:`MIN_SOUP_HEAD` times or more, and varied
    (ten distinct bigrams, and one per five hanzi, at least): soup, not one phrase.

    >>> soup = "北京搬家公司哪家好北京搬家电话朝阳搬家价格海淀搬家公司北京搬家多少钱朝阳搬家公司电话"
    >>> soup_evidence(soup)["coverage"] >= 0.5
    True
    >>> soup_evidence("机器人正在改变工厂。机器人可以搬运货物，机器人也可以焊接零件，机器人的发展很快。") is None
    True
    """
    n = hanzi(line)
    if n < 30 or sum(ch in _ENDERS for ch in line) > n / 60 or function_share(line) > MAX_FUNCTION_SHARE \
            or _FIGURE.search(line):
        return None
    runs = _HAN_RUN.findall(line)
    counts = Counter(run[i : i + 2] for run in runs for i in range(len(run) - 1))
    covered = 0
    for run in runs:
        marks = [False] * len(run)
        for i in range(len(run) - 1):
            if counts[run[i : i + 2]] >= 3:
                marks[i] = marks[i + 1] = True
        covered += sum(marks)
    top = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    if covered < 0.5 * n or len(counts) < max(10, 0.2 * n) or top[1] < max(MIN_SOUP_HEAD, n / 15):
        return None  # (one phrase over and over, ``价廉物美价廉物美…``, is emphasis or phrase spam: the quality stage's)
    return {"hanzi": n, "coverage": round(covered / n, 3), "top": top[0], "top_count": top[1]}


#: One unit over and over, nothing else: ``盗卖困扰盗卖困扰盗卖困扰盗卖困扰``.
_UNIT_REPEATS = regex.compile(r"\s*(\S{3,8}?)(?:\s*\1){3,}\s*")
#: Longest text tried as one unit repeated (the pattern is anchored; this bounds its work).
MAX_UNIT_REPEAT_CHARS = 400


def title_unit_evidence(text: str, title: str) -> dict[str, Any] | None:
    """Why ``text`` is hidden text made of a piece of the page's title repeated, or None.

    Three to eight characters of the title (hanzi in most of them) four times
    or more and nothing else: the shape SEO templates hide in a page to
    weigh its title. One phrase repeated that is not the title's
    (``价廉物美价廉物美…`` in a review, ``加油加油加油``) is the writer's emphasis and stays.

    >>> title_unit_evidence("盗卖困扰盗卖困扰盗卖困扰盗卖困扰", "盗卖困扰文物保护")
    {'unit': '盗卖困扰', 'copies': 4}
    >>> title_unit_evidence("价廉物美价廉物美价廉物美价廉物美", "一台好电脑") is None
    True
    """
    if len(text) > MAX_UNIT_REPEAT_CHARS:
        return None
    match = _UNIT_REPEATS.fullmatch(text)
    if match is None:
        return None
    unit = match.group(1)
    if unit not in title or hanzi(unit) < 0.6 * len(unit) or hanzi(unit) < 2:
        return None
    return {"unit": unit, "copies": len(_copies(text, unit))}


def _soup_start(line: str) -> int:
    """Where soup may start in a line: after its last sentence, bracket or quote (``（记者某某）`` stays)."""
    closer = _LAST_BREAK.search(line)
    return closer.end() if closer is not None else 0


def hidden_blocks(lines: list[Line], edge: int) -> list[tuple[int, dict[str, Any]]]:
    """Indices of lines that are keyword soup at the head or the tail of the page, with their evidence.

    A block starts within the first (last) ``edge`` lines and runs inward over
    the soup lines that follow it, so what is left has no soup at its edges
    (and the stage is idempotent).

    >>> soup = "北京搬家公司哪家好北京搬家电话朝阳搬家价格海淀搬家公司北京搬家多少钱朝阳搬家公司电话"
    >>> t = "标题\\n正文说了一件事。\\n" + soup
    >>> [i for i, _ in hidden_blocks(split_lines(t), 2)]
    [2]
    """
    verdicts = [soup_evidence(line.text[_soup_start(line.text):]) for line in lines]
    chosen: dict[int, dict[str, Any]] = {}
    for order in (range(len(lines)), range(len(lines) - 1, -1, -1)):
        seen = 0
        inside = False
        for i in order:
            v = verdicts[i]
            if v is not None and (inside or seen < edge):
                chosen[i] = v
                inside = True
            elif inside:
                break
            else:
                seen += 1
                if seen >= edge:
                    break
    return sorted(chosen.items())


# -- title fragments inserted into sentences ----------------------------------------------------


def inserted_fragments(text: str, start: int, pieces: frozenset[str], min_pair: int) -> list[Found]:
    """Title fragments (2–4 hanzi) in ``text[start:]`` that split a word of the sentence.

    A fragment is a maximal title match (:func:`pipeline.repetition.title_matches`)
    of two to four characters that forms no in-word pair with the character
    before it nor with the one after it, while those two characters form an
    in-word pair seen ``min_pair`` times or more in the dictionary, and neither
    of them forms one with its other neighbour (else it already belongs to a
    word and the pair is chance: ``浙江宁波市``, ``目前退化面积``). A fragment
    that reads on into a neighbour as the page says elsewhere (the fragment and
    the character before or after it occur twice or more) is a phrase of the
    page: ``举行两岸政治谈判`` five times, ``中国摄影家协会`` and ``老摄影家``.

    >>> t = "现场同合力步推介的还有景区。"
    >>> [(t[f.start:f.end], f.evidence["joined"]) for f in inserted_fragments(t, 0, title_pieces("川渝合力推动"), 1000)]
    [('合力', '同步')]
    """
    candidates = []
    for piece in title_matches(text, start, len(text), pieces):
        i, j = piece.start, piece.end
        if j - i > 4 or i == 0 or j >= len(text):
            continue
        a, b, frag = text[i - 1], text[j], text[i:j]
        if not (_HAN.match(a) and _HAN.match(b)):
            continue
        if charmodel.bigram_count(a + frag[0]) or charmodel.bigram_count(frag[-1] + b):
            continue
        joined = charmodel.bigram_count(a + b)
        if joined < min_pair or a in GRAMMAR_CHARS or b in GRAMMAR_CHARS:
            continue  # (``以市场为导向``: 以…为 is a construction, 以为 across it is chance)
        if (i >= 2 and charmodel.bigram_count(text[i - 2] + a)) \
                or (j + 1 < len(text) and charmodel.bigram_count(b + text[j + 1])):
            continue  # a neighbour already ends or starts a word (目前|退化|面积, 浙江|宁波|市): ab is chance
        candidates.append(Found(i, j, "title_fragment", {"fragment": frag, "joined": a + b, "pair_count": joined}))
    if not candidates:
        return []
    contexts = {text[f.start - 1 : f.end] for f in candidates} | {text[f.start : f.end + 1] for f in candidates}
    seen = count_substrings(text, contexts)
    return [f for f in candidates if seen[text[f.start - 1 : f.end]] < 2 and seen[text[f.start : f.end + 1]] < 2]


def count_substrings(text: str, wanted: set[str]) -> Counter[str]:
    """How often each string of ``wanted`` occurs in ``text`` (overlaps counted), in one pass per length.

    Linear in the text for a bounded set of lengths (here 3 to 5), however many strings are wanted.

    >>> count_substrings("甲乙甲乙甲", {"甲乙", "乙甲乙", "丙丁"})
    Counter({'甲乙': 2, '乙甲乙': 1})
    """
    counts: Counter[str] = Counter()
    for n in {len(w) for w in wanted}:
        counts.update(g for g in (text[i : i + n] for i in range(len(text) - n + 1)) if g in wanted)
    return counts


# -- the stage -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeywordStuffing:
    """Remove keyword runs, labelled keyword lists, hidden keyword soup and inserted title fragments.

    ``edge``            lines at the head and the tail where a hidden-text block may start
    ``min_fragments``   inserted title fragments that confirm a document (fewer: none go)
    ``min_pair``        dictionary count of the pair a fragment splits (a common word)
    ``max_title_chars`` longest first line taken as the title (as the repetition stage)
    """

    name: ClassVar[str] = "stuffing"
    edge: int = 2
    min_fragments: int = 2
    min_pair: int = 300
    max_title_chars: int = 64

    def __post_init__(self) -> None:
        if self.edge < 1 or self.min_fragments < 1 or self.min_pair < 1:
            raise ValueError("edge, min_fragments and min_pair must be at least 1")

    def apply(self, doc: Document) -> Document:
        # A removal can bring a new line to the page's edge or change the title,
        # so repeat until nothing changes: applying the stage twice changes
        # nothing more. Every round removes text, so the loop ends; in practice
        # it runs once or twice.
        counts: Counter[str] = Counter()
        while True:
            found = self.find(doc.text)
            if not found:
                break
            spans = self._spans(doc.text, found)
            if takes_the_last_text(doc.text, spans):
                first = found[0]
                decide(doc, self.name, first.rule, "kept_last_text", match=doc.text[first.start : first.end][:60])
                break
            for f in found:
                decide(doc, self.name, f.rule, "removed", match=doc.text[f.start:f.end][:60], **f.evidence)
                counts[f.rule] += 1
            if not doc.replace(spans, self.name):
                break
        if counts:
            doc.meta["keyword_stuffing"] = dict(sorted(counts.items()))
        return doc

    def find(self, text: str) -> list[Found]:
        """Everything the stage would remove from ``text``, non-overlapping, in order."""
        lines = split_lines(text)
        if not lines:
            return []
        title = title_of(lines, self.max_title_chars)
        if title is not None and title + 1 < len(lines) and self._no_title(lines[title].text, lines[title + 1].text):
            # Stuffing put above the headline (``盗卖困扰盗卖困扰…`` / ``盗卖困扰股市``, a tag line) is no title.
            rest = title_of(lines[title + 1 :], self.max_title_chars)
            title = title + 1 + rest if rest is not None else None
        pieces = title_pieces(lines[title].text) if title is not None else frozenset()
        is_piece = pieces.__contains__
        found: list[Found] = []
        for i, evidence in hidden_blocks(lines, self.edge):
            if i != title:
                start = lines[i].start + _soup_start(lines[i].text)
                found.append(Found(start, lines[i].end, "hidden_text", evidence))
        headline = title if title is not None else headline_of(lines, self.max_title_chars)
        if headline is not None:
            # The title as written and its hanzi alone (``湖南个部`` of ``湖南11个部门…``): templates drop the rest.
            head = lines[headline].text + "\n" + "".join(_HAN_RUN.findall(lines[headline].text))
            for i, line in enumerate(lines):
                start = line.start + _soup_start(line.text)
                evidence = title_unit_evidence(text[start : line.end], head) if i != headline else None
                if evidence is not None and all(f.start != start for f in found):
                    found.append(Found(start, line.end, "hidden_text", evidence))
        if headline is not None:
            found.extend(bracketed_fragments(text, lines[headline].end, lines[headline].text))
        found.extend(f for f in vertical_runs(lines, is_piece) if all(f.start != g.start for g in found))
        taken = {f.start for f in found}
        for k, line in enumerate(lines):
            if k != title and line.start not in taken:
                found.extend(keyword_runs(text, line, is_piece))
        if pieces:
            body = lines[title + 1].start if title is not None and title + 1 < len(lines) else len(text)
            fragments = inserted_fragments(text, body, pieces, self.min_pair)
            if len(fragments) >= self.min_fragments:
                found.extend(fragments)
        return _non_overlapping(found)

    @staticmethod
    def _no_title(line: str, after: str) -> bool:
        """Whether a first line is stuffing rather than the title: a keyword label or run, or a unit of the next line repeated."""
        if _LABEL.match(line) or unseparated_evidence(line.strip()) is not None:
            return True
        items = [i for i in _SEPARATOR.split(line.strip()) if i]
        if len(items) >= 4 and run_evidence(items, "".join(set(_SEPARATOR.findall(line.strip()))), lambda _: False):
            return True
        return title_unit_evidence(line, after + "\n" + "".join(_HAN_RUN.findall(after))) is not None

    def _spans(self, text: str, found: list[Found]) -> list[tuple[int, int, str, str]]:
        """Edit spans: whole lines go with their break, a fragment alone, a run with the blanks beside it.

        The lines and runs are laid out in one call, so that two removed lines in a
        row leave the layout as one removed block would; each span is named after
        the first find it covers.
        """
        spans: list[tuple[int, int, str, str]] = [(f.start, f.end, "", f.rule) for f in found
                                                  if f.rule == "title_fragment"]
        runs = [f for f in found if f.rule != "title_fragment"]
        starts = [f.start for f in runs]
        for s, e, r in removal_spans(text, [(f.start, f.end) for f in runs], "delete_span"):
            k = max(0, bisect.bisect_left(starts, e) - 1)  # the last find starting before the span ends
            while k > 0 and runs[k - 1].end > s:  # the first find the span covers
                k -= 1
            spans.append((s, e, r, runs[k].rule))
        return _merge(spans)


def _non_overlapping(found: list[Found]) -> list[Found]:
    """The earliest-starting (then longest) of overlapping finds."""
    out: list[Found] = []
    for f in sorted(found, key=lambda f: (f.start, -f.end)):
        if out and f.start < out[-1].end:
            continue
        out.append(f)
    return out


def _merge(spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Overlapping edit spans merged (a run's widened blanks may touch a neighbour's), the first rule named."""
    out: list[tuple[int, int, str, str]] = []
    for s in sorted(spans):
        if out and s[0] < out[-1][1]:
            if s[1] > out[-1][1]:
                out[-1] = (out[-1][0], s[1], "", out[-1][3])
            continue
        out.append(s)
    return out


def takes_the_last_text(text: str, spans: list[tuple[int, int, str, str]]) -> bool:
    """Whether the spans would leave nothing but white space and marks (the quality stage decides on such pages).

    >>> takes_the_last_text("关键词：甲，乙", [(0, 7, "", "keyword_label")])
    True
    """
    from .document import apply_spans

    left, _ = apply_spans(text, spans, "stuffing")
    return not regex.search(r"[\p{L}\p{N}]", left)


def explain(text: str) -> list[dict[str, Any]]:
    """What the stage would remove from ``text`` and why (for a user checking a page).

    >>> [e["rule"] for e in explain("标题\\n正文。\\n标签：旅游|美食|攻略")]
    ['keyword_label']
    """
    return [{"rule": f.rule, "text": text[f.start : f.end], **f.evidence} for f in KeywordStuffing().find(text)]
