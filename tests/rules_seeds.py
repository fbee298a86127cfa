"""The seeds as the rules stage will see them, for the rules tests.

The rules stage runs after repair and normalisation (built in parallel, issues 3
and 4), so these tests must not depend on that code. Instead they shape the
seeds the way the normalisation issue specifies ("Expected normalised form" in
the brief): OpenCC t2s for the script, the site's pinyin annotations removed,
half-width ``, : ; ? ! ( )`` next to hanzi made full-width, spaces next to CJK
punctuation and between hanzi removed, markdown heading markers removed, blank
runs collapsed by the real whitespace stage. This is a stand-in good enough to
put the rules in front of realistic text; the end-to-end check on ``output/``
runs the real stages.

``raw_form`` is the weaker stand-in for a user who disables normalisation
except script conversion: half-width punctuation and spaces stay.
"""

from __future__ import annotations

import functools
from pathlib import Path

import regex

from pipeline.document import Document
from pipeline.whitespace import Whitespace

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

_PINYIN = regex.compile(r"(?<=\S)\((?:[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*)\)")
_CJK_PUNCT = "，。：；？！（）、“”‘’《》【】…—·「」"
_HALF_TO_FULL = str.maketrans({",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"})
_HALF_NEXT_TO_HAN = regex.compile(r"(?<=\p{Han}\h*)[,:;?!()]|[,:;?!()](?=\h*\p{Han})")
_SPACES = regex.compile(
    rf"(?<=[\p{{Han}}{_CJK_PUNCT}])\h+(?=\p{{Han}})|(?<=\p{{Han}})\h+(?=[{_CJK_PUNCT}])"
    rf"|(?<=[{_CJK_PUNCT}])\h+|\h+(?=[{_CJK_PUNCT}])"
)
_HEADING = regex.compile(r"^#{1,6}\h*", regex.M)


@functools.cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """OpenCC t2s, as the normalisation stage does it."""
    return _t2s().convert(text)


def raw_form(text: str) -> str:
    """Script converted and pinyin annotations gone; punctuation and spaces as scraped."""
    doc = Whitespace().apply(Document("seed", text))
    return _PINYIN.sub("", simplified(doc.text))


def normalised_form(text: str) -> str:
    """The expected output of repair + normalisation, approximately (see module docstring)."""
    text = raw_form(text)
    text = _HALF_NEXT_TO_HAN.sub(lambda m: m.group().translate(_HALF_TO_FULL), text)
    text = _SPACES.sub("", text)
    text = _HEADING.sub("", text)
    return Whitespace().apply(Document("seed", text)).text


def seed_text(prefix: str) -> str:
    """The raw text of the seed whose file name starts with ``prefix`` (e.g. ``"001"``)."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")
