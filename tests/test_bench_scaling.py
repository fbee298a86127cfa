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


@pytest.mark.parametrize("kind", bench_scaling.KINDS)
def test_growth_exponent_below_one_and_a_half(kind: str, stages: list[object]) -> None:
    bench_scaling.run_once(bench_scaling.make_document(kind, 2_000, seed=1), stages)  # load models first
    small = bench_scaling.measure(kind, SMALL, stages)
    big = bench_scaling.measure(kind, BIG, stages)
    assert big.chars >= 90 * small.chars
    exponents = {name: bench_scaling.growth_exponent(small, big, name) for name in small.stage_seconds}
    exponents["overall"] = bench_scaling.growth_exponent(small, big)
    steep = {name: round(e, 2) for name, e in exponents.items() if e >= MAX_EXPONENT}
    assert not steep, f"{kind}: super-linear stages between {SMALL:,} and {BIG:,} characters: {steep}"

