"""Recurring templates anywhere in a document: what the boilerplate stage finds, what it costs.

    python -m benchmarks.bench_boilerplate            # all three measurements
    python -m benchmarks.bench_boilerplate --quick    # small sizes (the test suite runs it)

**synthetic**: :func:`multisite_corpus` builds pages of several made-up sites over
reshuffled People's Daily sentences, with site templates at the head, in the
middle and at the tail as lines of their own, and glued *inline* to real
paragraphs (a disclaimer sentence appended to the last paragraph, a source tag
before the first, a disclaimer sentence in the middle of a paragraph), each
template shared by a group of sites as a CMS would; plus real text that must
stay: a featured sentence recurring within one site, ``谢谢大家。`` glued to
paragraphs on every site, a slogan quoted mid-text. The boilerplate stage runs
alone, once with the edge rule only (``anywhere=False, spans=False``: the stage
before this change) and once with the defaults. Counted in characters: template
text left, real text removed.

**real text, worst case**: every source of :mod:`benchmarks.sources` through
whitespace + boilerplate with *each document its own site* (a flat folder of
files: the weakest site evidence, every recurring featured line is "on several
sites"). Characters removed per rule; the new rules' removals are listed.

**cost**: observe, merge and apply on the synthetic corpus and on one four
times larger; per-document state size (bytes of hashes and texts).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from benchmarks import sources
from benchmarks.corpora import clean_news
from pipeline.boilerplate import Boilerplate, Observed, Summary
from pipeline.document import Document
from pipeline.whitespace import Whitespace

import regex

_SENTENCE = regex.compile(r"[^。！？]+[。！？]”?")
PLACES = "江海山河湖城州阳安宁平川岭湾港原"

#: Templates shared by groups of sites (a CMS, a content network), with where they go.
SHARED_MID_LINE = "扫一扫，关注我们的微信公众号"  # a line of its own in the middle
SHARED_TAIL_SPAN = "本文来源于网络，如有侵权请联系删除。"  # glued to the end of the last paragraph
SHARED_HEAD_SPAN = "来源：网络整理"  # glued before the first paragraph, with "｜"
SHARED_MID_SPAN = "声明：本文仅代表作者本人观点，不代表本站立场。"  # between two sentences of a paragraph
SHARED_TAIL_LINE = "技术支持：某某网络科技有限公司"  # a tail line of its own
#: Real text that recurs and must stay.
ONE_SITE_SENTENCE = "市民如有疑问，可拨打服务热线：0571-88886666。"  # featured, one site, mid paragraph
THANKS = "谢谢大家。"  # a normal sentence glued to paragraphs on every site
SLOGAN = "绿水青山就是金山银山"  # quoted on a line of its own, several sites


@dataclass
class Page:
    """A generated page: its document, the real text it holds and the template pieces put in it."""

    doc: Document
    real: list[str] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)


def _sentence_pool() -> list[str]:
    return [s for p in clean_news() for s in _SENTENCE.findall(p) if 10 <= len(s) <= 80]


def multisite_corpus(sites: int = 12, pages: int = 12, seed: int = 0) -> list[Page]:
    """``sites`` × ``pages`` pages with site templates at head, middle, tail and inline (see the module doc).

    Every template is shared by a third of the sites at least (so by ``min_docs``
    documents of several sites); site 0 also prints :data:`ONE_SITE_SENTENCE`
    in half its pages.
    """
    rng = random.Random(seed)
    pool = _sentence_pool()
    out: list[Page] = []
    for k in range(sites):
        name = rng.choice(PLACES) + rng.choice(PLACES) + rng.choice(["在线", "新闻网", "资讯"])
        nav = " | ".join(["首页", *rng.sample(["新闻", "国内", "国际", "财经", "体育", "科技", "教育", "健康"], 4)])
        footer = [f"Copyright © 2024 {name} 版权所有", f"联系电话：0{k + 10}-{6000000 + k * 1111}"]
        for j in range(pages):
            page = Page(Document(f"s{k:02d}-{j:03d}", "", source=f"site{k:02d}/{j}.txt"))
            sentences = [[rng.choice(pool) for _ in range(rng.randint(2, 4))] for _ in range(rng.randint(5, 9))]
            paras = ["".join(s) for s in sentences]
            page.templates.extend([nav, *footer])
            lines = list(paras)
            if k % 3 == 0:  # a template sentence in the middle of a paragraph, between two of its sentences
                first, rest = "".join(sentences[1][:1]), "".join(sentences[1][1:])
                lines[1] = f"{first}{SHARED_MID_SPAN}{rest}"
                page.templates.append(SHARED_MID_SPAN)
                page.real.extend([first, rest])
                paras = paras[:1] + paras[2:]
            page.real.extend(paras)
            if k % 3 == 1:  # a source tag glued before the first paragraph
                lines[0] = f"{SHARED_HEAD_SPAN}｜{lines[0]}"
                page.templates.append(SHARED_HEAD_SPAN)
            if k % 2 == 0:  # a disclaimer glued to the last paragraph
                lines[-1] = lines[-1] + SHARED_TAIL_SPAN
                page.templates.append(SHARED_TAIL_SPAN)
            if k % 4 == 1 and j % 2 == 0:  # a normal sentence glued to a paragraph: text
                lines[2] = lines[2] + THANKS
                page.real.append(THANKS)
            if k % 3 == 2 and j % 3 == 0:  # a slogan quoted on a line of its own: text
                lines.insert(3, SLOGAN)
                page.real.append(SLOGAN)
            if k == 0 and j % 2 == 0:  # a featured sentence one site prints in many articles: text
                lines[2] = lines[2] + ONE_SITE_SENTENCE
                page.real.append(ONE_SITE_SENTENCE)
            if k % 2 == 1:  # a follow-us line of its own in the middle
                lines.insert(len(lines) // 2, SHARED_MID_LINE)
                page.templates.append(SHARED_MID_LINE)
            tail = list(footer)
            if k % 3 != 1:
                tail.insert(0, SHARED_TAIL_LINE)
                page.templates.append(SHARED_TAIL_LINE)
            page.doc.text = "\n\n".join([nav, rng.choice(pool)[:18], *lines, *tail])
            page.real.append(page.doc.text.split("\n\n")[1])  # the headline
            out.append(page)
    for seq, page in enumerate(out):
        page.doc.seq = seq
    return out


def run_stage(stage: Boilerplate, docs: list[Document]) -> tuple[Summary, list[Document]]:
    """Observe, merge and apply over fresh copies of ``docs``."""
    summary = stage.merge(stage.observe(d) for d in docs)
    return summary, [stage.apply(Document(d.id, d.text, d.source, d.seq), summary) for d in docs]


def score(pages: list[Page], outputs: list[Document]) -> dict[str, int]:
    """Characters of template text left and of real text removed (a real piece counts when it is not in the output)."""
    real = real_removed = template = template_left = 0
    for page, out in zip(pages, outputs):
        for piece in page.real:
            assert piece in page.doc.text, piece
            real += len(piece)
            real_removed += 0 if piece in out.text else len(piece)
        for piece in page.templates:
            template += len(piece)
            template_left += len(piece) if piece in out.text else 0
    return {"real": real, "real_removed": real_removed, "template": template, "template_left": template_left}


def synthetic(sites: int, pages: int) -> None:
    corpus = multisite_corpus(sites, pages)
    docs = [p.doc for p in corpus]
    print(f"== synthetic: {len(docs)} pages of {sites} sites ==")
    print("| stage | template chars left | real chars removed | edits by rule |")
    print("|---|---|---|---|")
    for label, stage in (("edge rule only (before)", Boilerplate(anywhere=False, spans=False)),
                         ("anywhere + spans (default)", Boilerplate())):
        summary, outs = run_stage(stage, docs)
        s = score(corpus, outs)
        rules = Counter(e.rule for d in outs for e in d.edits)
        print(f"| {label} | {s['template_left']:,} of {s['template']:,} | {s['real_removed']:,} of {s['real']:,} | "
              f"{', '.join(f'{r} {n}' for r, n in sorted(rules.items()))} |")
    section = Boilerplate().describe(summary)
    print("top recurring spans:", "; ".join(f"{b['text']} ×{b['docs']} ({b['sites']} sites)" for b in section["top_spans"][:5]))
    print("kept spans (too few sites):", "; ".join(f"{b['text']} ×{b['docs']}" for b in section["kept_spans"][:5]) or "none")


def worst_case_sites(quick: bool) -> None:
    print("== real text, every document its own site (whitespace + boilerplate alone) ==")
    print("| source | documents | characters | recurring_line | recurring_long_line | recurring_template_line | recurring_span |")
    print("|---|---|---|---|---|---|---|")
    new: Counter[tuple[str, str, str]] = Counter()
    for name in sources.SOURCES:
        docs, why = sources.load(name)
        if why:
            print(f"skipped {name}: {why}")
            continue
        if quick:
            docs = docs[:60]
        prepared = [Whitespace().apply(Document(doc_id, text, source=f"{i}.txt", seq=i))
                    for i, (doc_id, text) in enumerate(docs)]
        prepared = [Document(d.id, d.text, d.source, d.seq) for d in prepared]
        _, outs = run_stage(Boilerplate(), prepared)
        removed: Counter[str] = Counter()
        for d in outs:
            for e in d.edits:
                removed[e.rule] += len(e.before) - len(e.after)
                if e.rule in ("recurring_template_line", "recurring_span"):
                    new[(name, e.rule, e.before.strip())] += 1
        chars = sum(len(d.text) for d in prepared)
        print(f"| {name} | {len(docs):,} | {chars:,} | " + " | ".join(
            f"{removed[r]:,}" for r in ("recurring_line", "recurring_long_line", "recurring_template_line", "recurring_span")) + " |")
    for (name, rule, text), n in new.most_common(12):
        print(f"  {name} {rule} ×{n}: {text[:70]}")


def _state_bytes(state: Observed) -> int:
    return (state.hashes.nbytes + state.edge.nbytes + state.featured.nbytes + state.spans.nbytes
            + sum(len(t.encode("utf-8")) + 8 for t in state.texts.values()))


def cost(sites: int, pages: int) -> None:
    print("== cost: observe / merge / apply, synthetic corpus and one 4x larger (pages per site ×4) ==")
    print("| pages | MB | observe s | merge s | apply s | MB/s (all passes) | state bytes/page |")
    print("|---|---|---|---|---|---|---|")
    for factor in (1, 4):
        docs = [p.doc for p in multisite_corpus(sites, pages * factor, seed=factor)]
        mb = sum(len(d.text.encode("utf-8")) for d in docs) / 1e6
        stage = Boilerplate()
        t0 = time.perf_counter()
        states = [stage.observe(d) for d in docs]
        t1 = time.perf_counter()
        summary = stage.merge(states)
        t2 = time.perf_counter()
        for d in docs:
            stage.apply(Document(d.id, d.text, d.source, d.seq), summary)
        t3 = time.perf_counter()
        per_doc = sum(_state_bytes(s) for s in states) / len(states)
        print(f"| {len(docs):,} | {mb:.2f} | {t1 - t0:.2f} | {t2 - t1:.2f} | {t3 - t2:.2f} | {mb / (t3 - t0):.2f} | {per_doc:,.0f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    args = parser.parse_args(argv)
    sites, pages = (6, 6) if args.quick else (12, 40)
    synthetic(sites, pages)
    worst_case_sites(args.quick)
    cost(sites, pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
