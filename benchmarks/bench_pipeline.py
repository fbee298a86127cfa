"""Throughput of the whole pipeline on three corpora, for 1 and 2 workers, per run and per stage.

    python -m benchmarks.bench_pipeline                       # the three corpora, 1 and 2 workers
    python -m benchmarks.bench_pipeline --source seeds --docs 20000   # the issue's worst case only
    python -m benchmarks.bench_pipeline --source news         # clean prose only
    python -m benchmarks.bench_pipeline --quick               # small corpora (run by the tests)

The corpora (``--source``, default ``all``):

``news``   clean prose: People's Daily paragraphs (``corpora.synthetic_documents``), the
           common case of a crawl that is mostly fine;
``noisy``  noisy pages: the generalisation benchmark's clean news, reviews and docs pages
           with 1–3 items of the fourteen noise families each (:mod:`benchmarks.noise`,
           both halves; needs the sources ``bench_noise`` uses);
``seeds``  the worst case: documents built from the seeds' damaged paragraphs, where
           every stage has work.

Each corpus is written to a temporary folder; each worker count runs in a fresh child
process so its peak RSS (the parent's and the largest worker's) is its own. Prints wall
time, docs/s, MB/s of input text and MB/s *per core* (MB/s divided by the workers), the
speed-up over one worker (a ratio of two runs back to back on a shared machine: quote
it with that caveat), the parent's CPU share of the wall time (the parent reads, merges
corpus-level state and writes: it must not become the bottleneck), and per stage the
CPU seconds summed over workers and the MB/s one core gets through that stage.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpora import synthetic_documents, write_corpus

SOURCES = ("news", "noisy", "seeds")


def noisy_documents(quick: bool) -> list[tuple[str, str]]:
    """The generalisation benchmark's noisy pages, both halves (``[]`` when no source is installed)."""
    from benchmarks import sources
    from benchmarks.noise import make_cases

    docs = {}
    for name in ("news", "reviews", "debian-docs"):
        loaded, why = sources.load(name)
        if not why:
            docs[name] = loaded
    if not docs:
        return []
    per_cell = 1 if quick else 24
    cases = [c for half in ("dev", "test") for c in make_cases(half, docs, per_cell=per_cell)]
    return [(f"{i // 1000:03d}/{i:06d}.txt", c.text) for i, c in enumerate(cases)]


def corpus_documents(source: str, n: int, quick: bool) -> list[tuple[str, str]]:
    """The documents of one corpus (see the module docstring)."""
    if source == "noisy":
        return noisy_documents(quick)
    return synthetic_documents(n, source=source)


def child(input_dir: str, output_dir: str, workers: int, stages: str | None, profile: str | None = None) -> None:
    """Run one pipeline and print its measurements as JSON (runs in a fresh process).

    With ``profile``, the run is profiled (cProfile) and the statistics written
    there; with one worker that covers every stage, since they run in this process.
    """
    from pipeline.config import Config, RunConfig
    from pipeline.runner import run_pipeline

    run = RunConfig(workers=workers, progress=False)
    if stages:
        run = RunConfig(workers=workers, progress=False, stages=tuple(stages.split(",")))
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    report = run_pipeline(input_dir, output_dir, Config(run=run), warn=lambda m: None)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    wall = time.perf_counter() - t0
    parent_cpu = time.process_time() - cpu0
    print(
        json.dumps(
            {
                "wall": wall,
                "parent_cpu": parent_cpu,
                "docs": report["documents"]["read"],
                "written": report["documents"]["written"],
                "chars_in": report["characters"]["in"],
                "stage_seconds": report["timing"]["stage_seconds"],
                "rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000, help="documents to generate (default 20000)")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare (default 1,2)")
    parser.add_argument("--stages", help="comma-separated stage list (default: the default pipeline)")
    parser.add_argument("--source", choices=[*SOURCES, "all"], default="all",
                        help="news: clean prose; noisy: the noise benchmark's pages; seeds: the seeds' "
                             "damaged paragraphs (every stage works hard); all: the three (default)")
    parser.add_argument("--quick", action="store_true", help="small corpora: a smoke run for the test suite")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="profile the 1-worker run (cProfile) and print its N costliest functions (own time)")
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=3, metavar=("INPUT", "OUTPUT", "WORKERS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), args.stages, args.profile_out)
        return 0

    n = 300 if args.quick else args.docs
    chosen = SOURCES if args.source == "all" else (args.source,)
    summary: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cc-bench-") as tmp:
        for source in chosen:
            docs = corpus_documents(source, n, args.quick)
            if not docs:
                print(f"\n{source}: skipped (no source installed; see benchmarks/sources.py)")
                continue
            summary += measure_corpus(source, docs, Path(tmp) / source, args.workers, args.stages, args.profile)
    print("\nsummary: MB/s per core")
    for line in summary:
        print(line)
    return 0


def top_functions(stats_file: str, n: int) -> str:
    """The ``n`` functions with the most own time in a profile, as pstats prints them."""
    out = io.StringIO()
    pstats.Stats(stats_file, stream=out).strip_dirs().sort_stats("tottime").print_stats(n)
    text = out.getvalue()
    return "    " + text[text.find("   ncalls"):].rstrip().replace("\n", "\n    ")


def measure_corpus(source: str, docs: list[tuple[str, str]], folder: Path, workers_list: str,
                   stages: str | None, profile: int = 0) -> list[str]:
    """Run one corpus with each worker count in a fresh process; print its figures, return summary lines."""
    corpus = folder / "corpus"
    size = write_corpus(corpus, docs)
    mb = size / 1e6
    print(f"\n{source}: {len(docs):,} documents, {mb:.1f} MB")
    baseline = None
    summary = []
    for workers in (int(w) for w in workers_list.split(",")):
        cmd = [sys.executable, "-m", "benchmarks.bench_pipeline", "--child", str(corpus), f"{folder}/out{workers}",
               str(workers)]
        if stages:
            cmd += ["--stages", stages]
        stats_file = f"{folder}/profile{workers}.pstats"
        if profile and workers == 1:
            cmd += ["--profile-out", stats_file]
        result = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        wall = result["wall"]
        baseline = baseline or wall
        per_core = mb / wall / workers
        print(
            f"  workers={workers}: {wall:7.2f} s  {len(docs) / wall:8,.0f} docs/s  {mb / wall:6.2f} MB/s  "
            f"{per_core:6.2f} MB/s per core  speed-up x{baseline / wall:.2f}  "
            f"parent CPU {result['parent_cpu'] / wall:.0%} of wall  "
            f"peak RSS parent {result['rss_parent_mb']:.0f} MB, worker {result['rss_worker_mb']:.0f} MB"
        )
        busiest = sorted(result["stage_seconds"].items(), key=lambda kv: -kv[1])
        print("    per stage, CPU s (MB/s on one core): "
              + ", ".join(f"{k} {v:.2f} ({mb / v if v else float('inf'):.1f})" for k, v in busiest))
        if profile and workers == 1:
            print(top_functions(stats_file, profile))
        summary.append(f"  {source:<6} workers={workers}: {per_core:6.2f} MB/s per core, "
                       f"{mb / wall:6.2f} MB/s, speed-up x{baseline / wall:.2f}")
    return summary


if __name__ == "__main__":
    sys.exit(main())
