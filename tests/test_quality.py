"""The quality stage: signals in meta, conservative drops with the reason in the audit."""

from __future__ import annotations

import random
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

SIGNALS = {"cjk_share", "duplicate_lines", "duplicate_paragraphs", "top_ngram_share", "ngram_variety",
           "char_score", "mean_paragraph_chars", "removed_share", "removal_share", "stuffing_score"}


def cleaned(text: str) -> Document:
    """A document through whitespace and repetition, as quality will receive it."""
    doc = Document("t", text)
    return Repetition().apply(Whitespace().apply(doc))


def test_signals_are_recorded_for_every_document():
    doc = Quality().apply(cleaned(seed_001()))
    assert set(doc.meta["quality"]) == SIGNALS | {"emptied_by"}
    assert doc.meta["quality"]["emptied_by"] == "repetition:repeated_title"
    assert doc.dropped is None and "warning" not in doc.meta["quality"]


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


def test_mostly_removed_page_is_kept_with_a_warning_naming_the_rule():
    """Removal alone never drops: a wrong rule must show, not hide behind a drop."""
    doc = Document("t", "正文。" + "页脚" * 50)
    doc.replace([(3, 53, "")], "rules", "credits.photo_caption")
    doc.replace([(3, len(doc.text), "")], "boilerplate", "recurring_line")
    Quality().apply(doc)
    assert doc.dropped is None and doc.text == "正文。"
    q = doc.meta["quality"]
    assert q["removal_share"] == q["removed_share"] == round(100 / 103, 4)
    assert q["emptied_by"] == "boilerplate:recurring_line"  # 50 characters against 50: ties by name
    assert "kept" in q["warning"] and "boilerplate:recurring_line" in q["warning"]
    assert doc.warnings == [f"quality: {q['warning']}"]


def test_removal_and_another_family_drop_and_name_the_stage():
    salad = word_salad(8)  # the language family
    doc = Document("t", salad + "\n" + "栏目导航" * 400)
    doc.replace([(len(salad), len(doc.text), "")], "rules", "navigation.menu")
    Quality().apply(doc)
    assert doc.dropped is not None and doc.dropped.reason == "char_score"
    details = doc.dropped.details
    assert set(details["agreeing"]) == {"language", "removal"}
    assert details["emptied_by"] == "rules:navigation.menu"
    assert details["agreeing"]["removal"]["signal"] == "removal_share"


def test_repetition_removals_are_not_the_removal_family():
    """Copies the repetition stage removed are the repetition family's evidence, counted once."""
    text = "\n".join(["点击领取红包，注册就送大礼包"] * 6 + ["今天天气很好。"])
    doc = Quality().apply(cleaned(text))
    q = doc.meta["quality"]
    assert q["duplicate_lines"] == round(5 / 7, 4) and q["removed_share"] > 0.5
    assert q["removal_share"] == 0 and q["emptied_by"] == "repetition:repeated_title"  # a title line
    assert doc.dropped is None  # one family, not extreme: what is left is one line of each


def test_page_of_copied_lines_is_dropped_alone():
    text = "\n".join(["点击领取红包，注册就送大礼包"] * 30 + ["今天天气很好。"])
    doc = Quality().apply(cleaned(text))
    assert doc.dropped is not None and doc.dropped.reason == "duplicate_lines"
    assert doc.dropped.details["extreme"] is True
    assert set(doc.dropped.details["agreeing"]) == {"repetition"}


def test_phrase_spam_is_dropped_for_no_variety():
    text = "\n\n".join(f"第{i}条：" + "加微信领红包，稳赚不赔" * 5 for i in range(6))
    doc = Quality().apply(cleaned(text))
    assert doc.meta["quality"]["top_ngram_share"] < 0.3  # an 11-character phrase: no 3-gram stands out
    assert doc.dropped is not None and doc.dropped.reason == "ngram_variety"


def word_salad(lines: int, seed: int = 1) -> str:
    """Lines of rare hanzi in random order: what gibberish SEO pages and unrepaired mojibake look like."""
    rng = random.Random(seed)
    rare = [chr(c) for c in range(0x9F80, 0x9FA0)]
    return "\n".join("".join(rng.choice(rare) for _ in range(rng.randint(12, 30))) for _ in range(lines))


TALK = (
    "大家好，今天我想和大家聊一聊机器人。很多人问我，机器人到底是什么？其实机器人离我们并不遥远。"
    "我们团队花了三年时间研究机器人。机器人最大的难点不在技术，而在人。有一次，一位老人问我，"
    "机器人能不能帮他做饭？机器人应该服务于人，而不是让人去适应机器人。孩子们对机器人的接受程度"
    "远远超过成年人。了解机器人，使用机器人，也批评机器人。机器人的未来，取决于我们每一个人。"
)


def test_a_talk_repeating_its_topic_word_is_kept_even_when_stuffing_flags_it():
    """Issue 12's measured case: normal sentences are never dropped for repeating a word."""
    doc = Document("t", "机器人与我们\n\n" + TALK + "\n\n谢谢大家。", meta={"stuffing_score": 0.6})
    Quality().apply(doc)
    q = doc.meta["quality"]
    assert q["top_ngram_share"] > 0.2 and q["ngram_variety"] > 0.5
    assert doc.dropped is None


def test_word_salad_alone_is_kept_and_with_copies_dropped():
    salad = word_salad(12).split("\n")
    alone = Quality().apply(cleaned("\n".join(salad)))
    assert alone.meta["quality"]["char_score"] < -10 and alone.dropped is None  # one family
    copied = Quality().apply(cleaned("\n".join(salad + salad[:3] * 5)))
    assert copied.dropped is not None and set(copied.dropped.details["agreeing"]) == {"repetition", "language"}


def test_min_agreeing_one_drops_on_any_family_but_removal():
    stage = Quality(min_agreeing=1)
    text = "\n".join(["点击领取红包，注册就送大礼包"] * 6 + ["今天天气很好。"])
    assert stage.apply(cleaned(text)).dropped.reason == "duplicate_lines"
    doc = Document("t", "正文。" + "页脚" * 50)
    doc.replace([(3, len(doc.text), "")], "boilerplate", "recurring_line")
    assert stage.apply(doc).dropped is None


def test_short_headline_is_not_judged_on_ngrams():
    doc = Quality().apply(Document("t", "成也规模败也规模"))
    assert doc.meta["quality"]["top_ngram_share"] > 0.5
    assert doc.dropped is None


def test_stuffed_page_is_kept_on_stuffing_alone_and_dropped_with_another_family():
    doc = Document("t", "正文。", meta={"stuffing_score": 0.75})
    assert Quality().apply(doc).dropped is None
    spam = "\n".join(["推动成渝发展，点击进入"] * 4 + ["今天天气很好。"])
    doc = cleaned(spam)
    doc.meta["stuffing_score"] = 0.75
    dropped = Quality().apply(doc).dropped
    assert dropped.reason == "duplicate_lines" and set(dropped.details["agreeing"]) == {"repetition", "stuffing"}


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
    with pytest.raises(ValueError):
        Quality(min_agreeing=0)


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
    assert all(0 <= getattr(q, name) <= 1 for name in SIGNALS - {"mean_paragraph_chars", "char_score"})
    assert q.char_score <= 0
