"""The repair stage's fast path: clean text must leave after a cheap survey.

Inputs are hand-made in the shape the whitespace stage hands over, or
damaged the way the damage arises (``benchmarks.bench_repair`` corrupters).
"""

from __future__ import annotations

import itertools

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import bench_repair
from benchmarks.corpora import clean_news_text
from pipeline import charmodel, mojibake
from pipeline.document import Document
from pipeline.repair import Repair, needs_repair

SENTENCES = [
    "推动成渝地区双城经济圈建设取得新的更大进展。",
    "國民經濟保持了高增長、低通脹的良好發展態勢。",
    "記者說江津臨港產業城將加強與成都國際陸港的合作。",
]


def test_rare_names_that_no_reading_improves_take_the_fast_path() -> None:
    text = "李鹏到老工人郭树范和闫戌麟家看望慰问。"
    spot = text.index("闫")
    assert mojibake._garbled_at(text, spot)  # the names read badly around them ...
    assert mojibake.survey(text).spots == ()  # ... but no other reading of their bytes reads better
    assert not needs_repair(text)


def test_a_rare_character_in_a_known_word_is_not_garbled() -> None:
    assert not mojibake._garbled_at("并非画堂鹦鹉鸟", 4)
    assert not mojibake._garbled_at("刷着湛蓝的洱海", 5)


@pytest.mark.parametrize("symbol", list("∶℃▲△○Ⅲ①※→■"))
def test_gb2312_symbols_take_the_fast_path(symbol: str) -> None:
    assert not needs_repair(f"气温零下５{symbol}，增长显著。")


@pytest.mark.parametrize("sign", ["×", "‰", "°", "Ö"])
def test_latin1_and_cp1252_signs_still_wake_the_stage(sign: str) -> None:
    # GBK read as Latin-1/Windows-1252 is made of these: gbk_as_latin1 must see them
    assert needs_repair(f"面积３{sign}５米。")


@pytest.mark.parametrize(
    ("damaged", "rule"),
    [
        ("新闻：" + "中文网页标题".encode().decode("gb18030"), "utf8_as_gbk"),
        ("新聞：" + "中文網頁的標題".encode("big5hkscs").decode("gb18030"), "big5_as_gbk"),
        ("新闻：" + "中文网页的标题".encode("gbk").decode("big5hkscs"), "gbk_as_big5"),
        ("?" + bench_repair._lenient_gbk("。”李建彬介紹說".encode("gb18030")[1:], drop_private=False), "gbk_frameshift"),
    ],
)
def test_survey_keeps_the_spots_each_reading_improves(damaged: str, rule: str) -> None:
    found = mojibake.survey(damaged)
    assert found.spots_in(0, len(damaged), rule), found.readings
    assert needs_repair(damaged)


def test_utf8_quick_look_needs_two_characters() -> None:
    assert mojibake._looks_like_utf8("中文".encode().decode("gb18030"))
    # 磅秤: GBB0 F5D9 ... hold one three-byte UTF-8 look-alike, not two
    assert not mojibake._looks_like_utf8("用的磅秤严重违")


def test_shift_is_found_after_a_pair_with_no_reading() -> None:
    # 說 is D5 66: its trail 0x66 cannot start a character, so (66, next lead) has no
    # reading; the silently shifted text after it must still be found
    line = "國民經濟保持了高增長、低通脹的良好發展態勢。"
    damaged = "記者說" + bench_repair._lenient_gbk(line.encode("gb18030")[1:], drop_private=False)
    assert Repair().apply(Document("t", damaged)).text == "記者說" + line


def _every_start_and_end(text: str, units: list, shifted: list, marked: bool) -> tuple[int, int] | None:
    """The quadratic search the running maximum replaces: try every start and end."""
    best = None
    for e in range(1, len(units) + 1):
        end = mojibake._run_end(text, units, shifted, e, "〓")
        if end is None:
            continue
        for p in [0] if marked else range(e):
            chars = e - p
            if (not marked and chars < mojibake.SHIFT_MIN_CHARS_UNMARKED) or None in shifted[p : e - 1]:
                continue
            seen = sum(charmodel.char_scores("".join(u.char for u in units))[p:e])
            scores = charmodel.char_scores("".join(ch or "\x00" for ch in shifted))
            gain = sum(scores[p : e - 1]) + end[1] - seen
            if marked:
                need = mojibake.SHIFT_GAIN_BASE_MARKED + mojibake.SHIFT_GAIN_PER_CHAR * chars
            else:
                need = mojibake.SHIFT_GAIN_BASE + mojibake.SHIFT_GAIN_PER_CHAR_UNMARKED * chars
            if gain >= need and (best is None or gain - need > best[0] + 1e-9):
                best = (gain - need, p, e)
    return None if best is None else best[1:]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(SENTENCES), st.integers(0, 30), st.integers(0, 30), st.booleans())
def test_property_best_shift_is_the_best_of_every_start_and_end(sentence: str, cut: int, keep: int, marked: bool) -> None:
    cut, keep = cut % len(sentence), keep % len(sentence)
    raw = sentence[cut:].encode("gb18030")
    text = sentence[:keep] + bench_repair._lenient_gbk(raw[1:], drop_private=False)
    for units in mojibake._units(text, 0, len(text)):
        shifted = [mojibake._gbk_pair(bytes((a.raw[1], b.raw[0]))) for a, b in itertools.pairwise(units)]
        best = mojibake._best_shift(text, units, shifted, marked, "〓")
        assert (best[:2] if best else None) == _every_start_and_end(text, units, shifted, marked)


@pytest.fixture(scope="module")
def news() -> list[str]:
    return bench_repair.documents(clean_news_text(150_000))


def test_fast_path_takes_nine_clean_documents_in_ten(news: list[str]) -> None:
    traditional = [opencc.OpenCC("s2t.json").convert(d) for d in news]
    for docs in (news, traditional):
        assert sum(map(needs_repair, docs)) < len(docs) // 10
