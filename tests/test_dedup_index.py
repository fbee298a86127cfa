"""The saved index: its file format, incremental runs against it, and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.corpora import clean_news
from pipeline.dedup import EXACT, NEAR, Dedup, deduplicate_documents
from pipeline.dedup_index import FORMAT, INDEX_DIR, VERSION, IndexRefused, load_index
from pipeline.document import Document

NEWS = clean_news()


def article(start: int, count: int = 8) -> str:
    return "\n".join(NEWS[start : start + count])


def batch(texts: list[str], prefix: str) -> list[Document]:
    return [Document(f"{prefix}{i}.txt", t, source=f"{prefix}/{i}.txt", seq=i) for i, t in enumerate(texts)]


@pytest.fixture
def first(tmp_path: Path) -> Path:
    """An earlier output: four articles (one an exact copy, dropped) and a short note."""
    out = tmp_path / "out1"
    texts = [article(0), article(100), article(200), article(0), "短讯：会议今天召开。"]
    deduplicate_documents(batch(texts, "old"), Dedup(), out)
    return out


def test_index_format_version_2(first: Path) -> None:
    folder = first / INDEX_DIR
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == FORMAT and manifest["version"] == VERSION == 2
    assert manifest["documents"] == 4  # the survivors: the exact copy is not in the index
    assert manifest["params"] == {
        "ngram": 3, "num_perm": 128, "seed": 1, "scheme": "affine32",
        "shingle_hash": "poly64-fmix64-hi32/1", "fold": "nfkc-casefold-drop-PZC-t2s/2", "view": "digits-0/1",
        "mask_bits": 22,
    }  # fmt: skip
    assert manifest["frequency_documents"] == 5  # every observed document counted, dropped ones too
    buckets, counts = np.load(folder / "frequency_buckets.npy"), np.load(folder / "frequency_counts.npy")
    texts = [article(0), article(100), article(200), article(0)]  # the short note has no shingles
    distinct = [np.unique(Dedup().observe(Document("x", t)).shingles >> 10).size for t in texts]
    assert (np.diff(buckets.astype(np.int64)) > 0).all() and int(counts.sum()) == sum(distinct)
    assert int(counts.max()) >= 2  # article(0) is there twice
    argmins = np.load(folder / "argmins.npy")
    observed = set(Dedup().observe(Document("x", article(100))).shingles.tolist())
    assert argmins.shape == (4, 128) and set(argmins[1].tolist()) <= observed  # each slot's shingle is the row's
    ids = [json.loads(line)["id"] for line in (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert ids == ["old0.txt", "old1.txt", "old2.txt", "old4.txt"]
    signatures = np.load(folder / "signatures.npy")
    assert signatures.shape == (4, 128) and signatures.dtype == np.uint32
    assert np.load(folder / "minhashed.npy").tolist() == [True, True, True, False]
    assert (signatures[3] == 0xFFFFFFFF).all()  # the short note has no signature
    offsets = np.load(folder / "shingle_offsets.npy")
    shingles = np.load(folder / "shingles.npy")
    assert offsets[0] == 0 and offsets[-1] == len(shingles) and offsets[4] == offsets[3]
    observed = Dedup().observe(Document("x", article(100)))
    assert signatures[1].tolist() == observed.signature.tolist()
    assert shingles[offsets[1] : offsets[2]].tolist() == observed.shingles.tolist()
    assert np.load(folder / "exact.npy").dtype == np.uint64


def test_a_new_batch_is_deduplicated_against_the_earlier_output(first: Path, tmp_path: Path) -> None:
    edited = article(100).replace("的", "之", 3)
    texts = [article(300), edited, article(200), "短讯：会议今天召开！", article(400)]
    docs, summary = deduplicate_documents(batch(texts, "new"), Dedup(against=(str(first),)), tmp_path / "out2")
    info = {d.id: (d.dropped.reason, d.dropped.details) for d in docs if d.dropped}
    assert set(info) == {"new1.txt", "new2.txt", "new3.txt"}
    assert info["new1.txt"][0] == NEAR and info["new1.txt"][1]["survivor"] == "old1.txt"
    assert info["new1.txt"][1]["against"] == str(first) and info["new1.txt"][1]["similarity"] >= 0.8
    expected = {
        "survivor": "old2.txt", "survivor_source": "old/2.txt", "measure": "exact", "similarity": 1.0,
        "survivor_reason": "already in an earlier output", "against": str(first),
    }  # fmt: skip
    assert info["new2.txt"] == (EXACT, expected)
    assert info["new3.txt"][1]["survivor"] == "old4.txt"  # short: matched by exact hash only
    assert Dedup().describe(summary)["dropped"]["matched_earlier"] == 3
    # the new output's index holds the new survivors only
    ids = (tmp_path / "out2" / INDEX_DIR / "documents.jsonl").read_text(encoding="utf-8")
    assert [json.loads(line)["id"] for line in ids.splitlines()] == ["new0.txt", "new4.txt"]


def test_earlier_document_wins_even_when_the_new_copy_is_longer(first: Path, tmp_path: Path) -> None:
    longer = article(0) + "\n" + NEWS[900]
    docs, _ = deduplicate_documents(batch([longer], "new"), Dedup(against=(str(first),)))
    assert docs[0].dropped.details["survivor"] == "old0.txt"


def test_copies_inside_the_new_batch_are_still_found(first: Path) -> None:
    docs, _ = deduplicate_documents(batch([article(500), article(500)], "new"), Dedup(against=(str(first),)))
    assert docs[1].dropped.details == {
        "survivor": "new0.txt", "survivor_source": "new/0.txt", "measure": "exact", "similarity": 1.0,
        "survivor_reason": "lower id",
    }  # fmt: skip


def test_another_threshold_may_be_used_against_an_index(first: Path) -> None:
    stage = Dedup(threshold=0.6, against=(str(first),))
    edited = "\n".join(p.replace("，", "，某", 2) for p in NEWS[100:108])
    docs, _ = deduplicate_documents(batch([edited], "new"), stage)
    assert docs[0].dropped.details["survivor"] == "old1.txt"


def test_several_earlier_outputs(first: Path, tmp_path: Path) -> None:
    second = tmp_path / "out2"
    deduplicate_documents(batch([article(600)], "mid"), Dedup(against=(str(first),)), second)
    stage = Dedup(against=(str(first), str(second)))
    docs, _ = deduplicate_documents(batch([article(600), article(0), article(700)], "new"), stage)
    assert [d.dropped.details["survivor"] if d.dropped else None for d in docs] == ["mid0.txt", "old0.txt", None]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"ngram": 4}, "ngram=3 (this run: 4)"),
        ({"num_perm": 64}, "num_perm=128 (this run: 64)"),
        ({"seed": 2}, "seed=1 (this run: 2)"),
    ],
)
def test_an_index_with_other_parameters_is_refused(first: Path, params: dict, message: str) -> None:
    with pytest.raises(IndexRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        Dedup(against=(str(first),), **params)


def test_a_missing_or_foreign_index_is_refused(first: Path, tmp_path: Path) -> None:
    with pytest.raises(IndexRefused, match="no dedup index here"):
        Dedup(against=(str(tmp_path / "nowhere"),))
    manifest = first / INDEX_DIR / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "version": 1}), encoding="utf-8")  # before issue 14
    with pytest.raises(IndexRefused, match="version 1.*rebuild the index"):
        Dedup(against=(str(first),))
    manifest.write_text(json.dumps({**data, "format": "something-else"}), encoding="utf-8")
    with pytest.raises(IndexRefused, match="not a cleancorpus dedup index"):
        Dedup(against=(str(first),))


def test_a_damaged_index_is_refused(first: Path) -> None:
    folder = first / INDEX_DIR
    np.save(folder / "exact.npy", np.zeros(2, dtype=np.uint64))
    with pytest.raises(IndexRefused, match="damaged"):
        load_index(first, Dedup().index_params)


def test_an_empty_earlier_output_matches_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    deduplicate_documents([], Dedup(), empty)
    assert json.loads((empty / INDEX_DIR / "manifest.json").read_text(encoding="utf-8"))["documents"] == 0
    docs, _ = deduplicate_documents(batch([article(0)], "new"), Dedup(against=(str(empty),)))
    assert docs[0].dropped is None
