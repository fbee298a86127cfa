"""Does any stage cost more than linear time in document or line length? Seconds per MB by size.

    python -m benchmarks.bench_scaling                 # 10^3 … 10^7 characters (several minutes)
    python -m benchmarks.bench_scaling --quick         # 10^3 … 10^5 (seconds; run by the tests)
    python -m benchmarks.bench_scaling --max 1e6 --kinds damaged-oneline

One document per (kind, size) is built from clean People's Daily paragraphs
(:func:`benchmarks.corpora.clean_news`), in four kinds:

``clean``            paragraphs one per line;
``clean-oneline``    the same paragraphs glued into one line (no line break at all);
``damaged``          paragraphs one per line, every few paragraphs carrying web damage:
                     UTF-8 read as GBK, GBK read as Big5 (lossy, ``�``), HTML entities and
                     tags, an inline ad, a paragraph in Traditional script;
``damaged-oneline``  the damaged paragraphs glued into one line.

Each document runs through every stage of the default pipeline in order (a
corpus-level stage observes the one document, merges, applies), timing each stage
on its own; small documents are repeated until a measurement takes long enough to
be read. The table gives seconds per MB (UTF-8 input) for every stage and overall,
and the *growth exponent* between the smallest and the largest size:
``log(t_big / t_small) / log(size_big / size_small)`` — 1 is linear, 2 quadratic.
Timings are CPU time of one process on a shared machine, so compare ratios, not
absolute figures; the exponent is a ratio measured in one process.
"""

from __future__ import annotations

import argparse
import functools
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks.corpora import clean_news

KINDS = ("clean", "clean-oneline", "damaged", "damaged-oneline")
FULL_SIZES = (1_000, 10_000, 100_000, 1_000_000, 10_000_000)
QUICK_SIZES = (1_000, 10_000, 100_000)
#: A measurement is repeated until it has taken at least this long, so that a
#: 1,000-character document is not timed by one call's clock jitter.
MIN_SECONDS = 0.3
FLOOR_SECONDS = 1e-4


# -- documents -----------------------------------------------------------------------------


def _damage(para: str, k: int, rng: random.Random) -> str:
    """Paragraph ``k`` with the web damage the repair and strip stages exist for (one kind in turn)."""
    kind = k % 6
    cut = min(len(para), rng.randint(8, 20))
    head, tail = para[:cut], para[cut:]
    if kind == 0:  # UTF-8 bytes read as GBK: the commonest CJK mojibake
        return head.encode("utf-8").decode("gbk", errors="replace") + tail
    if kind == 1:  # GBK bytes read as Big5: lossy, leaves U+FFFD
        return head.encode("gbk", errors="replace").decode("big5", errors="replace") + tail
    if kind == 2:  # entities and stray markup from an extractor
        return f"<b>{head}</b>&nbsp;&amp;&#x4e2d;&#25991;{tail}&ldquo;引&rdquo;"
    if kind == 3:  # an inline ad glued into a sentence
        return f"{head}，加微信wx{rng.randint(10000, 99999)}领取优惠，{tail}"
    if kind == 4:  # a paragraph in Traditional script
        return _s2t().convert(para)
    return para


@functools.cache
def _s2t():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("s2t")


def make_document(kind: str, size: int, seed: int = 0) -> str:
    """A document of about ``size`` characters of the given kind (see the module docstring)."""
    rng = random.Random(seed)
    paras = clean_news()
    out: list[str] = []
    total = 0
    k = 0
    while total < size:
        para = paras[k % len(paras)]
        if kind.startswith("damaged") and k % 3 == 0:
            para = _damage(para, k // 3, rng)
        out.append(para)
        total += len(para) + 1
        k += 1
    text = ("" if kind.endswith("oneline") else "\n").join(out)
    return text[:size]


# -- timing ----------------------------------------------------------------------------------


@dataclass
class Measure:
    kind: str
    chars: int
    mb: float
    stage_seconds: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.stage_seconds.values())


def _stages() -> list[object]:
    from pipeline.config import Config

    return Config().build_stages()


def run_once(text: str, stages: Sequence[object]) -> dict[str, float]:
    """Push one document through ``stages``; CPU seconds per stage."""
    from pipeline.document import Document
    from pipeline.stage import is_corpus_stage

    doc = Document(id="doc.txt", text=text, source="doc.txt")
    seconds: dict[str, float] = {}
    for stage in stages:
        if doc.dropped is not None:
            seconds[stage.name] = 0.0  # type: ignore[attr-defined]
            continue
        t0 = time.process_time()
        if is_corpus_stage(stage):
            summary = stage.merge([stage.observe(doc)])  # type: ignore[attr-defined]
            doc = stage.apply(doc, summary)  # type: ignore[attr-defined]
        else:
            doc = stage.apply(doc)  # type: ignore[attr-defined]
        seconds[stage.name] = time.process_time() - t0  # type: ignore[attr-defined]
    return seconds


def measure(kind: str, size: int, stages: Sequence[object], min_seconds: float = MIN_SECONDS) -> Measure:
    """Seconds per stage for one document, the minimum over repeats of each stage's time."""
    text = make_document(kind, size)
    best: dict[str, float] = {}
    spent = 0.0
    runs = 0
    while runs < 2 or spent < min_seconds:
        seconds = run_once(text, stages)
        for name, s in seconds.items():
            best[name] = min(best.get(name, math.inf), s)
        spent += sum(seconds.values())
        runs += 1
        if spent > 5 * min_seconds and runs >= 1:
            break
    return Measure(kind, len(text), len(text.encode("utf-8")) / 1e6, best)


def growth_exponent(small: Measure, big: Measure, stage: str | None = None) -> float:
    """``log(t_big / t_small) / log(n_big / n_small)``: 1 linear, 2 quadratic.

    >>> growth_exponent(Measure("k", 1000, 1.0, {"a": 1.0}), Measure("k", 100000, 100.0, {"a": 100.0}))
    1.0
    """
    t_small = small.stage_seconds[stage] if stage else small.total
    t_big = big.stage_seconds[stage] if stage else big.total
    # A stage too quick to time on the small document (0.0, or a few microseconds
    # of clock jitter) grows from a floor of 0.1 ms, so that a stage costing
    # nothing at either size does not read as super-linear.
    return math.log(max(t_big, FLOOR_SECONDS) / max(t_small, FLOOR_SECONDS)) / math.log(big.chars / small.chars)


def table(measures: list[Measure], out: Callable[[str], None] = print) -> None:
    """Seconds per MB for each stage and size, one block per kind, and the growth exponent."""
    names = list(measures[0].stage_seconds)
    for kind in dict.fromkeys(m.kind for m in measures):
        rows = [m for m in measures if m.kind == kind]
        out(f"\n{kind}: seconds per MB (UTF-8 input)")
        # Two exponents: over the whole range (what the test asserts) and over the
        # last tenfold step, where fixed per-document costs no longer hide growth.
        out(f"{'stage':<14}" + "".join(f"{m.chars:>11,}" for m in rows) + "   exponent  last 10x")
        for name in [*names, "overall"]:
            stage = None if name == "overall" else name
            cells = [(m.total if stage is None else m.stage_seconds[name]) / m.mb for m in rows]
            whole = growth_exponent(rows[0], rows[-1], stage) if len(rows) > 1 else 1.0
            last = growth_exponent(rows[-2], rows[-1], stage) if len(rows) > 1 else 1.0
            flag = "  <-- super-linear" if max(whole, last) > 1.3 and rows[-1].mb * cells[-1] > 0.05 else ""
            out(f"{name:<14}" + "".join(f"{c:>11.3f}" for c in cells) + f"   {whole:8.2f}  {last:8.2f}{flag}")
        out(f"{'MB/s':<14}" + "".join(f"{m.mb / m.total:>11.3f}" for m in rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="sizes 10^3 … 10^5 (run by the tests)")
    parser.add_argument("--max", type=float, help="largest size in characters (default 10^7, quick 10^5)")
    parser.add_argument("--sizes", help="comma-separated sizes in characters (e.g. 1e4,1e7), instead of the range")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    args = parser.parse_args(argv)
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    if args.max:
        sizes = tuple(s for s in FULL_SIZES if s <= args.max)
    if args.sizes:
        sizes = tuple(int(float(s)) for s in args.sizes.split(","))
    stages = _stages()
    measures = []
    for kind in args.kinds.split(","):
        for size in sizes:
            m = measure(kind, size, stages)
            measures.append(m)
            print(f"{kind:<16} {size:>11,} chars  {m.total:8.3f} s  {m.total / m.mb:8.3f} s/MB", file=sys.stderr)
    table(measures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
