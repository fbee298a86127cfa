"""bench_passthrough --quick runs and prints both tables (figures are printed, never asserted against targets)."""

from __future__ import annotations

import subprocess
import sys

from benchmarks import sources
from benchmarks.bench_passthrough import excluded
from benchmarks.structure import KINDS, POSITIONS, make_cases, templates

from .conftest import ROOT


def test_quick_mode_prints_both_tables_for_both_halves():
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_passthrough", "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "| source | half |" in out and "| half | kind | position |" in out
    # People's Daily comes with the test extra: always measured, in both halves.
    assert "| news | dev |" in out and "| news | test |" in out
    for name in sources.SOURCES:
        measured = f"| {name} | dev |" in out and f"| {name} | test |" in out
        assert measured or f"skipped {name}:" in out, name
    for kind in KINDS:
        for position in POSITIONS:
            assert f"| test | {kind} | {position} |" in out and f"| dev | {kind} | {position} |" in out


def test_structure_cases_keep_ground_truth_and_halves_apart():
    dev, test = make_cases("dev", per_cell=2), make_cases("test", per_cell=2)
    for cases in (dev, test):
        hosts = [c.host_id for c in cases]
        assert len(hosts) == len(set(hosts))
        for case in cases:
            assert case.block in case.text
            assert all(p in case.text for p in case.host_text.split("\n\n"))
            assert not set(case.host_text.split("\n\n")) & set(case.block_paragraphs)
    assert not {c.host_id for c in dev} & {c.host_id for c in test}
    for kind in KINDS:
        dev_t, test_t = templates(kind, "dev"), templates(kind, "test")
        assert len(dev_t) + len(test_t) >= 20 and not {i for i, _ in dev_t} & {i for i, _ in test_t}
        assert {c.template for c in test if c.kind == kind} <= {f"{kind}#{i}" for i, _ in test_t}


def test_only_normalisation_is_excluded():
    assert excluded("normalize", "punctuation_width", ",", "，")
    assert excluded("whitespace", "blank_runs", "\n\n\n", "\n\n")
    assert not excluded("whitespace", "edges", "x", "")
    assert not excluded("normalize", "broken_paragraph", "\n", "")
    assert not excluded("repetition", "duplicate_line", "好\n", "")
