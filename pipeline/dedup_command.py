"""``cleancorpus dedup``: deduplicate a folder or a file on its own, without the cleaning stages.

A driver above the runner (like :mod:`pipeline.cli`), so the dedup stage itself never
imports the runner: the stage compares, this module runs it over an input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import Config
from .dedup import TEXT_STAGES, Dedup
from .io import JSONL_SUFFIXES, inside, iter_files
from .runner import RunError, run_pipeline


def input_formats(path: str | Path) -> tuple[str, ...]:
    """The output formats matching an input: JSONL in → JSONL shards out, .txt in → .txt out.

    >>> input_formats("batch.jsonl.gz")
    ('jsonl',)
    """
    path = Path(path)
    files = iter_files(path) if path.is_dir() else [path]
    kinds: set[str] = set()
    for file in files:
        kinds.add("jsonl" if file.name.endswith(JSONL_SUFFIXES) else "txt")
        if len(kinds) == 2:
            break
    return tuple(sorted(kinds)) or ("txt",)


def deduplicate(
    input_path: str | Path,
    output_dir: str | Path,
    stage: Dedup | None = None,
    *,
    workers: int | None = None,
    text_field: str | None = None,
    id_field: str | None = None,
    force: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Deduplicate a folder or a file on its own; write the survivors unchanged; return the report.

    Documents are compared in the form the full pipeline would give them (the
    stage's ``prepare`` stages run on a copy; default :data:`TEXT_STAGES`),
    and written as they were read, in the input's format.
    """
    stage = stage or Dedup(prepare=TEXT_STAGES)
    for path in stage.against:
        if inside(Path(path), Path(output_dir)) or inside(Path(output_dir), Path(path)):
            raise RunError(f"{path}: --against may not be the output folder: a run replaces what it compares with")
    config = Config().with_run(
        stages=(Dedup.name,),
        workers=workers,
        formats=input_formats(input_path),
        text_field=text_field,
        id_field=id_field,
        progress=progress,
    )
    return run_pipeline(input_path, output_dir, config, stages=[stage], force=force)
