"""The stages cleancorpus knows, and the default pipeline.

A pipeline is a list of stage classes in the order they run; adding a stage is
one module and one line: in :mod:`pipeline.text_stages` for a per-document stage,
here for a corpus-level one. Order matters: repair before normalisation (fix
the bytes before judging the characters), normalisation before rules (rules are
written once, in Simplified script with Chinese punctuation), rules and
repetition before deduplication (boilerplate must not decide what counts as a
duplicate), tidy after every stage that removes text (it sweeps up the blank
lines removals leave), quality last before dedup (it scores the final text).
The rules (the shipped library and the user's own) see the text before the
general detectors (spam, stuffing, furniture) do, so a rule written against
a site's junk matches it whole; where a rule took part of an ad (its contact
line), the spam stage reads that from the edit log.
"""

from __future__ import annotations

from .boilerplate import Boilerplate
from .dedup import Dedup
from .text_stages import CLEANING, FINISHING

#: The stages ``cleancorpus run`` runs when no config names others, in order: the per-document
#: stages of :mod:`pipeline.text_stages` (a new one is one line there), boilerplate between
#: those that clean and those that finish, dedup last.
DEFAULT_PIPELINE: tuple[type, ...] = (*CLEANING, Boilerplate, *FINISHING, Dedup)

#: Stages that exist but are not in the default pipeline (enable them by name
#: in the config's ``[run] stages``).
OPTIONAL: tuple[type, ...] = ()

AVAILABLE: tuple[type, ...] = DEFAULT_PIPELINE + OPTIONAL
