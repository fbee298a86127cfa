"""The README's examples work: its config snippets are valid, its quick start is what CI runs."""

from __future__ import annotations

import re
import textwrap
import tomllib

import pytest

from pipeline.config import parse_config

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
TOML_BLOCKS = re.findall(r"```toml\n(.*?)```", README, re.S)


def test_there_are_config_examples():
    assert len(TOML_BLOCKS) >= 2


@pytest.mark.parametrize("block", TOML_BLOCKS)
def test_config_examples_are_valid_configs(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_rules").mkdir()  # the folder the example names, with the rule of rules/README.md
    rules_readme = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    rule = re.search(r"```toml\n( *)(\[\[rule\]\].*?)```", rules_readme, re.S)
    assert rule, "rules/README.md lost its example rule"
    text = textwrap.dedent(rule.group(1) + rule.group(2))
    (tmp_path / "my_rules" / "site.toml").write_text(text, encoding="utf-8")
    parse_config(tomllib.loads(block), "README.md")


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_second():
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", quick_start, re.S)
    assert len(commands) == 2
    assert "cleancorpus run seeds -o output" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci
