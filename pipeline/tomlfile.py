"""Reading a TOML file (a run config, a rule file) with one clear error line if it cannot be read.

Its own module rather than part of :mod:`pipeline.config`: the config module
imports the stage list, and the rules stage reads TOML files too.
"""

from __future__ import annotations

import os
import tomllib
from typing import Any


def read_toml(path: str | os.PathLike[str], kind: str, error: type[Exception]) -> dict[str, Any]:
    """Parse the TOML file at ``path``; a file that cannot be read or parsed raises ``error``.

    The message names the file and what it is (``kind``), so the user knows
    which of their files to fix and why:

    >>> read_toml("/nonexistent/my.toml", "config file", ValueError)
    Traceback (most recent call last):
    ...
    ValueError: /nonexistent/my.toml: cannot read config file: No such file or directory
    """
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise error(f"{path}: cannot read {kind}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: invalid TOML: {exc}") from None
