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

#: The per-document stages that clean, in the order the default pipeline runs them; the
#: corpus-level boilerplate stage runs after them.
CLEANING: tuple[type, ...] = (
    Whitespace,
    Repair,
    Normalize,
    Rules,
    Spam,
    KeywordStuffing,
    Furniture,
    Repetition,
)
#: The per-document stages that finish a document after boilerplate: the sweep, the scores.
FINISHING: tuple[type, ...] = (Tidy, Quality)
#: Every per-document stage, in pipeline order.
PER_DOCUMENT: tuple[type, ...] = CLEANING + FINISHING
