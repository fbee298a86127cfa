"""The repair stage on the full seed files, as the whitespace stage hands them over.

The seeds are read from ``seeds/`` directly and passed through the backbone's
whitespace stage first (the stage that runs before repair), then repair.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.document import Document, replay
from pipeline.repair import LOST_MARKER, Repair
from pipeline.whitespace import Whitespace

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
RULES = {
    "gbk_frameshift", "utf8_as_gbk", "gbk_as_latin1", "big5_as_gbk", "gbk_as_big5", "unrecoverable",
    "replacement_char", "literal_escape", "html_entity", "html_tag", "invisible_char", "odd_space", "indent",
    "copyright_sign", "utf8_as_cp1252", "utf8_as_latin1",
}  # fmt: skip


def repaired(prefix: str) -> tuple[str, Document]:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    doc = Whitespace().apply(Document(path.name, path.read_text(encoding="utf-8")))
    before = doc.text
    doc.edits.clear()
    return before, Repair().apply(doc)


@pytest.fixture(scope="module")
def seed003() -> tuple[str, Document]:
    return repaired("003")


@pytest.mark.parametrize(
    "recovered", ["李建彬介紹", "電子企業", "談到了在共建港", "綱要》", "寄予厚望。《綱要》", "。”李建彬說"]
)
def test_003_frameshift_text_is_recovered(seed003: tuple[str, Document], recovered: str) -> None:
    before, doc = seed003
    assert doc.text.count(recovered) > before.count(recovered)


@pytest.mark.parametrize("garbled", ["毒V", "眱山聟", "崩罱", "髽I", "?!", "?/p>", "/p>"])
def test_003_garbled_strings_are_gone(seed003: tuple[str, Document], garbled: str) -> None:
    before, doc = seed003
    assert garbled in before
    assert garbled not in doc.text
    assert "<" not in doc.text  # the cut `</p>` was completed, then removed as a stray tag


def test_003_cut_tag_after_a_quote_is_the_closing_quote(seed003: tuple[str, Document]) -> None:
    # `打造內陸開放門戶?!?/p>` is `。”</p>`: the quote opened earlier in the line closes
    before, doc = seed003
    assert "打造內(nèi)陸開放門戶?!?/p>\n" in before
    assert "打造內(nèi)陸開放門戶。”\n" in doc.text


def test_003_copyright_sign_is_restored_from_its_line(seed003: tuple[str, Document]) -> None:
    before, doc = seed003
    assert "\n? 2020 重慶兩江新區" in before
    assert "\n© 2020 重慶兩江新區" in doc.text
    assert [e.rule for e in doc.edits].count("copyright_sign") == 1


def test_003_dropped_pair_is_recovered_from_the_document(seed003: tuple[str, Document]) -> None:
    # 兩江新區 = 83C9 BDAD D0C2 855E: after the lost lead, the misread pair AD D0 was
    # user-defined and dropped, so re-aligning merged 江新 into 铰. Of the ~1,600 pairs
    # that could fill in the bytes, 江新 alone spells a string the article uses (32 times)
    before, doc = seed003
    assert before.count("?!眱山聟^(qū)") == 2
    assert "。”兩江新區(qū)自貿(mào)辦" in doc.text
    assert "。”兩江新區(qū)經(jīng)濟運行局" in doc.text
    assert f"兩{LOST_MARKER}" not in doc.text


def test_003_lost_lead_is_marked_not_invented(seed003: tuple[str, Document]) -> None:
    # 當地電子企業: the lead byte of 地 is gone; `?shù)` before it is left as it was
    assert f"當(dāng)?shù){LOST_MARKER}電子企業" in seed003[1].text


def test_000_frameshift_recovered_and_losses_marked() -> None:
    before, doc = repaired("000")
    assert "旌闲" in before and "旌闲" not in doc.text
    # truth: 數模混合信號芯片及SoC. 模 lost its lead byte: nothing constrains it, marked.
    # 片及 lost their middle pair AC BC: 片 is certain (芯片), the second character is not
    # (前 and “ fit the bytes and score as well as 及, and the article has no 芯片及), marked
    assert f"數{LOST_MARKER}混合信號芯片{LOST_MARKER}SoC系統" in doc.text
    assert [e.rule for e in doc.edits] == ["gbk_frameshift"]


@pytest.mark.parametrize("prefix", ["001", "002", "004"])
def test_undamaged_seeds_are_left_alone(prefix: str) -> None:
    before, doc = repaired(prefix)
    assert doc.edits == []
    assert doc.text == before


def test_004_legitimate_question_marks_stay() -> None:
    before, doc = repaired("004")
    assert "如何?" in before and "运行状态如何?推进效率怎样?" in doc.text


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_every_seed_edit_is_logged_and_replays(prefix: str) -> None:
    before, doc = repaired(prefix)
    assert replay(before, doc.edits) == doc.text
    for edit in doc.edits:
        assert edit.stage == "repair" and edit.rule in RULES


@pytest.mark.parametrize("prefix", ["000", "003"])
def test_seed_repair_is_idempotent(prefix: str) -> None:
    _, doc = repaired(prefix)
    again = Repair().apply(Document("again", doc.text))
    assert again.edits == []
