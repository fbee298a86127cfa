"""The numeric core of deduplication: comparison form, shingles, signatures, LSH bands.

The signatures must be datasketch's, bit for bit, and the band index must
propose exactly the candidates datasketch's MinHashLSH proposes: both are
checked against the installed datasketch.
"""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.minhash import (
    BandIndex,
    band_keys,
    exact_hash,
    fold,
    jaccard,
    lsh_params,
    shingle_hashes,
    signature,
    sorted_unique,
)


def folded(text: str) -> str:
    return "".join(map(chr, fold(text)))


# -- the comparison form -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１９９８年，", "1998年"),  # full-width digits and comma
        ("ＡＢＣ新闻", "abc新闻"),  # width and case
        ("习近平 总书记\n\n　　强调：", "习近平总书记强调"),  # spaces, ideographic space, line breaks, colon
        ("“一国两制”、《基本法》", "一国两制基本法"),  # quotes, brackets, enumeration comma
        ("a\u200bb\ufeffc", "abc"),  # zero-width space and BOM (format characters)
        ("3709.7亿元", "37097亿元"),  # the point is punctuation too: layout decides nothing
        ("𠀀𠀁", "𠀀𠀁"),  # CJK extension B (beyond the BMP) kept as is
        ("ｶﾀｶﾅ", "カタカナ"),  # half-width katakana
    ],
)
def test_fold_removes_layout_and_folds_width(text: str, expected: str) -> None:
    assert folded(text) == expected


def test_fold_keeps_symbols_but_not_punctuation() -> None:
    # Currency and math signs are symbols (S*) and stay; "%" is punctuation (Po) in Unicode.
    assert folded("价格¥30+5，增长5%") == "价格¥30+5增长5"


def test_fold_survives_lone_surrogates() -> None:
    assert folded("好\ud800的") == "好的"


def test_exact_hash_ignores_layout_but_not_content() -> None:
    assert exact_hash(fold("今天，天气好。")) == exact_hash(fold("今天 天气好"))
    assert exact_hash(fold("今天天气好")) != exact_hash(fold("今天天气坏"))


# -- shingles and similarity -------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="的一是在不了有和人这中大为上个国我以要他，。 \n", max_size=120), st.integers(1, 6))
def test_shingle_hashes_are_the_distinct_character_ngrams(text: str, n: int) -> None:
    s = folded(text)
    ngrams = {s[i : i + n] for i in range(len(s) - n + 1)}
    hashes = shingle_hashes(fold(text), n)
    assert len(hashes) == len(ngrams)  # 32-bit collisions among a few hundred n-grams: p < 1e-5
    assert np.all(np.diff(hashes.astype(np.int64)) > 0)  # sorted and distinct


def test_equal_ngrams_hash_equally_wherever_they_occur() -> None:
    a = shingle_hashes(fold("中国人民"), 4)
    b = shingle_hashes(fold("今天中国人民很好"), 4)
    assert set(a.tolist()) <= set(b.tolist())


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(0, 50), max_size=30), st.sets(st.integers(0, 50), max_size=30))
def test_jaccard_is_the_set_jaccard(a: set[int], b: set[int]) -> None:
    expected = len(a & b) / len(a | b) if a | b else 0.0
    got = jaccard(np.array(sorted(a), dtype=np.uint32), np.array(sorted(b), dtype=np.uint32))
    assert got == pytest.approx(expected)


def test_sorted_unique_matches_numpy_unique() -> None:
    values = np.random.default_rng(1).integers(0, 100, 500).astype(np.uint32)
    assert sorted_unique(values).tolist() == np.unique(values).tolist()


# -- signatures: datasketch's, bit for bit ------------------------------------------------


def _datasketch(hashes: list[int], num_perm: int, seed: int) -> np.ndarray:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda v: v)
    m.update_batch(hashes)
    return m.hashvalues


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 2**32 - 1), max_size=300),
    st.sampled_from([2, 16, 128, 256]),
    st.integers(0, 2**16),
)
def test_signature_equals_datasketch_for_the_same_hash_values(hashes: list[int], num_perm: int, seed: int) -> None:
    ours = signature(np.array(hashes, dtype=np.uint32), num_perm, seed)
    assert ours.dtype == np.uint32
    assert ours.tolist() == _datasketch(hashes, num_perm, seed).tolist()


def test_signature_of_a_large_set_crosses_blocks_and_still_matches() -> None:
    hashes = np.random.default_rng(2).integers(0, 2**32, 10_000, dtype=np.uint64).astype(np.uint32)
    assert signature(hashes, 64, 7).tolist() == _datasketch(hashes.tolist(), 64, 7).tolist()


def test_signature_of_real_shingles_matches_datasketch_per_token_update() -> None:
    hashes = shingle_hashes(fold("国务院总理李鹏今天上午在人民大会堂会见了来访的客人。"), 5)
    m = MinHash(num_perm=128, hashfunc=lambda v: v)
    for h in hashes.tolist():
        m.update(h)
    assert signature(hashes).tolist() == m.hashvalues.tolist()


def test_signature_estimates_jaccard() -> None:
    a = np.arange(0, 1000, dtype=np.uint32) * 7919
    b = np.arange(200, 1200, dtype=np.uint32) * 7919  # true Jaccard 800 / 1200
    estimate = np.mean(signature(a, 256) == signature(b, 256))
    assert abs(estimate - 800 / 1200) < 0.1


# -- LSH ------------------------------------------------------------------------------


@pytest.mark.parametrize(("threshold", "weight"), [(0.5, 0.5), (0.8, 0.5), (0.8, 0.9), (0.7, 0.9)])
def test_lsh_params_are_minhashlsh_params(threshold: float, weight: float) -> None:
    lsh = MinHashLSH(threshold=threshold, num_perm=128, weights=(1 - weight, weight))
    assert lsh_params(threshold, 128, weight) == (lsh.b, lsh.r)


def test_band_keys_agree_exactly_when_band_rows_agree() -> None:
    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 2**32, (3, 12), dtype=np.uint64).astype(np.uint32)
    sigs[1, :4] = sigs[0, :4]  # same first band
    sigs[2] = sigs[0]
    sigs[2, 5] ^= 1  # differs only in the second band
    keys = band_keys(sigs, bands=3, rows=4)
    assert (keys[0] == keys[1]).tolist() == [True, False, False]
    assert (keys[0] == keys[2]).tolist() == [True, False, True]


def test_band_index_proposes_the_candidates_minhashlsh_proposes() -> None:
    rng = np.random.default_rng(4)
    num_perm, bands, rows = 32, 8, 4
    sigs = rng.integers(0, 50, (300, num_perm), dtype=np.uint64).astype(np.uint32)  # small values: many collisions
    for i in range(0, 300, 3):  # plant near-copies sharing some bands
        sigs[i + 1, : 2 * rows] = sigs[i, : 2 * rows]
    lsh = MinHashLSH(num_perm=num_perm, params=(bands, rows))
    for i, sig in enumerate(sigs):
        lsh.insert(i, LeanMinHash(MinHash(num_perm=num_perm, hashvalues=sig, scheme="affine32")))
    keys = band_keys(sigs, bands, rows)
    index = BandIndex.build(keys)
    lo, hi = index.lookup(keys)
    shared = index.shared()
    for i in range(len(sigs)):
        expected = set(lsh.query(MinHash(num_perm=num_perm, hashvalues=sigs[i], scheme="affine32")))
        assert set(index.members(lo[i], hi[i]).tolist()) == expected
        assert shared[i] == (len(expected) > 1)


def test_band_index_is_compact() -> None:
    keys = np.zeros((1000, 14), dtype=np.uint64)
    assert BandIndex.build(keys).nbytes == 1000 * 14 * 12
