"""The character model separates real Chinese text from mojibake, in both scripts."""

from __future__ import annotations

import gzip
from importlib import resources

import opencc
import pytest

from benchmarks.corpora import clean_news_text
from pipeline import charmodel


@pytest.fixture(scope="module")
def news() -> list[str]:
    return clean_news_text(200_000).split("\n")


def test_clean_prose_scores_far_above_its_frame_shifted_bytes(news: list[str]) -> None:
    text = "\n".join(news)
    shifted = "\n".join(line.encode("gb18030")[1:].decode("gb18030", "replace") for line in news)
    assert charmodel.score(text) > -7
    assert charmodel.score(shifted) < charmodel.score(text) - 3


def test_traditional_scores_like_simplified(news: list[str]) -> None:
    text = "\n".join(news[:200])
    trad = opencc.OpenCC("s2t.json").convert(text)
    assert trad != text
    assert abs(charmodel.score(trad) - charmodel.score(text)) < 0.3


def test_common_chars_cover_clean_text_in_both_scripts(news: list[str]) -> None:
    text = "".join(news)
    trad = opencc.OpenCC("s2t.json").convert(text)
    for sample in (text, trad):
        hanzi = [ch for ch in sample if "\u4e00" <= ch <= "\u9fff"]
        rare = sum(not charmodel.is_common(ch) for ch in hanzi)
        assert rare / len(hanzi) < 0.005


def test_seed_mojibake_characters_are_not_common() -> None:
    for ch in "眱聟栃癝髽罱":
        assert not charmodel.is_common(ch), ch


def test_gb2312_level1_is_the_codec_range() -> None:
    level1 = charmodel.gb2312_level1()
    assert len(level1) == 3755
    assert bytes((0xB0, 0xA1)).decode("gb2312") in level1
    assert bytes((0xD8, 0xA1)).decode("gb2312") not in level1  # first level-2 character


def test_punctuation_and_ascii_have_finite_scores() -> None:
    for ch in "，。“”a1 ":
        assert -10 < charmodel.logprob(ch) < 0


def test_shipped_data_carries_attribution() -> None:
    data = resources.files("pipeline").joinpath("data")
    freq = data.joinpath("charfreq.tsv").read_text(encoding="utf-8")
    pairs = gzip.decompress(data.joinpath("bigrams.tsv.gz").read_bytes()).decode("utf-8")
    for text in (freq, pairs):
        assert "jieba 0.42.1" in text and "MIT" in text
    assert "Sun Junyi" in data.joinpath("NOTICE").read_text(encoding="utf-8")
