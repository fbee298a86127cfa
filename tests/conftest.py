"""Shared fixtures: paths of the repository and small helpers to build input folders."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs every property test on a fixed sequence of examples (.ci/run sets
# HYPOTHESIS_PROFILE=ci), so a submission cannot fail on a new random draw;
# on a developer's machine the draws change from run to run and keep exploring.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
OUTPUT = ROOT / "output"


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create files under ``root`` (str content is written as UTF-8)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    return root


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path, with report.json's timing removed."""
    out: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            data = path.read_bytes()
            if rel == "report.json":
                report = json.loads(data)
                report.pop("timing", None)
                data = json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True).encode()
            out[rel] = data
    return out


@pytest.fixture
def tree(tmp_path: Path):
    """``tree({"a.txt": "..."})`` creates an input folder and returns its path."""

    def make(files: dict[str, str | bytes], name: str = "in") -> Path:
        return write_tree(tmp_path / name, files)

    return make
