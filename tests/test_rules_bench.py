"""The rules benchmark's quick mode runs, so the script never rots (figures are printed, not asserted)."""

from __future__ import annotations

from benchmarks import bench_rules


def test_bench_rules_quick_mode_prints_its_figures(capsys) -> None:
    assert bench_rules.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert out.count("rules stage:") == 2 and "MB/s" in out and "peak RSS" in out
    assert "meta.header" in out  # the dirty corpus makes the rules fire


def test_dirty_corpus_wraps_seed_pages_in_site_chrome() -> None:
    clean = bench_rules.clean_docs(50_000)
    dirty = bench_rules.dirty_docs(clean)
    assert len(dirty) == len(clean) and dirty[0] != clean[0] and dirty[1] == clean[1]
    assert "返回顶部" in dirty[0]
