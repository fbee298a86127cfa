"""Every benchmark's --quick mode runs, so the benchmarks never rot (timings are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

BENCHMARKS = sorted(p.stem for p in (ROOT / "benchmarks").glob("bench_*.py"))


def test_there_are_benchmarks():
    assert "bench_pipeline" in BENCHMARKS


@pytest.mark.parametrize("name", BENCHMARKS)
def test_quick_mode_runs_and_prints_figures(name):
    result = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "/s" in result.stdout, result.stdout  # a rate: docs/s or MB/s
