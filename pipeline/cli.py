"""The ``cleancorpus`` command: a thin layer over :mod:`pipeline`.

Every subcommand parses its options, calls one library function and prints
the result; nothing here decides anything a library user could not.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import sys
from collections.abc import Callable
from itertools import takewhile
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .config import Config, ConfigError, build, load_config
from .document import Document
from .io import UndecodableError, decode_bytes, read_regular
from .audit import read_dropped
from .dedup import CLUSTERS_FILE, TEXT_STAGES, Dedup, clusters_with, masked_texts, read_clusters
from .dedup_command import deduplicate
from .dedup import explain as dedup_explain
from .dedup_index import IndexRefused, check_index
from .lock import OutputLocked
from .explain_rules import explain, legend, render
from .spam import explain as spam_explain
from .report import summary
from .rules import ExampleResult, RuleError, Rules, apply_rules, builtin_rules_dir, check_rule, load_rules
from .runner import AccountingError, RunError, run_pipeline
from .stage import is_corpus_stage
from .stages import AVAILABLE
from .workers import WorkerFailure


# Exit statuses, listed in the README ("Exit codes"): a script can tell a fault
# of its environment (disk full, permissions) from bad arguments or a bug.
EXIT_OK = 0
EXIT_CHECK_FAILED = 1  # `rules test`: an example failed
EXIT_USAGE = 2  # bad arguments, config or paths; a refusal to overwrite
EXIT_LOCKED = 3  # another run holds the output folder
EXIT_INDEX = 4  # an --against index that is damaged, foreign or built with other parameters
EXIT_DISK_FULL = 5  # no space left (or quota exceeded) writing the output
EXIT_PERMISSION = 6  # permission denied, or a read-only file system
EXIT_OS = 7  # another operating-system error (an I/O error...)
EXIT_INTERNAL = 70  # a bug: records unaccounted for, a worker failing outside any document
EXIT_INTERRUPTED = 130  # ^C

#: Set to print the traceback of an internal error (for a bug report).
TRACEBACK_ENV = "CLEANCORPUS_TRACEBACK"


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One clear line on stderr, then exit (status 2 unless told otherwise)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


_OS_CODES = {
    errno.ENOSPC: (EXIT_DISK_FULL, "disk full"),
    errno.EDQUOT: (EXIT_DISK_FULL, "disk quota exceeded"),
    errno.EACCES: (EXIT_PERMISSION, "permission denied"),
    errno.EPERM: (EXIT_PERMISSION, "operation not permitted"),
    errno.EROFS: (EXIT_PERMISSION, "read-only file system"),
}


def os_error_line(exc: OSError, output: Path | None = None) -> tuple[int, str]:
    """The exit status and the one line for an operating-system error (``output`` when it names no file).

    >>> os_error_line(OSError(errno.ENOSPC, "No space left on device", "out/x.txt"))
    (5, 'out/x.txt: No space left on device (disk full); the previous output is untouched')
    >>> os_error_line(OSError(errno.EACCES, "Permission denied"), Path("out"))[1]
    'out: Permission denied; the previous output is untouched'
    """
    code, _ = _OS_CODES.get(exc.errno or 0, (EXIT_OS, ""))
    where = exc.filename if exc.filename is not None else (output or "output")
    what = exc.strerror or str(exc)
    hint = _OS_CODES.get(exc.errno or 0, (0, ""))[1]
    label = f" ({hint})" if hint and hint.lower() != what.lower() else ""
    return code, f"{where}: {what}{label}; the previous output is untouched"


def _guarded(action: Callable[[], Any], output: Path | None = None) -> Any:
    """Run a command's work; turn every failure into one line and its exit status, never a traceback."""
    try:
        return action()
    except (ConfigError, RunError) as exc:
        _fail(str(exc))
    except OutputLocked as exc:
        _fail(str(exc), EXIT_LOCKED)
    except IndexRefused as exc:
        _fail(str(exc), EXIT_INDEX)
    except OSError as exc:
        _fail(*reversed(os_error_line(exc, output)))
    except KeyboardInterrupt:
        _fail("interrupted; the previous output is untouched", EXIT_INTERRUPTED)
    except (AccountingError, WorkerFailure) as exc:
        _fail(f"{exc} (a bug: please report it)", EXIT_INTERNAL)
    except Exception as exc:  # noqa: BLE001 - a bug: still one line, the traceback on request
        if os.environ.get(TRACEBACK_ENV):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (a bug: please report it; "
              f"{TRACEBACK_ENV}=1 shows the traceback)", EXIT_INTERNAL)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="cleancorpus")
def main() -> None:
    """Clean, repair and deduplicate a folder of scraped Chinese text.

    \b
    Quick start:
      cleancorpus run seeds -o output          clean seeds/ into output/
      cleancorpus run --help                   every option of a run

    Each subcommand has --help with examples.
    """


@main.command()
@click.argument("input_dir", default="seeds", type=click.Path(path_type=Path))
@click.option("-o", "--output", "output_dir", default="output", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder to write the clean corpus, audit and report to.")
@click.option("-c", "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file choosing stages and their parameters (see README).")
@click.option("-w", "--workers", type=click.IntRange(min=0),
              help="Worker processes for per-document stages [default: all cores]. Output is identical for any value.")
@click.option("--stages", help="Comma-separated stage list, overriding the config, e.g. whitespace,repair.")
@click.option("--format", "formats", type=click.Choice(["txt", "jsonl", "both"]),
              help="txt: one file per document under corpus/ (default); jsonl: shards under shards/.")
@click.option("--text-field", help="JSONL field holding the text [default: text].")
@click.option("--id-field", help="JSONL field holding the document id [default: id; else file:line].")
@click.option("--force", is_flag=True, help="Replace the output of an earlier run in a non-empty output folder.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line, no summary; warnings only.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A folder of your own rule files (*.toml), applied after the shipped ones; repeatable. "
                   "A rule with an existing id replaces it. See `cleancorpus rules --help`.")
def run(
    input_dir: Path,
    output_dir: Path,
    config_file: Path | None,
    workers: int | None,
    stages: str | None,
    formats: str | None,
    text_field: str | None,
    id_field: str | None,
    force: bool,
    quiet: bool,
    rule_dirs: tuple[Path, ...],
) -> None:
    """Clean every document under INPUT_DIR (default: seeds/) into the output folder.

    INPUT_DIR may also be a single .txt, .jsonl or .jsonl.gz file. Reads .txt files (one document each; UTF-8, GBK/GB18030 or Big5) and
    .jsonl / .jsonl.gz files (one document per line) recursively, runs the
    configured stages and writes:

    \b
      corpus/               the clean text, mirroring the input's relative paths
      shards/               JSONL shards (id, text, source, meta), with --format jsonl
      audit/edits.jsonl     every change, per document: stage, rule, span, before, after
      audit/dropped.jsonl   every dropped document: stage, reason, details, its text
      audit/problems.jsonl  input that could not be read, one line each
      report.json           counts per stage and rule, warnings, timing

    Unreadable files and bad JSON lines are reported and skipped; the run goes on.

    \b
    Examples:
      cleancorpus run seeds -o output --force
      cleancorpus run crawl/ -o clean/ --workers 8 --format both
      cleancorpus run crawl/ -o clean/ --config my.toml
      cleancorpus run crawl/ -o clean/ --rules my_rules/
    """
    def action() -> dict[str, Any]:
        config = _with_rule_dirs(load_config(config_file), rule_dirs)
        config = config.with_run(
            workers=workers,
            stages=tuple(s.strip() for s in stages.split(",") if s.strip()) if stages else None,
            formats=("txt", "jsonl") if formats == "both" else ((formats,) if formats else None),
            text_field=text_field,
            id_field=id_field,
            progress=False if quiet else None,
        )
        return run_pipeline(input_dir, output_dir, config, force=force)

    report = _guarded(action, output_dir)
    if not quiet:
        click.echo(summary(report), err=True)
        click.echo(f"wrote {output_dir}/ (report: {output_dir / 'report.json'})", err=True)


@main.command("stages")
def list_stages() -> None:
    """List the stages a config can name, the default pipeline first, with their parameters.

    \b
    Example:
      cleancorpus stages
    """
    import dataclasses

    for cls in AVAILABLE:
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        click.echo(f"{cls.name:12} {doc}")
        for f in dataclasses.fields(cls):
            if f.init:
                default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
                click.echo(f"{'':12}   {f.name} = {json.dumps(default, ensure_ascii=False, default=str)}")


# -- rules: list, test and explain the declarative cleanup rules ---------------------------------


def _with_rule_dirs(config: Config, rule_dirs: tuple[Path, ...]) -> Config:
    """The config with ``--rules`` folders added after the ``[rules] dirs`` of the file."""
    if not rule_dirs:
        return config
    dirs = tuple(config.stage_tables.get("rules", {}).get("dirs", ())) + tuple(map(str, rule_dirs))
    return config.with_stage("rules", dirs=dirs)


def _shown(path: str) -> str:
    """A rule file's path relative to the working directory when it is under it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path


def _rules_stage(config_file: Path | None, rule_dirs: tuple[Path, ...]) -> Rules:
    """The rules stage as a run would build it (config file, then --rules folders)."""
    config = _with_rule_dirs(load_config(config_file), rule_dirs)
    return build(Rules, config.stage_tables.get("rules", {}), f"{config.origin} [rules]")


_rules_dir_option = click.option(
    "--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A folder of your own rule files, added after the shipped ones (repeatable).")
_config_option = click.option(
    "-c", "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
    help="TOML config whose [rules] table adds folders and enables/disables rules.")


@main.group("rules")
def rules_group() -> None:
    """List, test and explain the cleanup rules (rules/*.toml and your own folders).

    A rule is a pattern, an action and examples in a TOML file; adding one takes
    one file and no Python. The format is described in rules/README.md.

    \b
    Examples:
      cleancorpus rules list
      cleancorpus rules test                   run every shipped rule's examples
      cleancorpus rules test my_rules/         run the examples of your rules
      cleancorpus rules explain seeds/001_2a9eefa7c56f26fe.txt
    """


@rules_group.command("list")
@_rules_dir_option
@_config_option
def rules_list(rule_dirs: tuple[Path, ...], config_file: Path | None) -> None:
    """List every rule: id, file, action, where it looks, on/off, description.

    \b
    Examples:
      cleancorpus rules list
      cleancorpus rules list --rules my_rules/ --config my.toml
    """
    try:
        rule_set = _rules_stage(config_file, rule_dirs).rule_set()
    except (ConfigError, RuleError) as exc:
        _fail(str(exc))
        return
    active = {rule.id for rule in rule_set.active}
    for rule in rule_set.rules:
        state = "on" if rule.id in active else "off"
        click.echo(f"{rule.id:28} {Path(rule.file).name:18} {rule.action:14} {str(rule.where):15} {state:3}  {rule.description}")
    click.echo(f"{len(rule_set.rules)} rules, {len(active)} enabled", err=True)


@rules_group.command("test")
@click.argument("dirs", nargs=-1, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--timeout", default=1.0, show_default=True, help="Seconds one rule may run on one example.")
def rules_test(dirs: tuple[Path, ...], timeout: float) -> None:
    """Run every rule's examples; exit status 1 if any fails.

    Each rule must turn its examples.change inputs into their outputs (and leave
    the outputs as they are), and leave its examples.keep inputs untouched.
    Without DIRS the shipped library is tested; with DIRS, the rules in them.

    \b
    Examples:
      cleancorpus rules test
      cleancorpus rules test my_rules/
    """
    try:
        rules = load_rules(dirs or (builtin_rules_dir(),))
    except RuleError as exc:
        _fail(str(exc))
        return
    results = [result for rule in rules for result in check_rule(rule, timeout)]
    by_file: dict[str, list[ExampleResult]] = {}
    for result in results:
        by_file.setdefault(result.rule.file, []).append(result)
    for file, file_results in by_file.items():
        marks = "".join("." if r.passed else click.style("F", fg="red", bold=True) for r in file_results)
        click.echo(f"{_shown(file)} {marks}")
    failures = [r for r in results if not r.passed]
    for r in failures:
        click.echo(click.style(f"\nFAILED {r.rule.id} {r.kind} example {r.number}", fg="red", bold=True)
                   + f" ({_shown(r.rule.file)}): {r.problem}")
        click.echo(f"    input:    {r.input!r}")
        if r.kind == "change" and r.expected is not None:
            click.echo(f"    expected: {r.expected!r}")
        click.echo(f"    got:      {r.got!r}")
    summary_line = (f"{len(rules)} rules, {len(results)} examples: "
                    f"{len(results) - len(failures)} passed, {len(failures)} failed")
    click.echo("\n" + click.style(summary_line, fg="red" if failures else "green", bold=True))
    sys.exit(1 if failures else 0)


@rules_group.command("explain")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@_rules_dir_option
@_config_option
@click.option("--raw", is_flag=True,
              help="Match the file as it is; by default the stages before rules (repair, normalize...) run first, "
                   "because rules are written for their output.")
@click.option("--color/--no-color", default=None, help="Colour the matches [default: on a terminal].")
def rules_explain(file: Path, rule_dirs: tuple[Path, ...], config_file: Path | None, raw: bool, color: bool | None) -> None:
    """Show a text file with each rule's matches marked ⟦n …⟧, and which rule matched where.

    Every enabled rule is tried on the text on its own; the list under the
    text names the rule, its action and the line of each match, and the last
    line says what the whole stage would do (removals, metadata, flags, drop).

    \b
    Examples:
      cleancorpus rules explain seeds/001_2a9eefa7c56f26fe.txt
      cleancorpus rules explain page.txt --rules my_rules/ --raw
    """
    try:
        config = _with_rule_dirs(load_config(config_file), rule_dirs)
        stage = build(Rules, config.stage_tables.get("rules", {}), f"{config.origin} [rules]")
        text, _ = decode_bytes(read_regular(file))
        before = [] if raw else list(takewhile(lambda s: s.name != Rules.name, config.build_stages()))
    except OSError as exc:
        code = os_error_line(exc)[0]  # permission denied keeps its status; the rest is a bad argument
        _fail(f"{file}: cannot read: {exc.strerror}", EXIT_USAGE if code == EXIT_OS else code)
    except (ConfigError, RuleError, UndecodableError) as exc:
        _fail(f"{file}: {exc}" if isinstance(exc, UndecodableError) else str(exc))
        return
    doc = Document(file.name, text[:-1] if text.endswith("\n") else text)
    for step in before:
        if not is_corpus_stage(step):
            doc = step.apply(doc)
    rule_set = stage.rule_set()
    hits = explain(doc.text, rule_set.active, stage.timeout)
    if before:
        click.echo(f"# {file}, after {', '.join(s.name for s in before)}", err=True)
    click.echo(render(doc.text, hits, color=True), color=color)
    click.echo()
    click.echo(legend(hits) or "no rule matched")
    judged = spam_explain(doc.text)
    if judged:
        click.echo("spam stage (sentences scored by general features; docs/spam.md):")
        click.echo("\n".join(f"  {line}" for line in judged))
    result = apply_rules(rule_set.active, Document(doc.id, doc.text), stage.timeout, index=rule_set.index)
    removed = sum(e.removed_chars for e in result.edits)
    outcome = f"dropped by {result.dropped.reason}" if result.dropped else f"{len(result.edits)} removals, {removed} characters"
    click.echo(f"stage result: {outcome}; meta: {json.dumps(result.meta, ensure_ascii=False)}"
               + "".join(f"\nwarning: {w}" for w in result.warnings))


# -- cleancorpus dedup ---------------------------------------------------------------------------


@main.command("dedup")
@click.argument("input_path", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "output_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the surviving documents, the audit, the clusters and the saved index.")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True),
              help=f"Verified Jaccard similarity at which two documents are duplicates [default: {Dedup.threshold}].")
@click.option("--ngram", type=click.IntRange(1, 32), help=f"Characters per shingle [default: {Dedup.ngram}].")
@click.option("--num-perm", type=click.IntRange(min=2), help=f"MinHash permutations [default: {Dedup.num_perm}].")
@click.option("--against", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="An earlier output (with its dedup/index) to deduplicate against; repeatable. "
                   "Its documents are kept; matches in this batch are dropped and name them.")
@click.option("--explain", is_flag=True,
              help="Print every cluster: the document kept and why, those dropped, the measure that decided "
                   "(resemblance or containment of the masked shingles), every pairwise measure, "
                   "how many shingles were masked and the text they covered.")
@click.option("--cluster", "cluster_of", metavar="ID",
              help="With --explain: only the cluster that document ID is in (kept or dropped).")
@click.option("-w", "--workers", type=click.IntRange(min=0),
              help="Worker processes [default: all cores]. Output is identical for any value.")
@click.option("--text-field", help="JSONL field holding the text [default: text].")
@click.option("--id-field", help="JSONL field holding the document id [default: id; else file:line].")
@click.option("--force", is_flag=True, help="Replace the output of an earlier run in a non-empty output folder.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line, no summary; warnings only.")
def dedup_command(
    input_path: Path,
    output_dir: Path,
    threshold: float | None,
    ngram: int | None,
    num_perm: int | None,
    against: tuple[Path, ...],
    explain: bool,
    cluster_of: str | None,
    workers: int | None,
    text_field: str | None,
    id_field: str | None,
    force: bool,
    quiet: bool,
) -> None:
    """Remove exact and near-duplicate documents from INPUT (a folder, or one .txt/.jsonl file).

    Documents are compared as the full pipeline would see them (script,
    width, punctuation and white space folded; see docs/dedup.md) but the
    survivors are written unchanged, in the input's format (.txt files under
    corpus/, or JSONL shards under shards/). Also written:

    \b
      audit/dropped.jsonl    every dropped document, its survivor and their similarity
      dedup/clusters.jsonl   every cluster: the survivor and the documents dropped for it
      dedup/index/           the saved index, for a later --against
      report.json            counts, parameters, the largest clusters

    \b
    Examples:
      cleancorpus dedup crawl/ -o deduped/
      cleancorpus dedup batch1.jsonl -o out1/ --threshold 0.7 --explain
      cleancorpus dedup batch2.jsonl -o out2/ --against out1/
    """
    overrides = {"threshold": threshold, "ngram": ngram, "num_perm": num_perm}

    def action() -> dict[str, Any]:
        stage = build(Dedup, {"prepare": list(TEXT_STAGES), **{k: v for k, v in overrides.items() if v is not None}},
                      "command line")
        for path in against:  # checked here so that a bad index has its own exit status
            check_index(path, stage.index_params)
        stage = dataclasses.replace(stage, against=tuple(str(p) for p in against))
        return deduplicate(input_path, output_dir, stage, workers=workers, text_field=text_field,
                           id_field=id_field, force=force, progress=not quiet)

    report = _guarded(action, output_dir)
    if explain:
        found = clusters_with(read_clusters(output_dir), cluster_of)
        for line in dedup_explain(found, masked_texts(read_dropped(output_dir))):
            click.echo(line)
    if not quiet:
        click.echo(summary(report), err=True)
        click.echo(f"wrote {output_dir}/ (clusters: {output_dir / CLUSTERS_FILE})", err=True)
