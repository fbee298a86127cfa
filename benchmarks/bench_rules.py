"""Throughput of the rules stage with the full shipped library.

Two corpora of ~3 KB documents:

* clean: People's Daily 1998 body paragraphs (``clean_news()``), the common
  case, where the keyword pre-filter should keep the regexes from running;
* dirty: the same with one document in ten replaced by a seed page plus a
  navigation / footer / ad block, so every kind of rule fires.

It prints MB/s and docs/s of the rules stage, the whitespace stage on the same
documents as an in-process baseline (timings on a shared machine are noisy;
the ratio is steadier), what the rules removed, and the peak RSS. Timings are
printed, never asserted.

    python -m benchmarks.bench_rules            # all of the clean sample (~4.8 MB)
    python -m benchmarks.bench_rules --quick    # ~300 KB, a few seconds
"""

from __future__ import annotations

import argparse
import collections
import resource
import sys
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.corpora import SEEDS, clean_news
from pipeline.document import Document
from pipeline.rules import Rules
from pipeline.whitespace import Whitespace

DOC_CHARS = 1000  # ~3 KB of UTF-8 Chinese per document

#: Boilerplate around the seed pages of the dirty corpus (normalised form).
_CHROME = (
    "当前位置：首页 > 新闻中心 > 正文\n\n时间：2024-05-12 12:40:28 来源：朝三暮四网\n\n",
    "\n\n分享到：微信 微博 QQ空间\n\n扫一扫，分享到微信\n\n上一篇：成渝班列助力两地融入双循环\n\n返回顶部\n\n"
    "责任编辑：张三\n\n关于我们 | 联系我们 | 网站地图\n\n© 2020 某某网 版权所有 渝ICP备2020014939号-1",
)


def clean_docs(max_bytes: int) -> list[str]:
    """Clean paragraphs grouped into documents of about ``DOC_CHARS`` characters."""
    docs: list[str] = []
    current: list[str] = []
    size = chars = 0
    for para in clean_news():
        current.append(para)
        chars += len(para)
        size += len(para.encode("utf-8")) + 2
        if chars >= DOC_CHARS:
            docs.append("\n\n".join(current))
            current, chars = [], 0
        if size >= max_bytes:
            break
    if current:
        docs.append("\n\n".join(current))
    return docs


def dirty_docs(clean: Sequence[str]) -> list[str]:
    """Every tenth clean document replaced by a seed page wrapped in site chrome."""
    seeds = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    docs = list(clean)
    for n, i in enumerate(range(0, len(docs), 10)):
        docs[i] = _CHROME[0] + seeds[n % len(seeds)] + _CHROME[1]
    return docs


def measure(stage: Any, texts: Sequence[str]) -> tuple[float, collections.Counter[str], int]:
    """Seconds to run ``stage`` over the texts, edits per rule, documents dropped."""
    docs = [Document(str(i), t) for i, t in enumerate(texts)]
    started = time.perf_counter()
    for doc in docs:
        stage.apply(doc)
    seconds = time.perf_counter() - started
    rules = collections.Counter(e.rule for d in docs for e in d.edits)
    return seconds, rules, sum(d.dropped is not None for d in docs)


def report(name: str, texts: Sequence[str], rules_stage: Rules) -> None:
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    base, _, _ = measure(Whitespace(), texts)
    seconds, edits, dropped = measure(rules_stage, texts)
    print(f"{name}: {len(texts):,} docs, {megabytes:.2f} MB")
    print(f"  rules stage:      {megabytes / seconds:7.2f} MB/s  {len(texts) / seconds:9,.0f} docs/s")
    print(f"  whitespace stage: {megabytes / base:7.2f} MB/s  (baseline in this process; rules take {seconds / base:.1f}x its time)")
    top = ", ".join(f"{rule} {n}" for rule, n in edits.most_common(8)) or "nothing"
    print(f"  removals: {sum(edits.values())} ({top}); documents dropped: {dropped}")


#: Pages built to make a rule's cost grow with their size: one flattened line with a
#: continuation marker every 200 characters, thousands of markers on their own paragraphs,
#: thousands of headline-shaped lines (second-article candidates).
PATHOLOGICAL = {
    "one flattened line, markers every 200 chars": lambda n: ("川渝两地合作推进，" * 5 + "（上接1版）" + "abc def " * 20) * n,
    "a marker paragraph after every paragraph": lambda n: "正文第一段。\n\n" + "（上接1版）会议还表决通过了人事任免事项。\n\n" * (n // 3),
    "a headline after every paragraph": lambda n: "正文第一段，讲述了很多事情。\n\n" + "南极科考队抵达中山站\n\n我国科考队抵达。\n\n" * (n // 3),
}


def scaling(stage: Rules, n: int) -> None:
    """Seconds for a page of size n and of size 4n: a ratio near 4 is linear, near 16 quadratic."""
    print("\ncost against page size (rules stage, one document; ratio 4 = linear):")
    for name, build in PATHOLOGICAL.items():
        seconds = []
        for k in (1, 4):
            text = build(n * k)
            t0 = time.perf_counter()
            stage.apply(Document("page", text))
            seconds.append(time.perf_counter() - t0)
        print(f"  {name:<46} {len(build(n)):>9,} chars {seconds[0]:6.2f} s, x4 {seconds[1]:6.2f} s: "
              f"ratio {seconds[1] / max(seconds[0], 1e-9):.1f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~300 KB instead of the whole sample")
    parser.add_argument("--mb", type=float, default=5.0, help="size of the clean corpus in MB (default: all, ~4.8)")
    args = parser.parse_args(argv)
    max_bytes = 300_000 if args.quick else int(args.mb * 1e6)

    started = time.perf_counter()
    stage = Rules()
    active = stage.rule_set().active
    print(f"rule library: {len(active)} rules loaded and compiled in {time.perf_counter() - started:.3f} s")
    clean = clean_docs(max_bytes)
    report("clean news", clean, stage)
    report("dirty (1 in 10 a seed page with site chrome)", dirty_docs(clean), stage)
    scaling(stage, 500 if args.quick else 8000)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS: {peak_kb / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
