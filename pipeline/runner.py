"""Running a pipeline over a folder: passes, workers, audit routing, atomic output.

The stage list is cut into *segments* at each corpus-level stage::

    [whitespace, repair, normalize, rules, boilerplate*, quality, dedup*]
     \\______________ segment 1 ______________/ \\___ segment 2 ___/  3

Segment 1 reads the input and sends it in chunks to a process pool; a worker
runs the per-document stages and ``boilerplate.observe`` on each document of
its chunk, parks the chunk's documents in a file in the output's staging
folder and returns only their (small) observed states, which stream into
``boilerplate.merge`` in the parent. Segment 2 sends the parked chunks' paths:
a worker loads one, applies ``boilerplate`` with its summary, runs ``quality``,
observes for ``dedup`` and parks the chunk again; segment 3 applies ``dedup``
and returns the documents, which the parent writes. The parent handles a
document's text only when it reads it and when it writes it. Memory holds the
in-flight window of chunks and the corpus stages' compact summaries, never the
corpus.

Order is deterministic: documents are processed in chunks, and results are
consumed in input order whatever the number of workers, so the output of
``--workers 1`` and ``--workers 8`` is byte-identical.

Output goes to a staging folder inside the output folder and is moved into
place only when the run has finished, entry by entry (``corpus/``, ``audit/``,
``report.json``...), each with one rename. A crashed run leaves only its staging
folder, which the next run removes; the previous output stays intact until
then. The staging folder is the unit of atomicity, so files inside it are
written directly.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import json
import os
import pickle
import secrets
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from . import __version__
from .audit import DROPPED_FILE, EDITS_FILE, PROBLEMS_FILE, dropped_record, edits_record
from .config import Config
from .document import Document, Drop
from .io import JSONL_SUFFIXES, QUARANTINE, SEQ_STEP, WARNING, Problem, atomic_write, inside, read_folder, safe_relpath
from .lock import LOCK_NAME, OutputLock
from .report import RunStats
from .stage import describe, is_corpus_stage, write_artifacts
from .workers import OverBudget, Stuck, WorkerPool, beat, budget_timer

STAGING_PREFIX = ".cleancorpus-tmp-"
REPORT_NAME = "report.json"


class RunError(Exception):
    """A run that cannot start (bad paths, refusal to overwrite); the message is for the user."""


class AccountingError(RuntimeError):
    """The run lost or duplicated records: its output is not committed. A bug; the message says what."""


@dataclass(frozen=True)
class Budget:
    """How long one stage may take on one document, and what becomes of a document that overruns.

    ``seconds`` 0 means no limit. A document over budget is passed on unchanged
    by that stage, or with ``quarantine`` taken out of the run into
    ``audit/problems.jsonl`` (text included).
    """

    seconds: float = 0.0
    quarantine: bool = False

    @property
    def hard_limit(self) -> float:
        """When the watchdog replaces a worker: the in-stage timer had its chance (twice over, plus slack).

        >>> Budget(10.0).hard_limit, Budget(0.0).hard_limit
        (25.0, 0.0)
        """
        return 2 * self.seconds + 5 if self.seconds else 0.0


#: ``doc.meta`` key of a quarantined document: the stage it overran (see :class:`Budget`).
QUARANTINED = "quarantined"


# -- steps executed in workers ---------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    """A corpus-level stage's ``apply`` with its summary: a per-document step."""

    stage: Any
    summary: Any

    @property
    def name(self) -> str:
        return self.stage.name

    def apply(self, doc: Document) -> Document:
        return self.stage.apply(doc, self.summary)


@dataclass(frozen=True)
class Segment:
    """Per-document steps, then (optionally) a corpus-level stage to observe."""

    steps: tuple[Any, ...]
    observer: Any | None
    budget: Budget = Budget()


def split_segments(stages: Iterable[Any]) -> list[list[Any]]:
    """Cut the stage list after each corpus-level stage.

    >>> from pipeline.whitespace import Whitespace
    >>> class C:
    ...     name = "c"
    ...     def observe(self, doc): ...
    ...     def merge(self, states): ...
    >>> [[s.name for s in seg] for seg in split_segments([Whitespace(), C(), Whitespace()])]
    [['whitespace', 'c'], ['whitespace']]

    A corpus-level stage at the end still needs a last segment, with no stage
    of its own, in which its ``apply`` runs and the documents are written:

    >>> [[s.name for s in seg] for seg in split_segments([Whitespace(), C()])]
    [['whitespace', 'c'], []]
    """
    segments: list[list[Any]] = [[]]
    for stage in stages:
        segments[-1].append(stage)
        if is_corpus_stage(stage):
            segments.append([])
    return segments


Processed = tuple[Document, Any, list[float]]


#: A step of a document to skip, from a retry after a worker was killed on it: (document, step, why).
Skip = tuple[int, int, str]

#: The state of a document the corpus stage could not observe (it leaves the pipeline early).
_UNOBSERVED = object()


def process(segment: Segment, doc: Document, doc_index: int = -1, skip: dict[int, str] | None = None) -> list[Processed]:
    """Run a segment's steps on one document; return it, its observed state and timings.

    A step that raises is reported as a warning on the document, and the
    document continues as it was before that step: one bad document or one
    stage bug must not stop a long run. So does a step that runs past the
    budget (``segment.budget``), or one the watchdog stopped before (``skip``:
    step number → why, for this document, ``doc_index`` in its task).

    A step may split a document: text it moved out of the document and wants
    kept as documents of their own (a second article glued to a page, with the
    rules stage's ``split_blocks``) is left in ``doc.meta["split_blocks"]``.
    Each becomes a document ``ID#2``, ``ID#3``… that runs through the rest of
    the pipeline from the next step on, right after its parent.
    """
    skip = skip or {}
    results: list[Processed] = []
    pending: list[tuple[Document, int]] = [(doc, 0)]
    while pending:
        doc, first_step = pending.pop(0)
        seconds: list[float] = [0.0] * first_step
        for number in range(first_step, len(segment.steps)):
            step = segment.steps[number]
            if doc.dropped is not None:
                seconds.append(0.0)
                continue
            t0 = time.perf_counter()
            if number in skip:
                _over_budget(doc, step.name, skip[number], segment.budget)
            else:
                doc = _run_step(step.apply, step.name, doc, segment.budget, doc_index, number)
            seconds.append(time.perf_counter() - t0)
            pending.extend((child, number + 1) for child in split_off(doc))
        state = None
        if segment.observer is not None and doc.dropped is None:
            t0 = time.perf_counter()
            state = _observe(segment, doc, doc_index, skip.get(len(segment.steps)))
            seconds.append(time.perf_counter() - t0)
        results.append((doc, state, seconds))
    beat(-1, -1)
    return results


def _run_step(apply: Callable[[Document], Document], name: str, doc: Document, budget: Budget,
              doc_index: int, number: int) -> Document:
    """One step on one document, within the budget; a failure leaves the document as it was."""
    text, n_edits, meta = doc.text, len(doc.edits), dict(doc.meta)
    beat(doc_index, number)
    try:
        with budget_timer(budget.seconds):
            return apply(doc)
    except OverBudget:
        _restore(doc, text, n_edits, meta)
        _over_budget(doc, name, f"stopped after {budget.seconds:g} s (the stage budget)", budget)
    except Exception as exc:  # noqa: BLE001 - reported, the run goes on
        _restore(doc, text, n_edits, meta)
        doc.warn(name, f"stage failed, document left as it was: {type(exc).__name__}: {exc}")
    return doc


def _restore(doc: Document, text: str, n_edits: int, meta: dict[str, Any]) -> None:
    doc.text, doc.meta = text, meta
    del doc.edits[n_edits:]


def _over_budget(doc: Document, stage: str, why: str, budget: Budget) -> None:
    """Record a document a stage could not finish in time: passed on unchanged, or quarantined."""
    fate = "quarantined" if budget.quarantine else "passed on unchanged by this stage"
    doc.warn(stage, f"{why} on a document of {len(doc.text):,} characters; {fate}")
    if budget.quarantine:
        doc.meta[QUARANTINED] = stage
        doc.dropped = Drop(stage, "quarantined", {})  # so no later step runs on it


def _observe(segment: Segment, doc: Document, doc_index: int, skipped: str | None) -> Any:
    """The corpus stage's observed state, or :data:`_UNOBSERVED` when observing failed or overran."""
    observer = segment.observer
    assert observer is not None
    if skipped is not None:
        doc.warn(observer.name, f"{skipped}; not observed, written without the remaining stages")
        return _UNOBSERVED
    box: list[Any] = []
    marker = len(doc.warnings)
    _run_step(lambda d: box.append(observer.observe(d)) or d, observer.name, doc, segment.budget,
              doc_index, len(segment.steps))
    if box and len(doc.warnings) == marker:
        return box[0]
    if not box and len(doc.warnings) == marker:  # pragma: no cover - _run_step always warns on failure
        doc.warn(observer.name, "not observed")
    if QUARANTINED not in doc.meta:
        doc.warnings[-1] += "; not observed, written without the remaining stages"
    return _UNOBSERVED


#: Where a stage leaves the texts it split out of a document (see :func:`process`).
SPLIT_KEY = "split_blocks"


def split_off(doc: Document) -> list[Document]:
    """The documents a step split out of ``doc`` (``ID#2``, ``ID#3``…), taken out of its meta.

    >>> parent = Document("a.txt", "正文。", meta={"split_blocks": ["另一篇文章。"]})
    >>> [(d.id, d.text, d.meta) for d in split_off(parent)], parent.meta
    ([('a.txt#2', '另一篇文章。', {'split_from': 'a.txt'})], {'split_count': 2})
    """
    texts = doc.meta.pop(SPLIT_KEY, None) or []
    taken = doc.meta.get("split_count", 1)
    children = []
    for number, text in enumerate(texts, taken + 1):
        meta: dict[str, Any] = {"split_from": doc.id}
        if "line" in doc.meta:
            meta["line"] = doc.meta["line"]
        # between the parent and the next document read (io.SEQ_STEP apart)
        seq = doc.seq + min(number - 1, SEQ_STEP - 1)
        children.append(Document(f"{doc.id}#{number}", text, doc.source, seq, meta))
    if texts:
        doc.meta["split_count"] = taken + len(texts)
    return children


@dataclass(frozen=True)
class Task:
    """One chunk of work for a worker.

    The first pass sends the documents themselves (``docs``); later passes send
    only the path of a chunk the previous pass parked on disk (``spill_in``).
    With ``spill_out`` set (a corpus-level stage follows), the worker parks the
    surviving documents there itself and returns only their observed states:
    the parent never has to unpickle, re-pickle and ship documents it does not
    write. Without it, the survivors come back to be written.
    """

    docs: list[Document] | None = None
    spill_in: Path | None = None
    spill_out: Path | None = None
    skip: tuple[Skip, ...] = ()  # steps of documents the watchdog stopped before (see retry_task)


@dataclass
class ChunkResult:
    """What a worker sends back for a task."""

    states: list[Any]  # observed states of the parked documents, in order
    finished: list[Document]  # documents leaving the pipeline here (dropped, or all in the last pass)
    parked: int  # documents written to ``parked_at``
    parked_at: Path | None
    seconds: list[float]  # per step (and observer) of the segment, summed over the chunk


def run_task(segment: Segment, task: Task) -> ChunkResult:
    """Run a segment over one chunk: load, process every document, park or return."""
    if task.docs is not None:
        docs = task.docs
    else:
        assert task.spill_in is not None
        with open(task.spill_in, "rb") as fh:
            docs = pickle.load(fh)
    seconds = [0.0] * (len(segment.steps) + (segment.observer is not None))
    parked: list[Document] = []
    states: list[Any] = []
    finished: list[Document] = []
    skips = _skips_by_document(task.skip)
    for index, doc in enumerate(docs):
        for doc, state, spent in process(segment, doc, index, skips.get(index)):
            for i, value in enumerate(spent):
                seconds[i] += value
            if doc.dropped is None and task.spill_out is not None and state is not _UNOBSERVED:
                parked.append(doc)
                states.append(state)
            else:
                finished.append(doc)
    if parked:
        assert task.spill_out is not None
        with open(task.spill_out, "wb") as fh:
            pickle.dump(parked, fh, protocol=pickle.HIGHEST_PROTOCOL)
    if task.spill_in is not None:  # only now: a task whose worker was killed is run again from it
        task.spill_in.unlink()
    return ChunkResult(states, finished, len(parked), task.spill_out, seconds)


def _skips_by_document(skip: tuple[Skip, ...]) -> dict[int, dict[int, str]]:
    """
    >>> _skips_by_document(((3, 1, "stuck"), (3, 4, "died")))
    {3: {1: 'stuck', 4: 'died'}}
    """
    by_doc: dict[int, dict[int, str]] = {}
    for doc_index, step_index, why in skip:
        by_doc.setdefault(doc_index, {})[step_index] = why
    return by_doc


def retry_task(task: Task, stuck: Stuck) -> Task | None:
    """The task again with the step its worker was stopped in skipped for that document; None if it was already.

    >>> retry_task(Task(), Stuck(2, 5, "died")).skip
    ((2, 5, 'died'),)
    >>> retry_task(Task(skip=((2, 5, "died"),)), Stuck(2, 5, "died again")) is None
    True
    """
    if any((d, s) == (stuck.doc_index, stuck.step_index) for d, s, _ in task.skip):
        return None
    return dataclasses.replace(task, skip=task.skip + ((stuck.doc_index, stuck.step_index, stuck.why),))


def chunks(docs: Iterable[Document], size: int = 32, max_chars: int = 2_000_000) -> Iterator[list[Document]]:
    """Group documents into chunks of ``size`` (fewer when they are long).

    A document that would take a chunk past ``max_chars`` starts a new one, so
    a huge record travels alone and the small ones before it are not held up
    behind it in its worker.

    >>> [len(c) for c in chunks([Document(str(i), "x" * n) for i, n in enumerate([1, 1, 9, 1])], max_chars=5)]
    [2, 1, 1]
    """
    chunk: list[Document] = []
    chars = 0
    for doc in docs:
        if chunk and chars + len(doc.text) > max_chars:
            yield chunk
            chunk, chars = [], 0
        chunk.append(doc)
        chars += len(doc.text)
        if len(chunk) >= size or chars >= max_chars:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def execute(segment: Segment, tasks: Iterable[Task], workers: int) -> Iterator[ChunkResult]:
    """Run a segment over tasks, results in task order, with at most a window in flight.

    ``multiprocessing.Pool.imap`` would read the whole input into its task
    queue; here at most ``4 * workers`` tasks are outstanding, so memory stays
    bounded however large the input is. A worker stuck past the budget's hard
    limit, or one that dies, is replaced and its task re-run without the step
    it was in for that document (:mod:`pipeline.workers`). One worker runs in
    this process (the budget's timer applies; the watchdog cannot).
    """
    if workers <= 1:
        for task in tasks:
            yield run_task(segment, task)
        return
    with WorkerPool(functools.partial(run_task, segment), workers, retry_task, segment.budget.hard_limit) as pool:
        yield from pool.map(tasks)


# -- output ----------------------------------------------------------------------------------


def corpus_path(doc: Document) -> PurePosixPath:
    """Where a document's text goes under ``corpus/``.

    A .txt document keeps its relative path. A JSONL record goes under a folder
    named after its file (``data/a.jsonl`` → ``data/a/``), named by its id, or by
    its line number when it has none.
    """
    if "line" not in doc.meta:
        return safe_relpath(doc.id)
    source = doc.source
    for suffix in JSONL_SUFFIXES[::-1]:  # ".jsonl.gz" before ".jsonl"
        if source.endswith(suffix):
            source = source[: -len(suffix)]
            break
    own_id = doc.id != f"{doc.source}:{doc.meta['line']}"
    return safe_relpath(source, folder=True) / safe_relpath(doc.id if own_id else str(doc.meta["line"]))


class Sink:
    """Writes finished documents: the corpus, the audit, the report counts."""

    def __init__(self, root: Path, formats: tuple[str, ...], shard_size: int, stats: RunStats) -> None:
        self.root = root
        self.formats = formats
        self.shard_size = shard_size
        self.stats = stats
        (root / "audit").mkdir(parents=True)
        self._edits = open(root / EDITS_FILE, "w", encoding="utf-8")
        self._dropped = open(root / DROPPED_FILE, "w", encoding="utf-8")
        self._problems = open(root / PROBLEMS_FILE, "w", encoding="utf-8")
        self._folders: set[Path] = set()
        self._shard: IO[str] | None = None
        self._shard_index = 0
        self._shard_count = 0

    def problem(self, problem: Problem, warn: Callable[[str], None]) -> None:
        self.stats.problem(problem)
        self._problems.write(_json_line(problem.to_json()))
        warn(str(problem))

    def finish(self, doc: Document, warn: Callable[[str], None]) -> None:
        """Write a document where it ends: the corpus, dropped.jsonl or (quarantined) problems.jsonl.

        Whatever goes wrong with one document (a value that is not JSON, a path
        the file system refuses) sends it to problems.jsonl and the run goes
        on; only a fault of the output itself (disk full, permissions, an I/O
        error) ends the run, since no later document could be written either.
        """
        where = doc.source or doc.id
        for message in doc.warnings:
            self.problem(Problem(where, doc.meta.get("line"), f"{doc.id}: {message}", WARNING), warn)
        if doc.dropped is None and not doc.text:
            doc.drop("write", "empty")
        try:
            edits = _json_line(edits_record(doc)) if doc.edits else ""
            if QUARANTINED in doc.meta:
                self._quarantine(doc, edits, warn)
                return
            dropped = _json_line(dropped_record(doc)) if doc.dropped is not None else ""
            shard = _json_line(_shard_record(doc)) if doc.dropped is None and "jsonl" in self.formats else ""
            if doc.dropped is None and "txt" in self.formats:
                self._write_txt(doc)
        except (TypeError, ValueError, RecursionError, OSError) as exc:
            if isinstance(exc, OSError) and not _document_fault(exc):
                raise
            self.stats.quarantined(doc)
            message = f"{doc.id}: cannot be written: {type(exc).__name__}: {exc}"
            self.problem(Problem(where, doc.meta.get("line"), message, QUARANTINE), warn)
            return
        self.stats.finished(doc)
        self._edits.write(edits)
        self._dropped.write(dropped)
        if shard:
            self._write_shard(shard)

    def _quarantine(self, doc: Document, edits: str, warn: Callable[[str], None]) -> None:
        """A document taken out of the run (over budget): its text goes to problems.jsonl, a record's end."""
        problem = Problem(doc.source or doc.id, doc.meta.get("line"),
                          f"{doc.id}: quarantined by {doc.meta[QUARANTINED]}", QUARANTINE)
        line = _json_line({**problem.to_json(), "id": doc.id, "text": doc.text})
        self.stats.quarantined(doc)
        self.stats.problem(problem)
        self._edits.write(edits)
        self._problems.write(line)
        warn(str(problem))

    def _write_txt(self, doc: Document) -> None:
        # No temp-file-and-rename per document: the whole staging folder is the
        # unit of atomicity, and a million mkstemp calls cost more than cleaning.
        rel = corpus_path(doc)
        folder = self.root / "corpus" / rel.parent
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        name, n = rel.name, 2
        while True:
            try:
                fh = open(folder / name, "x", encoding="utf-8", newline="\n")
                break
            except FileExistsError:  # two documents claiming one file: number the later ones
                name = f"{rel.stem}~{n}{rel.suffix}"
                n += 1
        try:
            with fh:
                fh.write(doc.text + "\n")
        except BaseException:
            (folder / name).unlink(missing_ok=True)  # never half a document in the corpus
            raise

    def _write_shard(self, line: str) -> None:
        if self._shard is None or self._shard_count >= self.shard_size:
            if self._shard is not None:
                self._shard.close()
                self._shard_index += 1
            (self.root / "shards").mkdir(exist_ok=True)
            self._shard = open(self.root / "shards" / f"part-{self._shard_index:05d}.jsonl", "w", encoding="utf-8")
            self._shard_count = 0
        self._shard.write(line)
        self._shard_count += 1

    def close(self) -> None:
        for fh in (self._edits, self._dropped, self._problems, self._shard):
            if fh is not None:
                fh.close()


def _shard_record(doc: Document) -> dict[str, Any]:
    return {"id": doc.id, "text": doc.text, "source": doc.source, "meta": doc.meta}


#: OSError numbers that concern one document's path, not the output as a whole.
_PATH_ERRORS = frozenset({errno.ENAMETOOLONG, errno.EILSEQ, errno.EINVAL, errno.ENOTDIR, errno.EISDIR})


def _document_fault(exc: OSError) -> bool:
    """True for an error writing one document that the next document need not share.

    >>> _document_fault(OSError(errno.ENAMETOOLONG, "File name too long")), _document_fault(OSError(errno.ENOSPC, "full"))
    (True, False)
    """
    return exc.errno in _PATH_ERRORS


# Characters str.splitlines() and many JSONL readers take for line breaks, which
# json.dumps(ensure_ascii=False) leaves raw inside strings: escape them so one
# record is always exactly one line.
_LINE_BREAKS = (("\x85", "\\u0085"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def _json_line(record: dict[str, Any]) -> str:
    """One JSONL record: UTF-8 text kept readable, every line-break character escaped.

    >>> _json_line({"t": "好\u2028的"})
    '{"t": "好\\\\u2028的"}\\n'
    """
    line = json.dumps(record, ensure_ascii=False, default=_json_default)
    for char, escaped in _LINE_BREAKS:
        if char in line:  # rare: a scan is much cheaper than str.translate
            line = line.replace(char, escaped)
    return line + "\n"


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# -- the output folder -----------------------------------------------------------------------


def check_paths(input_path: Path, output_dir: Path, force: bool) -> None:
    """Refuse runs that would read garbage or destroy something.

    The input is a folder or a single file; the output folder may not lie
    inside an input folder (the next run would read our output as input) nor
    contain the input (replacing the output would delete it).
    """
    if not input_path.exists():
        raise RunError(f"{input_path}: input not found")
    if input_path.is_dir() and inside(output_dir, input_path):
        raise RunError(f"{output_dir}: the output folder may not be inside the input folder {input_path}")
    if inside(input_path, output_dir):
        raise RunError(f"{output_dir}: the output folder may not contain the input {input_path}")
    blocker = _file_in_the_way(output_dir)
    if blocker is not None:
        raise RunError(f"{output_dir}: cannot create the output folder: {blocker} is a file, not a folder")
    if output_dir.exists():
        if not output_dir.is_dir():
            raise RunError(f"{output_dir}: output path exists and is not a folder")
        existing = [p.name for p in output_dir.iterdir() if not p.name.startswith(STAGING_PREFIX) and p.name != LOCK_NAME]
        if existing and not force:
            raise RunError(
                f"{output_dir}: output folder is not empty ({len(existing)} entries); "
                "use --force to replace the cleancorpus output in it"
            )


def _file_in_the_way(output_dir: Path) -> Path | None:
    """The nearest existing ancestor of ``output_dir`` when it is not a folder (``-o notes.txt/out``)."""
    for parent in output_dir.absolute().parents:
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


class Staging:
    """A private folder inside the output folder; moved into place on commit.

    On commit, each top-level entry of the staging folder replaces the entry of
    the same name in the output folder, and the entries a previous cleancorpus
    run listed in its report (and this run no longer writes) are removed. Files
    the user put there are never touched.
    """

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir
        self.path = output_dir / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"

    def __enter__(self) -> Staging:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        # The run holds the output folder's lock (pipeline.lock), so every other
        # staging folder is a crashed run's, whatever its pid (pids are reused).
        for stale in self.output_dir.glob(STAGING_PREFIX + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        self.path.mkdir()
        return self

    def __exit__(self, *exc: Any) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def commit(self) -> None:
        """Move the entries into place; ``report.json`` goes first (the old) and last (the new).

        The report is what says an output is finished: a run killed halfway
        through the renames leaves a folder with no report.json, never a mix
        of two runs presented as one.
        """
        previous = _previous_outputs(self.output_dir)
        produced = sorted(p.name for p in self.path.iterdir() if not p.name.startswith("."))
        produced.sort(key=lambda name: name == REPORT_NAME)  # stable: the report last
        trash = self.path / ".replaced"
        trash.mkdir()
        report = self.output_dir / REPORT_NAME
        if report.exists() or report.is_symlink():
            os.replace(report, trash / REPORT_NAME)
        for name in produced:
            checkpoint("commit")
            target = self.output_dir / name
            if target.exists() or target.is_symlink():
                os.replace(target, trash / (name if name != REPORT_NAME else REPORT_NAME + ".new"))
            os.replace(self.path / name, target)
        for name in previous - set(produced):
            target = self.output_dir / name
            if target.exists() and "/" not in name and name not in ("", ".", ".."):
                os.replace(target, trash / name)


def _previous_outputs(output_dir: Path) -> set[str]:
    try:
        with open(output_dir / REPORT_NAME, encoding="utf-8") as fh:
            report = json.load(fh)
        if report.get("tool") == "cleancorpus":
            return set(report.get("outputs", []))
    except (OSError, ValueError, AttributeError):
        pass
    return set()


# -- progress ------------------------------------------------------------------------------------


class Progress:
    """A one-line, self-overwriting status on a terminal; silent otherwise."""

    def __init__(self, enabled: bool, stream: IO[str] = sys.stderr) -> None:
        self.enabled = enabled and stream.isatty()
        self.stream = stream
        self._last = 0.0
        self._start = time.monotonic()

    def update(self, label: str, count: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.25:
            return
        self._last = now
        rate = count / max(now - self._start, 1e-9)
        self.stream.write(f"\r{label}: {count:,} documents ({rate:,.0f}/s)\x1b[K")
        self.stream.flush()

    def start(self) -> None:
        self._start = time.monotonic()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


# -- the run ---------------------------------------------------------------------------------------


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _stderr(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def run_pipeline(
    input_dir: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    config: Config | None = None,
    *,
    stages: list[Any] | None = None,
    force: bool = False,
    warn: Callable[[str], None] = _stderr,
) -> dict[str, Any]:
    """Clean every document under ``input_dir`` (a folder or one file) into ``output_dir``.

    Returns the run report (also written to ``output_dir/report.json``).

    ``stages`` overrides the configured stage list with ready-made stage
    objects (for library use). Raises :class:`RunError` before touching
    anything when the paths are unsafe.
    """
    config = config or Config()
    stages = list(stages) if stages is not None else config.build_stages()
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    check_paths(input_dir, output_dir, force)
    workers = config.run.workers or default_workers()
    budget = Budget(config.run.stage_budget, config.run.over_budget == "quarantine")
    started = time.perf_counter()
    stats = RunStats([s.name for s in stages])
    progress = Progress(config.run.progress)
    arm_checkpoints()

    output_dir.mkdir(parents=True, exist_ok=True)
    with OutputLock(output_dir), Staging(output_dir) as staging:
        sink = Sink(staging.path, config.run.formats, config.run.shard_size, stats)

        def source() -> Iterator[Document]:
            for item in read_folder(input_dir, config.run.text_field, config.run.id_field):
                checkpoint("read")
                if isinstance(item, Problem):
                    sink.problem(item, warn)
                else:
                    stats.read(item)
                    yield item

        tasks: Iterable[Task] = (Task(docs=chunk) for chunk in chunks(source()))
        carried: tuple[Any, ...] = ()  # bound applies of the corpus stages seen so far
        segments = split_segments(stages)
        for number, seg_stages in enumerate(segments, 1):
            observer = seg_stages[-1] if seg_stages and is_corpus_stage(seg_stages[-1]) else None
            steps = carried + tuple(seg_stages[:-1] if observer else seg_stages)
            segment = Segment(steps, observer, budget)
            names = [s.name for s in steps] + ([observer.name] if observer else [])
            parked: list[Path] = []
            if observer is not None:
                tasks = _parking(tasks, staging.path / f".pass-{number}")
            results = execute(segment, tasks, workers)
            progress.start()
            states = _collect(results, parked, sink, stats, names, warn, progress, f"pass {number}/{len(segments)}")
            if observer is None:
                for _ in states:  # the last pass: every document is finished, none observed
                    pass
                break
            summary = observer.merge(states)
            for _ in states:
                raise RuntimeError(f"stage {observer.name!r}: merge() did not consume every state")
            stats.sections[observer.name] = describe(observer, summary)
            write_artifacts(observer, summary, staging.path)
            carried = (Bound(observer, summary),)
            tasks = (Task(spill_in=path) for path in parked)
        progress.done()
        sink.close()
        check_accounting(stats)

        wall = time.perf_counter() - started
        report = {
            "tool": "cleancorpus",
            "version": __version__,
            "pipeline": [s.name for s in stages],
            **stats.to_json(wall, workers),
        }
        report["outputs"] = sorted([p.name for p in staging.path.iterdir() if not p.name.startswith(".")] + [REPORT_NAME])
        with atomic_write(staging.path / REPORT_NAME) as fh:
            json.dump(report, fh, ensure_ascii=False, indent=2, default=_json_default)
            fh.write("\n")
        staging.commit()
    return report


def check_accounting(stats: RunStats) -> None:
    """Fail loudly, before anything is committed, when records were lost or counted twice."""
    accounting = stats.accounting()
    if not accounting.balanced:
        raise AccountingError(f"the accounting does not balance: {accounting}; the output was not committed")


# -- the fault test's kill points -------------------------------------------------------------------

#: ``POINT:N`` (e.g. ``pass2:3``) makes a run kill itself with SIGKILL the Nth time it
#: passes POINT (``read``, ``pass1``…, ``commit``): how tests/test_faults.py crashes a
#: run at a chosen place of every pass. Unset in normal runs; then a checkpoint costs
#: one comparison.
KILL_AT_ENV = "CLEANCORPUS_TEST_KILL_AT"
_kill_at: list[Any] = [None, 0]  # [point, passes left]


def arm_checkpoints() -> None:
    spec = os.environ.get(KILL_AT_ENV, "")
    point, _, count = spec.partition(":")
    _kill_at[:] = [point or None, int(count) if count.isdigit() else 1]


def checkpoint(point: str) -> None:
    if point == _kill_at[0]:
        _kill_at[1] -= 1
        if _kill_at[1] <= 0:
            os.kill(os.getpid(), signal.SIGKILL)


def _parking(tasks: Iterable[Task], folder: Path) -> Iterator[Task]:
    """The same tasks, each told where to park its surviving documents."""
    folder.mkdir()
    for number, task in enumerate(tasks):
        yield dataclasses.replace(task, spill_out=folder / f"{number:08d}.pickle")


def _collect(
    results: Iterator[ChunkResult],
    parked: list[Path],
    sink: Sink,
    stats: RunStats,
    names: list[str],
    warn: Callable[[str], None],
    progress: Progress,
    label: str,
) -> Iterator[Any]:
    """Finish the documents that leave here, note parked chunks, stream states to ``merge``."""
    count = 0
    for result in results:
        checkpoint(label.split("/")[0].replace(" ", ""))
        stats.add_seconds(_timings(names, result.seconds))
        for doc in result.finished:
            sink.finish(doc, warn)
        if result.parked_at is not None and result.parked:
            parked.append(result.parked_at)
        count += len(result.finished) + result.parked
        progress.update(label, count)
        yield from result.states


def _timings(names: list[str], seconds: list[float]) -> dict[str, float]:
    return dict(zip(names, seconds))
