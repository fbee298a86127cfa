"""output/ is the default pipeline's result on seeds/: it must be fresh, stable and a fixed point.

When a behaviour change is intended, regenerate it and review the diff:

    cleancorpus run seeds -o output --force
"""

from __future__ import annotations

from pipeline.config import Config, RunConfig
from pipeline.runner import run_pipeline

from .conftest import OUTPUT, SEEDS, read_tree

REGENERATE = "output/ is stale: run `cleancorpus run seeds -o output --force` and review the diff"


def config(workers: int) -> Config:
    return Config(run=RunConfig(workers=workers, progress=False))


def test_output_folder_is_fresh(tmp_path):
    run_pipeline(SEEDS, tmp_path / "out", config(2), warn=lambda m: None)
    actual, expected = read_tree(tmp_path / "out"), read_tree(OUTPUT)
    assert sorted(actual) == sorted(expected), REGENERATE
    for name in expected:
        assert actual[name].decode() == expected[name].decode(), f"{name}: {REGENERATE}"


def test_seeds_give_the_same_output_with_one_worker(tmp_path):
    run_pipeline(SEEDS, tmp_path / "one", config(1), warn=lambda m: None)
    assert read_tree(tmp_path / "one") == read_tree(OUTPUT)


def test_cleaning_the_clean_corpus_changes_nothing(tmp_path):
    report = run_pipeline(OUTPUT / "corpus", tmp_path / "again", config(2), warn=lambda m: None)
    assert report["documents"]["dropped"] == 0
    assert {name: s["edits"] for name, s in report["stages"].items() if s["edits"]} == {}
    assert read_tree(tmp_path / "again" / "corpus") == read_tree(OUTPUT / "corpus")
