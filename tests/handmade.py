"""Seed text shaped by hand the way the stages before repetition will leave it.

The repetition, boilerplate and quality stages run after whitespace, repair,
normalize and rules, which are built in parallel; their tests must not depend on
that code. So these helpers apply, with a few explicit regexes, exactly the
transformations the lead specified for those stages on 001 and 002:

* rules: the inline gambling ad ``时时彩不定位【Aurl:…】送888元`` is deleted together
  with one comma after it, and the metadata line ``时间:… 来源:…`` is removed;
  the page-continuation block of 002 is *not* removed here (``keep_continuation``)
  because the repetition stage must find its copy when it sees it;
* whitespace: runs of empty lines collapse to one, the text is trimmed;
* normalize: half-width ``, : ; ? ! ( )`` next to hanzi (or next to CJK quotes
  and punctuation) become ``，：；？！（）``; spaces next to CJK punctuation are
  removed. 001 and 002 are already in Simplified script.

With these, 001's first paragraph reads exactly as the lead gave it:
``12月22日，川渝成渝重庆市武隆区…联合发出热情邀约。经济``.
"""

from __future__ import annotations

import regex

from .conftest import SEEDS

_AD = regex.compile(r"时时彩不定位【Aurl:[^】]*】送\d+元,?")
_META_LINE = regex.compile(r"(?m)^时间:[^\n]*来源:[^\n]*\n")
_BLANK_RUN = regex.compile(r"\n(?:[ \t]*\n){2,}")
_CJK = r"\p{Han}“”‘’、。，；：？！（）《》"
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_CJK_PUNCT = "，。、；：？！“”（）《》"


def upstream(raw: str) -> str:
    """Apply the hand-made rules/whitespace/normalize transformations described above."""
    text = _AD.sub("", raw)
    text = _META_LINE.sub("", text)
    text = _BLANK_RUN.sub("\n\n", text).strip()
    for half, full in _HALF_TO_FULL.items():
        h = regex.escape(half)
        text = regex.sub(rf"(?<=[{_CJK}])[ \t]*{h}|{h}[ \t]*(?=[{_CJK}])", full, text)
    text = regex.sub(rf"[ \t\u3000]+(?=[{_CJK_PUNCT}])|(?<=[{_CJK_PUNCT}])[ \t\u3000]+", "", text)
    return text


def seed(prefix: str) -> str:
    """The raw text of the seed whose file name starts with ``prefix``."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def seed_001() -> str:
    """001 as the repetition stage receives it."""
    return upstream(seed("001"))


def seed_002() -> str:
    """002 as normalised, *without* the rules stage's page-continuation cut."""
    return upstream(seed("002"))
