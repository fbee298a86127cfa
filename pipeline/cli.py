"""The ``cleancorpus`` command: a thin layer over :mod:`pipeline`.

Every subcommand parses its options, calls one library function and prints
the result; nothing here decides anything a library user could not.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .config import ConfigError, build, load_config
from .dedup import CLUSTERS_FILE, TEXT_STAGES, Dedup, deduplicate, read_clusters
from .dedup import explain as dedup_explain
from .dedup_index import IndexRefused
from .report import summary
from .runner import RunError, run_pipeline
from .stages import AVAILABLE


def _fail(message: str) -> None:
    """One clear line on stderr, exit status 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


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
@click.argument("input_dir", default="seeds", type=click.Path(file_okay=False, path_type=Path))
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
) -> None:
    """Clean every document under INPUT_DIR (default: seeds/) into the output folder.

    Reads .txt files (one document each; UTF-8, GBK/GB18030 or Big5) and
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
    """
    try:
        config = load_config(config_file)
        config = config.with_run(
            workers=workers,
            stages=tuple(s.strip() for s in stages.split(",") if s.strip()) if stages else None,
            formats=("txt", "jsonl") if formats == "both" else ((formats,) if formats else None),
            text_field=text_field,
            id_field=id_field,
            progress=False if quiet else None,
        )
        report = run_pipeline(input_dir, output_dir, config, force=force)
    except (ConfigError, RunError) as exc:
        _fail(str(exc))
        return
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
              help="Print every cluster: the document kept, those dropped, their similarity.")
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
    try:
        stage = build(Dedup, {"prepare": list(TEXT_STAGES), "against": [str(p) for p in against],
                              **{k: v for k, v in overrides.items() if v is not None}}, "command line")
        report = deduplicate(input_path, output_dir, stage, workers=workers, text_field=text_field,
                             id_field=id_field, force=force, progress=not quiet)
    except (ConfigError, RunError, IndexRefused) as exc:
        _fail(str(exc))
        return
    if explain:
        for line in dedup_explain(read_clusters(output_dir)):
            click.echo(line)
    if not quiet:
        click.echo(summary(report), err=True)
        click.echo(f"wrote {output_dir}/ (clusters: {output_dir / CLUSTERS_FILE})", err=True)
