"""The dedup stage: what it drops, what it keeps, and what the audit says.

Inputs are hand-made in the shape earlier stages produce (clean Simplified
prose from the People's Daily sample); the Traditional-mirror test simulates
the normalise stage with OpenCC's t2s directly, since that stage is built in
parallel. End-to-end versions run at integration.
"""

from __future__ import annotations

import json
import random
import tracemalloc
from pathlib import Path

import numpy as np
import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.corpora import clean_news, seed_paragraphs
from pipeline import text_stages as per_document
from pipeline.config import ConfigError, parse_config
from pipeline.dedup import (
    EXACT,
    NEAR,
    Dedup,
    DedupSummary,
    deduplicate_documents,
    exact_representatives,
    prepared_text,
)
from pipeline.document import Document, replay
from pipeline.minhash import fold, view_codes

NEWS = clean_news()


def article(start: int, count: int = 8) -> str:
    return "\n".join(NEWS[start : start + count])


def documents(texts: list[str], ids: list[str] | None = None) -> list[Document]:
    ids = ids or [f"d{i:02d}.txt" for i in range(len(texts))]
    return [Document(doc_id, text, source=doc_id, seq=i) for i, (doc_id, text) in enumerate(zip(ids, texts))]


def run(
    texts: list[str], stage: Dedup | None = None, ids: list[str] | None = None
) -> tuple[list[Document], DedupSummary]:
    return deduplicate_documents(documents(texts, ids), stage or Dedup())


#: Audit details that tests of issue 14 check on their own (tests/test_dedup_masking.py).
NEW_DETAILS = ("measure", "survivor_reason")


def dropped(docs: list[Document]) -> dict[str, dict]:
    return {
        d.id: {"reason": d.dropped.reason, **{k: v for k, v in d.dropped.details.items() if k not in NEW_DETAILS}}
        for d in docs
        if d.dropped is not None
    }


def true_jaccard(a: str, b: str, n: int = Dedup.ngram) -> float:
    """Brute force on n-gram strings of the comparison form: independent of the stage's hashing."""
    fa, fb = "".join(map(chr, view_codes(fold(a)))), "".join(map(chr, view_codes(fold(b))))
    sa = {fa[i : i + n] for i in range(len(fa) - n + 1)}
    sb = {fb[i : i + n] for i in range(len(fb) - n + 1)}
    return len(sa & sb) / len(sa | sb)


def edit_every(text: str, step: int, replacement: str = "某") -> str:
    """Replace every ``step``-th hanzi: a copy with about 1/step of its characters changed."""
    chars = list(text)
    for i in range(step // 2, len(chars), step):
        if "\u4e00" <= chars[i] <= "\u9fff":
            chars[i] = replacement
    return "".join(chars)


# -- exact copies ------------------------------------------------------------------------


def test_exact_copy_is_dropped_naming_its_survivor() -> None:
    text = article(0)
    docs, _ = run([text, article(100), text])
    assert dropped(docs) == {
        "d02.txt": {"reason": EXACT, "survivor": "d00.txt", "similarity": 1.0},
    }


def test_copy_differing_only_in_layout_is_an_exact_duplicate() -> None:
    text = article(10)
    relaid = text.replace("，", ", ").replace("。", "。 ").replace("\n", "\n\n　　").replace("１９９８", "1998")
    assert relaid != text
    docs, _ = run([relaid, text])
    # same content: the padded copy is not "more complete"; the lowest id survives
    assert dropped(docs) == {"d01.txt": {"reason": EXACT, "survivor": "d00.txt", "similarity": 1.0}}


def test_survivor_has_the_most_content_then_the_lowest_id() -> None:
    base = article(20)
    longer = base + "\n" + NEWS[500]  # a re-post with a paragraph added: more complete
    docs, _ = run([base, longer, base], ids=["b.txt", "c.txt", "a.txt"])
    result = dropped(docs)
    assert "c.txt" not in result
    assert result["a.txt"]["survivor"] == "c.txt" and result["b.txt"]["survivor"] == "c.txt"
    # equal content: the lowest id survives, whatever the layout
    docs, _ = run([base, base.replace("\n", "\n\n")], ids=["z.txt", "m.txt"])
    assert dropped(docs) == {"z.txt": {"reason": EXACT, "survivor": "m.txt", "similarity": 1.0}}


def test_exact_copies_of_a_near_duplicate_follow_its_survivor() -> None:
    base = article(30)
    longer = base + "\n" + NEWS[600]
    docs, _ = run([base, longer, base])
    result = dropped(docs)
    similarity = round(true_jaccard(base, longer), 4)
    assert result["d00.txt"] == {"reason": NEAR, "survivor": "d01.txt", "similarity": similarity}
    assert result["d02.txt"] == result["d00.txt"]


# -- near copies ---------------------------------------------------------------------------


def test_near_copy_is_dropped_with_its_verified_similarity() -> None:
    text = article(40)
    copy = edit_every(text, 200)  # about 0.5% of the characters changed
    unrelated = article(300)
    docs, summary = run([text, unrelated, copy])
    expected = true_jaccard(text, copy)
    assert expected >= 0.8
    info = dropped(docs)
    assert set(info) == {"d02.txt"}
    assert info["d02.txt"]["reason"] == NEAR
    assert info["d02.txt"]["survivor"] == "d00.txt"
    assert info["d02.txt"]["similarity"] == round(expected, 4)


def test_copy_below_the_threshold_is_kept() -> None:
    text = article(50)
    copy = edit_every(text, 12)  # about 8% changed: true 5-gram Jaccard far below 0.8
    assert true_jaccard(text, copy) < 0.7
    docs, _ = run([text, copy])
    assert dropped(docs) == {}


def test_a_lower_threshold_catches_more_edited_copies() -> None:
    text = article(60)
    copy = edit_every(text, 25)
    j = true_jaccard(text, copy)
    assert 0.6 < j < 0.8
    assert dropped(run([text, copy], Dedup(threshold=0.8))[0]) == {}
    assert set(dropped(run([text, copy], Dedup(threshold=0.6))[0])) == {"d01.txt"}


def test_seeds_are_not_duplicates_of_each_other_but_an_edited_seed_copy_is() -> None:
    seeds = sorted(Path(__file__).resolve().parent.parent.joinpath("seeds").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    docs, _ = run(texts)
    assert dropped(docs) == {}
    docs, _ = run(texts + [texts[2].replace("\n\n", "\n").replace("重庆", "重慶", 1)])
    assert dropped(docs)["d05.txt"]["survivor"] == "d02.txt"


def test_articles_sharing_a_long_quoted_paragraph_are_kept() -> None:
    quote = "“" + NEWS[700] + NEWS[701] + "”"
    a = article(800, 4) + "\n" + quote
    b = article(900, 4) + "\n" + quote
    assert 0.05 < true_jaccard(a, b) < 0.5
    docs, _ = run([a, b], Dedup(threshold=0.5))
    assert dropped(docs) == {}


# -- the Traditional mirror ---------------------------------------------------------------------


def test_traditional_mirror_is_found_after_normalisation() -> None:
    simplified = article(70)
    mirror = opencc.OpenCC("s2twp").convert(simplified)  # a Taiwan site's copy: script and vocabulary
    normalised = opencc.OpenCC("t2s").convert(mirror)  # what the normalise stage hands this stage
    docs, _ = run([simplified, normalised])
    assert dropped(docs)["d01.txt"]["reason"] in (NEAR, EXACT)
    # Unconverted, the comparison form folds the script character by character (issue 14): the
    # mirror is still found, only its Taiwan vocabulary (軟體 for 软件...) differs.
    docs, _ = run([simplified, mirror])
    assert dropped(docs)["d01.txt"]["reason"] in (NEAR, EXACT)


# -- chains ------------------------------------------------------------------------------------


def test_chain_ends_are_never_represented_by_one_survivor() -> None:
    # Each document slides a 20-paragraph window by one paragraph: neighbours are
    # about 90% similar, the ends (11 steps apart) less than 50%.
    chain = [article(1000 + k, 20) for k in range(12)]
    neighbours = [true_jaccard(a, b) for a, b in zip(chain, chain[1:])]
    assert min(neighbours) >= 0.8
    assert true_jaccard(chain[0], chain[-1]) < 0.5
    docs, _ = run(chain)  # default threshold
    info = dropped(docs)
    survivor_of = {d.id: info.get(d.id, {}).get("survivor", d.id) for d in docs}
    # union-find over the verified edges would put all twelve in one cluster
    assert len(set(survivor_of.values())) > 1
    assert survivor_of["d00.txt"] != survivor_of["d11.txt"]
    by_id = dict(zip([d.id for d in docs], chain))
    for doc_id, details in info.items():
        assert true_jaccard(by_id[doc_id], by_id[details["survivor"]]) >= Dedup.threshold
        assert details["survivor"] not in info  # a survivor is never itself dropped
    # documents represented by one survivor are at least 2t - 1 similar (Jaccard distance is a metric)
    for a in by_id:
        for b in by_id:
            if a < b and survivor_of[a] == survivor_of[b]:
                assert true_jaccard(by_id[a], by_id[b]) >= 2 * Dedup.threshold - 1


def test_every_dropped_document_is_threshold_similar_to_its_survivor_in_a_dense_family() -> None:
    base = article(1100, 12)
    family = [edit_every(base, step, ch) for step, ch in [(400, "甲"), (150, "乙"), (90, "丙"), (60, "丁"), (45, "戊")]]
    docs, _ = run([base, *family], Dedup(threshold=0.7))
    texts = {d.id: t for d, t in zip(docs, [base, *family])}
    for doc_id, details in dropped(docs).items():
        assert true_jaccard(texts[doc_id], texts[details["survivor"]]) >= 0.7


# -- short and empty documents -----------------------------------------------------------------


def test_short_documents_are_matched_exactly_but_not_by_minhash() -> None:
    short = "国务院总理会见外宾。"
    stage = Dedup()
    assert stage.observe(Document("s", short)).signature is None
    docs, _ = run([short, "国务院总理会见外宾！", "国务院总理会见来宾。"])
    # same comparison form: exact duplicate; one character different: not matched
    assert dropped(docs) == {"d01.txt": {"reason": EXACT, "survivor": "d00.txt", "similarity": 1.0}}


def test_documents_without_text_are_never_deduplicated() -> None:
    docs, summary = run(["……", "——", "。"])
    assert dropped(docs) == {}
    assert not summary.has_key.any()


# -- the audit and the report ------------------------------------------------------------------


def test_describe_lists_clusters_largest_first(tmp_path: Path) -> None:
    a, b = article(1200), article(1300)
    texts = [a, b, a, edit_every(b, 300), a]
    docs = documents(texts)
    stage = Dedup()
    out, summary = deduplicate_documents(docs, stage, tmp_path)
    report = stage.describe(summary)
    assert report["dropped"] == {EXACT: 2, NEAR: 1, "matched_earlier": 0}
    assert report["clusters"] == 2 and report["largest_cluster"] == 3
    assert report["top_clusters"][0]["survivor"] == "d00.txt"
    assert [m["id"] for m in report["top_clusters"][0]["members"]] == ["d02.txt", "d04.txt"]
    lines = (tmp_path / "dedup" / "clusters.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["size"] for line in lines] == [3, 2]
    assert 0 < report["state_bytes_per_document"] < 2048  # 37 LSH bands since issue 14 (containment candidates)


def test_merge_holds_no_more_memory_than_it_reports() -> None:
    """The report's bytes per document bound merge()'s peak per document, and stay under 1 KB.

    Measured as the growth of the peak from 5,000 to 10,000 documents, so the
    fixed working buffers (signatures are read 1,024 rows at a time) cancel out.
    """
    rng = random.Random(2)
    texts = ["".join(rng.choice(NEWS)[:40] for _ in range(3)) for _ in range(10_000)]
    texts[::10] = texts[1::10]  # exact copies; clustering has work
    stage = Dedup(min_chars=20)
    observations = [stage.observe(d) for d in documents(texts)]
    stage.lsh  # noqa: B018 - MinHashLSH's parameter search, once per process, is not per document
    peaks, reported = [], []
    for n in (5000, 10_000):
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            summary = stage.merge(iter(observations[:n]))
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
        finally:
            tracemalloc.stop()
        summary.scratch.release()
        reported.append(summary.state_bytes)
    per_document = (peaks[1] - peaks[0]) / 5000
    assert per_document <= (reported[1] - reported[0]) / 5000 < 2048


def test_apply_makes_no_edits_and_is_idempotent() -> None:
    text = article(1400)
    docs = documents([text, text])
    stage = Dedup()
    summary = stage.merge(stage.observe(d) for d in docs)
    once = [stage.apply(d, summary) for d in docs]
    twice = [stage.apply(d, summary) for d in once]
    assert [d.dropped for d in once] == [d.dropped for d in twice]
    assert all(d.edits == [] and replay(d.text, d.edits) == d.text for d in twice)
    summary.scratch.release()


def test_merge_refuses_documents_out_of_order() -> None:
    stage = Dedup()
    docs = [Document("a", "甲乙丙丁", seq=3), Document("b", "戊己庚辛", seq=1)]
    with pytest.raises(ValueError, match="input order"):
        stage.merge(stage.observe(d) for d in docs)


def test_exact_representatives_pick_the_best_ranked_copy() -> None:
    exact = np.array([5, 9, 5, 5], dtype=np.uint64)
    has_key = np.array([True, True, True, False])
    rank = np.array([3, 0, 1, 2])
    assert exact_representatives(exact, has_key, rank).tolist() == [2, 1, 2, 3]


# -- prepare: comparing the pipeline's form, writing the original --------------------------------


def test_prepared_text_runs_the_stages_on_a_copy() -> None:
    text = article(1500)
    padded = text.replace("\n", "  \r\n\n\n")
    doc = Document("p.txt", padded)
    assert prepared_text(doc, ("whitespace",)) == text.replace("\n", "\n\n")
    assert doc.text == padded and doc.edits == []


AD = "\n时时彩不定位【Aurl:www.example.com】送888元，点击立即领取，天天都有大奖等你来拿！"


class _StripAds:
    """A stand-in text stage (the rules stage is built in parallel): deletes the ad line."""

    name = "test_strip_ads"

    def apply(self, doc: Document) -> Document:
        doc.sub(r"\n时时彩[^\n]*", "", self.name, "ads")
        return doc


class _ToSimplified:
    """A stand-in text stage (the normalise stage is built in parallel): Traditional → Simplified."""

    name = "test_t2s"

    def apply(self, doc: Document) -> Document:
        doc.rewrite(opencc.OpenCC("t2s").convert(doc.text), self.name, "t2s")
        return doc


@pytest.fixture
def text_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(per_document, "PER_DOCUMENT", per_document.PER_DOCUMENT + (_StripAds, _ToSimplified))


def test_prepare_compares_the_cleaned_form_but_keeps_the_original(text_stages: None) -> None:
    text = article(1550, 4)
    with_ad = text + AD
    # compared raw, the ad makes the copy "more complete" (and only near-similar)
    raw = dropped(run([text, with_ad])[0])
    assert raw["d00.txt"]["reason"] == NEAR and raw["d00.txt"]["survivor"] == "d01.txt"
    # compared as the rules stage leaves them, they are the same text: the lowest id survives
    docs, _ = run([text, with_ad], Dedup(prepare=("test_strip_ads",)))
    assert dropped(docs) == {"d01.txt": {"reason": EXACT, "survivor": "d00.txt", "similarity": 1.0}}
    assert docs[1].text == with_ad and docs[1].edits == []


def test_prepare_with_two_stages_matches_a_traditional_mirror_and_leaves_it_unchanged(text_stages: None) -> None:
    simplified = article(1600)
    mirror = opencc.OpenCC("s2t").convert(simplified) + AD
    docs, _ = run([simplified, mirror], Dedup(prepare=("test_t2s", "test_strip_ads")))
    assert dropped(docs)["d01.txt"]["survivor"] == "d00.txt"
    assert docs[1].text == mirror and docs[1].edits == []


@pytest.mark.parametrize(("names", "message"), [(("nonsense",), "unknown stage"), (("dedup",), "per-document")])
def test_prepare_refuses_unknown_and_corpus_stages(names: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Dedup(prepare=names)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"threshold": 1.5}, "threshold"),
        ({"threshold": 0}, "threshold"),
        ({"ngram": 0}, "ngram"),
        ({"num_perm": 1}, "num_perm"),
        ({"min_chars": 2}, "min_chars"),
        ({"recall_weight": 2.0}, "recall_weight"),
    ],
)
def test_config_refuses_bad_parameters(table: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({"dedup": table}, "x.toml")


def test_config_sets_parameters() -> None:
    config = parse_config({"run": {"stages": ["whitespace", "dedup"]}, "dedup": {"threshold": 0.7, "ngram": 4}})
    stage = config.build_stages()[-1]
    assert (stage.threshold, stage.ngram) == (0.7, 4)


# -- properties ----------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=300))
def test_observe_never_crashes(text: str) -> None:
    obs = Dedup(min_chars=5).observe(Document("x", text))
    assert obs.signature is None or obs.signature.shape == (128,)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(NEWS[:200]), min_size=1, max_size=4), st.sampled_from(["，", ", ", " ", "\n\n"]))
def test_a_copy_with_other_layout_is_always_found(paragraphs: list[str], joiner: str) -> None:
    text = "\n".join(paragraphs)
    copy = joiner.join(paragraphs).replace("。", ". ")
    docs, _ = run([text, copy])
    # same content, so the lowest id survives whatever the layout
    assert dropped(docs) == {"d01.txt": {"reason": EXACT, "survivor": "d00.txt", "similarity": 1.0}}


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=2, max_size=12))
def test_no_dropped_document_is_less_than_threshold_similar_to_its_survivor(picks: list[int]) -> None:
    # Documents built from overlapping windows of paragraphs: many candidate pairs, chains included.
    texts = [article(p, 6) for p in picks]
    docs, _ = run(texts, Dedup(threshold=0.6))
    by_id = {d.id: t for d, t in zip(docs, texts)}
    info = dropped(docs)
    for doc_id, details in info.items():
        assert true_jaccard(by_id[doc_id], by_id[details["survivor"]]) >= 0.6
        assert details["survivor"] not in info


def test_seed_paragraphs_shingle_without_trouble() -> None:
    stage = Dedup()
    for para in seed_paragraphs():
        stage.observe(Document("p", para))
