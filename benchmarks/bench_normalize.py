"""Speed of the normalize stage, with each OpenCC implementation, in one process.

Usage::

    python -m benchmarks.bench_normalize            # ~5 MB per corpus, best of 3
    python -m benchmarks.bench_normalize --quick    # ~0.2 MB, one run (the test suite runs this)

Two packages install a module called ``opencc``: the official binding
(``OpenCC``, C++) and ``opencc-python-reimplemented`` (pure Python). Only one
can be installed in an environment, so the benchmark measures the installed
one and loads the other from a separate directory: ``--other-opencc DIR``
names a folder holding its ``opencc`` package; by default the benchmark puts
it in a cache folder with ``pip install --no-deps --target`` (once). It is
imported under a private name while the installed one is kept, and the stage
is pointed at it by swapping ``sys.modules["opencc"]`` and clearing the
stage's per-process converter caches. When the other implementation cannot be
had (no network), its columns say so and the rest is measured.

Figures printed: raw ``t2s`` conversion MB/s of each implementation on the
seeds' Traditional text (and whether their outputs are identical); the stage's
MB/s and docs/s on three corpora of ~3 KB documents (Simplified news: the fast
path; a Traditional mirror of the same news; the raw seeds) with each
implementation and, as a same-process baseline, with ``script = "keep"``; the
milliseconds per MB of each fixer; how many real line breaks the paragraph
joiner wrongly joins and how many synthetic mid-sentence breaks it finds;
peak RSS. Timings are never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import platform
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pipeline.normalize as normalize
from benchmarks.corpora import SEEDS, clean_news, clean_news_lines, group_lines
from pipeline.document import Document, apply_spans
from pipeline.normalize import Normalize
from pipeline.whitespace import Whitespace

#: The two implementations, as (distribution, pinned version).
IMPLEMENTATIONS = {"OpenCC": "1.4.2", "opencc-python-reimplemented": "0.1.7"}
DOC_CHARS = 1_000  # ~3 KB of UTF-8 Chinese per document
# Touches every lazily built table (Traditional and Simplified-only characters,
# a rare character outside GB2312, a pinyin annotation), so none is built
# inside a timed run.
WARM_UP = "地區(qū)經濟發展，兩江新區。\n萧乾说：“經濟”，三塚博\n推动共建"


@dataclass(frozen=True)
class Implementation:
    label: str  # "OpenCC 1.4.2"
    module: ModuleType | None  # None: not available
    why_not: str = ""


# -- getting both implementations into one process --------------------------------------------


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cleancorpus" / "bench"


def fetch(dist: str, version: str, directory: Path) -> None:
    """Install ``dist==version`` (no dependencies) into ``directory`` with pip, once."""
    if (directory / "opencc" / "__init__.py").exists():
        return
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--target", str(directory), f"{dist}=={version}"],
        check=True, capture_output=True, text=True, timeout=300,
    )


def _opencc_modules() -> dict[str, ModuleType]:
    return {k: v for k, v in sys.modules.items() if k == "opencc" or k.startswith("opencc.")}


def load_opencc_from(directory: Path) -> ModuleType:
    """Import the ``opencc`` package found in ``directory`` without disturbing the installed one."""
    saved = _opencc_modules()
    for key in saved:
        del sys.modules[key]
    sys.path.insert(0, str(directory))
    try:
        module = importlib.import_module("opencc")
        module.OpenCC("t2s").convert("經濟")  # load its tables now, while its path is in place
    finally:
        sys.path.remove(str(directory))
        for key in _opencc_modules():
            del sys.modules[key]
        sys.modules.update(saved)
    return module


@contextlib.contextmanager
def using_opencc(module: ModuleType) -> Iterator[None]:
    """Make the stage use ``module`` as ``opencc``: swap the module, clear the per-process caches."""
    caches = (normalize.opencc_converter, normalize.simplifier, normalize._only_in_source, normalize._source_mask)
    saved = sys.modules.get("opencc")
    sys.modules["opencc"] = module
    for cached in caches:
        cached.cache_clear()
    try:
        yield
    finally:
        if saved is None:
            sys.modules.pop("opencc", None)
        else:
            sys.modules["opencc"] = saved
        for cached in caches:
            cached.cache_clear()


def implementations(other_dir: Path | None, fetch_other: bool) -> list[Implementation]:
    """The installed implementation first, then the other one (or why it is missing)."""
    import opencc

    installed = normalize.opencc_implementation()
    result = [Implementation(installed, opencc)]
    dist = next(d for d in IMPLEMENTATIONS if d != installed.split()[0])
    label = f"{dist} {IMPLEMENTATIONS[dist]}"
    directory = other_dir or cache_dir() / f"{dist}-{IMPLEMENTATIONS[dist]}"
    try:
        if other_dir is None:
            if not fetch_other:
                raise RuntimeError("not fetched (--no-fetch)")
            fetch(dist, IMPLEMENTATIONS[dist], directory)
        result.append(Implementation(label, load_opencc_from(directory)))
    except (OSError, RuntimeError, ImportError, subprocess.SubprocessError) as exc:
        reason = (getattr(exc, "stderr", "") or str(exc)).strip()
        result.append(Implementation(label, None, reason.splitlines()[-1] if reason else type(exc).__name__))
    return result


# -- corpora -------------------------------------------------------------------------------------


def as_documents(paragraphs: list[str], doc_chars: int = DOC_CHARS) -> list[str]:
    """Group paragraphs into documents of about ``doc_chars`` characters."""
    return group_lines(paragraphs, doc_chars)


def take(paragraphs: list[str] | tuple[str, ...], megabytes: float) -> list[str]:
    out, size = [], 0
    for para in paragraphs:
        out.append(para)
        size += len(para.encode("utf-8"))
        if size >= megabytes * 1e6:
            break
    return out


def seeds_traditional_text(megabytes: float) -> str:
    """The Traditional seeds (000, 003) repeated to ``megabytes``."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")) if p.name[:3] in ("000", "003"))
    repeat = max(1, round(megabytes * 1e6 / len(text.encode("utf-8"))))
    return "\n".join([text] * repeat)


def corpora(megabytes: float, to_traditional: Callable[[str], str]) -> dict[str, list[str]]:
    news = take(clean_news(), megabytes)
    seeds = [Whitespace().apply(Document(p.name, p.read_text(encoding="utf-8"))).text
             for p in sorted(SEEDS.glob("*.txt"))]
    return {
        "simplified news": as_documents(news),
        "traditional mirror": as_documents(to_traditional("\n".join(news)).split("\n")),
        "raw seeds x20": seeds * 20,
    }


# -- timing --------------------------------------------------------------------------------------


def megabytes(docs: list[str]) -> float:
    return sum(len(d.encode("utf-8")) for d in docs) / 1e6


def best_time(run: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def time_columns(docs: list[str], columns: list[Implementation | None], repeats: int) -> list[float]:
    """Best seconds for the stage over ``docs`` with each implementation (``None``: script kept).

    Repeats are interleaved across the columns, so a burst of load from
    other processes on a shared machine does not land on one column only.
    """
    def run(impl: Implementation | None, warm: bool) -> float:
        stage = Normalize(script="keep") if impl is None else Normalize()
        with contextlib.nullcontext() if impl is None else using_opencc(impl.module):
            if warm:  # build converters and tables outside the timing
                for text in [WARM_UP, *docs[:20]]:
                    stage.apply(Document("warm-up", text))
            start = time.perf_counter()
            for i, text in enumerate(docs):
                stage.apply(Document(str(i), text))
            return time.perf_counter() - start

    best = [float("inf")] * len(columns)
    for _ in range(repeats):
        for k, impl in enumerate(columns):
            best[k] = min(best[k], run(impl, warm=True))
    return best


def fixer_seconds(docs: list[str], repeats: int = 3) -> dict[str, float]:
    """Best seconds spent in each fixer over ``docs`` (each fixer sees the previous one's output)."""
    runs = [_fixer_seconds_once(docs) for _ in range(repeats)]
    return {name: min(run[name] for run in runs) for name in runs[0]}


def _fixer_seconds_once(docs: list[str]) -> dict[str, float]:
    fixers: list[tuple[str, Callable[[str], list]]] = [
        ("pinyin_annotation", normalize.pinyin_annotation_spans),
        ("script (t2s)", normalize.script_spans),
        ("punctuation_width", normalize.punctuation_width_spans),
        ("cjk_spacing", normalize.cjk_spacing_spans),
        ("heading_marker", normalize.heading_marker_spans),
        ("broken_paragraph", normalize.broken_paragraph_spans),
    ]
    seconds = dict.fromkeys((name for name, _ in fixers), 0.0)
    for text in [WARM_UP, *docs[:20]]:  # warm-up: converters and tables are built once per process
        Normalize().apply(Document("warm-up", text))
    for text in docs:
        doc = Document("d", text)
        for name, fixer in fixers:
            start = time.perf_counter()
            spans = fixer(doc.text)
            seconds[name] += time.perf_counter() - start
            doc.replace(spans, "bench")
    return seconds


# -- paragraph joining quality ---------------------------------------------------------------------


def script_round_trip(lines: int) -> dict[str, dict[str, int]]:
    """Characters differing from the original after a round trip through Traditional.

    People's Daily lines are written the OpenCC way (``s2t``), the Taiwan way
    (``s2tw``) and the Hong Kong way (``s2hk``), then brought back by each raw
    OpenCC configuration and by the stage's conversion (:func:`normalize.script_spans`,
    ``t2s`` plus :func:`normalize.resolve_variants`). Returned as
    ``{convention: {converter: wrong characters}}`` plus ``{"chars": {"total": n}}``.

    >>> figures = script_round_trip(20)
    >>> figures["s2tw"]["stage"] <= figures["s2tw"]["t2s"]
    True
    """
    news = "\n".join(clean_news()[:lines])
    figures: dict[str, dict[str, int]] = {"chars": {"total": len(news)}}
    for convention in ("s2t", "s2tw", "s2hk"):
        mirror = normalize.opencc_converter(convention)(news)
        back = {name: normalize.opencc_converter(name)(mirror) for name in ("t2s", "tw2s", "hk2s")}
        back["stage"] = apply_spans(mirror, normalize.script_spans(mirror), "")[0]
        figures[convention] = {
            name: sum(a != b for a, b in zip(text, news)) + abs(len(text) - len(news)) for name, text in back.items()
        }
    return figures


def joining_quality(max_paragraphs: int, seed: int = 1) -> tuple[int, int, int, int]:
    """(false joins, line breaks) on People's Daily lines, (found, made) on synthetic breaks.

    Every line break in the People's Daily sample is a real one (headlines,
    bylines, verse and paragraphs each on their own line), so any join there
    is a false join. Synthetic breaks cut clean paragraphs at a random point
    between two characters (at least 20 characters in, after a hanzi, before
    a hanzi or digit): the share joined again is the recall for that shape.
    """
    lines = clean_news_lines()
    false_joins = len(normalize.broken_paragraph_spans("\n".join(lines)))
    rng = random.Random(seed)
    found = made = 0
    for para in [p for p in clean_news() if len(p) >= 40][:max_paragraphs]:
        cuts = [i for i in range(20, len(para) - 1)
                if normalize.is_han(para[i - 1]) and (normalize.is_han(para[i]) or para[i].isdigit())]
        if cuts:
            cut = rng.choice(cuts)
            made += 1
            found += bool(normalize.broken_paragraph_spans(para[:cut] + "\n\n" + para[cut:]))
    return false_joins, len(lines) - 1, found, made


# -- report --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="~0.2 MB corpora, one run each (for the test suite)")
    parser.add_argument("--mb", type=float, help="MB per corpus [default: 5, or 0.2 with --quick]")
    parser.add_argument("--other-opencc", type=Path, help="folder holding the other implementation's opencc package")
    parser.add_argument("--no-fetch", action="store_true", help="do not pip-install the other implementation")
    args = parser.parse_args(argv)
    size = args.mb or (0.2 if args.quick else 5.0)
    repeats = 1 if args.quick else 3

    impls = implementations(args.other_opencc, not args.no_fetch)
    print(f"normalize benchmark: {size:g} MB per corpus, best of {repeats}; "
          f"Python {platform.python_version()}, {os.cpu_count()} cores")

    # Raw conversion.
    text = seeds_traditional_text(size)
    text_mb = len(text.encode("utf-8")) / 1e6
    print(f"\nOpenCC t2s, raw conversion of {text_mb:.2f} MB of the seeds' Traditional text:")
    outputs: dict[str, str] = {}
    rates: dict[str, float] = {}
    for impl in impls:
        if impl.module is None:
            print(f"  {impl.label:<36} unavailable: {impl.why_not}")
            continue
        convert = impl.module.OpenCC("t2s").convert
        convert(text[:1000])
        seconds = best_time(lambda: outputs.__setitem__(impl.label, convert(text)), repeats)
        rates[impl.label] = text_mb / seconds
        print(f"  {impl.label:<36} {rates[impl.label]:8.1f} MB/s")
    if len(outputs) == 2:
        a, b = outputs.values()
        slower = max(rates.values()) / min(rates.values())
        print(f"  identical output: {'yes' if a == b else 'NO'}; the slower one takes {slower:.0f}x as long")

    # The stage.
    fastest = max((i for i in impls if i.module), key=lambda i: rates.get(i.label, 0))
    docs_by_corpus = corpora(size, fastest.module.OpenCC("s2t").convert)
    print("\nnormalize stage, default options: MB/s (docs/s)")
    columns = [i for i in impls if i.module] + [None]
    header = "".join(f"{(i.label if i else 'script=keep (baseline)'):>36}" for i in columns)
    print(f"  {'corpus':<22}{'docs':>6}{'MB':>6}{header}")
    for name, docs in docs_by_corpus.items():
        mb = megabytes(docs)
        seconds = time_columns(docs, columns, repeats)
        cells = [f"{mb / s:10.1f} ({len(docs) / s:7.0f})" for s in seconds]
        print(f"  {name:<22}{len(docs):>6}{mb:>6.2f}" + "".join(f"{c:>36}" for c in cells))

    print(f"\nms per MB in each fixer ({fastest.label}, best of 3):")
    for name, docs in docs_by_corpus.items():
        with using_opencc(fastest.module):
            seconds = fixer_seconds(docs)
        parts = ", ".join(f"{k} {1000 * v / megabytes(docs):.1f}" for k, v in seconds.items())
        print(f"  {name:<22}{parts}")
    with using_opencc(fastest.module):
        trips = script_round_trip(200 if args.quick else 5000)
    print(f"\nscript round trip ({fastest.label}): characters of {trips['chars']['total']:,} differing from the "
          "original after Simplified -> Traditional -> Simplified")
    print(f"  {'written as':<22}" + "".join(f"{name:>10}" for name in ("t2s", "tw2s", "hk2s", "stage")))
    for convention in ("s2t", "s2tw", "s2hk"):
        print(f"  {convention:<22}" + "".join(f"{trips[convention][name]:>10,}" for name in ("t2s", "tw2s", "hk2s", "stage")))
    false_joins, breaks, found, made = joining_quality(300 if args.quick else 3000)
    print(f"\nparagraph joining: {false_joins} false joins among {breaks} real line breaks (People's Daily); "
          f"{found} of {made} synthetic mid-sentence breaks joined ({found / made:.0%})")
    if any(i.module is None for i in impls):
        print("\n(one implementation was unavailable; pass --other-opencc DIR or allow pip to fetch it)")
    print(f"\npeak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
