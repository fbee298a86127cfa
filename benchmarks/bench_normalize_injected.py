"""Injected damage the normalize stage must undo: markdown residue, pinyin annotations, broken lines.

Usage::

    python -m benchmarks.bench_normalize_injected            # 400 documents per source and half
    python -m benchmarks.bench_normalize_injected --quick    # 40 (the test suite runs this)

Clean documents (People's Daily articles, pages of user reviews; see
:mod:`benchmarks.sources`) are damaged one item at a time, each kind in its
general shape (never copied from ``seeds/``), and put through the stage
(``Normalize(script="keep")``). An item is *left* when the damaged document's
output differs from the clean document's output (so an item removed together
with real text counts as left too). Broken lines count per injected break:
a hard-wrapped document contributes one item per line break the wrap added,
left when the output has more lines than the clean output.

Kinds: ``markdown:<shape>`` (heading, emphasis ``**`` ``__`` ``*`` ``~~``,
blockquote, link, image, horizontal rule, code backticks, table);
``pinyin:<style>`` (a word's reading after it in ``()``, ``（）``, ``[]``,
``【】``, tone marks, tone numbers, toneless); ``broken:wrap`` (every
paragraph cut at one width in characters, 14 to 40), ``broken:wrap-cols``
(in columns, 40 to 80), ``broken:wrap-blank`` (wrapped pieces separated by
blank lines), ``broken:blank`` (one paragraph split across a blank line in
mid-sentence). Figures: share of items left, per source, half and kind.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable

import regex

from benchmarks import sources
from pipeline.document import Document
from pipeline.normalize import Normalize

STAGE = Normalize(script="keep")


def columns(text: str) -> int:
    """Display width, a CJK character two columns (the benchmark's own: it also runs older stages)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
_HANZI_WORD = regex.compile(r"\p{Han}{2,4}")


TIMING = {"seconds": 0.0, "bytes": 0, "docs": 0}


def run(text: str) -> str:
    start = time.perf_counter()
    out = STAGE.apply(Document("d", text)).text
    TIMING["seconds"] += time.perf_counter() - start
    TIMING["bytes"] += len(text.encode("utf-8"))
    TIMING["docs"] += 1
    return out


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


def _span(rng: random.Random, para: str) -> tuple[int, int] | None:
    """A run of 2 to 6 hanzi inside the paragraph (what an editor would bold or link)."""
    runs = [m.span() for m in regex.finditer(r"\p{Han}{2,}", para)]
    if not runs:
        return None
    s, e = rng.choice(runs)
    start = rng.randrange(s, max(s + 1, e - 1))
    end = min(e, start + rng.randint(2, 6))
    return (start, end) if end - start >= 2 else None


def _wrap_around(left: str, right: str) -> Callable[[random.Random, str], str | None]:
    def inject(rng: random.Random, text: str) -> str | None:
        paras = paragraphs(text)
        k = rng.randrange(len(paras))
        span = _span(rng, paras[k])
        if span is None:
            return None
        p = paras[k]
        paras[k] = p[: span[0]] + left + p[span[0] : span[1]] + right + p[span[1] :]
        return "\n\n".join(paras)
    return inject


def _link(rng: random.Random, text: str) -> str | None:
    url = rng.choice(["https://www.example.com/news/2024/0512.html", "http://bbs.example.cn/thread-123-1-1.html",
                      "/wiki/%E4%B8%AD%E6%96%87", "https://example.org/a_b_c?id=5&x=y"])
    return _wrap_around("[", f"]({url})")(rng, text)


def _line_start(marker: str, short_only: bool = False) -> Callable[[random.Random, str], str | None]:
    def inject(rng: random.Random, text: str) -> str | None:
        paras = paragraphs(text)
        choices = [i for i, p in enumerate(paras) if not short_only or len(p) <= 30]
        if not choices:
            return None
        k = rng.choice(choices)
        paras[k] = marker + paras[k]
        return "\n\n".join(paras)
    return inject


def _between(line: Callable[[random.Random], str]) -> Callable[[random.Random, str], str | None]:
    def inject(rng: random.Random, text: str) -> str | None:
        paras = paragraphs(text)
        if len(paras) < 2:
            return None
        k = rng.randrange(1, len(paras))
        paras.insert(k, line(rng))
        return "\n\n".join(paras)
    return inject


MARKDOWN: dict[str, Callable[[random.Random, str], str | None]] = {
    "heading": _line_start("## ", short_only=True),
    "heading-glued": _line_start("##", short_only=True),
    "bold": _wrap_around("**", "**"),
    "bold-underscore": _wrap_around("__", "__"),
    "italic": _wrap_around("*", "*"),
    "strike": _wrap_around("~~", "~~"),
    "blockquote": _line_start("> "),
    "link": _link,
    "image": _between(lambda rng: f"![{rng.choice(['', '图片', 'image'])}](https://img.example.com/{rng.randint(1, 999)}.jpg)"),
    "rule": _between(lambda rng: rng.choice(["---", "***", "___", "* * *", "———", "- - -"])),
    "code": _wrap_around("`", "`"),
}


def _reading(word: str, style: str) -> str:
    from pypinyin import Style, lazy_pinyin

    if style == "numbers":
        return " ".join(lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True))
    if style == "toneless":
        return "".join(lazy_pinyin(word, style=Style.NORMAL))
    marked = lazy_pinyin(word, style=Style.TONE)
    return "".join(marked) if style == "joined" else " ".join(marked)


PINYIN_STYLES = {"()": ("(", ")", "marks"), "（）": ("（", "）", "marks"), "[]": ("[", "]", "toneless"),
                 "【】": ("【", "】", "marks"), "numbers": ("(", ")", "numbers"), "joined": ("（", "）", "joined")}


def _pinyin(style: str) -> Callable[[random.Random, str], str | None]:
    opener, closer, form = PINYIN_STYLES[style]

    def inject(rng: random.Random, text: str) -> str | None:
        words = list(_HANZI_WORD.finditer(text))
        if not words:
            return None
        m = rng.choice(words)
        return text[: m.end()] + opener + _reading(m.group(), form) + closer + text[m.end() :]
    return inject


def hard_wrap(text: str, width: int, in_columns: bool, blank: bool) -> tuple[str, int]:
    """Every paragraph cut at ``width`` (characters or columns); the breaks added."""
    out, added = [], 0
    for para in paragraphs(text):
        pieces, line, size = [], "", 0
        for char in para:
            w = columns(char) if in_columns else 1
            if size + w > width:
                pieces.append(line)
                line, size = "", 0
            line += char
            size += w
        pieces.append(line)
        added += len(pieces) - 1
        out.append(("\n\n" if blank else "\n").join(pieces))
    return "\n\n".join(out), added


def _blank_split(rng: random.Random, text: str) -> str | None:
    paras = paragraphs(text)
    choices = [i for i, p in enumerate(paras) if len(p) >= 40]
    if not choices:
        return None
    k = rng.choice(choices)
    p = paras[k]
    cuts = [i for i in range(10, len(p) - 5) if regex.match(r"\p{Han}", p[i - 1]) and regex.match(r"\p{Han}", p[i])]
    if not cuts:
        return None
    cut = rng.choice(cuts)
    paras[k] = p[:cut] + "\n\n" + p[cut:]
    return "\n\n".join(paras)


SHOW = ""  # a kind prefix: print the items left of those kinds (--show)


def _show(kind: str, clean: str, out: str) -> None:
    import difflib

    matcher = difflib.SequenceMatcher(None, clean, out, autojunk=False)
    for op, a, b, c, d in matcher.get_opcodes():
        if op != "equal":
            print(f"  {kind}: {clean[max(0, a - 25):b + 10]!r} -> {out[max(0, c - 25):d + 10]!r}")
            break


def _content_lines(text: str) -> int:
    return sum(1 for line in text.split("\n") if line.strip())


def measure(docs: list[tuple[str, str]], seed: int = 7) -> dict[str, tuple[int, int]]:
    """``{kind: (left, injected)}`` over ``docs``."""
    rng = random.Random(seed)
    figures: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    kinds: dict[str, Callable[[random.Random, str], str | None]] = {f"markdown:{k}": f for k, f in MARKDOWN.items()}
    kinds.update({f"pinyin:{k}": _pinyin(k) for k in PINYIN_STYLES})
    kinds["broken:blank"] = _blank_split
    for _, text in docs:
        clean = run(text)
        for kind, inject in kinds.items():
            damaged = inject(rng, text)
            if damaged is None or damaged == text:
                continue
            figures[kind][1] += 1
            out = run(damaged)
            figures[kind][0] += out != clean
            if out != clean and SHOW and kind.startswith(SHOW):
                _show(kind, clean, out)
        for kind, in_columns, blank in (("broken:wrap", False, False), ("broken:wrap-cols", True, False),
                                        ("broken:wrap-blank", False, True)):
            width = rng.randint(40, 80) if in_columns else rng.randint(14, 40)
            damaged, added = hard_wrap(text, width, in_columns, blank)
            if not added:
                continue
            out = run(damaged)
            figures[kind][1] += added
            left = min(added, max(0, _content_lines(out) - _content_lines(clean)))
            figures[kind][0] += left
            if left and SHOW and kind.startswith(SHOW):
                clean_lines = {line for line in clean.split("\n") if line}
                extra = [line for line in out.split("\n") if line and line not in clean_lines]
                print(f"  {kind} (width {width}): " + " | ".join(repr(line[-45:]) for line in extra[:3]))
    return {k: (v[0], v[1]) for k, v in figures.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="40 documents per source and half")
    parser.add_argument("--docs", type=int, help="documents per source and half [default 400, 40 with --quick]")
    parser.add_argument("--show", default="", help="print the items left of kinds starting with this")
    args = parser.parse_args(argv)
    global SHOW
    SHOW = args.show
    n = args.docs or (40 if args.quick else 400)
    table: dict[str, dict[str, tuple[int, int]]] = {}
    for name, loader in (("news", sources.news_documents), ("reviews", sources.review_documents)):
        try:
            docs = loader()
        except sources.SourceMissing as exc:
            print(f"{name}: skipped ({exc})")
            continue
        for half in ("dev", "test"):
            picked = [d for d in docs if sources.half_of(d[0]) == half][:n]
            table[f"{name} {half}"] = measure(picked)
    kinds = sorted({k for t in table.values() for k in t})
    print("share of injected items left after the normalize stage (left / injected)\n")
    print(f"| kind | {' | '.join(table)} |")
    print("|---|" + "---|" * len(table))
    for kind in kinds:
        cells = [f"{t[kind][0] / t[kind][1]:.1%} ({t[kind][0]}/{t[kind][1]})" if t.get(kind, (0, 0))[1] else "–"
                 for t in table.values()]
        print(f"| {kind} | {' | '.join(cells)} |")
    for group in ("markdown", "pinyin", "broken"):
        cells = []
        for t in table.values():
            left = sum(v[0] for k, v in t.items() if k.startswith(group))
            made = sum(v[1] for k, v in t.items() if k.startswith(group))
            cells.append(f"{left / made:.1%}" if made else "–")
        print(f"| **{group} (all)** | {' | '.join(cells)} |")
    seconds = TIMING["seconds"] or 1e-9
    print(f"\nstage on the damaged and clean documents: {TIMING['bytes'] / 1e6 / seconds:.1f} MB/s "
          f"({TIMING['docs'] / seconds:.0f} docs/s, {TIMING['docs']} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
