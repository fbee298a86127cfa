"""Hostile input and a hostile environment: every row of issue 15.

Each test asserts what the user sees (the exit status, one ``error:`` line,
no traceback) and the accounting invariant: every input record ends in exactly
one of the corpus, ``audit/dropped.jsonl`` and ``audit/problems.jsonl``, and
``report.json`` says how many went where, checked here against the files.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from click.testing import CliRunner, Result

from pipeline.cli import main
from pipeline.config import Config, RunConfig
from pipeline.document import Document
from pipeline.io import LOST_BYTE
from pipeline.lock import LOCK_NAME, OutputLock
from pipeline.runner import STAGING_PREFIX, Budget, run_pipeline
from pipeline.whitespace import Whitespace

from .conftest import ROOT, read_tree

ARTICLE = "新华社北京电，国务院今天召开常务会议，研究部署进一步做好稳就业工作，会议指出要加大政策支持力度。"


# -- helpers -----------------------------------------------------------------------------------


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=True)  # click 8.2: stderr kept apart


def assert_clean_exit(result: Result, code: int, *fragments: str) -> str:
    """The exit status; at most one ``error:`` line, naming the fragments; never a traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.exit_code == code, result.stderr
    if code:
        assert len(errors) == 1 and result.stderr.strip() == errors[0], result.stderr
        for fragment in fragments:
            assert fragment in errors[0], errors[0]
        return errors[0]
    assert not errors
    return ""


def problems(out: Path) -> list[dict[str, Any]]:
    path = out / "audit" / "problems.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def assert_accounting(out: Path, records: int) -> dict[str, int]:
    """report.json's accounting balances, matches the audit files and counts ``records``."""
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    acc = report["accounting"]
    assert acc["records"] == records
    assert acc["corpus"] + acc["dropped"] + acc["problems"] == acc["records"]
    corpus_files = [p for p in (out / "corpus").rglob("*") if p.is_file()] if (out / "corpus").exists() else []
    shards = sorted((out / "shards").glob("*.jsonl")) if (out / "shards").exists() else []
    written = len(corpus_files) or sum(len(p.read_text(encoding="utf-8").splitlines()) for p in shards)
    assert written == acc["corpus"] + acc["split_off_written"]
    dropped = (out / "audit" / "dropped.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(dropped) == acc["dropped"] + acc["split_off_dropped"]
    ended_in_problems = [p for p in problems(out) if p["kind"] in ("unread", "quarantined")]
    assert len(ended_in_problems) == acc["problems"]
    return acc


def messages(out: Path) -> list[str]:
    return [f"{p['source']}:{p['line']}: {p['message']} [{p['kind']}]" for p in problems(out)]


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


QUICK = ("--stages", "whitespace,repair,normalize,dedup", "-w", "1", "-q")


# -- input rows ----------------------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_read_under_an_escaped_id(tmp_path):
    root = write(tmp_path / "in", {"ok.txt": ARTICLE})
    (root / os.fsdecode(b"bad\xff\xfe.txt")).write_bytes(ARTICLE.replace("国务院", "总理").encode())
    out = tmp_path / "out"
    assert_clean_exit(cli("run", str(root), "-o", str(out), *QUICK), 0)
    names = sorted(p.name for p in (out / "corpus").iterdir())
    assert names == ["bad%FF%FE.txt", "ok.txt"]
    assert messages(out) == ["bad%FF%FE.txt:None: file name is not UTF-8: its other bytes are escaped as %NN in the id [warning]"]
    assert_accounting(out, records=2)
    index = (out / "dedup" / "index" / "documents.jsonl").read_text(encoding="utf-8")
    assert '"bad%FF%FE.txt"' in index  # the index the run used to crash on


def test_a_jsonl_line_of_deeply_nested_brackets_is_reported_and_the_run_goes_on(tmp_path):
    lines = [json.dumps({"text": ARTICLE}, ensure_ascii=False), "[" * 100_000 + "]" * 100_000,
             json.dumps({"text": "另一条" + ARTICLE, "meta": [[[[1]]]]}, ensure_ascii=False),
             '{"text": "深", "x": ' + "[" * 150 + "]" * 150 + "}"]
    root = write(tmp_path / "in", {"data.jsonl": "\n".join(lines) + "\n"})
    out = tmp_path / "out"
    assert_clean_exit(cli("run", str(root), "-o", str(out), *QUICK), 0)
    assert messages(out) == [
        "data.jsonl:2: JSON nested too deeply (more than 100 levels) [unread]",
        "data.jsonl:4: JSON nested too deeply (more than 100 levels) [unread]",
    ]
    assert sorted(p.name for p in (out / "corpus" / "data").iterdir()) == ["1.txt", "3.txt"]
    assert_accounting(out, records=4)


def test_a_gbk_file_with_a_stray_and_a_truncated_byte_is_kept_with_the_bytes_marked(tmp_path):
    head, tail = ARTICLE[:20].encode("gbk"), ARTICLE[20:].encode("gbk")
    root = write(tmp_path / "in", {"gbk.txt": head + b"\xff" + tail + b"\xb0"})
    out = tmp_path / "out"
    assert_clean_exit(cli("run", str(root), "-o", str(out), "--stages", "whitespace", "-w", "1", "-q"), 0)
    text = (out / "corpus" / "gbk.txt").read_text(encoding="utf-8")
    assert text == ARTICLE[:20] + LOST_BYTE + ARTICLE[20:] + LOST_BYTE + "\n"
    assert messages(out) == [
        f"gbk.txt:None: decoded as gb18030 with 2 undecodable byte sequences marked {LOST_BYTE}, "
        f"at byte offsets {len(head)}, {len(head) + 1 + len(tail)} [warning]"
    ]
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["encodings"] == {"gb18030": 1}
    assert_accounting(out, records=1)


def test_the_repair_stage_keeps_the_marker_of_salvaged_bytes(tmp_path):
    data = ARTICLE.encode("gbk")[:-1]  # the last character cut in half
    root = write(tmp_path / "in", {"cut.txt": data})
    out = tmp_path / "out"
    assert_clean_exit(cli("run", str(root), "-o", str(out), "--stages", "whitespace,repair", "-w", "1", "-q"), 0)
    assert (out / "corpus" / "cut.txt").read_text(encoding="utf-8") == ARTICLE[:-1] + LOST_BYTE + "\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("text", [ARTICLE, "第1条 Big5 and GBK：" + ARTICLE + "\n2024年"])
def test_utf16_and_utf32_without_a_bom_are_detected(tmp_path, encoding, text):
    root = write(tmp_path / "in", {"wide.txt": text.encode(encoding)})
    out = tmp_path / "out"
    assert_clean_exit(cli("run", str(root), "-o", str(out), "--stages", "whitespace", "-w", "1", "-q"), 0)
    assert (out / "corpus" / "wide.txt").read_text(encoding="utf-8") == text + "\n"
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["encodings"] == {encoding: 1}
    assert_accounting(out, records=1)


def test_binary_is_still_refused_and_counted(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4 + bytes(64)
    root = write(tmp_path / "in", {"image.txt": png, "table.txt": bytes(range(1, 256)) * 8, "ok.txt": ARTICLE})
    out = tmp_path / "out"
    assert_clean_exit(cli("run", str(root), "-o", str(out), *QUICK), 0)
    assert messages(out) == ["image.txt:None: binary file (NUL bytes) [unread]",
                             "table.txt:None: binary file (control bytes) [unread]"]
    assert_accounting(out, records=3)


def test_fifos_link_loops_and_dangling_links_are_listed_and_counted(tmp_path):
    root = write(tmp_path / "in", {"ok.txt": ARTICLE, "sub/real.txt": "子目录" + ARTICLE})
    os.mkfifo(root / "pipe.txt")
    os.mkfifo(root / "pipe-not-input")  # not named like input: not a record, not mentioned
    os.symlink("loop-b.txt", root / "loop-a.txt")
    os.symlink("loop-a.txt", root / "loop-b.txt")
    os.symlink("missing.txt", root / "dangling.txt")
    os.symlink("missing-folder", root / "gone")
    os.symlink("sub", root / "again")  # a link to a folder: read (sub/real.txt twice)
    out = tmp_path / "out"
    started = time.monotonic()
    assert_clean_exit(cli("run", str(root), "-o", str(out), *QUICK), 0)
    assert time.monotonic() - started < 60  # a FIFO is never opened (that would wait for a writer)
    assert messages(out) == [
        "dangling.txt:None: not read: a dangling link (No such file or directory) [unread]",
        "gone:None: not read: a dangling link (No such file or directory) [unread]",
        "loop-a.txt:None: not read: a loop of links (Too many levels of symbolic links) [unread]",
        "loop-b.txt:None: not read: a loop of links (Too many levels of symbolic links) [unread]",
        "pipe.txt:None: not read: a FIFO (named pipe), not a regular file [unread]",
    ]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["documents"]["problems"] == 5
    assert_accounting(out, records=8)


def test_a_reader_that_breaks_is_confined_to_its_file(tmp_path, monkeypatch):
    from pipeline import io as io_module

    real = io_module._read_txt

    def breaking(path, rel):
        if "bad" in rel:
            raise RuntimeError("simulated reader bug")
        return real(path, rel)

    monkeypatch.setattr(io_module, "_read_txt", breaking)
    root = write(tmp_path / "in", {"a.txt": ARTICLE, "bad.txt": ARTICLE, "c.txt": "三" + ARTICLE})
    out = tmp_path / "out"
    assert_clean_exit(cli("run", str(root), "-o", str(out), *QUICK), 0)
    assert messages(out) == ["bad.txt:None: reading stopped: RuntimeError: simulated reader bug [unread]"]
    assert_accounting(out, records=3)


# -- the per-document budget ------------------------------------------------------------------


@dataclass(frozen=True)
class Stall:
    """A stage that never finishes on documents containing STALL (in Python, or in 'C': signals blocked)."""

    name: ClassVar[str] = "stall"
    hard: bool = False

    def apply(self, doc: Document) -> Document:
        if "STALL" in doc.text:
            if self.hard:  # like a long C call: the timer's signal cannot get in
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
                time.sleep(3600)
            while True:
                pass
        doc.rewrite(doc.text + "。", self.name, "stop")
        return doc


def budget_config(workers: int, seconds: float = 0.5, over: str = "pass") -> Config:
    return Config(run=RunConfig(workers=workers, progress=False, stage_budget=seconds, over_budget=over))


def budget_tree(tmp_path: Path) -> Path:
    return write(tmp_path / "in", {f"{i:02d}.txt": f"文档{i}" for i in range(40)} | {"17.txt": "STALL " + "长" * 5000})


@pytest.mark.parametrize("workers", [1, 2])
def test_a_document_over_budget_is_passed_on_unchanged_by_that_stage(tmp_path, workers):
    out = tmp_path / "out"
    warnings: list[str] = []
    run_pipeline(budget_tree(tmp_path), out, budget_config(workers), stages=[Whitespace(), Stall()], warn=warnings.append)
    assert (out / "corpus" / "17.txt").read_text(encoding="utf-8") == "STALL " + "长" * 5000 + "\n"
    assert (out / "corpus" / "18.txt").read_text(encoding="utf-8") == "文档18。\n"
    assert warnings == ["17.txt: 17.txt: stall: stopped after 0.5 s (the stage budget) on a document of "
                        "5,006 characters; passed on unchanged by this stage"]
    assert assert_accounting(out, records=40)["corpus"] == 40


def test_a_document_over_budget_can_be_quarantined(tmp_path):
    out = tmp_path / "out"
    run_pipeline(budget_tree(tmp_path), out, budget_config(1, over="quarantine"), stages=[Whitespace(), Stall()],
                 warn=lambda m: None)
    assert not (out / "corpus" / "17.txt").exists()
    [record] = [p for p in problems(out) if p["kind"] == "quarantined"]
    assert record["message"] == "17.txt: quarantined by stall" and record["text"].startswith("STALL ")
    acc = assert_accounting(out, records=40)
    assert (acc["corpus"], acc["problems"]) == (39, 1)


def test_a_stage_stuck_where_no_signal_reaches_has_its_worker_replaced(tmp_path, monkeypatch):
    monkeypatch.setattr(Budget, "hard_limit", property(lambda self: 2.0))  # the watchdog's patience
    out = tmp_path / "out"
    warnings: list[str] = []
    started = time.monotonic()
    run_pipeline(budget_tree(tmp_path), out, budget_config(2), stages=[Whitespace(), Stall(hard=True)], warn=warnings.append)
    assert time.monotonic() - started < 60
    assert warnings == ["17.txt: 17.txt: stall: stopped after 2 s (its worker was replaced) on a document of "
                        "5,006 characters; passed on unchanged by this stage"]
    assert (out / "corpus" / "17.txt").read_text(encoding="utf-8") == "STALL " + "长" * 5000 + "\n"
    assert (out / "corpus" / "16.txt").read_text(encoding="utf-8") == "文档16。\n"  # its chunk was re-run
    assert_accounting(out, records=40)


@dataclass(frozen=True)
class Crash:
    """A stage that kills its process on documents containing CRASH (a segfault in an extension)."""

    name: ClassVar[str] = "crash"

    def apply(self, doc: Document) -> Document:
        if "CRASH" in doc.text:
            os.kill(os.getpid(), signal.SIGKILL)
        return doc


def test_a_worker_that_dies_on_a_document_takes_only_that_step_of_that_document(tmp_path):
    root = write(tmp_path / "in", {f"{i:02d}.txt": f"文档{i}" for i in range(10)} | {"04.txt": "CRASH 文档"})
    out = tmp_path / "out"
    warnings: list[str] = []
    run_pipeline(root, out, budget_config(2), stages=[Whitespace(), Crash()], warn=warnings.append)
    [warning] = warnings
    assert warning.startswith("04.txt: 04.txt: crash: the worker process died")
    assert warning.endswith(" on a document of 8 characters; passed on unchanged by this stage")
    assert all((out / "corpus" / f"{i:02d}.txt").exists() for i in range(10))
    assert_accounting(out, records=10)


def test_a_huge_jsonl_record_travels_in_a_chunk_of_its_own(tmp_path):
    from pipeline.runner import chunks

    docs = [Document(str(i), "小" * 10) for i in range(5)]
    docs.insert(2, Document("huge", "大" * 3_000_000))
    assert [[d.id for d in c] for c in chunks(docs)] == [["0", "1"], ["huge"], ["2", "3", "4"]]


# -- the environment ---------------------------------------------------------------------------


def seeds_copy(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    shutil.copytree(ROOT / "seeds", root)
    return root


def test_an_output_path_under_a_file_is_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    out = tmp_path / "notes.txt" / "out"
    assert_clean_exit(cli("run", str(seeds_copy(tmp_path)), "-o", str(out), *QUICK), 2,
                      f"{out}: cannot create the output folder: {tmp_path / 'notes.txt'} is a file")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def _mount_tmpfs(path: Path, size: str, *options: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    opts = ",".join((f"size={size}",) + options)
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("a small tmpfs needs root to mount")
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "192k"):
        pytest.skip("this machine does not allow mounting a tmpfs (mount -t tmpfs failed)")
    yield disk
    _umount(disk)


def test_disk_full_is_one_line_and_the_previous_output_stays(tmp_path, small_disk):
    out = small_disk / "out"
    small = write(tmp_path / "small", {"a.txt": ARTICLE})
    assert_clean_exit(cli("run", str(small), "-o", str(out), *QUICK), 0)
    before = read_tree(out)
    big = write(tmp_path / "big", {f"{i:03d}.txt": ARTICLE * 20 + str(i) for i in range(200)})  # ~3 MB of UTF-8
    result = cli("run", str(big), "-o", str(out), *QUICK, "--force")
    assert_clean_exit(result, 5, "No space left on device (disk full); the previous output is untouched")
    assert read_tree(out) == before
    assert not list(out.glob(STAGING_PREFIX + "*")) and not (out / LOCK_NAME).exists()


def test_permission_denied_is_one_line(tmp_path):
    out_parent = tmp_path / "ro"
    if os.geteuid() == 0:  # root ignores file modes: a read-only file system refuses root too
        if not _mount_tmpfs(out_parent, "64k", "ro"):
            pytest.skip("this machine does not allow mounting a tmpfs (mount -t tmpfs failed)")
        expected = (6, "Read-only file system")
    else:
        out_parent.mkdir()
        out_parent.chmod(0o500)
        expected = (6, "Permission denied")
    try:
        result = cli("run", str(seeds_copy(tmp_path)), "-o", str(out_parent / "out"), *QUICK)
        assert_clean_exit(result, expected[0], expected[1], str(out_parent / "out"))
    finally:
        if os.geteuid() == 0:
            _umount(out_parent)
        else:
            out_parent.chmod(0o700)


def test_a_second_run_on_a_locked_output_folder_refuses(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with OutputLock(out):
        result = cli("run", str(seeds_copy(tmp_path)), "-o", str(out), *QUICK)
        assert_clean_exit(result, 3, f"{out}: output folder is in use by another cleancorpus run (pid {os.getpid()}")
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]
    assert not (out / LOCK_NAME).exists()  # released on exit


def test_a_lock_left_by_a_crashed_run_is_stale(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).write_text("pid 999999 on elsewhere since 2020-01-01 00:00:00\n", encoding="utf-8")
    (out / f"{STAGING_PREFIX}{os.getpid()}-dead").mkdir()  # its staging, under a pid that is alive now
    assert_clean_exit(cli("run", str(seeds_copy(tmp_path)), "-o", str(out), *QUICK), 0)
    assert sorted(p.name for p in out.iterdir()) == ["audit", "corpus", "dedup", "report.json"]


def test_two_concurrent_runs_one_refuses(tmp_path):
    """Two real processes: the second is refused while the first holds the folder."""
    root = write(tmp_path / "in", {f"{i}.txt": f"文档{i}" for i in range(5)})
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    config = tmp_path / "slow.toml"
    config.write_text('[run]\nstages = ["whitespace"]\nworkers = 1\n', encoding="utf-8")
    first = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(out)], env=env, stdout=subprocess.PIPE)
    try:
        assert first.stdout is not None and first.stdout.readline() == b"locked\n"
        second = subprocess.run([sys.executable, "-m", "pipeline", "run", str(root), "-o", str(out), "-c", str(config), "-q"],
                                env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 3 and "Traceback" not in second.stderr
        assert second.stderr.startswith(f"error: {out}: output folder is in use by another cleancorpus run")
    finally:
        first.kill()
        first.wait()
    again = subprocess.run([sys.executable, "-m", "pipeline", "run", str(root), "-o", str(out), "-c", str(config), "-q"],
                           env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr  # the killed holder's lock is stale


_HOLD_LOCK = """
import sys, time
from pathlib import Path
from pipeline.lock import OutputLock
Path(sys.argv[1]).mkdir()
with OutputLock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(600)
"""


# -- corrupt or foreign --against indexes ---------------------------------------------------------


@pytest.fixture(scope="module")
def good_index(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("index")
    write(base / "in", {f"{i}.txt": ARTICLE + str(i) for i in range(3)})
    result = cli("dedup", str(base / "in"), "-o", str(base / "out"), "-w", "1", "-q")
    assert result.exit_code == 0, result.stderr
    return base / "out"


def _npy(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _manifest(change):
    def edit(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        change(manifest)
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return edit


def _replace(name: str, data: bytes):
    return lambda folder: (folder / name).write_bytes(data)


def _truncate(name: str, keep: int | None = None):
    def edit(folder: Path) -> None:
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(data[: len(data) // 2 if keep is None else keep])
    return edit


CORRUPTIONS = {
    "truncated signatures": (_truncate("signatures.npy"), "signatures.npy: "),
    "truncated header": (_truncate("exact.npy", 40), "exact.npy: not a readable array file"),
    "empty array file": (_replace("exact.npy", b""), "exact.npy: not a readable array file"),
    "garbage array file": (_replace("shingles.npy", b"garbage" * 20), "shingles.npy: not a readable array file"),
    "wrong dtype": (_replace("exact.npy", _npy(np.zeros(3, "<f4"))), "exact.npy: expected a C-ordered uint64 array"),
    "pickled objects": (_replace("exact.npy", _npy(np.array([{}], dtype=object))), "exact.npy: expected a C-ordered uint64"),
    "disagreeing lengths": (_replace("minhashed.npy", _npy(np.zeros(7, bool))), "index files disagree"),
    "empty manifest": (_replace("manifest.json", b""), "manifest.json: unreadable index manifest"),
    "garbage manifest": (_replace("manifest.json", b"\xff\xfe{{"), "manifest.json: unreadable index manifest"),
    "manifest of another type": (_replace("manifest.json", b"[1, 2]"), "not a cleancorpus dedup index"),
    "foreign manifest": (_manifest(lambda m: m.update(format="other-tool")), "not a cleancorpus dedup index"),
    "wrong version": (_manifest(lambda m: m.update(version=99)), "index format version 99"),
    "params of another type": (_manifest(lambda m: m.update(params=[1])), "malformed params"),
    "other parameters": (_manifest(lambda m: m["params"].update(ngram=4)), "index built with other parameters: ngram=4"),
    "garbage documents": (_replace("documents.jsonl", b"{not json\n" * 3), "damaged index: JSONDecodeError"),
    "documents of another type": (_replace("documents.jsonl", b"[1]\n[2]\n[3]\n"), "damaged index: TypeError"),
    "no documents file": (lambda f: (f / "documents.jsonl").unlink(), "documents.jsonl: missing"),
    "no index at all": (lambda f: shutil.rmtree(f), "no dedup index here"),
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_a_corrupt_or_foreign_index_is_refused_in_one_line(tmp_path, good_index, kind):
    damage, fragment = CORRUPTIONS[kind]
    earlier = tmp_path / "earlier"
    shutil.copytree(good_index, earlier)
    damage(earlier / "dedup" / "index")
    root = write(tmp_path / "in", {"a.txt": ARTICLE + "0", "b.txt": "不同的" + ARTICLE})
    out = tmp_path / "out"
    result = cli("dedup", str(root), "-o", str(out), "--against", str(earlier), "-w", "1", "-q")
    assert_clean_exit(result, 4, fragment)
    assert not out.exists() or not (out / "report.json").exists()


def test_the_usable_index_is_used(tmp_path, good_index):
    root = write(tmp_path / "in", {"a.txt": ARTICLE + "0", "b.txt": "完全不同的一篇文章，讲的是另外一回事，和前面毫无关系。" * 2})
    out = tmp_path / "out"
    assert_clean_exit(cli("dedup", str(root), "-o", str(out), "--against", str(good_index), "-w", "1", "-q"), 0)
    assert [p.name for p in (out / "corpus").iterdir()] == ["b.txt"]
    assert_accounting(out, records=2)


# -- kill -9 of the parent ---------------------------------------------------------------------


def _processes_mentioning(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_the_parent_takes_the_workers_quietly_and_the_next_run_cleans_up(tmp_path):
    root = write(tmp_path / "in", {f"{i:03d}.txt": f"第{i}篇，" + ARTICLE for i in range(120)})
    out = tmp_path / "out-kill9-marker"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CLEANCORPUS_TEST_KILL_AT": "pass1:2"}
    args = [sys.executable, "-m", "pipeline", "run", str(root), "-o", str(out), "-w", "2", "-q",
            "--stages", "whitespace,boilerplate,dedup"]
    killed = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while _processes_mentioning(str(out)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_mentioning(str(out)) == []  # the workers went with the parent
    assert "Traceback" not in killed.stderr and "BrokenPipeError" not in killed.stderr
    assert list(out.glob(STAGING_PREFIX + "*")) and not (out / "report.json").exists()
    env.pop("CLEANCORPUS_TEST_KILL_AT")
    again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and again.stderr == ""
    assert not list(out.glob(STAGING_PREFIX + "*")) and not (out / LOCK_NAME).exists()
    assert_accounting(out, records=120)


# -- fuzzing: random bytes, random JSON values, random small trees with FIFOs and links ----------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def fuzz_run(root: Path, out: Path) -> Result:
    """The default pipeline through the command line, in this process (fast enough for many examples)."""
    shutil.rmtree(out, ignore_errors=True)
    result = cli("run", str(root), "-o", str(out), "-w", "1", "-q")
    assert_clean_exit(result, 0)
    assert all(line.startswith("warning: ") for line in result.stderr.splitlines()), result.stderr
    return result


def expected_records(root: Path) -> int:
    """An oracle for the record count, independent of the reader: what the user put there."""
    count = 0
    for path in root.rglob("*"):
        name = path.name
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        named_like_input = name.endswith((".txt", ".jsonl", ".jsonl.gz"))
        if path.is_symlink() and not path.exists():
            count += named_like_input or "." not in name
        elif path.is_symlink() and path.is_dir():
            count += 1  # the only folder links made here lead back to an enclosing folder
        elif named_like_input and not path.is_dir() and not path.is_file():
            count += 1  # a FIFO
        elif named_like_input and path.is_file() and name.endswith(".txt"):
            count += 1
        elif named_like_input and path.is_file():
            count += sum(1 for line in path.read_bytes().split(b"\n") if line.strip())
    return count


BYTES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=80).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.text(alphabet="中文的一是在不了有和人这，。！“”", max_size=60).flatmap(
        lambda t: st.sampled_from(["gbk", "big5", "utf-16-le", "utf-16-be", "utf-32-le"]).map(
            lambda enc: t.encode(enc, "replace"))),
    st.builds(lambda a, b, c: a + b + c, st.just("简体中文的文本内容".encode("gbk")), st.binary(max_size=3),
              st.just("更多的内容。".encode("gbk"))),
)


@FUZZ
@given(files=st.lists(st.tuples(st.sampled_from([".txt", ".jsonl"]), BYTES), min_size=1, max_size=4))
def test_fuzz_random_bytes(tmp_path, files):
    root = tmp_path / "in"
    shutil.rmtree(root, ignore_errors=True)
    write(root, {f"f{i}{suffix}": data for i, (suffix, data) in enumerate(files)})
    fuzz_run(root, tmp_path / "out")
    assert_accounting(tmp_path / "out", expected_records(root))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)
RECORD = st.one_of(
    JSON,
    st.fixed_dictionaries({"text": st.text(max_size=60)}, optional={"id": JSON, "meta": JSON}),
    st.fixed_dictionaries({"text": JSON}),
)


@FUZZ
@given(records=st.lists(RECORD, min_size=1, max_size=6), depth=st.integers(0, 300))
def test_fuzz_random_json_values(tmp_path, records, depth):
    lines = [json.dumps(r, ensure_ascii=bool(i % 2)) for i, r in enumerate(records)]
    lines.insert(len(lines) // 2, "[" * depth + "]" * depth if depth else "")
    root = tmp_path / "in"
    shutil.rmtree(root, ignore_errors=True)
    write(root, {"data.jsonl": "\n".join(lines) + "\n"})
    fuzz_run(root, tmp_path / "out")
    assert_accounting(tmp_path / "out", expected_records(root))


ENTRY = st.sampled_from(["txt", "jsonl", "fifo", "dangling", "loop", "uplink", "hidden", "other", "badname"])


@FUZZ
@given(tree=st.lists(st.tuples(st.sampled_from(["", "a/", "a/b/"]), ENTRY), min_size=1, max_size=8))
def test_fuzz_small_trees_with_fifos_and_links(tmp_path, tree):
    root = tmp_path / "in"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    for i, (folder, kind) in enumerate(tree):
        where = root / folder
        where.mkdir(parents=True, exist_ok=True)
        name = f"e{i}"
        if kind == "txt":
            (where / f"{name}.txt").write_text(f"第{i}篇，" + ARTICLE, encoding="utf-8")
        elif kind == "jsonl":
            (where / f"{name}.jsonl").write_text(json.dumps({"text": f"{i}" + ARTICLE}) + "\n\n{bad\n", encoding="utf-8")
        elif kind == "fifo":
            os.mkfifo(where / f"{name}.txt")
        elif kind == "dangling":
            os.symlink(f"nowhere{i}.txt", where / f"{name}.txt")
        elif kind == "loop":
            os.symlink(f"{name}.txt", where / f"{name}.txt")
        elif kind == "uplink":
            os.symlink(os.path.relpath(root, where), where / name)
        elif kind == "hidden":
            (where / f".{name}.txt").write_text("hidden", encoding="utf-8")
        elif kind == "other":
            (where / f"{name}.png").write_bytes(b"\x89PNG")
        else:
            (where / os.fsdecode(f"{name}\xff.txt".encode("latin-1"))).write_text(ARTICLE + name, encoding="utf-8")
    fuzz_run(root, tmp_path / "out")
    assert_accounting(tmp_path / "out", expected_records(root))


def test_the_readme_lists_every_exit_status_the_command_uses():
    import re

    from pipeline import cli as cli_module

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes and bad input", 1)[1].split("\n## ", 1)[0]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", section, re.M)}
    used = {value for name, value in vars(cli_module).items() if name.startswith("EXIT_")}
    assert documented == used


def test_a_run_whose_accounting_does_not_balance_fails_loudly_and_commits_nothing(tmp_path, monkeypatch):
    from pipeline import runner as runner_module

    real = runner_module.Sink.finish

    def losing(self, doc, warn):  # a bug that loses one document without a trace
        if doc.id != "b.txt":
            real(self, doc, warn)

    root = write(tmp_path / "in", {"a.txt": ARTICLE, "b.txt": "二" + ARTICLE, "c.txt": "三" + ARTICLE})
    out = tmp_path / "out"
    assert_clean_exit(cli("run", str(root), "-o", str(out), *QUICK), 0)
    before = read_tree(out)
    monkeypatch.setattr(runner_module.Sink, "finish", losing)
    result = cli("run", str(root), "-o", str(out), *QUICK, "--force")
    assert_clean_exit(result, 70, "the accounting does not balance: 3 records read, but 2 in the corpus + 0 dropped "
                                  "+ 0 in problems.jsonl = 2; the output was not committed")
    assert read_tree(out) == before


def test_a_6m_character_line_cannot_stall_the_run_nor_the_records_behind_it(tmp_path):
    huge = ("这是一个很长的没有换行的文档，内容重复。" * 300_000)[:6_000_000]  # a flattened page
    lines = [{"id": "small1", "text": "小记录一。" + ARTICLE}, {"id": "huge", "text": huge},
             {"id": "small2", "text": "小记录二。" + ARTICLE}]
    root = write(tmp_path / "in", {"crawl.jsonl": "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines)})
    config = tmp_path / "budget.toml"
    config.write_text('[run]\nstage_budget = 1.0\nstages = ["whitespace", "stuffing"]\nworkers = 2\n', encoding="utf-8")
    out = tmp_path / "out"
    started = time.monotonic()
    result = cli("run", str(root), "-o", str(out), "-c", str(config), "-q")
    elapsed = time.monotonic() - started
    assert_clean_exit(result, 0)
    assert elapsed < 40, elapsed  # the stuffing stage alone took minutes on it before the budget
    for line in result.stderr.splitlines():  # if a stage overran, it was stopped and said so
        assert "stopped after 1 s (the stage budget) on a document of 6,000,000 characters" in line, line
    assert sorted(p.name for p in (out / "corpus" / "crawl").iterdir()) == ["huge.txt", "small1.txt", "small2.txt"]
    assert_accounting(out, records=3)


@pytest.mark.parametrize("encoding", ["utf-32", "utf-16", "utf-8-sig"])
def test_text_with_a_bom_is_read_in_its_encoding(tmp_path, encoding):
    root = write(tmp_path / "in", {"bom.txt": ARTICLE.encode(encoding)})
    out = tmp_path / "out"
    assert_clean_exit(cli("run", str(root), "-o", str(out), "--stages", "whitespace", "-w", "1", "-q"), 0)
    assert (out / "corpus" / "bom.txt").read_text(encoding="utf-8") == ARTICLE + "\n"


def test_rules_explain_refuses_a_fifo_at_once(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    result = cli("rules", "explain", str(tmp_path / "pipe.txt"), "--raw")
    assert_clean_exit(result, 2, f"{tmp_path / 'pipe.txt'}: cannot read: a FIFO (named pipe), not a regular file")
