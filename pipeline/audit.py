"""The audit files beside the corpus: how edits and drops are stored and read back.

``audit/edits.jsonl`` has one line per changed document::

    {"id": "001.txt", "source": "001.txt",
     "edits": [["normalize", "punctuation_width", [[18, 19, ",", "，"], [40, 41, ":", "："]]],
               ["rules", "ads.gambling_inline", [[97, 133, "时时彩…送888元，", ""]]]]}

``edits`` is the document's edit log in the order it was applied, with
consecutive edits of the same stage and rule sharing one ``[stage, rule,
spans]`` group; each span is ``[start, end, before, after]`` in the text as it
stood just before that edit. Grouping keeps the file about a quarter of the
size of one object per edit: a Chinese page can carry hundreds of punctuation
fixes. ``replay(original, read_edits(...))`` gives the corpus text.

``audit/dropped.jsonl`` has one line per dropped document::

    {"id": "b.txt", "source": "b.txt", "stage": "dedup", "reason": "near_duplicate",
     "details": {"survivor": "a.txt", "similarity": 0.91}, "text": "..."}

``audit/problems.jsonl``: ``{"source", "line", "message"}`` per input problem
or per-document warning.

Records are read by splitting on ``\\n`` only: the writer escapes every other
character that some readers take for a line break.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .document import Document, Edit

EDITS_FILE = "audit/edits.jsonl"
DROPPED_FILE = "audit/dropped.jsonl"
PROBLEMS_FILE = "audit/problems.jsonl"


def group_edits(edits: Iterable[Edit]) -> list[list[Any]]:
    """An edit log in the stored form: runs of the same stage and rule grouped.

    >>> group_edits([Edit("s", "r", 0, 1, "a", "b"), Edit("s", "r", 2, 3, "c", ""), Edit("t", "q", 0, 0, "", "x")])
    [['s', 'r', [[0, 1, 'a', 'b'], [2, 3, 'c', '']]], ['t', 'q', [[0, 0, '', 'x']]]]
    """
    groups: list[list[Any]] = []
    for e in edits:
        if not groups or groups[-1][0] != e.stage or groups[-1][1] != e.rule:
            groups.append([e.stage, e.rule, []])
        groups[-1][2].append([e.start, e.end, e.before, e.after])
    return groups


def ungroup_edits(groups: Iterable[list[Any]]) -> list[Edit]:
    """The edit log back from its stored form.

    >>> edits = [Edit("s", "r", 0, 1, "a", "b"), Edit("t", "q", 0, 0, "", "x")]
    >>> ungroup_edits(group_edits(edits)) == edits
    True
    """
    return [Edit(stage, rule, *span) for stage, rule, spans in groups for span in spans]


def edits_record(doc: Document) -> dict[str, Any]:
    """The ``edits.jsonl`` record of a document, with the evidence stages gave for their removals.

    ``evidence`` (present when a stage recorded any, see :func:`pipeline.removals.decide`)
    lists why a block ended where it did or why a long span was kept.
    """
    record = {"id": doc.id, "source": doc.source, "edits": group_edits(doc.edits)}
    if doc.meta.get("evidence"):
        record["evidence"] = doc.meta["evidence"]
    return record


def dropped_record(doc: Document) -> dict[str, Any]:
    """The ``dropped.jsonl`` record of a dropped document (its text included)."""
    assert doc.dropped is not None
    return {"id": doc.id, "source": doc.source, **doc.dropped.to_json(), "text": doc.text}


def _records(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8", newline="\n") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def read_edits(output_dir: str | Path) -> Iterator[tuple[str, list[Edit]]]:
    """``(document id, edit log)`` for every changed document of a run."""
    for record in _records(Path(output_dir) / EDITS_FILE):
        yield record["id"], ungroup_edits(record["edits"])


def read_dropped(output_dir: str | Path) -> Iterator[dict[str, Any]]:
    """Every dropped document's record (id, source, stage, reason, details, text)."""
    yield from _records(Path(output_dir) / DROPPED_FILE)


def read_problems(output_dir: str | Path) -> Iterator[dict[str, Any]]:
    """Every input problem and per-document warning of a run."""
    yield from _records(Path(output_dir) / PROBLEMS_FILE)
