"""How a removal cuts a text, and how a stage records what it decided and why.

Every removing stage (rules, spam, furniture, repetition …) takes out lines or spans and
must leave the text as a person would: no doubled blank line where a line went, no
stray space where a span went, no blank line at either end. :func:`removal_spans`
turns the ranges a stage found into such spans; :func:`line_removals` does it for
whole lines. :func:`decide` counts a stage's decisions for the run report and logs
their evidence for the audit (``audit/edits.jsonl["evidence"]``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import regex

from .document import Document, Edit
from .lines import LineIndex


#: Doc-meta keys where rules record what they decided and why (summed in the run report,
#: written beside the edits in the audit).
DECISIONS_KEY = "decisions"
EVIDENCE_KEY = "evidence"


def decide(doc: Document, stage: str, rule: str, decision: str, count: int = 1, **evidence: Any) -> None:
    """Count a decision in ``doc.meta["decisions"]`` and, with ``evidence``, log it for the audit.

    >>> doc = Document("a", "")
    >>> decide(doc, "rules", "x", "kept_coherent", coherence=0.4)
    >>> decide(doc, "rules", "x", "kept_coherent", coherence=0.4)  # the same again: counted once
    >>> doc.meta
    {'evidence': [{'stage': 'rules', 'rule': 'x', 'decision': 'kept_coherent', 'coherence': 0.4}], 'decisions': {'rules/x:kept_coherent': 1}}
    """
    record = {"stage": stage, "rule": rule, "decision": decision, **evidence}
    if evidence:
        logged = doc.meta.setdefault(EVIDENCE_KEY, [])
        if record in logged:  # the same decision on the same text, in a later round of the rule
            return
        logged.append(record)
    counts = doc.meta.setdefault(DECISIONS_KEY, {})
    key = f"{stage}/{rule}:{decision}"
    counts[key] = counts.get(key, 0) + count


def _paragraph(lines: LineIndex, first: int, last: int) -> range:
    """Lines of the paragraph(s) holding lines ``first``..``last``.

    Paragraphs are separated by blank lines; in a text without any blank line,
    each line is a paragraph (pages that break paragraphs with single line
    breaks).
    """
    if not lines.any_blank():
        return range(first, last + 1)
    while first > 0 and not lines.blank(first - 1):
        first -= 1
    while last + 1 < len(lines) and not lines.blank(last + 1):
        last += 1
    return range(first, last + 1)


def _is_hspace(char: str) -> bool:
    return char != "\n" and char.isspace()


def line_removals(text: str, lines: Iterable[int], geometry: LineIndex | None = None) -> list[tuple[int, int, str]]:
    r"""Spans removing whole lines together with their line breaks.

    Blank lines next to a removed line go too when they would otherwise end
    up doubled or at either end of the text, so the paragraph spacing around
    a removal stays as it was; blank lines elsewhere are left alone.

    >>> line_removals("a\nX\nb", [1])
    [(2, 4, '')]
    >>> line_removals("a\n\nX\n\nb", [2])
    [(3, 6, '')]
    >>> line_removals("a\n\nX", [2])
    [(1, 4, '')]
    """
    g = geometry or LineIndex(text)
    gone = set(lines)
    near = {i for j in gone for i in (j - 1, j + 1) if 0 <= i < len(g) and i not in gone and g.blank(i)}
    for i in sorted(near):  # a blank line right after a kept blank line (or the start of the text) goes
        kept_before = i - 1
        while kept_before in gone:
            kept_before -= 1
        if kept_before < 0 or g.blank(kept_before):
            gone.add(i)
    last = len(g) - 1
    while last >= 0 and (last in gone or last in near):  # and no blank line left at the end
        gone.add(last)
        last -= 1
    spans = []
    for a, b in _runs(sorted(gone)):
        if b + 1 < len(g):
            spans.append((g.start(a), g.start(b + 1), ""))
        else:  # the run ends the text: take the line break before it instead
            spans.append((max(g.start(a) - 1, 0), len(text), ""))
    return spans


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs in a sorted list: ``[1, 2, 4]`` → ``[(1, 2), (4, 4)]``."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


_NONSPACE = regex.compile(r"\S")
_NONSPACE_BEFORE = regex.compile(r"(?r)\S")  # searched backwards from the match


def removal_spans(text: str, matches: Iterable[tuple[int, int]], action: str) -> list[tuple[int, int, str]]:
    r"""The removals one rule makes for its matches, as non-overlapping spans.

    ``drop_line`` / ``drop_paragraph`` remove the lines / paragraphs a match
    touches. ``delete_span`` and ``extract_meta`` remove the match; when it
    covers whole lines the lines go with their line breaks, and a match at the
    start or end of a line takes the blanks beside it, so no stray space or
    empty line is left behind.

    >>> removal_spans("正文。\n分享到：微信\n下文", [(4, 10)], "drop_line")
    [(4, 11, '')]
    >>> removal_spans("实景图”。时时彩送8元 ", [(5, 11)], "delete_span")
    [(5, 12, '')]
    """
    g = LineIndex(text)
    whole: set[int] = set()
    partial: list[tuple[int, int]] = []
    for start, end in matches:
        first, last = g.line_at(start), g.line_at(end - 1)
        if action == "drop_line":
            whole.update(range(first, last + 1))
        elif action == "drop_paragraph":
            whole.update(_paragraph(g, first, last))
        elif _NONSPACE.search(text, g.start(first), start) is None and _NONSPACE.search(text, end, g.end(last)) is None:
            whole.update(range(first, last + 1))
        else:
            partial.append(_widen(text, g, start, end))
    spans = line_removals(text, whole, g) if whole else []
    covered = [(s, e) for s, e, _ in spans]
    for start, end in merge_ranges(partial):
        if not any(s < end and start < e for s, e in covered):
            spans.append((start, end, ""))
    return sorted(spans)


def _widen(text: str, g: LineIndex, start: int, end: int) -> tuple[int, int]:
    """Take the blanks a removal would otherwise strand at a line edge or double up."""
    line_start, line_end = g.start(g.line_at(start)), g.end(g.line_at(max(end - 1, start)))
    # (searched, not sliced: on a page flattened into one line a slice would cost the line)
    if _NONSPACE.search(text, end, line_end) is None:  # reaches the end of its line
        end = line_end
        while start > line_start and _is_hspace(text[start - 1]):
            start -= 1
    elif _NONSPACE_BEFORE.search(text, line_start, start) is None:  # starts its line
        start = line_start
        while end < line_end and _is_hspace(text[end]):
            end += 1
    elif _is_hspace(text[start - 1]) and _is_hspace(text[end]):  # "a X b" → "a b"
        while end < line_end and _is_hspace(text[end]):
            end += 1
    return start, end


def merge_ranges(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching ranges merged, in order: ``[(3, 5), (1, 3)]`` → ``[(1, 5)]``."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# -- the edit log: where removals joined and cut the text ------------------------------------


def junctions(edits: Sequence[Edit]) -> list[int]:
    """Where, in the text after all ``edits``, each edit joined what came before and after it.

    >>> junctions([Edit("s", "r", 1, 2, "b"), Edit("s", "r", 0, 1, "a")])  # "abc" → "ac" → "c"
    [0, 0]
    >>> junctions([Edit("s", "r", 1, 2, "b"), Edit("s", "r", 4, 6, "ef", "E"), Edit("s", "r", 0, 1, "a")])
    [0, 4, 0]
    """
    points: list[int] = []
    highest = -1  # max(points), kept as we go: most runs lie after every earlier point
    i = 0
    while i < len(edits):
        batch = _ascending_run(edits, i)
        if highest > edits[i].start:
            points = _shift_points(points, edits[i : i + batch])
            highest = max(points)
        joined = [e.start + len(e.after) for e in edits[i : i + batch]]
        points += joined
        highest = max(highest, joined[-1])  # a run's last edit joins furthest on
        i += batch
    return points


def _ascending_run(edits: Sequence[Edit], i: int) -> int:
    """How many edits from ``i`` on come in text order (each after where the last one joined), as one ``replace()`` makes them."""
    n = i + 1
    while n < len(edits) and edits[n].start >= edits[n - 1].start + len(edits[n - 1].after):
        n += 1
    return n - i


def _shift_points(points: list[int], run: Sequence[Edit]) -> list[int]:
    """``points`` moved by a run of edits in text order, as applying them one by one would move them.

    One edit moves a point ``p`` after its start to ``max(joined, p + delta)``
    (a point inside what it removed lands where it joined). A run's edits lie
    in order, so a point is moved by every edit that starts before it: by the
    others' deltas, then by the last one's rule. Finding that edit by
    bisection costs log(run) a point instead of the run's length: a page
    whose stages each made thousands of edits no longer costs their product.
    """
    starts: list[int] = []  # each edit's start in the text before the run
    before: list[int] = []  # the sum of the deltas of the run's edits before it
    shift = 0
    for e in run:
        starts.append(e.start - shift)
        before.append(shift)
        shift += len(e.after) - len(e.before)
    if len(points) >= _NUMPY_POINTS:
        return _shift_points_numpy(points, run, starts, before)
    moved = []
    for p in points:
        k = bisect.bisect_left(starts, p) - 1  # the last edit starting before p
        if k < 0:
            moved.append(p)
            continue
        e = run[k]
        moved.append(max(e.start + len(e.after), p + before[k] + len(e.after) - len(e.before)))
    return moved


#: From this many points on, moving them with numpy beats a Python loop.
_NUMPY_POINTS = 64


def _shift_points_numpy(points: list[int], run: Sequence[Edit], starts: list[int], before: list[int]) -> list[int]:
    """:func:`_shift_points` on arrays (the same integers: searchsorted is the bisection)."""
    p = np.asarray(points, dtype=np.int64)
    k = np.searchsorted(np.asarray(starts, dtype=np.int64), p, side="left") - 1
    joined = np.array([e.start + len(e.after) for e in run], dtype=np.int64)
    delta = np.array([len(e.after) - len(e.before) for e in run], dtype=np.int64)
    kk = np.maximum(k, 0)
    moved = np.maximum(joined[kk], p + np.asarray(before, dtype=np.int64)[kk] + delta[kk])
    return np.where(k < 0, p, moved).tolist()


def removed_ranges(edits: Sequence[Edit]) -> list[tuple[int, int]]:
    """Where a log of removals cut the text it started from, in that text's coordinates.

    Each edit indexes the text as the earlier edits left it; mapping it back
    past the ranges already removed gives original positions.

    >>> removed_ranges([Edit("s", "r", 1, 2, "b"), Edit("s", "r", 2, 3, "d")])  # "abcd" → "acd" → "ac"
    [(1, 2), (3, 4)]
    """
    removed: list[tuple[int, int]] = []
    for edit in edits:
        if edit.end > edit.start:
            start = _to_original(edit.start, removed)
            end = _to_original(edit.end - 1, removed) + 1
            removed = merge_ranges([*removed, (start, end)])
    return removed


def _to_original(pos: int, removed: list[tuple[int, int]]) -> int:
    """Map a position in the shortened text to the original (``removed`` sorted, disjoint)."""
    for start, end in removed:
        if start > pos:
            break
        pos += end - start
    return pos
