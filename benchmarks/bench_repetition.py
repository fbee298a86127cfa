"""Speed of the repetition, boilerplate and quality stages; memory of the corpus-level pass.

    python -m benchmarks.bench_repetition                # 20,000 documents (the issue's figure)
    python -m benchmarks.bench_repetition --quick        # a smoke run (the test suite runs it)
    python -m benchmarks.bench_repetition --thresholds   # the min_docs measurement of docs/repetition.md

Corpus: synthetic pages of about 4 KB from the People's Daily sample
(``corpora.clean_news``), sentences reshuffled so article lines do not recur by
accident, published by 300 "sites" of Zipf-distributed size, each with its own
navigation and footer lines; one page in fifty repeats a paragraph, one in a
hundred is keyword-stuffed. Deterministic.

Figures:

* MB/s of each stage on the same documents, in one process, with the
  whitespace stage as the baseline (the ratio is what survives a noisy machine);
* the corpus-level pass (observe + merge over N documents, streamed, as the
  runner does it) in a fresh child process: peak RSS before and after, and the
  bytes of the counting structures.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import regex

from benchmarks.corpora import clean_news, clean_news_lines, news_articles
from pipeline.boilerplate import Boilerplate
from pipeline.document import Document
from pipeline.lines import key_hash, line_key, split_lines
from pipeline.quality import Quality
from pipeline.repetition import Repetition
from pipeline.whitespace import Whitespace

STUFFED = 13  # page i is keyword-stuffed when i % 100 == STUFFED
_SENTENCE = regex.compile(r"[^。！？]+[。！？]”?")
# People's Daily lines that are page furniture, not article text: bylines, photo
# credits, section labels, a columnist's name on its own line. Used only to
# split the measurement's hits into "template" and "content".
_FURNITURE = regex.compile(r"本报|记者|摄|新华社|图片|评论员|编辑|致读者|电）|绘）|照片|稿）|^\p{Han}{2,3}$")


def sentences() -> list[str]:
    return [s for p in clean_news() for s in _SENTENCE.findall(p)]


def site_templates(rng: random.Random, n_sites: int) -> list[tuple[list[str], list[str]]]:
    """(head lines, tail lines) per site: a navigation line for half of them, 1–4 footer lines."""
    out = []
    for s in range(n_sites):
        head = [f"首页 > 新闻中心 > 第{s}频道 > 正文"] if s % 2 == 0 else []
        tail = [
            f"版权所有 © 2024 第{s}号新闻网 ICP备{10000000 + s}号",
            f"联系电话：023-{6000000 + s * 7}",
            "本网站所刊载信息，不代表本站观点。",
            f"第{s}号新闻网 技术支持：某某科技",
        ][: 1 + s % 4]
        out.append((head, tail))
    return out


def site_documents(n: int, seed: int = 0) -> Iterator[tuple[str, str]]:
    """``n`` (id, text) pages as described in the module docstring, generated lazily."""
    rng = random.Random(seed)
    pool = sentences()
    titles = [line for line in clean_news_lines() if 8 <= len(line) <= 30 and line[-1] not in "。！？"]
    sites = site_templates(rng, 300)
    weights = [1 / (k + 1) for k in range(len(sites))]
    for i in range(n):
        head, tail = rng.choices(sites, weights)[0]
        title = rng.choice(titles)
        body = ["".join(rng.choice(pool) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(6, 12))]
        if i % 50 == 7:
            body.insert(rng.randrange(len(body)), body[0])
        if i % 100 == STUFFED:
            # What the spam tool of 001 does: the title's hanzi cut into two-character pieces.
            han = "".join(regex.findall(r"\p{Han}", title))
            pieces = [han[k : k + 2] for k in range(0, len(han) - 1, 2)] or ["标题"]
            body[0] = "。".join(rng.choice(pieces) + s for s in body[0].split("。")) + rng.choice(pieces)
            body[1] = body[1][:10] + pieces[0] + pieces[0] + body[1][10:] + rng.choice(pieces)
        yield f"{i:06d}", "\n\n".join([*head, title, *body, *tail])


# -- stage speed ------------------------------------------------------------------------------


def timed(label: str, docs: list[Document], step: Callable[[Document], object], size: int, base: float | None) -> float:
    # Cold cache: in a run each stage keys lines the previous stage just keyed
    # (cache hits); here every stage pays for its own keys, the pessimistic figure.
    line_key.cache_clear()
    t0 = time.perf_counter()
    for doc in docs:
        step(doc)
    seconds = time.perf_counter() - t0
    rate = size / 1e6 / seconds
    ratio = f"  ({rate / base:.2f} x whitespace)" if base else ""
    print(f"  {label:<22} {seconds:7.2f} s  {rate:7.2f} MB/s  {len(docs) / seconds:9,.0f} docs/s{ratio}")
    return rate


def speed(n: int) -> None:
    raw = list(site_documents(n, seed=1))
    size = sum(len(t.encode("utf-8")) for _, t in raw)
    print(f"stage speed on {n:,} documents, {size / 1e6:.1f} MB (one process):")
    docs = [Document(i, t, seq=k) for k, (i, t) in enumerate(raw)]
    base = timed("whitespace (baseline)", docs, Whitespace().apply, size, None)
    rep = Repetition()
    timed("repetition", docs, rep.apply, size, base)
    stage = Boilerplate()
    states = []
    timed("boilerplate observe", docs, lambda d: states.append(stage.observe(d)), size, base)
    line_key.cache_clear()
    t0 = time.perf_counter()
    summary = stage.merge(states)
    merge_s = time.perf_counter() - t0
    print(f"  {'boilerplate merge':<22} {merge_s:7.2f} s  {size / 1e6 / merge_s:7.2f} MB/s  "
          f"({len(summary.hashes)} boilerplate lines)")
    timed("boilerplate apply", docs, lambda d: stage.apply(d, summary), size, base)
    timed("quality", docs, Quality().apply, size, base)
    removed = sum(len(d.edits) for d in docs)
    dropped = sum(d.dropped is not None for d in docs)
    print(f"  edits {removed:,}, dropped {dropped}")
    stuffed = [d for k, d in enumerate(docs) if k % 100 == STUFFED]
    edited = [d for d in docs if any(e.rule == "keyword_stuffing" for e in d.edits)]
    print(f"  keyword stuffing: {len(stuffed)} stuffed pages, {sum('stuffing_score' in d.meta for d in stuffed)} flagged, "
          f"{sum(d in stuffed for d in edited)} edited; clean pages edited: {sum(d not in stuffed for d in edited)}")


# -- memory of the corpus-level pass ----------------------------------------------------------


def memory_child(n: int) -> None:
    """Observe + merge over ``n`` generated pages, streamed; print JSON (run in a fresh process)."""
    stage = Boilerplate()
    docs = site_documents(n, seed=2)
    first = next(docs)  # builds the sentence pool: part of the baseline, not of the pass
    rss_before = current_rss_mb()
    t0 = time.perf_counter()
    size = 0
    rss_during = 0.0

    def states() -> Iterator[object]:
        nonlocal size, rss_during
        for k, (i, text) in enumerate(_chain(first, docs)):
            size += len(text.encode("utf-8"))
            yield stage.observe(Document(i, Whitespace().apply(Document(i, text)).text, seq=k))
        rss_during = current_rss_mb()  # inside merge: the counting structures are alive

    summary = stage.merge(states())
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "docs": summary.documents,
        "mb": size / 1e6,
        "seconds": seconds,
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_during,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "structures_mb": summary.settings["memory_bytes"] / 1e6,
        "tracked": len(summary.blocks) + len(summary.kept),
        "boilerplate": len(summary.hashes),
        "sketch_fill": summary.sketch_fill,
        "bloom_fill": summary.bloom_fill,
    }))


def current_rss_mb() -> float:
    """Resident memory now (Linux /proc); the peak (ru_maxrss) where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _chain(first: tuple[str, str], rest: Iterator[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    yield first
    yield from rest


def memory(n: int) -> None:
    cmd = [sys.executable, "-m", "benchmarks.bench_repetition", "--memory-child", str(n)]
    r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    print(
        f"corpus-level pass (observe + merge, streamed) on {r['docs']:,} documents, {r['mb']:.1f} MB: "
        f"{r['seconds']:.1f} s ({r['mb'] / r['seconds']:.2f} MB/s)\n"
        f"  resident memory {r['rss_before_mb']:.0f} MB before the pass, {r['rss_after_mb']:.0f} MB at its end "
        f"(+{r['rss_after_mb'] - r['rss_before_mb']:.0f} MB), process peak {r['rss_peak_mb']:.0f} MB; "
        f"counting structures {r['structures_mb']:.0f} MB allocated;\n  "
        f"{r['tracked']} lines tracked, {r['boilerplate']} boilerplate; "
        f"sketch fill {r['sketch_fill']:.3f}, Bloom fill {r['bloom_fill']:.3f}"
    )


# -- the min_docs measurement -----------------------------------------------------------------


def peoples_daily_articles() -> list[str]:
    """January 1998 People's Daily as articles: a headline line, then its paragraphs."""
    return ["\n\n".join(a) for a in news_articles(clean_news_lines()) if len(a) >= 2]


def thresholds() -> None:
    """False positives on real articles and recall on sites of known size, per ``min_docs``."""
    articles = peoples_daily_articles()
    rng = random.Random(4)
    pool = sentences()
    sizes = (2, 3, 4, 5, 6, 8, 10, 15, 20)
    site_pages: list[tuple[int, str]] = []
    for k, size in enumerate(sizes):
        for s in range(5):  # five sites of each size
            head, tail = [f"第{k}-{s}号网 首页 > 正文"], [f"第{k}-{s}号网 版权所有", f"第{k}-{s}号网 联系我们"]
            for _ in range(size):
                body = ["".join(rng.choice(pool) for _ in range(3)) for _ in range(rng.randint(5, 10))]
                site_pages.append((size, "\n\n".join([*head, rng.choice(pool)[:20], *body, *tail])))
    template = {line_key(t) for _, page in site_pages for t in page.split("\n\n") if "号网" in t}
    print(f"People's Daily 1998-01: {len(articles):,} articles (one site, no site template); "
          f"plus {len(site_pages)} pages of {5 * len(sizes)} synthetic sites")
    print("min_docs | PD lines judged boilerplate (occurrences removed) | of them article content | "
          "site templates found, by site size")
    for min_docs in (2, 3, 4, 5, 6, 8, 10):
        stage = Boilerplate(min_docs=min_docs)
        texts = articles + [p for _, p in site_pages]
        summary = stage.merge(stage.observe(Document(str(i), t)) for i, t in enumerate(texts))
        pd_lines = [b.text for b in summary.blocks if line_key(b.text) not in template]
        removed = sum(len(stage.removable(split_lines(t), summary)) for t in articles)
        found = {size: 0 for size in sizes}
        for size in sizes:
            keys = {line_key(f"第{sizes.index(size)}-{s}号网 版权所有") for s in range(5)}
            found[size] = sum(key_hash(k) in summary.hashes for k in keys)
        recall = " ".join(f"{size}:{found[size]}/5" for size in sizes)
        content = [t for t in pd_lines if not _FURNITURE.search(t)]
        print(f"{min_docs:8d} | {len(pd_lines):4d} ({removed:4d}) | {len(content):2d} {'、'.join(content)[:40]:<40} | {recall}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000, help="documents for the memory figure (default 20000)")
    parser.add_argument("--speed-docs", type=int, default=3_000, help="documents for the speed figures (default 3000)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300 documents")
    parser.add_argument("--thresholds", action="store_true", help="print the min_docs measurement and exit")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child)
        return 0
    if args.thresholds:
        thresholds()
        return 0
    speed(300 if args.quick else args.speed_docs)
    memory(300 if args.quick else args.docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
