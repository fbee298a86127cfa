"""Sweep up after the stages that remove text: blank lines, heading markers, broken paragraphs.

Removing text changes what is around it. A footer removed from the end leaves
the blank line above it; a junk line removed from the middle leaves two blank
lines in a row; a photo caption removed from between the two halves of a
sentence broken across it leaves a broken paragraph that normalisation, which
ran before the caption went, could not see. Each removing stage (repair,
rules, repetition, boilerplate) could tidy its own leftovers; one sweep after
all of them keeps that logic in one place, reuses the same fixers, and makes
the pipeline idempotent: cleaning the clean output again changes nothing.

>>> doc = Document("a.txt", "阮路说，接下来，全市金融系统将围绕建设西部金融中\\n\\n\\n\\n心主目标，携手四川。\\n")
>>> Tidy().apply(doc).text  # as left after a caption between the halves was removed
'阮路说，接下来，全市金融系统将围绕建设西部金融中心主目标，携手四川。'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .document import Document
from .normalize import broken_paragraph_spans, heading_marker_spans
from .whitespace import LAYOUT


@dataclass(frozen=True)
class Tidy:
    """Re-apply layout clean-up after removals: blank lines, ``#`` markers, broken paragraphs.

    ``strip_heading_markers``  remove markdown ``#`` heading markers a removal uncovered.
    ``join_paragraphs``        join paragraphs broken mid-sentence once what stood between went.
    """

    name: ClassVar[str] = "tidy"

    strip_heading_markers: bool = True
    join_paragraphs: bool = True

    def apply(self, doc: Document) -> Document:
        for fixer in LAYOUT:
            doc.replace(fixer(doc.text), self.name, fixer.__name__)
        if self.strip_heading_markers:
            doc.replace(heading_marker_spans(doc.text), self.name, "heading_marker")
        if self.join_paragraphs:
            doc.replace(broken_paragraph_spans(doc.text), self.name, "broken_paragraph")
        return doc
