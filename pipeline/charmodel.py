"""A small model of what ordinary Chinese text looks like, character by character.

Repairing mojibake means choosing between readings of the same bytes: the text
as it arrived, or the bytes decoded another way. Real text is made of common
characters that form words; mojibake is made of rare characters in random
pairs (``眱山聟`` against ``兩江新``). This module scores that difference, and
nothing else:

* :func:`logprob` — natural log of a character's relative frequency;
* :func:`char_scores` / :func:`score` — per-character plausibility of a
  string: the character's log-frequency plus a bonus for each neighbour it
  forms a known in-word pair with;
* :func:`is_common`, :func:`bigram_count`, :func:`gb2312_level1` — the sets
  and counts behind it, for other stages (keyword stuffing uses the pairs).

The hanzi frequencies and pairs are derived from jieba's dictionary (MIT
licence; see ``pipeline/data/NOTICE``) over both scripts, so Traditional text
scores like Simplified text; ``tools/build_charmodel.py`` rebuilds them. The
punctuation frequencies below are rounded, hand-set estimates for Chinese news
prose, not measurements of any corpus.

>>> score("推动成渝地区双城经济圈建设") > score("眱山聟罱ū蚪榻")
True
>>> score("推動成渝地區雙城經濟圈建設") > -8
True
"""

from __future__ import annotations

import functools
import gzip
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

#: Share of all characters, rounded: how often each mark occurs in Chinese prose.
PUNCTUATION_SHARE: dict[str, float] = {
    "，": 0.05, "。": 0.03, "、": 0.01, "“": 0.006, "”": 0.006, "：": 0.003, "《": 0.003, "》": 0.003,
    "（": 0.002, "）": 0.002, "；": 0.001, "？": 0.001, "！": 0.001, "…": 0.001, "—": 0.001,
    "·": 0.0005, "‘": 0.0003, "’": 0.0003, "「": 0.0003, "」": 0.0003, "【": 0.0003, "】": 0.0003,
    "『": 0.0001, "』": 0.0001, "〈": 0.0001, "〉": 0.0001, "〔": 0.0001, "〕": 0.0001, "　": 0.0005,
}  # fmt: skip

#: Log-probabilities for what is neither hanzi nor listed punctuation.
ASCII_LOGPROB = math.log(1e-3)  # Latin letters, digits, ASCII punctuation: ordinary in mixed text
WIDE_LOGPROB = math.log(1e-4)  # full-width digits and letters (１９９８年): common in print
LATIN_LOGPROB = math.log(1e-5)  # é, ü, pinyin tone letters (ā): names and annotations
OTHER_LOGPROB = math.log(1e-7)  # kana, Cyrillic, box drawing, private use: rare in Chinese
BIGRAM_BONUS = 2.0  # per side: a character in a known pair with each neighbour gains 4


@dataclass(frozen=True)
class CharModel:
    """Character log-frequencies and known in-word pairs (see the module docstring)."""

    logprobs: dict[str, float]
    bigrams: dict[str, int]
    floor: float  # log-probability of a hanzi never seen in the dictionary

    def logprob(self, ch: str) -> float:
        found = self.logprobs.get(ch)
        if found is not None:
            return found
        o = ord(ch)
        if o < 0x80:
            return ASCII_LOGPROB
        if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x3FFFF:
            return self.floor
        if 0xFF10 <= o <= 0xFF5A:
            return WIDE_LOGPROB
        if 0xC0 <= o <= 0x24F and o not in (0xD7, 0xF7):
            return LATIN_LOGPROB
        return OTHER_LOGPROB

    def char_scores(self, text: str) -> list[float]:
        known = self.logprobs
        scores = [known[ch] if ch in known else self.logprob(ch) for ch in text]
        pairs = self.bigrams
        for i, pair in enumerate(map(str.__add__, text, text[1:])):
            if pair in pairs:
                scores[i] += BIGRAM_BONUS
                scores[i + 1] += BIGRAM_BONUS
        return scores


def _data(name: str) -> bytes:
    return resources.files("pipeline").joinpath("data", name).read_bytes()


def _rows(raw: str) -> list[tuple[str, int]]:
    rows = []
    for line in raw.splitlines():
        if line and not line.startswith("#"):
            key, count = line.split("\t")
            rows.append((key, int(count)))
    return rows


@functools.cache
def model() -> CharModel:
    """The shipped model, loaded once per process."""
    chars = _rows(_data("charfreq.tsv").decode("utf-8"))
    pairs = _rows(gzip.decompress(_data("bigrams.tsv.gz")).decode("utf-8"))
    punctuation_share = sum(PUNCTUATION_SHARE.values())
    hanzi_total = sum(n for _, n in chars) / (1 - punctuation_share)
    logprobs = {ch: math.log(n / hanzi_total) for ch, n in chars}
    logprobs.update({ch: math.log(p) for ch, p in PUNCTUATION_SHARE.items()})
    floor = math.log(0.5 / hanzi_total)
    return CharModel(logprobs, dict(pairs), floor)


def logprob(ch: str) -> float:
    """Natural log of how often ``ch`` occurs in Chinese text.

    >>> logprob("的") > logprob("眱")
    True
    """
    return model().logprob(ch)


def char_scores(text: str) -> list[float]:
    """Plausibility of each character of ``text`` in its context (higher is more normal).

    >>> [round(s) for s in char_scores("经济")]
    [-5, -6]
    >>> [round(s) for s in char_scores("济经")]  # not a known pair: no bonus
    [-8, -7]
    """
    return model().char_scores(text)


def score(text: str) -> float:
    """Mean per-character plausibility of ``text`` (``0.0`` for the empty string).

    Ordinary news prose scores about -6, mojibake -11 or lower.

    >>> score("") == 0.0
    True
    """
    if not text:
        return 0.0
    return sum(char_scores(text)) / len(text)


def mean(scores: Sequence[float]) -> float:
    """Average of per-character scores (``0.0`` when there are none)."""
    return sum(scores) / len(scores) if scores else 0.0


def bigram_count(pair: str) -> int:
    """How often the two characters occur together inside a dictionary word (0: never, or rare).

    >>> bigram_count("经济") > 0, bigram_count("經濟") > 0, bigram_count("济经")
    (True, True, 0)
    """
    return model().bigrams.get(pair, 0)


@functools.cache
def common_chars(share: float = 0.999) -> frozenset[str]:
    """The most frequent hanzi that together make up ``share`` of dictionary text.

    The default keeps about 8,000 characters of both scripts; a text made only
    of these (plus ASCII and punctuation) needs no closer look.

    >>> "經" in common_chars() and "经" in common_chars() and "眱" not in common_chars()
    True
    """
    ranked = sorted(model().logprobs.items(), key=lambda kv: -kv[1])
    hanzi = [(ch, math.exp(lp)) for ch, lp in ranked if ch not in PUNCTUATION_SHARE]
    total = sum(p for _, p in hanzi)
    kept, acc = [], 0.0
    for ch, p in hanzi:
        if acc >= share * total:
            break
        kept.append(ch)
        acc += p
    return frozenset(kept)


def is_common(ch: str) -> bool:
    """Whether ``ch`` is one of :func:`common_chars`.

    >>> is_common("区"), is_common("區"), is_common("髽")
    (True, True, False)
    """
    return ch in common_chars()


@functools.cache
def gb2312_level1() -> frozenset[str]:
    """The 3,755 level-1 hanzi of GB2312 (0xB0A1–0xD7F9), the most common ones, from Python's codec.

    >>> len(gb2312_level1()), "中" in gb2312_level1(), "眱" in gb2312_level1()
    (3755, True, False)
    """
    chars = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass  # 0xD7FA-0xD7FE are unassigned
    return frozenset(chars)
