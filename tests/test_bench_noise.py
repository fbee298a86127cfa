"""bench_noise --quick runs and prints well-formed figures (never asserted against targets); the noise keeps its ground truth."""

from __future__ import annotations

import random
import re
import subprocess
import sys

from benchmarks import sources
from benchmarks.bench_noise import Probe, found, residue
from benchmarks.noise import FAMILIES, POSITIONS, Context, Item, Line, Op, fill, fold, make_cases, templates

from .conftest import ROOT

_PCT = r"(?:\d+\.\d%|—)"


def _docs() -> dict[str, list[tuple[str, str]]]:
    return {name: sources.load(name)[0] for name in ("news", "reviews", "debian-docs") if sources.load(name)[0]}


def test_quick_mode_prints_every_family_for_both_halves():
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_noise", "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for half in ("dev", "test"):
        for family in FAMILIES:
            row = re.search(rf"^\| {half} \| {family} \| (\d+) \| ({_PCT})(?: of breaks)? \| (.*) \| (\d+\.\d\d)% \|$", out, re.M)
            assert row, (half, family)
            assert int(row[1]) > 0
            cells = row[3].split(" | ")
            assert len(cells) == len(POSITIONS)
            for cell in cells:
                assert re.fullmatch(rf"{_PCT} \(\d+\)|—", cell), cell
            assert 0 <= float(row[4]) <= 100
        assert re.search(rf"^\| {half} \| all \| \d+ \| \d+ \| {_PCT} \| \d+\.\d\d% \| [01]\.\d{{4}} \|", out, re.M)
        assert f"overall ({half}): residue" in out
        for name in ("news", "reviews", "debian-docs"):
            assert f"| {half} | {name} |" in out or f"skipped {name}:" in out
    for value in re.findall(r"(\d+\.\d)%", out):
        assert 0 <= float(value) <= 100


def test_one_family_and_one_half():
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_noise", "--quick", "--half", "dev", "--family", "pinyin", "--show", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| dev | pinyin |" in result.stdout and "| test |" not in result.stdout
    assert "| dev | ads |" not in result.stdout


def test_every_family_has_twenty_templates_split_by_index_and_every_position_in_both_halves():
    assert len(FAMILIES) >= 12
    for family, table in FAMILIES.items():
        assert len(table) >= 20, family
        dev, test = templates(family, "dev"), templates(family, "test")
        assert {i for i, _ in dev} == set(range(0, len(table), 2))
        assert {i for i, _ in test} == set(range(1, len(table), 2))
        made_for = {p for t in table for p in t.positions}
        for half in (dev, test):
            assert {p for _, t in half for p in t.positions} == made_for, family
    line_families = [f for f, t in FAMILIES.items() if all(isinstance(x, Line) for x in t)]
    for family in line_families:
        for half in ("dev", "test"):
            assert {p for _, t in templates(family, half) for p in t.positions} == set(POSITIONS), family
    ad_kinds = {t.kind for t in FAMILIES["ads"]}
    assert {"loans", "invoices", "medical", "cosmetics", "education", "jobs", "realestate", "travel",
            "shopping", "app", "games", "adult", "seo"} <= ad_kinds
    for half in ("dev", "test"):
        assert {t.kind for _, t in templates("ads", half)} == ad_kinds


def test_fill_ins_are_random_but_seeded():
    ctx = Context("标题", ["另一篇文章的标题"])
    a = [fill(t.text, random.Random(7), ctx) for t in FAMILIES["ads"] if isinstance(t.text, str)]
    b = [fill(t.text, random.Random(7), ctx) for t in FAMILIES["ads"] if isinstance(t.text, str)]
    c = [fill(t.text, random.Random(8), ctx) for t in FAMILIES["ads"] if isinstance(t.text, str)]
    assert a == b and a != c
    assert not any("{" in s for s in a)


def test_cases_keep_ground_truth_and_halves_apart():
    docs = _docs()
    dev, test = make_cases("dev", docs, per_cell=2), make_cases("test", docs, per_cell=2)
    assert make_cases("dev", docs, per_cell=2) == dev
    assert not {c.id.split("/", 2)[2] for c in dev} & {c.id.split("/", 2)[2] for c in test}
    for half, cases in (("dev", dev), ("test", test)):
        ids = [c.id for c in cases]
        assert len(ids) == len(set(ids))
        for case in cases:
            assert 1 <= len(case.items) <= 3
            assert sources.half_of(case.id.split("/", 2)[2]) == half
            assert case.text != case.clean
            for item in case.items:
                assert item.half == half and item.template % 2 == (half == "test")
                assert item.text in case.text, item
                assert item.probes
                if item.unit == "chars" and item.family != "mojibake":
                    assert all(p in case.text for p in item.probes), item
        # Every family at every position its templates are made for.
        cells = {(it.family, it.position) for c in cases for it in c.items}
        for family, table in FAMILIES.items():
            for position in {p for t in table for p in t.positions}:
                assert (family, position) in cells, (half, family, position)


def test_transforms_keep_the_real_text_recoverable():
    cases = make_cases("dev", _docs(), per_cell=2, families=["broken", "mojibake", "pinyin", "markdown"])
    for case in cases:
        for item in case.items:
            if item.family == "broken":
                assert all("\n" in p for p in item.probes)
                # Undoing the breaks gives the clean text back.
                assert re.sub(r"[ 　\r\n]", "", case.text) .find(re.sub(r"[ 　\r\n]", "", item.text)) >= 0
            if item.family == "mojibake":
                assert item.text not in case.clean and not item.repair


def test_measures():
    assert found(["今天天气很好。"], ["今天天气很好。"]) == 7
    assert found(["今天天气很好。"], []) == 0
    assert found(["今天天气很好啊。"], ["今天天气", "很好啊。"]) == 8
    ad = Item("ads", "loans", 0, "dev", "inline", "贷款热线1234", ("贷款热线1234",))
    probe = Probe(ad, [fold("贷款热线1234")])
    assert residue([probe], "正文，贷款热线1234，正文。", "正文，正文。") == [8]
    assert residue([probe], "正文，正文。", "正文，正文。") == [0]
    # Only the copy beyond the reference counts: a repeated title is residue once.
    title = Item("title", "title", 0, "dev", "head", "标题新闻", ("标题新闻",))
    assert residue([Probe(title, ["标题新闻"])], "标题新闻\n标题新闻\n正文。", "标题新闻\n正文。") == [4]
    assert residue([Probe(title, ["标题新闻"])], "标题新闻\n正文。", "标题新闻\n正文。") == [0]
    brk = Item("broken", "wrap", 0, "dev", "middle", "一二三四\n五六七八", ("一二三四\n五六七八",), unit="breaks")
    assert residue([Probe(brk, list(brk.probes))], "一二三四\n五六七八", "一二三四五六七八") == [1]
    assert residue([Probe(brk, list(brk.probes))], "一二三四五六七八", "一二三四五六七八") == [0]
    assert isinstance(FAMILIES["broken"][0], Op)


def test_the_measures_see_all_junk_in_the_noisy_input_and_none_in_the_clean_page():
    """Calibration of the measures themselves (not of the pipeline): an identity 'cleaner' leaves all, a perfect one none."""
    from benchmarks.bench_noise import _lines, prepare

    cases = make_cases("test", _docs(), per_cell=2)
    size: dict[str, int] = {}
    left: dict[str, int] = {}
    for case in cases:
        probes = prepare(list(case.items))
        assert residue(probes, case.clean, case.clean) == [0] * len(probes)
        for probe, kept in zip(probes, residue(probes, case.text, case.clean)):
            size[probe.item.family] = size.get(probe.item.family, 0) + probe.size
            left[probe.item.family] = left.get(probe.item.family, 0) + kept
        clean = _lines(case.clean)
        assert found(clean, clean) == sum(map(len, clean))
        assert found(clean, _lines(case.text)) >= 0.95 * sum(map(len, clean))
    for family in FAMILIES:
        # Mojibake probes are normalised (OpenCC) as the pipeline would; the raw input is not.
        assert left[family] >= (0.8 if family == "mojibake" else 0.97) * size[family], family
