"""Recovering the two characters around a GBK user-defined pair that a decoder dropped.

In a frame-shifted run the decoder reads (trail of char k, lead of char k+1);
when that pair is user-defined it becomes private use, which the seeds'
decoder deleted, and re-aligning merges char k's lead with char k+1's trail
into one wrong character. These tests build such merges from real GBK bytes.
Inputs are hand-made in the shape the whitespace stage hands over.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import bench_repair
from pipeline import charmodel, mojibake
from pipeline.document import Document, replay
from pipeline.repair import LOST_MARKER, Repair

USER_DEFINED = frozenset(mojibake._user_defined_pairs())


def merge(pair: str) -> str:
    """The character a dropped middle pair turns ``pair`` into: first lead byte + second trail byte."""
    a, b = pair[0].encode("gbk"), pair[1].encode("gbk")
    assert bytes((a[1], b[0])) in USER_DEFINED, "the middle bytes must be a user-defined pair"
    return bytes((a[0], b[1])).decode("gbk")


def shifted_and_dropped(line: str) -> str:
    """``line`` as the seeds' decoder shows it: first byte lost (`?`), pairs misread, user-defined ones deleted."""
    return "?" + bench_repair._fold_width(bench_repair._lenient_gbk(line.encode("gb18030")[1:], drop_private=True))


# -- the readings and their scores ------------------------------------------------------------


def test_merge_examples_from_the_seeds_are_real_bytes() -> None:
    # 003: 江新 = BD AD | D0 C2, AD D0 dropped, BD C2 = 铰; 000: 片及 = C6 AC | BC B0, AC BC dropped
    assert "江新".encode("gbk") == b"\xbd\xad\xd0\xc2" and merge("江新") == "铰"
    assert "片及".encode("gbk") == b"\xc6\xac\xbc\xb0" and merge("片及") == b"\xc6\xb0".decode("gbk")


@pytest.mark.parametrize("pair", ["江新", "片及", "区在", "十四", "围绕", "经济", "更大", "国际"])
def test_every_reading_has_the_merged_halves_and_a_user_defined_middle(pair: str) -> None:
    merged = merge(pair)
    grid = mojibake._readings(merged)
    assert grid.at(pair) is not None
    lead, trail = merged.encode("gbk")
    rows, cols = np.nonzero(np.isfinite(grid.static))
    assert len(rows) > 500
    for i, j in zip(rows, cols):
        a, b = grid.firsts[i].encode("gbk"), grid.seconds[j].encode("gbk")
        assert a[0] == lead and b[1] == trail and bytes((a[1], b[0])) in USER_DEFINED


def test_document_evidence_decides_between_close_readings() -> None:
    # 江新, 进新, 将新 score alike to the model: only the second character is certain
    assert mojibake._unmerge("", "兩", "铰", "區", LOST_MARKER, False) == LOST_MARKER + "新"
    # the article names 兩江新區 elsewhere
    assert mojibake._unmerge("兩江新區是國家級新區", "兩", "铰", "區", LOST_MARKER, False) == "江新"


def test_one_character_is_kept_when_the_likely_readings_agree_on_it() -> None:
    # seed 000: 芯片及SoC. 片 is certain (芯片); 及 is not (前 and “ score as well), so it is marked
    assert mojibake._unmerge("", "芯", merge("片及"), "S", LOST_MARKER, False) == "片" + LOST_MARKER


def test_a_document_string_must_include_the_neighbour_to_count() -> None:
    # `片“` occurs in seed 000 (一大片“過路黃”) but not after 芯: no evidence for the quote
    document = "一大片“過路黃”正悄然綻放"
    assert mojibake._unmerge(document, "芯", merge("片及"), "S", LOST_MARKER, False) == "片" + LOST_MARKER


@pytest.mark.parametrize("sentence", ["推动成渝地区双城经济圈建设取得新的更大进展。", "国民经济保持了高增长、低通胀的良好发展态势。"])
def test_real_characters_in_context_are_not_taken_for_merges(sentence: str) -> None:
    for i, ch in enumerate(sentence):
        prev, nxt = sentence[i - 1 : i], sentence[i + 1 : i + 2]
        assert mojibake._unmerge(sentence, prev, ch, nxt, LOST_MARKER, True) is None, ch


def test_a_run_holding_private_use_was_not_dropped_from() -> None:
    assert mojibake._restore_vanished("兩江新區", "眱山聟", list("兩铰區"), "自", LOST_MARKER) == "兩江新區"
    assert mojibake._restore_vanished("兩江新區", "眱\ue000山聟", list("兩铰區"), "自", LOST_MARKER) == "兩铰區"


def test_a_short_run_only_unmerges_implausible_characters() -> None:
    # `２` (A3 B2) is `，共` merged, but is not rare: in a run too short to tell, it stays
    chars = list("问题２商环境")
    assert merge("，共") == "２"
    assert mojibake._restore_vanished("", "x" * 6, chars, "管", LOST_MARKER) == "问题２商环境"
    assert mojibake._restore_vanished("问题，共商", "x" * 20, chars, "管", LOST_MARKER) == "问题，共商环境"


# -- through the stage ---------------------------------------------------------------------------


def test_stage_recovers_a_dropped_pair_named_elsewhere_in_the_document() -> None:
    context = "兩江新區是國家級新區，兩江新區自貿辦成立。\n"
    damaged = context + shifted_and_dropped("。”兩江新區自貿辦有關負責人說")
    assert "眱山聟" in damaged
    doc = Repair().apply(Document("t", damaged))
    assert doc.text == context + "。”兩江新區自貿辦有關負責人說"
    assert replay(damaged, doc.edits) == doc.text


def test_stage_recovers_merges_of_common_characters_in_a_long_run() -> None:
    line = "成渝两地紧紧围绕热点、难点、重点问题，共商环境管理。"
    other = "重点问题，共商发展大计。\n"
    doc = Repair().apply(Document("t", other + shifted_and_dropped(line)))
    # ，共 merged into a common character (２, A3 B2); the document holds 题，共商
    assert doc.text.endswith("、重点问题，共商环境管理。")
    # 围绕 merged into 纹, which no string of this document speaks for: it stays
    assert "紧紧纹热点" in doc.text


def test_stage_leaves_a_shifted_run_without_dropped_pairs_exact() -> None:
    # a run long enough to be searched for merges, but no middle pair is user-defined: nothing to unmerge
    line = "电影表演艺术家孙道临主持了音乐会。"
    damaged = shifted_and_dropped(line)
    assert len(damaged) >= mojibake.MERGE_MIN_RUN and not any("\ue000" <= ch <= "\uf8ff" for ch in damaged)
    assert Repair().apply(Document("t", damaged)).text == line


# -- properties ----------------------------------------------------------------------------------

_HANZI = sorted(charmodel.gb2312_level1())[::5]  # a spread of common hanzi
_FIRSTS = [ch for ch in sorted(charmodel.gb2312_level1()) if ch.encode("gbk")[1] in {p[0] for p in USER_DEFINED}]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(_FIRSTS),
    st.sampled_from(_HANZI),
    st.sampled_from(_HANZI + ["，", "S", ""]),
    st.sampled_from(_HANZI + ["。", "S", ""]),
    st.booleans(),
    st.booleans(),
)
def test_property_a_recovered_reading_re_encodes_consistently(
    first: str, second: str, prev: str, nxt: str, named_elsewhere: bool, suspect_all: bool
) -> None:
    """Whatever is written re-encodes to the merged character's lead and trail, with a user-defined middle."""
    a, b = first.encode("gbk"), second.encode("gbk")
    if bytes((a[1], b[0])) not in USER_DEFINED:
        return  # not a pair a dropped middle can merge
    try:
        merged = merge(first + second)
    except UnicodeDecodeError:
        return  # the merged bytes are no character (D7FD): a decoder would have shown nothing to repair
    document = f"{prev}{first}{second}{nxt}，" if named_elsewhere else ""
    out = mojibake._unmerge(document, prev, merged, nxt, LOST_MARKER, suspect_all)
    if out is None:
        return
    lead, trail = merged.encode("gbk")
    x, y = out
    assert len(out) == 2 and (x, y) != (LOST_MARKER, LOST_MARKER) or out == LOST_MARKER * 2
    if x != LOST_MARKER:
        assert x.encode("gbk")[0] == lead and x.encode("gbk")[1] in {p[0] for p in USER_DEFINED}
    if y != LOST_MARKER:
        assert y.encode("gbk")[1] == trail and y.encode("gbk")[0] in {p[1] for p in USER_DEFINED}
    if LOST_MARKER not in out:
        assert bytes((x.encode("gbk")[1], y.encode("gbk")[0])) in USER_DEFINED


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_HANZI), st.lists(st.sampled_from(_HANZI), min_size=16, max_size=40).map("".join))
def test_property_repaired_runs_replay_and_are_idempotent(context: str, line: str) -> None:
    damaged = context + "。\n" + shifted_and_dropped(line)
    doc = Repair().apply(Document("t", damaged))
    assert replay(damaged, doc.edits) == doc.text
    assert Repair().apply(Document("again", doc.text)).edits == []
