"""Property tests for the normalize stage (hypothesis).

The generated texts mix the material the stage acts on — Traditional and
Simplified hanzi, characters both scripts share (乾, 後), pinyin annotations,
half- and full-width punctuation, spaces of every kind, line breaks, heading
markers, numbers, URLs — with arbitrary Unicode, so the rules meet each other
in every order.
"""

from __future__ import annotations

import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.document import Document, replay
from pipeline.normalize import Normalize, _encodable, is_han, opencc_converter

TOKENS = [
    *"經濟發區國這個說來乾後著萧经济发区国这个中文的了一心主目标",
    "(qū)", "(jīng)", "(yè)", "(é)", "(2020)", "(重慶)", "（dāng）",
    *",:;?!()", *"，。、：；？！（）“”‘’《》【】—…·",
    " ", "  ", "\u3000", "\u00a0", "\t", "\n", "\n\n", "\n\n\n",
    "#", "## ", "### ", " ##", "1", "2020", "3.5", "12:40:28", "7+13", "SoC", "a", "Z",
    "http://a.cn/?q=1,2", "x@y.cn", "www.8233066.com",
    "本报讯", "1、", "一、", "记者", "摄", "的", "第一批",
    # markdown residue and the real text it could be taken for
    "**", "*", "__", "_", "~~", "~", "`", "> ", ">>> ", "---", "* * *", "———", "|", "|---|---|",
    "[", "](https://a.cn/x_y)", "![](a.png)", "```", "2*3*4", "--force", "a_b_c", "$ ls -l /etc/*",
    # readings in other brackets, and glosses that are not readings
    "汉字", "(hàn zì)", "【hàn zì】", "[hanzi]", "(han4 zi4)", "（machine learning）", "（Zhang San）",
]
chinese_like = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=2)), max_size=40).map("".join)
ascii_only = st.lists(
    st.one_of(st.sampled_from(["## Title", "# x", "a, b", "(x)", "x:y", "?!", " ", "\n", "\n\n", "http://a.b/?c=d",
                               "**bold**", "*it*", "__init__", "~~x~~", "> quote", "---", "[a](http://b.c)",
                               "`code`", "| a | b |\n|---|---|", "2*3*4", "hanzi (han zi)"]),
              st.text(st.characters(max_codepoint=127), max_size=5)),
    max_size=30,
).map("".join)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def normalize(text: str) -> Document:
    return Normalize().apply(Document("t", text))


@functools.cache
def _simplified(char: str) -> str:
    """One Simplified form per character, whichever spelling convention wrote it:
    t2s, with 著 read as 着 and a hanzi outside GB2312 read the Taiwan or Hong Kong
    way (the stage's resolve_variants chooses among these in context)."""
    simple = opencc_converter("t2s")(char)
    if simple == "著":
        return "着"
    for config in ("tw2s", "hk2s"):
        if not _encodable(simple, "gb2312"):
            simple = opencc_converter(config)(char)
    return simple


def content(text: str) -> list[str]:
    """Digits, Latin letters and hanzi in order, hanzi compared in Simplified script."""
    return [_simplified(c) if is_han(c) else c for c in text if c.isdigit() or c.isascii() and c.isalpha() or is_han(c)]


@SETTINGS
@given(chinese_like)
def test_the_edit_log_replays_to_the_output(text):
    doc = normalize(text)
    assert replay(text, doc.edits) == doc.text


@SETTINGS
@given(chinese_like)
def test_idempotent(text):
    once = normalize(text).text
    assert normalize(once).text == once


@SETTINGS
@given(st.text(max_size=60))
def test_arbitrary_text_never_crashes_and_stays_idempotent(text):
    once = normalize(text).text
    assert normalize(once).text == once


@SETTINGS
@given(ascii_only)
def test_ascii_only_text_is_never_changed(text):
    assert normalize(text).edits == []


@SETTINGS
@given(chinese_like)
def test_only_punctuation_spaces_breaks_script_and_audited_annotations_change(text):
    doc = normalize(text)
    # The pinyin annotations are removed first and audited as such: take them
    # out of the input, then nothing else may lose or reorder a digit, a Latin
    # letter or a hanzi.
    # Markdown residue goes first, then the annotations: both audited under their rules.
    removals = [e for e in doc.edits if e.rule.startswith(("pinyin_annotation", "markdown_"))]
    assert doc.edits[: len(removals)] == removals
    without_removals = replay(text, removals)
    assert content(doc.text) == content(without_removals)
    for edit in removals:
        if edit.rule.startswith("pinyin_annotation"):
            assert edit.after == "" and edit.before.lstrip()[0] in "(（[【" and edit.before[-1] in ")）]】"
        elif edit.rule != "markdown_link" and edit.rule != "markdown_image":
            # Markers only: what a marker edit removes holds no hanzi (the words stay).
            assert not any(is_han(c) for c in edit.before)


@SETTINGS
@given(chinese_like)
def test_markup_never_touches_fenced_blocks(text):
    # An info string says code whatever the lines look like (a bare fence around prose is residue:
    # test_normalize_markup's change cases).
    fenced = "```text\n" + text.replace("```", "") + "\n```"
    doc = Normalize(script="keep", punctuation=False, join_paragraphs=False, strip_heading_markers=False,
                    remove_pinyin=False).apply(Document("t", fenced))
    assert doc.text == fenced
