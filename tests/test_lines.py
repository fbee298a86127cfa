"""Line geometry shared by the rules, repetition, boilerplate and quality stages."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.lines import Line, LineIndex, split_lines


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="a\u3000 \t\n", max_size=30))
def test_line_index_describes_every_line(text: str) -> None:
    lines = LineIndex(text)
    parts = text.split("\n")
    assert len(lines) == len(parts)
    for i, part in enumerate(parts):
        assert text[lines.start(i) : lines.end(i)] == part
        assert lines.blank(i) == (not part.strip())
    for pos in range(len(text) + 1):
        i = lines.line_at(pos)
        assert lines.start(i) <= pos <= lines.end(i)
    assert lines.any_blank() == any(not part.strip() for part in parts)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="a\u3000 \t\n", max_size=30))
def test_split_lines_gives_the_lines_that_hold_something(text: str) -> None:
    offsets = [sum(len(p) + 1 for p in text.split("\n")[:i]) for i in range(text.count("\n") + 1)]
    expected = [Line(start, start + len(part), part)
                for start, part in zip(offsets, text.split("\n")) if part and not part.isspace()]
    assert split_lines(text) == expected
