"""ftfy's own published test cases, run through the whitespace and repair stages.

The cases (``tests/data/ftfy/``, copied from ftfy's repository; see the NOTICE
there) are Latin-, Cyrillic-, Greek-, Hebrew- and Arabic-script mojibake found
in the wild, synthetic edge cases, and negative cases that look like mojibake
but are not. None of them holds CJK text, so every one takes the full-strength
ftfy path of :func:`pipeline.repair.ftfy_line`. Each ``original`` becomes a
:class:`~pipeline.document.Document` and goes through ``Whitespace().apply``
then ``Repair().apply``, as the runner applies them.

How the output is compared with ftfy's ``fixed`` (what ``ftfy.fix_text``
gives) or, where a case has one, its ``fixed-encoding`` (what ftfy's encoding
repair alone gives, before the steps the pipeline leaves to normalize: width
folding ``，`` → ``,``, ligatures ``ﬁ`` → ``fi``): modulo what the pipeline
decides differently from ftfy's defaults on purpose, and nothing else —

* **curly quotes**: ftfy's ``fixed`` is written with its ``uncurl_quotes`` on;
  the pipeline keeps “” ‘’ (Chinese quotation uses them), so both sides pass
  through ``ftfy.fixes.uncurl_quotes`` before comparing;
* **layout**: the pipeline turns no-break spaces into spaces (``odd_space``)
  and the whitespace stage trims blanks at line ends and at the text's edges,
  so both sides get the same.

Under that comparison (``compare``) the targets are asserted: at least 63 of
the 70 in-the-wild cases and 27 of the 30 synthetic ones come out as ftfy's
``fixed``, and every negative case comes out as ftfy expects it (its original;
ftfy's ``fixed`` differs from it in one case only, a Windows-1252 ``\\x85``
that becomes ``…``).

A third decision is measured separately (``compare_fffd``): the pipeline
deletes U+FFFD, which ftfy writes where bytes were lost (``replacement_char``:
nothing is left to repair). Allowing for that too, all in-the-wild cases and
29 of 30 synthetic ones match; the one left is ftfy keeping a C1 control
(``\\x81``) that ``invisible_char`` removes by design.

Before the full-strength path (ftfy woken only by Windows-1252 signs, on the
whole document at once): 49 of 70 and 26 of 30 under ``compare``, 54 and 27
under ``compare_fffd``; the negative cases were left alone then too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from ftfy.fixes import uncurl_quotes

from pipeline.document import Document
from pipeline.repair import Repair
from pipeline.whitespace import Whitespace

DATA = Path(__file__).parent / "data" / "ftfy"


def load(name: str) -> list[dict[str, str]]:
    """The cases of one file that ftfy marks as passing."""
    cases = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return [case for case in cases if case["expect"] == "pass"]


def clean(text: str) -> str:
    """Whitespace then repair, the stage objects as the runner applies them."""
    doc = Document("ftfy-case", text)
    Whitespace().apply(doc)
    Repair().apply(doc)
    return doc.text


def _layout(text: str) -> str:
    text = uncurl_quotes(text).replace("\xa0", " ")
    return "\n".join(line.rstrip(" \t") for line in text.split("\n")).strip(" \t\n")


def compare(output: str, expected: str) -> bool:
    """Equal modulo curly quotes and layout (NBSP as space, blanks at line ends).

    >>> compare("It’s\\xa0fine ", "It's fine")
    True
    >>> compare("Liège", "Liege")
    False
    """
    return _layout(output) == _layout(expected)


def compare_fffd(output: str, expected: str) -> bool:
    """:func:`compare`, and U+FFFD deleted from ftfy's expectation as the pipeline deletes it.

    >>> compare_fffd("the newspaper  email", "the newspaper \\ufffd email")
    True
    """
    return compare(output, expected.replace("\ufffd", ""))


def matches(case: dict[str, str], same: Callable[[str, str], bool]) -> bool:
    """Does the cleaned ``original`` match ftfy's ``fixed``, or its ``fixed-encoding``?"""
    output = clean(case["original"])
    return same(output, case["fixed"]) or same(output, case.get("fixed-encoding", case["fixed"]))


def failures(name: str, same: Callable[[str, str], bool]) -> tuple[int, list[str]]:
    """How many cases of ``name`` there are, and the labels of those that do not match."""
    cases = load(name)
    return len(cases), [case["label"] for case in cases if not matches(case, same)]


@pytest.mark.parametrize(
    ("name", "least"),
    [("in-the-wild", 63), ("synthetic", 27)],
)
def test_mojibake_cases_come_out_as_ftfy_fixes_them(name: str, least: int) -> None:
    total, failed = failures(name, compare)
    assert total - len(failed) >= least, f"{total - len(failed)} of {total} {name} cases; failing: {failed}"


@pytest.mark.parametrize(
    ("name", "least"),
    [("in-the-wild", 70), ("synthetic", 29)],
)
def test_mojibake_cases_allowing_for_removed_replacement_chars(name: str, least: int) -> None:
    total, failed = failures(name, compare_fffd)
    assert total - len(failed) >= least, f"{total - len(failed)} of {total} {name} cases; failing: {failed}"


def test_negative_cases_are_left_alone() -> None:
    total, failed = failures("negative", compare)
    assert total == 31
    assert not failed, f"negative cases changed: {failed}"


def test_negative_cases_change_only_in_layout() -> None:
    # The edits on text that is not mojibake: NBSP made a space, and the one
    # Windows-1252 ellipsis ftfy itself expects decoded.
    rules = set()
    for case in load("negative"):
        doc = Document("ftfy-case", case["original"])
        Repair().apply(Whitespace().apply(doc))
        rules |= {(edit.rule, edit.before, edit.after) for edit in doc.edits}
    assert rules == {("odd_space", "\xa0", " "), ("utf8_as_cp1252", "\x85", "…")}


@pytest.mark.parametrize("name", ["in-the-wild", "synthetic", "negative"])
def test_repairing_a_case_twice_changes_nothing(name: str) -> None:
    for case in load(name):
        once = clean(case["original"])
        assert Repair().apply(Document("again", once)).text == once, case["label"]
