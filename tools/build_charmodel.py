"""Rebuild ``pipeline/data/charfreq.tsv`` and ``pipeline/data/bigrams.tsv.gz`` from jieba's dictionary.

The character model (:mod:`pipeline.charmodel`) needs to know how common each
hanzi is and which character pairs occur inside real words. jieba's
``dict.txt`` (jieba 0.42.1, MIT licence, Copyright (c) 2013 Sun Junyi) lists
349,046 words with corpus frequencies. Each word, and its Traditional form
(OpenCC ``s2t``, phrase-aware so that 头发 → 頭髮 but 发展 → 發展), adds its
frequency to every character and every adjacent character pair in it. Only
the derived counts are shipped, never the word list.

Usage (the sdist is what ``pip download jieba==0.42.1 --no-deps`` fetches)::

    python tools/build_charmodel.py jieba-0.42.1.tar.gz

The output is deterministic for a given jieba and OpenCC version.
"""

from __future__ import annotations

import argparse
import gzip
import io
import tarfile
from collections import Counter
from pathlib import Path

import opencc
import regex

OUT = Path(__file__).resolve().parent.parent / "pipeline" / "data"
HAN = regex.compile(r"^\p{Han}+$")
MIN_CHAR_COUNT = 3  # characters seen less often are indistinguishable from unseen ones
BIGRAMS_KEPT = 30_000  # the most frequent in-word pairs; ~45% of adjacent hanzi pairs in news text
PARTNERS_KEPT = 3  # and each character's most frequent pairs on either side, so rare words (秸秆) are known

ATTRIBUTION = (
    "# Derived from jieba 0.42.1 dict.txt (MIT licence, Copyright (c) 2013 Sun Junyi),\n"
    "# Simplified words plus their OpenCC 1.4.2 s2t Traditional forms.\n"
    "# Rebuild: python tools/build_charmodel.py jieba-0.42.1.tar.gz\n"
)


def read_dict(path: Path) -> list[tuple[str, int]]:
    """(word, frequency) pairs from ``dict.txt`` or from the sdist that contains it."""
    if path.suffix == ".gz":
        with tarfile.open(path) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("jieba/dict.txt"))
            raw = tar.extractfile(member).read()  # type: ignore[union-attr]
        lines = io.StringIO(raw.decode("utf-8"))
    else:
        lines = io.StringIO(path.read_text(encoding="utf-8"))
    pairs = []
    for line in lines:
        word, freq, *_ = line.split()
        pairs.append((word, int(freq)))
    return pairs


def count(words: list[tuple[str, int]]) -> tuple[Counter[str], Counter[str]]:
    """Character and in-word character-pair counts over both scripts."""
    s2t = opencc.OpenCC("s2t.json")
    chars: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for word, freq in words:
        if not HAN.match(word):
            continue
        for form in {word, s2t.convert(word)}:
            for ch in form:
                chars[ch] += freq
            for a, b in zip(form, form[1:]):
                pairs[a + b] += freq
    return chars, pairs


def write(chars: Counter[str], pairs: Counter[str]) -> None:
    ranked = sorted(((n, ch) for ch, n in chars.items() if n >= MIN_CHAR_COUNT), key=lambda x: (-x[0], x[1]))
    with open(OUT / "charfreq.tsv", "w", encoding="utf-8", newline="\n") as fh:
        fh.write("# cleancorpus character model: hanzi and their frequencies (one per line, most common first).\n")
        fh.write(ATTRIBUTION)
        for n, ch in ranked:
            fh.write(f"{ch}\t{n}\n")
    kept = {p for p, _ in sorted(pairs.items(), key=lambda x: (-x[1], x[0]))[:BIGRAMS_KEPT]}
    for side in (0, 1):
        by_char: dict[str, list[tuple[int, str]]] = {}
        for p, n in pairs.items():
            if n >= MIN_CHAR_COUNT:
                by_char.setdefault(p[side], []).append((-n, p))
        for options in by_char.values():
            kept.update(p for _, p in sorted(options)[:PARTNERS_KEPT])
    body = "".join(f"{p}\t{pairs[p]}\n" for p in sorted(kept, key=lambda p: (-pairs[p], p)))
    header = (
        "# cleancorpus character model: in-word character pairs and their frequencies\n"
        "# (the most frequent pairs, and each character's most frequent partners).\n" + ATTRIBUTION
    )
    # mtime=0: the same input gives byte-identical output
    with open(OUT / "bigrams.tsv.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write((header + body).encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="jieba-0.42.1.tar.gz or its jieba/dict.txt")
    args = parser.parse_args()
    chars, pairs = count(read_dict(args.source))
    OUT.mkdir(parents=True, exist_ok=True)
    write(chars, pairs)
    print(f"{len(chars)} characters, {len(pairs)} pairs -> {OUT}")


if __name__ == "__main__":
    main()
