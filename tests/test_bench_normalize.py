"""The normalize benchmark's quick mode runs and prints its figures (never timed here)."""

from __future__ import annotations

import subprocess
import sys

import regex

from .conftest import ROOT


def test_quick_benchmark_prints_rates_for_the_installed_opencc_and_the_stage():
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_normalize", "--quick", "--mb", "0.05"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # The installed implementation's raw conversion rate, then one row per corpus.
    assert regex.search(r"(OpenCC 1\.4\.2|opencc-python-reimplemented 0\.1\.7) +[\d.]+ MB/s", out)
    for corpus in ("simplified news", "traditional mirror", "raw seeds"):
        assert regex.search(rf"{corpus}.*[\d.]+ \( *\d+\)", out), corpus
    # The other implementation is measured, or the reason it could not be is printed.
    assert regex.search(r"identical output: yes|unavailable: ", out)
    assert "peak RSS" in out
