"""Markdown residue in scraped Chinese text: the markers go, the words stay.

Pages reach a crawl through HTML-to-markdown converters, from markdown-first
sites (forums, blogs, wikis, Q&A) and as raw ``.md`` sources, so plain text
arrives with ``**重点**``, ``> 引用``, ``[文字](https://…)`` and ``---`` lines
in it. None of that is content, and the same paragraph without the markers
elsewhere must look the same to the rules and to deduplication.

Each fixer is a pure function returning ``(start, end, after, rule)`` spans;
:func:`markup_spans` runs them all on one text, never touching:

* fenced code blocks (```` ``` ```` / ``~~~`` to the closing fence) and every
  line that :func:`~pipeline.code.looks_like_code` (commands, C, Python);
* inline code spans whose content is code (`` `ls -l` ``, `` `a*b` ``) and URLs;
* text without Chinese (ASCII documents, ``2*3*4``, ``__init__``, ``--force``):
  a marker goes only where Chinese text shows that it is residue.

Rules (the edit log's rule names): ``markdown_rule`` (horizontal rules and
setext underlines), ``markdown_emphasis``, ``markdown_blockquote``,
``markdown_link``, ``markdown_image``, ``markdown_code`` (backticks around
Chinese prose), ``markdown_table`` (a table's delimiter row and outer pipes, a delimiter row alone),
``markdown_fence`` (the fences of a block that holds only Chinese prose).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass

import regex

from .code import PROTECTED, looks_like_code

Span = tuple[int, int, str, str]

_CJK = r"\p{Han}\u3000-\u303f\uff01-\uff65"
_HAS_CJK = regex.compile(rf"[{_CJK}]")
_HAS_HAN = regex.compile(r"\p{Han}")
_LINE = regex.compile(r"[^\n]*", regex.M)


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of every line, the line break excluded."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield start, len(text)
            return
        yield start, end
        start = end + 1


# -- which lines are off limits ----------------------------------------------------------------

_MARKER_CHARS = regex.compile(r"[-*_~>\[`|=—―─━]")
_FENCE = regex.compile(r"^\h{0,3}(`{3,}|~{3,})", regex.M)


def prose_lines(text: str) -> list[tuple[int, int]]:
    """The lines markdown markers may be removed from: not in a fenced block, not code, with a marker.

    A fence opens a block that runs to the next fence of the same character
    (or to the end of the text); the fence lines belong to the block. A
    block that holds only Chinese prose is no code block (a converter fenced
    a paragraph): its lines are prose, and :func:`fence_spans` removes its fences.

    >>> text = "说明：\\n```\\nx = a**2  # 平方\\n```\\n**重点**\\n$ rm -rf /tmp/*缓存*"
    >>> [text[s:e] for s, e in prose_lines(text)]
    ['**重点**']
    >>> text = "```\\n这是**重点**。\\n```"
    >>> [text[s:e] for s, e in prose_lines(text)]
    ['这是**重点**。']
    """
    return _scan(text).lines


@dataclass(frozen=True)
class _Scan:
    lines: list[tuple[int, int]]  # prose lines with a marker
    code: bool  # a code line outside fences
    fenced: bool  # a fence that opens a real code block
    prose_fences: list[tuple[int, int]]  # fence lines around prose


def _is_prose_block(text: str, block: list[tuple[int, int]]) -> bool:
    """Whether a fenced block's lines are all Chinese prose: hanzi in each, none code."""
    body = [(s, e) for s, e in block if text[s:e].strip()]
    return bool(body) and all(_HAS_HAN.search(text, s, e) and not looks_like_code(text[s:e]) for s, e in body)


def _scan(text: str) -> _Scan:
    """:func:`prose_lines`, whether the text has code outside fences and a code fence, prose fences."""

    spans: list[tuple[int, int]] = []
    prose_fences: list[tuple[int, int]] = []
    fence = ""
    opening: tuple[int, int] = (0, 0)
    block: list[tuple[int, int]] = []
    code = fenced = False

    def close(closing: tuple[int, int]) -> None:
        nonlocal fenced
        # A fence with an info string (```python) says code whatever the lines look like.
        if _FENCE.fullmatch(text, opening[0], opening[1]) and _is_prose_block(text, block):
            prose_fences.extend((opening, closing))
            spans.extend((s, e) for s, e in block if _MARKER_CHARS.search(text, s, e))
        else:
            fenced = True

    for start, end in _lines(text):
        line = text[start:end]
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence and not line[match.end() :].strip():
                fence = ""
                close((start, end))
            else:
                block.append((start, end))
            continue
        if match:
            fence = match.group(1)[0]
            opening, block = (start, end), []
            continue
        if not _MARKER_CHARS.search(line):
            continue  # nothing to remove: not worth judging (most lines of most texts)
        # An image or a link definition alone on its line is markup whatever the code test says of its URL.
        if not looks_like_code(line) or _IMAGE.fullmatch(line.strip()) or _LINK_DEFINITION.fullmatch(line):
            spans.append((start, end))
        elif line:
            code = True
    if fence:
        fenced = True  # an unclosed fence: what follows may all be code, so nothing is judged
    return _Scan(sorted(spans), code, fenced, prose_fences)


def fence_spans(text: str, fences: list[tuple[int, int]]) -> list[Span]:
    """The fence lines of a block that holds prose go with one line break each.

    >>> text = "前文。\\n\\n```\\n各回答的作者的记忆。\\n```\\n\\n后文。"
    >>> from pipeline.document import apply_spans
    >>> apply_spans(text, fence_spans(text, _scan(text).prose_fences), "t")[0]
    '前文。\\n\\n各回答的作者的记忆。\\n\\n后文。'
    """
    spans: list[Span] = []
    for start, end in fences:
        if end < len(text) and text[end] == "\n":
            spans.append((start, end + 1, "", "markdown_fence"))  # an opening fence and its break
        elif start > 0:
            spans.append((start - 1, end, "", "markdown_fence"))  # a closing fence at the end
        else:
            spans.append((start, end, "", "markdown_fence"))
    return spans


# -- whole lines: horizontal rules, setext underlines, images alone ------------------------------

#: ``---``, ``***``, ``___``, ``* * *``, ``- - -``, ``———``, ``===``: a line of one
#: repeated separator character (three or more), spaces allowed between them. Full-width
#: ``＊＊＊`` is typography (People's Daily separates sections with it), not markdown.
_RULE_LINE = regex.compile(r"^\h{0,3}([-*_=—―─━])(?:\h*\1){2,}\h*$", regex.M)


def _line_removal(text: str, start: int, end: int) -> tuple[int, int, str]:
    """A span removing the line ``[start, end)`` and the blank lines after it.

    Between two paragraphs the line becomes one blank line (the paragraphs
    stay apart); at the start or the end of the text it goes with its line
    breaks.
    """
    after = end
    while after < len(text) and text[after] in "\n \t":
        after += 1
    before = start
    while before > 0 and text[before - 1] in "\n \t":
        before -= 1
    if before == 0:
        return 0, after, ""
    if after == len(text):
        return before, len(text), ""
    return before, after, "\n\n"


def rule_line_spans(text: str, lines: list[tuple[int, int]]) -> list[Span]:
    """Horizontal rules (``---``, ``* * *``, ``———``) and setext underlines (``===``) go.

    A line made only of one separator character repeated at least three
    times is layout, not text; the paragraphs around it stay apart.

    >>> text = "第一节\\n\\n* * *\\n\\n第二节"
    >>> spans = rule_line_spans(text, prose_lines(text))
    >>> [(text[s:e], after, rule) for s, e, after, rule in spans]
    [('\\n\\n* * *\\n\\n', '\\n\\n', 'markdown_rule')]
    """

    spans: list[Span] = []
    for start, end in lines:
        if not _RULE_LINE.match(text, start, end):
            continue
        s, e, after = _line_removal(text, start, end)
        # The lines around it: a rule under a console table's header (``Selection  Command`` /
        # ``-----`` / ``1  /usr/bin/vim``) belongs to the table, and ``---`` between ``GOsa²``
        # and ``Web 服务器`` is a table's empty cell; one between Chinese paragraphs is a separator.
        neighbours = [_line_at(text, s - 1), _line_at(text, e)]
        neighbours = [n for n in neighbours if n.strip() and not _FENCE.match(n)]  # a fence is markdown
        if any(looks_like_code(n) for n in neighbours) or not all(_HAS_CJK.search(n) for n in neighbours):
            continue
        spans.append((s, e, after, "markdown_rule"))
    return spans


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _line_at(text: str, pos: int) -> str:
    """The line holding ``pos`` ("" outside the text)."""
    if not 0 <= pos < len(text):
        return ""
    return text[text.rfind("\n", 0, pos) + 1 : _line_end(text, pos)]


# -- line starts: blockquotes ---------------------------------------------------------------------

#: ``> ``, ``>> ``, ``> > `` at a line start, a space after the last ``>``: ``>>>`` (a Python
#: prompt), ``>_<`` and ``>三星级的大堂；<-三星级的卫生`` (a comparison) are not quotes.
_QUOTE = regex.compile(r"^\h{0,3}(?!>>>)(?:>\h?)*>\h+(?=[^\s>])", regex.M)


def blockquote_spans(text: str, lines: list[tuple[int, int]]) -> list[Span]:
    """``> `` quote markers at a line start go when the quoted line holds Chinese.

    >>> text = "> 引用的话\\n>> 再引用\\n> cat a > b\\n>>> 你好\\n> > : 大于号"
    >>> [text[s:e] for s, e, *_ in blockquote_spans(text, prose_lines(text))]
    ['> ', '>> ']
    """
    spans: list[Span] = []
    for start, end in lines:
        if text[start : start + 4].lstrip()[:1] != ">":
            continue
        match = _QUOTE.match(text, start, end)
        # ``> > : 大于号`` is a table row of XML entities: a quote starts with words, not a mark.
        if match and _HAS_CJK.search(text, match.end(), end) and not _ASCII_PUNCT.match(text, match.end(), end):
            spans.append((match.start(), match.end(), "", "markdown_blockquote"))
    return spans


# -- inline: links, images, code spans, emphasis --------------------------------------------------

#: Where a link or an image points: a URL with a scheme, a path, an anchor, ``www.``.
#: A bare host (``wap.kang.com.cn``, ``bao.net/x``): converters and spammers drop the scheme.
#: Only the top-level domains Chinese pages use, so ``f[i](obj.attr)`` stays code.
_HOST = (
    r"(?:[A-Za-z0-9-]+\.)+(?:com|cn|net|org|info|io|cc|tv|me|co|top|xyz|vip|club|site|shop|hk|tw|"
    r"edu|gov|biz|wang|ink|link|app|pro|fun|online|asia)(?![A-Za-z0-9-])(?:[/?#][^\s()]*)?"
)
_TARGET = rf"(?:[A-Za-z][A-Za-z0-9+.-]*:|/|\./|\.\./|#|www\.|(?={_HOST}))[^\s()]*(?:\([^\s()]*\)[^\s()]*)*"
_TITLE = r"""(?:\h+(?:"[^"\n]*"|'[^'\n]*'))?"""
_IMAGE = regex.compile(rf"!\[([^\[\]\n]*)\]\(\h*(?:{_TARGET}|[^\s()]+\.(?:png|jpe?g|gif|webp|svg|bmp)){_TITLE}\h*\)")
_LINK = regex.compile(rf"(?<!!)\[([^\[\]\n]+)\]\(\h*{_TARGET}{_TITLE}\h*\)")
_CODE_SPAN = regex.compile(r"(?<!`)(`+)(?!`)([^\n]+?)(?<!`)\1(?!`)")
#: Double backticks around Chinese are a writer's quotes (````好书````), not code.
#: Code-span content that is Chinese prose: hanzi, CJK punctuation, digits, spaces.
_PROSE_CODE = regex.compile(rf"^[{_CJK}0-9０-９\h“”‘’—…·]*\p{{Han}}[{_CJK}0-9０-９\h“”‘’—…·]*$")
#: Alt text that only says "a picture": the image goes without it.
_GENERIC_ALT = regex.compile(r"^(?:图片?|圖片?|插图|截图|配图|照片|image|img|photo|picture|pic)?\h*[0-9０-９]*$", regex.I)


#: A link reference definition, ``[7]: https://a.cn "标题"``: the converter's list of targets.
_LINK_DEFINITION = regex.compile(rf"\h{{0,3}}\[[^\[\]\n]{{1,40}}\]:\h*<?{_TARGET}>?{_TITLE}\h*")


def link_definition_spans(text: str, lines: list[tuple[int, int]]) -> list[Span]:
    """A line that only defines a reference link's target goes whole.

    >>> text = "正文见下。\\n\\n[7]: https://www.hua.com/\\n\\n[注]: 见第三章"
    >>> [(text[s:e], rule) for s, e, _, rule in link_definition_spans(text, prose_lines(text))]
    [('\\n\\n[7]: https://www.hua.com/\\n\\n', 'markdown_link')]
    """
    return [
        (*_line_removal(text, s, e), "markdown_link") for s, e in lines if _LINK_DEFINITION.fullmatch(text, s, e)
    ]


def link_spans(text: str, start: int, end: int) -> list[Span]:
    """``[文字](url)`` → ``文字``; ``![说明](url)`` → ``说明``, or nothing when the alt text has no hanzi.

    A link only in a line with Chinese (an image anywhere in a Chinese text),
    and only where the target looks like a URL or a path: ``a[i](x)`` is code.

    >>> text = "详见[官方文档](https://a.cn/doc)。![图片](img/1.png)![夜景](/p/2.jpg) a[i](x)"
    >>> [(text[s:e], after) for s, e, after, _ in link_spans(text, 0, len(text))]
    [('[官方文档](https://a.cn/doc)', '官方文档'), ('![图片](img/1.png)', ''), ('![夜景](/p/2.jpg)', '夜景')]
    >>> text = "正文。\\n\\n![](a.png)\\n\\n下文。"
    >>> [(text[s:e], after) for s, e, after, _ in link_spans(text, 5, 15)]
    [('\\n\\n![](a.png)\\n\\n', '\\n\\n')]
    """
    if "](" not in text[start:end]:
        return []
    chinese_line = bool(_HAS_CJK.search(text, start, end))
    spans: list[Span] = []
    taken: list[tuple[int, int]] = []
    for match in _IMAGE.finditer(text, start, end):
        alt = match.group(1).strip()
        keep = alt if _HAS_HAN.search(alt) and not _GENERIC_ALT.match(alt) else ""
        if not keep and not text[start : match.start()].strip() and not text[match.end() : end].strip():
            spans.append((*_line_removal(text, start, end), "markdown_image"))  # an image alone on its line
        else:
            spans.append((match.start(), match.end(), keep, "markdown_image"))
        taken.append(match.span())
    for match in _LINK.finditer(text, start, end) if chinese_line else ():
        if any(s <= match.start() < e for s, e in taken):
            continue
        spans.append((match.start(), match.end(), match.group(1), "markdown_link"))
    return sorted(spans)


def code_span_spans(text: str, start: int, end: int) -> list[Span]:
    """Backticks around Chinese prose (`` `重要` ``) go; code spans holding code stay.

    >>> text = "这是`重要`的，运行 `ls -l` 或 `echo 你好`"
    >>> [(text[s:e], rule) for s, e, _, rule in code_span_spans(text, 0, len(text))]
    [('`', 'markdown_code'), ('`', 'markdown_code')]
    """
    spans: list[Span] = []
    if "`" not in text[start:end]:
        return spans
    for match in _CODE_SPAN.finditer(text, start, end):
        if len(match.group(1)) == 1 and _PROSE_CODE.match(match.group(2)):
            spans.append((match.start(1), match.end(1), "", "markdown_code"))
            spans.append((match.end(2), match.end(), "", "markdown_code"))
    return spans


def protected_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Code spans and URLs in the line: emphasis markers inside them are not markers."""
    found = [m.span() for m in _CODE_SPAN.finditer(text, start, end)] if "`" in text[start:end] else []
    if "/" in text[start:end] or "www." in text[start:end] or "@" in text[start:end]:

        found += [m.span() for m in PROTECTED.finditer(text, start, end)]
    return found


#: Delimiter runs, longest first: ``***x***`` is one emphasis, not two.
_EMPHASIS = regex.compile(
    r"(?P<m>\*\*\*|\*\*|\*|___|__|_|~~)(?P<body>\S(?:[^\n]{0,118}?\S)?)(?P=m)"
)
_ALNUM_ASCII = regex.compile(r"[A-Za-z0-9]")
_ASCII_EDGE = regex.compile(r"[!-~]")
#: Tildes written as punctuation (``停电了~~我的梦想~~破裂了`` next to ``进场了~一个``): a lone
#: ``~`` in the line, or ``~~`` other than one pair (``太小~~放不下~~还可以~~``): there no ``~~`` is a strike.
_LONE_TILDE = regex.compile(r"(?<!~)~(?!~)")
_CLAUSE_MARK = regex.compile(r"[，。！？、；：,.!?;]")
_FINAL_PARTICLES = frozenset("哈呵嘿啦吧呢哟哦嘛呀啊喔噢哇耶咯呗")
#: Two masked names read as a pair of markers (``王**和李**``): a conjunction or a mark and at
#: most one more character between them.
_MASK_BODY_START = regex.compile(r"^[和与及或、，,。；：].?$")
MAX_EMPHASIS_CHARS = 120  # the pattern's bound too
#: From an underscore to the line's end, short underscore-separated names without punctuation:
#: how a page's <title> joins the headline, the channel and the site (``_新闻中心_百度知道``).
_TITLE_BAR_TAIL = regex.compile(r"(?:\h*_\h*[^_\s，。！？；：,!?;、（）()]{1,16}){2,}\h*")
#: Italics in Chinese prose mark a word or a phrase; a single ``*`` pair further apart is two stars.
MAX_ITALIC_CHARS = 30
_ASCII_PUNCT = regex.compile(r"[!-/:-@\[-`{-~]")


def _is_punct_or_space(char: str) -> bool:
    return char == "" or char.isspace() or regex.match(r"[\p{P}\p{S}]", char) is not None


def _emphasis(text: str, match: regex.Match[str], strikes: bool = True) -> bool:
    """Whether a delimiter pair is markdown emphasis around Chinese text, not ``2*3*4`` or ``a_b_c``.

    ``strikes``: the line may hold a strikethrough (its tildes are not punctuation).
    """
    marker, body = match.group("m"), match.group("body")
    if len(body) > MAX_EMPHASIS_CHARS or marker[0] in body:
        return False
    if len(marker) == 1 and (len(body) > MAX_ITALIC_CHARS or _ASCII_PUNCT.search(body)):
        return False  # ``parameter是*或者是@,替换的值…下标是*``: literal stars around technical text
    before = text[match.start() - 1] if match.start() else ""
    after = text[match.end()] if match.end() < len(text) else ""
    if before == marker[0] or after == marker[0]:
        return False  # part of a longer run: ``***``, ``~~~``
    chinese_body = bool(_HAS_HAN.search(body))
    # ASCII at a body's edge is a glob, a product or a file name (``"*.deb" 和 "*.tar.gz"``,
    # ``1.3*2，另一张1.1*2米``, ``foo_*.dsc``, ``^_^``); a single ``*`` or ``_`` must hold
    # Chinese at both edges, a double one may start with a Latin word (``**Note**``) only.
    if _ASCII_EDGE.match(body[0]) or _ASCII_EDGE.match(body[-1]):
        if len(marker) == 1 or chinese_body or not body[0].isalpha() or not body[-1].isalnum():
            return False
    # A marker glued to an ASCII word outside is part of an identifier (``my_文件_name``) or
    # of arithmetic, unless it is ``*`` or ``~`` around Chinese (``5**星级**``).
    glued = _ALNUM_ASCII.match(before) or _ALNUM_ASCII.match(after)
    if glued and (not chinese_body or marker[0] == "_"):
        return False
    if marker[0] == "_" and _TITLE_BAR_TAIL.fullmatch(text, match.start(), _line_end(text, match.start())):
        return False  # ``…决策_新闻中心_百度知道``: a page title's separators, not emphasis
    if marker == "~~":
        # Struck text is a word or a phrase; tildes that run over a clause mark or follow a
        # laugh or a particle are a writer's punctuation (``哈哈~~印刷中规中矩，不花哨~~``).
        if not strikes or _CLAUSE_MARK.search(body) or before in _FINAL_PARTICLES:
            return False
    # CommonMark's flanking rules with CJK punctuation as punctuation: ``*号的为必填项，*号``
    # does not close after ``，`` and before a hanzi.
    if _is_punct_or_space(body[0]) and not _is_punct_or_space(before):
        return False
    if _is_punct_or_space(body[-1]) and not _is_punct_or_space(after):
        return False
    if chinese_body:
        return not (_HAS_HAN.match(before) and _MASK_BODY_START.match(body))
    # Latin words in ``**`` count when Chinese text touches them (``**Note**：请…``); ``__`` around a
    # Latin word is a name (``__DATA__``, ``__init__``).
    return marker in ("**", "***") and bool(regex.search(r"[A-Za-z]", body)) and bool(
        _HAS_CJK.match(before) or _HAS_CJK.match(after)
    )


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` sorted and merged where they overlap, for :func:`_overlaps`."""
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _overlaps(merged: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps one of the sorted, disjoint ``merged`` spans (bisection).

    >>> spans = _merged([(10, 20), (0, 5), (15, 30)])
    >>> spans, _overlaps(spans, 5, 10), _overlaps(spans, 4, 6), _overlaps(spans, 29, 40)
    ([(0, 5), (10, 30)], False, True, True)
    """
    i = bisect.bisect_right(merged, (start, 1 << 62))
    return any(s < end and start < e for s, e in merged[max(0, i - 1) : i + 1])


def emphasis_spans(
    text: str, start: int, end: int, protected: list[tuple[int, int]], single: bool = True
) -> list[Span]:
    """Emphasis markers (``**重点**``, ``__x__``, ``*斜体*``, ``~~删除~~``) go; the text stays.

    >>> text = "这是**重点**，~~旧价~~，2*3*4，a_b_c，张**、李**"
    >>> [text[s:e] for s, e, *_ in emphasis_spans(text, 0, len(text), [])]
    ['**', '**', '~~', '~~']
    """
    spans: list[Span] = []
    line = text[start:end]
    if not any(c in line for c in "*_~") or not _HAS_CJK.search(line):
        return spans
    strikes = not _LONE_TILDE.search(line) and line.count("~~") == 2  # judged once per line
    protected = _merged(protected)
    pos = start
    # A rejected candidate (``^_^`` … ``_``) must not hide a real pair starting inside it, so
    # the search goes on one character later; the bounded body keeps that linear.
    while (match := _EMPHASIS.search(text, pos, end)) is not None:
        if _overlaps(protected, match.start(), match.end()) or not _emphasis(text, match, strikes) \
                or not single and len(match.group("m")) == 1:
            pos = match.start() + 1
            continue
        m = match.span("m")
        spans.append((m[0], m[1], "", "markdown_emphasis"))
        spans.append((match.end("body"), match.end(), "", "markdown_emphasis"))
        pos = match.end()
    return spans


# -- tables ---------------------------------------------------------------------------------------

_TABLE_DELIMITER = regex.compile(r"^\h*\|?\h*:?-{3,}:?\h*(?:\|\h*:?-{3,}:?\h*)+\|?\h*$", regex.M)
_OUTER_PIPES = regex.compile(r"^(\h*\|\h*)(?:.*?)(\h*\|\h*)$", regex.M)


def table_spans(text: str, lines: list[tuple[int, int]]) -> list[Span]:
    """A markdown table keeps its cells: the ``|---|---|`` row and the outer pipes go.

    Only a table proven markdown by its delimiter row right under a header
    row with a pipe; the pipes between cells stay (they separate the cells).

    >>> text = "| 姓名 | 年龄 |\\n|---|---|\\n| 张三 | 20 |"
    >>> spans = table_spans(text, prose_lines(text))
    >>> from pipeline.document import apply_spans
    >>> apply_spans(text, spans, "t")[0]
    '姓名 | 年龄\\n张三 | 20'
    >>> text = "上文。\\n\\n|---|---|\\n\\n下文。"
    >>> apply_spans(text, table_spans(text, prose_lines(text)), "t")[0]
    '上文。\\n\\n下文。'
    """
    spans: list[Span] = []
    taken: set[tuple[int, int]] = set()
    index = 0
    while index + 1 < len(lines):
        head, delimiter = lines[index], lines[index + 1]
        head_text = text[head[0] : head[1]]
        if not ("|" in head_text and delimiter[0] == head[1] + 1 and _TABLE_DELIMITER.match(text[delimiter[0] : delimiter[1]])):
            index += 1
            continue
        rows = [head]
        previous_end = delimiter[1]
        k = index + 2
        # The body: the lines right below (no blank line between) that still have a pipe.
        while k < len(lines) and lines[k][0] == previous_end + 1 and "|" in text[lines[k][0] : lines[k][1]]:
            rows.append(lines[k])
            previous_end = lines[k][1]
            k += 1
        if _HAS_CJK.search(text, head[0], rows[-1][1]):
            spans.append((delimiter[0] - 1, delimiter[1], "", "markdown_table"))
            for s, e in rows:
                outer = _OUTER_PIPES.match(text, s, e)
                if outer:
                    spans.append((outer.start(1), outer.end(1), "", "markdown_table"))
                    spans.append((outer.start(2), outer.end(2), "", "markdown_table"))
        taken.add(delimiter)
        index = k
    # A delimiter row without its table (the converter kept the rule, not the cells) goes whole.
    for s, e in lines:
        line = text[s:e].strip()
        if (s, e) not in taken and (line[:1] == "|" or line[-1:] == "|") and _TABLE_DELIMITER.fullmatch(line):
            spans.append((*_line_removal(text, s, e), "markdown_table"))
    return sorted(spans)


# -- everything -----------------------------------------------------------------------------------


def markup_spans(text: str) -> list[Span]:
    """Every markdown marker in ``text`` that is residue, as replacement spans with their rule.

    >>> text = "## 标题\\n\\n> 这是**重点**，详见[文档](https://a.cn)。\\n\\n---\\n\\n```\\nx = a**2\\n```"
    >>> from pipeline.document import apply_spans
    >>> apply_spans(text, markup_spans(text), "t")[0]
    '## 标题\\n\\n这是重点，详见文档。\\n\\n```\\nx = a**2\\n```'
    >>> markup_spans("2*3*4 and __init__ --force [a](http://b.c)")
    []
    """
    if not _HAS_CJK.search(text) or not _MARKER_CHARS.search(text):
        return []
    scan = _scan(text)
    lines, has_code, fenced = scan.lines, scan.code, scan.fenced
    # A technical text (man pages, manuals: code lines, no fence) writes ``*``, ``_`` and backticks
    # as themselves (``会*失败*``, ``或 `反引号` ``): there only the unambiguous markers go.
    plain_markers = fenced or not has_code
    spans: list[Span] = fence_spans(text, scan.prose_fences)
    spans += rule_line_spans(text, lines)
    ruled = {(s, e) for s, e in lines if _RULE_LINE.match(text, s, e)}
    spans += blockquote_spans(text, lines)
    spans += table_spans(text, lines)
    spans += link_definition_spans(text, lines)
    for start, end in lines:
        if (start, end) in ruled:
            continue
        links = link_spans(text, start, end)
        spans += links
        protected = protected_spans(text, start, end) + [(s, e) for s, e, *_ in links]
        if plain_markers:
            spans += code_span_spans(text, start, end)
        spans += emphasis_spans(text, start, end, protected, single=plain_markers)
    return _without_overlaps(spans)


def _without_overlaps(spans: list[Span]) -> list[Span]:
    """Spans in order, a span overlapping an earlier one dropped (a later round takes it)."""
    kept: list[Span] = []
    last_end = -1
    for span in sorted(spans, key=lambda s: (s[0], s[1])):
        if span[0] >= last_end or span[0] == span[1] == last_end:
            kept.append(span)
            last_end = max(last_end, span[1])
    return kept
