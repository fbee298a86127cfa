"""The scaling benchmark runs, and no stage grows faster than n^1.5 on the --quick sizes.

The growth exponent is a ratio of two timings taken in this one process
(a document and one 100 times longer), never a wall-clock limit: a linear
stage reads about 1 (less, while fixed per-document costs dominate), a
quadratic one 2.
"""

from __future__ import annotations

import pytest

from benchmarks import bench_scaling

SMALL, BIG = bench_scaling.QUICK_SIZES[0], bench_scaling.QUICK_SIZES[-1]
MAX_EXPONENT = 1.5


@pytest.fixture(scope="module")
def stages() -> list[object]:
    return bench_scaling._stages()


# Known and not yet fixed (issue 16): on a clean line without breaks, a few rare
# names look garbled to the survey, and the frame-shift and codec-misreading
# fixers then search the whole line, character by character in Python. That is
# linear but about 100 times the cost of the same text with line breaks, and it
# sets in between 10^4 and 10^5 characters, so it reads as an exponent of ~1.7.
KNOWN_STEEP = {"clean-oneline": "repair searches a whole line once it holds one suspect spot"}


@pytest.mark.parametrize(
    "kind",
    [pytest.param(k, marks=pytest.mark.xfail(reason=KNOWN_STEEP[k], strict=True)) if k in KNOWN_STEEP else k
     for k in bench_scaling.KINDS],
)
def test_growth_exponent_below_one_and_a_half(kind: str, stages: list[object]) -> None:
    bench_scaling.run_once(bench_scaling.make_document(kind, 2_000, seed=1), stages)  # load models first
    small = bench_scaling.measure(kind, SMALL, stages)
    big = bench_scaling.measure(kind, BIG, stages)
    assert big.chars >= 90 * small.chars
    exponents = {name: bench_scaling.growth_exponent(small, big, name) for name in small.stage_seconds}
    exponents["overall"] = bench_scaling.growth_exponent(small, big)
    steep = {name: round(e, 2) for name, e in exponents.items() if e >= MAX_EXPONENT}
    assert not steep, f"{kind}: super-linear stages between {SMALL:,} and {BIG:,} characters: {steep}"

