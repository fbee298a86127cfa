"""Run configuration: which stages run, with which parameters, from a TOML file.

A config file has a ``[run]`` table for the runner and one table per stage,
named after the stage, whose keys are the stage's dataclass fields::

    [run]
    stages = ["whitespace", "repair", "normalize", "rules", "dedup"]
    workers = 2

    [normalize]
    script = "simplified"

    [dedup]
    threshold = 0.8

Unknown tables, unknown keys and values of the wrong type are refused with an
error naming the file, table and key: a typo must not silently fall back to a
default. Command-line flags override the file.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .stages import AVAILABLE, DEFAULT_PIPELINE
from .tomlfile import read_toml


class ConfigError(ValueError):
    """A configuration problem, with a message meant for the user."""


@dataclass(frozen=True)
class RunConfig:
    """How the runner reads, parallelises and writes (the ``[run]`` table)."""

    stages: tuple[str, ...] = tuple(cls.name for cls in DEFAULT_PIPELINE)
    workers: int = 0  # 0: all cores
    formats: tuple[str, ...] = ("txt",)  # "txt", "jsonl"
    text_field: str = "text"
    id_field: str = "id"
    shard_size: int = 100_000  # documents per JSONL shard
    progress: bool = True  # a progress bar when stderr is a terminal
    # Seconds one stage may spend on one document (0: no limit); a document over
    # it is passed on unchanged by that stage ("pass") or set aside in
    # audit/problems.jsonl ("quarantine"): no single document can stall a run.
    stage_budget: float = 60.0
    over_budget: Literal["pass", "quarantine"] = "pass"


@dataclass(frozen=True)
class Config:
    """A validated configuration: the runner settings and the stage objects."""

    run: RunConfig = field(default_factory=RunConfig)
    stage_tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    origin: str = "<defaults>"

    def build_stages(self) -> list[Any]:
        """Instantiate the configured stages, in order."""
        by_name = {cls.name: cls for cls in AVAILABLE}
        return [
            build(by_name[name], self.stage_tables.get(name, {}), f"{self.origin} [{name}]")
            for name in self.run.stages
        ]

    def with_run(self, **changes: Any) -> Config:
        """A copy with some ``[run]`` settings overridden (CLI flags); ``None`` keeps the value."""
        changes = {k: v for k, v in changes.items() if v is not None}
        run = build(RunConfig, {**dataclasses.asdict(self.run), **changes}, "command line")
        _check_stage_names(run.stages, "command line")
        return dataclasses.replace(self, run=run)

    def with_stage(self, name: str, **changes: Any) -> Config:
        """A copy with some parameters of one stage overridden."""
        tables = dict(self.stage_tables)
        tables[name] = {**tables.get(name, {}), **changes}
        by_name = {cls.name: cls for cls in AVAILABLE}
        build(by_name[name], tables[name], "command line")  # validate now
        return dataclasses.replace(self, stage_tables=tables)


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Read and validate a TOML config file (``None``: the defaults)."""
    if path is None:
        return Config()
    return parse_config(read_toml(path, "config file", ConfigError), str(path))


def parse_config(data: dict[str, Any], where: str = "<config>") -> Config:
    """Validate a parsed config mapping."""
    known = {cls.name for cls in AVAILABLE}
    for table in data:
        if table != "run" and table not in known:
            raise ConfigError(f"{where}: unknown table [{table}]; known stages: {', '.join(sorted(known))}")
    run = build(RunConfig, data.get("run", {}), f"{where} [run]")
    _check_stage_names(run.stages, f"{where} [run]")
    tables = {name: dict(table) for name, table in data.items() if name != "run"}
    config = Config(run=run, stage_tables=tables, origin=where)
    config.build_stages()  # validate every configured stage's parameters now
    for name, table in tables.items():  # and tables of stages not in the list
        build({cls.name: cls for cls in AVAILABLE}[name], table, f"{where} [{name}]")
    return config


def _check_stage_names(names: tuple[str, ...], where: str) -> None:
    known = {cls.name for cls in AVAILABLE}
    for name in names:
        if name not in known:
            raise ConfigError(f"{where}: unknown stage {name!r} in stages; known: {', '.join(sorted(known))}")
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: a stage is listed twice in stages: {list(names)}")


def build(cls: type, table: dict[str, Any], where: str) -> Any:
    """Instantiate dataclass ``cls`` from a config table, checking keys and types.

    >>> build(RunConfig, {"workers": 2}, "x.toml [run]").workers
    2
    >>> build(RunConfig, {"workers": "two"}, "x.toml [run]")
    Traceback (most recent call last):
    ...
    pipeline.config.ConfigError: x.toml [run]: workers must be int, not 'two'
    """
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in fields:
            raise ConfigError(f"{where}: unknown key {key!r}; known: {', '.join(sorted(fields)) or '(none)'}")
        values[key] = _coerce(hints[key], value, f"{where}: {key}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _coerce(hint: Any, value: Any, where: str) -> Any:
    """Check ``value`` against a simple type hint; lists become tuples."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            try:
                return _coerce(option, value, where)
            except ConfigError:
                continue
        raise ConfigError(f"{where} must be {_name(hint)}, not {value!r}")
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where} must be a list, not {value!r}")
        item = args[0] if args else Any
        return tuple(_coerce(item, v, where) for v in value)
    if origin is typing.Literal:
        if value not in typing.get_args(hint):
            raise ConfigError(f"{where} must be one of {list(typing.get_args(hint))}, not {value!r}")
        return value
    if hint is Any:
        return value
    if hint is type(None):
        if value is not None:
            raise ConfigError(f"{where} must be None")
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is Path and isinstance(value, str):
        return Path(value)
    if isinstance(hint, type):
        if isinstance(value, bool) and hint is not bool:
            raise ConfigError(f"{where} must be {_name(hint)}, not {value!r}")
        if not isinstance(value, hint):
            raise ConfigError(f"{where} must be {_name(hint)}, not {value!r}")
        return value
    return value


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint)
