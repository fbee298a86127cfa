"""The command line: every command teaches with --help, errors are one clear line."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner

from pipeline.cli import main


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    commands = list(all_commands(main))
    assert {path[0] for path, _ in commands} >= {"run", "stages"}
    for path, command in commands:
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, path
        assert command.help and len(command.help) > 40, path
        if not isinstance(command, click.Group):
            assert "Example" in result.output, f"{' '.join(path)} --help has no example"


def test_run_end_to_end_and_summary(tree, tmp_path):
    # (a full stop ends the first paragraph, so normalize does not join "好" + "的…")
    root = tree({"a.txt": "好。\r\n\r\n\r\n的", "b.jsonl": '{"text": "x"}\nbad\n'})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(root), "-o", str(out), "--workers", "1", "--format", "both"])
    assert result.exit_code == 0, result.output
    assert "documents: 2 read, 2 written, 0 dropped, 1 input problems" in result.output
    assert "warning: b.jsonl:2: invalid JSON" in result.output
    assert (out / "corpus" / "a.txt").read_text(encoding="utf-8") == "好。\n\n的\n"
    assert (out / "shards" / "part-00000.jsonl").exists()


def test_run_refusal_is_one_line_and_exit_2(tree, tmp_path):
    root = tree({"a.txt": "x"})
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(root), "-o", str(out)])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert result.output.startswith(f"error: {out}: output folder is not empty")


def test_config_file_and_flags(tree, tmp_path):
    root = tree({"a.txt": "好  \n\n\n\n的"})
    config = tmp_path / "c.toml"
    config.write_text('[run]\nstages = ["whitespace"]\nworkers = 1\nformats = ["jsonl"]\n', encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(root), "-o", str(out), "-c", str(config), "-q"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    record = json.loads((out / "shards" / "part-00000.jsonl").read_text(encoding="utf-8"))
    assert record["text"] == "好\n\n的"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["timing"]["workers"] == 1


def test_bad_config_names_file_table_and_key(tree, tmp_path):
    root = tree({"a.txt": "x"})
    config = tmp_path / "c.toml"
    config.write_text("[run]\nworkerz = 3\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(root), "-o", str(tmp_path / "o"), "-c", str(config)])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {config} [run]: unknown key 'workerz'")


def test_python_dash_m_pipeline_is_the_same_command():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, check=True)
    assert "Clean, repair and deduplicate" in result.stdout
    assert all(name in result.stdout for name in ("run", "rules", "dedup", "stages"))
