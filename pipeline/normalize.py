"""Normalisation: one script, no pinyin artifacts, Chinese punctuation and spacing, whole paragraphs.

The same article reaches a crawl in many shapes: a Traditional-script mirror of a
Simplified page, a site that prints the pinyin of "difficult" characters after
them (``地區(qū)``), an editor who typed ASCII ``,`` and ``?`` between hanzi, an
HTML-to-text step that broke a paragraph in the middle of a word and left
markdown ``##`` in front of headings. None of that is content, and all of it
stops two copies of one text from looking alike. This stage brings text to one
form, so that later stages (rules written once, deduplication by character
n-grams) see one spelling of each text:

0. :func:`~pipeline.markup.markup_spans`: markdown residue (emphasis, quotes,
   links, images, rules, code backticks around prose, table delimiters) goes,
   never in code (:mod:`pipeline.markup`);
1. :func:`pinyin_annotation_spans`: a reading printed right after the
   characters it reads goes (``地區(qū)``, ``汉字【hàn zì】``, ``汉字(han4 zi4)``);
2. :func:`script_spans`: Traditional → Simplified with OpenCC (or the reverse),
   only where the text really is in the other script;
3. :func:`punctuation_width_spans`: ASCII ``, : ; ? ! ( )`` in Chinese context
   become ``，：；？！（）``;
4. :func:`cjk_spacing_spans`: spaces next to CJK punctuation and between hanzi go;
5. :func:`heading_marker_spans`: markdown ``#`` heading markers go;
6. :func:`broken_paragraph_spans`: a paragraph broken in mid-sentence, or
   hard-wrapped at a fixed width (:func:`wrap_width`), is joined.

Each is a pure function returning replacement spans on the text it is given;
:class:`Normalize` applies them in this order through the edit log. The stage
relies on the whitespace stage before it (``\\n`` line endings, no trailing
blanks, blank-line runs already collapsed) and never repeats its work.

Everything here leaves ASCII-only text alone: each rule needs a hanzi or a
CJK punctuation mark to act.
"""

from __future__ import annotations

import bisect
import functools
import importlib.metadata
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

import numpy as np
import regex

from . import charmodel
from .code import _CHINESE, _HAS_LATIN, PROTECTED as _PROTECTED, looks_like_code  # noqa: F401
from .markup import markup_spans
from .document import Document, apply_spans, diff_spans

Replacement = tuple[int, int, str]

# -- character classes ----------------------------------------------------------------

_HAN = regex.compile(r"\p{Han}")
_HAN_RUN = regex.compile(r"\p{Han}+")
_CODE_POINTS = 0x110000
#: Punctuation used only in CJK text: the CJK symbols block (without U+3000, the
#: ideographic space) and the full-width forms of ASCII punctuation.
CJK_PUNCT = frozenset(
    [chr(c) for c in range(0x3001, 0x3020)]
    + [chr(c) for c in range(0xFF01, 0xFF10)]
    + [chr(c) for c in range(0xFF1A, 0xFF21)]
    + [chr(c) for c in range(0xFF3B, 0xFF41)]
    + [chr(c) for c in range(0xFF5B, 0xFF66)]
)
#: Punctuation Chinese and Western typesetting share (curly quotes, dashes,
#: ellipsis, middle dot): it is CJK context only when CJK text touches it.
SHARED_PUNCT = frozenset("“”‘’—―–…·")


def is_han(char: str) -> bool:
    """A hanzi (CJK ideograph, any block).

    >>> is_han("區"), is_han("a"), is_han("，")
    (True, False, False)
    """
    return bool(_HAN.match(char))


def is_cjk(char: str) -> bool:
    """A hanzi or an unambiguously CJK punctuation mark.

    >>> is_cjk("经"), is_cjk("。"), is_cjk("“"), is_cjk(",")
    (True, True, False, False)
    """
    return "\u4e00" <= char <= "\u9fff" or char in CJK_PUNCT or is_han(char)


# -- 1. pinyin annotations ----------------------------------------------------------------

# A candidate: one lower-case syllable (letters, ü, tone-marked vowels, combining
# tone marks) in half- or full-width parentheses, glued to the character before it.
_ANNOTATION = regex.compile(
    r"(?<=(\S))[(（]([a-zü\u00e0-\u00fc\u0101-\u01dc\u01f9\u1e3f\u1ebf\u1ec1\u0300-\u030c]{1,7})[)）]"
)
_TONE_MARKS = frozenset("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿếề")


@functools.cache
def _readings() -> dict[int, frozenset[str]]:
    """Every reading pypinyin knows, by code point (Traditional forms included)."""
    from pypinyin.pinyin_dict import pinyin_dict  # 0.2 s to load: only when a candidate appears

    return {cp: frozenset(value.split(",")) for cp, value in pinyin_dict.items()}


@functools.cache
def _syllables() -> frozenset[str]:
    """The tone-marked syllables that are a reading of at least one character."""
    return frozenset(s for values in _readings().values() for s in values if _TONE_MARKS.intersection(s))


#: The brackets sites print readings in, by opener (slashes: the dictionary style ``/hàn/``).
_ANNOTATION_PAIRS = {"(": ")", "（": "）", "[": "]", "【": "】", "/": "/"}
# A candidate with one or more syllables: Latin letters (tone-marked or not), tone
# numbers, spaces, apostrophes and hyphens between syllables, in any of the pairs,
# right after a hanzi (a space allowed before it, for tone-marked readings only), a
# label (``注音：``) allowed inside. Possessive quantifiers: a long Latin run in brackets
# (``[abcdef…]`` in a manual) must not be tried split every way before the match fails.
_LONG_ANNOTATION = regex.compile(
    r"(?<=\p{Han})(\h?)([(（\[【/])\h*((?:注音|拼音|读音|讀音|读作|讀作|音)[:：]\h*)?"
    r"([A-Za-zü\u00c0-\u024f\u1e3f\u1ebf\u1ec1\u0300-\u030c]++[0-5]?+(?:[\h'’\-]*+[A-Za-zü\u00c0-\u024f\u1e3f\u1ebf\u1ec1\u0300-\u030c]++[0-5]?+){0,11}+)"
    r"\h*([)）\]】/])"
)
_TONE_OF_MARK = {"\u0304": "1", "\u0301": "2", "\u030c": "3", "\u0300": "4"}
_SYLLABLE_SPLIT = regex.compile(r"[\h'’\-]+")
_HAN_TAIL = regex.compile(r"\p{Han}+$")
#: The longest word an annotation is checked against.
MAX_ANNOTATED_CHARS = 12


def _numbered(reading: str) -> str:
    """``hàn`` → ``han4``; a neutral-tone reading keeps no number (``de``).

    >>> _numbered("hàn"), _numbered("lǜ"), _numbered("de")
    ('han4', 'lü4', 'de')
    """
    decomposed = unicodedata.normalize("NFD", reading)
    tone = next((_TONE_OF_MARK[c] for c in decomposed if c in _TONE_OF_MARK), "")
    plain = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_OF_MARK))
    return plain + tone


@functools.cache
def _reading_forms(code_point: int) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """A character's readings tone-marked (``hàn``), tone-numbered (``han4``) and toneless (``han``)."""
    marked = _readings().get(code_point, frozenset())
    numbered = frozenset(_numbered(r) for r in marked)
    return marked, numbered, frozenset(regex.sub(r"[0-5]$", "", r) for r in numbered)


def _candidates(char: str, form: int) -> frozenset[str]:
    """What may spell ``char``'s reading in ``form``: the form itself, or toneless (a neutral
    tone, ``zhè ge``, ``ge5``, which the character table lists under a full tone)."""
    forms = _reading_forms(ord(char))
    return forms[2] if form == 2 else forms[form] | forms[2]


def _spelled_by(chars: str, syllables: list[str], form: int) -> bool:
    """Whether ``syllables`` (one per character, or one run for all) spell readings of ``chars``."""
    if len(syllables) > 1:
        return len(syllables) == len(chars) and all(
            syllable in _candidates(char, form) for char, syllable in zip(chars, syllables)
        )
    run = syllables[0]

    def spells(i: int, at: int) -> bool:  # chars[i:] spell run[at:]; at most ~6 readings a character
        if i == len(chars):
            return at == len(run)
        return any(run.startswith(r, at) and spells(i + 1, at + len(r)) for r in _candidates(chars[i], form))

    return spells(0, 0)


@dataclass(frozen=True)
class Reading:
    """What an annotation reads: how many hanzi before it, and how sure that it is a reading.

    ``strong``: tone marks or tone numbers, or a lower-case toneless run over
    two characters or more. Otherwise (``更(GENG)``, ``安装(An Zhuang)``) it is
    spelled in capitals the way names and brands are romanised (``华为（HUAWEI）``),
    and counts only where the page's habit is proven (:func:`pinyin_annotation_spans`).
    """

    chars: int
    strong: bool


def _reading_of_preceding(text: str, start: int, body: str) -> Reading | None:
    """Whether ``body`` is the reading of the hanzi right before ``start``, in one of three forms.

    The number of characters it reads is the number of its syllables, or, for
    a run written without spaces (``hànzì``, ``hanzi``), any word of up to
    :data:`MAX_ANNOTATED_CHARS` that it spells exactly. A lower-case toneless
    reading counts only for two or more characters: ``区(qu)`` is too little to go on.
    Capitals are folded: ``(Ān Zhuāng)``, ``(HAN4 ZI4)`` read as their lower case.

    >>> _reading_of_preceding("汉字", 2, "hàn zì"), _reading_of_preceding("汉字", 2, "han4zi4")
    (Reading(chars=2, strong=True), Reading(chars=2, strong=True))
    >>> _reading_of_preceding("安装", 2, "Ān Zhuāng"), _reading_of_preceding("张三", 2, "Zhang San")
    (Reading(chars=2, strong=True), Reading(chars=2, strong=False))
    >>> _reading_of_preceding("机器学习", 4, "machine learning") is None
    True
    """
    nfc = unicodedata.normalize("NFC", body)
    syllables = [s for s in _SYLLABLE_SPLIT.split(nfc) if s]
    toned = bool(_TONE_MARKS.intersection(nfc.lower()) or any(c.isdigit() for c in nfc))
    lower = all(s.islower() for s in [syllables[0][:1].lower() + syllables[0][1:], *syllables[1:]])
    # Capitals: every syllable title-cased (``Zhang San``) or all upper case (``ZHANG``).
    capitals = all(s.isupper() or s[:1].isupper() and (s[1:].islower() or not s[1:]) for s in syllables)
    if not (lower or capitals):
        return None  # ``iPhone``, ``McDonald``: not a reading
    syllables = [s.lower().replace("v", "ü").replace("u:", "ü") for s in syllables]  # lv, lu:, lü
    if any(c.isdigit() for c in nfc):
        form = 1
        syllables = [regex.sub(r"[05]$", "", s) for s in syllables]
    elif _TONE_MARKS.intersection(nfc.lower()):
        form = 0
    else:
        form = 2
    # Upper case is how names and acronyms are written, tone marks or not (``区(QŪ)``).
    strong = (toned or lower) and not body.isupper() and (toned or body[0].islower())
    before = _HAN_TAIL.search(text, max(0, start - MAX_ANNOTATED_CHARS), start)
    if not before:
        return None
    word = before.group()
    counts = [len(syllables)] if len(syllables) > 1 else range(1, len(word) + 1)
    for n in counts:
        if n > len(word) or form == 2 and strong and n < 2:
            continue
        if _spelled_by(word[-n:], syllables, form):
            return Reading(n, strong)
    return None


def pinyin_annotation_spans(text: str) -> list[tuple[int, int, str, str]]:
    """Remove ``(pīnyīn)`` printed right after a character by the site, not the author.

    Some Chinese news sites run their pages through a converter that appends
    the pinyin of characters missing from a font or word list, so ``地區`` is
    scraped as ``地區(qū)`` (one site prints over 500 of them on one page). A
    group counts when it is one valid tone-marked syllable (a reading of some
    character). It is removed as ``pinyin_annotation`` when the syllable is a
    reading of the character before it (pypinyin's table, heteronyms
    included): that check keeps ``…母(é)`` or a Vietnamese word in brackets.
    When the character before it is garbled (``聟^(qū)`` where the GBK frame
    shift ate the real ``區``) the reading cannot be checked; such a group is
    removed as ``pinyin_annotation_unverified`` only in a document that has at
    least one verified annotation, where the site's habit is proven.

    Readings of whole words go too, in ``()``, ``（）``, ``[]`` or ``【】``, tone-marked
    (``汉字（hàn zì）``), tone-numbered (``汉字(han4 zi4)``) or, in lower case and
    for two characters or more, toneless (``汉字[hanzi]``), when they spell
    exactly the readings of the hanzi before them (:func:`_reading_of_preceding`):
    an English gloss (``机器学习（machine learning）``) or a name's romanisation
    (``张三（Zhang San）``) stays. A label (``（注音：hàn zì）``) and slashes
    (``汉字/hàn zì/``, tone-marked only) are other sites' styles; readings in
    capitals (``更(GENG)``) go only where the page's habit is proven (:class:`Reading`).

    >>> text = "兩江新區(qū)、經(jīng)濟 西部(重慶)科學城"
    >>> [(text[s:e], rule) for s, e, _, rule in pinyin_annotation_spans(text)]
    [('(qū)', 'pinyin_annotation'), ('(jīng)', 'pinyin_annotation')]
    >>> pinyin_annotation_spans("字母(é)")
    []
    >>> garbled = "自貿(mào)辦 聟^(qū)"
    >>> [garbled[s:e] for s, e, *_ in pinyin_annotation_spans(garbled)]
    ['(mào)', '(qū)']
    >>> text = "汉字【hàn zì】、汉字(han4 zi4)、汉字[hanzi]、机器学习（machine learning）"
    >>> [text[s:e] for s, e, *_ in pinyin_annotation_spans(text)]
    ['【hàn zì】', '(han4 zi4)', '[hanzi]']
    >>> text = "备选/bèi xuǎn/的方案，部分（注音：bù fen）、张三（ZHANG SAN）和更(GENG)"
    >>> [text[s:e] for s, e, *_ in pinyin_annotation_spans(text)]
    ['/bèi xuǎn/', '（注音：bù fen）', '（ZHANG SAN）', '(GENG)']
    >>> pinyin_annotation_spans("张三（ZHANG SAN）和华为（HUAWEI）")
    []
    """
    if not any(c in text for c in "(（[【/"):
        return []
    verified: list[tuple[int, int, str, str]] = []
    unverified: list[tuple[int, int, str, str]] = []
    for match in _ANNOTATION.finditer(text):
        syllable = unicodedata.normalize("NFC", match.group(2))
        if not _TONE_MARKS.intersection(syllable) or syllable not in _syllables():
            continue
        readings = _readings().get(ord(match.group(1)), frozenset())
        if syllable in readings:
            verified.append((match.start(), match.end(), "", "pinyin_annotation"))
        else:
            unverified.append((match.start(), match.end(), "", "pinyin_annotation_unverified"))
    taken = {span[0] for span in verified + unverified}
    capitals: list[tuple[tuple[int, int, str, str], Reading]] = []
    for match in _LONG_ANNOTATION.finditer(text):
        space, opener, label, body, closer = match.groups()
        start = match.start(2)
        if start in taken or _ANNOTATION_PAIRS[opener] != closer:
            continue
        toned = bool(_TONE_MARKS.intersection(unicodedata.normalize("NFC", body).lower()) or regex.search(r"\d", body))
        if (space or opener == "/") and not toned:
            continue  # ``北京 (beijing)``, ``目录/lib/``: a space or a slash and no tone is too little
        if space and len(_SYLLABLE_SPLIT.split(body.strip())) < 2:
            continue  # ``地区 (qū)``: one syllable after a space
        reading = _reading_of_preceding(text, match.start(), body)
        span = (match.start(), match.end(), "", "pinyin_annotation")
        if reading and (reading.strong or label):
            verified.append(span)
        elif reading:
            capitals.append((span, reading))
    # Capitals without tones are how names and brands are romanised (``张三（ZHANG SAN）``,
    # ``华为（HUAWEI）``): they go only where the page's habit is proven, by a sure reading or
    # by two or more of which one reads no name (a single character, or four and more).
    if verified or len(capitals) >= 2 and any(r.chars == 1 or r.chars >= 4 for _, r in capitals):
        verified += [span for span, _ in capitals]
    if not verified:
        return []
    return sorted(verified + unverified)


# -- 2. script conversion ----------------------------------------------------------------------

#: OpenCC configurations this stage offers, by the script they produce.
TO_SIMPLIFIED = ("t2s", "tw2s", "hk2s")
TO_TRADITIONAL = ("s2t", "s2tw", "s2hk")
#: The character set of the target script: a character a configuration changes
#: and that this set lacks can only be written in the other script.
_TARGET_CHARSET = {"t2s": "gb2312", "tw2s": "gb2312", "hk2s": "gb2312",
                   "s2t": "big5", "s2tw": "big5", "s2hk": "big5hkscs"}
_REVERSE = {"t2s": "s2t", "tw2s": "s2tw", "hk2s": "s2hk", "s2t": "t2s", "s2tw": "tw2s", "s2hk": "hk2s"}
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2EBEF), (0x2F800, 0x2FA1F))
#: A text is in the other script when at least this share of its hanzi (and at
#: least two of them) exist only there. Traditional news text scores about
#: 0.36; Simplified text about 0, with rare exceptions such as Japanese names
#: (``三塚``): no line of 5.5 MB of People's Daily text scores above 0.07.
FOREIGN_SHARE = 0.1


@functools.cache
def opencc_converter(config: str) -> Callable[[str], str]:
    """The ``convert`` function of an OpenCC converter, built once per process.

    Two packages install a module called ``opencc``: the official binding
    (C++, ``OpenCC("t2s")`` or ``OpenCC("t2s.json")``) and
    opencc-python-reimplemented (pure Python, ``OpenCC("t2s")`` only; it
    looks for ``<name>.json`` itself and fails on ``t2s.json``). Passing the
    bare configuration name works with both; their output is identical.

    >>> opencc_converter("t2s.json")("經濟")
    '经济'
    """
    import opencc  # imported lazily so the stage pickles small and imports fast

    return opencc.OpenCC(config.removesuffix(".json")).convert


def opencc_implementation() -> str:
    """Which package provides ``opencc`` here, with its version (for reports and benchmarks).

    >>> opencc_implementation().split()[0] in ("OpenCC", "opencc-python-reimplemented")
    True
    """
    dists = importlib.metadata.packages_distributions().get("opencc", [])
    for dist in dists:
        return f"{dist} {importlib.metadata.version(dist)}"
    return "unknown"


@functools.cache
def _only_in_source(config: str) -> frozenset[str]:
    """Characters ``config`` converts that the target script's charset lacks.

    For ``t2s`` these are the characters that exist only in Traditional
    writing (``經``, ``區``); for ``s2t`` (and ``s2tw``, ``s2hk``) those no
    Traditional convention writes; characters such as ``乾``, ``後`` or ``於`` that
    t2s would change but that Simplified text also uses (``萧乾``) are left
    out, so they never count as evidence. (A set and a lookup table, not a
    regex character class: with 5,000 members the class matches at 2 MB/s.)
    """
    chars = [chr(cp) for low, high in _CJK_RANGES for cp in range(low, high + 1)]
    # One call, one character per line: character-level mapping, no phrases.
    # A Simplified character counts only if no Traditional convention writes it:
    # Hong Kong writes 温, 税 and 户 as Simplified does, and a Hong Kong page
    # holding them is still Traditional.
    configs = TO_TRADITIONAL if config in TO_TRADITIONAL else (config,)
    changed = [opencc_converter(c)("\n".join(chars)).split("\n") for c in configs]
    charset = _TARGET_CHARSET[config]
    return frozenset(
        c
        for c, *outs in zip(chars, *changed, strict=True)
        if all(out != c for out in outs) and not _encodable(c, charset) and c not in _SHARED_VARIANTS.get(config, "")
    )


#: Characters outside the target charset that text of the target script still
#: uses: People's Daily writes Japanese names with 塚 (石塚), which t2s would
#: make 冢. Of the 5,102 Traditional-only characters, 塚 is the only one in its
#: 4.8 MB of January 1998 (benchmarks/corpora.py).
_SHARED_VARIANTS = {"t2s": "塚", "tw2s": "塚", "hk2s": "塚"}


@functools.cache
def _source_mask(config: str) -> np.ndarray:
    """``_only_in_source(config)`` as a lookup table indexed by code point (1.1 MB)."""
    mask = np.zeros(_CODE_POINTS, dtype=bool)
    mask[[ord(c) for c in _only_in_source(config)]] = True
    return mask


@functools.cache
def _han_mask() -> np.ndarray:
    mask = np.zeros(_CODE_POINTS, dtype=bool)
    every_char = "".join(map(chr, range(_CODE_POINTS)))
    for match in _HAN_RUN.finditer(every_char):
        mask[match.start() : match.end()] = True
    return mask


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _encodable(text: str, charset: str) -> bool:
    """Whether ``charset`` can write ``text``, ``—`` and ``·`` always counted as writable.

    Python's GB2312 codec maps those two code points elsewhere, yet every
    Simplified text uses them. Encoding runs at about 1 GB/s.

    >>> _encodable("经济——发展·新区", "gb2312"), _encodable("經濟", "gb2312")
    (True, False)
    """
    try:
        text.replace("—", "").replace("·", "").encode(charset)
    except UnicodeEncodeError:
        return False
    return True


def in_other_script(text: str, config: str = "t2s") -> bool:
    """Whether ``text`` is written in the script ``config`` converts from.

    Judged by the share of its hanzi that exist only in that script (see
    :data:`FOREIGN_SHARE`), never by characters both scripts use.

    >>> in_other_script("推動成渝地區雙城經濟圈建設"), in_other_script("萧乾和王丙乾")
    (True, False)
    >>> in_other_script("推动成渝地区双城经济圈建设", "s2t")
    True
    """
    # Counted with lookup tables: about 10x faster than walking a set in Python.
    codes = _code_points(text)
    foreign = int(np.count_nonzero(_source_mask(config)[codes]))
    if foreign < 2:
        return False
    return foreign >= FOREIGN_SHARE * int(np.count_nonzero(_han_mask()[codes]))


def _has_source_characters(text: str, config: str) -> bool:
    """Whether ``text`` holds a character only the source script writes.

    A text the target charset can encode has no such character by
    definition (:func:`_encodable`): the fast path for clean text.
    """
    return not _encodable(text, _TARGET_CHARSET[config]) and bool(_source_mask(config)[_code_points(text)].any())


#: Simplified words whose 著 is zhù ("to write; to stand out") and stays 著:
#: the character before it (显著, 卓著, 编著, 见微知著, 执著) or after it (著名,
#: 著作, 著称). Every other 著 that the Taiwan reading takes for 着 becomes 着.
_ZHU_BEFORE = frozenset("土原拙卓编论专合译遗新撰所名巨显昭大杰彰较知执")
_ZHU_AFTER = frozenset("作名称者录述书文")


def resolve_variants(source: str, converted: str) -> str:
    """What ``t2s`` leaves of web Traditional that is not Simplified, resolved.

    Why it is left: OpenCC's ``t2s`` expects OpenCC's own standard
    Traditional, in which the particle *zhe* is written 着 and 著 is only
    *zhù*. Taiwan, and most Traditional on the web (including mainland pages
    run through a site's converter, as seed 003 was), write the particle 著
    too, so ``t2s`` turns ``印證著`` into ``印证著``, which is not Simplified.
    Hong Kong forms such as 衞 (for 衛) are unknown to ``t2s`` and stay as
    well. ``tw2s`` and ``hk2s`` know those spellings but damage text written
    the other way (``tw2s`` makes 卓著 ``卓着``). So, line by line, where the
    ``t2s`` result holds 著 or a hanzi outside GB2312:

    * 著 becomes 着 where ``tw2s`` reads 着, unless a neighbour makes it a
      *zhù* word (:data:`_ZHU_BEFORE`, :data:`_ZHU_AFTER`);
    * a hanzi outside GB2312 takes the ``tw2s`` or ``hk2s`` reading when
      that one is in GB2312 (衞 → 卫, 痺 → 痹).

    Measured on 694,674 characters of People's Daily text written in each
    convention and converted back (``bench_normalize``): characters differing
    from the original, OpenCC standard / Taiwan / Hong Kong: ``t2s`` alone
    40 / 997 / 241, ``tw2s`` 56 / 59 / 257, ``hk2s`` 40 / 997 / 40, the stage
    42 / 48 / 42 (what remains is mostly 想像 for 想象 and 揹 for 背).

    >>> t2s = opencc_converter("t2s")
    >>> text = "無一不印證著創新，成績卓著，著名的衞生院"
    >>> t2s(text)
    '无一不印证著创新，成绩卓著，著名的衞生院'
    >>> resolve_variants(text, t2s(text))
    '无一不印证着创新，成绩卓著，著名的卫生院'
    """
    old_lines = source.split("\n")
    new_lines = converted.split("\n")
    if len(old_lines) != len(new_lines):
        return converted
    for n, (old, new) in enumerate(zip(old_lines, new_lines)):
        if len(old) != len(new) or ("著" not in new and _encodable(new, "gb2312")):
            continue
        chars = list(new)
        taiwan = _reading("tw2s", old, new)
        hong_kong = None  # converted only for a line that needs it: most need only the 著 reading
        for i, char in enumerate(chars):
            if char == "著":
                if taiwan[i] == "着" and (i == 0 or chars[i - 1] not in _ZHU_BEFORE) \
                        and (i + 1 == len(chars) or chars[i + 1] not in _ZHU_AFTER):
                    chars[i] = "着"
            elif is_han(char) and not _encodable(char, "gb2312"):
                hong_kong = hong_kong or _reading("hk2s", old, new)
                chars[i] = next((alt[i] for alt in (taiwan, hong_kong) if _encodable(alt[i], "gb2312")), char)
        new_lines[n] = "".join(chars)
    return "\n".join(new_lines)


def _reading(config: str, old: str, new: str) -> str:
    """``old`` converted with ``config``, position for position with ``new``
    (``new`` itself when a phrase changed the length: no other reading then)."""
    reading = opencc_converter(config)(old)
    return reading if len(reading) == len(new) else new


@functools.cache
def simplifier(config: str) -> Callable[[str], str]:
    """The converter :func:`script_spans` uses: OpenCC's, and for ``t2s`` also
    :func:`resolve_variants`. ``tw2s`` and ``hk2s`` are used as OpenCC gives them."""
    convert = opencc_converter(config)
    if config != "t2s":
        return convert
    return lambda text: resolve_variants(text, convert(text))


def script_spans(text: str, config: str = "t2s") -> list[Replacement]:
    """Convert text written in the other script, phrase by phrase, with OpenCC.

    A Traditional mirror of a Simplified article only deduplicates against it
    once both are in one script. Text already in the target script comes out
    unchanged: converting it anyway would damage it (``t2s`` turns the name
    ``萧乾`` into ``萧干``). So a line is converted when the whole text, or
    the line itself, is in the other script (:func:`in_other_script`); and a
    line that also holds characters only the target script writes (``萧``)
    is mixed, so there only the changes touching a character of the other
    script are kept. A character only the other script writes is converted
    wherever it stands, even in a line too short to judge (``臺北`` quoted in
    a Simplified article): it cannot be text of the target script, and leaving
    it would let the verdict flip when a later stage removes text around it,
    so that cleaning twice would change more than cleaning once. The changes
    are logged clause by clause (:func:`change_runs`).

    >>> script_spans("兩江新區經濟\\n推动共建")
    [(0, 6, '两江新区经济')]
    >>> text = "萧乾说：“經濟發展乾燥。”\\n作家萧乾"
    >>> [(text[s:e], after) for s, e, after in script_spans(text)]
    [('經濟發', '经济发')]
    >>> script_spans("推动共建西部科学城")
    []
    >>> script_spans("他从臺北来")  # one character of the other script: converted alone
    [(2, 3, '台')]
    """
    if not _has_source_characters(text, config):  # fast path: nothing to convert
        return []
    whole = in_other_script(text, config)
    convert = simplifier(config)
    if whole and not _has_source_characters(text, _REVERSE[config]):  # all in the other script
        return change_runs(text, convert(text))
    foreign = _only_in_source(config)
    native = _only_in_source(_REVERSE[config])
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if foreign.isdisjoint(line) and not (whole and _HAN.search(line)):
            continue
        converted = convert(line)
        phrases = (whole or in_other_script(line, config)) and native.isdisjoint(line)
        lines[i] = converted if phrases else _only_foreign_changes(line, converted, foreign)
    return change_runs(text, "\n".join(lines))


#: Changed characters closer than this many unchanged ones are logged as one
#: edit: Traditional text changes about every third character, and an edit
#: per character would make the audit unreadable and the edit log slow.
MERGE_GAP = 8


def change_runs(old: str, new: str, gap: int = MERGE_GAP) -> list[Replacement]:
    """Spans turning ``old`` into ``new`` (same number of lines), nearby changes merged.

    Equal-length lines (OpenCC's usual case) are compared with numpy; a run
    never crosses a line break or a clause mark (``，。、；：？！``), so an
    edit is at most a clause. Lines whose length changed fall back to
    :func:`~pipeline.document.diff_spans`.

    >>> change_runs("經濟發展的新區", "经济发展的新区")
    [(0, 7, '经济发展的新区')]
    >>> change_runs("經濟發展和其他很多很多事情的新區", "经济发展和其他很多很多事情的新区")
    [(0, 3, '经济发'), (15, 16, '区')]
    """
    if len(old) == len(new):
        return _equal_length_runs(old, new, gap)
    spans: list[Replacement] = []
    start = 0
    for old_line, new_line in zip(old.split("\n"), new.split("\n"), strict=True):
        if old_line != new_line:
            runs = _equal_length_runs(old_line, new_line, gap) if len(old_line) == len(new_line) \
                else diff_spans(old_line, new_line)
            spans.extend((start + s, start + e, after) for s, e, after in runs)
        start += len(old_line) + 1
    return spans


@functools.cache
def _clause_mask() -> np.ndarray:
    mask = np.zeros(_CODE_POINTS, dtype=bool)
    mask[[ord(c) for c in "\n，。、；：？！,.;:?!"]] = True
    return mask


def _equal_length_runs(old: str, new: str, gap: int) -> list[Replacement]:
    a = _code_points(old)
    b = _code_points(new)
    changed = np.flatnonzero(a != b)
    if not changed.size:
        return []
    # A run must not cross a line break or a clause mark: one edit per clause at most.
    clause = np.cumsum(_clause_mask()[a])[changed]
    split = np.flatnonzero((np.diff(changed) > gap) | (np.diff(clause) != 0))
    starts = np.concatenate((changed[:1], changed[split + 1])).tolist()
    ends = (np.concatenate((changed[split], changed[-1:])) + 1).tolist()
    return [(s, e, new[s:e]) for s, e in zip(starts, ends)]


def _only_foreign_changes(line: str, converted: str, foreign: frozenset[str]) -> str:
    """``converted`` with the changes to characters both scripts use undone.

    >>> _only_foreign_changes("萧乾說", "萧干说", frozenset("說"))
    '萧乾说'
    """
    if len(line) != len(converted):  # a phrase changed length: keep the runs that need it
        runs = [run for run in diff_spans(line, converted) if not foreign.isdisjoint(line[run[0] : run[1]])]
        return apply_spans(line, runs, "")[0]
    return "".join(new if old in foreign else old for old, new in zip(line, converted))


# -- 3. punctuation width ------------------------------------------------------------------

_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF_MARKS = regex.compile(r"[,:;?!()]")
# What is looked through when judging the context of a mark: spaces, shared
# punctuation and the other half-width candidates (so a run of marks is judged
# as one, whatever the order they are converted in).
_TRANSPARENT = frozenset(" \t\u00a0\u3000") | SHARED_PUNCT | frozenset(_HALF_TO_FULL)


_T = regex.escape("".join(sorted(_TRANSPARENT)))
_X = r"\p{Han}" + regex.escape("".join(sorted(CJK_PUNCT)))
# The common case, found at C speed: one mark alone between two CJK characters.
_LONE_MARK = regex.compile(rf"(?<=[{_X}])[,:;?!()](?=[{_X}])")
# Every other maximal run of transparent characters.
_OTHER_RUN = regex.compile(rf"(?<![{_T}])(?:[{_T}]{{2,}}|(?<![{_X}])[{_T}]|[{_T}](?![{_X}]))(?![{_T}])")
_BRACKET_MARKS = regex.compile(r"[()（）\n]")


def _paren_pairs(text: str) -> list[list[int]]:
    """Positions of ``(``/``)`` (either width) matched within each line; an unmatched one stands alone."""
    groups: list[list[int]] = []
    stack: list[int] = []
    for match in _BRACKET_MARKS.finditer(text):
        i = match.start()
        if text[i] == "\n":
            if stack:
                groups.extend([o] for o in stack)
                stack.clear()
        elif text[i] in "(（":
            stack.append(i)
        else:
            groups.append([stack.pop(), i] if stack else [i])
    groups.extend([o] for o in stack)
    return groups


# -- code, commands and identifiers: never normalised -------------------------------------------
#
# Chinese technical pages (man pages, distribution manuals, forum answers) put
# commands, paths, options and code inside prose and on lines of their own.
# Their ASCII marks are part of the identifier, not typesetting: ``conf(5)``
# widened to ``conf（5）`` is a different name, a command with one space less
# is a different command. Width and spacing normalisation therefore apply to
# Chinese prose only. Three shapes are protected (see docs/normalize.md §3a):
#
# * a whole line that looks like code or a shell command (:func:`looks_like_code`);
# * a half-width bracket pair glued to an ASCII word, holding only ASCII
#   (``modprobe.conf(5)``, ``len(s)``, ``printf("%s", x)``), with its content;
# * marks that begin an ASCII token after a space (``::http::geturl``, ``!$``,
#   ``:wq``): prose punctuation follows a word, it never starts one.
#
# Marks inside an ASCII token (``a,b``, ``key:value``, ``x=1;y=2``, ``C:\\``)
# never had Chinese context and stay as they are; URLs and e-mail addresses are
# protected by _PROTECTED.

_LINE_WITH_LATIN = regex.compile(r"^[^\n]*[A-Za-z][^\n]*$", regex.M)


def code_lines(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every line of ``text`` that :func:`looks_like_code`, in order.

    >>> text = "运行下面的命令,\\n$ ls -l /etc\\n即可。"
    >>> [text[s:e] for s, e in code_lines(text)]
    ['$ ls -l /etc']
    """
    return [m.span() for m in _LINE_WITH_LATIN.finditer(text) if looks_like_code(m.group())]


class _CodeLines:
    """Whether the line holding a position looks like code, judged once per line, only when asked.

    Most lines never need judging (no half-width mark, no space to remove),
    so this is cheaper than :func:`code_lines` over the whole text.
    """

    __slots__ = ("text", "verdicts")

    def __init__(self, text: str) -> None:
        self.text = text
        self.verdicts: dict[int, tuple[int, bool]] = {}

    def __call__(self, pos: int) -> bool:
        text = self.text
        start = text.rfind("\n", 0, pos) + 1
        verdict = self.verdicts.get(start)
        if verdict is None:
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            verdict = self.verdicts[start] = (end, looks_like_code(text[start:end]))
        return verdict[1]


#: The character before a bracket that glues it to an identifier (``conf(5)``,
#: ``len(s)``, ``a[i](x)``, ``$(cmd)``): ASCII, not a space, not a mark.
_GLUE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.$]>*/\\-+~")
_ASCII_TOKEN_END = regex.compile(r"[!-~]+$")
#: Marks that start an ASCII token after a space, a CJK mark or at a line start
#: (``::http``, ``!$``, ``:wq``); ``好吗?OK`` ends a clause after a hanzi, and
#: ``时间:2024`` is a prose colon. ``::`` before a name is never punctuation.
_TOKEN_START_MARKS = regex.compile(
    rf"(?<![^\s{regex.escape(''.join(sorted(CJK_PUNCT)))}])[,:;?!]+(?=[\x21-\x7e])(?![,:;?!()0-9])"
    r"|::(?=[A-Za-z_])"  # a namespace (std::vector, ::http::geturl) is never punctuation
)


def _glued_identifier_pair(text: str, opener: int, closer: int) -> bool:
    """A half-width pair right after an ASCII word with a letter, holding only ASCII: ``conf(5)``."""
    if text[opener] != "(" or text[closer] != ")" or opener == 0 or text[opener - 1] not in _GLUE:
        return False
    word = _ASCII_TOKEN_END.search(text, 0, opener)
    named = bool(word and (_HAS_LATIN.search(word.group()) or text[opener - 1] == "$"))
    return named and text[opener + 1 : closer].isascii()


def protected_marks(text: str, pairs: list[list[int]] | None = None) -> set[int]:
    """Positions of half-width marks that belong to code, commands or identifiers, not to prose.

    >>> text = "参见 modprobe.conf(5),调用 ::http::geturl 或 len(s)。\\n$ echo 你好,世界"
    >>> sorted(text[i] for i in protected_marks(text))
    ['(', '(', ')', ')', ',', ':', ':', ':', ':']
    """
    protected: set[int] = set()
    for match in _PROTECTED.finditer(text):
        protected.update(range(match.start(), match.end()))
    for match in _TOKEN_START_MARKS.finditer(text):
        protected.update(range(match.start(), match.end()))
    if not _HAS_LATIN.search(text):
        return protected
    for line in _LINE_WITH_LATIN.finditer(text):
        if _HALF_MARKS.search(line.group()) and looks_like_code(line.group()):
            protected.update(m.start() for m in _HALF_MARKS.finditer(text, *line.span()))
    for group in _paren_pairs(text) if pairs is None else pairs:
        if len(group) == 2 and _glued_identifier_pair(text, *group):
            protected.update(m.start() for m in _HALF_MARKS.finditer(text, group[0], group[1] + 1))
    return protected


def _widened_positions(text: str) -> list[int]:
    """Where a half-width mark is in Chinese context and becomes full-width.

    Marks are judged by run: a maximal run of transparent characters
    (spaces, shared punctuation, half-width marks; never a line break) is in
    Chinese context when the character just before or just after it is CJK.
    A bracket pair widens when either bracket's run is in Chinese context (or
    one bracket is already full-width); a widened bracket is CJK itself,
    which puts the rest of its run in context too, so that spreads until
    nothing changes.
    """
    pairs = _paren_pairs(text)
    protected = protected_marks(text, pairs)
    lone = {m.start() for m in _LONE_MARK.finditer(text)} - protected  # a run of one, in context
    run_of: dict[int, int] = {}  # every other mark: the run it is in
    chinese: list[bool] = []  # per run: in Chinese context
    for match in _OTHER_RUN.finditer(text):
        start, end = match.span()
        marks = [start + m.start() for m in _HALF_MARKS.finditer(match.group()) if start + m.start() not in protected]
        if marks:
            run_of.update(dict.fromkeys(marks, len(chinese)))
            chinese.append(start > 0 and is_cjk(text[start - 1]) or end < len(text) and is_cjk(text[end]))
    pending = [group for group in pairs if any(i in run_of for i in group)]
    spreading = True
    while spreading:
        spreading = False
        undecided = []
        for group in pending:
            if any(text[i] in "（）" or i in lone or i in run_of and chinese[run_of[i]] for i in group):
                for i in group:
                    if i in run_of and not chinese[run_of[i]]:
                        chinese[run_of[i]] = spreading = True
            else:
                undecided.append(group)
        pending = undecided
    return sorted(lone.union(i for i, k in run_of.items() if chinese[k]))


def punctuation_width_spans(text: str) -> list[Replacement]:
    """ASCII ``, : ; ? ! ( )`` in Chinese context become ``，：；？！（）``.

    Chinese typesetting uses full-width marks; editors and converters often
    type the ASCII ones, so the same sentence exists in two spellings. A mark
    is in Chinese context when the nearest character on either side (on the
    same line, looking through spaces, curly quotes and other candidate marks)
    is a hanzi or CJK punctuation. Brackets are judged as a pair, so
    ``中心(2020)`` becomes ``中心（2020）``, never half of each. Marks between
    digits or Latin letters (``12:40:28``, ``3,000``, ``A, B``) and inside
    URLs and e-mail addresses stay.

    >>> text = "时间:2024-05-12 12:40:28 ,川渝(2018-2020年) 看http://a.cn/?q=1 SoC, x(y)"
    >>> "".join(after for *_, after in punctuation_width_spans(text))
    '：，（）'
    """
    if not _HALF_MARKS.search(text):
        return []
    return [(i, i + 1, _HALF_TO_FULL[text[i]]) for i in _widened_positions(text)]


# -- 4. spacing -----------------------------------------------------------------------------------

_INNER_SPACE = regex.compile(r"(?<=[^\s])\h+(?=[^\s])")


def _space_goes(before: str, after: str, outer_before: str, outer_after: str, between_hanzi: bool) -> bool:
    """Whether spaces between ``before`` and ``after`` are stray in Chinese typesetting."""
    if before in CJK_PUNCT or after in CJK_PUNCT:
        return True
    if is_han(before) and is_han(after):
        return between_hanzi
    if before in SHARED_PUNCT and after in SHARED_PUNCT:  # ” “ : only when CJK text is around
        return is_cjk(outer_before) or is_cjk(outer_after)
    return (before in SHARED_PUNCT and is_han(after)) or (is_han(before) and after in SHARED_PUNCT)


def cjk_spacing_spans(text: str, between_hanzi: bool = True) -> list[Replacement]:
    """Spaces next to CJK punctuation, and (``between_hanzi``) between hanzi, go.

    Chinese is written without spaces; the ones in scraped text come from
    justified layout, HTML indentation or an editor's habits (``启动仪式  。``),
    and they make two copies of a sentence differ. Spaces between a hanzi and
    a digit or a Latin word (``联动 34个``, ``芯片 SoC``) are a legitimate
    style and stay, as do spaces at the start of a line (indentation). Lines
    that are code or a shell command (:func:`looks_like_code`) keep every
    space: ``$ mv 旧 新`` has two arguments, ``$ mv 旧新`` one.

    >>> cjk_spacing_spans("$ mv 旧 新\\n中文 段落")
    [(11, 12, '')]
    >>> text = "12月22日  ，川渝 携手 “双城记” 。 SoC 芯片 “OK” “好”"
    >>> spans = cjk_spacing_spans(text)
    >>> [text[s:e] for s, e, _ in spans]
    ['  ', ' ', ' ', ' ', ' ', ' ', ' ']
    >>> len(cjk_spacing_spans(text, between_hanzi=False))
    6
    """
    spans: list[Replacement] = []
    for match in _INNER_SPACE.finditer(text):
        start, end = match.start(), match.end()
        outer_before = text[start - 2] if start >= 2 else ""
        outer_after = text[end + 1] if end + 1 < len(text) else ""
        if _space_goes(text[start - 1], text[end], outer_before, outer_after, between_hanzi):
            spans.append((start, end, ""))
    if spans and _HAS_LATIN.search(text):  # a command's arguments are separated by its spaces
        in_code = _CodeLines(text)
        spans = [span for span in spans if not in_code(span[0])]
    return spans


# -- 5. markdown heading markers --------------------------------------------------------------

# Repeated markers (``## ## 标题``, from nested conversions) go as one.
_MARKED_HEADING = regex.compile(r"^((?:#{1,6}\h+)+)([^\n]*?)((?:\h+#+)+)?$", regex.M)
# Converters and hand-typed markdown also glue two or more ``#`` to the heading (``##标题``,
# ``##（一）``; cjk_spacing takes the space out of ``## （一）`` before this runs); one
# ``#`` glued to a word is a hashtag (``#话题#``, ``#旅行``), never a heading.
_GLUED_HEADING = regex.compile(
    r"^(#{2,6})(?=[\p{Han}\u3001-\u303f\uff01-\uff5e“‘0-9])([^#\n]*\p{Han}[^#\n]*)$", regex.M
)


def heading_marker_spans(text: str) -> list[Replacement]:
    """Markdown ATX heading markers (``## 标题``, ``## 标题 ##``) go; the heading line stays.

    Pages converted to markdown on the way into a crawl keep ``#`` in front of
    headings; in plain text they are noise, and the same heading without them
    elsewhere must look the same. Only headings with hanzi are touched (this
    stage leaves ASCII-only text alone), and ``#话题#`` hashtags, which have no
    space after the ``#``, are not headings; nor is a root prompt
    (``# echo "你好" > /etc/motd``, see :func:`looks_like_code`).

    >>> heading_marker_spans("## 进展如何？\\n#话题#\\n# Title\\n### 下一步 ###")
    [(0, 3, ''), (22, 26, ''), (29, 33, '')]
    >>> heading_marker_spans("##进展如何\\n#旅行 #美食")
    [(0, 2, '')]
    """
    spans: list[Replacement] = []
    if "#" not in text:
        return spans
    spans.extend((m.start(1), m.end(1), "") for m in _GLUED_HEADING.finditer(text))
    for match in _MARKED_HEADING.finditer(text):
        if not _HAN.search(match.group(2)) or looks_like_code(match.group()):
            continue  # ``# echo "你好" > /etc/motd`` is a root shell command
        spans.append((match.start(1), match.end(1), ""))
        if match.group(3):
            spans.append((match.start(3), match.end(3), ""))
    return sorted(spans)


# -- 6. paragraphs broken mid-sentence ------------------------------------------------------

_CONTENT_LINE = regex.compile(r"^\h*(\S(?:[^\n]*\S)?)\h*$", regex.M)
#: Marks that show a line is running prose, not a heading or a caption.
_PROSE_MARKS = regex.compile(r"[，。；？！]")
_SENTENCE_END = regex.compile(r"[。！？]")
#: A fragment reads as running prose, not as a heading, with two sentence marks
#: in at least PROSE_MIN_CHARS characters, or one in PROSE_ONE_MARK_CHARS:
#: headlines such as ``综合治理，实行人口与经济协调发展`` have one comma.
#: (Measured in docs/normalize.md: on 19,484 People's Daily lines, where every
#: line break is a real one, 6 are joined; 84% of synthetic breaks are found.)
PROSE_MIN_CHARS = 20
PROSE_ONE_MARK_CHARS = 30
#: The unfinished sentence at the end of a fragment must be at least this long:
#: a line ending ``…邀约。经济`` carries a stuffed keyword, not half a sentence.
MIN_UNFINISHED_CHARS = 3
# (‘’ are left out: ’ doubles as an apostrophe, as in ’９７.)
_BRACKETS = ("“”", "《》", "（）", "【】", "「」", "『』", "〈〉")
_OPENERS = frozenset(pair[0] for pair in _BRACKETS)
_CLOSERS = frozenset(pair[1] for pair in _BRACKETS)
# A line may end a paragraph fragment only with a hanzi, a pause mark or an opener.
_OPEN_END = frozenset("，、") | _OPENERS
# A continuation starts with a hanzi, a digit, a Latin letter, or the punctuation
# that can only follow something (a pause, a closer).
_CONTINUATION_PUNCT = frozenset("，、；：。！？") | (_CLOSERS - {"”"})
_LIST_ITEM = regex.compile(
    r"^(?:[一二三四五六七八九十百]+[、.．]"
    r"|[（(][一二三四五六七八九十百0-9０-９]+[）)]"
    r"|[0-9０-９]{1,3}(?:[、)）]|[.．](?![0-9０-９]))"
    r"|[①-⑳⑴-⒇❶-❿]"
    r"|[●○■□▲△◆◇•▪★☆\-*+]"
    r"|第[一二三四五六七八九十百0-9０-９]+(?:[章节條条部篇]|[，,、：:]))"
)
# A line that opens a news item: a date, or a dateline (``本报北京1月1日讯``,
# ``新华社香港一月六日电``, ``重庆日报讯``).
_ITEM_START = regex.compile(
    r"^(?:[0-9０-９]{1,4}年|[0-9０-９]{1,2}月[0-9０-９]{1,2}日|[0-9０-９]{1,2}日[，,]"
    r"|据?(?:本报|新华社|中新社|人民网|新华网|央视)|\p{Han}{2,10}(?:报|网|台)讯)"
)
_CAPTION = regex.compile(r"(?:记者|記者|通讯员|通訊員|摄影|攝影|(?:摄|攝|制图|製圖|供图|供圖)(?:[/／]\S*)?$)")
# 的 starts no sentence except in 的确 and the loanwords 的士, 的哥.
_PARTICLE_START = regex.compile(r"^(?:的(?![确確士哥姐])|[们們吗嗎呢吧])")


#: In the ASCII words a line starts with: an option, a redirection or pipe,
#: ``;``, ``{``, ``=``, ``$``, ``&&`` — a command with Chinese arguments
#: (``dpkg --get-selections > 列表.txt``), not a sentence going on in English.
_COMMAND_START = regex.compile(r"^[A-Za-z_./~][!-~]*(?:\h+[!-~]+)*?(?:\h--?[A-Za-z]|\h[<>|]|[;{=$]|&&)")


def _starts_as_command(line: str) -> bool:
    """The line begins like a shell command or code, whatever follows.

    >>> _starts_as_command("dpkg --get-selections > 列表.txt"), _starts_as_command("mount 命令来查看。")
    (True, False)
    """
    return bool(_COMMAND_START.match(line))


def _ends_open(line: str) -> bool:
    """The line stops where a sentence cannot end: after a hanzi, a pause mark or an opener."""
    last = line[-1]
    return last in _OPEN_END or is_han(last)


def _starts_as_continuation(line: str) -> bool:
    first = line[0]
    return is_han(first) or first.isascii() and first.isalnum() or first in "０１２３４５６７８９" \
        or first in _CONTINUATION_PUNCT


def _unclosed(line: str) -> bool:
    """An opening bracket or quote is still open at the end of the line."""
    return any(line.count(opener) > line.count(closer) for opener, closer in _BRACKETS)


def _closes_early(line: str) -> bool:
    """The line's first sentence closes a bracket or quote it never opened (``案》，共同…``)."""
    first = _SENTENCE_END.split(line, maxsplit=1)[0]
    for opener, closer in _BRACKETS:
        close_at = first.find(closer)
        if close_at != -1 and not 0 <= first.find(opener) < close_at:
            return True
    return False


def _demonstrably_continues(fragment: str, line: str) -> bool:
    """Evidence that ``line`` is the rest of ``fragment``'s sentence, whatever their shape."""
    return (
        fragment[-1] in _OPENERS
        # A long line ending in a pause mark is no heading; a short one may be a line of verse.
        or fragment[-1] in "，、" and len(fragment) >= PROSE_MIN_CHARS
        or _unclosed(fragment)
        or _closes_early(line)
        or line[0] in _CONTINUATION_PUNCT
        or bool(_PARTICLE_START.match(line))
    )


def _reads_as_prose(fragment: str) -> bool:
    """Long enough, with enough commas and stops, to be running text rather than a heading."""
    if len(fragment) < PROSE_MIN_CHARS:
        return False
    marks = len(_PROSE_MARKS.findall(fragment))
    return marks >= 2 or marks == 1 and len(fragment) >= PROSE_ONE_MARK_CHARS


def _unfinished(line: str) -> str:
    """The sentence the line leaves unfinished: what follows its last ``。！？``."""
    return _SENTENCE_END.split(line)[-1]


def _caption_tail(line: str) -> bool:
    """The line ends with a photo credit or byline (``…情况。记者谢智强摄/视觉重庆``)."""
    tail = _unfinished(line)
    return not _PROSE_MARKS.search(tail) and bool(_CAPTION.search(tail))


#: Sentence-final particles: a sentence of user text (a post, a review) that ends in one is
#: finished, full stop or not.
_FINAL_PARTICLES = frozenset("啦吧呢吗嘛啊呀哦哈呗咯喔噢哇耶")


#: A page's field label (``本文关键词：``, ``标签：``, ``来源：``): the line is a field, its list or value
#: ends with the line, and the paragraph after it is no continuation of it.
_FIELD_LABEL = regex.compile(
    r"^\h*[^\s:：，。]{0,4}(?:关键词|关键字|标签|搜索|热搜|热词|TAGS?|Tags?|来源|作者|编辑|分类|栏目)\h*[:：]"
)


def continues(fragment: str, line: str, across_blank: bool = False) -> bool:
    """Whether ``line`` continues the sentence ``fragment`` (a paragraph so far) broke off.

    The hard case is a heading: it lacks final punctuation too. So a join
    needs, beyond an open end and a continuation-like start, either proof
    (the fragment ends in an opener, or in ``，`` and is too long to be a
    line of verse, or leaves a ``“``/``《`` open; the line closes a bracket
    it never opened, or starts with ``，`` or ``的``), or both sides reading
    as prose: the fragment long enough and with enough commas or stops
    (:func:`_reads_as_prose`), its unfinished sentence at least
    :data:`MIN_UNFINISHED_CHARS` long and not a photo credit; the line with
    sentence punctuation, not starting with a date or a dateline, and a
    fragment that does not end in a sentence-final particle (``感觉一般啦``:
    user text ends sentences that way). With ``across_blank`` (a blank line in
    a text that often leaves paragraphs unpunctuated, :func:`_informal`) the
    prose reading also needs the break to fall inside a word (the characters
    around it form a known in-word pair). List items,
    lines without Chinese and code or command lines (:func:`looks_like_code`)
    never join.

    >>> continues("重庆高新区与西部（成都）科学城互发了首批异地营业执照；推动共建", "重大科技基础设施，共推高校。")
    True
    >>> continues("开放联动", "加快打造内陆开放门户")
    False
    >>> continues("共抓产业协作“一条链”", "【任务书：协同打造现代产业体系】")
    False
    >>> continues("共同争取印发了《科技创新中心总体方", "案》，共同争取…")
    True
    >>> continues("为了更新软件包列表，请在终端中执行下面这条命令，", "sudo apt-get update")
    False
    >>> continues("书的质量挺好的，但是基本上全是连载，没办法，就只看了几个后面的小故事，感觉一般啦", "我觉得这本手册的优点是开本小巧。")
    False
    >>> continues("本文关键词：上海钢结构排名，钢结构官网，沈阳钢结构怎么样", "正文的第一段讲了事情的来龙去脉，内容很长。")
    False
    """
    if not (_ends_open(fragment) and _starts_as_continuation(line)):
        return False
    if _LIST_ITEM.match(fragment) or _LIST_ITEM.match(line) or _FIELD_LABEL.match(fragment):
        return False
    # A line with no Chinese is not the rest of a Chinese sentence, and a command
    # line glued to prose (``执行以下命令，`` / ``sudo apt-get update``) is a different command.
    if not _CHINESE.search(line) or _starts_as_command(line) or looks_like_code(line) or looks_like_code(fragment):
        return False
    if _demonstrably_continues(fragment, line):
        return True
    if fragment[-1] in _FINAL_PARTICLES:
        return False  # 感觉一般啦 / 推荐吧: user text ends its sentences with a particle, not a full stop
    # Across a blank line in a text that often ends paragraphs without a full stop (user
    # posts, reviews), two paragraphs that merely lack one are more often two posts than one
    # paragraph broken in two: the break must also fall inside a word (金融中 / 心主目标).
    if across_blank and not charmodel.bigram_count(fragment[-1] + line[0]):
        return False
    return (
        _reads_as_prose(fragment)
        and len(_unfinished(fragment)) >= MIN_UNFINISHED_CHARS
        and not _caption_tail(fragment)
        and bool(_PROSE_MARKS.search(line))
        and not _ITEM_START.match(line)
    )


#: Share of a text's paragraphs of 40+ characters that end with closing punctuation below
#: which it reads as user text (posts, reviews, answers) rather than edited prose (People's
#: Daily: 0.94 of its lines; pages of user reviews: median 0.71). Headings are shorter.
EDITED_SHARE = 0.85
_CLOSING = "。！？!?…”」』）)】;；:：~～"
#: Judged on paragraphs of 40+ characters when there are INFORMAL_MIN_LINES of them; a page of
#: short reviews (most under 40 characters) is judged on its paragraphs of 15+ instead, so that
#: two short reviews across a blank line are not taken for one paragraph broken in two.
INFORMAL_LONG_CHARS = 40
INFORMAL_SHORT_CHARS = 15
INFORMAL_MIN_LINES = 4


def _informal(lines: Iterable[str]) -> bool:
    """Whether a text leaves many of its paragraphs without closing punctuation (four or more long ones).

    >>> _informal(["这本书的质量挺好的，但是基本上全是连载，没办法，我就只看了后面的几个小故事，感觉一般"] * 4)
    True
    >>> _informal(["会议强调，要压实责任，加强隐患排查，确保人民群众生命财产安全，做好各项工作。"] * 4)
    False
    """
    lines = list(lines)
    for min_chars in (INFORMAL_LONG_CHARS, INFORMAL_SHORT_CHARS):
        judged = [line for line in lines if len(line) >= min_chars]
        if len(judged) >= INFORMAL_MIN_LINES:
            closed = sum(line[-1] in _CLOSING for line in judged)
            return closed < EDITED_SHARE * len(judged)
    return False


# -- hard-wrapped text: the line-length regularity is the evidence --------------------------------

#: A text reads as hard-wrapped when at least this share of its lines (and WRAP_MIN_LINES of
#: them) end within a few columns of one width that (almost) no line exceeds. Paragraphs,
#: headlines and reviews have lengths spread over a wide range; wrapped lines pile up at the margin.
WRAP_MIN_SHARE = 0.4
WRAP_MIN_LINES = 5
#: The narrowest margin taken for a wrap: 16 columns (8 hanzi). Narrower "paragraphs" are lists.
WRAP_MIN_WIDTH = 16
#: The widest: 120 columns (60 hanzi). Wrapping tools cut at 70 to 80 columns, PDF dumps at a
#: page's 30 to 50 hanzi; a page of user reviews whose source cut every long review at about 190
#: characters is not wrapped text.
WRAP_MAX_WIDTH = 120
#: Lines longer than the margin allowed in a wrapped text (long URLs and words are not broken).
WRAP_OVER_SHARE = 0.05


def columns(line: str) -> int:
    """The line's display width: a hanzi or a full-width mark is two columns, ASCII one.

    Counted from the UTF-8 length, at C speed: ASCII takes one byte and one column,
    CJK three bytes and two columns. (Other scripts come out a little wide, which
    the margin's tolerance absorbs.)

    >>> columns("中文ab，")
    8
    """
    return (len(line.encode("utf-8", "surrogatepass")) + len(line)) // 2


def _tolerance(width: int) -> int:
    """How far short of the margin a wrapped line may end: a word moved down whole, a mark pulled up."""
    return max(2, width // 8)


@dataclass(frozen=True)
class Wrap:
    """The margin a hard-wrapped text was cut at, in characters or in columns."""

    width: int
    in_columns: bool

    def measure(self, line: str) -> int:
        return columns(line) if self.in_columns else len(line)

    def at_margin(self, line: str) -> bool:
        """The line ends where the wrapper cut it, not where its author ended a paragraph."""
        return self.width - _tolerance(self.width) <= self.measure(line) <= self.width + 2


def wrap_width(lines: list[str]) -> Wrap | None:
    """The margin of a hard-wrapped text, or ``None`` when its line lengths show none.

    Tools (``fold``, ``fmt``, mail clients, text dumps of PDFs) cut every line of a
    paragraph at one width, counted in characters or in columns; the text then shows
    many lines of nearly one length and none longer. For each measure, the width
    with the most lines at it or one character (two columns) short of it is taken
    (sorted lengths and bisection: n log n in the number of lines), and must gather
    :data:`WRAP_MIN_SHARE` of the lines with at most :data:`WRAP_OVER_SHARE`
    longer. Lines then count as cut at the margin within :func:`_tolerance`
    (a Latin word moved down whole leaves a shorter line).

    >>> para = "阮路说，接下来，全市金融系统将围绕建设西部金融中心主目标，携手四川共同推进成渝共建西部金融中心，" \\
    ...        "加快金融改革创新，提升金融服务实体经济质效，为成渝地区双城经济圈建设提供有力的金融支撑。"
    >>> wrap_width([para[i : i + 16] for i in range(0, len(para), 16)])
    Wrap(width=16, in_columns=False)
    >>> wrap_width(["第一条评论，很好。", "第二条评论写得比较长一些，物流很快，包装也好。", "一般。", "还行吧，凑合用，价格偏贵了一点点。"] * 2) is None
    True
    """
    n = len(lines)
    if n < WRAP_MIN_LINES:
        return None
    char_sizes = [len(line) for line in lines]
    # Fast path: a text with many lines wider than any margin (paragraphs) is not wrapped.
    if sum(size > WRAP_MAX_WIDTH for size in char_sizes) > WRAP_OVER_SHARE * n:
        return None
    for in_columns in (False, True):  # characters first: columns cost a pass over every line
        sizes = [columns(line) for line in lines] if in_columns else char_sizes
        found = _margin(sizes, lines, in_columns)
        if found:
            return found
    return None


def _margin(sizes: list[int], lines: list[str], in_columns: bool) -> Wrap | None:
    """The width most lines end at (a tight window, few longer), if their ends look cut."""
    n = len(sizes)
    # Counted in a tight window: a wrapper fills lines to the character (one column less
    # where a hanzi does not fit), so chance, not a wrap, spreads lengths wider.
    slack = 2 if in_columns else 1
    scale = 1 if in_columns else 2
    ordered = sorted(sizes)
    candidates = []
    for width in set(sizes):
        if not WRAP_MIN_WIDTH <= width * scale <= WRAP_MAX_WIDTH:
            continue
        top = bisect.bisect_right(ordered, width + 1)
        near = top - bisect.bisect_left(ordered, width - slack)
        if near >= max(WRAP_MIN_LINES, WRAP_MIN_SHARE * n) and n - top <= WRAP_OVER_SHARE * n:
            candidates.append((-near, width))
    for _, width in sorted(candidates):
        cut = [i for i, size in enumerate(sizes) if width - slack <= size <= width + 1]
        if _mostly_cut(cut, lines):
            return Wrap(width, in_columns)
    return None


#: A wrapper cuts where the margin falls, so few of the lines it cut end a sentence (about one
#: in fifteen), and many breaks fall inside a word (``职`` / ``工``: about two in five); lines of
#: one length by chance (short user reviews) mostly end a sentence, and the next review starts a
#: new word (2.5% of People's Daily line breaks fall between two characters of a word).
WRAP_MAX_CLOSED_SHARE = 1 / 3
WRAP_MIN_IN_WORD_SHARE = 0.2


def _mostly_cut(indices: list[int], lines: list[str]) -> bool:
    """Whether the lines at ``indices`` look cut by a wrapper: rarely closed, often inside a word."""
    closed = sum(lines[i][-1] in _CLOSING or lines[i][-1] in ".．" for i in indices)
    if closed > WRAP_MAX_CLOSED_SHARE * len(indices):
        return False
    breaks = [lines[i][-1] + lines[i + 1][0] for i in indices if i + 1 < len(lines)]
    in_word = sum(charmodel.bigram_count(pair) > 0 for pair in breaks)
    return in_word >= WRAP_MIN_IN_WORD_SHARE * len(breaks)


def _wrapped_continues(previous: str, paragraph: str, line: str, gap: str, wrap: Wrap, marks_paragraphs: bool) -> bool:
    """Whether ``line`` goes on the paragraph a hard wrap cut at ``previous`` (its last line).

    The cut line must end at the margin. A wrapper cuts anywhere (before ``”。``,
    inside ``１９９７``, after ``——``), so the shapes :func:`continues` asks for
    do not apply; what still tells a new block is a list item, code or a line
    start after a finished sentence. After anything but a closing mark
    (:data:`_CLOSING`) the line continues; after a closing mark only when
    nothing else marks a new paragraph: no blank line, no indentation, in a
    text that uses one or the other (``marks_paragraphs``).

    >>> wrap = Wrap(20, False)
    >>> _wrapped_continues("区、日喀则地区、山南地区、昌都地区扩大到４０", "…扩大到４０", "个县，是最重的一次。", "\\n", wrap, True)
    True
    >>> _wrapped_continues("区、日喀则地区、山南地区、昌都地区的一次。", "…的一次。", "新的一年，", "\\n\\n", wrap, True)
    False
    """
    if not wrap.at_margin(previous):
        return False
    if _LIST_ITEM.match(line) or _starts_as_command(line) or looks_like_code(line) or looks_like_code(previous):
        return False
    if not _CHINESE.search(line) and not _CHINESE.search(previous):
        return False
    if paragraph[-1] not in _CLOSING and paragraph[-1] not in ".．":  # ``…口干舌燥.....``: a full stop
        return True
    return marks_paragraphs and gap == "\n"


_JOIN_SPACE = regex.compile(r"[A-Za-z0-9]")


def broken_paragraph_spans(text: str) -> list[Replacement]:
    """Join lines that continue a sentence the line before broke off (across blank lines).

    Layout converters break paragraphs at column or page ends, sometimes in
    the middle of a word (``西部金融中`` / ``心主目标``), and the break then
    reads as a paragraph end. The break and any blank lines and indentation
    around it are removed (Chinese needs no space there). Each line is judged
    against the paragraph built so far (:func:`continues`), so a second run
    sees exactly what the first decided on and joins nothing more.

    >>> text = "阮路说，接下来，全市金融系统将围绕建设西部金融中\\n\\n心主目标，携手四川。\\n\\n开放联动\\n加快打造内陆开放门户"
    >>> [(text[s:e], after) for s, e, after in broken_paragraph_spans(text)]
    [('\\n\\n', '')]
    """
    spans: list[Replacement] = []
    paragraph = previous = ""
    previous_end = 0
    lines = list(_CONTENT_LINE.finditer(text))
    contents = [m.group(1) for m in lines]
    informal = _informal(contents)
    wrap = wrap_width(contents) if len(contents) >= WRAP_MIN_LINES else None
    # Whether the text shows its paragraph starts otherwise than by a short line.
    marks_paragraphs = wrap is not None and ("\n\n" in text or any(m.start(1) > m.start() for m in lines))
    for match in lines:
        line = match.group(1)
        gap = text[previous_end : match.start(1)]
        across_blank = informal and gap.count("\n") > 1
        if paragraph and wrap and _wrapped_continues(previous, paragraph, line, gap, wrap, marks_paragraphs):
            # A wrapper breaks Latin text at a space and drops it: put it back between two words.
            glue = " " if _JOIN_SPACE.match(paragraph[-1]) and _JOIN_SPACE.match(line[0]) else ""
            spans.append((previous_end, match.start(1), glue))
            paragraph += glue + line
        elif paragraph and continues(paragraph, line, across_blank):
            spans.append((previous_end, match.start(1), ""))
            paragraph += line
        else:
            paragraph = line
        previous = line
        previous_end = match.end(1)
    return spans


# -- the stage --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Normalize:
    """Bring Chinese text to one form: script, no pinyin artifacts, punctuation, paragraphs.

    ``script``                 "simplified" (default), "traditional", or "keep" (no conversion).
    ``opencc_config``          OpenCC configuration; "" picks ``t2s`` for "simplified" and
                               ``s2t`` for "traditional"; ``tw2s``/``hk2s`` (``s2tw``/``s2hk``)
                               also convert Taiwan/Hong Kong vocabulary and variants.
    ``remove_pinyin``          remove ``(pīnyīn)`` annotations after characters.
    ``punctuation``            half-width ``, : ; ? ! ( )`` in Chinese context → full-width,
                               and spaces next to CJK punctuation removed.
    ``remove_hanzi_spaces``    remove spaces between two hanzi (with ``punctuation``).
    ``strip_heading_markers``  remove markdown ``#`` heading markers.
    ``strip_markup``           remove other markdown residue (emphasis, quotes, links, rules,
                               images, code backticks around prose, table delimiters;
                               :mod:`pipeline.markup`), never in code.
    ``join_paragraphs``        join paragraphs broken mid-sentence.
    """

    name: ClassVar[str] = "normalize"

    script: Literal["simplified", "traditional", "keep"] = "simplified"
    opencc_config: Literal["", "t2s", "tw2s", "hk2s", "s2t", "s2tw", "s2hk"] = ""
    remove_pinyin: bool = True
    punctuation: bool = True
    remove_hanzi_spaces: bool = True
    strip_heading_markers: bool = True
    strip_markup: bool = True
    join_paragraphs: bool = True

    def __post_init__(self) -> None:
        wanted = {"simplified": TO_SIMPLIFIED, "traditional": TO_TRADITIONAL, "keep": ("",)}[self.script]
        if self.opencc_config and self.opencc_config not in wanted:
            raise ValueError(
                f"opencc_config {self.opencc_config!r} does not produce script {self.script!r}; "
                f"use one of {', '.join(c for c in wanted if c) or 'none (script = keep)'}"
            )

    @property
    def conversion(self) -> str:
        """The OpenCC configuration in force ("" when the script is kept)."""
        default = {"simplified": "t2s", "traditional": "s2t", "keep": ""}[self.script]
        return self.opencc_config or default

    def apply(self, doc: Document) -> Document:
        if self.strip_markup:
            # Before everything: ``**地區(qū)**`` and ``[經濟](url)`` are judged without their markers.
            # Removing a pair can expose another (``**a *b* c**``): to a fixed point.
            for _ in range(_MAX_JOIN_ROUNDS):
                if not doc.replace(markup_spans(doc.text), self.name):
                    break
        if self.remove_pinyin:
            doc.replace(pinyin_annotation_spans(doc.text), self.name)
        if self.conversion and doc.replace(
            script_spans(doc.text, self.conversion), self.name, f"opencc_{self.conversion}"
        ):
            doc.meta["script_converted"] = self.conversion
        return apply_layout(doc, self.name, self)


class LayoutOptions(Protocol):
    """The options of the fixers :func:`apply_layout` runs (Normalize's and Tidy's fields)."""

    punctuation: bool
    remove_hanzi_spaces: bool
    strip_heading_markers: bool
    join_paragraphs: bool


def apply_layout(doc: Document, stage: str, options: LayoutOptions) -> Document:
    """Punctuation width, spacing, heading markers, paragraph joining: steps 3 to 6.

    These are the fixers whose work a later removal can undo (an ad removed
    from mid-sentence leaves a space next to ``。``), so the tidy stage runs
    them again after the removing stages, under its own name.
    """
    if options.punctuation:
        doc.replace(punctuation_width_spans(doc.text), stage, "punctuation_width")
        doc.replace(cjk_spacing_spans(doc.text, options.remove_hanzi_spaces), stage, "cjk_spacing")
    if options.strip_heading_markers:
        doc.replace(heading_marker_spans(doc.text), stage, "heading_marker")
    if options.join_paragraphs:
        # Joining can change what the text looks like as a whole (a text that left many
        # paragraphs unpunctuated may not any more), so join to a fixed point: a second
        # run of the stage then finds nothing to join.
        for _ in range(_MAX_JOIN_ROUNDS):
            if not doc.replace(broken_paragraph_spans(doc.text), stage, "broken_paragraph"):
                break
    return doc


_MAX_JOIN_ROUNDS = 5
