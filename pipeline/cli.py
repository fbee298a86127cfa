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
from .config import ConfigError, load_config
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
