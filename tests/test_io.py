"""Readers, encoding detection, safe paths and atomic writes."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.document import Document

from .conftest import write_tree
from pipeline.io import (
    SEQ_STEP,
    Problem,
    UndecodableError,
    atomic_write,
    decode_bytes,
    inside,
    read_folder,
    safe_relpath,
)

SIMPLIFIED = "推动成渝地区双城经济圈建设，两地将加强全方位协同，深化全领域合作。"
TRADITIONAL = "推動成渝地區雙城經濟圈建設，兩地將加強全方位協同，深化全領域合作。"


def docs_and_problems(root: Path, **kw):
    items = list(read_folder(root, **kw))
    return [i for i in items if isinstance(i, Document)], [i for i in items if isinstance(i, Problem)]


# -- encodings --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, encoding, expected",
    [
        (SIMPLIFIED, "gbk", "gb18030"),
        (SIMPLIFIED, "gb2312", "gb18030"),
        (TRADITIONAL, "big5", "big5"),
        # U+4DAE is CJK Extension A: in GB18030, not in GBK.
        ("刘䶮建立南汉，" + SIMPLIFIED, "gb18030", "gb18030"),
    ],
)
def test_legacy_encodings_decode_exactly(text, encoding, expected):
    decoded, name = decode_bytes(text.encode(encoding))
    assert decoded == text
    assert name == expected


def test_gb18030_only_character_is_not_gbk():
    with pytest.raises(UnicodeEncodeError):
        "䶮".encode("gbk")


def test_short_big5_and_gbk_lines_are_told_apart():
    assert decode_bytes("繁體中文".encode("big5")) == ("繁體中文", "big5")
    assert decode_bytes("简体中文".encode("gbk")) == ("简体中文", "gb18030")


def test_utf8_bom_is_removed():
    assert decode_bytes(codecs.BOM_UTF8 + SIMPLIFIED.encode()) == (SIMPLIFIED, "utf-8-sig")


def test_utf16_with_bom():
    assert decode_bytes(SIMPLIFIED.encode("utf-16")) == (SIMPLIFIED, "utf-16")


def test_binary_is_refused():
    with pytest.raises(UndecodableError, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_a_stray_nul_in_utf8_text_is_text():
    assert decode_bytes(("正文" * 100 + "\x00").encode()) == ("正文" * 100 + "\x00", "utf-8")


def test_bytes_no_encoding_decodes_are_refused():
    # 0x80 is not a lead byte in GB18030, and 0xFF is invalid in Big5 and UTF-8.
    with pytest.raises(UndecodableError, match="undecodable"):
        decode_bytes(b"\x80\xff\x80\xff")


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_any_utf8_text_round_trips(text):
    if text.count("\x00") * 100 > len(text):
        return  # mostly NUL: refused as binary, tested above
    assert decode_bytes(text.encode("utf-8"))[0] == text


# -- folder reader --------------------------------------------------------------------


def test_reader_handles_every_edge_case_and_goes_on(tree):
    root = tree(
        {
            "a/gbk.txt": SIMPLIFIED.encode("gbk"),
            "a/big5.txt": TRADITIONAL.encode("big5"),
            "a/deeper/still/bom.txt": codecs.BOM_UTF8 + "带BOM的文本\n".encode(),
            "empty.txt": b"",
            "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00",
            "新闻/报道一.txt": "非ASCII文件名。\n",
            "records.jsonl": '{"id": "r1", "text": "第一条"}\n{broken json\n\n{"text": "没有id"}\n[1, 2]\n{"id": "r5", "text": 5}\n',
            "notes.md": "ignored: not a text format we read",
        }
    )
    docs, problems = docs_and_problems(root)
    by_id = {d.id: d for d in docs}
    assert by_id["a/gbk.txt"].text == SIMPLIFIED and by_id["a/gbk.txt"].meta["encoding"] == "gb18030"
    assert by_id["a/big5.txt"].text == TRADITIONAL and by_id["a/big5.txt"].meta["encoding"] == "big5"
    assert by_id["a/deeper/still/bom.txt"].text == "带BOM的文本"  # BOM and final newline gone
    assert by_id["empty.txt"].text == ""
    assert by_id["新闻/报道一.txt"].text == "非ASCII文件名。"
    assert by_id["r1"].text == "第一条" and by_id["r1"].meta["line"] == 1
    assert by_id["records.jsonl:4"].text == "没有id"
    assert "notes.md" not in {d.source for d in docs}
    assert [str(p) for p in problems] == [
        "image.txt: binary file (NUL bytes)",
        "records.jsonl:2: invalid JSON: Expecting property name enclosed in double quotes at column 2",
        "records.jsonl:5: a JSON object was expected, not list",
        "records.jsonl:6: field 'text' must be a string, not int",
    ]
    # Deterministic order (sorted walk) and increasing sequence numbers, with room between
    # them for documents split out of one (ID#2).
    assert [d.seq for d in docs] == [i * SEQ_STEP for i in range(len(docs))]
    assert [d.id for d in docs] == [d.id for d in docs_and_problems(root)[0]]


def test_jsonl_gz_custom_fields_and_extra_fields_kept(tmp_path):
    path = tmp_path / "in" / "part.jsonl.gz"
    path.parent.mkdir()
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"doc_id": "x", "content": "正文", "url": "http://a.cn/1"}, ensure_ascii=False) + "\n")
    docs, problems = docs_and_problems(path.parent, text_field="content", id_field="doc_id")
    assert problems == []
    assert docs[0].id == "x" and docs[0].text == "正文"
    assert docs[0].meta["fields"] == {"url": "http://a.cn/1"}


def test_truncated_gzip_is_reported_not_fatal(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    data = gzip.compress(b'{"text": "a"}\n' * 1000)
    (root / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    (root / "z.txt").write_text("after the broken file", encoding="utf-8")
    docs, problems = docs_and_problems(root)
    assert len(problems) == 1 and "corrupt gzip" in problems[0].message
    assert docs[-1].text == "after the broken file"


def test_gbk_jsonl_line_is_decoded(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "legacy.jsonl").write_bytes(('{"text": "%s"}\n' % SIMPLIFIED).encode("gbk"))
    docs, _ = docs_and_problems(root)
    assert docs[0].text == SIMPLIFIED and docs[0].meta["encoding"] == "gb18030"


def test_single_file_input(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text('{"text": "一"}\n{"text": "二"}\n', encoding="utf-8")
    docs, _ = docs_and_problems(path)
    assert [(d.id, d.text, d.source) for d in docs] == [("one.jsonl:1", "一", "one.jsonl"), ("one.jsonl:2", "二", "one.jsonl")]


# -- safe paths and atomic writes -----------------------------------------------------------


@given(st.text(min_size=0, max_size=60))
@settings(max_examples=300, deadline=None)
def test_safe_relpath_never_escapes(doc_id):
    rel = safe_relpath(doc_id)
    assert not rel.is_absolute()
    assert ".." not in rel.parts and "" not in rel.parts
    assert rel.name.endswith(".txt")
    assert all(len(part.encode()) <= 230 for part in rel.parts)
    assert inside(Path("/out") / rel, Path("/out"))


def test_safe_relpath_distinguishes_ids_that_sanitise_alike():
    assert safe_relpath("a:b") != safe_relpath("a?b") != safe_relpath("a_b")
    assert safe_relpath("a_b") == Path("a_b.txt")


def test_atomic_write_leaves_old_file_on_error(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as fh:
            fh.write("half of the new")
            raise RuntimeError("crash mid-write")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]  # no temp file left behind


def test_atomic_write_replaces(tmp_path):
    target = tmp_path / "sub" / "f.txt"
    with atomic_write(target, durable=True) as fh:
        fh.write("新\n")
    assert target.read_bytes() == "新\n".encode()
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's private 0600


def test_safe_relpath_shortens_a_huge_id_in_linear_time():
    # A JSONL id can be anything (a data: URL, a whole text put in the id field).
    # Shortening one character at a time re-encoded the name each time: hours
    # for a 500,000-character id. The alarm only guards against that hang.
    import signal

    def hung(*_):
        raise TimeoutError("safe_relpath is quadratic in the id length")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        rel = safe_relpath("中" * 500_000)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert rel.name == "中" * 66 + "~" + hashlib.sha1(("中" * 500_000).encode()).hexdigest()[:8] + ".txt"
    # the longest prefix that fits in 200 bytes, never half a character
    assert str(safe_relpath("a" + "中" * 100)).startswith("a" + "中" * 66 + "~")


def test_lone_surrogate_escapes_become_replacement_characters(tmp_path):
    # "\ud83d" without its pair: a scraper cut an emoji in half. json.loads
    # accepts it, but no UTF-8 file can hold the result, so the run crashed
    # when it wrote the text, the audit or the path.
    root = tmp_path / "in"
    root.mkdir()
    (root / "cut.jsonl").write_text(
        '{"id": "a\\udc80", "text": "好\\ud83d的", "title": ["\\ud800"]}\n{"text": "\\ud83d\\ude00 paired"}\n',
        encoding="utf-8",
    )
    docs, problems = docs_and_problems(root)
    assert [(d.id, d.text) for d in docs] == [("a\ufffd", "好\ufffd的"), ("cut.jsonl:2", "\U0001f600 paired")]
    assert docs[0].meta["fields"] == {"title": ["\ufffd"]}
    assert [str(p) for p in problems] == ["cut.jsonl:1: lone surrogate escapes (half a character) replaced by U+FFFD"]


def test_corrupt_gzip_data_is_reported_not_fatal(tmp_path):
    # Not cut short but damaged inside: zlib raises its own error, not EOFError.
    root = tmp_path / "in"
    root.mkdir()
    data = bytearray(gzip.compress(b'{"text": "a"}\n' * 1000))
    data[30:40] = b"\xff" * 10
    (root / "bad.jsonl.gz").write_bytes(bytes(data))
    (root / "z.txt").write_text("after the broken file", encoding="utf-8")
    docs, problems = docs_and_problems(root)
    assert [(p.source, p.message.split(":")[0]) for p in problems] == [("bad.jsonl.gz", "corrupt gzip stream")]
    assert docs[-1].text == "after the broken file"


@pytest.mark.parametrize("encoding", ["gbk", "big5"])
def test_a_stray_nul_in_legacy_text_is_text_too(encoding):
    # The same rule as for UTF-8: a stray NUL is damage repair removes; only
    # a file of more than 1% NUL is binary. A GBK page with one NUL was refused.
    text = (SIMPLIFIED if encoding == "gbk" else TRADITIONAL) * 5
    decoded, _ = decode_bytes(text.encode(encoding) + b"\x00")
    assert decoded == text + "\x00"
    with pytest.raises(UndecodableError, match="binary"):
        decode_bytes(text.encode(encoding) + b"\x00" * 20)


def test_an_unreadable_folder_is_reported_and_the_walk_goes_on(tmp_path, monkeypatch):
    root = write_tree(tmp_path / "in", {"a.txt": "一", "locked/b.txt": "二", "z/c.txt": "三"})
    real_iterdir = Path.iterdir

    def iterdir(self):  # chmod 000 does not stop root, who runs CI containers
        if self.name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    docs, problems = docs_and_problems(root)
    assert [d.id for d in docs] == ["a.txt", "z/c.txt"]
    assert [str(p) for p in problems] == ["locked: cannot read folder: Permission denied"]


def test_a_link_back_to_an_enclosing_folder_is_not_followed(tmp_path):
    # Followed, the walk read the tree again at every level until the system's
    # limit of 40 links: every document 40 times over (and with two such links,
    # 2**40 times: the run never ended).
    root = write_tree(tmp_path / "in", {"a.txt": "一", "sub/b.txt": "二"})
    (root / "sub" / "loop").symlink_to("..")
    write_tree(tmp_path / "shared", {"c.txt": "三"})
    (root / "linked").symlink_to(tmp_path / "shared")  # not enclosing: followed
    docs, problems = docs_and_problems(root)
    assert [d.id for d in docs] == ["a.txt", "linked/c.txt", "sub/b.txt"]
    assert [str(p) for p in problems] == ["sub/loop: link to an enclosing folder, not followed"]


@given(st.lists(st.sampled_from(["a", "a.txt", "A.TXT", "b.Txt", "..", "c"]), min_size=1, max_size=4))
@settings(max_examples=100, deadline=None)
def test_no_folder_is_named_like_a_file(parts):
    # Every file the corpus holds ends in .txt; a folder never does (in any case), so
    # a file and a folder never claim one name, even on a case-insensitive disk.
    for rel in (safe_relpath("/".join(parts)), safe_relpath("/".join(parts), folder=True) / "x.txt"):
        assert not any(part.casefold().endswith(".txt") for part in rel.parts[:-1])
