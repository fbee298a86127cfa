"""The quality stage: signals in meta, conservative drops with the reason in the audit."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.corpora import clean_news, clean_news_lines, news_articles
from pipeline.audit import read_dropped
from pipeline.config import Config, RunConfig
from pipeline.document import Document
from pipeline.lines import line_key
from pipeline.quality import Quality, cjk_share, duplicate_share, measure, paragraph_units, top_ngram_share
from pipeline.repetition import Repetition
from pipeline.runner import run_pipeline
from pipeline.whitespace import Whitespace

from .conftest import SEEDS
from .handmade import seed_001, seed_002

SIGNALS = {"cjk_share", "duplicate_lines", "duplicate_paragraphs", "top_ngram_share",
           "mean_paragraph_chars", "removed_share", "stuffing_score"}


def cleaned(text: str) -> Document:
    """A document through whitespace and repetition, as quality will receive it."""
    doc = Document("t", text)
    return Repetition().apply(Whitespace().apply(doc))


def test_signals_are_recorded_for_every_document():
    doc = Quality().apply(cleaned(seed_001()))
    assert set(doc.meta["quality"]) == SIGNALS
    assert doc.dropped is None


def test_001_signals_see_the_original_repeats_and_the_stuffing():
    raw = seed_001()
    doc = Quality().apply(cleaned(raw))
    q = doc.meta["quality"]
    # 35 non-empty lines, 3 of them title repeats: measured on the text as it came in.
    assert q["duplicate_lines"] == round(3 / 35, 4)
    assert q["duplicate_paragraphs"] == round(3 / 35, 4)
    assert q["removed_share"] == round(1 - len(doc.text) / len(raw), 4)
    assert q["stuffing_score"] == doc.meta["stuffing_score"] > 0


def test_002_duplicate_block_counted_before_cleaning():
    doc = Quality().apply(cleaned(seed_002()))
    counted = [p for p in seed_002().split("\n\n") if line_key(p)]
    assert doc.meta["quality"]["duplicate_lines"] == round(3 / len(counted), 4)
    assert doc.dropped is None


def test_no_seed_is_dropped(tmp_path):
    report = run_pipeline(SEEDS, tmp_path / "out", Config(run=RunConfig(workers=1, progress=False)),
                          stages=[Whitespace(), Repetition(), Quality()], warn=lambda m: None)
    assert report["documents"]["dropped"] == 0
    assert report["documents"]["written"] == 5


def test_no_clean_news_article_is_dropped():
    articles = news_articles(clean_news_lines()[:8000])
    stage = Quality()
    dropped = [a[0] for a in articles if stage.apply(cleaned("\n\n".join(a))).dropped]
    assert len(articles) > 500
    assert dropped == []


# -- drops ---------------------------------------------------------------------------------


def test_mostly_removed_page_is_dropped_with_the_reason():
    doc = Document("t", "正文。" + "页脚" * 50)
    doc.replace([(3, len(doc.text), "")], "boilerplate", "recurring_line")
    Quality().apply(doc)
    assert doc.dropped is not None
    assert (doc.dropped.stage, doc.dropped.reason) == ("quality", "removed_share")
    assert doc.dropped.details == {"value": round(100 / 103, 4), "threshold": 0.8}


def test_page_of_repeated_lines_is_dropped():
    text = "\n".join(["点击领取红包，注册就送大礼包"] * 6 + ["今天天气很好。"])
    doc = Quality().apply(cleaned(text))
    assert doc.dropped is not None and doc.dropped.reason == "duplicate_lines"


def test_phrase_spam_is_dropped_by_ngram_repetition():
    text = "\n\n".join(f"第{i}条：" + "买彩票上某某网" * 5 for i in range(6))
    doc = Quality().apply(cleaned(text))
    assert doc.dropped is not None and doc.dropped.reason == "top_ngram_share"


def test_short_headline_is_not_judged_on_ngrams():
    doc = Quality().apply(Document("t", "成也规模败也规模"))
    assert doc.meta["quality"]["top_ngram_share"] > 0.5
    assert doc.dropped is None


def test_stuffed_page_is_dropped_when_most_paragraphs_are_stuffed():
    doc = Document("t", "正文。", meta={"stuffing_score": 0.75})
    assert Quality().apply(doc).dropped.reason == "stuffing_score"


def test_optional_thresholds_are_off_by_default():
    doc = Quality().apply(Document("t", "Hello world, an English page."))
    assert doc.meta["quality"]["cjk_share"] == 0 and doc.dropped is None
    doc = Quality(min_cjk_share=0.3).apply(Document("t", "Hello world, an English page."))
    assert doc.dropped.reason == "cjk_share"
    doc = Quality(min_chars=20).apply(Document("t", "短。"))
    assert doc.dropped.reason == "chars"


def test_dropped_documents_are_in_the_audit(tree, tmp_path):
    root = tree({"spam.txt": "\n".join(["加微信领红包，稳赚不赔"] * 8), "ok.txt": clean_news()[0]})
    run_pipeline(root, tmp_path / "out", Config(run=RunConfig(workers=1, progress=False)),
                 stages=[Whitespace(), Repetition(), Quality()], warn=lambda m: None)
    (record,) = read_dropped(tmp_path / "out")
    assert record["id"] == "spam.txt" and record["stage"] == "quality"
    assert record["reason"] == "duplicate_lines" and record["details"]["value"] == 0.875


def test_invalid_thresholds_are_refused():
    with pytest.raises(ValueError):
        Quality(max_removed_share=1.2)
    with pytest.raises(ValueError):
        Quality(top_ngram=0)


# -- units ---------------------------------------------------------------------------------


def test_units():
    assert cjk_share("中文，ab") == 0.5
    assert duplicate_share(["一段。", "一段！", "二段。"]) == pytest.approx(1 / 3)
    assert top_ngram_share("哈" * 10, 3) == 1.0
    assert paragraph_units("a\n\nb\nc") == ["a", "b\nc"]


def test_top_ngram_share_of_distinct_long_ngrams_is_zero():
    # Sixty different 4-grams ``X乙丙丁``: no 4-gram (or 5-gram) occurs twice.
    text = "".join(chr(0x4E00 + 2 * k) + "乙丙丁" for k in range(60))
    assert top_ngram_share(text, 4) == 0.0
    assert top_ngram_share(text, 5) == 0.0
    assert top_ngram_share(text, 3) == pytest.approx(60 * 3 / len(text))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="甲乙丙丁戊 \nab", max_size=80), st.integers(1, 8))
def test_top_ngram_share_counts_the_most_frequent_ngram(text, n):
    chars = "".join(text.split())
    counts = Counter(chars[i : i + n] for i in range(len(chars) - n + 1))
    top = max(counts.values(), default=0)
    expected = min(1.0, top * n / len(chars)) if top > 1 else 0.0
    assert top_ngram_share(text, n) == pytest.approx(expected)


# -- properties ----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_never_changes_the_text_and_never_crashes(text):
    doc = Quality().apply(cleaned(text))
    assert doc.text == Repetition().apply(Whitespace().apply(Document("t", text))).text
    q = measure(doc, 3)
    assert all(0 <= getattr(q, name) <= 1 for name in SIGNALS - {"mean_paragraph_chars"})
