"""Config files: validated against the stage dataclasses, with errors that say where."""

from __future__ import annotations

import pytest

from pipeline.config import Config, ConfigError, load_config, parse_config
from pipeline.stages import DEFAULT_PIPELINE


def test_defaults_run_the_default_pipeline():
    config = Config()
    assert [s.name for s in config.build_stages()] == [cls.name for cls in DEFAULT_PIPELINE]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"nosuchstage": {}}, "unknown table [nosuchstage]"),
        ({"run": {"stages": ["whitespace", "nope"]}}, "unknown stage 'nope'"),
        ({"run": {"stages": ["whitespace", "whitespace"]}}, "listed twice"),
        ({"run": {"workers": "2"}}, "workers must be int, not '2'"),
        ({"run": {"workers": True}}, "workers must be int, not True"),
        ({"run": {"formats": "txt"}}, "formats must be a list"),
        ({"whitespace": {"x": 1}}, "[whitespace]: unknown key 'x'"),
    ],
)
def test_invalid_configs_are_refused_with_location(data, message):
    with pytest.raises(ConfigError) as info:
        parse_config(data, "my.toml")
    assert str(info.value).startswith("my.toml")
    assert message in str(info.value)


def test_load_reports_toml_syntax_errors(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[run\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml: invalid TOML"):
        load_config(path)
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "missing.toml")


def test_cli_overrides_keep_unset_values():
    config = parse_config({"run": {"workers": 3, "text_field": "content"}}, "x.toml")
    changed = config.with_run(workers=None, text_field="body")
    assert (changed.run.workers, changed.run.text_field) == (3, "body")
