"""The stages cleancorpus knows, and the default pipeline.

A pipeline is a list of stage classes in the order they run; adding a stage is
one module and one line here. Order matters: repair before normalisation (fix
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

#: The stages ``cleancorpus run`` runs when no config names others, in order.
DEFAULT_PIPELINE: tuple[type, ...] = (
    Whitespace,
    Repair,
    Normalize,
    Rules,
    Spam,
    KeywordStuffing,
    Furniture,
    Repetition,
    Boilerplate,
    Tidy,
    Quality,
    Dedup,
)

#: Stages that exist but are not in the default pipeline (enable them by name
#: in the config's ``[run] stages``).
OPTIONAL: tuple[type, ...] = ()

AVAILABLE: tuple[type, ...] = DEFAULT_PIPELINE + OPTIONAL
