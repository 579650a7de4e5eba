"""Character n-gram hashes and the units MinHash is computed over.

Chinese has no spaces, and two copies of one passage are segmented
differently by a word segmenter, so the unit of comparison is the character
n-gram of the normalised matching text. Everything here is vectorised with
numpy: a 10,000-document corpus holds 30 million n-grams.
"""

from __future__ import annotations

import numpy as np

_U64 = np.uint64
# Odd 64-bit multipliers: the polynomial base for rolling hashes and the
# MurmurHash3 finaliser constants that spread them over all 64 bits.
_BASE = _U64(0x100000001B3)
_M1 = _U64(0xFF51AFD7ED558CCD)
_M2 = _U64(0xC4CEB9FE1A85EC53)
_S33 = _U64(33)


def mix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, element-wise (wrapping arithmetic)."""
    h = h ^ (h >> _S33)
    h = h * _M1
    h = h ^ (h >> _S33)
    h = h * _M2
    return h ^ (h >> _S33)


def gram_hashes(codes: np.ndarray, k: int) -> np.ndarray:
    """64-bit hashes of every k-gram of ``codes``: element i hashes codes[i:i+k].

    Returns an empty array when there are fewer than ``k`` codes.
    """
    n = len(codes) - k + 1
    if n <= 0:
        return np.empty(0, dtype=_U64)
    c = codes.astype(_U64, copy=False)
    with np.errstate(over="ignore"):
        h = c[:n].copy()
        for j in range(1, k):
            h *= _BASE
            h += c[j : j + n]
        return mix64(h)


def units(breaks: np.ndarray, length: int, min_len: int = 12, max_len: int = 80) -> np.ndarray:
    """Unit bounds ``(n, 2)`` in matching text: sentences, short ones merged, long ones windowed.

    Sentences are the natural unit (copies begin and end at sentence
    boundaries, so two copies of a sentence give the same unit); a sentence
    shorter than ``min_len`` is merged with the next so that it carries enough
    n-grams to hash, and one longer than ``max_len`` is cut into windows of
    ``max_len`` overlapping by half, so an edit in a 300-character sentence
    spoils one window, not the whole unit.
    """
    if length == 0:
        return np.empty((0, 2), dtype=np.int64)
    starts = [int(b) for b in breaks if 0 <= b < length]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = starts[1:] + [length]
    merged: list[tuple[int, int]] = []
    s = starts[0]
    for e in bounds:
        if e - s >= min_len or e == length:
            merged.append((s, e))
            s = e
    if len(merged) > 1 and merged[-1][1] - merged[-1][0] < min_len:
        last = merged.pop()
        merged[-1] = (merged[-1][0], last[1])
    out: list[tuple[int, int]] = []
    step = max_len // 2
    for s, e in merged:
        if e - s <= max_len:
            out.append((s, e))
            continue
        w = s
        while True:
            if e - w <= max_len:
                out.append((w, e))
                break
            out.append((w, w + max_len))
            w += step
    return np.asarray(out, dtype=np.int64).reshape(-1, 2)


def unit_gram_index(bounds: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the k-grams lying wholly inside each unit, concatenated.

    Returns ``(positions, offsets)``: unit u owns
    ``positions[offsets[u]:offsets[u + 1]]``. Callers pass only units of at
    least ``k`` characters, so that no range is empty.
    """
    counts = np.maximum(bounds[:, 1] - bounds[:, 0] - k + 1, 0)
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    # arange per unit without a Python loop: a global arange minus each unit's
    # offset, plus each unit's start.
    unit_of = np.repeat(np.arange(len(counts)), counts)
    positions = np.arange(total, dtype=np.int64) - offsets[unit_of] + bounds[unit_of, 0]
    return positions, offsets


_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_DIGIT_LUT = np.arange(0x10000, dtype=np.uint32)
for _ch, _v in _DIGITS.items():
    _DIGIT_LUT[ord(_ch)] = ord("0") + _v


def digit_codes(codes: np.ndarray) -> np.ndarray:
    """Chinese numeral characters as ASCII digits, everything else as it is.

    "二〇二四" and "2024", "八项规定" and "8项规定" shingle alike, while two
    statistics sentences of one template, differing in every figure, do not.
    """
    out = codes.copy()
    bmp = out < 0x10000
    out[bmp] = _DIGIT_LUT[out[bmp]]
    return out
