"""Synthetic keyword stuffing of the shapes :mod:`pipeline.stuffing` removes, on clean news.

Not a benchmark (the shared noise benchmark measures the pipeline): a check,
run by ``tests/test_stuffing.py``, that each shape built here from its general
description is mostly removed and that the clean text around it stays.

    PYTHONPATH=. python -m tests.stuffing_synth       # prints the figures

Each case takes a People's Daily article (``benchmarks.sources.news_documents``:
headline, blank line, paragraphs) and stuffs it with one shape, its keywords
built from the headline (a head of 2–4 hanzi plus the words SEO pages add:
公司, 电话, 哪家好 …), with a random separator (none, space, ，, 、, |, /):

``keyword_run``     a line of 4–8 keywords, as a paragraph of its own or after a paragraph's last sentence
``keyword_label``   ``关键词：`` (or 标签, Tags …) and 3–6 keywords, at the head or the tail
``hidden_text``     a paragraph of 10–16 keywords glued together, at the head (after the headline) or the tail
``title_fragment``  3–6 pieces of 2–4 hanzi of the headline, inserted between two hanzi of the body

Figures: *left*, the share of the inserted characters still in the output;
*lost*, the share of the article's own characters missing from it (difflib
alignment of the article and the output).
"""

from __future__ import annotations

import difflib
import random
from collections.abc import Callable

import regex

from pipeline.document import Document
from pipeline.stuffing import FUNCTION_CHARS, KeywordStuffing

SUFFIXES = ("公司", "电话", "哪家好", "多少钱", "价格", "排名", "官网", "报价", "推荐", "大全", "招聘",
            "地址", "网站", "服务", "平台", "培训", "加盟", "厂家", "图片", "视频")
PREFIXES = ("北京", "上海", "深圳", "广州", "成都", "重庆", "杭州", "最新", "专业", "正规")
SEPARATORS = ("", " ", "，", "、", "|", "/")
LABELS = ("关键词：", "标签：", "热门搜索：", "相关搜索：", "Tags: ", "关键字：")
SHAPES = ("keyword_run", "keyword_label", "hidden_text", "title_fragment")
_HAN_RUN = regex.compile(r"\p{Han}{2,}")


def heads(title: str) -> list[str]:
    """Pieces of 2–4 hanzi of the headline that keywords are built on."""
    runs = _HAN_RUN.findall(title)
    pieces = [run[i : i + n] for run in runs for n in (2, 3, 4) for i in range(len(run) - n + 1)]
    # SEO keywords are noun phrases: a head with a particle or a pronoun (证书的, 影响我) is no keyword
    return [p for p in pieces if not FUNCTION_CHARS.intersection(p)]


def keywords(rng: random.Random, head: str, n: int) -> list[str]:
    """``n`` distinct keywords on one head: 北京搬家, 搬家公司, 北京搬家电话 …"""
    out: list[str] = []
    while len(out) < n:
        kw = rng.choice(("", rng.choice(PREFIXES))) + head + rng.choice(("", rng.choice(SUFFIXES)))
        if kw not in out and kw != head or (kw == head and not out):
            out.append(kw)
    return out


def stuff(text: str, shape: str, rng: random.Random) -> str | None:
    """``text`` (headline, blank line, paragraphs) stuffed with ``shape``; None when the article cannot take it."""
    title, _, body = text.partition("\n\n")
    paras = body.split("\n\n")
    hs = heads(title)
    if not hs or len(paras) < 2:
        return None
    if shape == "keyword_run":
        run = rng.choice(SEPARATORS).join(keywords(rng, rng.choice(hs), rng.randint(4, 8)))
        k = rng.randrange(len(paras))
        if rng.random() < 0.5:
            paras.insert(k, run)
        else:
            paras[k] = paras[k] + run
    elif shape == "keyword_label":
        line = rng.choice(LABELS) + rng.choice(SEPARATORS[2:]).join(keywords(rng, rng.choice(hs), rng.randint(3, 6)))
        paras.insert(0 if rng.random() < 0.5 else len(paras), line)
    elif shape == "hidden_text":
        head = rng.choice([h for h in hs if len(h) >= 2])
        soup = "".join(keywords(rng, head, rng.randint(10, 16)))
        paras.insert(0 if rng.random() < 0.5 else len(paras), soup)
    elif shape == "title_fragment":
        joined = "\n\n".join(paras)
        points = [m.start() for m in regex.finditer(r"(?<=\p{Han})(?=\p{Han})", joined)]
        for p in sorted(rng.sample(points, min(rng.randint(3, 6), len(points))), reverse=True):
            joined = joined[:p] + rng.choice(hs) + joined[p:]
        return f"{title}\n\n{joined}"
    else:
        raise ValueError(shape)
    return f"{title}\n\n" + "\n\n".join(paras)


def kept_of(original: str, output: str) -> int:
    """Characters of ``original`` found, in order, in ``output``."""
    matcher = difflib.SequenceMatcher(None, original, output, autojunk=False)
    return sum(b.size for b in matcher.get_matching_blocks())


def measure(articles: list[tuple[str, str]], shape: str, seed: int = 0,
            stage: Callable[[Document], Document] | None = None) -> dict[str, float]:
    """``{"cases", "inserted", "left", "lost"}`` for one shape over ``articles`` (left/lost as shares)."""
    rng = random.Random(seed)
    apply = stage or KeywordStuffing().apply
    cases = inserted = left = own = lost = 0
    for doc_id, text in articles:
        stuffed = stuff(text, shape, rng)
        if stuffed is None:
            continue
        out = apply(Document(doc_id, stuffed)).text
        kept = kept_of(text, out)
        cases += 1
        inserted += len(stuffed) - len(text)
        left += len(out) - kept
        own += len(text)
        lost += len(text) - kept
    return {"cases": cases, "inserted": inserted, "left": round(left / max(inserted, 1), 4),
            "lost": round(lost / max(own, 1), 6)}


def articles(n: int) -> list[tuple[str, str]]:
    """``n`` People's Daily articles of at least three paragraphs (the benchmark's news source)."""
    from benchmarks.sources import news_documents

    return [d for d in news_documents() if d[1].count("\n\n") >= 3][:n]


if __name__ == "__main__":
    docs = articles(1000)
    for shape in SHAPES:
        print(shape, measure(docs, shape))
