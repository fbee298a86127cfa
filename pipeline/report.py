"""Counting what a run did, per stage and per rule, and summarising it.

The runner feeds every finished document (written or dropped) and every input
problem into a :class:`RunStats`; ``to_json()`` is ``report.json`` and
``summary()`` the short text printed on the terminal. Everything outside the
``timing`` section is deterministic, so reports from two runs on the same input
compare equal whatever the worker count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .document import Document
from .io import UNREAD, Problem

#: How many input problems the report lists in full (all are in audit/problems.jsonl).
MAX_LISTED_PROBLEMS = 100


@dataclass
class StageStats:
    """What one stage did over the whole run."""

    edits: int = 0
    docs_changed: int = 0
    chars_removed: int = 0
    chars_added: int = 0
    dropped: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "edits": self.edits,
            "docs_changed": self.docs_changed,
            "chars_removed": self.chars_removed,
            "chars_added": self.chars_added,
            "dropped": self.dropped,
        }


@dataclass
class RuleStats:
    """What one rule (a fixer, a rule file entry) did."""

    edits: int = 0
    chars_removed: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"edits": self.edits, "chars_removed": self.chars_removed}


@dataclass(frozen=True)
class Accounting:
    """Where every input record ended: the invariant ``corpus + dropped + problems == records``.

    A record is a .txt file, a JSONL line, or an entry that could not be read
    (a FIFO, a dangling link, an unreadable folder, the rest of a gzip stream
    that broke off). Documents a stage split out of another (``ID#2``) are not
    records of the input; they are counted apart.

    >>> Accounting(records=5, corpus=3, dropped=1, problems=1).balanced
    True
    """

    records: int
    corpus: int
    dropped: int
    problems: int
    split_off_written: int = 0
    split_off_dropped: int = 0

    @property
    def balanced(self) -> bool:
        return self.corpus + self.dropped + self.problems == self.records

    def to_json(self) -> dict[str, int]:
        return {
            "records": self.records,
            "corpus": self.corpus,
            "dropped": self.dropped,
            "problems": self.problems,
            "split_off_written": self.split_off_written,
            "split_off_dropped": self.split_off_dropped,
        }

    def __str__(self) -> str:
        return (f"{self.records} records read, but {self.corpus} in the corpus + {self.dropped} dropped "
                f"+ {self.problems} in problems.jsonl = {self.corpus + self.dropped + self.problems}")


@dataclass
class RunStats:
    """Accumulates the run report."""

    stage_names: list[str]
    docs_read: int = 0
    docs_written: int = 0
    bytes_in: int = 0
    chars_in: int = 0
    chars_out: int = 0
    problems_total: int = 0
    #: Input records that could not be read (they end in problems.jsonl).
    unread: int = 0
    #: Documents that end in problems.jsonl (over budget, unwritable): input records, split-off ones.
    own_quarantined: int = 0
    split_quarantined: int = 0
    #: Input records of the corpus and of dropped.jsonl (split-off documents apart).
    own_written: int = 0
    own_dropped: int = 0
    problems: list[Problem] = field(default_factory=list)
    drops: Counter[str] = field(default_factory=Counter)
    encodings: Counter[str] = field(default_factory=Counter)
    stages: dict[str, StageStats] = field(default_factory=dict)
    rules: dict[str, RuleStats] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)
    #: What stages decided and how often (``"rules/continuation.foreign_block:block"``), from
    #: ``doc.meta["decisions"]``: how often a marker's block was bounded, a long span kept...
    decisions: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        for name in self.stage_names:
            self.stages.setdefault(name, StageStats())

    def read(self, doc: Document) -> None:
        """Count a document as it enters the pipeline."""
        self.docs_read += 1
        self.chars_in += len(doc.text)
        self.bytes_in += len(doc.text.encode("utf-8"))
        encoding = doc.meta.get("encoding")
        if encoding:
            self.encodings[encoding] += 1

    def problem(self, problem: Problem) -> None:
        self.problems_total += 1
        if problem.kind == UNREAD:
            self.unread += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)

    def finished(self, doc: Document) -> None:
        """Count a document leaving the pipeline, written or dropped."""
        # Documents carry hundreds of edits; count per (stage, rule) first and
        # touch the stats objects once per pair.
        edits: Counter[tuple[str, str]] = Counter()
        removed: Counter[tuple[str, str]] = Counter()
        added: Counter[str] = Counter()
        for edit in doc.edits:
            key = (edit.stage, edit.rule)
            edits[key] += 1
            delta = len(edit.before) - len(edit.after)
            if delta > 0:
                removed[key] += delta
            elif delta < 0:
                added[edit.stage] -= delta
        for (stage_name, rule_name), count in edits.items():
            stage = self.stages.setdefault(stage_name, StageStats())
            stage.edits += count
            stage.chars_removed += removed[(stage_name, rule_name)]
            rule = self.rules.setdefault(f"{stage_name}/{rule_name}", RuleStats())
            rule.edits += count
            rule.chars_removed += removed[(stage_name, rule_name)]
        for stage_name, count in added.items():
            self.stages[stage_name].chars_added += count
        for stage_name in {stage_name for stage_name, _ in edits}:
            self.stages[stage_name].docs_changed += 1
        self.decisions.update(doc.meta.get("decisions", {}))
        own = "split_from" not in doc.meta
        if doc.dropped is not None:
            self.drops[f"{doc.dropped.stage}:{doc.dropped.reason}"] += 1
            self.stages.setdefault(doc.dropped.stage, StageStats()).dropped += 1
            self.own_dropped += own
        else:
            self.docs_written += 1
            self.own_written += own
            self.chars_out += len(doc.text)

    def quarantined(self, doc: Document) -> None:
        """Count a document that ends in problems.jsonl (quarantined, or unwritable)."""
        if "split_from" in doc.meta:
            self.split_quarantined += 1
        else:
            self.own_quarantined += 1

    def accounting(self) -> Accounting:
        """Where the records read ended (see :class:`Accounting`)."""
        return Accounting(
            records=self.docs_read + self.unread,
            corpus=self.own_written,
            dropped=self.own_dropped,
            problems=self.unread + self.own_quarantined,
            split_off_written=self.docs_written - self.own_written,
            split_off_dropped=sum(self.drops.values()) - self.own_dropped,
        )

    def add_seconds(self, seconds: dict[str, float]) -> None:
        for name, value in seconds.items():
            self.stages.setdefault(name, StageStats()).seconds += value

    def to_json(self, wall_seconds: float, workers: int) -> dict[str, Any]:
        return {
            "documents": {
                "read": self.docs_read,
                "written": self.docs_written,
                "dropped": sum(self.drops.values()),
                "problems": self.problems_total,
            },
            "accounting": self.accounting().to_json(),
            "characters": {
                "in": self.chars_in,
                "out": self.chars_out,
                "removed": self.chars_in - self.chars_out,
            },
            "dropped": dict(sorted(self.drops.items())),
            "encodings": dict(sorted(self.encodings.items())),
            "stages": {name: stats.to_json() for name, stats in self.stages.items()},
            "rules": {name: self.rules[name].to_json() for name in sorted(self.rules)},
            "decisions": dict(sorted(self.decisions.items())),
            "problems": [p.to_json() for p in self.problems],
            "sections": self.sections,
            "timing": {
                "workers": workers,
                "wall_seconds": round(wall_seconds, 3),
                "docs_per_second": round(self.docs_read / wall_seconds, 1) if wall_seconds else None,
                "mb_per_second": round(self.bytes_in / 1e6 / wall_seconds, 3) if wall_seconds else None,
                "stage_seconds": {name: round(s.seconds, 3) for name, s in self.stages.items()},
            },
        }


def summary(report: dict[str, Any], top_rules: int = 8) -> str:
    """A few lines for the terminal: documents, characters, what removed most, speed."""
    docs, chars, timing = report["documents"], report["characters"], report["timing"]
    lines = [
        f"documents: {docs['read']} read, {docs['written']} written, {docs['dropped']} dropped, "
        f"{docs['problems']} input problems",
        f"characters: {chars['in']:,} in, {chars['out']:,} out ({chars['removed']:,} removed)",
    ]
    if report["dropped"]:
        lines.append("dropped: " + ", ".join(f"{k} {v}" for k, v in report["dropped"].items()))
    per_stage = [
        f"{name} -{s['chars_removed']:,}/+{s['chars_added']:,} ({s['edits']} edits)"
        for name, s in report["stages"].items()
        if s["edits"] or s["dropped"]
    ]
    if per_stage:
        lines.append("stages: " + "; ".join(per_stage))
    ranked = sorted(report["rules"].items(), key=lambda kv: (-kv[1]["chars_removed"], kv[0]))[:top_rules]
    ranked = [(k, v) for k, v in ranked if v["chars_removed"]]
    if ranked:
        lines.append("top rules by characters removed: " + ", ".join(f"{k} {v['chars_removed']:,}" for k, v in ranked))
    blocks = recurring_blocks(report.get("sections", {}).get("boilerplate", {}))
    if blocks:
        lines.append("top recurring blocks: " + "; ".join(blocks))
    wall = timing["wall_seconds"]
    lines.append(
        f"time: {wall:.2f} s with {timing['workers']} worker(s), "
        f"{timing['docs_per_second'] or 0:,.0f} docs/s, {timing['mb_per_second'] or 0:.2f} MB/s"
    )
    return "\n".join(lines)


def recurring_blocks(section: dict[str, Any], top: int = 5, width: int = 24) -> list[str]:
    """The most frequent boilerplate lines and spans of the report's boilerplate section, for the terminal.

    >>> recurring_blocks({"top": [{"text": "首页 > 新闻", "docs": 30, "all_sites": 1, "sites": 1}],
    ...                   "top_spans": [{"text": "关注我们！", "docs": 12, "sites": 4}]})
    ['«首页 > 新闻» 30 docs, 1 site', '«关注我们！» 12 docs, 4 sites (inline)']
    """
    rows = [(b["docs"], b["text"], max(b.get("sites", 0), b.get("all_sites", 0)), "") for b in section.get("top", [])]
    rows += [(b["docs"], b["text"], b.get("sites", 0), " (inline)") for b in section.get("top_spans", [])]
    rows.sort(key=lambda r: (-r[0], r[1]))
    out = []
    for docs, text, sites, kind in rows[:top]:
        text = text if len(text) <= width else text[: width - 1] + "…"
        out.append(f"«{text}» {docs} docs, {sites} site{'s' if sites != 1 else ''}{kind}")
    return out
