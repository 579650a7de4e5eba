"""MinHash signatures of units and LSH banding, in bulk.

The hash family is datasketch's: the permutations come from
``datasketch.MinHash(num_perm, seed)`` (scheme ``affine32``) and the
signature of a set of 32-bit values is exactly what
``MinHash.update_batch`` computes for them (a test holds us to that). What
differs is the batching: datasketch hashes one unit at a time in Python,
here all units of a document go through numpy at once, and banding is a
sort instead of an in-memory dict of buckets (about 8 KB per unit in
datasketch's ``MinHashLSH``, too much for sentence-level units at scale).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param
from datasketch.minhash import _fmix
from numba import njit

from reuse.shingle import mix64

_U32 = np.uint32
_U64 = np.uint64


@dataclass(frozen=True)
class LSHParams:
    """How units are hashed and banded; an index stores these and refuses others."""

    num_perm: int = 64
    threshold: float = 0.4
    seed: int = 1
    shingle: int = 3

    @cached_property
    def bands(self) -> tuple[int, int]:
        """(b, r) minimising false positives and negatives around ``threshold``.

        datasketch's own optimiser, weighting misses above false candidates,
        because every candidate is verified by alignment and a miss is lost.
        """
        return _optimal_param(self.threshold, self.num_perm, 0.3, 0.7)


@njit(cache=True, nogil=True)
def _min_affine(hv, offsets, a, b):
    """Per unit and permutation, the least ``(a * h + b) mod 2**32`` over the unit's hashes.

    datasketch's affine32 permutations; compiled, because in numpy the
    (shingles x permutations) products are a temporary matrix that costs
    ten times the arithmetic.
    """
    out = np.empty((len(offsets) - 1, len(a)), np.uint32)
    row = np.empty(len(a), np.uint32)
    for u in range(len(offsets) - 1):
        row[:] = 0xFFFFFFFF
        for s in range(offsets[u], offsets[u + 1]):
            x = hv[s]
            for p in range(len(a)):
                v = (x * a[p] + b[p]) & np.uint32(0xFFFFFFFF)
                if v < row[p]:
                    row[p] = v
        out[u] = row
    return out


class MinHasher:
    """Signatures and band keys for many units at once."""

    def __init__(self, params: LSHParams) -> None:
        self.params = params
        a, b = MinHash(num_perm=params.num_perm, seed=params.seed).permutations
        self._a = np.asarray(a, dtype=_U32)
        self._b = np.asarray(b, dtype=_U32)
        self.b, self.r = params.bands

    def signatures(self, values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """MinHash signatures ``(n_units, num_perm)``, uint32, one row per unit.

        Unit u is the set ``values[offsets[u]:offsets[u + 1]]`` of 32-bit
        shingle hashes; every range must be non-empty.
        """
        hv = _fmix(values.astype(_U32, copy=False), 32)
        return _min_affine(hv, offsets.astype(np.int64, copy=False), self._a, self._b)

    def band_keys(self, sigs: np.ndarray) -> np.ndarray:
        """``(n_units, b)`` uint64 keys: equal keys in band i mean equal rows in band i."""
        n = len(sigs)
        rows = sigs[:, : self.b * self.r].reshape(n, self.b, self.r).astype(_U64)
        with np.errstate(over="ignore"):
            acc = np.broadcast_to(
                (np.arange(self.b, dtype=_U64) + _U64(1)) * _U64(0x9E3779B97F4A7C15), (n, self.b)
            ).copy()
            for t in range(self.r):
                acc = mix64(acc ^ rows[:, :, t])
        return acc


def candidate_pairs(
    keys: np.ndarray, docs: np.ndarray, max_bucket: int = 12, min_shared: int = 1
) -> np.ndarray:
    """Distinct document pairs ``(n, 2)`` (smaller index first) sharing ``min_shared`` band keys.

    A bucket of up to ``max_bucket`` documents yields all its pairs; a larger
    one (a footer, a formula sentence in every regulation) yields a star: each
    document paired with the bucket's first. That keeps boilerplate linear,
    and the star is enough to join the whole bucket into one family.

    Officialese is written from templates, so two documents often have a
    pair of sentences near the LSH threshold that collide in one band by
    chance; a copied passage collides in many bands of one or more units.
    ``min_shared`` keeps the pairs that collide at least that often.
    """
    return count_pairs([bucket_pairs(keys, docs, max_bucket)], min_shared)


def bucket_pairs(keys: np.ndarray, docs: np.ndarray, max_bucket: int = 12) -> np.ndarray:
    """Every collision of two documents in one bucket, as codes ``lo << 32 | hi``.

    A pair colliding in several buckets appears once per bucket. Keys may be
    any subset of the index's keys that holds whole buckets (a partition by
    key value), so a large index can be paired a part at a time.
    """
    if len(keys) == 0:
        return np.empty(0, dtype=np.int64)
    # Key and document packed into one value and sorted as values: for
    # 12.6 million keys 0.1 s, against 0.9 s for an argsort. The packing
    # drops the key's top bits (14 for 10,000 documents). Two buckets merged
    # by that, about 0.05 expected among 10 million distinct keys, add one
    # collision to a few pairs, which ``min_shared`` needs three of.
    bits = _U64(max(int(docs.max()).bit_length(), 1))
    packed = (keys.astype(_U64) << bits) | docs.astype(_U64)
    packed.sort()
    return _bucket_codes(packed, bits, max_bucket)


@njit(cache=True, nogil=True)
def _bucket_codes(packed, bits, max_bucket):
    """Pair codes of sorted packed (key, document) values: a bucket's document pairs, or a star
    on its first (smallest) document when it holds more than ``max_bucket`` of them."""
    one = np.uint64(1)
    mask = (one << bits) - one
    n = len(packed)
    # One pass to size the output and the largest bucket, one to fill.
    total = widest = 0
    i = 0
    while i < n:
        key, m, last, j = packed[i] >> bits, 0, packed[i] + one, i
        while j < n and packed[j] >> bits == key:
            if packed[j] != last:
                m += 1
                last = packed[j]
            j += 1
        if m >= 2:
            total += m * (m - 1) // 2 if m <= max_bucket else m - 1
        widest = max(widest, m)
        i = j
    out = np.empty(total, np.int64)
    members = np.empty(widest, np.int64)
    t = i = 0
    while i < n:
        key, m, last, j = packed[i] >> bits, 0, packed[i] + one, i
        while j < n and packed[j] >> bits == key:
            if packed[j] != last:
                members[m] = np.int64(packed[j] & mask)
                m += 1
                last = packed[j]
            j += 1
        if m > max_bucket:
            for x in range(1, m):
                out[t] = (members[0] << 32) | members[x]
                t += 1
        else:
            for x in range(m):
                for y in range(x + 1, m):
                    out[t] = (members[x] << 32) | members[y]
                    t += 1
        i = j
    return out


def count_pairs(codes: Iterable[np.ndarray], min_shared: int = 1) -> np.ndarray:
    """Distinct pairs ``(n, 2)`` among bucket collisions, kept if seen ``min_shared`` times."""
    allc = np.concatenate([np.empty(0, dtype=np.int64), *codes])
    uniq, counts = np.unique(allc, return_counts=True)
    uniq = uniq[counts >= min_shared]
    return np.stack([uniq >> 32, uniq & 0xFFFFFFFF], axis=1)
