"""The normalize stage on the five seeds, as it will see them.

Each seed goes through the whitespace stage and then this one. The repair
stage (built in parallel) will sit between them; it is not applied here, so
the seeds still carry their GBK mojibake (``數?;旌闲盘``) — these tests
check only what this stage owns, and nothing here relies on repair.
"""

from __future__ import annotations

import functools

import pytest
import regex

from pipeline.document import Document, replay
from pipeline.normalize import _ZHU_AFTER, _ZHU_BEFORE, Normalize, _only_in_source
from pipeline.whitespace import Whitespace

from .conftest import SEEDS

SEED_NAMES = sorted(p.name for p in SEEDS.glob("*.txt"))
# A hanzi (or the garbled character left by mojibake) directly followed by a
# parenthesised tone-marked syllable: what must not survive anywhere.
PINYIN_ANNOTATION = regex.compile(r"\S[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*[)）]")


@functools.cache
def normalized(name: str) -> Document:
    raw = (SEEDS / name).read_text(encoding="utf-8")
    doc = Whitespace().apply(Document(name, raw))
    return Normalize().apply(doc)


def seed(prefix: str) -> Document:
    """The normalised seed whose file name starts with ``prefix`` ("000"…"004")."""
    return normalized(next(n for n in SEED_NAMES if n.startswith(prefix)))


def text(prefix: str) -> str:
    return seed(prefix).text


def lines(prefix: str) -> list[str]:
    return [line for line in text(prefix).split("\n") if line]


@pytest.mark.parametrize("name", SEED_NAMES)
def test_edit_log_replays_to_the_output(name):
    doc = normalized(name)
    assert replay((SEEDS / name).read_text(encoding="utf-8"), doc.edits) == doc.text


@pytest.mark.parametrize("name", SEED_NAMES)
def test_a_second_run_changes_nothing(name):
    again = Normalize().apply(Document(name, normalized(name).text))
    assert again.edits == []


@pytest.mark.parametrize("prefix", ["000", "003"])
def test_traditional_seeds_come_out_simplified(prefix):
    out = text(prefix)
    assert _only_in_source("t2s").isdisjoint(out)
    assert "推动成渝地区双城经济圈建设" in out


def test_web_traditional_zhe_becomes_simplified_and_zhu_stays():
    # 003 writes the particle zhe as 著 (Taiwan style), which t2s alone keeps.
    out = text("003")
    for phrase in ("无一不印证着创新", "提供着接续", "我们着力用好"):
        assert phrase in out
    # The 著 left are zhù (显著): the character before or after makes the word.
    kept = [i for i, char in enumerate(out) if char == "著"]
    assert kept and all(out[i - 1] in _ZHU_BEFORE or out[i + 1] in _ZHU_AFTER for i in kept)


@pytest.mark.parametrize("prefix", ["001", "002"])
def test_simplified_seeds_keep_their_characters(prefix):
    assert not any(e.rule == "opencc_t2s" for e in seed(prefix).edits)


def test_a_stray_traditional_character_in_a_simplified_seed_is_converted_alone():
    # 004 writes "等在內的八大产业联盟" with the Traditional 內: only that character changes.
    edits = [(e.before, e.after) for e in seed("004").edits if e.rule == "opencc_t2s"]
    assert edits == [("內", "内")]


def test_no_pinyin_annotation_is_left_and_the_raw_seed_had_hundreds():
    raw = (SEEDS / next(n for n in SEED_NAMES if n.startswith("003"))).read_text(encoding="utf-8")
    assert len(PINYIN_ANNOTATION.findall(raw)) > 500
    for name in SEED_NAMES:
        assert PINYIN_ANNOTATION.findall(normalized(name).text) == [], name


def test_annotations_after_garbled_characters_are_removed_and_audited():
    unverified = [e.before for e in seed("003").edits if e.rule == "pinyin_annotation_unverified"]
    assert sorted(unverified) == ["(qū)", "(qū)", "(yè)"]  # after 聟^ (twice) and 髽I


@pytest.mark.parametrize(
    "prefix, kept",
    [
        ("000", "西部（重庆）科学城"),
        ("000", "（以下简称成渝班列）"),
        ("002", "（2018-2020年）"),
        ("002", "（上接1版）"),
        ("002", "中欧班列（成渝）号"),
        ("003", "（以下简称《纲要》正式印发"),
        ("003", "鞍钢蒂森克虏伯（重庆）汽车钢"),
        ("004", "各区（市）县"),
        ("004", "（2022—2025）"),
    ],
)
def test_real_parentheses_are_kept(prefix, kept):
    assert kept in text(prefix)


@pytest.mark.parametrize(
    "prefix, joined",
    [
        ("002", "重庆的发展进步显，川渝两地合作的成果也很明显"),
        ("002", "推动共建重大科技基础设施，共推高校院所交流互动"),
        ("002", "建设西部金融中心主目标，携手四川"),
        ("002", "对重庆提出的系列重要指示要求"),
        ("002", "按计划高标准高质量推进人大立法"),
        ("004", "研究确定了第一批34个合作事项落地推进。"),
        ("004", "与重庆市的19个行政主体还签署了战略合作协议"),
        ("004", "科技创新中心总体方案》，共同争取科技部出台"),
    ],
)
def test_broken_paragraphs_are_joined(prefix, joined):
    assert joined in text(prefix)


@pytest.mark.parametrize("prefix, joins", [("000", 0), ("001", 0), ("002", 5), ("003", 0), ("004", 3)])
def test_no_other_line_is_joined(prefix, joins):
    assert sum(e.rule == "broken_paragraph" for e in seed(prefix).edits) == joins


@pytest.mark.parametrize(
    "prefix, standalone",
    [
        ("000", ["核心提示", "案例①", "两江新区与天府新区七方面合作成果初显", "合力建设成渝综合性科学中心", "网络招聘服务电话："]),
        ("001", ["共启新征程主动服务国家战略和全国大局", "时间：2024-05-12 12:40:28 来源：朝三暮四网"]),
        ("002", ["共抓产业协作“一条链”", "【任务书：协同打造现代产业体系】", "打造区域协作高水平样板", "□本报记者陈国栋夏元罗芸杨骏"]),
        ("003", ["开放联动", "加快打造内陆开放门户", "两江协同创新区融合创新中心邹乐摄", "重庆两江新区"]),
        ("004", [
            "推动成渝地区双城经济圈建设双核联动专项工作组第二次会议在蓉召开",
            "成渝紧密联动 34个合作项目有序推进",
            "进展如何？",
            "推动“五个互联互通”“五个共建”",
            "王柳成都日报锦观新闻记者蔡宇制图申娟子",
            "遂宁日报全媒体记者杨柳摄据《遂宁日报》",
            "遂宁预制菜企业生产不断“加码”",
            "成渝地区双城经济圈协同创新论坛在渝举行",
        ]),
    ],
)
def test_headings_and_captions_stay_their_own_paragraph(prefix, standalone):
    out = lines(prefix)
    for line in standalone:
        assert line in out


def test_caption_at_the_end_of_a_paragraph_is_not_glued_to_the_next():
    out = lines("002")
    assert "5月27日，重庆云谷·永川大数据产业园，四川省党政代表团考察两地联合推动数字经济发展情况。记者谢智强摄/视觉重庆" in out


def test_no_heading_marker_is_left():
    assert not regex.search(r"(?m)^#", text("004"))


@pytest.mark.parametrize(
    "prefix, token",
    [
        ("001", "3709.7亿元"),
        ("001", "“7+13”"),
        ("001", "12:40:28"),
        ("001", "2024-05-12"),
        ("001", "【Aurl:www.8233066.com】"),
        ("002", "（2018-2020年）"),
        ("000", "PM2.5"),
        ("003", "渝ICP备2020014939号-1"),
        ("000", "023-63782960"),
    ],
)
def test_numbers_dates_urls_and_latin_are_untouched(prefix, token):
    assert token in text(prefix)


def test_stray_spaces_and_ascii_commas_in_chinese_text_are_gone():
    out = text("001")
    assert out.startswith("川渝合力推动") and "12月22日，川渝" in out
    assert not regex.search(r"\h[，。、；：？！]|[，。、；：？！]\h", out)
    assert not regex.search(r"\p{Han}[,:;?!]|[,:;?!]\p{Han}", "".join(text(p) for p in ("001", "002", "004")))
