"""The dedup benchmark's quick mode runs, so the benchmark never rots (its figures are not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_dedup_quick_mode_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_dedup.py"), "--quick"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for heading in ("## Quality", "## Noisy copies (dev half)", "## Noisy copies (test half)", "## Signature speed",
                    "## End to end"):  # fmt: skip
        assert heading in result.stdout
    for kind in ("other_site", "traditional", "truncated", "extended", "combined"):
        assert f"| {kind} |" in result.stdout  # the per-kind table
    for figure in ("hard negatives dropped:", "chains merged", "clusters with more than one survivor",
                   "- wall:", "peak RSS of the whole process tree", "recall of the planted copies"):  # fmt: skip
        assert figure in result.stdout
    assert "identical to datasketch for the same hash values: True" in result.stdout
