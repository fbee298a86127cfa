"""Sweep up after the stages that remove text: layout, punctuation, spacing, paragraphs.

Removing text changes what is around it. A footer removed from the end leaves
the blank line above it; a junk line removed from the middle leaves two blank
lines in a row; an ad removed from mid-sentence leaves the space that followed
it next to a full stop, or a half-width comma next to a hanzi; a photo caption
removed from between the two halves of a broken sentence leaves a broken
paragraph that normalisation, which ran before the caption went, could not
see. Each removing stage (repair, rules, repetition, boilerplate) could tidy
its own leftovers; one sweep after all of them keeps that logic in one place,
reuses the same fixers, and makes the pipeline idempotent: cleaning the clean
output again changes nothing.

Its options mirror the normalize options of the same names: switch one off
there and you will want it off here too.

>>> doc = Document("a.txt", "阮路说，接下来，全市金融系统将围绕建设西部金融中\\n\\n\\n\\n心主目标，携手四川。\\n")
>>> Tidy().apply(doc).text  # as left after a caption between the halves was removed
'阮路说，接下来，全市金融系统将围绕建设西部金融中心主目标，携手四川。'
>>> Tidy().apply(Document("b.txt", "加快变成“实景图”。 下一步,两地")).text  # an ad went from between
'加快变成“实景图”。下一步，两地'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .document import Document
from .normalize import apply_layout
from .whitespace import LAYOUT


@dataclass(frozen=True)
class Tidy:
    """Re-apply layout and punctuation clean-up after removals.

    ``punctuation``            half-width marks a removal put next to hanzi → full-width,
                               and spaces next to CJK punctuation removed.
    ``remove_hanzi_spaces``    (with ``punctuation``) remove spaces a removal left between hanzi.
    ``strip_heading_markers``  remove markdown ``#`` heading markers a removal uncovered.
    ``join_paragraphs``        join paragraphs broken mid-sentence once what stood between went.
    """

    name: ClassVar[str] = "tidy"

    punctuation: bool = True
    remove_hanzi_spaces: bool = True
    strip_heading_markers: bool = True
    join_paragraphs: bool = True

    def apply(self, doc: Document) -> Document:
        for fixer in LAYOUT:
            doc.replace(fixer(doc.text), self.name, fixer.__name__)
        return apply_layout(doc, self.name, self)
