"""Blocks that markers open, and second articles: the block goes, every paragraph of the page stays.

The structure cases of issue 12, through the whole pipeline: a continued fragment of another
article (（上接N版）), a related-articles list and an appended second article, each at the
head, in the middle and at the tail of an article. The articles here are written for these
tests (three topics that share no vocabulary); benchmarks/bench_passthrough.py measures the
same shapes on People's Daily articles with templates split into a dev and a test half.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.coherence import appended_extent, coherence, content_bigrams, foreign_extent, is_list_item, units
from pipeline.config import Config, RunConfig
from pipeline.document import Document, replay
from pipeline.rules import RuleError, apply_rules, parse_rule, unbounded
from pipeline.runner import run_pipeline

HOST_TITLE = "永川大数据产业园今年引进企业四十家"
HOST = [
    "永川区大数据产业园今年引进企业四十家，园区负责人说，永川将继续扩大大数据产业规模，智能制造企业也在园区落户。",
    "园区的数据中心已经投入运行，为永川和周边区县的企业提供云计算服务。机房可容纳一万个机柜，已有三十家软件企业租用。",
    "永川区还与四川的内江、泸州等地签订了大数据产业合作协议，共建成渝地区大数据产业走廊，内江、泸州的企业可以共享永川的算力。",
    "园区负责人表示，永川大数据产业园今年的营业收入有望突破一百亿元，明年还将举办大数据产业博览会，邀请软件企业参展。",
    "园区今年还将新建人才公寓，吸引软件工程师落户永川，并为入驻企业提供三年房租减免，重庆和成都的高校也将在园区设立实训基地。",
    "永川区负责人介绍，智能制造企业在园区落户后，可以使用园区的工业互联网平台，把生产线的数据接入云端，降低运维成本。",
]
OTHER_TITLE = "南极科考队抵达中山站"
OTHER = [
    "我国第三十八次南极科学考察队的雪龙号破冰船日前抵达中山站，考察队员将在冰盖上开展冰川、气象和海洋观测。",
    "雪龙号船长说，破冰船在浮冰区航行了三天，队员们随后乘直升机把帐篷、油料和食品运上冰盖。",
]
LINKS = ["· 重庆今年将新开工高速公路10条", "· 成都地铁三号线明日试运行 2021-05-20", "· 春运购票指南发布"]


def clean(text: str, tmp_path: Path, **rules) -> dict[str, str]:
    """Run the default pipeline on one page; the written documents by id."""
    (tmp_path / "in").mkdir(exist_ok=True)
    (tmp_path / "in" / "page.txt").write_text(text, encoding="utf-8")
    config = Config(run=RunConfig(workers=1, stages=("whitespace", "repair", "normalize", "rules", "repetition",
                                                     "tidy", "quality")))
    if rules:
        config = config.with_stage("rules", **rules)
    run_pipeline(tmp_path / "in", tmp_path / "out", config, warn=lambda _m: None)
    return {p.relative_to(tmp_path / "out" / "corpus").as_posix(): p.read_text(encoding="utf-8").rstrip("\n")
            for p in sorted((tmp_path / "out" / "corpus").rglob("*.txt"))}


def page(block: list[str], position: str) -> str:
    parts = {"head": [HOST_TITLE, *block, *HOST], "middle": [HOST_TITLE, *HOST[:2], *block, *HOST[2:]],
             "tail": [HOST_TITLE, *HOST, *block]}[position]
    return "\n\n".join(parts)


def assert_host_whole(text: str) -> None:
    for paragraph in [HOST_TITLE, *HOST]:
        assert paragraph.replace(" ", "") in text.replace(" ", ""), paragraph


@pytest.mark.parametrize("position", ["middle", "tail"])
def test_a_continued_fragment_goes_and_the_article_stays(position: str, tmp_path: Path) -> None:
    block = ["（上接第三版）" + OTHER[0], OTHER[1]]
    out = clean(page(block, position), tmp_path)["page.txt"]
    assert_host_whole(out)
    assert "雪龙号" not in out and "上接" not in out


def test_a_page_that_opens_with_a_continued_fragment_keeps_it(tmp_path: Path) -> None:
    """A document that opens with the marker is itself a continued article: only the marker goes."""
    out = clean(page(["（上接第三版）" + OTHER[0]], "tail").replace(HOST_TITLE + "\n\n", "", 1), tmp_path)["page.txt"]
    assert out.startswith(HOST[0].replace(" ", "")[:10]) or "永川" in out.split("\n")[0]


def test_the_own_continuation_after_a_page_jump_stays(tmp_path: Path) -> None:
    """（下转2版） … （上接1版）: the page's own article goes on; only the markers go."""
    text = "\n\n".join([HOST_TITLE, *HOST[:2], HOST[2] + "（下转2版）", "（上接1版）" + HOST[3], *HOST[4:]])
    out = clean(text, tmp_path)["page.txt"]
    assert_host_whole(out)
    assert "下转" not in out and "上接" not in out


@pytest.mark.parametrize("position", ["head", "middle", "tail"])
def test_a_related_articles_list_goes_and_the_article_stays(position: str, tmp_path: Path) -> None:
    out = clean(page(["相关阅读：", *LINKS], position), tmp_path)["page.txt"]
    assert_host_whole(out)
    assert "相关阅读" not in out and "高速公路" not in out and "春运" not in out


@pytest.mark.parametrize("after", [5, 6])
def test_an_appended_article_is_split_out_not_lost(after: int, tmp_path: Path) -> None:
    """After enough of the page's own text (300 characters or so), in the middle (5) or at the tail (6)."""
    text = "\n\n".join([HOST_TITLE, *HOST[:after], OTHER_TITLE, *OTHER, *HOST[after:]])
    docs = clean(text, tmp_path)
    assert_host_whole(docs["page.txt"])
    assert "雪龙号" not in docs["page.txt"]
    assert docs["page.txt#2.txt"].split("\n\n") == [OTHER_TITLE, *OTHER]


def test_an_article_at_the_head_is_kept_whole(tmp_path: Path) -> None:
    """Which of two articles is the page's own cannot be told when the stray one comes first: keep both."""
    docs = clean(page([OTHER_TITLE, *OTHER], "head"), tmp_path)
    assert list(docs) == ["page.txt"]
    assert_host_whole(docs["page.txt"]) and "雪龙号" in docs["page.txt"]


def test_a_page_that_opens_with_a_shorter_article_keeps_the_longer_one(tmp_path: Path) -> None:
    """Another story, then the page's own headline and a longer article: the first one is split out."""
    other = [*OTHER, "考察队还将在南极冰盖内陆的昆仑站钻取冰芯，科考队员说，冰芯里封存着数十万年的气候记录。"]
    docs = clean("\n\n".join([OTHER_TITLE, *other, HOST_TITLE, *HOST]), tmp_path)
    assert docs["page.txt"].split("\n\n") == [HOST_TITLE, *HOST]
    assert docs["page.txt#2.txt"].split("\n\n") == [OTHER_TITLE, *other]
    record = json.loads((tmp_path / "out" / "audit" / "edits.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert [e["decision"] for e in record["evidence"] if e["rule"] == "second_article.appended"] == ["block_before"]


def test_an_appended_article_after_one_paragraph_and_with_a_byline_is_split_out(tmp_path: Path) -> None:
    """Little of the page before the headline: the page's text after the article counts too."""
    text = "\n\n".join([HOST_TITLE, HOST[0], OTHER_TITLE, "——本报记者张北辰报道", *OTHER, *HOST[1:]])
    docs = clean(text, tmp_path)
    assert docs["page.txt"].split("\n\n") == [HOST_TITLE, *HOST]
    assert docs["page.txt#2.txt"].split("\n\n") == [OTHER_TITLE, "——本报记者张北辰报道", *OTHER]


def test_news_furniture_and_bare_numbers_carry_little_topic() -> None:
    """Datelines and dates are in every article: two leads share them without sharing a topic."""
    lead = content_bigrams("据新华社北京１月１９日电（记者王海）2017年09月03日")
    assert all(w <= 2.0 for k, w in lead.items() if isinstance(k, str))
    assert coherence(content_bigrams("新华社记者"), content_bigrams("据新华社电（记者）")) == 0.0


def test_an_inner_heading_of_the_page_is_not_an_appended_article(tmp_path: Path) -> None:
    text = "\n\n".join([HOST_TITLE, *HOST[:3], "大数据产业走廊", HOST[3], "成渝地区大数据产业走廊连接永川、内江和泸州的数据中心。"])
    docs = clean(text, tmp_path)
    assert list(docs) == ["page.txt"]
    assert "大数据产业走廊\n\n" in docs["page.txt"]


def test_split_blocks_keeps_a_continued_fragment_as_its_own_document(tmp_path: Path) -> None:
    block = ["（上接第三版）" + OTHER[0], OTHER[1]]
    docs = clean(page(block, "tail"), tmp_path, split_blocks=True)
    assert_host_whole(docs["page.txt"])
    assert docs["page.txt#2.txt"].split("\n\n") == OTHER


def test_block_evidence_is_in_the_audit_and_the_report(tmp_path: Path) -> None:
    clean(page(["（上接第三版）" + OTHER[0], OTHER[1]], "middle"), tmp_path)
    record = json.loads((tmp_path / "out" / "audit" / "edits.jsonl").read_text(encoding="utf-8").splitlines()[0])
    (evidence,) = [e for e in record["evidence"] if e["rule"] == "continuation.foreign_block"]
    assert evidence["decision"] == "block" and evidence["paragraphs"] == 2
    assert [j[1] for j in evidence["judged"]] == ["foreign", "foreign", "host"]
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["decisions"]["rules/continuation.foreign_block:block"] == 1
    assert report["decisions"]["rules/continuation.foreign_block:text_kept_after_block"] == 1


# -- the signal and the extent, unit by unit ------------------------------------------------------


def test_coherence_separates_the_own_article_from_another() -> None:
    host = content_bigrams("\n".join(HOST[:2]))
    assert coherence(content_bigrams(HOST[2]), host) > 0.15
    assert coherence(content_bigrams(OTHER[0]), host) < 0.03


def test_a_short_paragraph_goes_only_when_foreign_text_follows() -> None:
    paragraphs = [*HOST[:3], OTHER[0], "（完）", HOST[3]]
    extent = foreign_extent(paragraphs, 3, "\n".join(HOST[:3]))
    assert (extent.first, extent.end) == (3, 4)  # the short line before the host's paragraph stays


def test_list_entries_belong_to_the_block_whatever_their_topic() -> None:
    paragraphs = [*HOST[:2], "", "· 永川大数据产业园扩容", "· 内江泸州共建产业走廊", HOST[4]]
    extent = foreign_extent(paragraphs, 2, "\n".join(HOST[:2]), lists=True)
    assert (extent.first, extent.end) == (2, 5)


def test_an_appended_article_needs_strong_evidence() -> None:
    paragraphs = [*HOST, OTHER_TITLE, *OTHER]
    before = "\n\n".join(HOST)
    assert appended_extent(paragraphs, 6, before).end == 9
    assert appended_extent(paragraphs, 6, HOST[0]).paragraphs == 0  # too little host text to judge against
    longer = [*HOST[:1], OTHER_TITLE, *OTHER, *OTHER]
    assert appended_extent(longer, 1, HOST[0] * 3).paragraphs == 0  # not clearly the shorter part


def test_units_are_paragraphs_or_lines() -> None:
    assert units("a\n\nb\nc") == [(0, 1), (3, 6)]
    assert units("a\nb") == [(0, 1), (2, 3)]
    assert is_list_item("1. 标题") and not is_list_item("这是一句话。")


# -- bounded rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", [r"(?s)上接\d版.*", r"上接\d版[\s\S]*", r"上接.*\Z", r"【[^】]*】", r"(?:.|\n)+"])
def test_the_loader_refuses_patterns_that_run_to_the_end(pattern: str) -> None:
    assert unbounded(pattern)
    table = {"id": "x", "description": "d", "action": "delete_span", "pattern": pattern,
             "examples": {"change": [{"input": "上接1版【a】", "output": ""}], "keep": ["b"]}}
    with pytest.raises(RuleError, match="max_chars"):
        parse_rule(table, "mine.toml")


def test_a_declared_bound_is_enforced() -> None:
    table = {"id": "x", "description": "d", "action": "delete_span", "pattern": r"(?s)【.*?】", "max_chars": 10,
             "examples": {"change": [{"input": "甲【广告】", "output": "甲"}], "keep": ["乙"]}}
    rule = parse_rule(table, "mine.toml")
    doc = apply_rules([rule], Document("a", "甲【广告】乙【" + "很长的正文" * 5 + "】"))
    assert doc.text == "甲乙【" + "很长的正文" * 5 + "】"
    assert doc.meta["decisions"] == {"rules/x:over_max_chars": 1}


def test_a_coherent_span_over_paragraphs_is_kept_with_a_warning() -> None:
    """A user rule whose pattern runs over the article's own paragraphs does not take them."""
    table = {"id": "mine.greedy", "description": "d", "action": "delete_span",
             "pattern": r"园区的数据中心[^\n]*\n\n[^\n]*", "max_chars": 1000,
             "examples": {"change": [{"input": "园区的数据中心很大。", "output": ""}], "keep": ["乙"]}}
    rule = parse_rule(table, "mine.toml")
    text = "\n\n".join(HOST)
    doc = apply_rules([rule], Document("a", text))
    assert doc.text == text
    assert doc.meta["decisions"] == {"rules/mine.greedy:kept_coherent": 1}
    assert doc.warnings and "mine.greedy" in doc.warnings[0]
    assert replay(text, doc.edits) == doc.text


# -- properties ----------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pipeline.rules import Rules as _Rules  # noqa: E402

_STAGE = _Rules()
_PIECES = st.sampled_from(
    [*HOST, *OTHER, OTHER_TITLE, *LINKS, "（上接第三版）" + OTHER[0], "相关阅读：", "【延伸阅读】", "（完）", "谢谢大家。"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=12), st.sampled_from(["\n\n", "\n"]))
def test_block_rules_never_touch_text_before_their_marker_and_replay(pieces: list[str], sep: str) -> None:
    """Whatever the arrangement: the audit replays, a second run changes nothing, and the text
    before the first marker (or second-article headline) is never removed."""
    text = sep.join([HOST_TITLE, *pieces])
    doc = _STAGE.apply(Document("p", text))
    assert replay(text, doc.edits) == doc.text
    assert _STAGE.apply(Document("p", doc.text)).text == doc.text
    markers = [i for i, p in enumerate(pieces) if p.startswith(("（上接", "相关阅读", "【延伸阅读】")) or p == OTHER_TITLE]
    for piece in pieces[: markers[0] if markers else len(pieces)]:
        if piece in HOST:  # the page's own paragraphs before any marker
            assert piece in doc.text


def test_a_rule_never_takes_a_documents_last_text() -> None:
    """A photo item whose caption is all it has keeps it: emptying is the quality stage's call."""
    text = "图片：\n江泽民在茶话会上发表重要讲话。（新华社记者王新庆摄）"
    doc = _STAGE.apply(Document("p", text))
    assert doc.text.startswith("图片：\n江泽民在茶话会上发表重要讲话。")  # the credit alone may go
    assert doc.meta["decisions"]["rules/credits.photo_caption:kept_last_text"] == 1
    with_more = "正文说了很多事情，大家都很关心这件事。\n" + text
    assert "王新庆" not in _STAGE.apply(Document("p", with_more)).text


def test_two_markers_in_one_paragraph_do_not_break_the_stage() -> None:
    """Found by tests/test_rules.py's property test: the next marker in the marker's own paragraph."""
    text = "\n\n".join([HOST_TITLE, *HOST[:3], "（上接1版）" + OTHER[0] + "（上接2版）" + OTHER[1], *HOST[3:]])
    doc = _STAGE.apply(Document("p", text))
    assert replay(text, doc.edits) == doc.text
    assert_host_whole(doc.text)

