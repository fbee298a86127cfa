"""``cleancorpus dedup`` and the dedup stage inside full runs: files, formats, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.corpora import clean_news
from pipeline.audit import read_dropped
from pipeline.cli import main
from pipeline.config import Config
from pipeline.dedup import TEXT_STAGES
from pipeline.runner import run_pipeline

NEWS = clean_news()


def article(start: int, count: int = 8) -> str:
    return "\n".join(NEWS[start : start + count])


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def crawl(tmp_path: Path) -> Path:
    """A folder of .txt files: an article, a copy with other layout, an edited copy, another article."""
    folder = tmp_path / "crawl"
    (folder / "site2").mkdir(parents=True)
    text = article(0)
    (folder / "a.txt").write_text(text + "\n", encoding="utf-8")
    (folder / "site2" / "a-copy.txt").write_text(text.replace("\n", "\r\n\r\n") + "  \r\n", encoding="utf-8")
    (folder / "site2" / "a-edit.txt").write_text(text.replace("中国", "我国", 1) + "\n", encoding="utf-8")
    (folder / "b.txt").write_text(article(300) + "\n", encoding="utf-8")
    return folder


def test_dedup_has_help_with_examples() -> None:
    code, out, _ = invoke("dedup", "--help")
    assert code == 0 and "Examples:" in out and "--against" in out and "--explain" in out


def test_dedup_folder_writes_survivors_unchanged(crawl: Path, tmp_path: Path) -> None:
    before = snapshot(crawl)
    out = tmp_path / "out"
    code, stdout, stderr = invoke("dedup", str(crawl), "-o", str(out), "--workers", "1", "--explain")
    assert code == 0, stderr
    assert snapshot(crawl) == before  # nothing written into the input
    written = {str(p.relative_to(out / "corpus")) for p in (out / "corpus").rglob("*.txt")}
    assert written == {"a.txt", "b.txt"}
    for name in written:  # byte for byte as read
        assert (out / "corpus" / name).read_bytes() == (crawl / name).read_bytes()
    dropped = {r["id"]: r for r in read_dropped(out)}
    assert dropped["site2/a-copy.txt"]["reason"] == "exact_duplicate"
    assert dropped["site2/a-edit.txt"]["reason"] == "near_duplicate"
    assert dropped["site2/a-edit.txt"]["details"]["survivor"] == "a.txt"
    assert 0.8 <= dropped["site2/a-edit.txt"]["details"]["similarity"] < 1
    assert "cluster 1: 3 documents, kept a.txt" in stdout
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["pipeline"] == ["dedup"]
    assert report["sections"]["dedup"]["params"]["prepare"] == list(TEXT_STAGES)
    assert (out / "dedup" / "index" / "manifest.json").is_file()


def test_dedup_single_jsonl_file_writes_jsonl_shards(tmp_path: Path) -> None:
    source = tmp_path / "batch.jsonl"
    text = article(50)
    records = [
        {"id": "x", "text": text, "url": "http://a"},
        {"id": "y", "text": text + "\n"},
        {"id": "z", "text": article(60)},
    ]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    code, _, stderr = invoke("dedup", str(source), "-o", str(out), "-q")
    assert code == 0, stderr
    assert not (out / "corpus").exists()
    lines = (out / "shards" / "part-00000.jsonl").read_text(encoding="utf-8").splitlines()
    shard = [json.loads(line) for line in lines]
    assert [(r["id"], r["text"]) for r in shard] == [("x", text), ("z", article(60))]
    assert shard[0]["meta"]["fields"] == {"url": "http://a"}


def test_dedup_against_an_earlier_output(crawl: Path, tmp_path: Path) -> None:
    out1, out2 = tmp_path / "out1", tmp_path / "out2"
    assert invoke("dedup", str(crawl), "-o", str(out1), "-q")[0] == 0
    batch = tmp_path / "batch2"
    batch.mkdir()
    (batch / "new.txt").write_text(article(0).replace("。", "！", 1), encoding="utf-8")
    (batch / "other.txt").write_text(article(700), encoding="utf-8")
    code, _, stderr = invoke("dedup", str(batch), "-o", str(out2), "--against", str(out1), "-q")
    assert code == 0, stderr
    (record,) = read_dropped(out2)
    assert record["id"] == "new.txt" and record["details"]["survivor"] == "a.txt"
    assert record["details"]["against"] == str(out1)
    assert [p.name for p in (out2 / "corpus").iterdir()] == ["other.txt"]


def test_dedup_refuses_an_index_with_other_parameters(crawl: Path, tmp_path: Path) -> None:
    out1 = tmp_path / "out1"
    assert invoke("dedup", str(crawl), "-o", str(out1), "-q")[0] == 0
    code, _, stderr = invoke("dedup", str(crawl), "-o", str(tmp_path / "out2"), "--against", str(out1), "--ngram", "4")
    assert code == 4  # an unusable index has its own exit status (README, Exit codes)
    assert stderr.startswith("error: ") and "ngram=3 (this run: 4)" in stderr and len(stderr.splitlines()) == 1


def test_dedup_refuses_unsafe_outputs(crawl: Path, tmp_path: Path) -> None:
    code, _, stderr = invoke("dedup", str(crawl), "-o", str(crawl / "out"))
    assert code == 2 and "inside the input folder" in stderr
    out = tmp_path / "out"
    assert invoke("dedup", str(crawl), "-o", str(out), "-q")[0] == 0
    code, _, stderr = invoke("dedup", str(crawl), "-o", str(out), "--against", str(out), "--force")
    assert code == 2 and "may not be the output folder" in stderr


def test_dedup_run_is_deterministic_across_worker_counts(crawl: Path, tmp_path: Path) -> None:
    for i in range(40):  # 84 documents: the runner sends chunks of 32, so both workers get several
        text = article(1000 + 10 * i, 6)
        (crawl / f"more{i:02d}.txt").write_text(text, encoding="utf-8")
        edited = text.replace("，", "、", 1) if i % 2 else text.replace("的", "地", 1)  # exact / near copies
        (crawl / f"more{i:02d}-edited.txt").write_text(edited, encoding="utf-8")
    outputs = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        report = run_pipeline(crawl, out, Config().with_run(workers=workers, progress=False))
        dropped = report["sections"]["dedup"]["dropped"]
        assert dropped["exact_duplicate"] >= 20 and dropped["near_duplicate"] >= 20
        files = snapshot(out)
        files["report.json"] = json.dumps({k: v for k, v in report.items() if k != "timing"}, sort_keys=True).encode()
        outputs.append(files)
    assert outputs[0] == outputs[1]


def test_explain_one_cluster_shows_pairs_reasons_and_masking(crawl: Path, tmp_path: Path) -> None:
    (crawl / "site2" / "a-short.txt").write_text("\n".join(NEWS[0:5]) + "\n", encoding="utf-8")  # truncated
    out = tmp_path / "out"
    code, stdout, stderr = invoke("dedup", str(crawl), "-o", str(out), "--workers", "1", "--explain",
                                  "--cluster", "site2/a-short.txt")  # fmt: skip
    assert code == 0, stderr
    assert stdout.count("cluster ") == 1 and "kept a.txt" in stdout
    assert "dropped site2/a-short.txt  near_duplicate  containment" in stdout
    assert "longer content" in stdout and "masked 0/" in stdout
    assert "pair a.txt ~ site2/a-short.txt" in stdout
    dropped = {r["id"]: r["details"] for r in read_dropped(out)}
    assert dropped["site2/a-short.txt"]["measure"] == "containment"
    code, stdout, _ = invoke("dedup", str(crawl), "-o", str(out), "--force", "--workers", "1", "--explain",
                             "--cluster", "b.txt")  # fmt: skip
    assert code == 0 and stdout == ""  # b.txt has no copy: no cluster
