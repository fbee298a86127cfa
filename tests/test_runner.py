"""The runner: passes, workers, audit, refusals, atomic output, crash safety."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import runner as runner_module
from pipeline.audit import read_dropped, read_edits
from pipeline.config import Config, RunConfig
from pipeline.document import Document, replay
from pipeline.runner import STAGING_PREFIX, RunError, Segment, Task, chunks, execute, run_pipeline, run_task
from pipeline.whitespace import Whitespace

from .conftest import read_tree


def cfg(workers: int = 1, **run) -> Config:
    return Config(run=RunConfig(workers=workers, progress=False, **run))


@dataclass(frozen=True)
class ExactDup:
    """A toy corpus-level stage: drop exact repeats of an earlier document."""

    name: ClassVar[str] = "exactdup"

    def observe(self, doc: Document) -> tuple[int, str]:
        return doc.seq, hashlib.sha1(doc.text.encode()).hexdigest()

    def merge(self, states: Iterable[tuple[int, str]]) -> dict[int, int]:
        first: dict[str, int] = {}
        repeats: dict[int, int] = {}
        for seq, digest in states:
            if digest in first:
                repeats[seq] = first[digest]
            else:
                first[digest] = seq
        return repeats

    def apply(self, doc: Document, summary: dict[int, int]) -> Document:
        if doc.seq in summary:
            doc.drop(self.name, "exact", survivor_seq=summary[doc.seq])
        return doc

    def describe(self, summary: dict[int, int]) -> dict[str, int]:
        return {"repeats": len(summary)}


@dataclass(frozen=True)
class Shout:
    """A toy per-document stage after the corpus stage: upper-cases Latin letters."""

    name: ClassVar[str] = "shout"

    def apply(self, doc: Document) -> Document:
        doc.rewrite(doc.text.upper(), self.name, "upper")
        return doc


@dataclass(frozen=True)
class Explode:
    """A stage with a bug: raises on documents containing 'boom' after half-editing them."""

    name: ClassVar[str] = "explode"

    def apply(self, doc: Document) -> Document:
        doc.replace([(0, 0, "PARTIAL ")], self.name, "prefix")
        if "boom" in doc.text:
            raise ValueError("cannot handle boom")
        return doc


STAGES = [Whitespace(), ExactDup(), Shout()]


def corpus(n: int) -> dict[str, str]:
    files = {}
    for i in range(n):
        body = f"doc {i % 40}\r\n\n\n\nline  \t\n" + "中文" * (i % 7)
        files[f"d{i // 50}/f{i:04}.txt"] = body
    return files


def test_run_writes_corpus_audit_and_report(tree, tmp_path):
    root = tree(corpus(100))
    out = tmp_path / "out"
    report = run_pipeline(root, out, cfg(), stages=STAGES)
    assert report["documents"] == {"read": 100, "written": 100, "dropped": 0, "problems": 0}
    text = (out / "corpus" / "d0" / "f0001.txt").read_text(encoding="utf-8")
    assert text == "DOC 1\n\nLINE\n中文\n"
    assert report["stages"]["whitespace"]["chars_removed"] > 0
    assert report["rules"]["whitespace/line_endings"]["edits"] == 100
    assert report["pipeline"] == ["whitespace", "exactdup", "shout"]
    assert report["outputs"] == ["audit", "corpus", "report.json"]
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["documents"] == report["documents"]


def test_corpus_stage_drops_are_audited_with_survivor(tree, tmp_path):
    root = tree({"a.txt": "same", "b.txt": "same", "c.txt": "other", "d.txt": "same\n\n"})
    out = tmp_path / "out"
    report = run_pipeline(root, out, cfg(), stages=STAGES)
    dropped = list(read_dropped(out))
    assert [(d["id"], d["reason"], d["details"]) for d in dropped] == [
        ("b.txt", "exact", {"survivor_seq": 0}),
        ("d.txt", "exact", {"survivor_seq": 0}),  # equal after whitespace clean-up
    ]
    assert dropped[1]["text"] == "same"
    assert report["sections"] == {"exactdup": {"repeats": 2}}
    assert report["dropped"] == {"exactdup:exact": 2}
    assert sorted(p.name for p in (out / "corpus").iterdir()) == ["a.txt", "c.txt"]


def test_output_is_identical_for_any_worker_count(tree, tmp_path):
    root = tree(corpus(400))
    trees = []
    for workers in (1, 2, 3):
        out = tmp_path / f"out{workers}"
        run_pipeline(root, out, cfg(workers), stages=STAGES)
        trees.append(read_tree(out))
    assert trees[0] == trees[1] == trees[2]
    assert len(trees[0]) > 100


def test_audit_replays_to_output(tree, tmp_path):
    files = corpus(60)
    root = tree(files)
    out = tmp_path / "out"
    run_pipeline(root, out, cfg(2), stages=STAGES)
    edits = dict(read_edits(out))
    for rel, text in files.items():
        path = out / "corpus" / rel
        original = text[:-1] if text.endswith("\n") else text  # the reader's final-newline rule
        if path.exists():
            assert replay(original, edits.get(rel, [])) + "\n" == path.read_text(encoding="utf-8")


@st.composite
def messy_text(draw) -> str:
    pieces = st.sampled_from(["中文", "。", " ", "\t", "\n", "\r\n", "\r", "\u3000", "abc", "，", "\n\n\n"])
    text = "".join(draw(st.lists(pieces | st.text(max_size=5), max_size=30)))
    return text.replace("\x00", "")  # NUL-heavy files are refused as binary (tested in test_io)


@given(st.lists(messy_text(), min_size=1, max_size=5))
@settings(max_examples=25, deadline=None)
def test_nothing_lost_through_a_whole_run(tmp_path_factory, texts):
    """For any input, output text + audited edits account for every input character."""
    base = tmp_path_factory.mktemp("prop")
    root = base / "in"
    root.mkdir()
    for i, text in enumerate(texts):
        (root / f"{i}.txt").write_text(text, encoding="utf-8", newline="")
    out = base / "out"
    run_pipeline(root, out, cfg(), stages=STAGES, warn=lambda m: None)
    edits = dict(read_edits(out))
    dropped = {record["id"]: record for record in read_dropped(out)}
    for i, text in enumerate(texts):
        rel = f"{i}.txt"
        original = text[:-1] if text.endswith("\n") else text  # the reader's final-newline rule
        final = replay(original, edits.get(rel, []))
        if rel in dropped:
            assert dropped[rel]["text"] == final
        else:
            assert (out / "corpus" / rel).read_text(encoding="utf-8") == final + "\n"


def test_rerunning_on_the_output_changes_nothing(tree, tmp_path):
    root = tree(corpus(50))
    first = tmp_path / "first"
    run_pipeline(root, first, cfg(), stages=STAGES)
    second = tmp_path / "second"
    report = run_pipeline(first / "corpus", second, cfg(), stages=STAGES)
    assert report["stages"]["whitespace"]["edits"] == 0
    assert report["stages"]["shout"]["edits"] == 0
    assert read_tree(first / "corpus") == read_tree(second / "corpus")


# -- robustness -----------------------------------------------------------------------------------


def test_stage_error_is_reported_and_document_continues(tree, tmp_path):
    root = tree({"a.txt": "fine", "b.txt": "boom here"})
    messages: list[str] = []
    report = run_pipeline(root, tmp_path / "out", cfg(), stages=[Explode()], warn=messages.append)
    assert (tmp_path / "out" / "corpus" / "a.txt").read_text(encoding="utf-8") == "PARTIAL fine\n"
    assert (tmp_path / "out" / "corpus" / "b.txt").read_text(encoding="utf-8") == "boom here\n"  # rolled back
    assert messages == ["b.txt: b.txt: explode: stage failed, document left as it was: ValueError: cannot handle boom"]
    assert report["documents"]["problems"] == 1


def test_unreadable_input_is_reported_and_run_goes_on(tree, tmp_path):
    root = tree({"bad.jsonl": '{"text": "ok"}\nnot json\n', "img.txt": b"\x00\x01\x02", "z.txt": "fine"})
    messages: list[str] = []
    report = run_pipeline(root, tmp_path / "out", cfg(), stages=[Whitespace()], warn=messages.append)
    assert report["documents"] == {"read": 2, "written": 2, "dropped": 0, "problems": 2}
    assert messages == ["bad.jsonl:2: invalid JSON: Expecting value at column 1", "img.txt: binary file (NUL bytes)"]
    problems = (tmp_path / "out" / "audit" / "problems.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(problems) == 2


def test_empty_documents_are_dropped_with_a_reason(tree, tmp_path):
    root = tree({"empty.txt": "", "blank.txt": " \n\n\t\n", "a.txt": "x"})
    report = run_pipeline(root, tmp_path / "out", cfg(), stages=[Whitespace()])
    assert report["dropped"] == {"write:empty": 2}
    assert sorted(p.name for p in (tmp_path / "out" / "corpus").iterdir()) == ["a.txt"]


def test_hostile_and_duplicate_ids_stay_inside_and_do_not_collide(tree, tmp_path):
    lines = [
        {"id": "../../escape", "text": "1"},
        {"id": "/etc/passwd", "text": "2"},
        {"id": "dup", "text": "3"},
        {"id": "dup", "text": "4"},
        {"id": "a:b", "text": "5"},
        {"id": "a?b", "text": "6"},
        {"text": "7"},
    ]
    root = tree({"x.jsonl": "".join(json.dumps(r) + "\n" for r in lines)})
    out = tmp_path / "out"
    run_pipeline(root, out, cfg(), stages=[Whitespace()])
    written = {p.read_text(encoding="utf-8").strip(): p for p in (out / "corpus").rglob("*.txt")}
    assert sorted(written) == ["1", "2", "3", "4", "5", "6", "7"]
    for path in written.values():
        assert (out / "corpus").resolve() in path.resolve().parents
    assert written["7"].relative_to(out / "corpus").as_posix() == "x/7.txt"
    assert written["4"].name == "dup~2.txt"


def test_jsonl_shards(tree, tmp_path):
    root = tree({f"{i}.txt": f"文本{i}" for i in range(5)})
    out = tmp_path / "out"
    run_pipeline(root, out, cfg(formats=("jsonl",), shard_size=2), stages=[Whitespace()])
    shards = sorted((out / "shards").iterdir())
    assert [p.name for p in shards] == ["part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    records = [json.loads(line) for p in shards for line in p.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in records] == [f"文本{i}" for i in range(5)]
    assert set(records[0]) == {"id", "text", "source", "meta"}
    assert not (out / "corpus").exists()


# -- refusals and the output folder ---------------------------------------------------------------------


def test_refuses_non_empty_output_without_force(tree, tmp_path):
    root = tree({"a.txt": "x"})
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("user data", encoding="utf-8")
    with pytest.raises(RunError, match="not empty.*--force"):
        run_pipeline(root, out, cfg(), stages=[Whitespace()])
    assert [p.name for p in out.iterdir()] == ["mine.txt"]


def test_refuses_output_inside_input_and_input_inside_output(tree, tmp_path):
    root = tree({"a.txt": "x"})
    with pytest.raises(RunError, match="may not be inside the input"):
        run_pipeline(root, root / "out", cfg(), stages=[Whitespace()])
    with pytest.raises(RunError, match="may not contain the input"):
        run_pipeline(root, tmp_path, cfg(), stages=[Whitespace()], force=True)
    with pytest.raises(RunError, match="input not found"):
        run_pipeline(tmp_path / "missing", tmp_path / "o", cfg(), stages=[Whitespace()])
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(RunError, match="not a folder"):
        run_pipeline(root, tmp_path / "file", cfg(), stages=[Whitespace()], force=True)


def test_force_replaces_our_output_and_keeps_user_files(tree, tmp_path):
    root = tree({"a.txt": "x", "b.txt": "y"})
    out = tmp_path / "out"
    run_pipeline(root, out, cfg(formats=("txt", "jsonl")), stages=[Whitespace()])
    (out / "README-mine.txt").write_text("user data", encoding="utf-8")
    (root / "b.txt").unlink()
    run_pipeline(root, out, cfg(), stages=[Whitespace()], force=True)
    assert sorted(p.name for p in out.iterdir()) == ["README-mine.txt", "audit", "corpus", "report.json"]
    assert [p.name for p in (out / "corpus").iterdir()] == ["a.txt"]  # b.txt from the first run is gone
    assert (out / "README-mine.txt").read_text(encoding="utf-8") == "user data"


def test_crashed_run_leaves_previous_output_and_can_be_rerun(tree, tmp_path, monkeypatch):
    root = tree({f"{i}.txt": f"doc {i}" for i in range(20)})
    out = tmp_path / "out"
    run_pipeline(root, out, cfg(), stages=[Whitespace()])
    before = read_tree(out)
    (root / "new.txt").write_text("new", encoding="utf-8")

    real_finish = runner_module.Sink.finish
    calls = {"n": 0}

    def crashing_finish(self, doc, warn):
        calls["n"] += 1
        if calls["n"] == 10:
            raise KeyboardInterrupt  # the user pressed ^C, or the machine died
        return real_finish(self, doc, warn)

    monkeypatch.setattr(runner_module.Sink, "finish", crashing_finish)
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(root, out, cfg(), stages=[Whitespace()], force=True)
    assert read_tree(out) == before  # untouched, and no staging folder left
    assert not list(out.glob(STAGING_PREFIX + "*"))

    monkeypatch.setattr(runner_module.Sink, "finish", real_finish)
    run_pipeline(root, out, cfg(), stages=[Whitespace()], force=True)
    assert (out / "corpus" / "new.txt").exists()


def test_staging_left_by_a_killed_run_is_not_user_data(tree, tmp_path):
    root = tree({"a.txt": "x"})
    out = tmp_path / "out"
    stale = out / f"{STAGING_PREFIX}999999999-abcd"
    stale.mkdir(parents=True)
    (stale / "half.txt").write_text("half", encoding="utf-8")
    run_pipeline(root, out, cfg(), stages=[Whitespace()])  # no --force needed: only our debris there
    assert not stale.exists()


def test_execute_keeps_a_bounded_window_in_flight():
    produced = {"n": 0}

    def docs():
        for i in range(3000):
            produced["n"] += 1
            yield Document(id=str(i), text="x", seq=i)

    ahead = consumed = 0
    tasks = (Task(docs=chunk) for chunk in chunks(docs(), size=32))
    for result in execute(Segment((Whitespace(),), None), tasks, workers=2):
        for doc in result.finished:
            assert doc.seq == consumed  # input order
            consumed += 1
        ahead = max(ahead, produced["n"] - consumed)
    assert consumed == 3000
    assert ahead <= (4 * 2 + 1) * 32


def test_workers_park_chunks_and_return_only_states(tmp_path):
    docs = [Document(id=str(i), text=f"doc {i}\r\n", seq=i) for i in range(5)]
    docs[2].text = ""
    result = run_task(Segment((Whitespace(),), ExactDup()), Task(docs=docs, spill_out=tmp_path / "c.pickle"))
    assert result.parked == 5 and result.finished == [] and len(result.states) == 5
    again = run_task(Segment((Shout(),), None), Task(spill_in=tmp_path / "c.pickle"))
    assert [d.text for d in again.finished] == ["DOC 0", "DOC 1", "", "DOC 3", "DOC 4"]
    assert not (tmp_path / "c.pickle").exists()  # a parked chunk is read once


def test_default_workers_is_all_cores():
    assert runner_module.default_workers() == len(os.sched_getaffinity(0))


class FakeTerminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_line_only_on_a_terminal(monkeypatch):
    clock = iter(range(0, 100))
    monkeypatch.setattr(runner_module.time, "monotonic", lambda: next(clock))
    for tty, expected in ((True, True), (False, False)):
        stream = FakeTerminal(tty)
        progress = runner_module.Progress(enabled=True, stream=stream)
        progress.start()
        progress.update("pass 1/3", 1234)
        progress.done()
        assert ("pass 1/3: 1,234 documents" in stream.getvalue()) is expected
    quiet = FakeTerminal(True)
    runner_module.Progress(enabled=False, stream=quiet).update("pass 1/3", 5)
    assert quiet.getvalue() == ""


def test_lone_surrogates_in_jsonl_do_not_stop_the_run(tree, tmp_path):
    root = tree({"x.jsonl": '{"id": "\\ud800", "text": "好\\ud83d的", "url": "\\udfff"}\n{"text": "next"}\n'})
    out = tmp_path / "out"
    messages: list[str] = []
    report = run_pipeline(root, out, cfg(formats=("txt", "jsonl")), stages=[Whitespace()], warn=messages.append)
    assert report["documents"] == {"read": 2, "written": 2, "dropped": 0, "problems": 1}
    assert messages == ["x.jsonl:1: lone surrogate escapes (half a character) replaced by U+FFFD"]
    texts = sorted(p.read_text(encoding="utf-8") for p in (out / "corpus").rglob("*.txt"))
    assert texts == ["next\n", "好\ufffd的\n"]


def test_a_folder_and_a_file_never_claim_one_name(tree, tmp_path):
    # Ids "a" (file a.txt) and "a.txt/b" (folder a.txt), or an input data.txt
    # beside data.txt.jsonl (whose records go to folder data.txt): the writer
    # met a file where it needed a folder, and the whole run died.
    root = tree(
        {
            "x.jsonl": '{"id": "a", "text": "1"}\n{"id": "a.txt/b", "text": "2"}\n{"id": "A.TXT/c", "text": "3"}\n',
            "data.txt": "4",
            "data.txt.jsonl": '{"text": "5"}\n',
        }
    )
    out = tmp_path / "out"
    report = run_pipeline(root, out, cfg(), stages=[Whitespace()])
    assert report["documents"]["written"] == 5
    written = {p.read_text(encoding="utf-8").strip(): p.relative_to(out / "corpus").as_posix() for p in (out / "corpus").rglob("*.txt")}
    assert sorted(written) == ["1", "2", "3", "4", "5"]
    assert written["1"] == "x/a.txt" and written["4"] == "data.txt"
