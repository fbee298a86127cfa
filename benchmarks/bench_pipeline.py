"""Throughput of the whole pipeline for 1 and 2 workers on a synthetic corpus.

    python -m benchmarks.bench_pipeline --docs 20000          # the issue's figure
    python -m benchmarks.bench_pipeline --docs 20000 --source news   # mostly clean input
    python -m benchmarks.bench_pipeline --quick               # a few hundred docs (run by the tests)

The corpus is generated (``corpora.synthetic_documents``) from the seeds'
damaged paragraphs or from clean news paragraphs into a temporary folder. Each worker count runs in a fresh child process so its
peak RSS (the parent's and the largest worker's) is its own. Prints docs/s, MB/s
of input text, wall time, peak RSS and the speed-up over one worker.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpora import synthetic_documents, write_corpus


def child(input_dir: str, output_dir: str, workers: int, stages: str | None) -> None:
    """Run one pipeline and print its measurements as JSON (runs in a fresh process)."""
    from pipeline.config import Config, RunConfig
    from pipeline.runner import run_pipeline

    run = RunConfig(workers=workers, progress=False)
    if stages:
        run = RunConfig(workers=workers, progress=False, stages=tuple(stages.split(",")))
    t0 = time.perf_counter()
    report = run_pipeline(input_dir, output_dir, Config(run=run), warn=lambda m: None)
    wall = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "wall": wall,
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
    parser.add_argument("--source", choices=["seeds", "news"], default="seeds",
                        help="seeds: the seeds' damaged paragraphs (every stage works hard); "
                             "news: clean People's Daily paragraphs (the common case)")
    parser.add_argument("--quick", action="store_true", help="300 documents: a smoke run for the test suite")
    parser.add_argument("--child", nargs=3, metavar=("INPUT", "OUTPUT", "WORKERS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), args.stages)
        return 0

    n = 300 if args.quick else args.docs
    with tempfile.TemporaryDirectory(prefix="cc-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        size = write_corpus(corpus, synthetic_documents(n, source=args.source))
        origin = "the seeds' paragraphs" if args.source == "seeds" else "clean news paragraphs"
        print(f"corpus: {n:,} documents, {size / 1e6:.1f} MB (synthetic, from {origin})")
        baseline = None
        for workers in (int(w) for w in args.workers.split(",")):
            cmd = [sys.executable, "-m", "benchmarks.bench_pipeline", "--child", str(corpus), f"{tmp}/out{workers}", str(workers)]
            if args.stages:
                cmd += ["--stages", args.stages]
            result = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            wall = result["wall"]
            baseline = baseline or wall
            print(
                f"workers={workers}: {wall:7.2f} s  {n / wall:8,.0f} docs/s  {size / 1e6 / wall:6.2f} MB/s  "
                f"peak RSS parent {result['rss_parent_mb']:.0f} MB, worker {result['rss_worker_mb']:.0f} MB  "
                f"speed-up x{baseline / wall:.2f}"
            )
            busiest = sorted(result["stage_seconds"].items(), key=lambda kv: -kv[1])
            print("           stage CPU seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in busiest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
