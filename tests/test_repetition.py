"""The repetition stage: duplicated lines, repeated titles and keyword stuffing.

Seed cases use 001 and 002 as the earlier stages will leave them, built by hand
in :mod:`tests.handmade` (no code of the other stages is used).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.corpora import clean_news_lines, news_articles
from pipeline.document import Document, replay
from pipeline.lines import split_lines
from pipeline import repetition
from pipeline.repetition import (
    Repetition,
    find_stuffing,
    near_identical,
    repeated_lines,
    title_matches,
    title_of,
    title_pieces,
)

from .handmade import seed_001, seed_002

TITLE_001 = "川渝合力推动成渝地区双城经济圈建设高质量发展 牢固树立一体化发展理念"
CLEAN_LEAD_001 = (
    "12月22日，重庆市武隆区在成都市举行“第十四届仙女山冰雪季”启动仪式。"
    "现场同步推介的还有四川的四姑娘山、西岭雪山等景区。川渝两省市冰雪景区联合发出热情邀约。"
)
# The second paragraph with the injected pieces taken out (the reading the
# sentence structure asks for: "合力打造区域协作的高水平样板", "在产业协作、政策协同、项目共建等方面").
CLEAN_SECOND_001 = (
    "携手并进，乘风破浪。今年以来，川渝两省市坚决贯彻落实习近平总书记关于推动成渝地区双城经济圈建设的"
    "重要指示批示精神，牢固树立一体化发展理念，合力打造区域协作的高水平样板，在产业协作、政策协同、"
    "项目共建等方面取得一批标志性成果。"
)
# Phrases that occur legitimately in 001 and contain the title's words.
LEGIT_001 = (
    "推动成渝地区双城经济圈建设",
    "成渝地区双城经济圈",
    "坚定做大经济总量",
    "提高发展质量",
    "川渝两省市",
    "高质量发展",
    "双城经济圈建设",
    "地区生产总值",
    "四川经济工作",
    "推动就业",
)


def run(text: str, **options) -> Document:
    doc = Document("t", text)
    return Repetition(**options).apply(doc)


def body_paragraphs(text: str) -> list[str]:
    """The paragraphs of a document except the title line and its repeats."""
    return [p for p in text.split("\n\n")[1:] if p != TITLE_001]


# -- 001: repeated title and keyword stuffing ------------------------------------------------


@pytest.fixture(scope="module")
def cleaned_001() -> tuple[str, Document]:
    text = seed_001()
    return text, run(text)


def test_001_first_paragraph_is_clean(cleaned_001):
    _, doc = cleaned_001
    assert doc.text.split("\n\n")[1] == CLEAN_LEAD_001


def test_001_second_paragraph_is_clean(cleaned_001):
    _, doc = cleaned_001
    assert doc.text.split("\n\n")[2] == CLEAN_SECOND_001


def test_001_title_kept_once_at_the_top(cleaned_001):
    before, doc = cleaned_001
    assert before.count(TITLE_001) == 4
    assert doc.text.count(TITLE_001) == 1
    assert doc.text.startswith(TITLE_001 + "\n\n")
    assert [e.rule for e in doc.edits].count("repeated_title") == 3


def test_001_legitimate_phrases_keep_their_counts(cleaned_001):
    before, doc = cleaned_001
    old, new = "\n".join(body_paragraphs(before)), "\n".join(body_paragraphs(doc.text))
    for phrase in LEGIT_001:
        assert old.count(phrase) > 0, phrase
        assert new.count(phrase) == old.count(phrase), phrase


def test_001_only_the_two_stuffed_paragraphs_change(cleaned_001):
    before, doc = cleaned_001
    old, new = body_paragraphs(before), body_paragraphs(doc.text)
    assert len(old) == len(new)
    changed = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
    assert changed == [0, 1]


def test_001_every_stuffing_edit_removes_a_title_piece(cleaned_001):
    _, doc = cleaned_001
    pieces = title_pieces(TITLE_001)
    stuffing = [e for e in doc.edits if e.rule == "keyword_stuffing"]
    assert len(stuffing) == 19
    assert all(e.after == "" and e.before in pieces and len(e.before) == 2 for e in stuffing)


def test_001_meta_scores_the_stuffing(cleaned_001):
    _, doc = cleaned_001
    assert doc.meta["stuffing_paragraphs"] == 2
    assert doc.meta["stuffing_removed"] == 19
    assert 0 < doc.meta["stuffing_score"] < 0.2


def test_001_flag_mode_scores_without_editing():
    text = seed_001()
    doc = run(text, stuffing="flag")
    assert not [e for e in doc.edits if e.rule == "keyword_stuffing"]
    assert doc.meta["stuffing_removed"] == 0
    assert doc.meta["stuffing_paragraphs"] == 2


def test_stuffing_off_leaves_the_text():
    doc = run(seed_001(), stuffing="off")
    assert {e.rule for e in doc.edits} == {"repeated_title"}
    assert "stuffing_score" not in doc.meta


# -- 002: a duplicated block of three paragraphs ------------------------------------------------

BLOCK_002 = (
    "（上接1版）要积极推动助推乡村振兴履职尽责",
    "会议还听取了市污染防治攻坚战（2018-2020年）任务完成情况通报。",
    "市政府副市长郑向东参加重点协商。",
)


def test_002_duplicated_block_appears_once_first_copy_kept():
    text = seed_002()
    for start in BLOCK_002:
        assert text.count(start) == 2
    doc = run(text)
    for start in BLOCK_002:
        assert doc.text.count(start) == 1
    # The first copy, with its stray opening quote, is the one kept, in place.
    assert "“（上接1版）要积极推动" in doc.text
    assert doc.text.index(BLOCK_002[0]) < doc.text.index("（上接1版）会议还表决通过")
    assert [e.rule for e in doc.edits] == ["duplicate_line"] * 3
    assert doc.text.endswith("市检察院检察长贺恒扬列席会议。")


def test_002_no_stuffing_no_other_change():
    doc = run(seed_002())
    assert "stuffing_score" not in doc.meta
    assert all(e.before.strip() for e in doc.edits)


# -- units --------------------------------------------------------------------------------------


def test_title_needs_a_heading_line():
    assert title_of(split_lines("短标题\n正文。"), 64) == 0
    assert title_of(split_lines("只有一行"), 64) is None
    assert title_of(split_lines("这是一个句子。\n正文。"), 64) is None
    assert title_of(split_lines("长" * 65 + "\n正文。"), 64) is None
    assert title_of(split_lines("2024\n正文。"), 64) is None
    assert title_of(split_lines("首页 > 新闻中心 > 正文\n\n短标题\n\n正文。"), 64) == 1


def test_title_under_a_breadcrumb_is_found():
    text = seed_001()
    doc = run("首页 > 新闻中心 > 正文\n\n" + text)
    assert doc.text.split("\n\n")[2] == CLEAN_LEAD_001
    assert doc.text.count(TITLE_001) == 1


def test_title_under_a_repeated_breadcrumb_is_found():
    crumb = "首页 > 新闻中心 > 正文"
    doc = run(f"{crumb}\n\n{crumb}\n\n" + seed_001())
    assert doc.text.split("\n\n")[:3] == [crumb, TITLE_001, CLEAN_LEAD_001]
    assert doc.meta["stuffing_removed"] == 19


def test_near_identical_long_lines_are_duplicates_short_ones_are_not():
    long_line = "会议还听取了市污染防治攻坚战任务完成情况通报并对下一步工作提出了明确要求和具体部署"
    lines = split_lines(f"{long_line}\n{long_line.replace('通报', '通')}\n第一部分\n第一部")
    assert repeated_lines(lines, None, 4, 30, 0.9) == {1: "near_duplicate_line"}


def test_near_identical_search_is_bounded_when_many_lines_share_an_end(monkeypatch):
    # A comment list or a directory page: thousands of long lines, one prefix.
    rng = random.Random(1)
    keys = ["网友评论称这里的内容" + "".join(chr(0x4E00 + rng.randrange(20000)) for _ in range(30)) for _ in range(400)]
    calls = []

    def counted(a: str, b: str, threshold: float) -> bool:
        calls.append(1)
        return near_identical(a, b, threshold)

    monkeypatch.setattr(repetition, "near_identical", counted)
    assert repeated_lines(split_lines("\n".join(keys)), None, 6, 30, 0.9) == {}
    assert len(calls) <= 2 * repetition.MAX_SHARING_AN_END * len(keys)


def test_near_identical_with_different_figures_is_kept():
    a = "前三季度重庆空气质量优良天数率为89.7%，同比上升两个百分点，呈稳步上升趋势。"
    lines = split_lines(f"{a}\n{a.replace('89.7', '85.3')}")
    assert repeated_lines(lines, None, 4, 30, 0.8) == {}


def test_short_repeated_lines_are_kept():
    doc = run("问答\n\n问：\n\n答：好。\n\n问：\n\n答：行。")
    assert doc.text.count("问：") == 2


def test_title_matches_prefers_the_longest_quote():
    title = title_pieces("推动成渝地区双城经济圈建设")
    text = "关于推动成渝地区双城经济圈建设的要求"
    assert [text[p.start : p.end] for p in title_matches(text, 0, len(text), title)] == [
        "推动成渝地区双城经济圈建设"
    ]


def test_runs_alone_do_not_make_a_paragraph_stuffed():
    # Title words side by side in another order are normal news prose.
    text = "重庆综合整治市区交通\n\n市公安局加大力度，重庆整治城区交通秩序取得实效，交通状况改善。"
    doc = run(text)
    assert doc.text == text


def test_back_to_back_repeat_keeps_one_copy():
    title = "合力推动经济发展"
    text = f"{title}\n\n今天，推动发展经济合力合力打造新平台。经济"
    found = find_stuffing(text, split_lines(text), 0, title_pieces(title), 4, 2)
    removed = [text[a:b] for a, b, _ in found.spans]
    assert removed.count("合力") == 1
    doc = run(text)
    assert "合力打造新平台" in doc.text


def test_a_paragraph_that_copies_another_once_destuffed_goes_too():
    # Spam pages repeat a paragraph with other pieces injected: only without
    # them is it a copy, so the copy must go in the same pass (idempotence).
    text = "双城经济圈建设\n\n今天，经济双城召开全市会议。圈建\n\n今天，召开全市会议。\n\n明天见面。"
    doc = run(text)
    assert doc.text == "双城经济圈建设\n\n今天，召开全市会议。\n\n明天见面。"
    assert [e.rule for e in doc.edits] == ["keyword_stuffing"] * 3 + ["duplicate_line"]
    assert run(doc.text).text == doc.text


def test_clean_news_articles_are_left_alone():
    """People's Daily articles (headline, then body) use their headline's words all the time."""
    articles = news_articles(clean_news_lines()[:6000])
    changed = [a[0] for a in articles if len(a) > 2 and run("\n\n".join(a)).edits]
    assert len(articles) > 300
    assert changed == []


def test_invalid_options_are_refused():
    with pytest.raises(ValueError):
        Repetition(near_threshold=0)
    with pytest.raises(ValueError):
        Repetition(quote_chars=2)


# -- properties ---------------------------------------------------------------------------------

FRAGMENTS = ["川渝", "合力", "推动", "成渝", "地区", "经济", "发展", "，", "。", "、", "\n", "\n\n", "今天", "会议",
             "12月", " ", "“", "”", "a", "重复的一整行内容", "两省市"]
texts = st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join)
documents = st.builds(lambda body: "川渝合力推动成渝地区经济发展\n\n" + body, texts) | st.text(max_size=200)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_edit_log_replays_to_the_result(text):
    doc = run(text)
    assert replay(text, doc.edits) == doc.text
    assert all(e.stage == "repetition" and e.rule for e in doc.edits)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_idempotent(text):
    once = run(text).text
    assert run(once).text == once


@settings(max_examples=100, deadline=None)
@given(documents)
def test_removes_only_never_rewrites(text):
    doc = run(text)
    assert all(e.after == "" for e in doc.edits)


# -- the headline again, in a title bar's dress (strings written for these tests) ---------------

BODY = "正文的第一段讲了事情的来龙去脉，内容很长。\n\n正文的第二段讲了后来发生的事情和各方的反应。"

TITLE_BAR_CHANGES = [
    # a question heads the page: only its dressed copy goes
    ("那个目录是干什么用的？\n\n" + BODY + "\n\n那个目录是干什么用的？- 某某问答", "那个目录是干什么用的？\n\n" + BODY),
    # a short headline (a name): a dress that names a site
    ("李华\n\n" + BODY + "\n\n李华——汽车之家", "李华\n\n" + BODY),
    ("李华\n\n【李华】\n\n" + BODY, "李华\n\n" + BODY),
    # a headline that holds a dash itself, with a gallery mark after it
    ("重礼仪——传统文化的特点\n\n" + BODY + "\n\n重礼仪——传统文化的特点(组图)", "重礼仪——传统文化的特点\n\n" + BODY),
    # the page opens with the title bar, the bare headline follows: the dressed one goes
    ("江南古镇的春天_旅游_某某网\n\n江南古镇的春天\n\n" + BODY, "江南古镇的春天\n\n" + BODY),
    # the headline glued into running text with its dress
    ("江南古镇的春天\n\n第一句写完了。江南古镇的春天_本地资讯_某某网第二句接着写。",
     "江南古镇的春天\n\n第一句写完了。第二句接着写。"),
    ("江南古镇的春天\n\n第一句写完了。本文标题：江南古镇的春天第二句接着写。", "江南古镇的春天\n\n第一句写完了。第二句接着写。"),
]

TITLE_BAR_KEEPS = [
    "李华\n\n李华——记一位乡村教师\n\n" + BODY,  # a subtitle right under the headline
    "李华\n\n" + BODY + "\n\n李华——这个名字让我想起很多往事",  # a dash and a sentence, no site
    "江南古镇的春天\n\n人们常说，江南古镇的春天最美。",  # the headline named in a sentence, bare
    "江南古镇的春天\n\n他写了一篇江南古镇的春天_初稿，没有发表。",  # not where a sentence starts
    "这本书值得买吗？\n\n" + BODY + "\n\n这本书值得买吗？",  # a question repeated bare: the writer's own
]


SUMMARY_CHANGES = [
    ("会议开幕\n\n内容提要：据本报北京1月8日电，全国会议今天开幕…\n\n据本报北京1月8日电，全国会议今天开幕，代表们出席。",
     "会议开幕\n\n据本报北京1月8日电，全国会议今天开幕，代表们出席。"),
    ("会议开幕\n\n据本报北京1月8日电，全国会议今天开幕，代表们出席。\n\n导读：全国会议今天开幕，代表们出席",
     "会议开幕\n\n据本报北京1月8日电，全国会议今天开幕，代表们出席。"),
]
SUMMARY_KEEPS = [
    "会议开幕\n\n核心提示：会议通过了三项决议，明年起施行。\n\n全国会议今天开幕，代表们出席。",  # the editor's own words
    "会议开幕\n\n摘要：会议开幕\n\n全国会议今天开幕，代表们出席。",  # too short to tell
]


CHANGES_BY_RULE = [(*case, "repeated_title") for case in TITLE_BAR_CHANGES] + [
    (*case, "repeated_summary") for case in SUMMARY_CHANGES]


@pytest.mark.parametrize("text, expected, rule", CHANGES_BY_RULE)
def test_title_bar_copies_and_summary_boxes_go_under_their_rule(text, expected, rule):
    doc = run(text)
    assert doc.text == expected
    assert {e.rule for e in doc.edits} == {rule}


@pytest.mark.parametrize("text", TITLE_BAR_KEEPS + SUMMARY_KEEPS)
def test_subtitles_sentences_bare_questions_and_own_summaries_stay(text):
    assert run(text).text == text


def test_the_paragraph_a_summary_box_repeats_stays():
    lead = "我国产业结构的优化升级，关键是加强农业，改造和提高传统产业，发展新兴产业。"
    text = f"产业结构\n\n导读：{lead}\n\n{lead}\n\n第二段说了别的事情。"
    assert run(text).text == f"产业结构\n\n{lead}\n\n第二段说了别的事情。"
