"""The corpus-level boilerplate stage, its counting structures, and a run through the runner."""

from __future__ import annotations

import json
import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.corpora import clean_news
from pipeline.boilerplate import Boilerplate, Summary, edge_zone
from pipeline.config import Config, RunConfig
from pipeline.document import Document, replay
from pipeline.lines import key_hash, line_key, split_lines
from pipeline.quality import Quality
from pipeline.repetition import Repetition
from pipeline.runner import run_pipeline
from pipeline.sketch import BloomFilter, CountMinSketch
from pipeline.whitespace import Whitespace

from .conftest import read_tree, write_tree

NAV = "首页 > 新闻中心 > 正文"
FOOTER_A = ("版权所有 © 2024 渝州新闻网 渝ICP备12345678号-1", "联系电话：023-12345678")
FOOTER_B = ("本网站所刊载信息，不代表本站观点。", "如有侵权请联系删除", "网站建设：某某科技")
SLOGAN = "绿水青山就是金山银山"


def summary_for(stage: Boilerplate, texts: list[str], site: str | None = None) -> Summary:
    """The stage's summary of ``texts``: each a file of its own (a site each, see ``site_of``), or all of one site."""
    return stage.merge(
        stage.observe(Document(str(i), t, source=f"{site}/{i}.txt" if site else f"{i}.txt", seq=i))
        for i, t in enumerate(texts)
    )


def unique_paragraphs(rng: random.Random, n: int) -> list[str]:
    """``n`` different paragraphs of clean news (no article text recurs by accident)."""
    return rng.sample(clean_news(), n)


def site_corpus(seed: int = 7) -> dict[str, str]:
    """Two sites with their template lines, slogan quotes in the middle of text, a few at the end.

    * site A (30 pages): navigation line on top, two footer lines;
    * site B (12 pages): three footer lines (longer than the tail zone of short pages);
    * 20 pages of site A put the slogan on its own line in the middle, 10 quote it
      inside a sentence, and 6 other pages (no site) end with it: more than
      ``min_docs`` edge occurrences, but a minority of the slogan's documents.
    """
    rng = random.Random(seed)
    files: dict[str, str] = {}
    for i in range(30):
        body = unique_paragraphs(rng, 6)
        if i < 20:
            body.insert(3, SLOGAN)
        elif i < 30:
            body[2] = f"他说，{SLOGAN}，这是发展的根本。" + body[2]
        files[f"a/{i:03d}.txt"] = "\n\n".join([NAV, f"渝州新闻第{i}号", *body, *FOOTER_A])
    for i in range(12):
        body = unique_paragraphs(rng, rng.randint(3, 8))
        files[f"b/{i:03d}.txt"] = "\n\n".join([f"标题{i}", *body, *FOOTER_B])
    for i in range(6):
        files[f"c/{i:03d}.txt"] = "\n\n".join([f"评论{i}", *unique_paragraphs(rng, 4), SLOGAN])
    return files


STAGES = [Whitespace(), Repetition(), Boilerplate(), Quality()]


def run_corpus(tree, tmp_path, files, workers: int, name: str):
    root = tree(files, name=f"in-{name}")
    out = tmp_path / f"out-{name}"
    report = run_pipeline(root, out, Config(run=RunConfig(workers=workers, progress=False)),
                          stages=STAGES, warn=lambda m: None)
    return out, report


@pytest.fixture(scope="module")
def site_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sites")
    files = site_corpus()
    write_tree(tmp / "in", files)
    results = {}
    for workers in (1, 2):
        out = tmp / f"out{workers}"
        report = run_pipeline(tmp / "in", out, Config(run=RunConfig(workers=workers, progress=False)),
                              stages=STAGES, warn=lambda m: None)
        results[workers] = (out, report)
    return files, results


def corpus_texts(out) -> dict[str, str]:
    return {p.relative_to(out / "corpus").as_posix(): p.read_text(encoding="utf-8")
            for p in sorted((out / "corpus").rglob("*.txt"))}


def test_footer_and_navigation_removed_everywhere(site_run):
    files, results = site_run
    out, _ = results[1]
    texts = corpus_texts(out)
    assert len(texts) == len(files)
    for text in texts.values():
        for line in (NAV, *FOOTER_A, *FOOTER_B):
            assert line not in text


def test_slogan_kept_wherever_it_was(site_run):
    files, results = site_run
    out, _ = results[1]
    texts = corpus_texts(out)
    assert sum(t.count(SLOGAN) for t in files.values()) == 36
    for rel, original in files.items():
        assert texts[rel].count(SLOGAN) == original.count(SLOGAN), rel


def test_article_text_is_untouched(site_run):
    files, results = site_run
    out, _ = results[1]
    texts = corpus_texts(out)
    template = {NAV, *FOOTER_A, *FOOTER_B}
    for rel, original in files.items():
        kept = [p for p in original.split("\n\n") if p not in template]
        assert texts[rel] == "\n\n".join(kept) + "\n", rel


def test_workers_one_and_two_give_identical_output(site_run):
    _, results = site_run
    assert read_tree(results[1][0]) == read_tree(results[2][0])


def test_report_lists_the_top_blocks_and_the_kept_slogan(site_run):
    _, results = site_run
    out, report = results[1]
    section = report["sections"]["boilerplate"]
    top = {b["text"]: b for b in section["top"]}
    assert set(top) == {NAV, *FOOTER_A, *FOOTER_B}
    assert top[NAV]["docs"] == 30 and top[NAV]["edge_docs"] == 30
    assert top[FOOTER_B[0]]["docs"] == 12
    assert section["documents"] == 48
    kept = {b["text"]: b for b in section["kept_mid_text"]}
    assert kept[SLOGAN]["edge_docs"] == 6 and kept[SLOGAN]["docs"] == 26
    assert report["rules"]["boilerplate/recurring_line"]["edits"] == 30 * 3 + 12 * 3
    tsv = (out / "boilerplate.tsv").read_text(encoding="utf-8").splitlines()
    assert tsv[0] == "docs\tedge_docs\tsites\tkind\ttext" and len(tsv) == 1 + 6
    assert tsv[1].split("\t")[3] == "line:edge"
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["sections"]["boilerplate"] == section


def test_below_the_threshold_nothing_is_removed(tree, tmp_path):
    rng = random.Random(3)
    files = {f"{i}.txt": "\n\n".join([f"标题{i}", *unique_paragraphs(rng, 4), *FOOTER_A]) for i in range(4)}
    out, report = run_corpus(tree, tmp_path, files, 1, "few")
    assert report["sections"]["boilerplate"]["boilerplate_lines"] == 0
    assert all(FOOTER_A[0] in t for t in corpus_texts(out).values())


def test_copies_of_one_article_count_once():
    """A wire story reposted by many sites keeps its headline; the sites' footers still go."""
    rng = random.Random(5)
    story = ["外交部发言人答记者问", *unique_paragraphs(rng, 5)]
    texts = ["\n\n".join([*story, f"来源：第{i % 3}号网站", f"第{i % 3}号网站版权所有"]) for i in range(12)]
    stage = Boilerplate(min_docs=3)
    summary = summary_for(stage, texts)
    assert key_hash(line_key(story[0])) not in summary.hashes
    # The footers recur in copies of the same article only: one document each.
    assert not summary.hashes
    other = ["\n\n".join([f"标题{i}", *unique_paragraphs(rng, 5), "第0号网站版权所有"]) for i in range(3)]
    summary = summary_for(stage, texts + other)
    assert summary.hashes == {key_hash(line_key("第0号网站版权所有"))}


def test_long_boilerplate_line_goes_even_in_the_middle():
    rng = random.Random(9)
    notice = "本文仅代表作者个人观点，与本网站立场无关，本站对文中陈述、观点判断保持中立，不对所包含内容的准确性提供任何保证"
    texts = ["\n\n".join([f"标题{i}", *unique_paragraphs(rng, 6), notice]) for i in range(6)]
    stage = Boilerplate()
    middle = "\n\n".join(["标题x", *unique_paragraphs(rng, 3), notice, *unique_paragraphs(rng, 3)])
    # At the edges of one site's pages only: edge boilerplate, removed in the middle for its length.
    doc = stage.apply(Document("x", middle), summary_for(stage, texts, site="onesite"))
    assert notice not in doc.text
    assert [e.rule for e in doc.edits] == ["recurring_long_line"]
    # On several sites, with a feature (a disclaimer): boilerplate anywhere, with its evidence logged.
    doc = stage.apply(Document("x", middle), summary_for(stage, texts))
    assert notice not in doc.text and [e.rule for e in doc.edits] == ["recurring_template_line"]
    (evidence,) = doc.meta["evidence"]
    assert evidence["docs"] == 6 and evidence["sites"] == 6 and evidence["features"] == ["disclaimer"]
    short = "\n\n".join(["标题y", *unique_paragraphs(rng, 3), "联系电话：023-12345678", *unique_paragraphs(rng, 3)])
    texts = ["\n\n".join([f"标题{i}", *unique_paragraphs(rng, 6), "联系电话：023-12345678"]) for i in range(6)]
    # A short template line recurring on one site only: in the middle it may be that outlet's own text, kept.
    doc = stage.apply(Document("y", short), summary_for(stage, texts, site="onesite"))
    assert doc.text == short
    # Recurring on several sites (each file is a site here) with a feature: boilerplate anywhere.
    doc = stage.apply(Document("y", short), summary_for(stage, texts))
    assert "联系电话" not in doc.text and [e.rule for e in doc.edits] == ["recurring_template_line"]


def test_footer_block_longer_than_the_zone_goes_whole():
    rng = random.Random(11)
    footer = [f"页脚第{k}行：某某信息" for k in range(6)]
    texts = ["\n\n".join([f"标题{i}", *unique_paragraphs(rng, 14), *footer]) for i in range(6)]
    stage = Boilerplate()
    summary = summary_for(stage, texts)
    assert len(summary.hashes) == 6  # long pages: the whole footer is in the 8-line zone
    # A short page has a 3-line zone; the rest of the block touches it and goes too.
    body = unique_paragraphs(rng, 2)
    doc = stage.apply(Document("z", "\n\n".join(["标题z", *body, *footer])), summary)
    assert doc.text == "\n\n".join(["标题z", *body])


def test_describe_warns_when_the_table_is_full():
    rng = random.Random(13)
    texts = ["\n\n".join([f"标题{i}", *unique_paragraphs(rng, 4), "页脚一", "页脚二"]) for i in range(6)]
    stage = Boilerplate(max_blocks=1)
    summary = summary_for(stage, texts)
    assert len(summary.hashes) == 1
    assert summary.not_admitted > 0
    assert "max_blocks" in " ".join(stage.describe(summary)["warnings"])


def test_edge_zone_is_at_most_a_third():
    assert [edge_zone(n, 8) for n in (0, 2, 3, 9, 30, 100)] == [0, 0, 1, 3, 8, 8]


def test_invalid_options_are_refused():
    with pytest.raises(ValueError):
        Boilerplate(min_docs=1)
    with pytest.raises(ValueError):
        Boilerplate(min_edge_share=1.5)
    with pytest.raises(ValueError):
        Boilerplate(min_chars=10, max_chars=5)


# -- counting structures ---------------------------------------------------------------------

keys = st.lists(st.integers(min_value=0, max_value=2**64 - 1), min_size=1, max_size=300)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=400))
def test_count_min_never_counts_too_low(items):
    cms = CountMinSketch(width_bits=6, depth=3)  # tiny on purpose: collisions happen
    for item in items:
        cms.add(np.array([item * 0x9E3779B97F4A7C15 % 2**64], dtype=np.uint64))
    truth = Counter(items)
    probe = np.array([k * 0x9E3779B97F4A7C15 % 2**64 for k in truth], dtype=np.uint64)
    assert all(est >= truth[k] for k, est in zip(truth, cms.query(probe).tolist()))


def test_count_min_is_exact_when_roomy():
    cms = CountMinSketch(width_bits=16)
    hashes = np.array([key_hash(str(i)) for i in range(200)], dtype=np.uint64)
    for _ in range(3):
        cms.add(hashes)
    assert cms.query(hashes).tolist() == [3] * 200


@settings(max_examples=60, deadline=None)
@given(keys, keys)
def test_bloom_has_no_false_negatives(first, second):
    bloom = BloomFilter(bits_log2=10)
    bloom.add_new(np.array(first, dtype=np.uint64))
    again = bloom.add_new(np.array(first + second, dtype=np.uint64))
    assert not again[: len(first)].any()


# -- properties of apply ---------------------------------------------------------------------

LINES = ["首页", "版权所有", "正文一段。", "正文二段。", "联系电话：123", "", " "]
docs = st.lists(st.sampled_from(LINES), max_size=15).map("\n".join) | st.text(max_size=120)


@pytest.fixture(scope="module")
def template_summary() -> Summary:
    stage = Boilerplate(min_docs=2)
    texts = [f"首页\n标题{i}\n正文{i}。\n正文{i}{i}。\n联系电话：123\n版权所有" for i in range(4)]
    return summary_for(stage, texts)


@settings(max_examples=150, deadline=None)
@given(docs)
def test_apply_is_audited_and_idempotent(template_summary, text):
    stage = Boilerplate(min_docs=2)
    doc = stage.apply(Document("p", text), template_summary)
    assert replay(text, doc.edits) == doc.text
    assert all(e.after == "" and e.rule.startswith("recurring") for e in doc.edits)
    again = stage.apply(Document("p", doc.text), template_summary)
    assert again.text == doc.text


def test_observe_state_is_compact():
    text = "\n\n".join(["标题", *clean_news()[:30], "页脚"])
    state = Boilerplate().observe(Document("x", text))
    countable = [line for line in split_lines(text) if len(line_key(line.text)) <= 200]
    assert 20 < len(countable) < 32  # paragraphs over 200 characters are never boilerplate
    assert len(state.hashes) == len(countable)
    assert set(state.texts) <= set(state.hashes.tolist())
    assert len(state.texts) <= 16  # edge lines only: 8 at each end
