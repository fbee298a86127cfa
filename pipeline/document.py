"""The document model and its edit log.

Every change a stage makes to a document's text is recorded as an :class:`Edit`.
The log is *sequential*: each edit's ``start``/``end`` index the text as it stood
immediately before that edit was applied, so replaying ``doc.edits`` in order on
the text the reader produced gives the final text, exactly::

    >>> doc = Document(id="a.txt", text="好  ,的")
    >>> doc.replace([(1, 4, "，")], stage="demo", rule="space_comma")
    1
    >>> doc.text
    '好，的'
    >>> replay("好  ,的", doc.edits) == doc.text
    True

That property is what makes the audit trustworthy: nothing a stage removes can
disappear without leaving an edit behind, and a test can check it for any input.

Stages never assign ``doc.text`` directly; they call :meth:`Document.replace`
(or :meth:`Document.sub`, :meth:`Document.rewrite`), which apply the change and
log it in one step.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import regex

#: A replacement proposed by a stage: (start, end, replacement) in the text the
#: stage is looking at, or (start, end, replacement, rule) to name the rule.
Span = tuple[int, int, str] | tuple[int, int, str, str]


@dataclass(frozen=True, slots=True)
class Edit:
    """One change to a text: enough to show it, undo it or replay it.

    ``start``/``end`` index the text immediately before this edit; ``before`` is
    ``text[start:end]`` at that moment and ``after`` what replaced it
    (``""`` for a removal).
    """

    stage: str
    rule: str
    start: int
    end: int
    before: str
    after: str = ""

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        # Pickle as a plain tuple: documents carry hundreds of edits between
        # processes, and the dataclass default (__getstate__ over fields()) is
        # several times slower.
        return (Edit, (self.stage, self.rule, self.start, self.end, self.before, self.after))

    @property
    def removed_chars(self) -> int:
        """Characters this edit took out of the text (0 for a pure insertion)."""
        return max(0, len(self.before) - len(self.after))

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "rule": self.rule,
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True, slots=True)
class Drop:
    """Why a document left the corpus.

    ``details`` holds reason-specific facts, e.g. ``{"survivor": "b.txt",
    "similarity": 0.91}`` for a near-duplicate.
    """

    stage: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"stage": self.stage, "reason": self.reason, **({"details": self.details} if self.details else {})}


@dataclass(slots=True)
class Document:
    """A document on its way through the pipeline.

    ``id``      stable name: the relative path of a .txt file, or the record's
                id (``file:line`` when it has none) for JSONL.
    ``source``  the input file it came from, relative to the input folder.
    ``seq``     its position in the input stream (0-based); corpus-level stages
                key their per-document verdicts by it, since ids in user data
                are not guaranteed unique.
    ``meta``    free-form facts stages record (encoding, extracted date, scores).
    ``edits``   the sequential edit log (see the module docstring).
    ``dropped`` set when a stage removes the whole document.
    ``warnings`` problems a stage met on this document that the user should
                hear about (a rule that timed out); the runner reports each
                one with the document's id, and the run goes on.
    """

    id: str
    text: str
    source: str = ""
    seq: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)
    dropped: Drop | None = None
    warnings: list[str] = field(default_factory=list)

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return (
            Document,
            (self.id, self.text, self.source, self.seq, self.meta, self.edits, self.dropped, self.warnings),
        )

    # -- changing the text -------------------------------------------------

    def replace(self, spans: Iterable[Span], stage: str, rule: str = "") -> int:
        """Apply non-overlapping replacements given in *current* text positions.

        Each span is ``(start, end, after)`` or ``(start, end, after, rule)``.
        Spans may come in any order but must not overlap; no-op spans (where
        the text already equals ``after``) are skipped. Returns the number of
        edits made.
        """
        new_text, edits = apply_spans(self.text, spans, stage, rule)
        if edits:
            self.text = new_text
            self.edits.extend(edits)
        return len(edits)

    def sub(
        self,
        pattern: regex.Pattern[str] | str,
        repl: str | Callable[[regex.Match[str]], str],
        stage: str,
        rule: str,
    ) -> int:
        """``re.sub`` that logs one edit per match. Returns the number of edits."""
        return self.replace(regex_spans(pattern, repl, self.text), stage, rule)

    def rewrite(self, new_text: str, stage: str, rule: str) -> int:
        """Replace the whole text by ``new_text``, logging the minimal differing runs.

        For transformations that produce a new string wholesale (script
        conversion, a library fixer); the edits are found by diffing.
        """
        if new_text == self.text:
            return 0
        return self.replace(diff_spans(self.text, new_text), stage, rule)

    def drop(self, stage: str, reason: str, **details: Any) -> Document:
        """Mark the document as removed from the corpus; returns ``self``."""
        self.dropped = Drop(stage, reason, details)
        return self

    def warn(self, stage: str, message: str) -> None:
        """Record a problem for the run report (one line, naming what went wrong)."""
        self.warnings.append(f"{stage}: {message}")


# -- edit helpers (pure functions) -------------------------------------------


def apply_spans(text: str, spans: Iterable[Span], stage: str, rule: str = "") -> tuple[str, list[Edit]]:
    """Apply non-overlapping replacements to ``text``; return the new text and its edits.

    >>> apply_spans("abcdef", [(4, 5, "E"), (0, 2, "")], "demo")
    ('cdEf', [Edit(stage='demo', rule='', start=0, end=2, before='ab', after=''), \
Edit(stage='demo', rule='', start=2, end=3, before='e', after='E')])
    """
    ordered = sorted(spans, key=lambda s: (s[0], s[1]))
    pieces: list[str] = []
    edits: list[Edit] = []
    pos = 0  # position in the input text
    shift = 0  # len(output so far) - pos
    for span in ordered:
        start, end, after = span[0], span[1], span[2]
        span_rule = span[3] if len(span) > 3 else rule  # type: ignore[misc]
        if start < pos or end < start or end > len(text):
            raise ValueError(f"bad or overlapping span {span[:3]!r} in text of length {len(text)}")
        before = text[start:end]
        if before == after:
            continue
        pieces.append(text[pos:start])
        pieces.append(after)
        edits.append(Edit(stage, span_rule, start + shift, end + shift, before, after))
        shift += len(after) - len(before)
        pos = end
    if not edits:
        return text, []
    pieces.append(text[pos:])
    return "".join(pieces), edits


def regex_spans(
    pattern: regex.Pattern[str] | str,
    repl: str | Callable[[regex.Match[str]], str],
    text: str,
) -> list[tuple[int, int, str]]:
    """The spans ``re.sub(pattern, repl, text)`` would replace (group refs expanded).

    >>> regex_spans(r" +([，。])", r"\\1", "好 ，的  。")
    [(1, 3, '，'), (4, 7, '。')]
    """
    compiled = regex.compile(pattern) if isinstance(pattern, str) else pattern
    if callable(repl):
        return [(m.start(), m.end(), repl(m)) for m in compiled.finditer(text)]
    return [(m.start(), m.end(), m.expand(repl)) for m in compiled.finditer(text)]


def diff_spans(old: str, new: str) -> list[tuple[int, int, str]]:
    """Minimal-ish replacement spans turning ``old`` into ``new``.

    Equal lengths (the common case: script conversion maps character to
    character) take a linear fast path; otherwise difflib aligns the texts.

    >>> diff_spans("經濟發展了", "经济发展了")
    [(0, 3, '经济发')]
    >>> diff_spans("ab", "axb")
    [(1, 1, 'x')]
    """
    if len(old) == len(new):
        spans: list[tuple[int, int, str]] = []
        i, n = 0, len(old)
        while i < n:
            if old[i] == new[i]:
                i += 1
                continue
            j = i
            while j < n and old[j] != new[j]:
                j += 1
            spans.append((i, j, new[i:j]))
            i = j
        return spans
    # difflib costs up to the product of the lengths: align only the window
    # between the common prefix and suffix (a fixer changes a few spots of a
    # long line; a one-line page of a million characters took minutes).
    head = _common_prefix(old, new)
    tail = _common_suffix(old, new, min(len(old), len(new)) - head)
    a, b = old[head : len(old) - tail], new[head : len(new) - tail]
    if not a or not b:
        return [(head, head + len(a), b)]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(head + i1, head + i2, b[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix, by halving (string comparison runs in C).

    >>> _common_prefix("abcd", "abxd"), _common_prefix("ab", "abc"), _common_prefix("", "a")
    (2, 2, 0)
    """
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the longest common suffix, at most ``limit`` (so it never overlaps the prefix).

    >>> _common_suffix("xbcd", "ybcd", 4), _common_suffix("abc", "abc", 1)
    (3, 1)
    """
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid : len(a) - lo] == b[len(b) - mid : len(b) - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def replay(text: str, edits: Iterable[Edit]) -> str:
    """Apply an edit log to the text it started from, checking every ``before``.

    >>> replay("abc", [Edit("s", "r", 1, 2, "b", "")])
    'ac'
    """
    log = list(edits)
    for run in _runs(log):
        # The run's edits lie in text order; in the text before the run, edit k
        # starts where it says less what the run's earlier edits added.
        pieces: list[str] = []
        pos = shift = 0
        for e in run:
            start = e.start - shift
            end = start + len(e.before)
            if text[start:end] != e.before:
                raise ValueError(f"edit {e!r} does not match text {text[start:end]!r}")
            pieces += (text[pos:start], e.after)
            pos = end
            shift += len(e.after) - len(e.before)
        pieces.append(text[pos:])
        text = "".join(pieces)
    return text


def undo(text: str, edits: list[Edit]) -> str:
    """Recover the text an edit log started from, given the text it ended with.

    >>> undo("ac", [Edit("s", "r", 1, 2, "b", "")])
    'abc'
    """
    for run in reversed(_runs(edits)):
        # Later edits of a run lie after an earlier one's replacement, so in the
        # text after the run each edit's ``after`` still starts at its ``start``.
        pieces: list[str] = []
        pos = 0
        for e in run:
            end = e.start + len(e.after)
            if text[e.start : end] != e.after:
                raise ValueError(f"edit {e!r} does not match text")
            pieces += (text[pos : e.start], e.before)
            pos = end
        pieces.append(text[pos:])
        text = "".join(pieces)
    return text


def _runs(edits: list[Edit]) -> list[list[Edit]]:
    """The log cut into runs of edits in text order (each starting after where the last one's
    replacement ended), as one :meth:`Document.replace` makes them.

    Replaying or undoing a run is one pass over the text; edit by edit, a
    document with thousands of edits would cost their number times its length.

    >>> [len(r) for r in _runs([Edit("s", "r", 0, 1, "a"), Edit("s", "r", 2, 3, "c"), Edit("s", "r", 0, 1, "b")])]
    [2, 1]
    """
    runs: list[list[Edit]] = []
    for e in edits:
        if runs and e.start >= runs[-1][-1].start + len(runs[-1][-1].after):
            runs[-1].append(e)
        else:
            runs.append([e])
    return runs
