"""The two kinds of stage, and the contract every stage keeps.

A **per-document stage** is a small, picklable object with a ``name`` and an
``apply(doc) -> doc`` method. It changes ``doc`` only through
``doc.replace/sub/rewrite`` (so every change is logged), records facts in
``doc.meta``, or drops the document with ``doc.drop(stage, reason)``. It must not
keep state between documents: the runner may call it in any worker process.

A **corpus-level stage** needs to see the whole corpus before it can decide
about one document (boilerplate statistics, deduplication). It runs as
map / reduce / map:

* ``observe(doc) -> state``: per document, in a worker; returns a *compact*
  picklable state (a few hashes, a signature), never the document itself;
* ``merge(states) -> summary``: in one process, streaming over the states in
  input order; memory is bounded by the stage's compact summary, not by the
  corpus;
* ``apply(doc, summary) -> doc``: per document, in a worker, in a second pass.

Optional hooks on a corpus-level stage:

* ``describe(summary) -> dict``: facts for the run report (top boilerplate
  blocks, clusters);
* ``write_artifacts(summary, directory)``: extra files in the output folder
  (a dedup index), written with :func:`pipeline.io.atomic_write`.

Nothing here depends on how the runner executes the calls, so a distributed
engine (Ray, Spark) can run the same stage objects unchanged: map ``observe``
over partitions, ``merge`` the states, broadcast the summary, map ``apply``.

Stages are plain dataclasses whose fields are their parameters; the TOML config
table of the same name fills them (see :mod:`pipeline.config`). Anything costly
to build (a converter, compiled rules) is built lazily per process, e.g. behind
``functools.cache``, so a stage pickles small.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

from .document import Document

State = TypeVar("State")
Summary = TypeVar("Summary")


@runtime_checkable
class Stage(Protocol):
    """A per-document stage."""

    name: ClassVar[str]

    def apply(self, doc: Document) -> Document: ...


@runtime_checkable
class CorpusStage(Protocol[State, Summary]):
    """A corpus-level stage: observe every document, merge, then apply."""

    name: ClassVar[str]

    def observe(self, doc: Document) -> State: ...

    def merge(self, states: Iterable[State]) -> Summary: ...

    def apply(self, doc: Document, summary: Summary) -> Document: ...


def is_corpus_stage(stage: object) -> bool:
    """True for a stage that needs the observe/merge/apply passes."""
    return hasattr(stage, "observe") and hasattr(stage, "merge")


def describe(stage: object, summary: Any) -> dict[str, Any]:
    """The stage's report section, or ``{}`` when it has none."""
    hook = getattr(stage, "describe", None)
    return hook(summary) if hook else {}


def write_artifacts(stage: object, summary: Any, directory: Path) -> None:
    """Let a corpus-level stage write its extra output files, if it has any."""
    hook = getattr(stage, "write_artifacts", None)
    if hook:
        hook(summary, directory)
