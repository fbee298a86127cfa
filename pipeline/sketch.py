"""Fixed-memory counting for corpus-level statistics: a count-min sketch and a Bloom filter.

The boilerplate stage must count how many documents each line occurs in over
millions of documents. An exact table grows with the number of distinct lines
(nearly every line of article text is distinct), so it counts in a
:class:`CountMinSketch` instead: a fixed ``depth × width`` array of counters,
where a line's count is the smallest of its ``depth`` counters. Collisions can
only make a count too high, never too low; with *conservative update* (raise
only the counters that equal the current minimum) the excess stays small while
the sketch is not crowded, and :meth:`CountMinSketch.fill` tells how crowded it
is. A :class:`BloomFilter` answers "seen before?" for (line, document) pairs
in fixed memory, with a small rate of false "yes".

Both take 64-bit hashes (see :func:`pipeline.lines.key_hash`) as numpy
``uint64`` arrays and derive their positions by multiply-shift hashing, so they
are deterministic across processes and runs.
"""

from __future__ import annotations

import numpy as np

# Odd 64-bit multipliers (from the splitmix64 / golden-ratio family): one per row or probe.
_MULTIPLIERS = np.array(
    [
        0x9E3779B97F4A7C15,
        0xBF58476D1CE4E5B9,
        0x94D049BB133111EB,
        0xD6E8FEB86659FD93,
        0xA0761D6478BD642F,
        0xE7037ED1A0B428DB,
        0x8EBC6AF09C88C6E3,
        0x589965CC75374CC3,
    ],
    dtype=np.uint64,
)


# Set bits of every byte value, for counting the bits of a Bloom filter.
_POPCOUNT = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)


def _positions(hashes: np.ndarray, rows: int, bits: int) -> np.ndarray:
    """``rows × len(hashes)`` positions in ``[0, 2**bits)``: multiply-shift, one multiplier per row.

    >>> _positions(np.array([1, 2], dtype=np.uint64), 2, 4).shape
    (2, 2)
    """
    with np.errstate(over="ignore"):
        mixed = hashes[np.newaxis, :] * _MULTIPLIERS[:rows, np.newaxis]
    return (mixed >> np.uint64(64 - bits)).astype(np.intp)


def _check_bits(bits: int, name: str) -> None:
    if not 4 <= bits <= 40:
        raise ValueError(f"{name} must be between 4 and 40 (a power of two exponent), not {bits}")


class CountMinSketch:
    """Approximate counts of 64-bit keys in ``depth × 2**width_bits`` saturating uint16 counters.

    >>> cms = CountMinSketch(width_bits=10)
    >>> keys = np.array([7, 8], dtype=np.uint64)
    >>> cms.add(keys).tolist(), cms.add(keys[:1]).tolist(), cms.add(keys[[0, 1, 0]]).tolist()
    ([1, 1], [2], [4, 2, 4])
    >>> cms.query(keys).tolist()
    [4, 2]
    """

    MAX = np.iinfo(np.uint16).max

    def __init__(self, width_bits: int = 20, depth: int = 4) -> None:
        _check_bits(width_bits, "width_bits")
        if not 1 <= depth <= len(_MULTIPLIERS):
            raise ValueError(f"depth must be between 1 and {len(_MULTIPLIERS)}, not {depth}")
        self.width_bits = width_bits
        self.depth = depth
        self.counts = np.zeros((depth, 1 << width_bits), dtype=np.uint16)

    @property
    def nbytes(self) -> int:
        return int(self.counts.nbytes)

    def query(self, keys: np.ndarray) -> np.ndarray:
        """The estimated count of each key (never below the true count)."""
        pos = _positions(keys, self.depth, self.width_bits)
        return np.min(self.counts[np.arange(self.depth)[:, np.newaxis], pos], axis=0)

    def add(self, keys: np.ndarray) -> np.ndarray:
        """Count each occurrence of each key (conservative update); return the new estimates.

        A key occurring ``k`` times in ``keys`` is raised by ``k`` at once;
        the result gives, for every position of ``keys``, its key's estimate
        after the whole call.
        """
        if not len(keys):
            return np.zeros(0, dtype=np.uint16)
        unique, inverse, times = np.unique(keys, return_inverse=True, return_counts=True)
        pos = _positions(unique, self.depth, self.width_bits)
        rows = np.arange(self.depth)[:, np.newaxis]
        estimate = np.min(self.counts[rows, pos], axis=0)
        new = np.minimum(estimate.astype(np.uint32) + times, self.MAX).astype(np.uint16)
        for r in range(self.depth):
            # maximum.at, not fancy assignment: two keys sharing a counter must both count.
            np.maximum.at(self.counts[r], pos[r], new)
        return new[inverse.ravel()]

    def fill(self) -> float:
        """Share of non-zero counters in the first row: near 1, estimates are unreliable.

        >>> CountMinSketch(width_bits=8).fill()
        0.0
        """
        return float(np.count_nonzero(self.counts[0])) / self.counts.shape[1]


class BloomFilter:
    """A set of 64-bit keys in ``2**bits_log2`` bits with ``probes`` probes per key.

    >>> bloom = BloomFilter(bits_log2=12)
    >>> bloom.add_new(np.array([1, 2, 1], dtype=np.uint64)).tolist()
    [True, True, False]
    >>> bloom.add_new(np.array([2, 3], dtype=np.uint64)).tolist()
    [False, True]
    """

    def __init__(self, bits_log2: int = 24, probes: int = 4) -> None:
        _check_bits(bits_log2, "bits_log2")
        if not 1 <= probes <= len(_MULTIPLIERS):
            raise ValueError(f"probes must be between 1 and {len(_MULTIPLIERS)}, not {probes}")
        self.bits_log2 = bits_log2
        self.probes = probes
        self.bits = np.zeros(max(1, (1 << bits_log2) // 8), dtype=np.uint8)

    @property
    def nbytes(self) -> int:
        return int(self.bits.nbytes)

    def add_new(self, keys: np.ndarray) -> np.ndarray:
        """Add the keys; return which of them were not in the set before (in order).

        A key repeated within ``keys`` is new only at its first position.
        """
        if not len(keys):
            return np.zeros(0, dtype=bool)
        first = np.zeros(len(keys), dtype=bool)
        _, index = np.unique(keys, return_index=True)
        first[index] = True
        pos = _positions(keys, self.probes, self.bits_log2)
        byte, mask = pos >> 3, (1 << (pos & 7)).astype(np.uint8)
        seen = np.all((self.bits[byte] & mask) != 0, axis=0)
        np.bitwise_or.at(self.bits, byte.ravel(), mask.ravel())
        return first & ~seen

    def fill(self) -> float:
        """Share of bits set; the false-positive rate is about ``fill ** probes``.

        >>> BloomFilter(bits_log2=8).fill()
        0.0
        """
        return float(_POPCOUNT[self.bits].sum(dtype=np.int64)) / (8 * len(self.bits))
