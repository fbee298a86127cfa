"""Issue 14: the masked dedup view, containment, verification after masking, survivor choice, explain."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

from benchmarks.bench_dedup import build_noisy_corpus, evaluate_noisy
from benchmarks.corpora import clean_news
from pipeline.dedup import Dedup, Judge, explain, read_clusters, deduplicate_documents, survivor_primary
from pipeline.dedup_index import FrequencyTable
from pipeline.document import Document
from pipeline.minhash import lsh_params, masked_signature, permutations, signature, signature_and_argmin

from .conftest import ROOT

NEWS = clean_news()
# A site's dress, long enough that two short articles on the site share most of their text.
TEMPLATE_TOP = "东方快讯网首页｜新闻｜国内｜国际｜财经｜体育｜娱乐｜科技｜教育｜健康\n您现在的位置：东方快讯网 > 新闻 > 正文"
TEMPLATE_END = (
    "关于我们 | 联系我们 | 广告服务 | 网站地图 | 招聘信息 | 法律声明 | 东方快讯网版权所有\n"
    "本网站所刊登的新闻、信息和各种专题专栏资料，均为东方快讯网版权所有，未经协议授权禁止下载使用。"
)


def dressed(paragraphs: list[str]) -> str:
    return "\n".join([TEMPLATE_TOP, *paragraphs, TEMPLATE_END])


def docs_of(texts: list[str]) -> list[Document]:
    return [Document(f"d{i:02d}.txt", t, seq=i) for i, t in enumerate(texts)]


def dropped(out: list[Document]) -> dict[str, dict]:
    return {d.id: d.dropped.details for d in out if d.dropped is not None}


def site_corpus(articles: list[list[str]], fillers: int = 40) -> list[str]:
    """The articles on one site, among ``fillers`` other articles of that site (so its dress is frequent)."""
    return [dressed(a) for a in articles] + [dressed([NEWS[2000 + k]]) for k in range(fillers)]


# -- the measures ----------------------------------------------------------------------------


def test_judge_names_the_measure_that_decided() -> None:
    judge = Judge(0.75, 0.9, 0.5)
    assert judge(90, 100, 100)[0] == 2  # resemblance 0.82
    assert judge(70, 70, 100) == (3, 1.0)  # a truncated copy: all of it inside the longer
    assert judge(40, 40, 100)[0] == 0  # a quote: inside, but under half as long
    assert judge(0, 0, 10) == (0, 0.0)


def test_two_articles_sharing_one_real_paragraph_both_stay() -> None:
    quote = NEWS[10] + NEWS[11]
    a = [NEWS[100], quote, NEWS[101], NEWS[102]]
    b = [NEWS[200], NEWS[201], quote, NEWS[202]]
    out, _ = deduplicate_documents(docs_of(site_corpus([a, b])), Dedup())
    assert out[0].dropped is None and out[1].dropped is None


def test_a_short_document_that_is_one_quoted_paragraph_of_another_stays() -> None:
    quote = NEWS[20] + NEWS[21]
    longer = [NEWS[300], NEWS[301], quote, NEWS[302], NEWS[303], NEWS[304]]
    out, _ = deduplicate_documents(docs_of(site_corpus([[quote, NEWS[305]], longer])), Dedup())
    assert out[0].dropped is None and out[1].dropped is None


def test_articles_sharing_only_the_site_dress_stay_but_without_masking_they_would_not() -> None:
    texts = site_corpus([[NEWS[400]], [NEWS[401]]])
    out, summary = deduplicate_documents(docs_of(texts), Dedup())
    assert dropped(out) == {}
    assert summary.mask["documents_with_masked_shingles"] >= 40
    # the same corpus with masking switched off (cutoff above the corpus size): the dress decides
    out, _ = deduplicate_documents(docs_of(texts), Dedup(mask_min_documents=10_000, threshold=0.5))
    assert dropped(out)


def test_a_copy_in_other_dress_is_found_after_masking() -> None:
    body = NEWS[500:506]
    other = "南岭日报 www.nanling.com\n" + "\n".join(body) + "\n南岭日报版权所有，转载请注明出处。责任编辑：李娜"
    texts = site_corpus([body]) + [other]
    out, _ = deduplicate_documents(docs_of(texts), Dedup())
    info = dropped(out)
    assert set(info) == {"d41.txt"} and info["d41.txt"]["survivor"] == "d00.txt"


def test_a_truncated_copy_is_a_duplicate_by_containment_and_the_audit_says_so() -> None:
    body = NEWS[600:608]
    texts = site_corpus([body, body[:5]])  # resemblance about 0.6: only containment finds it
    out, _ = deduplicate_documents(docs_of(texts), Dedup())
    info = dropped(out)
    assert info["d01.txt"]["survivor"] == "d00.txt"
    assert info["d01.txt"]["measure"] == "containment" and info["d01.txt"]["similarity"] >= 0.9
    assert info["d01.txt"]["survivor_reason"] == "longer content"


# -- survivor ------------------------------------------------------------------------------------


def test_the_simplified_original_survives_its_converted_mirror_even_when_shorter() -> None:
    body = NEWS[700:706]
    original, mirror = Document("b.txt", "\n".join(body), seq=0), Document("a.txt", "\n".join(body) + "附记。", seq=1)
    mirror.meta["script_converted"] = "t2s"
    out, _ = deduplicate_documents([original, mirror], Dedup())
    assert out[0].dropped is None
    assert out[1].dropped.details["survivor"] == "b.txt"
    assert out[1].dropped.details["survivor_reason"] == "Simplified original over converted mirror"


def test_the_copy_with_least_removed_as_noise_survives() -> None:
    body = "\n".join(NEWS[800:806])
    noisy = Document("a.txt", body + "\n广告：限时抢购，扫码咨询。" * 30, seq=0)
    noisy.replace([(len(body), len(noisy.text), "")], stage="rules", rule="ad")  # the cleaning took a lot out
    clean = Document("b.txt", body, seq=1)
    out, _ = deduplicate_documents([noisy, clean], Dedup())
    assert out[0].dropped.details["survivor"] == "b.txt"
    assert out[0].dropped.details["survivor_reason"] == "less removed as noise"


def test_survivor_primary_orders_noise_steps_before_the_mirror_flag() -> None:
    primary = survivor_primary(np.array([0.0, 0.0, 0.15]), np.array([False, True, False]))
    assert primary.tolist() == [0, 1, 2]


# -- LSH, signatures -------------------------------------------------------------------------


def test_lsh_params_and_permutations_match_datasketch() -> None:
    from datasketch import MinHash
    from datasketch.lsh import _optimal_param

    for threshold in (0.3, 0.45, 0.6, 0.75, 0.9):
        for weight in (0.5, 0.95):
            assert lsh_params(threshold, 128, weight) == _optimal_param(threshold, 128, 1 - weight, weight)
    a, b = MinHash(num_perm=64, seed=3, scheme="affine32").permutations
    ours = permutations(64, 3)
    assert ours[0][:, 0].tolist() == a.tolist() and ours[1][:, 0].tolist() == b.tolist()


def test_importing_the_stage_and_observing_does_not_import_scipy() -> None:
    code = (
        "import sys; from pipeline.dedup import Dedup; from pipeline.document import Document;"
        "Dedup().observe(Document('a', '新华社北京电' * 40)); Dedup().lsh;"
        "print('scipy' in sys.modules, 'datasketch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_masked_signature_equals_the_signature_of_the_kept_set() -> None:
    rng = np.random.default_rng(5)
    shingles = np.unique(rng.integers(0, 2**32, 800, dtype=np.uint64).astype(np.uint32))
    sig, arg = signature_and_argmin(shingles)
    assert (sig == signature(shingles)).all()
    drop = np.isin(shingles, shingles[::7])
    kept = shingles[~drop]
    assert (masked_signature(sig, arg, kept, np.isin(arg, shingles[drop])) == signature(kept)).all()


def test_frequency_table_counts_documents_and_adds_up() -> None:
    table = FrequencyTable.empty(8)
    table.add(np.array([1 << 30, 3 << 30], dtype=np.uint32))
    table.add(np.array([1 << 30], dtype=np.uint32))
    assert table.documents == 2 and table.of(np.array([1 << 30], dtype=np.uint32)).tolist() == [2]
    assert table.plus(table).of(np.array([3 << 30], dtype=np.uint32)).tolist() == [2]


# -- incremental, determinism, explain ---------------------------------------------------------


def test_against_masks_with_the_saved_frequencies(tmp_path) -> None:
    first = tmp_path / "out1"
    deduplicate_documents(docs_of(site_corpus([[NEWS[900], NEWS[901]]])), Dedup(), first)
    # a new batch of two short articles on the same site: alone, 2 documents mask nothing ...
    new = [Document(f"n{i}.txt", dressed([NEWS[950 + i]]), seq=i) for i in range(2)]
    out, summary = deduplicate_documents(new, Dedup(against=(str(first),), threshold=0.5))
    assert summary.mask["frequency_documents"] == 43  # 41 saved + 2 new
    assert dropped(out) == {}  # the dress is masked with the earlier counts: no false match


def test_decisions_do_not_depend_on_the_run() -> None:
    corpus = build_noisy_corpus(40, "dev")
    first = evaluate_noisy(corpus, Dedup())
    second = evaluate_noisy(corpus, Dedup())
    assert first.rows == second.rows and first.recall == second.recall


def test_explain_shows_measures_survivor_reason_and_masked_shingles(tmp_path) -> None:
    body = NEWS[1000:1008]
    deduplicate_documents(docs_of(site_corpus([body, body[:6]])), Dedup(), tmp_path)
    found = list(read_clusters(tmp_path))
    assert found[0]["pairs"][0]["containment"] >= 0.9
    text = "\n".join(explain(found))
    assert "kept d00.txt" in text and "containment" in text and "longer content" in text and "masked" in text
    assert "pair d00.txt ~ d01.txt" in text


def test_noisy_benchmark_meets_what_it_claims() -> None:
    corpus = build_noisy_corpus(120, "test")
    r = evaluate_noisy(corpus, Dedup())
    assert r.hard_dropped == 0 and r.chains_merged == 0
    assert r.precision >= 0.99 and r.recall >= 0.85


def test_masked_run_is_identical_with_one_and_two_workers(tmp_path) -> None:
    from pipeline.dedup_command import deduplicate

    from .conftest import read_tree

    folder = tmp_path / "crawl"
    folder.mkdir()
    body = NEWS[600:608]
    texts = site_corpus([body, body[:5], [NEWS[1200]], [NEWS[1201]]])
    for i, text in enumerate(texts):
        (folder / f"p{i:02d}.txt").write_text(text, encoding="utf-8")
    trees = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        report = deduplicate(folder, out, workers=workers, progress=False)
        assert report["sections"]["dedup"]["mask"]["documents_with_masked_shingles"] >= 40  # masking is on
        trees.append(read_tree(out))
    assert trees[0] == trees[1]
    dropped = [line for line in trees[0]["audit/dropped.jsonl"].decode().splitlines()]
    assert len(dropped) == 1 and '"p01.txt"' in dropped[0] and '"containment"' in dropped[0]


def test_the_audit_and_explain_show_the_text_that_was_masked(tmp_path) -> None:
    body = NEWS[600:608]
    out, summary = deduplicate_documents(docs_of(site_corpus([body, body[:5]])), Dedup(), tmp_path)
    masked = out[1].dropped.details["masked_text"]
    assert any("东方快讯网" in piece for piece in masked)  # the site's dress, not the article
    assert not any(NEWS[601][:20] in piece for piece in masked)
    lines = list(explain(read_clusters(tmp_path), {"d01.txt": masked}))
    assert any(line.startswith("    masked: ") and "东方快讯网" in line for line in lines)
    assert summary.is_masked(np.array([0], dtype=np.uint32)).dtype == bool
