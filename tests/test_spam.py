"""The spam stage: ads that no rule names, found by what an ad must do (pipeline/spam.py).

Change examples: one or more per family of what Chinese pages advertise, as a
line of its own and inside a real sentence. Keep examples: real sentences that
show one of the features (a topic word of the family, a phone number in a
report, a URL in a manual, an instruction to click in a how-to).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import spam
from pipeline.config import Config, RunConfig
from pipeline.document import Document, replay
from pipeline.runner import run_pipeline

HOST = ("永川区大数据产业园今年引进企业四十家，园区负责人说，永川将继续扩大大数据产业规模。"
        "园区的数据中心已经投入运行，为永川和周边区县的企业提供云计算服务。")
TAIL = "园区负责人表示，永川大数据产业园今年的营业收入有望突破一百亿元。"

#: (family, an ad line) — each one does two of: names what it sells, tells the reader to act,
#: says how to reach the seller.
ADS = [
    ("loans", "无抵押低息贷款，当天放款，黑户也能办，详询微信：dai8888kuan"),
    ("invoices", "代开各类发票，正规可查验，联系电话：13912345678"),
    ("medical", "男科专科医院名医坐诊，治愈率高，预约热线：400-812-3456"),
    ("cosmetics", "正品代购美白面膜，限时买二送一，加微信：meibai_520"),
    ("education", "考研辅导班一对一辅导，包过不过退款，报名电话：010-62345678"),
    ("recruitment", "招聘宝妈在家兼职，日结工资，手机就能做，加QQ：2881234567"),
    ("real_estate", "学区房准现房热销，首付15万起，售楼热线：0571-88886666"),
    ("travel", "云南纯玩团一日游特价，含往返机票，立即预约享优惠"),
    ("shopping", "【双十一】全场包邮，满300减50，点击领券立即抢购！！"),
    ("apps", "扫码下载APP，新用户免费领取88元红包"),
    ("games", "传奇私服今日开服，充值送元宝，点击进入游戏"),
    ("gambling", "澳门娱乐城真人荷官在线，注册就送88元，官网 www.ylc888.com"),
    ("adult", "同城约炮，裸聊视频，扫码加入"),
    ("seo", "专业网站优化，百度快照排名靠前，友情链接交换请加QQ：12345678"),
]

#: Real sentences that show one feature, or an instruction in a how-to: all stay.
KEEPS = [
    "工商银行下调了个人住房贷款利率，首套房贷款利率降至百分之四。",
    "记者拨打该公司客服电话4008123456，工作人员表示正在处理。",
    "详细的安装说明参见 https://www.debian.org/releases/ 上的发行说明。",
    "打开设置页面，点击“下载”按钮，等待安装完成后重启电脑。",
    "市场监管部门提醒消费者，不要轻信“无抵押、秒到账”的网贷广告。",
    "该楼盘均价3万元，比去年同期下降一成，成交量有所回升。",
    "学校今年开设了考研辅导班，免费向本校学生开放。",
    "他在给朋友的信中写道：有空来玩，我的邮箱是zhang@example.org。",
    "限时免费开放的博物馆吸引了大批游客，门票预约十分紧张。",
]


def test_every_family_goes_as_a_line_after_real_text() -> None:
    for family, ad in ADS:
        text = f"{HOST}\n\n{ad}\n\n{TAIL}"
        found = spam.find_spam(text)
        assert [text[s:e] for s, e, _ in found] == [ad], family


@pytest.mark.parametrize(("family", "ad"), ADS)
def test_an_inline_ad_goes_and_the_sentence_around_it_stays(family: str, ad: str) -> None:
    text = f"{HOST}{ad}。{TAIL}"
    doc = spam.Spam().apply(Document("a", text))
    assert doc.text == HOST + TAIL, family


@pytest.mark.parametrize("sentence", KEEPS)
def test_a_real_sentence_with_one_feature_stays(sentence: str) -> None:
    text = f"{HOST}\n\n{sentence}\n\n{TAIL}"
    assert spam.find_spam(text) == [], spam.explain(text)


def test_an_ad_in_brackets_inside_a_long_sentence_goes_alone() -> None:
    text = HOST + "园区还开设了大数据培训课程（咨询微信：dsj_2024，名额有限），面向本地高校毕业生。"
    doc = spam.Spam().apply(Document("a", text))
    assert doc.text == HOST + "园区还开设了大数据培训课程，面向本地高校毕业生。"


def test_an_instruction_coherent_with_its_document_stays() -> None:
    """An article about an app may tell its readers to download it: it shares the article's topic."""
    text = ("永川智慧停车APP今天上线，市民可以用手机查询园区附近的空闲车位。\n\n"
            "永川智慧停车APP由园区企业开发，查询车位、缴纳停车费都可以在手机上完成。\n\n"
            "市民可立即下载永川智慧停车APP，限时免停车费三天。")
    assert spam.find_spam(text) == [], spam.explain(text)


def test_the_evidence_is_in_the_audit(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    ad = dict(ADS)["shopping"]
    (tmp_path / "in" / "page.txt").write_text(f"{HOST}\n\n{ad}\n\n{TAIL}", encoding="utf-8")
    run_pipeline(tmp_path / "in", tmp_path / "out", Config(run=RunConfig(workers=1)), warn=lambda _m: None)
    record = json.loads((tmp_path / "out" / "audit" / "edits.jsonl").read_text(encoding="utf-8").splitlines()[0])
    (evidence,) = [e for e in record["evidence"] if e["stage"] == "spam"]
    assert {"cta", "promo:shopping", "foreign"} <= set(evidence["features"])
    assert evidence["score"] >= spam.THRESHOLD
    assert "领券" not in (tmp_path / "out" / "corpus" / "page.txt").read_text(encoding="utf-8")


def test_explain_names_the_features_that_decided() -> None:
    lines = spam.explain(f"{HOST}\n\n{ADS[1][1]}")
    assert len(lines) == 1 and lines[0].startswith("spam") and "promo:invoices" in lines[0] and "contact" in lines[0]


def test_one_feature_is_never_enough() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        spam.Spam(threshold=1)


def test_clean_text_takes_the_fast_path() -> None:
    assert spam.judge(HOST * 50) == []


_PIECES = st.lists(st.sampled_from([HOST, TAIL, *(ad for _, ad in ADS), *KEEPS, "\n", "\n\n", "。"]), max_size=8)


@settings(max_examples=60, deadline=None)
@given(_PIECES)
def test_the_stage_is_idempotent_and_its_edits_replay(pieces: list[str]) -> None:
    text = "".join(pieces)
    once = spam.Spam().apply(Document("a", text))
    assert replay(text, once.edits) == once.text
    twice = spam.Spam().apply(Document("a", once.text))
    assert twice.text == once.text


def test_a_pile_of_one_trades_words_is_an_ad_and_a_report_on_it_is_not() -> None:
    ad = "棋牌游戏炸金花、斗牛、牛牛，真金白银，秒提现，推荐码3901"
    assert [f for _, _, f in spam.find_spam(f"{HOST}\n\n{ad}\n\n{TAIL}")]
    report = ("警方破获一起利用棋牌游戏平台组织网络赌博的案件。\n\n"
              "该平台以炸金花、斗牛等棋牌游戏为名组织赌博，涉案的赌场账户流水达数千万元。\n\n"
              "警方提醒，炸金花、斗牛等所谓棋牌游戏平台往往是网络赌场，市民切勿参与。")
    assert spam.find_spam(report) == [], spam.explain(report)


def test_an_ad_whose_contact_a_rule_took_still_goes() -> None:
    """rules/ads.toml cuts the QQ handle; the edit log says the rest of the sentence was an ad's."""
    from pipeline.rules import Rules

    text = f"{HOST}诚聘在家兼职打字员，手机即可操作，日结200元，不收任何费用，联系QQ：815048418。{TAIL}"
    doc = Rules().apply(Document("a", text))
    assert any(e.rule.startswith("ads.") for e in doc.edits) and "日结" in doc.text
    doc = spam.Spam().apply(doc)
    assert doc.text == HOST + TAIL
    assert any("contact_removed" in e["features"] for e in doc.meta["evidence"] if e["stage"] == "spam")


def test_an_ad_put_inside_a_short_sentence_goes_and_the_sentence_stays() -> None:
    text = ("房间很大。\n\n酒店的管理不专业，上海某某华府，地铁口现房，首付4万起，售楼热线：400-739-8838 服务非常差，"
            "晚上住宿要用自己的羽绒衣防寒。\n\n下次不来了。")
    out = spam.Spam().apply(Document("a", text)).text
    assert "酒店的管理不专业" in out and "晚上住宿要用自己的羽绒衣防寒" in out
    assert "售楼热线" not in out and "400-739-8838" not in out
