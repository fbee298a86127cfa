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
import json
import multiprocessing
import os
import pickle
import secrets
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from . import __version__
from .audit import DROPPED_FILE, EDITS_FILE, PROBLEMS_FILE, dropped_record, edits_record
from .config import Config
from .document import Document
from .io import JSONL_SUFFIXES, SEQ_STEP, Problem, atomic_write, inside, read_folder, safe_relpath
from .report import RunStats
from .stage import describe, is_corpus_stage, write_artifacts

STAGING_PREFIX = ".cleancorpus-tmp-"
REPORT_NAME = "report.json"


class RunError(Exception):
    """A run that cannot start (bad paths, refusal to overwrite); the message is for the user."""


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


def process(segment: Segment, doc: Document) -> list[Processed]:
    """Run a segment's steps on one document; return it, its observed state and timings.

    A step that raises is reported as a warning on the document, and the
    document continues as it was before that step: one bad document or one
    stage bug must not stop a long run.

    A step may split a document: text it moved out of the document and wants
    kept as documents of their own (a second article glued to a page, with the
    rules stage's ``split_blocks``) is left in ``doc.meta["split_blocks"]``.
    Each becomes a document ``ID#2``, ``ID#3``… that runs through the rest of
    the pipeline from the next step on, right after its parent.
    """
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
            text, n_edits, meta = doc.text, len(doc.edits), dict(doc.meta)
            try:
                doc = step.apply(doc)
            except Exception as exc:  # noqa: BLE001 - reported, the run goes on
                doc.text, doc.meta = text, meta
                del doc.edits[n_edits:]
                doc.warn(step.name, f"stage failed, document left as it was: {type(exc).__name__}: {exc}")
            seconds.append(time.perf_counter() - t0)
            pending.extend((child, number + 1) for child in split_off(doc))
        state = None
        if segment.observer is not None and doc.dropped is None:
            t0 = time.perf_counter()
            state = segment.observer.observe(doc)
            seconds.append(time.perf_counter() - t0)
        results.append((doc, state, seconds))
    return results


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
        task.spill_in.unlink()
    seconds = [0.0] * (len(segment.steps) + (segment.observer is not None))
    parked: list[Document] = []
    states: list[Any] = []
    finished: list[Document] = []
    for doc in docs:
        for doc, state, spent in process(segment, doc):
            for i, value in enumerate(spent):
                seconds[i] += value
            if doc.dropped is None and task.spill_out is not None:
                parked.append(doc)
                states.append(state)
            else:
                finished.append(doc)
    if parked:
        assert task.spill_out is not None
        with open(task.spill_out, "wb") as fh:
            pickle.dump(parked, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return ChunkResult(states, finished, len(parked), task.spill_out, seconds)


_SEGMENT: Segment | None = None


def _init_worker(segment: Segment) -> None:
    global _SEGMENT
    _SEGMENT = segment


def _run_task_in_worker(task: Task) -> ChunkResult:
    assert _SEGMENT is not None
    return run_task(_SEGMENT, task)


def chunks(docs: Iterable[Document], size: int = 32, max_chars: int = 2_000_000) -> Iterator[list[Document]]:
    """Group documents into chunks of ``size`` (fewer when they are long)."""
    chunk: list[Document] = []
    chars = 0
    for doc in docs:
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
    bounded however large the input is. One worker runs in this process.
    """
    if workers <= 1:
        for task in tasks:
            yield run_task(segment, task)
        return
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(segment,)) as pool:
        pending: deque[Any] = deque()
        for task in tasks:
            pending.append(pool.apply_async(_run_task_in_worker, (task,)))
            while len(pending) >= 4 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


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
        for message in doc.warnings:
            self.problem(Problem(doc.source or doc.id, doc.meta.get("line"), f"{doc.id}: {message}"), warn)
        if doc.dropped is None and not doc.text:
            doc.drop("write", "empty")
        self.stats.finished(doc)
        if doc.edits:
            self._edits.write(_json_line(edits_record(doc)))
        if doc.dropped is not None:
            self._dropped.write(_json_line(dropped_record(doc)))
            return
        if "txt" in self.formats:
            self._write_txt(doc)
        if "jsonl" in self.formats:
            self._write_shard(doc)

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
        with fh:
            fh.write(doc.text + "\n")

    def _write_shard(self, doc: Document) -> None:
        if self._shard is None or self._shard_count >= self.shard_size:
            if self._shard is not None:
                self._shard.close()
                self._shard_index += 1
            (self.root / "shards").mkdir(exist_ok=True)
            self._shard = open(self.root / "shards" / f"part-{self._shard_index:05d}.jsonl", "w", encoding="utf-8")
            self._shard_count = 0
        self._shard.write(_json_line({"id": doc.id, "text": doc.text, "source": doc.source, "meta": doc.meta}))
        self._shard_count += 1

    def close(self) -> None:
        for fh in (self._edits, self._dropped, self._problems, self._shard):
            if fh is not None:
                fh.close()


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
    if output_dir.exists():
        if not output_dir.is_dir():
            raise RunError(f"{output_dir}: output path exists and is not a folder")
        existing = [p.name for p in output_dir.iterdir() if not p.name.startswith(STAGING_PREFIX)]
        if existing and not force:
            raise RunError(
                f"{output_dir}: output folder is not empty ({len(existing)} entries); "
                "use --force to replace the cleancorpus output in it"
            )


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
        for stale in self.output_dir.glob(STAGING_PREFIX + "*"):
            pid = stale.name[len(STAGING_PREFIX) :].split("-")[0]
            if not (pid.isdigit() and _alive(int(pid))):
                shutil.rmtree(stale, ignore_errors=True)
        self.path.mkdir()
        return self

    def __exit__(self, *exc: Any) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def commit(self) -> None:
        previous = _previous_outputs(self.output_dir)
        produced = sorted(p.name for p in self.path.iterdir() if not p.name.startswith("."))
        trash = self.path / ".replaced"
        trash.mkdir()
        for name in produced:
            target = self.output_dir / name
            if target.exists() or target.is_symlink():
                os.replace(target, trash / name)
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


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    started = time.perf_counter()
    stats = RunStats([s.name for s in stages])
    progress = Progress(config.run.progress)

    with Staging(output_dir) as staging:
        sink = Sink(staging.path, config.run.formats, config.run.shard_size, stats)

        def source() -> Iterator[Document]:
            for item in read_folder(input_dir, config.run.text_field, config.run.id_field):
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
            segment = Segment(steps, observer)
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
