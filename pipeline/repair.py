"""Repair encoding damage: CJK mojibake, unrecoverable junk, markup and escapes.

Chinese web text is damaged on its way from bytes to characters more often
than it is damaged by its authors. A page saved as GBK is read as UTF-8 or
Latin-1, a byte is lost and every following byte pair is misread, HTML
entities are escaped twice, a JSON dump leaves ``\\u4e2d`` in the text. ftfy
repairs the Latin-script cases but knows nothing of GBK or Big5, and its
defaults harm Chinese (it turns “” into ASCII quotes and folds ，！ to ,!).

Each fixer is a pure function ``text -> spans`` that finds one class of
damage and proposes replacements ``(start, end, replacement, rule)``; the
stage applies them through the edit log, with the class as the rule name,
so ``cleancorpus`` can show every repair. The byte-level CJK fixers live in
:mod:`pipeline.mojibake`; this module holds the rest (junk, ftfy configured
for CJK, markup and escapes) and the stage.

What cannot be recovered is removed (``锟斤拷``, ``烫烫烫``, runs of U+FFFD) or,
where a character certainly stood but its bytes are gone, marked with
``〓`` (:data:`~pipeline.mojibake.LOST_MARKER`), configurable.

Clean text takes a fast path (:func:`needs_repair`): one stdlib regex pass and
a few substring tests find nothing to do, and the document leaves untouched.
"""

from __future__ import annotations

import functools
import html
import html.entities
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import ftfy
import regex

from . import charmodel
from .document import Document, apply_spans, diff_spans
from .mojibake import (
    BIG5_AS_GBK,
    CP1252_HIGH,
    GBK_AS_BIG5,
    LOST_MARKER,
    MARKERS,
    Fix,
    choose,
    dbcs_misreading,
    gbk_as_big5_lossy,
    gbk_as_latin1,
    gbk_frameshift,
    is_han,
    survey,
    utf8_as_gbk,
)

__all__ = ["LOST_MARKER", "Repair", "needs_repair"]

# Signs made of common characters, each behind a substring test that is cheaper than a regex.
_SIGNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("锟斤拷", re.compile("锟斤拷")),
    ("烫烫烫", re.compile("烫烫烫")),
    ("屯屯屯", re.compile("屯屯屯")),
    ("\u3000", re.compile(r"^\u3000", re.M)),  # indentation
)


def needs_repair(text: str) -> bool:
    """Cheap check: does ``text`` contain anything any fixer could act on?

    Most clean documents contain no match of the tier-1 regex at all; the
    others contain a few rare characters in ordinary context.

    >>> needs_repair("推动成渝地区双城经济圈建设，2020年。尼泊尔首相德乌帕")
    False
    >>> needs_repair("寄予厚望?!毒V要》"), needs_repair("a&amp;b"), needs_repair("ÖÐÎÄ"), needs_repair("鐨勬柊")
    (True, True, True, True)

    A line without CJK text and with any non-ASCII character may be mojibake
    of any code page ftfy knows; in a Chinese line ``√`` is a GB2312 sign (a
    tick) and does not count:

    >>> needs_repair("Le Vigne di Zam√≤"), needs_repair("答案√正确")
    (True, False)
    """
    found = survey(text)
    if found.spots or found.markers or found.other or _LATIN_LINE.search(text):
        return True
    return any(key in text and pattern.search(text) for key, pattern in _SIGNS)


# ---------------------------------------------------------------------------
# 3. Unrecoverable damage
# ---------------------------------------------------------------------------

# 锟斤拷: U+FFFD U+FFFD in UTF-8 (EF BF BD EF BF BD) read as GBK. 烫/屯: the bytes
# 0xCC / 0xCD that MSVC fills uninitialised stack / heap memory with, read as GBK.
_JUNK = regex.compile(r"(?:锟斤拷)+锟?|烫{3,}|屯{3,}")
_REPLACEMENT_RUN = regex.compile("\ufffd+")
# What a decoder with errors="replace" leaves between its U+FFFDs when it read
# GBK (or Big5) bytes as UTF-8: a GBK character whose trail byte is 0x80-0xBF
# and lead 0xC2-0xDF is a valid two-byte UTF-8 sequence, a Greek, Cyrillic,
# Arabic or Latin-extended letter (runs of them: ``ڽϵ͵ĺ``); three bytes that
# happen to form a sequence give any BMP character, a rare hanzi (``鼮``); a
# trail byte in 0x40-0x7E is an ASCII sign. Never white space or punctuation.
_TWO = r"[\u00a1-\u07ff]"  # one GBK character read as two-byte UTF-8 (signs such as ``·¶`` too)
_OTHER = r"[^\s\p{P}\x00-\u07ff\ufffd]|[!-~]"  # at most two of these between two U+FFFDs
_EDGE = rf"{_TWO}|[^\s\p{{P}}\x00-\x7f\p{{Han}}\u3000-\u30ff\uff00-\uffef\ufffd]"  # before the first, after the last
_REPLACED_JUNK = regex.compile(
    rf"(?V1)(?:{_EDGE}){{0,8}}+\ufffd+(?:(?=[^\ufffd]){_TWO}*+(?:(?:{_OTHER}){_TWO}*+){{0,2}}\ufffd+)*(?:{_EDGE}){{0,8}}+"
)
JUNK_MIN_REPLACEMENTS = 3  # U+FFFDs a run needs before what lies between them counts as junk
JUNK_MIN_SHARE = 0.5  # and the share of the run they make up: lossy decoding leaves mostly U+FFFD


def unrecoverable(text: str) -> list[Fix]:
    """Remove byte junk that no decoding can turn back into text.

    ``锟斤拷`` is what two U+FFFD replacement characters look like after a
    second round of UTF-8→GBK damage: the original bytes were already gone.
    ``烫烫烫`` and ``屯屯屯`` are uninitialised memory (0xCC, 0xCD) printed as GBK.

    >>> unrecoverable("标题锟斤拷锟斤拷：烫烫烫烫滚烫")
    [(2, 8, '', 'unrecoverable'), (9, 13, '', 'unrecoverable')]
    """
    if "锟斤拷" not in text and "烫烫烫" not in text and "屯屯屯" not in text:
        return []
    return [(m.start(), m.end(), "", "unrecoverable") for m in _JUNK.finditer(text)]


class _Lines:
    """Length and CJK-ness of the line holding a position, for positions in increasing order.

    Each line is scanned once, and each search for a line start stops at the
    previous line's end, so a text costs one pass however many runs it holds.
    """

    def __init__(self, text: str) -> None:
        self.text, self.start, self.end, self.facts = text, 0, -1, (0, False)

    def at(self, pos: int) -> tuple[int, bool]:
        if pos > self.end:
            self.start = self.text.rfind("\n", max(self.end, 0), pos) + 1 or max(self.end + 1, 0)
            end = self.text.find("\n", pos)
            self.end = len(self.text) if end < 0 else end
            line = self.text[self.start : self.end]
            self.facts = (len(line.strip()), bool(_CJK_TEXT.search(line)))
        return self.facts


#: A hanzi at the edge of a junk run goes with it only if the character model
#: has never seen it: three junk bytes make a random CJK code point, mostly one
#: outside the 13,072 characters of ``charfreq.tsv``; a name's rare character
#: (``鑫`` −12.7, ``堃`` −15.1) is in the list and stays.
JUNK_EDGE_LOGPROB = -19.0


def _junk_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Take along a hanzi the character model has never seen at either edge of a junk run.

    >>> _junk_edges("母\ufffdй\ufffd\ufffd鼮舰", 1, 5), _junk_edges("张\ufffdй\ufffd\ufffd鑫磊", 1, 5)
    ((1, 6), (1, 5))
    """
    if start > 0 and is_han(text[start - 1]) and charmodel.logprob(text[start - 1]) < JUNK_EDGE_LOGPROB:
        start -= 1
    if end < len(text) and is_han(text[end]) and charmodel.logprob(text[end]) < JUNK_EDGE_LOGPROB:
        end += 1
    return start, end


def replacement_chars(text: str) -> list[Fix]:
    """Remove U+FFFD: a decoder already threw the bytes away, nothing is left to repair.

    Where U+FFFD is most of a stretch (at least three, and half its
    characters), the stretch is what a lossy decoder made of a whole field,
    and the few characters between the U+FFFDs are the bytes that happened to
    decode (GBK read as UTF-8: ``中国书籍`` → ``�й��鼮�``): they go with them,
    as ``unrecoverable``. Real text between two lost bytes has more than two
    characters or punctuation, and stays.

    >>> replacement_chars("中\ufffd\ufffd文")
    [(1, 3, '', 'replacement_char')]
    >>> junk = "的中国书籍".encode("gbk").decode("utf-8", "replace")
    >>> junk
    '\ufffd\ufffd\ufffdй\ufffd\ufffd鼮'
    >>> replacement_chars("航空母" + junk + "舰上")
    [(3, 10, '', 'unrecoverable')]
    >>> replacement_chars("数据\ufffd丢失了\ufffd，请重试\ufffd")
    [(2, 3, '', 'replacement_char'), (6, 7, '', 'replacement_char'), (11, 12, '', 'replacement_char')]
    """
    if "\ufffd" not in text:
        return []
    fixes: list[Fix] = []
    lines = _Lines(text)
    for m in _REPLACED_JUNK.finditer(text):
        lost = m.group().count("\ufffd")
        # a run of U+FFFD alone is only that: what stands beside it is not evidence
        if lost == len(m.group()):
            continue
        if lost >= JUNK_MIN_REPLACEMENTS and lost >= JUNK_MIN_SHARE * len(m.group()):
            # In a Latin line the characters between U+FFFDs are ftfy's partial
            # repairs (``It�¢��s``), which ftfy keeps; GBK junk is what Chinese became.
            length, cjk = lines.at(m.start())
            if not cjk and len(m.group()) * 2 < length:
                continue
            fixes.append((*_junk_edges(text, m.start(), m.end()), "", "unrecoverable"))
    taken = {i for s, e, _, _ in fixes for i in range(s, e)}
    fixes += [
        (m.start(), m.end(), "", "replacement_char") for m in _REPLACEMENT_RUN.finditer(text) if m.start() not in taken
    ]
    return sorted(fixes)


# ---------------------------------------------------------------------------
# 4. Latin-script mojibake: ftfy, configured for CJK
# ---------------------------------------------------------------------------

#: ftfy options. Off: what would change correct Chinese text or belongs to the
#: normalize stage (see docs/repair.md for each). The same options serve every
#: line; what differs where no Chinese is involved is what wakes ftfy.
FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,  # html_entities does it, with double escapes and its own edit log
    remove_terminal_escapes=True,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,  # ﬁ is a legitimate character; folding is normalisation
    fix_character_width=False,  # would fold ，！（） and U+3000 to half width
    uncurl_quotes=False,  # would turn “” and ‘’ into ASCII quotes
    fix_line_breaks=True,
    fix_surrogates=True,
    remove_control_chars=True,
    normalization=None,  # NFC rewrites CJK compatibility ideographs (U+F900–U+FAFF)
    explain=True,
)

# What ftfy could act on in a CJK line: control characters, separators,
# surrogates, and the start of UTF-8 read as Windows-1252 (a lead Â–ô before a
# continuation byte's character). A lone `·` or `é` in clean text does not wake it.
_FTFY_TRIGGER = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff]|[\xc2-\xf4][ \x80-\xbf" + CP1252_HIGH + "]"
)
# In a line without CJK text ftfy itself decides (MacRoman, Windows-1250/1251,
# code page 437 and layered mojibake have no lead character in common): any
# character outside printable ASCII wakes it. ftfy's own test for "bad" text is
# one regex pass, so a clean Latin line costs little.
_LATIN_TRIGGER = re.compile("[^\t\n\x20-\x7e]")
# What makes a line Chinese for this purpose: hanzi (also compatibility
# ideographs), CJK punctuation, kana and bopomofo (GBK and Big5 garble is made
# of them), full-width forms.
# (stdlib ``re``: the class is ranges only, and ``regex`` is slower on it).
_CJK_RANGES = "\u2e80-\u2fdf\u3000-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f"
_CJK_TEXT = re.compile(f"[{_CJK_RANGES}]")
# A line with no CJK text and something outside printable ASCII: where ftfy at
# full strength may have work. The look-ahead stops at a Chinese line's first hanzi.
_LATIN_LINE = re.compile(f"^(?=[^\n{_CJK_RANGES}]*$)[^\n]*?[^\t\n\x20-\x7e]", re.M)


def _ftfy_fixed_point(text: str, config: ftfy.TextFixerConfig) -> tuple[str, str]:
    """Run ftfy on one line until it stops changing; return the text and a rule name.

    ftfy 6.3.1 is not idempotent on some inputs (``'\\x80ß\\r\\x80'`` becomes
    ``'€ß\\n€'``, then ``'ۧ\\n€'``), so it runs to a fixed point (at most four times).

    >>> _ftfy_fixed_point("wei√ü", FTFY_CONFIG)
    ('weiß', 'utf8_as_macroman')
    """
    rule = ""
    for _ in range(4):
        fixed, steps = ftfy.fix_and_explain(text, config=config)
        if fixed == text:
            break
        for kind, name in steps or ():
            if kind == "encode":
                rule = _ENCODE_RULES.get(name, "utf8_as_" + name.replace("sloppy-", "").replace("-", ""))
            elif name == "decode_inconsistent_utf8" and not rule:
                rule = "utf8_as_cp1252"
            elif kind == "apply" and not rule.startswith("utf8"):
                rule = f"ftfy_{name}"
        text = fixed
    return text, rule


# ftfy's codec names as rule names: the code page UTF-8 was wrongly read with.
_ENCODE_RULES = {
    "latin-1": "utf8_as_latin1",
    "sloppy-windows-1252": "utf8_as_cp1252",
    "macroman": "utf8_as_macroman",
    "cp437": "utf8_as_cp437",
}


def cjk_count(text: str) -> int:
    """How many CJK characters (hanzi, CJK punctuation, kana, full-width forms) ``text`` holds.

    >>> cjk_count("中文，ABC"), cjk_count("weiß")
    (3, 0)
    """
    return len(_CJK_TEXT.findall(text))


def ftfy_line(line: str) -> tuple[str, str]:
    """Fix one line with ftfy: at full strength where no Chinese is involved.

    A line holding CJK text gets the CJK configuration and only wakes ftfy on
    the Windows-1252 signs :data:`_FTFY_TRIGGER` names. A line without any gets
    ftfy as ftfy's own tests run it (any encoding it knows, any non-ASCII
    character a reason to look), unless the fix would turn the line into CJK
    text: UTF-8 Chinese read as Windows-1252 then goes the CJK way, so
    Chinese is only ever made by the configuration that was tuned on it.

    >>> ftfy_line("Le Vigne di Zam√≤")
    ('Le Vigne di Zamò', 'utf8_as_macroman')
    >>> ftfy_line("标题：ä¸­æ–‡")
    ('标题：中文', 'utf8_as_cp1252')
    >>> ftfy_line("“引号” and ﬁ in a Chinese line")
    ('“引号” and ﬁ in a Chinese line', '')
    """
    fixed, rule = _ftfy_line_once(line)
    # ftfy turns U+2028 or a lone \r into a line break; the pieces are lines
    # of their own then, and are fixed as such so that a second run finds nothing.
    for _ in range(3):
        if "\n" not in fixed:
            break
        pieces = [_ftfy_line_once(piece) for piece in fixed.split("\n")]
        again = "\n".join(piece for piece, _ in pieces)
        if again == fixed:
            break
        fixed, rule = again, next((r for _, r in reversed(pieces) if r), rule)
    return fixed, rule


def _ftfy_line_once(line: str) -> tuple[str, str]:
    """One line, one configuration chosen by whether Chinese is at stake (see :func:`ftfy_line`)."""
    if not cjk_count(line):
        if not _LATIN_TRIGGER.search(line):
            return line, ""
        fixed, rule = _ftfy_fixed_point(line, FTFY_CONFIG)
        if not cjk_count(fixed):
            return fixed, rule
    if not _FTFY_TRIGGER.search(line):
        return line, ""
    fixed, rule = _ftfy_fixed_point(line, FTFY_CONFIG)
    if cjk_count(fixed) < cjk_count(line):
        return line, ""  # ftfy would take CJK characters away: that is never a repair
    return fixed, rule


def ftfy_fixes(text: str) -> list[Fix]:
    """ftfy, line by line (as ``ftfy.fix_text`` segments text), as replacement spans.

    Each changed line contributes the runs that differ, with the line's rule.

    >>> ftfy_fixes("wei√ü\\n中文\\nLiĂ¨ge")
    [(3, 5, 'ß', 'utf8_as_macroman'), (11, 13, 'è', 'utf8_as_windows1250')]
    """
    fixes: list[Fix] = []
    pos = 0
    for line in text.split("\n"):
        fixed, rule = ftfy_line(line)
        if fixed != line:
            fixes += [(pos + s, pos + e, after, rule or "ftfy") for s, e, after in diff_spans(line, fixed)]
        pos += len(line) + 1
    return fixes


def ftfy_fix(text: str) -> tuple[str, str]:
    """Run ftfy over ``text`` line by line; return the text and the rule of the last change.

    The rule is ``utf8_as_cp1252`` (or ``utf8_as_latin1``, ``utf8_as_macroman``,
    ``utf8_as_windows1251``…) when it re-decoded bytes, else ``ftfy_`` and the
    name of its last fixer.

    >>> ftfy_fix("ä¸­æ–‡ and “quotes”")
    ('中文 and “quotes”', 'utf8_as_cp1252')
    """
    fixes = ftfy_fixes(text)
    new, _ = apply_spans(text, fixes, "ftfy")
    return new, fixes[-1][3] if fixes else "ftfy"


# ---------------------------------------------------------------------------
# 5. Markup and escapes
# ---------------------------------------------------------------------------

_CJK = r"\p{Han}\u3000-\u303f\uff00-\uffef“”‘’"
# Escapes JSON or a scraper left as literal text. \n, \t and \r count only next
# to CJK text: in code (`printf("a\n")`) they are meant.
_UNICODE_ESCAPE = regex.compile(r"(?:\\u[0-9a-fA-F]{4})+")
_LINE_ESCAPE = regex.compile(f"(?<=[{_CJK}])(?:\\\\[nrt])+|(?:\\\\[nrt])+(?=[{_CJK}])")


def literal_escapes(text: str) -> list[Fix]:
    r"""Decode ``\uXXXX`` runs that spell CJK text, and ``\n`` / ``\t`` next to CJK text.

    A page stored as JSON and pasted as text, or escaped twice, keeps its
    escapes as characters. A ``\uXXXX`` run is decoded only when it spells
    at least one hanzi and no control character, so ``"\u00e9"`` in code stays.

    >>> literal_escapes(r"标题\u4e2d\u6587。\n第二段")
    [(2, 14, '中文', 'literal_escape'), (15, 17, '\n', 'literal_escape')]
    >>> literal_escapes(r'printf("a\n"); s = "\u00e9"')
    []
    """
    fixes: list[Fix] = []
    if "\\" not in text:
        return fixes
    for m in _UNICODE_ESCAPE.finditer(text):
        units = [int(m.group()[i + 2 : i + 6], 16) for i in range(0, len(m.group()), 6)]
        decoded = "".join(map(chr, units)).encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        if any(is_han(ch) for ch in decoded) and not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in decoded):
            fixes.append((m.start(), m.end(), decoded, "literal_escape"))
    for m in _LINE_ESCAPE.finditer(text):
        decoded = m.group().replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "")
        fixes.append((m.start(), m.end(), decoded, "literal_escape"))
    fixes.sort()
    return [f for i, f in enumerate(fixes) if i == 0 or f[0] >= fixes[i - 1][1]]


# Named, decimal and hex entities, possibly escaped again (&amp;nbsp;). A
# semicolon is required: "AT&T" and "?a=1&b=2" are not entities.
_ENTITY = regex.compile(r"&(?:amp;)*(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def html_entities(text: str) -> list[Fix]:
    """Decode HTML entities, also when escaped twice or more (``&amp;nbsp;``).

    A no-break space from ``&nbsp;`` becomes an ordinary space: it was layout.

    >>> [after for _, _, after, _ in html_entities("中&#x6587;&amp;nbsp;A&amp;amp;B&lt;")]
    ['文', ' ', '&', '<']
    >>> html_entities("AT&T, ?a=1&b=2, &notanentity;")
    []
    """
    fixes: list[Fix] = []
    if "&" not in text:
        return fixes
    for m in _ENTITY.finditer(text):
        decoded = m.group()
        while (entity := _ENTITY.fullmatch(decoded)) is not None:
            name = entity.group()[1:]
            if name.startswith("amp;"):
                decoded = "&" + name[4:]
            elif name.startswith("#"):
                decoded = html.unescape(entity.group())
            elif name in html.entities.html5:
                decoded = html.entities.html5[name]
            else:
                break
        if decoded == m.group() or _ENTITY.fullmatch(decoded):
            continue  # an unknown name: leave it
        fixes.append((m.start(), m.end(), decoded.replace("\xa0", " "), "html_entity"))
    return fixes


_BLOCK_TAGS = "p|div|br|li|ul|ol|tr|td|th|table|tbody|thead|h[1-6]|section|article|header|footer|blockquote|hr|dd|dt|dl"
_INLINE_TAGS = "span|a|b|i|u|em|strong|font|img|sup|sub|small|big|center|label|iframe|nobr|wbr"
_ATTRIBUTES = r"""(?:\s+[A-Za-z_:][\w:.-]*(?:\s*=\s*(?:"[^"<>\n]*"|'[^'<>\n]*'|[^\s"'<>=`]+))?)*\s*"""
_TAG = regex.compile(
    rf"\h*</?(?:{_BLOCK_TAGS}|{_INLINE_TAGS}){_ATTRIBUTES}/?>\h*"
    rf"|(?<=[{_CJK}])/(?:{_BLOCK_TAGS}|{_INLINE_TAGS})>",
    regex.IGNORECASE,
)


def html_tags(text: str) -> list[Fix]:
    """Remove stray HTML tags and tags cut in half (``/p>``) that the text extraction left.

    A tag between two pieces of text in a line becomes a line break if it is
    a block tag (``<br>``, ``</p><p>``), nothing if it is inline. Only known
    HTML tag names count, so ``List<String>`` and ``a < b > c`` stay.

    >>> html_tags("门户。”</p>")
    [(4, 8, '', 'html_tag')]
    >>> html_tags("第一段<br/>第二段，<b>粗</b>体")
    [(3, 8, '\\n', 'html_tag'), (12, 15, '', 'html_tag'), (16, 20, '', 'html_tag')]
    >>> html_tags("List<String> x; if (a < b && c > d)")
    []
    """
    fixes: list[Fix] = []
    if ">" not in text:
        return fixes
    for m in _TAG.finditer(text):
        name = m.group().strip().lstrip("</").split(">")[0].split()[0].rstrip("/").lower()
        inside_line = m.start() > 0 and text[m.start() - 1] != "\n" and m.end() < len(text) and text[m.end()] != "\n"
        block = regex.fullmatch(_BLOCK_TAGS, name) is not None
        fixes.append((m.start(), m.end(), "\n" if block and inside_line else "", "html_tag"))
    return fixes


# Invisible characters: zero-width space/joiners, word joiner, BOM, soft hyphen,
# bidirectional marks and embeddings, and C0/C1 controls other than \t and \n.
_INVISIBLE_SIGN = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f\x7f-\x9f]")
_INVISIBLE = regex.compile(
    r"[\u200b\u2060\ufeff\u00ad\u200e\u200f\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f\x7f-\x9f]+"
)
# Zero-width (non-)joiners are meaningful next to emoji and in Indic/Arabic
# scripts; next to CJK or ASCII they are debris.
_JOINER = regex.compile(
    f"(?<=[{_CJK}\\x20-\\x7e]|^)[\\u200c\\u200d]+|[\\u200c\\u200d]+(?=[{_CJK}\\x20-\\x7e]|$)", regex.M
)
# No-break and typographic spaces that &nbsp; and word processors leave; the
# ideographic space U+3000 is left to normalisation, except as indentation.
_ODD_SPACE = regex.compile(r"[\u00a0\u2000-\u200a\u202f\u205f]")
_SPACE_SIGN = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_INDENT = regex.compile(r"^[\u3000\u00a0]+", regex.M)


def invisible_chars(text: str) -> list[Fix]:
    """Remove control and zero-width characters; they carry no text and break matching.

    >>> invisible_chars("中\u200b文\x07，a\u200db")
    [(1, 2, '', 'invisible_char'), (3, 4, '', 'invisible_char'), (6, 7, '', 'invisible_char')]
    """
    if not _INVISIBLE_SIGN.search(text):
        return []
    found = [(m.start(), m.end(), "", "invisible_char") for m in _INVISIBLE.finditer(text)]
    found += [(m.start(), m.end(), "", "invisible_char") for m in _JOINER.finditer(text)]
    found.sort()
    return [f for i, f in enumerate(found) if i == 0 or f[0] >= found[i - 1][1]]


def odd_spaces(text: str) -> list[Fix]:
    """No-break and typographic spaces become ordinary spaces; indentation with U+3000 goes.

    >>> odd_spaces("\u3000\u3000正文\u00a0段落")
    [(0, 2, '', 'indent'), (4, 5, ' ', 'odd_space')]
    """
    if not _SPACE_SIGN.search(text):
        return []
    found = [(m.start(), m.end(), "", "indent") for m in _INDENT.finditer(text)]
    taken = {i for s, e, _, _ in found for i in range(s, e)}
    found += [(m.start(), m.end(), " ", "odd_space") for m in _ODD_SPACE.finditer(text) if m.start() not in taken]
    return sorted(found)


# `?` for a character the target code page lacked: only the copyright sign has
# a context that names it (`? 2020 … 版权所有`).
_LOST_COPYRIGHT = regex.compile(
    r"(?<![^\s])\?(?=\s?(?:19|20)\d\d\b[^\n]*"
    r"(?:版[权權](?:\([a-zāáǎà]+\))?所有|[Cc]opyright|All [Rr]ights [Rr]eserved))"
)


def copyright_sign(text: str) -> list[Fix]:
    """Restore ``©`` that a GBK encoder replaced with ``?`` in a copyright line.

    GBK has no ``©``; encoders print ``?`` instead. The bytes say nothing, but
    ``? 2020 … 版權所有`` has one reading: this is an inference from context,
    logged under its own rule name.

    >>> copyright_sign("? 2020 重慶兩江新區 版權所有")
    [(0, 1, '©', 'copyright_sign')]
    >>> copyright_sign("如何? 2020年的目标")
    []
    """
    if "?" not in text:
        return []
    return [(m.start(), m.end(), "©", "copyright_sign") for m in _LOST_COPYRIGHT.finditer(text)]


# ---------------------------------------------------------------------------
# The stage
# ---------------------------------------------------------------------------


MAX_ROUNDS = 6  # clean text leaves after the first check; damaged text settles in one or two rounds


@dataclass(frozen=True)
class Repair:
    """Repair encoding damage, markup and escapes; never touch clean text.

    ``lost_marker``   what stands where a character certainly was but its
                      bytes are gone ("" removes it; the edit log keeps it).
    ``byte_repairs``  the byte-level CJK fixers (frame-shift, UTF-8/GBK,
                      GBK/Latin-1, Big5/GBK).
    ``latin_mojibake`` ftfy for UTF-8 read as Windows-1252/Latin-1.
    ``markup``        entities, tags, literal escapes.
    ``copyright``     restore ``©`` lost as ``?`` in copyright lines.
    """

    name: ClassVar[str] = "repair"
    lost_marker: str = LOST_MARKER
    byte_repairs: bool = True
    latin_mojibake: bool = True
    markup: bool = True
    copyright: bool = True

    def __post_init__(self) -> None:
        if self.lost_marker and (len(self.lost_marker) > 1 or self.lost_marker in MARKERS or self.lost_marker < "\x80"):
            raise ValueError(
                f"lost_marker must be one non-ASCII character other than U+FFFD, or empty, not {self.lost_marker!r}"
            )

    def byte_fixers(self) -> list[Callable[[str], list[Fix]]]:
        """The byte-level readings this configuration tries; they compete (see :func:`choose`)."""
        if not self.byte_repairs:
            return []
        return [
            functools.partial(gbk_frameshift, marker=self.lost_marker),
            functools.partial(utf8_as_gbk, marker=self.lost_marker),
            gbk_as_latin1,
            functools.partial(dbcs_misreading, reading=BIG5_AS_GBK),
            functools.partial(dbcs_misreading, reading=GBK_AS_BIG5),
            functools.partial(gbk_as_big5_lossy, marker=self.lost_marker),
        ]

    def cleanup(self) -> list[Callable[[str], list[Fix]]]:
        steps: list[Callable[[str], list[Fix]]] = []
        if self.markup:
            steps += [literal_escapes, html_entities, html_tags]
        if self.copyright:
            steps.append(copyright_sign)
        return steps + [replacement_chars, invisible_chars, odd_spaces]

    def apply(self, doc: Document) -> Document:
        # Repairs can uncover more damage (an entity that spells a tag), so the
        # slow path runs until nothing changes; clean text leaves at once.
        for _ in range(MAX_ROUNDS):
            if not needs_repair(doc.text) or not self._round(doc):
                break
        return doc

    def _round(self, doc: Document) -> int:
        changed = doc.replace(unrecoverable(doc.text), self.name)
        changed += doc.replace(
            choose(doc.text, [f for fixer in self.byte_fixers() for f in fixer(doc.text)]), self.name
        )
        if self.latin_mojibake and (_FTFY_TRIGGER.search(doc.text) or _LATIN_LINE.search(doc.text)):
            changed += doc.replace(ftfy_fixes(doc.text), self.name)
        for fixer in self.cleanup():
            changed += doc.replace(fixer(doc.text), self.name)
        return changed
