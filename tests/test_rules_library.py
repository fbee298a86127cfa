"""The shipped rule library: its examples, its script, false positives, and the seeds.

The seeds are put in front of the rules in the shape repair + normalisation
will give them (see ``rules_seeds``); the lead's end-to-end tests check the real
``output/``.
"""

from __future__ import annotations

import pytest
import regex
from click.testing import CliRunner

from benchmarks.corpora import clean_news
from pipeline.cli import main
from pipeline.document import Document, replay
from pipeline.rules import Rules, apply_rules, builtin_rules_dir, check_rule, load_rules
from tests.rules_seeds import normalised_form, raw_form, seed_text, simplified

LIBRARY = load_rules([builtin_rules_dir()])
STAGE = Rules()


def test_rules_test_command_passes_on_the_shipped_library() -> None:
    result = CliRunner().invoke(main, ["rules", "test"])
    assert result.exit_code == 0, result.output
    assert f"{len(LIBRARY)} rules" in result.output and " 0 failed" in result.output


@pytest.mark.parametrize("rule", LIBRARY, ids=lambda r: r.id)
def test_every_example_of_every_rule(rule) -> None:
    failures = [f"{r.kind}[{r.number}] {r.problem}: {r.input!r} -> {r.got!r}" for r in check_rule(rule) if not r.passed]
    assert not failures


@pytest.mark.parametrize("rule", LIBRARY, ids=lambda r: r.id)
def test_every_rule_has_change_and_keep_examples(rule) -> None:
    assert rule.change and rule.keep
    assert rule.description and rule.id.split(".")[0]


def test_library_covers_every_theme_of_the_issue() -> None:
    files = {r.file.rsplit("/", 1)[-1] for r in LIBRARY}
    assert {"ads.toml", "footers.toml", "metadata.toml", "credits.toml", "continuation.toml", "navigation.toml"} <= files
    actions = {r.action for r in LIBRARY}
    assert actions == {"delete_span", "drop_line", "drop_block", "extract_meta", "drop_document", "flag"}  # drop_paragraph: users'


@pytest.mark.parametrize("rule", LIBRARY, ids=lambda r: r.id)
def test_examples_are_written_in_simplified_script(rule) -> None:
    """Rules run after t2s, so an example OpenCC would still change could never occur."""
    texts = [t for ex in rule.change for t in (ex.input, ex.output or "")] + list(rule.keep)
    assert [t for t in texts if simplified(t) != t] == []


def test_keep_examples_survive_the_whole_library() -> None:
    """A keep example of one rule is not eaten by another rule either.

    One exception by design: a document that opens with （上接1版） keeps its
    text (continuation.foreign_block leaves it) but loses the marker
    (continuation.marker).
    """
    rule_set = STAGE.rule_set()
    eaten = []
    for rule in LIBRARY:
        for text in rule.keep:
            doc = apply_rules(rule_set.active, Document("keep", text), 1.0, index=rule_set.index)
            edits = [e for e in doc.edits if e.rule != "continuation.marker"]
            if edits or doc.dropped or doc.meta:
                eaten.append((rule.id, text, [e.rule for e in edits]))
    assert eaten == []


# -- false positives on clean news --------------------------------------------------------------

# People's Daily body paragraphs open with wire datelines (本报讯, 新华社北京１月１日电（记者…）).
# The lead's decision for 004 (重庆日报讯（记者 李志峰）) is that a dateline is credit, not text, so
# credits.dateline removes these: the only removal allowed on clean prose, and only in this shape.
_DATELINE = regex.compile(r"(?:本报讯|新华社\p{Han}{1,8}\d{1,2}月\d{1,2}日电)(?:（[^）\n]{1,40}）)?")


def _clean_documents() -> list[str]:
    docs, current, chars = [], [], 0
    for para in clean_news():
        current.append(para)
        chars += len(para)
        if chars >= 1000:  # ~3 KB documents, paragraphs separated by blank lines
            docs.append("\n\n".join(current))
            current, chars = [], 0
    return docs


#: The captions People's Daily prints closing its photo-news paragraphs or on a line of their
#: own (图为…。): page furniture by design (rules/captions.toml), the one removal allowed here.
_CAPTION = regex.compile(r"图为[：:]?[^\n]{2,98}")


def test_library_removes_nothing_from_clean_news() -> None:
    """On clean news prose the shipped library (datelines are kept by default) changes nothing but captions."""
    docs = _clean_documents()
    assert sum(len(d.encode("utf-8")) for d in docs) >= 1_000_000
    problems = []
    captions = 0
    for i, text in enumerate(docs):
        doc = STAGE.apply(Document(str(i), text))
        for edit in doc.edits:
            if edit.rule in ("captions.inline_sentence", "captions.marked_line") and _CAPTION.fullmatch(edit.before.strip()):
                captions += 1
            else:
                problems.append((edit.rule, edit.before))
        if doc.dropped or doc.meta or doc.warnings:
            problems.append((str(doc.dropped), doc.meta, doc.warnings))
    assert problems == []
    assert captions > 20  # the sample really has them


def test_the_dateline_rule_when_enabled_removes_only_datelines() -> None:
    stage = Rules(enable=("credits.dateline",))
    docs = _clean_documents()
    datelines = 0
    for i, text in enumerate(docs[:400]):
        doc = stage.apply(Document(str(i), text))
        for edit in doc.edits:
            if edit.rule.startswith("captions."):
                continue  # captions go by design (test_library_removes_nothing_from_clean_news)
            at_paragraph_start = edit.start == 0 or doc_text_before(text, doc, edit).endswith("\n")
            assert edit.rule == "credits.dateline" and _DATELINE.fullmatch(edit.before) and at_paragraph_start
            datelines += 1
    assert datelines > 20  # the sample really has them


def doc_text_before(original: str, doc: Document, edit) -> str:
    """The text in front of an edit, in the text that edit was applied to."""
    index = doc.edits.index(edit)
    return replay(original, doc.edits[:index])[: edit.start]


# -- the seeds ---------------------------------------------------------------------------------

#: Whole lines each seed must lose (NOISE.md §3-§4), in the normalised form.
REMOVED_LINES = {
    "000": ["网络招聘服务电话：", "023-63782960", "人力降本外包服务：", "023-67701245"],
    "001": ["时间：2024-05-12 12:40:28 来源：朝三暮四网"],
    "002": [
        "5月27日，重庆云谷·永川大数据产业园，四川省党政代表团考察两地联合推动数字经济发展情况。记者谢智强摄/视觉重庆",
        "5月27日，长城汽车重庆永川智慧工厂，四川省党政代表团考察两地协同打造先进制造业集群情况。首席记者龙帆摄/视觉重庆",
        "5月27日，重庆智能工程职业学院，四川省党政代表团考察两地推动教育合作打造职业教育基地情况。记者崔力摄/视觉重庆",
        "□本报记者陈国栋夏元罗芸杨骏",
    ],
    "003": [
        "两江协同创新区融合创新中心邹乐摄",
        "重庆两江新区",
        "?2020重庆两江新区开发投资集团有限公司版权所有渝ICP备2020014939号-1渝公网安备50011202502943号网站建设：指引科技",
    ],
    "004": ["王柳成都日报锦观新闻记者蔡宇制图申娟子", "据《成都日报》", "遂宁日报全媒体记者杨柳摄据《遂宁日报》"],
}
#: Spans cut out of a line that otherwise stays.
REMOVED_SPANS = {
    "001": ["时时彩不定位【Aurl:www.8233066.com】送888元，", "时时彩不定位【Aurl:www.8233066.com】送888元", "（四川日报全媒体记者王成栋）"],
    # the caption of the photo the credit on the next line names (rules/captions.toml)
    "004": ["图为5月9日，四川飘香远大食品有限公司工人正在包装预制菜产品。"],
}
#: From the paragraph starting with this to the end of the document: other articles' text. The
#: block rule removes the first block it opens; of the rest, only what the coherence signal
#: finds foreign (tests/test_blocks.py has the cases), never anything before it.
TAIL_FROM = {"002": "“（上接1版）要积极推动"}

_FULL = str.maketrans({",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"})


def _key(line: str) -> str:
    """A line compared without spaces and punctuation width (the raw form keeps both)."""
    return "".join(line.split()).translate(_FULL)


def _expected_lines(prefix: str, text: str) -> tuple[list[str], list[str]]:
    """The lines that must stay, and the foreign tail's lines (which may stay or go, in order)."""
    removed = {_key(line) for line in REMOVED_LINES.get(prefix, [])}
    lines: list[str] = []
    tail: list[str] = []
    for line in (_key(x) for x in text.split("\n") if x.strip()):
        if tail or (prefix in TAIL_FROM and line.startswith(_key(TAIL_FROM[prefix]))):
            tail.append(line)
            continue
        if line in removed:
            continue
        for span in REMOVED_SPANS.get(prefix, []):
            line = line.replace(_key(span), "", 1)
        lines.append(line)
    return lines, tail


def _in_order(part: list[str], whole: list[str]) -> bool:
    """``part`` is ``whole`` with some items left out (order kept); a kept line may have lost a marker."""
    rest = iter(whole)
    return all(any(line in candidate for candidate in rest) for line in part)


@pytest.mark.parametrize("form", [normalised_form, raw_form], ids=["normalised", "raw"])
@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_spam_goes_and_every_other_line_stays(prefix: str, form) -> None:
    text = form(seed_text(prefix))
    doc = STAGE.apply(Document(prefix, text))
    assert doc.dropped is None and not doc.warnings
    out = [_key(line) for line in doc.text.split("\n") if line.strip()]
    kept, tail = _expected_lines(prefix, text)
    assert out[: len(kept)] == kept
    assert _in_order(out[len(kept) :], tail)
    if tail:  # the block the first marker opens is gone
        assert tail[0] not in out and len(out) - len(kept) < len(tail)
    assert replay(text, doc.edits) == doc.text
    assert {e.stage for e in doc.edits} <= {"rules"} and all(e.after == "" for e in doc.edits)


def _clean(prefix: str) -> Document:
    return STAGE.apply(Document(prefix, normalised_form(seed_text(prefix))))


@pytest.mark.parametrize(
    "prefix, gone, rule",
    [
        ("001", "时时彩", "ads.gambling_inline"),
        ("001", "Aurl", "ads.gambling_inline"),
        ("001", "朝三暮四网", "meta.header"),
        ("001", "王成栋", "credits.reporter_trailer"),
        ("000", "023-63782960", "footers.contact"),
        ("000", "外包服务", "footers.contact"),
        ("003", "版权所有", "footers.copyright"),
        ("003", "ICP备", "footers.copyright"),
        ("003", "邹乐摄", "credits.photo_caption"),
        ("002", "摄/视觉重庆", "credits.photo_caption"),
        ("002", "□本报记者", "credits.byline"),
        ("002", "上接1版", "continuation.foreign_block"),
        ("002", "人事任免", "continuation.foreign_block"),
        ("004", "蔡宇制图", "credits.staff_line"),
        ("004", "据《成都日报》", "credits.reprint_source"),
        ("004", "杨柳摄", "credits.photo_caption"),
    ],
)
def test_named_seed_noise_is_removed_by_its_rule(prefix: str, gone: str, rule: str) -> None:
    doc = _clean(prefix)
    assert gone not in doc.text
    assert any(gone in e.before and e.rule == rule for e in doc.edits)


def test_gambling_ad_takes_its_comma_and_leaves_the_sentence() -> None:
    text = _clean("001").text
    assert "现场同步推介的推动还有四川的地区四姑娘山" in text  # the stuffed 推动 is the repetition stage's
    assert "加快变成“实景图”。\n" in text


def test_seed_metadata_is_extracted() -> None:
    assert _clean("001").meta == {"date": "2024-05-12 12:40:28", "source": "朝三暮四网"}


@pytest.mark.parametrize(
    "prefix, kept",
    [
        ("000", "为打通服务的“最后一公里”，沙坪坝区在“7×24”小时自助服务专厅建设的基础上"),
        ("002", "5月27日，四川省党政代表团来渝考察，两省市在永川区举行推动成渝地区双城经济圈建设重庆四川党政联席会议第三次会议。"),
        ("002", "胡斌表示，去年川渝两地人力资源社会保障部门合力推动了“五件大事”"),
        ("003", "下一步，两江新区将立足新发展阶段"),
        ("004", "当前，遂宁市预制菜产业发展势头迅猛，正全力建设“中国肉类预制菜之都”，各企业不断“加码”生产。"),
        ("004", "5月13日，成渝地区双城经济圈协同创新论坛在西南政法大学举行。"),
        ("004", "本次论坛由西南政法大学主办，西南政法大学商学院承办。"),
        ("001", "6个开发区在实现零碳排放园区试点领域全力冲刺。"),
    ],
)
def test_real_sentences_next_to_the_noise_stay(prefix: str, kept: str) -> None:
    assert kept in _clean(prefix).text
