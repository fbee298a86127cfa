"""Which rule matched where: ``cleancorpus rules explain``.

A user writing or debugging a rule wants to see a page with every rule's
matches marked, and a list saying which rule took what from which line.
Each rule is judged on the text on its own (:func:`explain`), so where two
rules would take the same words both are listed; :func:`render` marks the
text, :func:`legend` lists the hits. What the whole stage does to the page
(rules in order, each seeing the others' removals) is
:func:`pipeline.rules.apply_rules`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from .document import Document
from .lines import LineIndex
from .rules import NO_OUTPUT_ACTIONS, Rule, apply_rules, find_matches, removed_ranges


@dataclass(frozen=True, slots=True)
class Hit:
    """Where one rule matched or removed text, in the coordinates of the explained text."""

    rule: Rule
    start: int
    end: int
    line: int  # 1-based
    text: str


def explain(text: str, rules: Iterable[Rule], timeout: float | None = 1.0) -> list[Hit]:
    """Every place each rule would act on ``text``, each rule judged on ``text`` alone.

    For removing rules the hits are the spans the rule removes (all rounds);
    for ``flag`` and ``drop_document`` rules, the pattern's matches.

    >>> from pipeline.rules import parse_rule
    >>> rule = parse_rule({"id": "nav.top", "description": "d", "action": "drop_line", "literals": ["返回顶部"],
    ...     "examples": {"change": [{"input": "返回顶部", "output": ""}], "keep": ["顶部"]}}, "a.toml")
    >>> [(h.rule.id, h.line, h.text) for h in explain("正文。\\n返回顶部", [rule])]
    [('nav.top', 2, '返回顶部')]
    """
    lines = LineIndex(text)
    hits: list[Hit] = []
    for rule in rules:
        for start, end in _acted_on(rule, text, timeout):
            start, end = _trim_breaks(text, start, end)
            hits.append(Hit(rule, start, end, lines.line_at(start) + 1, text[start:end]))
    return sorted(hits, key=lambda h: (h.start, h.end))


def _acted_on(rule: Rule, text: str, timeout: float | None) -> list[tuple[int, int]]:
    """Where one rule, alone, acts on ``text``: what it removes, or what a flag / drop rule matches."""
    if rule.action not in NO_OUTPUT_ACTIONS:
        return removed_ranges(apply_rules([rule], Document("explain", text), timeout).edits)
    try:
        return [m.span() for m in find_matches(rule, text, timeout)]
    except TimeoutError:  # the stage reports it (see the last line of `rules explain`); here it just matches nothing
        return []


def _trim_breaks(text: str, start: int, end: int) -> tuple[int, int]:
    """A removed span without the line breaks at its ends, for display."""
    while start < end and text[start] == "\n":
        start += 1
    while end > start and text[end - 1] == "\n":
        end -= 1
    return start, end


#: ANSI colours per action, for a terminal.
_COLOURS = {"flag": "yellow", "drop_document": "magenta", "extract_meta": "cyan"}


def render(text: str, hits: Sequence[Hit], color: bool = False) -> str:
    r"""The text with each hit marked ``⟦n …⟧`` (coloured when ``color``), n indexing the hit list.

    Where hits overlap, the text is marked for the first; the later one is
    listed all the same.

    >>> import regex
    >>> from pipeline.rules import Where
    >>> rule = Rule("nav.top", "d", "drop_line", regex.compile("x"), (), Where(), (), (), "a.toml")
    >>> render("正文。\n返回顶部", [Hit(rule, 4, 8, 2, "返回顶部")])
    '正文。\n⟦1 返回顶部⟧'
    """
    out: list[str] = []
    pos = 0
    for number, hit in enumerate(hits, 1):
        if hit.start < pos:
            continue
        out.append(text[pos : hit.start])
        body = text[hit.start : hit.end]
        colour = _COLOURS.get(hit.rule.action, "red")
        if color:
            out.append(click.style(f"⟦{number} ", dim=True) + click.style(body, fg=colour, bold=True) + click.style("⟧", dim=True))
        else:
            out.append(f"⟦{number} {body}⟧")
        pos = hit.end
    out.append(text[pos:])
    return "".join(out)


def legend(hits: Sequence[Hit], width: int = 60) -> str:
    """One line per hit: number, line, rule id, action, what it matched."""
    rows = []
    for number, hit in enumerate(hits, 1):
        shown = hit.text.replace("\n", "⏎")
        if len(shown) > width:
            shown = shown[: width - 1] + "…"
        rows.append(f"[{number}] line {hit.line}: {hit.rule.id} ({hit.rule.action}, {Path(hit.rule.file).name}): {shown}")
    return "\n".join(rows)
