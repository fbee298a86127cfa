"""Repetition inside one document: duplicated lines, repeated titles, keyword stuffing.

Scraped pages repeat themselves in three ways this stage undoes:

* **Duplicated lines and paragraphs.** A page template or a careless copy puts
  the same paragraph on the page twice; the copies often differ only in markup
  noise (a stray ``“`` left where the scraper cut a quote, half- against
  full-width brackets). Lines are compared by :func:`pipeline.lines.line_key`,
  which ignores that noise, and near-identical long lines (a few characters
  lost or changed, the same figures) by difflib's similarity ratio. The
  first copy stays, every later one is removed (rule ``duplicate_line`` or
  ``near_duplicate_line``).
* **Repeated title lines.** Some sites print the headline again between
  paragraphs (001 repeats it four times). The first line stays; the repeats
  are removed (rule ``repeated_title``).
* **Keyword stuffing.** SEO spam cuts the title into two-character pieces and
  drops them between and inside clauses: 001's title
  ``川渝合力推动成渝地区双城经济圈建设高质量发展`` becomes ``川渝 合力 推动 成渝 地区
  双城 经济 圈建 设高 质量 发展``, and the lead paragraph reads
  ``12月22日，川渝成渝重庆市…启动仪式。合力现场同步推介的推动…。经济``.
  The same words occur legitimately all through such an article, so a piece
  is removed only on evidence, see :func:`judge_paragraph` and
  :func:`stuffed`; a document with weaker evidence is flagged with a score in
  ``doc.meta`` instead.

Facts recorded in ``doc.meta`` when a document shows any stuffing signal:
``stuffing_score`` (share of body paragraphs that are stuffed or show a
signal clean text never shows, see :attr:`Verdict.specific`),
``stuffing_paragraphs`` (paragraphs judged stuffed) and ``stuffing_removed``
(pieces removed; 0 under ``stuffing = "flag"``).
"""

from __future__ import annotations

import bisect
import difflib
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Literal

import regex

from .document import Document
from .lines import Line, line_key, removal_spans, split_lines

_HAN_RUN = regex.compile(r"\p{Han}+")
_DIGITS = regex.compile(r"\d+")
# A title is a heading, not a sentence: it does not end like one.
_SENTENCE_END = "。！？!?；;…"
# Characters that close a clause; a stuffed piece right after a sentence end and
# right before the end of its paragraph has been stranded there.
_SENTENCE_CLOSE = "。！？!?…"
_QUESTION = "？?"
# A navigation trail: two or more short items each followed by a separator.
_BREADCRUMB = regex.compile(r"(?:[^>»›|/\n]{1,20}[>»›|/]){2,}")
#: Earlier lines sharing one end that a line is compared with, at most. More
#: lines sharing an end are a template (a list, a comment thread), and
#: comparing each line with all of them would make a long page quadratic.
MAX_SHARING_AN_END = 16


# -- duplicated lines and repeated titles -----------------------------------------------------


def title_of(lines: list[Line], max_chars: int) -> int | None:
    """Which line is the document's title: the first line that looks like a heading, if any.

    A heading is short (at most ``max_chars`` characters), has at least two
    hanzi, is followed by more text and does not end like a sentence. A
    breadcrumb line above it (``首页 > 新闻中心 > 正文``, removed later by the
    boilerplate stage) is skipped; any other first line that is not a heading
    (003 starts with a dated sentence) means the document has no title.

    >>> title_of(split_lines("推动双城经济圈建设\\n正文。"), 64)
    0
    >>> title_of(split_lines("首页 > 新闻 > 正文\\n推动双城经济圈建设\\n正文。"), 64)
    1
    >>> title_of(split_lines("12月14日，会议举行。\\n正文。"), 64) is None
    True
    """
    for i, line in enumerate(lines[:-1]):
        text = line.text.strip()
        if _BREADCRUMB.match(text):
            continue
        heading = len(text) <= max_chars and not text.endswith(tuple(_SENTENCE_END)) and _count_han(text) >= 2
        return i if heading else None
    return None


def headline_of(lines: list[Line], max_chars: int) -> int | None:
    """The line a page's title bar would repeat: :func:`title_of`, or a first line that is a question.

    A question (``6.3. 那“sid”呢？``) heads FAQs and forums, but a first line
    ending in ``？`` may as well be a review's first sentence, so it serves only
    to recognise copies that wear a title bar's dress (:func:`undressed`), never
    plain repeats or stuffing.

    >>> headline_of(split_lines("那“sid”呢？\\n正文。"), 64), title_of(split_lines("那“sid”呢？\\n正文。"), 64)
    (0, None)
    """
    title = title_of(lines, max_chars)
    if title is not None:
        return title
    for i, line in enumerate(lines[:-1]):
        text = line.text.strip()
        if _BREADCRUMB.match(text) and not text.endswith(tuple(_QUESTION)):  # ``6.8. dists/stable/main …？``
            continue
        question = len(text) <= max_chars and text.endswith(tuple(_QUESTION)) and _count_han(text) >= 2
        return i if question and not any(c in text[:-1] for c in _SENTENCE_END) else None
    return None


def _count_han(text: str) -> int:
    return sum(len(run) for run in _HAN_RUN.findall(text))


def near_identical(a: str, b: str, threshold: float) -> bool:
    """Two line keys that are copies of one line up to a few lost or changed characters.

    Similarity is difflib's ratio (matching characters over total length), so
    one lost character in a 40-character line still scores 0.99. Figures must
    agree: ``增长6%`` and ``增长7%`` are different facts in nearly identical
    sentences (a statistics list), not a duplicated line.

    >>> a = "会议还听取了市污染防治攻坚战2018年任务完成情况通报"
    >>> near_identical(a, a.replace("通报", "通"), 0.9)
    True
    >>> near_identical(a, a.replace("2018", "2019"), 0.9)
    False
    """
    if _DIGITS.findall(a) != _DIGITS.findall(b):
        return False
    if 2 * min(len(a), len(b)) < threshold * (len(a) + len(b)):  # real_quick_ratio, without a matcher
        return False
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold


#: What a page's <title> or a reprint adds around the headline: a site name after a separator,
#: a label before it, a gallery or page mark, brackets.
#: …_网易订阅, … - 知乎; after a mark the space before the dash may be gone (``呢？- 知乎``)
_SITE_SUFFIX = regex.compile(
    r"\h*(?:[_|｜]|\h[-–—]\h|(?<=[？?！!）)」』”])[-–—]\h|——|\h·\h)\h*[^_|｜\n，。！？；：,!?;]{1,16}$"
)
#: In the order they are taken off: the marks at the end first, the site name last, since a
#: site name's pattern would swallow a mark after it (``——中国传统文化的特点(组图)``).
_DRESS = (
    regex.compile(r"\h*[(（](?:组图|图|多图|图文|视频|附图|高清组图|全文)[)）]\h*$"),           # …(组图)
    regex.compile(r"\h*第\h*\d{1,3}\h*页\h*$"),                                            # … 第7页
    regex.compile(r"^\h*(?:本文标题|文章标题|标题|原标题|原文标题)\h*[:：]\h*"),              # 本文标题：…
    regex.compile(r"^\h*[【\[〖](.*)[】\]〗]\h*$"),                                        # 【…】
    _SITE_SUFFIX,
)


def dress_forms(line: str) -> list[str]:
    """The line with one more piece of title-bar dress taken off at each step, the line first.

    >>> dress_forms("【本文标题：新面貌】_某网")
    ['【本文标题：新面貌】_某网', '【本文标题：新面貌】', '本文标题：新面貌', '新面貌']
    >>> dress_forms("重礼治——中国传统文化的特点(组图)")
    ['重礼治——中国传统文化的特点(组图)', '重礼治——中国传统文化的特点', '重礼治']
    """
    text = line.strip()
    forms = [text]
    for _ in range(3):  # a title may wear several (【本文标题：…】_站名)
        before = text
        for pattern in _DRESS:
            match = pattern.search(text)
            if match:
                text = match.group(1) if match.groups() else text[: match.start()] + text[match.end():]
                text = text.strip()
                if not text:
                    return forms
                if text != forms[-1]:
                    forms.append(text)  # one piece at a time: a title may hold a dash itself
        if text == before:
            break
    return forms


def undressed(line: str) -> str:
    """A headline without what a page's title bar or a reprint dressed it in.

    >>> [undressed(t) for t in ["12. 升级_网易订阅", "本文标题：新面貌", "如何加载字体？(组图)", "【4. 需求】", "那“sid”呢？ 第7页"]]
    ['12. 升级', '新面貌', '如何加载字体？', '4. 需求', '那“sid”呢？']
    """
    return dress_forms(line)[-1]


def repeated_lines(
    lines: list[Line], title: int | None, min_chars: int, near_min_chars: int, near_threshold: float,
    headline: int | None = None,
) -> dict[int, str]:
    """Which lines repeat an earlier one: ``{index: rule}``; the first copy is never listed.

    Exact repeats are found by key; near-identical ones only among lines of at
    least ``near_min_chars`` key characters (shorter lines that differ are
    different lines), comparing each with earlier lines that share its first
    or last eight characters, since a copy damaged in one place keeps the
    other end intact: the first :data:`MAX_SHARING_AN_END` of them for each
    end, so the work stays linear in the number of lines.

    >>> lines = split_lines("标题标题\\n甲乙丙丁戊己\\n标题标题\\n“甲乙丙丁戊己”")
    >>> repeated_lines(lines, 0, 4, 30, 0.9)
    {2: 'repeated_title', 3: 'duplicate_line'}
    """
    first: dict[str, int] = {}
    by_end: dict[str, list[str]] = {}
    found: dict[int, str] = {}
    copied: dict[int, int] = {}  # a repeat's index → the index of the line it repeats
    headline = title if headline is None else headline
    if headline is not None and undressed(lines[headline].text) != lines[headline].text.strip():
        # The first line wears the dress (``本报记者杨明方_财经_某网``) and the bare headline
        # follows: the dressed one is the copy.
        bare = next((k for k in range(headline + 1, min(len(lines), headline + 3))
                     if _dressed_copy(lines, headline, k, True, min_chars)), None)
        if bare is not None:
            found[headline], copied[headline], headline = "repeated_title", bare, bare
    for i, line in enumerate(lines):
        if i in found:
            continue
        if headline is not None and i != headline and _dressed_copy(lines, i, headline, title == headline, min_chars):
            found[i] = "repeated_title"  # the title again, dressed as a page's <title> (…_网易订阅, … - 知乎)
            copied[i] = headline
            continue
        key = line_key(line.text)
        if len(key) < min_chars:
            continue
        prose = is_prose_line(line.text, key)
        if not prose:
            if _count_han(key) < NEAR_MIN_HANZI_SHARE * len(key):
                # Commands, code, program output and Latin text repeat by design (the same
                # command in two examples, ``a Cow goes moooo!`` printed twice by a loop),
                # and their punctuation is meaning (``chmod u+x f`` / ``chmod u-x f``
                # share a key): they are never taken for copies.
                continue
            # List items and numbered headings: only the exact text repeats.
            key = "\0" + " ".join(line.text.split())
        if key in first:
            found[i] = "repeated_title" if first[key] == title else "duplicate_line"
            copied[i] = first[key]
            continue
        if prose and len(key) >= near_min_chars:
            ends = (key[:8], key[-8:])
            candidates = {k for end in ends for k in by_end.get(end, ())}
            match = next((other for other in sorted(candidates) if near_identical(other, key, near_threshold)), None)
            if match is not None:
                found[i] = "near_duplicate_line"
                copied[i] = first[match]
                continue
            for end in ends:
                sharing = by_end.setdefault(end, [])
                if len(sharing) < MAX_SHARING_AN_END:
                    sharing.append(key)
        first[key] = i
    return _keep_lone_short_repeats(lines, _keep_headings(lines, found, copied), copied)


#: Longest dress a title bar adds to a title too short to be matched on its own.
SHORT_TITLE_DRESS_CHARS = 14
#: Words Chinese sites are named with, and the largest portals: how a site's name ends.
_SITE_WORDS = (
    r"(?:网|网站|之家|在线|新闻|资讯|频道|日报|晚报|早报|时报|商报|周刊|杂志|论坛|社区|博客|百科|知道|头条|官网|平台|"
    r"商城|同城|图书馆|客户端|电视台|订阅|文库|问答|网易|搜狐|新浪|腾讯|凤凰|知乎|bilibili|CSDN)"
)
#: How a site's or a channel's name ends, as a title bar's suffix: those words, a few more a
#: channel takes (号, 中心), or Latin letters (``CSDN``, ``bilibili``). A suffix after a dash that
#: ends otherwise may be the article's own subtitle (``王群——记一位工程师``).
_SITE_END = regex.compile(rf"(?:{_SITE_WORDS}|号|广播|中心|视频|[A-Za-z0-9.]{{2,}})\h*$")


def _subtitle_like(text: str, bare: str) -> bool:
    """Whether the dress of ``text`` around ``bare`` is a dash or separator and words no site is named by."""
    if not text.startswith(bare) or text == bare:
        return False
    suffix = text[len(bare):]
    return bool(_SITE_SUFFIX.fullmatch(suffix)) and not _SITE_END.search(suffix)


def _dressed_copy(lines: list[Line], i: int, headline: int, is_title: bool, min_chars: int) -> bool:
    """Whether line ``i`` is the headline again, as a page's title bar or a reprint prints it.

    A copy of the title (:func:`title_of`) counts bare or dressed; a question
    headline (:func:`headline_of`) only dressed. A suffix after a dash that names
    no site (:data:`_SITE_END`) may be a subtitle: it counts only for a long
    headline, away from it. A headline shorter than ``min_chars`` (``王群``) counts
    only with a short dress.

    >>> lines = split_lines("王群\\n王群——记一位工程师\\n正文说了很多事情。\\n王群——新华网\\n【王群】")
    >>> [_dressed_copy(lines, i, 0, True, 6) for i in (1, 3, 4)]
    [False, True, True]
    """
    text, head = lines[i].text.strip(), lines[headline].text.strip()
    if len(text) > 2 * len(head) + 24:
        return False
    # The headline as it stands, or undressed (a page may open with its title bar); the copy
    # undressed step by step, since a title may hold a dash itself (``重礼治——中国传统文化的特点``).
    # Of the forms with the same key (``【王群】`` keys as ``王群``), the last has the dress off.
    forms = dress_forms(text)
    bare = next((f for f in reversed(forms) if line_key(f) == line_key(head)), None)
    bare = bare or next((f for f in reversed(forms) if line_key(f) == line_key(undressed(head))), None)
    if bare is None:
        return False
    head_key = line_key(bare)
    if _count_han(head_key) < 2:
        return False
    dress = len(text) - len(bare)
    if not dress:
        return is_title and len(head_key) >= min_chars
    if _subtitle_like(text, bare) and (len(head_key) < min_chars or abs(i - headline) == 1):
        return False
    return len(head_key) >= min_chars or dress <= SHORT_TITLE_DRESS_CHARS


_NAME = r"[^_|｜\s，。！？；：,!?;、“”\"（）()【】]"
#: What follows a headline copied into running text: a gallery or page mark, or a separator and
#: site and channel names the last of which is named like a site (``_国内新闻_中华网``), so the
#: text that runs on after it (``…中华网去年9月``) is told from the name.
_INLINE_DRESS_AFTER = regex.compile(
    r"\h*[(（](?:组图|图|多图|图文|视频|附图|高清组图|全文)[)）]"
    r"|\h*第\h*\d{1,3}\h*页"
    rf"|\h*(?:[_|｜]|[-–—]{{1,3}})\h*(?:{_NAME}{{1,8}}\h*[_|｜]\h*){{0,2}}{_NAME}{{0,8}}{_SITE_WORDS}"
)
_INLINE_LABEL = regex.compile(r"(?:本文标题|文章标题|原标题|原文标题)\h*[:：]\h*$")
_BEFORE_SENTENCE = frozenset("。！？!?…；;」”』）)】 \t")


def inline_title_spans(text: str, lines: list[Line], headline: int | None, min_chars: int) -> list[tuple[int, int, str]]:
    """The headline copied into running text in a title bar's dress: the copy and its dress go.

    SEO templates and scrapers glue the page's ``<title>`` between two
    sentences (``…（见图）。雨夜农民被撞幸遇县长相救_国内新闻_中华网去年9月…``). A bare
    copy stays (a sentence may name the headline); a copy goes only with a
    dress: a label before it (``本文标题：``), ``【】`` around it, or a mark or site
    names after it (:data:`_INLINE_DRESS_AFTER`), and only where a sentence may start.

    >>> text = "雨夜农民被撞幸遇县长相救\\n正文第一句。雨夜农民被撞幸遇县长相救_国内新闻_中华网去年9月，车站改造。"
    >>> lines = split_lines(text)
    >>> [text[s:e] for s, e, _ in inline_title_spans(text, lines, 0, 6)]
    ['雨夜农民被撞幸遇县长相救_国内新闻_中华网']
    >>> text = "雨夜农民被撞幸遇县长相救\\n人们都说，雨夜农民被撞幸遇县长相救的故事感人。"
    >>> inline_title_spans(text, split_lines(text), 0, 6)
    []
    """
    if headline is None:
        return []
    head = lines[headline].text.strip()
    if len(line_key(head)) < min_chars or _count_han(head) < 4:
        return []
    spans: list[tuple[int, int, str]] = []
    for i, line in enumerate(lines):
        if i == headline:
            continue
        offset = line.start + (len(line.text) - len(line.text.lstrip()))
        body = line.text.strip()
        at = body.find(head)
        while at >= 0:
            end = at + len(head)
            start, stop = at, end
            label = _INLINE_LABEL.search(body, 0, at)
            if label:
                start = label.start()
            elif 0 < at and end < len(body) and body[at - 1] in "【[〖" and body[end] in "】]〗":
                start, stop = at - 1, end + 1
            else:
                dress = _INLINE_DRESS_AFTER.match(body, end)
                stop = dress.end() if dress else end
            whole = start == 0 and stop == len(body)  # the whole line: the line rules' case
            sentence_start = start == 0 or body[start - 1] in _BEFORE_SENTENCE
            if stop > end or start < at:
                if sentence_start and not whole:
                    spans.append((offset + start, offset + stop, ""))
            at = body.find(head, max(stop, at + 1))
    return spans


#: A page's summary box: a label and the article's own opening, cut (``内容提要：据新华社…``).
_SUMMARY = regex.compile(r"^\h*[【\[]?(?:导读|本文导读|内容提要|提要|摘要|内容摘要|文章摘要|核心提示|概要|简介)[】\]]?\h*[:：]\h*(?P<body>.+?)[\h…\.。]*$")
#: Shortest summary body matched against the article (characters): a short one may be a phrase.
SUMMARY_MIN_CHARS = 12


def summary_copies(lines: list[Line]) -> dict[int, str]:
    """Summary lines whose text is the start of, or a stretch of, another line of the page: ``{index: rule}``.

    A summary box that only repeats the article (a lead cut off with ``…``)
    holds nothing the article lacks, so it goes; one written apart (an
    editor's own words) is found nowhere else and stays.

    >>> lines = split_lines("标题\\n内容提要：据新华社北京1月8日电，会议今天开幕…\\n据新华社北京1月8日电，会议今天开幕，代表们出席。")
    >>> summary_copies(lines)
    {1: 'repeated_summary'}
    >>> summary_copies(split_lines("标题\\n核心提示：会议通过了三项决议。\\n会议今天开幕，代表们出席。"))
    {}
    """
    found: dict[int, str] = {}
    for i, line in enumerate(lines):
        match = _SUMMARY.match(line.text)
        if match is None or len(match.group("body")) < SUMMARY_MIN_CHARS:
            continue
        body = match.group("body")
        if any(j != i and body in other.text for j, other in enumerate(lines)):
            found[i] = "repeated_summary"
    return found


#: A repeat that stands alone (neither neighbour repeats too) goes only when it is an exact
#: copy of a prose paragraph at least this long (key characters). A near-identical one that
#: stands alone always stays: in a manual two descriptions of 150 characters differ in the one
#: word that matters (…值的尾部 / …值的头部).
LONE_MIN_CHARS = 60


def _keep_lone_short_repeats(lines: list[Line], found: dict[int, str], copied: dict[int, int]) -> dict[int, str]:
    """Take back the removal of short lines that repeat alone, in a new context.

    A scraper that duplicates text duplicates blocks (002 prints three
    paragraphs twice) or whole long paragraphs. A short sentence that comes back
    between other text is the document saying it again: a manual describing two
    options alike (``如果 file 存在则为真。``), a refrain, ``谢谢。``, a command or a
    config line shown in two examples, or a parallel description that differs in
    the one word that matters (``…之前则为真。`` / ``…之后则为真。``). Such a line stays;
    one whose neighbour repeats too is part of a repeated block and goes, so does
    one right after the line it repeats (the page printed it twice), and so do
    copies of the title. Alone, only an exact copy of a long prose paragraph
    goes; a near-identical one stays whatever its length.

    >>> lines = split_lines("-a 文件\\n如果 file 存在则为真。\\n-e 文件\\n如果 file 存在则为真。")
    >>> repeated_lines(lines, None, 4, 30, 0.9)
    {}
    >>> lines = split_lines("一段话说了事情的经过。\\n第二段话说了结果。\\n一段话说了事情的经过。\\n第二段话说了结果。")
    >>> repeated_lines(lines, None, 4, 30, 0.9)
    {2: 'duplicate_line', 3: 'duplicate_line'}
    """
    kept = set()
    for i, rule in found.items():
        if rule == "repeated_title" or i - 1 in found or i + 1 in found or copied.get(i) == i - 1:
            continue
        key = line_key(lines[i].text)
        if rule == "near_duplicate_line" or len(key) < LONE_MIN_CHARS or not is_prose_line(lines[i].text, key):
            kept.add(i)
    return {i: rule for i, rule in found.items() if i not in kept}


def _keep_headings(lines: list[Line], found: dict[int, str], copied: dict[int, int] | None = None) -> dict[int, str]:
    """Take back the removal of repeated headings that introduce new text.

    A page's table of contents lists its section headings, and the headings
    then stand above their sections: the later copy is the real heading. A
    heading-like repeat (:func:`heading_like`) stays when the line after it is
    new text, or another heading kept this way (``第一章`` over ``第一节``), unless
    it stands right after the line it repeats.
    One followed by repeated text is part of a repeated block (002 prints three
    paragraphs twice, the first one without final punctuation) and goes.
    Copies of the title (``repeated_title``) always go.

    >>> lines = split_lines("目录\\n第一章 总则\\n第二章 范围\\n第一章 总则\\n本法的目的是保护环境。\\n第二章 范围\\n适用于全国。")
    >>> repeated_lines(lines, None, 4, 30, 0.9)
    {}
    >>> lines = split_lines("第一章 总则\\n本法的目的是保护环境。\\n第一章 总则\\n本法的目的是保护环境。")
    >>> repeated_lines(lines, None, 4, 30, 0.9)
    {2: 'duplicate_line', 3: 'duplicate_line'}
    """
    kept: set[int] = set()
    for i in sorted(found, reverse=True):
        if found[i] != "duplicate_line" or i + 1 >= len(lines) or not heading_like(lines[i].text):
            continue
        if copied and copied.get(i) == i - 1:  # printed twice in a row: a copy, not a heading
            continue
        if i + 1 not in found or i + 1 in kept:
            kept.add(i)
    return {i: rule for i, rule in found.items() if i not in kept}


#: Longest line taken for a section heading (characters, stripped).
HEADING_MAX_CHARS = 40


def heading_like(text: str) -> bool:
    """A short line that does not end like a sentence and is no breadcrumb: a section heading.

    >>> heading_like("第三章 安装与配置"), heading_like("安装完成后重启即可。"), heading_like("首页 > 新闻 > 正文")
    (True, False, False)
    """
    text = text.strip()
    return len(text) <= HEADING_MAX_CHARS and not text.endswith(tuple(_SENTENCE_END)) and not _BREADCRUMB.match(text)


#: A line compared for near-identical copies has at least this share of hanzi
#: among its key characters: prose, not a command, a path or a Latin line.
NEAR_MIN_HANZI_SHARE = 0.5
# A list item: bullets, ``1.``, ``1、``, ``(1)``, ``（一）``, ``一、``, ``①``, ``第一条``.
_LIST_ITEM = regex.compile(
    r"^\s*(?:[-•·●○■□▪◆◇▶►*+]\s*|[0-9０-９]{1,3}(?:[.．、)）](?![0-9０-９]))|[(（][0-9０-９一二三四五六七八九十]{1,3}[)）]"
    r"|[一二三四五六七八九十]{1,3}[、.．]|[①-⑳⑴-⒇❶-❿]|第[0-9一二三四五六七八九十百]+[条章节款项步])"
)


def is_prose_line(text: str, key: str | None = None) -> bool:
    """Whether a line is prose that near-identical matching may judge.

    Prose is mostly hanzi (:data:`NEAR_MIN_HANZI_SHARE` of its key) and not
    a list item: lines of commands, code, paths, figures and list items
    legitimately differ by one token (``dpkg --get-selections > f`` /
    ``dpkg --set-selections < f``, ``1. 安装依赖`` / ``2. 安装依赖``).

    >>> is_prose_line("会议还听取了任务完成情况通报。"), is_prose_line("dpkg --set-selections < 列表")
    (True, False)
    >>> is_prose_line("（一）会议还听取了任务完成情况通报")
    False
    """
    key = line_key(text) if key is None else key
    return not _LIST_ITEM.match(text) and _count_han(key) >= NEAR_MIN_HANZI_SHARE * len(key)


# -- keyword stuffing ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of text that is also a stretch of the title (2–3 characters: a stuffing candidate)."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """The stuffing signals found in one paragraph, and the pieces that go if it is stuffed.

    ``runs``     runs of two or more unanchored, different pieces (``川渝成渝``)
    ``repeats``  pieces repeated back to back (``合力合力``)
    ``tails``    runs stranded after the paragraph's last sentence (``…邀约。经济``)
    """

    runs: int = 0
    repeats: int = 0
    tails: int = 0
    suspects: tuple[Piece, ...] = ()

    @property
    def signals(self) -> int:
        return self.runs + self.repeats + self.tails

    @property
    def specific(self) -> int:
        """Signals never seen in clean text (0 in 14,407 People's Daily paragraphs)."""
        return self.repeats + self.tails


def title_pieces(title: str) -> frozenset[str]:
    """Every substring of two or more hanzi of the title, within one run of hanzi.

    Stuffing injects Chinese words; digits and Latin letters of a title
    (``2024``, ``5G``) would match figures all over the text (``10000200``).

    >>> sorted(title_pieces("双城 经济2024"))
    ['双城', '经济']
    """
    return frozenset(
        run[i:j] for run in _HAN_RUN.findall(title) for i in range(len(run)) for j in range(i + 2, len(run) + 1)
    )


def title_matches(text: str, start: int, end: int, pieces: frozenset[str]) -> list[Piece]:
    """Maximal stretches of ``text[start:end]`` that are substrings of the title, left to right.

    Each match is extended as far as the title allows, so two adjacent matches
    never form one title substring: adjacency means the text jumps around the
    title, which is what stuffing does and quoting does not.

    >>> t = "关于推动成渝地区的川渝成渝重要"
    >>> [t[p.start:p.end] for p in title_matches(t, 0, len(t), title_pieces("川渝合力推动成渝地区"))]
    ['推动成渝地区', '川渝', '成渝']
    """
    starts = sorted({m for b in _bigrams(pieces) for m in _find_all(text, b, start, end)})
    found: list[Piece] = []
    pos = start
    for i in starts:
        if i < pos:
            continue
        j = i + 2
        while j < end and text[i : j + 1] in pieces:
            j += 1
        found.append(Piece(i, j))
        pos = j
    return found


@functools.lru_cache(maxsize=64)
def _bigrams(pieces: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(p for p in pieces if len(p) == 2))


def _find_all(text: str, needle: str, start: int, end: int) -> Iterator[int]:
    i = text.find(needle, start, end)
    while i >= 0:
        yield i
        i = text.find(needle, i + 1, end)


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def anchored_left(text: str, body: str, piece: Piece) -> bool:
    """The piece reads on from the two characters before it, as the document says elsewhere.

    ``…川渝两省市…`` recurs all through 001, so a ``川渝`` before ``两省市``
    belongs to the sentence even inside a stuffed paragraph.

    >>> t = "的两省市。的两省市"
    >>> anchored_left(t, t, Piece(7, 9))
    True
    """
    ctx = text[max(0, piece.start - 2) : piece.end]
    return len(ctx) == piece.end - piece.start + 2 and all(map(_is_word, ctx[:2])) and body.count(ctx) >= 2


def anchored_right(text: str, body: str, piece: Piece) -> bool:
    """The piece reads on into the two characters after it, as the document says elsewhere.

    >>> t = "川渝两省市，川渝两省"
    >>> anchored_right(t, t, Piece(0, 2))
    True
    >>> anchored_right(t, t, Piece(6, 8))
    True
    """
    ctx = text[piece.start : piece.end + 2]
    return len(ctx) == piece.end - piece.start + 2 and all(map(_is_word, ctx[-2:])) and body.count(ctx) >= 2


def runs_of(pieces: list[Piece]) -> list[list[Piece]]:
    """Group pieces that touch (one ends where the next starts).

    >>> runs_of([Piece(0, 2), Piece(2, 4), Piece(9, 11)])
    [[Piece(start=0, end=2), Piece(start=2, end=4)], [Piece(start=9, end=11)]]
    """
    groups: list[list[Piece]] = []
    for p in pieces:
        if groups and groups[-1][-1].end == p.start:
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def judge_paragraph(text: str, body: str, line: Line, matches: list[Piece], quote_chars: int) -> Verdict:
    """Collect the signals that title pieces were injected into one paragraph.

    ``matches`` are the paragraph's :func:`title_matches`. Those of
    ``quote_chars`` or more characters are quotations of the title
    (``推动成渝地区双城经济圈建设``) and are left alone. Shorter ones are
    *pieces*; touching pieces form a *run*. A piece at a run's edge that reads
    on into the surrounding text as the document says elsewhere (see
    :func:`anchored_left`) is *anchored*: it belongs to the sentence. The
    signals are listed on :class:`Verdict`. Every unanchored piece is a
    suspect, except the last copy of a back-to-back repeat (one of the two is
    the sentence's own word: ``合力合力打造`` → ``合力打造``).

    >>> title = "川渝合力推动成渝地区双城经济圈建设高质量发展"
    >>> t = "12月22日，川渝成渝重庆市举行仪式。合力现场推介的推动还有景区。双城设高川渝两省市发出邀约。经济"
    >>> body = t + "\\n川渝两省市"
    >>> matches = title_matches(t, 0, len(t), title_pieces(title))
    >>> v = judge_paragraph(t, body, Line(0, len(t), t), matches, 4)
    >>> v.runs, v.repeats, v.tails, [t[p.start:p.end] for p in v.suspects]
    (2, 0, 1, ['川渝', '成渝', '合力', '推动', '双城', '设高', '经济'])
    """
    candidates = [m for m in matches if m.end - m.start < quote_chars]
    runs = repeats = tails = 0
    suspects: list[Piece] = []
    for run in runs_of(candidates):
        keep = set()
        if anchored_left(text, body, run[0]):
            keep.add(run[0])
        if anchored_right(text, body, run[-1]):
            keep.add(run[-1])
        for a, b in zip(run, run[1:]):
            if text[a.start : a.end] == text[b.start : b.end]:
                repeats += 1
                keep.add(b)
        loose = [p for p in run if p not in keep]
        suspects.extend(loose)
        if len({text[p.start : p.end] for p in loose}) >= 2:
            runs += 1
        if run[-1].end == line.end and run[0].start > line.start and text[run[0].start - 1] in _SENTENCE_CLOSE \
                and not (len(run) == 1 and text[run[0].start - 1] in _QUESTION):
            tails += 1  # (one word after a question is its answer: ``未来属于谁？机器人``)
    return Verdict(runs, repeats, tails, tuple(suspects))


def confirmed(verdicts: list[Verdict], min_signals: int) -> bool:
    """Whether the document is stuffed at all.

    Runs alone are not enough: clean news puts title words side by side all
    the time (title ``重庆综合整治市区交通``, text ``重庆整治城区交通``), and
    3.6% of People's Daily paragraphs show a run. The specific signals (a
    stranded tail, a back-to-back repeat) never occur there. So a document is
    stuffed when one paragraph shows ``min_signals`` signals of which one is
    specific, or when its paragraphs show ``min_signals`` specific signals
    between them.

    >>> confirmed([Verdict(runs=3), Verdict(runs=2)], 2)
    False
    >>> confirmed([Verdict(runs=1, tails=1)], 2)
    True
    >>> confirmed([Verdict(tails=1), Verdict(repeats=1)], 2)
    True
    """
    specific = sum(v.specific for v in verdicts)
    return specific >= min_signals or any(v.specific and v.signals >= min_signals for v in verdicts)


def stuffed(verdict: Verdict, min_signals: int) -> bool:
    """In a confirmed document, whether a paragraph's suspects are removed.

    Stuffing tools treat a whole page, so in a confirmed document a paragraph
    goes with ``min_signals`` signals of any kind, or one specific signal.
    One run alone stays: 001 writes ``提高发展质量`` legitimately.

    >>> stuffed(Verdict(runs=1), 2), stuffed(Verdict(runs=2), 2), stuffed(Verdict(tails=1), 2)
    (False, True, True)
    """
    return verdict.signals >= min_signals or verdict.specific > 0


@dataclass(frozen=True, slots=True)
class Stuffing:
    """The stuffing verdict on a document: what to remove and how strong the evidence is."""

    spans: tuple[tuple[int, int, str], ...]
    paragraphs: int  # body paragraphs judged
    stuffed: int  # paragraphs judged stuffed
    suspicious: int  # paragraphs stuffed or showing a specific signal

    @property
    def score(self) -> float:
        """Share of body paragraphs with evidence clean text does not produce (0 when none)."""
        return round(self.suspicious / self.paragraphs, 4) if self.paragraphs else 0.0


def find_stuffing(
    text: str, lines: list[Line], title: int, pieces: frozenset[str], quote_chars: int, min_signals: int
) -> Stuffing:
    """Judge every body paragraph: the ``lines`` (of ``text``) after line ``title``.

    >>> t = "双城经济圈建设\\n今天，经济双城召开会议。圈建\\n明天经济双城开会。\\n后天经济双城见面。"
    >>> s = find_stuffing(t, split_lines(t), 0, title_pieces("双城经济圈建设"), 4, 2)
    >>> [t[a:b] for a, b, _ in s.spans], s.stuffed
    (['经济', '双城', '圈建'], 1)

    (The second and third paragraphs show one run each: one signal, kept.)
    """
    lines = lines[title + 1 :]
    if not lines:
        return Stuffing((), 0, 0, 0)
    body = text[lines[0].start :]
    # One scan of the body; title substrings never span a line break.
    matches = title_matches(text, lines[0].start, len(text), pieces)
    starts = [m.start for m in matches]
    verdicts = []
    for line in lines:
        lo, hi = bisect.bisect_left(starts, line.start), bisect.bisect_left(starts, line.end)
        verdicts.append(judge_paragraph(text, body, line, matches[lo:hi], quote_chars))
    chosen = [stuffed(v, min_signals) for v in verdicts] if confirmed(verdicts, min_signals) else [False] * len(verdicts)
    spans = tuple((p.start, p.end, "") for v, c in zip(verdicts, chosen) if c for p in v.suspects)
    suspicious = sum(c or v.specific > 0 for v, c in zip(verdicts, chosen))
    return Stuffing(spans, len(verdicts), sum(chosen), suspicious)


# -- the stage --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repetition:
    """Remove repeated lines and titles inside a document; remove or flag keyword stuffing.

    ``min_chars``         shortest line (letters and digits) whose repeats are removed;
                          shorter lines (``问：``, ``图``) legitimately recur
    ``near_min_chars``    shortest line compared for near-identical copies
    ``near_threshold``    similarity ratio (difflib) that makes two long lines one line
    ``max_title_chars``   longest first line treated as the title
    ``stuffing``          ``remove`` injected title pieces on strong evidence,
                          ``flag`` only score them, ``off``
    ``stuffing_min_signals``  signals that make a document and a paragraph stuffed
                          (see :func:`confirmed` and :func:`stuffed`)
    ``quote_chars``       a title match this long is a quotation, never a piece
    """

    name: ClassVar[str] = "repetition"
    min_chars: int = 6
    near_min_chars: int = 30
    near_threshold: float = 0.9
    max_title_chars: int = 64
    stuffing: Literal["remove", "flag", "off"] = "remove"
    stuffing_min_signals: int = 2
    quote_chars: int = 4

    def __post_init__(self) -> None:
        if not 0 < self.near_threshold <= 1:
            raise ValueError(f"near_threshold must be in (0, 1], not {self.near_threshold}")
        if self.min_chars < 1 or self.near_min_chars < 1 or self.stuffing_min_signals < 1:
            raise ValueError("min_chars, near_min_chars and stuffing_min_signals must be at least 1")
        if self.quote_chars < 3:
            raise ValueError(f"quote_chars must be at least 3 (pieces are 2 characters), not {self.quote_chars}")

    def apply(self, doc: Document) -> Document:
        # Removing stuffed pieces can turn a paragraph into a copy of another
        # (spam repeats paragraphs with other pieces injected), and removing a
        # copy changes what the document "says elsewhere" (anchoring): repeat
        # both until nothing changes, so applying the stage twice changes nothing more.
        first: Stuffing | None = None
        removed = 0
        while True:
            lines, title = self._remove_repeats(doc)
            found = self._find_stuffing(doc.text, lines, title)
            if found is None or not found.suspicious:
                break
            first = first or found
            if self.stuffing != "remove" or not found.spans:
                break
            removed += doc.replace(found.spans, self.name, "keyword_stuffing")
        if first is not None:
            doc.meta["stuffing_score"] = first.score
            doc.meta["stuffing_paragraphs"] = first.stuffed
            doc.meta["stuffing_removed"] = removed
        return doc

    def _remove_repeats(self, doc: Document) -> tuple[list[Line], int | None]:
        """Remove later copies of lines; return the lines left and the title's index among them."""
        lines = split_lines(doc.text)
        title = title_of(lines, self.max_title_chars)
        headline = headline_of(lines, self.max_title_chars)
        # Summary boxes first: the article's own paragraph must not become the copy of its summary.
        if doc.replace(removal_spans(doc.text, lines, summary_copies(lines)), self.name):
            lines = split_lines(doc.text)
            title, headline = title_of(lines, self.max_title_chars), headline_of(lines, self.max_title_chars)
        repeats = repeated_lines(lines, title, self.min_chars, self.near_min_chars, self.near_threshold, headline)
        if doc.replace(removal_spans(doc.text, lines, repeats), self.name):
            # A repeated breadcrumb above the title went: the title's index moved.
            lines = split_lines(doc.text)
            title = title_of(lines, self.max_title_chars)
        inline = inline_title_spans(doc.text, lines, headline_of(lines, self.max_title_chars), self.min_chars)
        # (A sentence printed twice in a row stays: reviewers pad their posts that way, and
        # the sentence is theirs; tried and measured on the pass-through benchmark, stop 23.)
        if doc.replace(inline, self.name, "repeated_title"):
            lines = split_lines(doc.text)
            title = title_of(lines, self.max_title_chars)
        return lines, title

    def _find_stuffing(self, text: str, lines: list[Line], title: int | None) -> Stuffing | None:
        if title is None or self.stuffing == "off":
            return None
        pieces = title_pieces(lines[title].text)
        return find_stuffing(text, lines, title, pieces, self.quote_chars, self.stuffing_min_signals)
