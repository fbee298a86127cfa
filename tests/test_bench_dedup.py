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
    for heading in ("## Quality", "## Signature speed", "## End to end"):
        assert heading in result.stdout
    assert "identical to datasketch for the same hash values: True" in result.stdout
