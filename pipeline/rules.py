"""Declarative cleanup rules: TOML files, validated at start-up, applied in order.

Scraped news pages carry the same kinds of junk on every site: gambling ads
injected into sentences, copyright and ICP footers, contact blocks, photo
credits, bylines, "share to" and "back to top" lines, the text of other
articles glued to a newspaper page. Each kind is a *rule*: a pattern, an
action and examples, written in a TOML file under ``rules/`` (the format is
documented in ``rules/README.md``). Adding a rule takes one file and no Python.

A rule file holds ``[[rule]]`` tables::

    [[rule]]
    id = "ads.gambling_inline"
    description = "Lottery ad with a disguised URL injected into a sentence"
    action = "delete_span"
    keywords = ["时时彩"]
    pattern = '''时时彩[^，。\\n]{0,12}【[^】\\n]*】送\\d+元[,，]?'''
    examples.change = [{ input = "推介的时时彩不定位【Aurl:www.x.com】送888元，还有", output = "推介的还有" }]
    examples.keep = ["他买了一张福利彩票。"]

The rules stage runs **after** repair and normalisation, so a rule is written
once, in Simplified script with Chinese full-width punctuation, and matches a
Traditional or half-width original as well.

How a rule is applied (:func:`apply_rule`):

1. *where*: the rule looks at the whole text, or only at its first / last N
   non-empty lines (headers, footers);
2. *keywords*: if none of the rule's keywords occurs, the regex is not run at
   all (the gitleaks pre-filter: most documents contain no keyword of most
   rules; :class:`KeywordIndex` finds the keywords of every rule in one scan);
3. *pattern*: a ``regex`` module pattern, compiled with ``MULTILINE`` (``^``
   and ``$`` match at line boundaries), run with a time limit; a pattern that
   exceeds it (catastrophic backtracking) is stopped and reported as a warning
   naming the rule, and the document goes on to the next rule;
4. *action*: ``delete_span`` removes the match (a match that covers whole
   lines removes the lines); ``drop_line`` / ``drop_paragraph`` remove every
   line / paragraph the match touches; ``extract_meta`` stores the pattern's
   named groups in ``doc.meta`` and deletes the match; ``drop_document`` drops
   the document; ``flag`` adds the rule id to ``doc.meta["flags"]``.

Removals go through the edit log with the rule id, so the audit shows each one.
A rule is applied again while it still changes the text, so a footer rule
limited to the last lines peels a footer of any height, and applying the stage
twice changes nothing the second time.
"""

from __future__ import annotations

import bisect
import dataclasses
import fnmatch
import functools
import itertools
import re
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import regex

from . import coherence
from .document import Document, apply_spans
# (line_removals, removed_ranges and the decision keys are re-exported: rules were their first home)
from .removals import (  # noqa: F401
    DECISIONS_KEY, EVIDENCE_KEY, decide, junctions, line_removals, removal_spans, removed_ranges,
)
from .tomlfile import read_toml

Action = Literal["delete_span", "drop_line", "drop_paragraph", "drop_block", "drop_document", "extract_meta", "flag"]
ACTIONS: tuple[str, ...] = typing.get_args(Action)
#: What applying one rule to one document did.
Outcome = Literal["unchanged", "changed", "timeout"]
#: Actions whose change examples have no ``output`` (the text is not edited).
NO_OUTPUT_ACTIONS = ("drop_document", "flag")

#: ``doc.meta`` keys the backbone uses; an ``extract_meta`` group may not overwrite them.
RESERVED_META = frozenset({"line", "encoding", "fields", "flags"})
#: Where flagged rule ids are listed.
FLAGS_KEY = "flags"

_RULE_FIELDS = (
    "id", "description", "action", "pattern", "literals", "keywords", "where", "enabled", "examples", "block", "max_chars",
)
_ID = regex.compile(r"[a-z0-9][a-z0-9_.-]*")
#: Guards, not limits anyone should reach: rounds of one rule on one document, passes of all rules.
_MAX_ROUNDS = 50
_MAX_PASSES = 10
_NEVER_AGAIN = -2


class RuleError(ValueError):
    """A rule file problem, with a message naming the file, the rule id and the field."""


#: Builds the error for one field of the rule being parsed: ``fail("pattern", "bad regex")``.
_Fail = Callable[[str, str], RuleError]


# -- the rule model ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Where:
    """The part of a document a rule looks at: all of it, or its first / last N non-empty lines.

    >>> Where(last=2).window("正文。\\n\\n电话：\\n023-63782960")
    (5, 21)
    >>> Where(first=1).window("标题\\n正文")
    (0, 2)
    >>> str(Where()), str(Where(first=3))
    ('anywhere', 'first 3 lines')
    """

    first: int = 0
    last: int = 0

    def window(self, text: str) -> tuple[int, int]:
        """``(pos, endpos)`` of the part of ``text`` the rule may match."""
        if self.first:
            return 0, _first_lines_end(text, self.first)
        if self.last:
            return _last_lines_start(text, self.last), len(text)
        return 0, len(text)

    def __str__(self) -> str:
        if self.first:
            return f"first {self.first} lines"
        if self.last:
            return f"last {self.last} lines"
        return "anywhere"


def _first_lines_end(text: str, n: int) -> int:
    """End of the ``n``-th non-empty line from the start (or of the text)."""
    count, start = 0, 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        if text[start:end].strip():
            count += 1
            if count == n:
                return end
        start = end + 1
    return len(text)


def _last_lines_start(text: str, n: int) -> int:
    """Start of the ``n``-th non-empty line from the end (or 0)."""
    count, end = 0, len(text)
    while end >= 0:
        start = text.rfind("\n", 0, end) + 1
        if text[start:end].strip():
            count += 1
            if count == n:
                return start
        end = start - 1
    return 0


@dataclass(frozen=True, slots=True)
class ChangeExample:
    """An input the rule must change, and what it must become.

    ``output`` is ``None`` for ``flag`` and ``drop_document`` rules (the test is
    that the document is flagged / dropped); ``meta`` lists values an
    ``extract_meta`` rule must extract.
    """

    input: str
    output: str | None = None
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Block:
    """What a ``drop_block`` rule's marker opens (the rule file's ``block`` table).

    The marker always goes. After it, paragraphs go while they are foreign to
    the text before the marker (:func:`pipeline.coherence.foreign_extent`):
    the first paragraph that belongs to the document ends the block, and the
    document's own text after it stays. ``lists``: lines shaped like entries
    of a link list belong to the block whatever their topic ("related
    articles" lists). ``max_paragraphs`` bounds the block whatever the signal
    says.
    """

    lists: bool = False
    max_paragraphs: int = 40
    #: The match is a headline, not a marker: it is the foreign article's own first line, so
    #: it goes only with the article, and only on the stronger evidence of
    #: :func:`pipeline.coherence.appended_extent`; otherwise nothing is removed.
    headline: bool = False
    #: Always keep the removed text as a document of its own (``ID#2``), whatever the stage's
    #: ``split_blocks`` says: for blocks that are whole articles found without a marker.
    split: bool = False
    #: A pattern whose presence in the text before the marker says the document's own
    #: article goes on after it (``（下转`` before ``（上接``): the block then needs stronger evidence.
    same_article_if: regex.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One validated rule from a rule file."""

    id: str
    description: str
    action: str
    pattern: regex.Pattern[str]
    keywords: tuple[str, ...]
    where: Where
    change: tuple[ChangeExample, ...]
    keep: tuple[str, ...]
    file: str
    enabled: bool = True
    block: Block | None = None
    #: The longest match this rule may remove (declared by rules whose pattern may cross lines without bound).
    max_chars: int | None = None

    def ruled_out(self, present: frozenset[str] | None) -> bool:
        """The keyword pre-filter: none of the rule's keywords is among those ``present`` in the text."""
        return present is not None and bool(self.keywords) and present.isdisjoint(self.keywords)


@dataclass(frozen=True, slots=True)
class KeywordIndex:
    """Which of the rules' keywords occur in a text, found in one scan for all of them.

    Searching each of ~190 keywords separately costs more than all the regexes
    on clean text. One alternation of every keyword, longest first, compiled
    with the standard library's engine (which skips ahead to the characters
    keywords start with) finds at each place a keyword starts the longest one
    there; the keywords that are its prefixes start there too. The next search
    begins one character later, not after the match, so keywords that overlap
    it are found as well: the result is exactly the keywords that occur.

    >>> sorted(KeywordIndex.build(["分享", "返回", "返回顶部", "顶部按钮"]).present("正文。\\n返回顶部按钮"))
    ['返回', '返回顶部', '顶部按钮']
    """

    pattern: re.Pattern[str]
    #: Every keyword, with the keywords that are prefixes of it (itself included).
    prefixes: dict[str, frozenset[str]]

    @classmethod
    def build(cls, keywords: Iterable[str]) -> KeywordIndex:
        longest_first = sorted(set(keywords), key=lambda k: (-len(k), k))
        pattern = re.compile("|".join(map(re.escape, longest_first)) or "(?!)")
        prefixes = {k: frozenset(p for p in longest_first if k.startswith(p)) for k in longest_first}
        return cls(pattern, prefixes)

    def present(self, text: str) -> frozenset[str]:
        found: set[str] = set()
        match = self.pattern.search(text)
        while match:
            found |= self.prefixes[match.group()]
            match = self.pattern.search(text, match.start() + 1)
        return frozenset(found)

    def around(self, text: str, points: Iterable[int]) -> frozenset[str]:
        """Keywords that occur across or next to ``points`` (where a removal joined two pieces)."""
        reach = max(map(len, self.prefixes), default=1) - 1
        found: set[str] = set()
        for point in points:
            found |= self.present(text[max(0, point - reach) : point + reach])
        return frozenset(found)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Every loaded rule in application order, the ones enabled for this run, and their keywords."""

    rules: tuple[Rule, ...]
    active: tuple[Rule, ...]
    index: KeywordIndex


# -- loading and validation ----------------------------------------------------------------


def builtin_rules_dir() -> Path:
    """The folder of the rule library shipped with cleancorpus.

    In a source checkout (``pip install -e .``) it is the top-level ``rules/``
    folder; a wheel installs the same files as ``pipeline/builtin_rules/``.
    Anything else is an incomplete installation: say so rather than run
    without rules.
    """
    here = Path(__file__).resolve().parent
    installed, checkout = here / "builtin_rules", here.parent / "rules"
    if any(installed.glob("*.toml")):
        return installed
    if (here.parent / "pyproject.toml").is_file() and any(checkout.glob("*.toml")):
        return checkout
    raise RuleError(
        f"the shipped rule library was not found (looked in {installed} and {checkout}); "
        "install cleancorpus from its source folder with `pip install -e .`, or set "
        "builtin = false in the [rules] config table and pass your own folders with --rules DIR"
    )


def load_rule_file(path: str | Path) -> list[Rule]:
    """Read and validate one rule file; any problem raises :class:`RuleError`."""
    path = Path(path)
    data = read_toml(path, "rule file", RuleError)
    unknown = sorted(set(data) - {"rule"})
    if unknown:
        raise RuleError(f"{path}: unknown top-level key {unknown[0]!r}; rules go in [[rule]] tables")
    tables = data.get("rule")
    if not isinstance(tables, list) or not tables:
        raise RuleError(f"{path}: no [[rule]] tables")
    rules: list[Rule] = []
    seen: set[str] = set()
    for number, table in enumerate(tables, 1):
        rule = parse_rule(table, str(path), number)
        if rule.id in seen:
            raise RuleError(f"{path}: rule {rule.id!r}: id: defined twice in this file")
        seen.add(rule.id)
        rules.append(rule)
    return rules


def parse_rule(table: dict[str, Any], file: str, number: int = 1) -> Rule:
    """Validate one ``[[rule]]`` table; errors name the file, the rule and the field.

    >>> parse_rule({"id": "x", "description": "d", "action": "explode"}, "a.toml")
    Traceback (most recent call last):
    ...
    pipeline.rules.RuleError: a.toml: rule 'x': action: unknown action 'explode'; \
one of delete_span, drop_line, drop_paragraph, drop_block, drop_document, extract_meta, flag
    """
    raw_id = table.get("id")
    name = f"rule {raw_id!r}" if isinstance(raw_id, str) and raw_id else f"rule #{number}"

    def fail(field_name: str, problem: str) -> RuleError:
        return RuleError(f"{file}: {name}: {field_name}: {problem}")

    for key in table:
        if key not in _RULE_FIELDS:
            raise fail(key, f"unknown field; known: {', '.join(_RULE_FIELDS)}")
    for key in ("id", "description", "action"):
        if key not in table:
            raise fail(key, "missing")
        if not isinstance(table[key], str) or not table[key].strip():
            raise fail(key, f"must be a non-empty string, not {table[key]!r}")
    rule_id = table["id"]
    if not _ID.fullmatch(rule_id):
        raise fail("id", "use lower-case letters, digits, '.', '_' and '-' (e.g. 'ads.gambling_inline')")
    action = table["action"]
    if action not in ACTIONS:
        raise fail("action", f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    pattern, default_keywords = _parse_pattern(table, fail)
    if action == "extract_meta":
        groups = set(pattern.groupindex)
        if not groups:
            raise fail("pattern", "an extract_meta rule needs named groups, e.g. (?P<date>...)")
        if groups & RESERVED_META:
            raise fail("pattern", f"group name {sorted(groups & RESERVED_META)[0]!r} is reserved for cleancorpus' own metadata")
    keywords = _string_list(table.get("keywords", default_keywords), "keywords", fail)
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail("enabled", f"must be true or false, not {enabled!r}")
    change, keep = _parse_examples(table.get("examples"), action, set(pattern.groupindex), fail)
    max_chars = table.get("max_chars")
    if max_chars is not None and (not isinstance(max_chars, int) or isinstance(max_chars, bool) or max_chars < 1):
        raise fail("max_chars", f"must be a whole number of characters >= 1, not {max_chars!r}")
    if max_chars is None and "pattern" in table:
        reason = unbounded(table["pattern"])
        if reason:
            raise fail("pattern", f"{reason}: a match could run over the rest of the document. Match only "
                                  "what the rule recognises (use action = \"drop_block\" for a marker that opens "
                                  "a block), or declare the longest match with max_chars = N")
    block = _parse_block(table.get("block"), action, fail)
    return Rule(
        id=rule_id,
        description=" ".join(table["description"].split()),
        action=action,
        pattern=pattern,
        keywords=keywords,
        where=_parse_where(table.get("where", "anywhere"), fail),
        change=change,
        keep=keep,
        file=file,
        enabled=enabled,
        block=block,
        max_chars=max_chars,
    )


def _parse_block(value: Any, action: str, fail: _Fail) -> Block | None:
    if action != "drop_block":
        if value is not None:
            raise fail("block", "only a drop_block rule has a block table")
        return None
    value = {} if value is None else value
    if not isinstance(value, dict):
        raise fail("block", "must be a table, e.g. block = { lists = true, max_paragraphs = 40 }")
    extra = sorted(set(value) - {"lists", "max_paragraphs", "same_article_if", "headline", "split"})
    if extra:
        raise fail(f"block.{extra[0]}", "unknown field; use lists, max_paragraphs, same_article_if, headline, split")
    lists, headline, split = value.get("lists", False), value.get("headline", False), value.get("split", False)
    for key, flag in (("lists", lists), ("headline", headline), ("split", split)):
        if not isinstance(flag, bool):
            raise fail(f"block.{key}", f"must be true or false, not {flag!r}")
    most = value.get("max_paragraphs", 40)
    if not isinstance(most, int) or isinstance(most, bool) or not 1 <= most <= 1000:
        raise fail("block.max_paragraphs", f"must be a whole number from 1 to 1000, not {most!r}")
    hint = value.get("same_article_if")
    if hint is not None:
        if not isinstance(hint, str) or not hint:
            raise fail("block.same_article_if", f"must be a non-empty regular expression, not {hint!r}")
        try:
            hint = regex.compile(hint, regex.MULTILINE)
        except regex.error as exc:
            raise fail("block.same_article_if", f"bad regular expression: {exc}") from None
    return Block(lists, most, headline, split, hint)


# What lets a pattern run past the end of a line without bound: the "dot matches
# newline" flag, an end-of-text anchor, a class of everything, or a negated class
# that does not exclude the line break, repeated without an upper bound.
_DOTALL_FLAG = regex.compile(r"\(\?[a-zA-Z]*s[a-zA-Z]*[:)]")
_TEXT_END = regex.compile(r"(?<!\\)(?:\\\\)*\\[Zz]")
_EVERYTHING = regex.compile(r"\[(?:\\s\\S|\\S\\s|\\w\\W|\\W\\w|\\d\\D|\\D\\d)\]|\(\?:\.\|\\n\)|\(\.\|\\n\)")
_NEGATED_RUN = regex.compile(r"\[\^((?:\\.|[^\]\\])*)\](?:\*|\+|\{\d*,\})")


def unbounded(source: str) -> str:
    r"""Why a pattern could match without bound across lines ('' when it cannot).

    >>> unbounded(r"(?s)（上接\d版）.*")
    "the 's' flag (dot matches line breaks)"
    >>> unbounded(r"上接\d版.*\Z")
    'an end-of-text anchor (\\Z)'
    >>> unbounded(r"【[^】]*】")
    'a negated class repeated without bound that does not exclude line breaks ([^】]*)'
    >>> unbounded(r"【[^】\n]*】"), unbounded(r"[^，。\n]{0,20}"), unbounded(r"\s*返回顶部\s*")
    ('', '', '')
    """
    if _DOTALL_FLAG.search(source):
        return "the 's' flag (dot matches line breaks)"
    if _TEXT_END.search(source):
        return "an end-of-text anchor (\\Z)"
    everything = _EVERYTHING.search(source)
    if everything:
        return f"a class of every character ({everything.group()})"
    for match in _NEGATED_RUN.finditer(source):
        inside = match.group(1)
        if not any(token in inside for token in ("\\n", "\\s", "\\v", "\\R", "\n")):
            return f"a negated class repeated without bound that does not exclude line breaks ({match.group()})"
    return ""


def _parse_pattern(table: dict[str, Any], fail: _Fail) -> tuple[regex.Pattern[str], tuple[str, ...]]:
    """The compiled pattern, and the default keywords (a literal list is its own pre-filter)."""
    if ("pattern" in table) == ("literals" in table):
        raise fail("pattern", "give exactly one of 'pattern' (a regular expression) or 'literals' (a list of strings)")
    if "literals" in table:
        literals = _string_list(table["literals"], "literals", fail)
        if not literals:
            raise fail("literals", "must not be empty")
        longest_first = sorted(literals, key=len, reverse=True)
        return regex.compile("|".join(regex.escape(s) for s in longest_first), regex.MULTILINE), literals
    source = table["pattern"]
    if not isinstance(source, str) or not source:
        raise fail("pattern", f"must be a non-empty string, not {source!r}")
    try:
        return regex.compile(source, regex.MULTILINE), ()
    except regex.error as exc:
        raise fail("pattern", f"bad regular expression: {exc}") from None


def _string_list(value: Any, field_name: str, fail: _Fail) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise fail(field_name, f"must be a list of non-empty strings, not {value!r}")
    return tuple(value)


def _parse_where(value: Any, fail: _Fail) -> Where:
    if value == "anywhere":
        return Where()
    if isinstance(value, dict) and len(value) == 1:
        ((key, n),) = value.items()
        if key in ("first", "last") and isinstance(n, int) and not isinstance(n, bool) and n >= 1:
            return Where(**{key: n})
    raise fail("where", f'must be "anywhere", {{ first = N }} or {{ last = N }} with N >= 1, not {value!r}')


def _parse_examples(
    value: Any, action: str, groups: set[str], fail: _Fail
) -> tuple[tuple[ChangeExample, ...], tuple[str, ...]]:
    """Every rule carries inputs it must change and inputs it must leave alone."""
    if not isinstance(value, dict):
        raise fail("examples", "missing: give examples.change (inputs the rule must change) and examples.keep")
    for key in value:
        if key not in ("change", "keep"):
            raise fail(f"examples.{key}", "unknown field; use examples.change and examples.keep")
    changes = value.get("change")
    if not isinstance(changes, list) or not changes:
        raise fail("examples.change", "at least one example the rule must change is required")
    keep = value.get("keep")
    if not isinstance(keep, list) or not keep or not all(isinstance(k, str) for k in keep):
        raise fail("examples.keep", "at least one input the rule must leave untouched (a list of strings) is required")
    parsed = (_parse_change(ex, f"examples.change[{i}]", action, groups, fail) for i, ex in enumerate(changes, 1))
    return tuple(parsed), tuple(keep)


def _parse_change(ex: Any, where: str, action: str, groups: set[str], fail: _Fail) -> ChangeExample:
    """One ``{ input, output, meta }`` table of ``examples.change``; ``where`` names it in errors."""
    if not isinstance(ex, dict) or not isinstance(ex.get("input"), str):
        raise fail(where, "must be a table with an 'input' string")
    extra = set(ex) - {"input", "output", "meta"}
    if extra:
        raise fail(f"{where}.{sorted(extra)[0]}", "unknown field; use input, output, meta")
    output = ex.get("output")
    if action in NO_OUTPUT_ACTIONS and output is not None:
        raise fail(f"{where}.output", f"a {action} rule does not change the text; leave output out")
    if action not in NO_OUTPUT_ACTIONS and not isinstance(output, str):
        raise fail(f"{where}.output", "missing: the text the input must become")
    meta = ex.get("meta", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise fail(f"{where}.meta", "must be a table of strings")
    if meta and action != "extract_meta":
        raise fail(f"{where}.meta", "only extract_meta rules extract metadata")
    if set(meta) - groups:
        raise fail(f"{where}.meta", f"{sorted(set(meta) - groups)[0]!r} is not a named group of the pattern")
    return ChangeExample(ex["input"], output, dict(meta))


def load_rules(dirs: Iterable[str | Path]) -> list[Rule]:
    """Every rule in the ``*.toml`` files of ``dirs``, in order.

    Files are read in name order within a folder, folders in the order given.
    A rule whose id was already loaded from an earlier folder replaces it, in
    its place; the same id twice within one folder is an error.
    """
    rules: dict[str, Rule] = {}
    for folder in map(Path, dirs):
        if not folder.is_dir():
            raise RuleError(f"{folder}: rule folder not found")
        files = sorted(folder.glob("*.toml"))
        if not files:
            raise RuleError(f"{folder}: no *.toml rule files in this folder")
        origin: dict[str, str] = {}
        for path in files:
            for rule in load_rule_file(path):
                if rule.id in origin:
                    raise RuleError(f"{path}: rule {rule.id!r}: id: already defined in {origin[rule.id]}")
                origin[rule.id] = str(path)
                rules[rule.id] = rule
    return list(rules.values())


def select(rules: Sequence[Rule], enable: Sequence[str] = (), disable: Sequence[str] = ()) -> tuple[Rule, ...]:
    """The rules to run, after ``enable`` / ``disable`` entries from the config.

    An entry is a rule id, an id pattern with ``*`` (``"nav.*"``) or a rule
    file's name (``"navigation.toml"``). A more specific entry wins: an id beats
    a pattern, which beats a file name; at equal specificity ``disable`` wins.
    An entry that matches nothing is an error (a typo must not pass silently).
    """
    for entry in (*enable, *disable):
        if not any(_entry_level(entry, r) for r in rules):
            raise RuleError(f"[rules] enable/disable: {entry!r} matches no rule id, id pattern or rule file name")
    return tuple(rule for rule in rules if _enabled(rule, enable, disable))


def _enabled(rule: Rule, enable: Sequence[str], disable: Sequence[str]) -> bool:
    """The most specific entry naming the rule decides (``disable`` on a tie); none: the file's ``enabled``."""
    on = max((_entry_level(entry, rule) for entry in enable), default=0)
    off = max((_entry_level(entry, rule) for entry in disable), default=0)
    return rule.enabled if on == off == 0 else on > off


def _entry_level(entry: str, rule: Rule) -> int:
    """How specifically a config entry names a rule: 3 id, 2 id pattern, 1 file name, 0 not at all."""
    if entry == rule.id:
        return 3
    if any(c in entry for c in "*?[") and fnmatch.fnmatchcase(rule.id, entry):
        return 2
    if entry == Path(rule.file).name:
        return 1
    return 0


@functools.cache
def load_rule_set(
    dirs: tuple[str, ...] = (), builtin: bool = True, enable: tuple[str, ...] = (), disable: tuple[str, ...] = ()
) -> RuleSet:
    """Load, validate and select rules once per process (the stage calls this per document).

    ``dirs`` should be absolute: the cache key is the path as given.
    """
    folders = ([str(builtin_rules_dir())] if builtin else []) + list(dirs)
    if not folders:
        raise RuleError("[rules]: no rules: builtin = false and no rule folders given")
    rules = load_rules(folders)
    active = select(rules, enable, disable)
    return RuleSet(tuple(rules), active, KeywordIndex.build(k for r in active for k in r.keywords))


# -- matches and what they remove ----------------------------------------------------------


def find_matches(
    rule: Rule, text: str, timeout: float | None = None, present: frozenset[str] | None = None
) -> list[regex.Match[str]]:
    """The rule's non-empty matches in its window of ``text``, after the keyword pre-filter.

    ``present`` is the set of keywords known to occur in ``text`` (from a
    :class:`KeywordIndex`); without it each keyword is searched in the window.
    Raises ``TimeoutError`` when the pattern runs longer than ``timeout`` seconds.

    >>> rule = parse_rule({"id": "x", "description": "d", "action": "delete_span", "literals": ["返回顶部"],
    ...     "examples": {"change": [{"input": "返回顶部", "output": ""}], "keep": ["顶部"]}}, "a.toml")
    >>> [m.span() for m in find_matches(rule, "正文\\n返回顶部")]
    [(3, 7)]
    """
    if rule.ruled_out(present):
        return []
    pos, endpos = rule.where.window(text)
    if rule.keywords and present is None and not any(text.find(k, pos, endpos) != -1 for k in rule.keywords):
        return []
    return [m for m in rule.pattern.finditer(text, pos, endpos, timeout=timeout) if m.end() > m.start()]


# -- applying rules ----------------------------------------------------------------------------


def apply_rule(
    rule: Rule,
    doc: Document,
    timeout: float | None = None,
    stage: str = "rules",
    present: frozenset[str] | None = None,
    split: bool = False,
) -> Outcome:
    """Apply one rule to a document, again while it still changes the text.

    A pattern that exceeds ``timeout`` is stopped; the document gets a warning
    naming the rule and keeps what earlier rounds did. With ``split``, the
    prose a ``drop_block`` rule removes is kept as a document of its own
    (see :func:`block_removal`).
    """
    outcome: Outcome = "unchanged"
    for _ in range(_MAX_ROUNDS):
        try:
            matches = find_matches(rule, doc.text, timeout, present)
        except TimeoutError:
            doc.warn(stage, f"rule {rule.id} ({rule.file}) stopped after {timeout:g} s "
                            "(runaway pattern?) and was skipped for this document")
            return "timeout"
        if not matches:
            return outcome
        if rule.action == "flag":
            flags = doc.meta.setdefault(FLAGS_KEY, [])
            if rule.id not in flags:
                flags.append(rule.id)
            return outcome
        if rule.action == "drop_document":
            doc.drop(stage, rule.id, match=matches[0].group()[:200])
            return outcome
        if rule.action == "drop_block":
            # the first marker that opens a block; a headline that opens none removes nothing
            assert rule.block is not None
            if rule.block.headline:  # a headline after some text: the document's own title is not one
                content_start = len(doc.text) - len(doc.text.lstrip())
                matches = [m for m in matches if m.start() > content_start and coherence.is_headline(m.group())]
            # Every marker in one round, each on the text as it stands, the blocks chosen
            # before it left out of its host window: a page of many markers costs one pass.
            paragraphs = coherence.units(doc.text) if matches else []
            ends = [e for _, e in paragraphs]
            chosen: list[tuple[int, int]] = []
            for match in matches:
                if chosen and match.start() < chosen[-1][1]:
                    continue  # inside the block a marker before it opened
                found = block_removal(rule, doc, match, stage, split, paragraphs, chosen, ends)
                if found:
                    chosen.append(found)
            spans = removal_spans(doc.text, chosen, "delete_span") if chosen else []
        else:
            if rule.action == "extract_meta":
                _extract_meta(doc, matches)
            spans = removal_spans(doc.text, bounded(rule, doc, matches, stage), rule.action)
            if spans and takes_the_last_text(doc.text, spans):
                decide(doc, stage, rule.id, "kept_last_text", match=matches[0].group()[:60])
                return outcome
        if not doc.replace(spans, stage, rule.id):
            return outcome
        outcome = "changed"
    return outcome


# -- evidence for long removals ----------------------------------------------------------------------

#: A span longer than one paragraph that is at least this coherent with the rest of its
#: document, and shows no junk feature, is the document's own text: it stays (docs/rules.md).
KEEP_COHERENCE = 0.1
def bounded(rule: Rule, doc: Document, matches: Sequence[regex.Match[str]], stage: str) -> list[tuple[int, int]]:
    """The matches' spans that may go: within the rule's ``max_chars``, and backed by evidence when long.

    A match over more than one paragraph needs evidence that it is foreign to
    the document (:func:`long_match_goes`); one over ``max_chars`` (for rules
    that declare it) does not go at all. Each refusal is counted and logged.
    """
    spans = []
    for match in matches:
        start, end = match.span()
        if rule.max_chars is not None and end - start > rule.max_chars:
            decide(doc, stage, rule.id, "over_max_chars", match=match.group()[:60], chars=end - start)
            continue
        if len(coherence.units(match.group())) > 1 and not long_match_goes(rule, doc, start, end, stage):
            continue
        spans.append((start, end))
    return spans


def long_match_goes(rule: Rule, doc: Document, start: int, end: int, stage: str) -> bool:
    """Whether a match over several paragraphs is foreign enough to the document to remove.

    A match that is coherent with the rest of the document
    (:data:`KEEP_COHERENCE`) and shows no junk feature
    (:func:`pipeline.coherence.spam_features`) is the document's own text that
    the rule's pattern ran over: it stays, and the document gets a warning
    naming the rule.
    """
    removed = doc.text[start:end]
    features = coherence.spam_features(removed)
    rest = coherence.content_bigrams(doc.text[:start] + "\n" + doc.text[end:])
    score = coherence.coherence(coherence.content_bigrams(removed), rest)
    if features or score < KEEP_COHERENCE:
        decide(doc, stage, rule.id, "long_removal", match=removed[:60], chars=end - start,
               coherence=round(score, 3), features=list(features))
        return True
    decide(doc, stage, rule.id, "kept_coherent", match=removed[:60], chars=end - start, coherence=round(score, 3))
    doc.warn(stage, f"rule {rule.id} would remove {end - start} characters over several paragraphs that "
                    f"belong to the document (coherence {score:.2f}, no junk feature): kept")
    return False


_HANZI = regex.compile(r"\p{Han}")
_SENTENCE_CLOSE = "。！？!?…”」"


def _has_text_line(text: str) -> bool:
    """A line that is real text: a sentence with a hanzi in it, or ten hanzi or more (linear time).

    >>> _has_text_line("图片："), _has_text_line("正文。"), _has_text_line("x" * 9 + "\\n" + "中" * 10)
    (False, True, True)
    """
    for line in text.split("\n"):
        line = line.rstrip()
        if not line:
            continue
        if line[-1] in _SENTENCE_CLOSE:
            if _HANZI.search(line):
                return True
        elif next(itertools.islice(_HANZI.finditer(line), 9, None), None) is not None:
            return True  # a tenth hanzi: stop counting there (a page flattened into one line is long)
    return False


def takes_the_last_text(text: str, spans: Sequence[tuple[int, int, str]]) -> bool:
    """Whether removing ``spans`` would leave a document with no real text line when it had one.

    Emptying a document is the quality stage's decision, on agreeing evidence:
    a photo item whose caption is all it has keeps its caption.

    >>> takes_the_last_text("图片：\\n江泽民在茶话会上发表重要讲话。（新华社记者王新庆摄）", [(3, 30, "")])
    True
    >>> takes_the_last_text("正文。\\n分享到：微信 微博", [(3, 13, "")])
    False
    """
    if not _has_text_line(text):
        return False
    new_text, _ = apply_spans(text, spans, "rules")
    return not _has_text_line(new_text)


def block_removal(
    rule: Rule,
    doc: Document,
    marker: regex.Match[str],
    stage: str,
    split: bool = False,
    units: list[tuple[int, int]] | None = None,
    chosen: Sequence[tuple[int, int]] = (),
    ends: Sequence[int] | None = None,
) -> tuple[int, int] | None:
    """The range a ``drop_block`` rule removes for one marker: the marker and the foreign block it opens.

    The paragraph holding the marker keeps the text before the marker. After
    the marker, :func:`pipeline.coherence.foreign_extent` decides paragraph by
    paragraph; the audit records its evidence. With ``split``, a block that
    holds prose (another article, not only a list of links) is also left in
    ``doc.meta["split_blocks"]``, and the runner makes it a document ``ID#2``;
    so is a block that rests in part on weak evidence, whatever ``split`` says.
    ``units`` are :func:`pipeline.coherence.units` of the text, when the caller has them;
    ``chosen`` the ranges earlier markers of this round will remove (left out of the host),
    ``ends`` the units' end offsets.
    None: a headline that opens no second article.
    """
    assert rule.block is not None
    text = doc.text
    spans = coherence.units(text) if units is None else units
    if ends is None:
        ends = [e for _, e in spans]
    first = min(bisect.bisect_right(ends, marker.start()), len(spans) - 1)
    # Only the text near the marker is read (the host window before it, the paragraphs a
    # block may span after it), so a page with thousands of markers costs linear time.
    before = _window_before(text, marker.start(), chosen, 2 * coherence.Thresholds().window)
    following = None if rule.block.headline else rule.pattern.search(text, marker.end())
    until = min(bisect.bisect_right(ends, following.start()), len(spans)) if following else None
    # (at least the marker's own paragraph, when the next marker stands in it too)
    last = max(first + 1, min(len(spans), first + rule.block.max_paragraphs + 1, until if until is not None else len(spans)))
    cap = coherence.MAX_UNIT_CHARS + 1  # a longer paragraph is never judged: a copy of its start says so
    paragraphs = [text[s : min(e, s + cap)] for s, e in spans[first:last]]
    local_until = None if until is None else until - first
    if rule.block.headline:
        paragraphs[0] = text[marker.start() : min(spans[first][1], marker.start() + cap)]
        extent = coherence.appended_extent(
            paragraphs, 0, before, before_chars=len(text[: marker.start()].strip()),
            max_paragraphs=rule.block.max_paragraphs, to_the_end=last == len(spans),
            split=split or rule.block.split,
        )
        if extent.before and not chosen:
            return _split_before(rule, doc, marker, stage, extent)
        if extent.end == extent.first:  # the common case: a heading of the page's own text
            return None
    else:
        paragraphs[0] = text[marker.end() : min(spans[first][1], marker.end() + cap)]
        hint = rule.block.same_article_if
        extent = coherence.foreign_extent(
            paragraphs, 0, before, lists=rule.block.lists, max_paragraphs=rule.block.max_paragraphs,
            same_article=bool(hint and hint.search(before)),
            until=local_until, open_end=last < len(spans) and until is None,
        )
    extent = coherence.Extent(first + extent.first, first + extent.end,
                              tuple(dataclasses.replace(j, unit=first + j.unit) for j in extent.judged))
    end = spans[extent.end - 1][1] if extent.end > extent.first else marker.end()
    decision = "marker_only" if extent.end == extent.first else "block"
    decide(doc, stage, rule.id, decision, marker=marker.group(), paragraphs=extent.paragraphs,
           judged=[[j.unit - first, j.verdict, j.host, j.block] for j in extent.judged])
    if extent.end > extent.first:
        decide(doc, stage, rule.id, "paragraphs_removed", count=extent.paragraphs)
        if extent.end < len(spans):  # the document's own text goes on after the block
            decide(doc, stage, rule.id, "text_kept_after_block")
        # Split out what is another article's prose when asked to, and always when part of
        # the block rests on weak evidence (a run of weakly coherent paragraphs): then a
        # wrong decision loses nothing.
        weak = any(j.verdict == "weak" for j in extent.judged)
        if (split or rule.block.split or weak) and any(j.verdict in ("foreign", "weak") for j in extent.judged):
            start = marker.start() if rule.block.headline else marker.end()
            doc.meta.setdefault("split_blocks", []).append(text[start:end].strip())
            decide(doc, stage, rule.id, "split_out")
    return marker.start(), end


def _split_before(rule: Rule, doc: Document, headline: regex.Match[str], stage: str,
                  extent: coherence.Extent) -> tuple[int, int]:
    """The range of a page's opening article that a longer second article after ``headline`` shows to be the stray.

    It is always kept as a document of its own (:func:`pipeline.coherence.appended_extent`
    asks for ``split`` before it returns such an extent).
    """
    text = doc.text
    start = len(text) - len(text.lstrip())
    decide(doc, stage, rule.id, "block_before", headline=headline.group()[:60], chars=headline.start() - start,
           judged=[[j.unit, j.verdict, j.host, j.block] for j in extent.judged])
    decide(doc, stage, rule.id, "split_out")
    doc.meta.setdefault("split_blocks", []).append(text[start : headline.start()].strip())
    return start, headline.start()


def _window_before(text: str, pos: int, chosen: Sequence[tuple[int, int]], size: int) -> str:
    """Up to ``size`` characters of ``text`` before ``pos``, without the ranges in ``chosen``.

    >>> _window_before("甲乙丙丁戊己", 5, [(1, 3)], 10)
    '甲丁戊'
    """
    start = max(0, pos - size)
    pieces, at = [], start
    # chosen is in text order (ends increasing): skip, by bisection, the ranges before the window
    first = bisect.bisect_right(chosen, start, key=lambda r: r[1])
    for s, e in chosen[first:]:
        if e <= at or s >= pos:
            continue
        pieces.append(text[at:max(at, s)])
        at = max(at, e)
    pieces.append(text[at:pos])
    return "".join(pieces)


def _extract_meta(doc: Document, matches: Iterable[regex.Match[str]]) -> None:
    """Store the matches' named groups in ``doc.meta``; a key already there keeps its value."""
    for match in matches:
        for key, value in match.groupdict().items():
            if value is not None and value.strip():
                doc.meta.setdefault(key, value.strip())


def apply_rules(
    rules: Iterable[Rule],
    doc: Document,
    timeout: float | None = None,
    stage: str = "rules",
    index: KeywordIndex | None = None,
    split: bool = False,
) -> Document:
    """Apply rules in order; stop when one drops the document.

    With an ``index`` of the rules' keywords, the pre-filter looks the text up
    once; after a rule removed something, only the places where the removals
    joined the text are searched again (a removal can bring the two halves of
    a keyword together). Keywords that a removal took away stay in the set: a
    pre-filter may let a rule run for nothing, never skip one that would match.

    A removal can also expose a match for a rule that ran earlier (a byline
    line is only a byline once the credit after it is gone), so every rule
    that has not seen the text as it now is runs again, until none is left:
    the stage is idempotent.
    """
    rules = list(rules)
    present = index.present(doc.text) if index else None
    version = 0  # bumped by every change; a rule is done once it has seen the current text
    seen = [-1] * len(rules)
    for _ in range(_MAX_PASSES):
        for number, rule in enumerate(rules):
            if seen[number] in (version, _NEVER_AGAIN):
                continue
            if rule.ruled_out(present):  # the common case on clean text: no call, no regex
                seen[number] = version
                continue
            before = len(doc.edits)
            outcome = apply_rule(rule, doc, timeout, stage, present, split)
            if outcome == "changed":
                version += 1
                if index and present is not None:
                    present = present | index.around(doc.text, junctions(doc.edits[before:]))
            # a rule that timed out is reported once and not tried again on this document
            seen[number] = version if outcome != "timeout" else _NEVER_AGAIN
            if doc.dropped is not None:
                return doc
        if all(v in (version, _NEVER_AGAIN) for v in seen):
            break
    return doc


# -- the stage ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """Apply the declarative cleanup rules of rules/*.toml and of your own rule folders.

    ``dirs``     extra rule folders, applied after the shipped library; a rule
                 with an id that exists already replaces it (relative paths
                 are relative to the working directory);
    ``builtin``  use the shipped library (``rules/``);
    ``enable`` / ``disable``  rule ids, id patterns (``"nav.*"``) or rule file
                 names (``"navigation.toml"``) to switch on or off;
    ``timeout``  seconds one rule may run on one document before it is stopped;
    ``split_blocks``  keep the prose a ``drop_block`` rule removes (the continued half
                 of another article, a second article glued to the page) as a
                 document of its own, ``ID#2``, instead of only in the audit.

    Rules are loaded and validated when the stage is built, so a broken rule
    file stops the run before it starts.
    """

    name: ClassVar[str] = "rules"

    dirs: tuple[str, ...] = ()
    builtin: bool = True
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    timeout: float = 1.0
    split_blocks: bool = False

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {self.timeout!r}")
        self.rule_set()

    def rule_set(self) -> RuleSet:
        """The loaded rules (cached per process)."""
        dirs = tuple(str(Path(d).resolve()) for d in self.dirs)
        return load_rule_set(dirs, self.builtin, self.enable, self.disable)

    def apply(self, doc: Document) -> Document:
        rule_set = self.rule_set()
        return apply_rules(rule_set.active, doc, self.timeout, self.name, rule_set.index, self.split_blocks)


# -- checking a rule's examples ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExampleResult:
    """The outcome of one example of one rule; ``problem`` is empty when it passed."""

    rule: Rule
    kind: Literal["change", "keep"]
    number: int
    input: str
    problem: str = ""
    expected: str | None = None
    got: str | None = None

    @property
    def passed(self) -> bool:
        return not self.problem


def check_rule(rule: Rule, timeout: float = 1.0) -> list[ExampleResult]:
    """Run every example of a rule, alone, and say which behave as declared.

    A change example must give its output (or be flagged / dropped, or yield
    its metadata), and the output must be stable: the rule leaves it as it is.
    A keep example must come out untouched, unflagged and kept.
    """
    results = []
    for number, ex in enumerate(rule.change, 1):
        doc = apply_rules([rule], Document("example", ex.input), timeout)
        problem = _change_problem(rule, ex, doc, timeout)
        results.append(ExampleResult(rule, "change", number, ex.input, problem, ex.output, doc.text))
    for number, text in enumerate(rule.keep, 1):
        doc = apply_rules([rule], Document("example", text), timeout)
        results.append(ExampleResult(rule, "keep", number, text, _keep_problem(text, doc), text, doc.text))
    return results


def _change_problem(rule: Rule, ex: ChangeExample, doc: Document, timeout: float) -> str:
    if doc.warnings:
        return doc.warnings[0]
    if rule.action == "drop_document":
        return "" if doc.dropped is not None else "the document was not dropped"
    if rule.action == "flag":
        return "" if rule.id in doc.meta.get(FLAGS_KEY, []) else "the document was not flagged"
    if doc.text != ex.output:
        return "wrong output"
    for key, value in ex.meta.items():
        if doc.meta.get(key) != value:
            return f"meta {key!r} is {doc.meta.get(key)!r}, expected {value!r}"
    again = apply_rules([rule], Document("example", doc.text), timeout)
    if again.text != doc.text:
        return "not stable: applying the rule to the expected output changes it again"
    return ""


def _keep_problem(text: str, doc: Document) -> str:
    if doc.warnings:
        return doc.warnings[0]
    if doc.dropped is not None:
        return "the document was dropped"
    if doc.meta:
        return f"metadata was added: {doc.meta}"
    if doc.text != text:
        return "the text was changed"
    return ""
