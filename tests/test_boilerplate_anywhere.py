"""Recurring templates anywhere in a document: lines in the middle, and sentences glued inside lines.

Change examples: templates shared by several sites at the head, in the middle,
at the tail, glued to the end or start of a paragraph, or put between two of its
sentences (:func:`benchmarks.bench_boilerplate.multisite_corpus`). Keep
examples: a featured sentence one site prints in many articles, ``谢谢大家。``
glued to paragraphs on every site, a slogan quoted on a line of its own, prose
opening with a widget word (``打印帮助消息并退出。``), code (``#!/bin/sh``).
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.bench_boilerplate import (
    ONE_SITE_SENTENCE, SHARED_HEAD_SPAN, SHARED_MID_LINE, SHARED_MID_SPAN, SHARED_TAIL_LINE,
    SHARED_TAIL_SPAN, SLOGAN, THANKS, multisite_corpus, run_stage, score,
)
from benchmarks.corpora import clean_news
from pipeline.boilerplate import (
    MAX_FEATURED_TEXTS, Boilerplate, Summary, anywhere_features, may_have_featured_piece, piece_cuts, pieces,
)
from pipeline.config import Config, RunConfig
from pipeline.document import Document, replay
from pipeline.report import summary as text_summary
from pipeline.runner import run_pipeline
from pipeline.whitespace import Whitespace

from .conftest import read_tree, write_tree


@pytest.fixture(scope="module")
def corpus():
    pages = multisite_corpus(sites=9, pages=8)
    summary, outs = run_stage(Boilerplate(), [p.doc for p in pages])
    return pages, summary, outs


def test_every_template_goes_and_no_real_text(corpus):
    pages, _, outs = corpus
    s = score(pages, outs)
    assert s["template_left"] == 0 and s["real_removed"] == 0
    assert s["template"] > 5_000 and s["real"] > 50_000


def test_the_edge_rule_alone_leaves_the_middle_and_the_inline_templates(corpus):
    pages, _, _ = corpus
    _, outs = run_stage(Boilerplate(anywhere=False, spans=False), [p.doc for p in pages])
    left = " ".join(o.text for o in outs)
    for template in (SHARED_MID_LINE, SHARED_TAIL_SPAN, SHARED_HEAD_SPAN, SHARED_MID_SPAN):
        assert template in left
    assert score(pages, outs)["real_removed"] == 0


def test_real_text_recurring_within_one_site_or_without_a_feature_stays(corpus):
    pages, _, outs = corpus
    for text in (ONE_SITE_SENTENCE, THANKS, SLOGAN):
        before = sum(p.doc.text.count(text) for p in pages)
        assert before >= 4
        assert sum(o.text.count(text) for o in outs) == before, text


def test_a_span_goes_with_its_separator_and_the_rest_of_the_line_stays(corpus):
    pages, _, outs = corpus
    for page, out in zip(pages, outs):
        for line, kept in zip(page.doc.text.split("\n\n"), out.text.split("\n\n")):
            if line.startswith(SHARED_HEAD_SPAN):
                assert f"{SHARED_HEAD_SPAN}｜" + kept == line or kept not in line
            if line.endswith(SHARED_TAIL_SPAN) and len(line) > len(SHARED_TAIL_SPAN):
                assert line.removesuffix(SHARED_TAIL_SPAN) in out.text
            if SHARED_MID_SPAN in line:
                assert line.replace(SHARED_MID_SPAN, "") in out.text


def test_every_removal_is_in_the_edit_log_and_apply_is_idempotent(corpus):
    pages, summary, outs = corpus
    stage = Boilerplate()
    for page, out in zip(pages, outs):
        assert replay(page.doc.text, out.edits) == out.text
        again = stage.apply(Document(out.id, out.text, out.source, out.seq), summary)
        assert again.text == out.text and not again.edits


def test_span_and_mid_line_removals_carry_their_evidence(corpus):
    pages, _, outs = corpus
    rules = {e.rule for o in outs for e in o.edits}
    assert {"recurring_line", "recurring_template_line", "recurring_span"} <= rules
    evidence = [r for o in outs for r in o.meta.get("evidence", [])]
    spans = {r["text"]: r for r in evidence if r["rule"] == "recurring_span"}
    assert set(spans) == {SHARED_TAIL_SPAN, f"{SHARED_HEAD_SPAN}", SHARED_MID_SPAN}
    tail = spans[SHARED_TAIL_SPAN]
    assert tail["docs"] == 5 * 8 and tail["sites"] == 5 and tail["features"] == ["disclaimer"]
    (mid,) = {r["text"]: r for r in evidence if r["rule"] == "recurring_template_line"}.values()
    assert mid["text"] == SHARED_MID_LINE and mid["sites"] == 4 and mid["features"] == ["widget"]
    for o in outs:
        assert o.meta.get("decisions", {}).get("boilerplate/recurring_span:removed", 0) == sum(
            1 for r in o.meta.get("evidence", []) if r["rule"] == "recurring_span")


def test_one_site_only_nothing_goes_off_the_edges():
    """The same pages as one site: templates recur within one site only, so only the edge rule acts."""
    pages = multisite_corpus(sites=6, pages=6)
    docs = [Document(p.doc.id, p.doc.text, source="one/" + p.doc.source, seq=p.doc.seq) for p in pages]
    summary, outs = run_stage(Boilerplate(), docs)
    assert not summary.spans and not summary.anywhere and summary.hashes
    assert {e.rule for o in outs for e in o.edits} == {"recurring_line"}
    assert {b.text for b in summary.kept_spans} >= {SHARED_TAIL_SPAN, SHARED_MID_SPAN}


def test_report_lists_the_top_recurring_blocks_with_counts(corpus):
    _, summary, _ = corpus
    section = Boilerplate().describe(summary)
    spans = {b["text"]: b for b in section["top_spans"]}
    assert set(spans) == {SHARED_TAIL_SPAN, SHARED_HEAD_SPAN, SHARED_MID_SPAN}  # the tail line is listed as a line
    assert spans[SHARED_MID_SPAN] == {"text": SHARED_MID_SPAN, "docs": 24, "sites": 3, "features": ["disclaimer"]}
    top = {b["text"]: b for b in section["top"]}
    assert top[SHARED_MID_LINE]["where"] == "anywhere" and top[SHARED_MID_LINE]["docs"] == 32
    assert top[SHARED_TAIL_LINE]["where"] == "anywhere"
    assert section["anywhere_lines"] == 2 and section["boilerplate_spans"] == 5  # the two lines count as spans too
    assert section["settings"]["spans"] is True and section["settings"]["span_min_sites"] == 2


@pytest.fixture(scope="module")
def site_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("anywhere")
    pages = multisite_corpus(sites=6, pages=6, seed=3)
    write_tree(tmp / "in", {p.doc.source: p.doc.text for p in pages})
    results = {}
    for workers in (1, 2):
        out = tmp / f"out{workers}"
        report = run_pipeline(tmp / "in", out, Config(run=RunConfig(workers=workers, progress=False)),
                              stages=[Whitespace(), Boilerplate()], warn=lambda m: None)
        results[workers] = (out, report)
    return pages, results


def test_through_the_runner_workers_agree_and_the_summary_prints_the_blocks(site_run):
    pages, results = site_run
    assert read_tree(results[1][0]) == read_tree(results[2][0])
    out, report = results[1]
    on_disk = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert on_disk["sections"]["boilerplate"]["top_spans"] == report["sections"]["boilerplate"]["top_spans"]
    assert report["rules"]["boilerplate/recurring_span"]["edits"] > 0
    printed = text_summary(report)
    line = next(t for t in printed.splitlines() if t.startswith("top recurring blocks: "))
    assert "docs" in line and "(inline)" in line
    tsv = (out / "boilerplate.tsv").read_text(encoding="utf-8").splitlines()
    assert any(row.split("\t")[3] == "span" for row in tsv[1:])
    assert any(row.split("\t")[3] == "line:anywhere" for row in tsv[1:])
    edits = [json.loads(x) for x in (out / "audit" / "edits.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any(r.get("evidence") and r["evidence"][0]["stage"] == "boilerplate" for r in edits)


# -- what must stay even when it recurs on many sites ------------------------------------


@pytest.mark.parametrize("text", [
    "打印帮助消息并退出。",  # a widget word opening a sentence of prose (man pages)
    "#!/bin/sh",  # separators: code
    "软件包 流行度 大小 说明",  # separators: a table header
    "如果系统管理员想要屏蔽/usr/lib/目录中的某个配置文件，那么最佳做法是在/etc/目录中创建一个指向/dev/null的同名符号链接。",
    "谢谢大家。",
])
def test_lines_without_a_feature_that_counts_anywhere_stay_in_the_middle(text):
    assert not anywhere_features(text)
    rng = random.Random(1)
    texts = ["\n\n".join([f"标题{i}", *rng.sample(clean_news(), 3), text, *rng.sample(clean_news(), 3)])
             for i in range(12)]
    docs = [Document(str(i), t, source=f"site{i % 4}/{i}.txt", seq=i) for i, t in enumerate(texts)]
    summary, outs = run_stage(Boilerplate(), docs)
    assert not summary.anywhere and not summary.spans
    assert [o.text for o in outs] == texts


def test_a_featured_sentence_glued_on_one_site_stays_and_on_two_goes():
    rng = random.Random(2)
    call = "扫码关注某某网官方微信公众号，获取更多资讯。"
    assert anywhere_features(call) == ("widget",)  # a widget phrase in a sentence: a call, not prose
    texts = ["\n\n".join([f"标题{i}", *rng.sample(clean_news(), 2), rng.choice(clean_news()) + call]) for i in range(8)]
    one = [Document(str(i), t, source=f"only/{i}.txt", seq=i) for i, t in enumerate(texts)]
    _, outs = run_stage(Boilerplate(), one)
    assert [o.text for o in outs] == texts
    two = [Document(str(i), t, source=f"site{i % 2}/{i}.txt", seq=i) for i, t in enumerate(texts)]
    _, outs = run_stage(Boilerplate(), two)
    assert [o.text for o in outs] == [t.removesuffix(call) for t in texts]
    assert [e.rule for o in outs for e in o.edits] == ["recurring_span"] * 8


# -- pieces, cuts and the gate -----------------------------------------------------------


@pytest.mark.parametrize("line, expected", [
    ("约翰·史密斯说，好。", ["约翰·史密斯说，好。"]),  # a name's dot is no separator
    ("详见 http://x.cn/a?id=1 页面", ["详见 http://x.cn/a?id=1 页面"]),  # nor a URL's question mark
    ("某某网——传播正能量", ["某某网", "传播正能量"]),
    ("他说——", ["他说"]),
    ("甲。乙！丙？“丁。”戊", ["甲。", "乙！", "丙？", "“丁。”", "戊"]),
    ("首页 · 新闻 | 体育", ["首页", "新闻", "体育"]),
    ("", []),
])
def test_pieces(line, expected):
    assert [line[a:b] for a, b in pieces(line)] == expected


def test_cuts_leave_no_stray_separator():
    line = "正文一句。——来源：网络整理｜关注我们"
    spans = pieces(line)
    assert [line[a:b] for a, b in spans] == ["正文一句。", "来源：网络整理", "关注我们"]
    cut = piece_cuts(line, spans, {1, 2})
    assert cut == [(spans[0][1], len(line))]
    cut = piece_cuts(line, spans, {1})
    assert line[: cut[0][0]] + line[cut[0][1]:] == "正文一句。——关注我们"  # one separator between the neighbours


fragments = st.sampled_from([
    "正文一句", "来源：某某网", "电话：010-12345678", "www.example.cn", "关注我们", "扫一扫", "本站声明不代表本站观点",
    "打印", "首页", "作者：张三", "版权所有", "news@example.cn", "他说", "谢谢大家", "1", "", " ",
])
separators = st.sampled_from(["。", "！", "？", "|", "｜", "——", " · ", " ", "，", "", "”", "、"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(fragments, separators), max_size=8))
def test_the_line_gate_never_misses_a_featured_piece(parts):
    line = "".join(f + s for f, s in parts)
    if any(anywhere_features(line[a:b]) for a, b in pieces(line)):
        assert may_have_featured_piece(line)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(fragments, separators), max_size=8).map(lambda ps: "".join(f + s for f, s in ps)),
       st.lists(st.sampled_from(["正文一段。", "关注我们", "版权所有"]), max_size=4))
def test_apply_is_audited_and_idempotent_on_any_line(span_summary, line, extra):
    stage = Boilerplate()
    text = "\n".join([line, *extra])
    doc = stage.apply(Document("p", text), span_summary)
    assert replay(text, doc.edits) == doc.text
    assert all(e.after == "" for e in doc.edits)
    again = stage.apply(Document("p", doc.text), span_summary)
    assert again.text == doc.text


@pytest.fixture(scope="module")
def span_summary() -> Summary:
    rng = random.Random(4)
    stage = Boilerplate()
    texts = ["\n\n".join([f"标题{i}", rng.choice(clean_news()) + "关注我们。扫一扫", "来源：某某网｜" + rng.choice(clean_news()),
                          rng.choice(clean_news())])
             for i in range(10)]
    return stage.merge(stage.observe(Document(str(i), t, source=f"s{i % 3}/{i}.txt", seq=i)) for i, t in enumerate(texts))


# -- memory ------------------------------------------------------------------------------


def test_the_state_holds_hashes_and_only_edge_and_featured_texts():
    rng = random.Random(5)
    body = rng.sample(clean_news(), 40)
    body[20] += SHARED_TAIL_SPAN
    body[25] = SHARED_MID_LINE
    state = Boilerplate().observe(Document("x", "\n\n".join(["标题", *body, "页脚"])))
    texts = set(state.texts.values())
    assert SHARED_TAIL_SPAN in texts and SHARED_MID_LINE in texts
    assert len(texts) <= 16 + MAX_FEATURED_TEXTS
    assert not any(t in texts for t in body[9:20])  # the body's prose: hashes only
    assert len(state.spans) == 2  # the glued disclaimer and the mid line: the featured pieces only
    assert int(state.featured.sum()) == 2  # the line the span is glued to, and the mid line


def test_a_page_of_contacts_carries_a_bounded_number_of_texts():
    lines = [f"联系电话：0{10 + i}-{1234567 + i}" for i in range(200)]
    state = Boilerplate().observe(Document("x", "\n".join(lines)))
    assert len(state.texts) <= 16 + MAX_FEATURED_TEXTS
    assert len(state.spans) == 200 and int(state.featured.sum()) == 200



# -- options -----------------------------------------------------------------------------


def test_the_options_come_from_the_config_and_bad_ones_are_refused():
    from pipeline.config import parse_config

    (stage,) = [s for s in parse_config({"boilerplate": {"spans": False, "span_min_sites": 3}}).build_stages()
                if s.name == "boilerplate"]
    assert stage.spans is False and stage.span_min_sites == 3 and stage.anywhere is True
    with pytest.raises(ValueError):
        Boilerplate(span_min_chars=10, span_max_chars=5)
    with pytest.raises(ValueError):
        Boilerplate(span_min_sites=0)


def test_spans_off_keeps_the_inline_templates_and_anywhere_off_the_mid_lines(corpus):
    pages, _, _ = corpus
    docs = [p.doc for p in pages]
    _, outs = run_stage(Boilerplate(spans=False), docs)
    left = " ".join(o.text for o in outs)
    assert SHARED_TAIL_SPAN in left and SHARED_MID_LINE not in left
    _, outs = run_stage(Boilerplate(anywhere=False), docs)
    left = " ".join(o.text for o in outs)
    assert SHARED_TAIL_SPAN not in left and SHARED_MID_SPAN not in left
    assert {e.rule for o in outs for e in o.edits} <= {"recurring_line", "recurring_span", "recurring_long_line"}
