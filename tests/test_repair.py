"""Unit, round-trip, false-positive and property tests for the repair stage.

Inputs are hand-made in the shape the whitespace stage hands over (``\\n``
line breaks, no trailing blanks), or made by damaging clean text the way the
damage arises (``benchmarks.bench_repair`` corrupters).
"""

from __future__ import annotations

import random

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import bench_repair
from benchmarks.corpora import clean_news_text
from pipeline import repair
from pipeline.config import ConfigError, parse_config
from pipeline.document import Document, replay
from pipeline.repair import LOST_MARKER, Repair
from pipeline.whitespace import Whitespace

SENTENCES = [
    "重庆市武隆区在成都市举行第十四届仙女山冰雪季启动仪式。",
    "成渝两地紧紧围绕热点、难点、重点问题，共商环境管理。",
    "国民经济保持了高增长、低通胀的良好发展态势。",
    "推动成渝地区双城经济圈建设取得新的更大进展。",
    "江津临港产业城将加强与成都国际陆港的合作。",
]


def run(text: str, **options: object) -> Document:
    return Repair(**options).apply(Document("t", text))  # type: ignore[arg-type]


# -- the byte-level classes, round trip on real sentences -----------------------------------


@pytest.mark.parametrize("sentence", SENTENCES + [s[:-1] for s in SENTENCES])
def test_utf8_read_as_gbk_is_restored(sentence: str) -> None:
    # an odd number of characters leaves a byte the decoder cannot pair: U+FFFD
    damaged = "新闻：" + sentence.encode("utf-8").decode("gb18030", errors="replace") + "\n下一段。"
    doc = run(damaged)
    assert {e.rule for e in doc.edits} == {"utf8_as_gbk"}
    if not damaged.endswith("\ufffd\n下一段。"):
        assert doc.text == "新闻：" + sentence + "\n下一段。"
    else:  # all but the last character certainly, that one guessed or marked
        assert doc.text[: 3 + len(sentence) - 1] == "新闻：" + sentence[:-1]
        assert doc.text[3 + len(sentence) - 1] in (sentence[-1], LOST_MARKER)


@pytest.mark.parametrize("sentence", SENTENCES)
def test_gbk_read_as_latin1_is_restored(sentence: str) -> None:
    damaged = bench_repair._windows_1252(sentence.encode("gbk"))
    doc = run(damaged)
    assert doc.text == sentence
    assert {e.rule for e in doc.edits} == {"gbk_as_latin1"}


def _big5_reversible(sentence: str) -> bool:
    """GBK bytes that Big5-HKSCS can read without losing one (so the damage is reversible)."""
    return "\ufffd" not in sentence.encode("gbk").decode("big5hkscs", errors="replace")


BIG5_REVERSIBLE = [s for s in SENTENCES if _big5_reversible(s)]


def test_enough_sentences_survive_a_big5_misreading() -> None:
    assert len(BIG5_REVERSIBLE) >= 3


@pytest.mark.parametrize("sentence", BIG5_REVERSIBLE)
def test_gbk_read_as_big5_is_restored(sentence: str) -> None:
    damaged = sentence.encode("gbk").decode("big5hkscs")
    assert run(damaged).text == sentence


@pytest.mark.parametrize("sentence", SENTENCES)
def test_big5_read_as_gbk_is_restored(sentence: str) -> None:
    traditional = opencc.OpenCC("s2t.json").convert(sentence)
    damaged = traditional.encode("big5hkscs").decode("gb18030")
    doc = run(damaged)
    assert doc.text == traditional
    assert {e.rule for e in doc.edits} == {"big5_as_gbk"}


def test_utf8_read_as_cp1252_is_restored_by_ftfy() -> None:
    damaged = bench_repair._windows_1252("中文网页".encode())
    doc = run(f"标题：{damaged}。")
    assert doc.text == "标题：中文网页。"
    assert {e.rule for e in doc.edits} == {"utf8_as_cp1252"}


def test_frameshift_with_marker_restores_the_run() -> None:
    line = SENTENCES[0]
    raw = line.encode("gb18030")
    damaged = "?" + bench_repair._fold_width(bench_repair._lenient_gbk(raw[1:], drop_private=False))
    doc = run(damaged)
    # the first character lost its lead byte; everything after comes back
    assert doc.text[1:] == line[1:]
    assert doc.text[0] in (line[0], LOST_MARKER)
    assert {e.rule for e in doc.edits} == {"gbk_frameshift"}


def test_frameshift_mid_line_without_marker() -> None:
    prefix, line = "今天，", SENTENCES[3]
    raw = line.encode("gb18030")
    damaged = prefix + bench_repair._lenient_gbk(raw[1:], drop_private=False)
    doc = run(damaged)
    assert doc.text.startswith(prefix)
    # without a `?`, where the byte was lost is inferred; it may be off by one character
    assert doc.text.endswith(line[2:])


def test_lost_marker_option_removes_instead() -> None:
    doc = run("形成微系統集成加工與測試、數?;旌闲盘栃酒癝oC系統", lost_marker="")
    assert "數混合信號芯片SoC系統" in doc.text  # 及 unknown, removed
    assert replay("形成微系統集成加工與測試、數?;旌闲盘栃酒癝oC系統", doc.edits) == doc.text


def test_lost_marker_is_validated_by_the_config_loader() -> None:
    stages = parse_config({"repair": {"lost_marker": "□"}}).build_stages()
    assert next(s for s in stages if s.name == "repair").lost_marker == "□"
    with pytest.raises(ConfigError, match="lost_marker"):
        parse_config({"repair": {"lost_marker": "?"}})


# -- unrecoverable damage and markup ---------------------------------------------------------


def test_unrecoverable_junk_is_removed_and_logged() -> None:
    doc = run("标题锟斤拷锟斤拷正文烫烫烫烫烫结束\ufffd\ufffd。滚烫的水")
    assert doc.text == "标题正文结束。滚烫的水"
    assert [e.rule for e in doc.edits] == ["unrecoverable", "unrecoverable", "replacement_char"]


def test_double_escaped_entities_tags_and_escapes() -> None:
    doc = run("第一段&amp;nbsp;内容&amp;quot;好&amp;quot;<br>第二段\\u4e2d\\u6587\\n第三段</p>")
    assert doc.text == '第一段 内容"好"\n第二段中文\n第三段'
    assert {e.rule for e in doc.edits} == {"html_entity", "html_tag", "literal_escape"}


def test_invisible_and_odd_spaces() -> None:
    doc = run("\u3000\u3000正\u200b文\ufeff，价格\u00a0100元\x07。")
    assert doc.text == "正文，价格 100元。"


# -- ftfy configured for CJK -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["他说：“好！”（完）", "全角　空格，ＡＢＣ１２３", "ﬁ ligature stays", "豈 compatibility ideograph", "‘单引号’"],
)
def test_ftfy_config_leaves_cjk_typography_alone(text: str) -> None:
    fixed, _ = repair.ftfy_fix(text)
    assert fixed == text


def test_ftfy_at_full_strength_on_a_line_without_cjk() -> None:
    # MacRoman, Windows-1250/1251 have no Windows-1252 lead sign: a Chinese line
    # would not wake ftfy for them (a rare sign next to hanzi is not evidence), a Latin line does
    text = "wei√ü\nLiĂ¨ge ﬁ\nвЂ“ dash\n中文 wei√ü ﬁ"
    fixed, _ = repair.ftfy_fix(text)
    assert fixed == "weiß\nLiège ﬁ\n– dash\n中文 wei√ü ﬁ"


def test_ftfy_never_makes_chinese_at_full_strength() -> None:
    # a line that full-strength ftfy would turn into CJK text goes the CJK way:
    # UTF-8 read as Windows-1252 is repaired (the configuration tuned on Chinese) ...
    assert repair.ftfy_line("ä¸­æ–‡") == ("中文", "utf8_as_cp1252")
    # ... but a MacRoman reading that would make hanzi is not the CJK trigger's
    macroman = "中文".encode().decode("mac_roman")
    assert repair.ftfy_line(macroman) == (macroman, "")


def test_whitespace_keeps_a_final_x85_for_repair() -> None:
    doc = Document("t", "parlé\x85")
    Repair().apply(Whitespace().apply(doc))
    assert doc.text == "parlé…"


def test_ftfy_is_run_to_a_fixed_point() -> None:
    once, _ = repair.ftfy_fix("\x80ß\r\x80")
    twice, _ = repair.ftfy_fix(once)
    assert once == twice


# -- false positives ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def news() -> list[str]:
    return bench_repair.documents(clean_news_text(150_000))


def test_clean_simplified_text_is_unchanged(news: list[str]) -> None:
    assert [d for d in news if run(d).edits] == []


def test_clean_traditional_text_is_unchanged(news: list[str]) -> None:
    converter = opencc.OpenCC("s2t.json")
    assert [d for d in news if run(converter.convert(d)).edits] == []


def test_mixed_english_code_url_number_text_is_unchanged() -> None:
    text = bench_repair.mixed_text(random.Random(7), 30_000)
    for fragment in bench_repair.MIXED_FRAGMENTS:
        assert fragment in text
    assert run(text).edits == []


def test_fast_path_finds_nothing_in_most_clean_documents(news: list[str]) -> None:
    slow = sum(repair.needs_repair(d) for d in news)
    assert slow < len(news) // 2


# -- properties ---------------------------------------------------------------------------------

_alphabet = st.sampled_from(
    list("中文网页经济建设重庆兩區綱要，。“”《》？！?!;:<>/&#\\ uxp0129ÖÐÎÄä¸­æ–‡é\n\t\r")
    + [
        "\ufffd",
        "\u200b",
        "\u3000",
        "\xa0",
        "锟斤拷",
        "烫烫烫",
        "&amp;",
        "&nbsp;",
        "</p>",
        "\\u4e2d",
        "\x80",
        "ß",
        "〓",
    ]
)
texts = st.lists(_alphabet, max_size=40).map("".join)


def _damaged(draw_text: str) -> str:
    """Arbitrary text plus GBK-shaped damage of it, so the byte-level fixers are exercised."""
    raw = draw_text.encode("gb18030", errors="replace")
    return draw_text + "\n" + bench_repair._lenient_gbk(raw[1:], drop_private=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_property_idempotent_and_replayable(text: str) -> None:
    for sample in (text, _damaged(text)):
        doc = run(sample)
        assert replay(sample, doc.edits) == doc.text
        again = run(doc.text)
        assert again.text == doc.text, (sample, doc.text, again.edits)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SENTENCES), st.integers(0, 40), st.sampled_from(["utf-8", "gbk", "big5hkscs"]))
def test_property_misread_sentences_never_get_worse(sentence: str, cut: int, encoding: str) -> None:
    traditional = opencc.OpenCC("s2t.json").convert(sentence)
    clean = traditional if encoding == "big5hkscs" else sentence
    cut = cut % len(clean)
    seen = "gb18030" if encoding != "gbk" else "big5hkscs"
    try:
        damaged = clean[:cut] + clean[cut:].encode(encoding).decode(seen)
    except UnicodeDecodeError:
        return
    doc = run(damaged)
    assert replay(damaged, doc.edits) == doc.text
    assert sum(a == b for a, b in zip(doc.text, clean)) >= sum(a == b for a, b in zip(damaged, clean))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_property_never_crashes_on_arbitrary_unicode(text: str) -> None:
    doc = run(text)
    assert replay(text, doc.edits) == doc.text
    assert run(doc.text).text == doc.text


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from("\x80ß\r\n\x81é€Â\xa0 a"), max_size=20))
def test_property_ftfy_reaches_a_fixed_point(text: str) -> None:
    once, _ = repair.ftfy_fix(text)
    assert repair.ftfy_fix(once)[0] == once


def test_benchmark_quick_mode_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_repair.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "gbk_frameshift" in out and "MB/s" in out and "peak RSS" in out


# -- mojibake spans inside clean lines ----------------------------------------------------------


@pytest.mark.parametrize("field", ["的中国书籍，书桌上摆着", "家口市邮电局局长", "１２月份各省（区、市）商品零售价格变动"])
def test_gbk_read_as_utf8_with_replacement_is_removed_whole(field: str) -> None:
    # the bytes are gone; what decoded between the U+FFFDs (й, ϰ, ·, a rare hanzi) goes with them
    junk = field.encode("gbk").decode("utf-8", errors="replace")
    line = "航空母舰上载有１９架直升机。"
    doc = run(line[:4] + junk + line[4:])
    assert doc.text == line
    assert {e.rule for e in doc.edits} <= {"unrecoverable", "replacement_char"}
    assert "unrecoverable" in {e.rule for e in doc.edits} or set(junk) == {"\ufffd"}


def test_text_between_lost_bytes_stays() -> None:
    # real words between single lost bytes are not junk: only the U+FFFDs go
    assert run("数据\ufffd丢失了\ufffd，请重试\ufffd。").text == "数据丢失了，请重试。"
    assert run("张\ufffd\ufffd\ufffd鑫磊说").text == "张鑫磊说"  # a name's rare character next to the run stays


def test_a_latin_line_keeps_what_ftfy_repaired_between_lost_bytes() -> None:
    # `¢` between U+FFFDs is ftfy's partial repair in an English line, not GBK junk
    assert run("It\ufffd¢\ufffd\ufffds classic and long enough.").text == "It¢s classic and long enough."


def test_utf8_read_as_gbk_ending_inside_a_clean_line_marks_its_lost_byte() -> None:
    # 网 = E7 BD 91: the decoder could not pair the last byte; reading its U+FFFD as
    # 0x80 would give 罀 (E7 BD 80). The next character is another field's.
    damaged = "新闻：" + "中文网".encode().decode("gb18030", errors="replace") + "的报道"
    assert run(damaged).text == "新闻：中文〓的报道"
    # with an even number of characters nothing is lost
    damaged = "新闻：" + "中文网页".encode().decode("gb18030", errors="replace") + "的报道"
    assert run(damaged).text == "新闻：中文网页的报道"


def test_benchmark_span_measurement_runs() -> None:
    tallies = bench_repair.run_spans(Repair(), 8)
    assert set(tallies) == set(bench_repair.SPAN_MISREADINGS)
    for tally in tallies.values():
        assert tally.cases == 8 == tally.restored + tally.marked + tally.removed + tally.left
    assert "restored" in bench_repair.span_report(tallies)


def test_a_known_hanzi_at_the_edge_of_junk_stays() -> None:
    # 俪 here is three junk bytes, but it is a real character (伉俪): losing a
    # real one next to junk would be worse than leaving one of junk
    junk = "首都雅典开".encode("gbk").decode("utf-8", errors="replace")
    assert junk.endswith("俪")
    assert run("航空母舰" + junk + "上载有直升机。").text == "航空母舰俪上载有直升机。"


@pytest.mark.parametrize("sentence", ["情况下对每个人都能起", "去年国内艺术品拍卖活动画上了"])
def test_gbk_read_as_big5_with_replacement_is_read_in_and_out_of_step(sentence: str) -> None:
    # each U+FFFD cost one byte: the reading is out of step until the next one
    seen = sentence.encode("gbk").decode("big5hkscs", errors="replace")
    assert "\ufffd" in seen
    line = "他说：。"
    doc = run(line[:3] + seen + line[3:])
    repaired = doc.text[3:-1]
    assert len(repaired) == len(sentence)
    assert all(a == b or a == LOST_MARKER for a, b in zip(repaired, sentence)), repaired
    assert sum(a == b for a, b in zip(repaired, sentence)) >= len(sentence) - 2
    assert {e.rule for e in doc.edits} <= {"gbk_as_big5", "replacement_char"}


def test_a_lone_replacement_char_in_clean_text_is_only_removed() -> None:
    assert run("中国\ufffd人民代表大会\ufffd召开").text == "中国人民代表大会召开"
