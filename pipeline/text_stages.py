"""The per-document stages: each cleans one document by itself, without the rest of the corpus.

They are what the dedup stage may run on a copy of a document before comparing it
(``[dedup] prepare``), and what :mod:`pipeline.stages` builds the default pipeline
from, with the corpus-level stages (boilerplate, dedup) in their places. This module
imports no corpus-level stage, so the dedup stage can name these without a cycle.
"""

from __future__ import annotations

from .furniture import Furniture
from .normalize import Normalize
from .quality import Quality
from .repair import Repair
from .repetition import Repetition
from .rules import Rules
from .spam import Spam
from .stuffing import KeywordStuffing
from .tidy import Tidy
from .whitespace import Whitespace

#: Every per-document stage, in the order the default pipeline runs them.
PER_DOCUMENT: tuple[type, ...] = (
    Whitespace,
    Repair,
    Normalize,
    Rules,
    Spam,
    KeywordStuffing,
    Furniture,
    Repetition,
    Tidy,
    Quality,
)
