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


# Block size for in-place passes over long arrays: a few MB of scratch, whatever the length.
_BLOCK = 1 << 20


def _mix64_inplace(h: np.ndarray) -> None:
    """`mix64` written into ``h`` itself, a block at a time (no array-sized temporaries)."""
    scratch = np.empty(min(len(h), _BLOCK), dtype=_U64)
    with np.errstate(over="ignore"):
        for lo in range(0, len(h), _BLOCK):
            b = h[lo : lo + _BLOCK]
            t = scratch[: len(b)]
            for mult in (_M1, _M2, None):
                np.right_shift(b, _S33, out=t)
                b ^= t
                if mult is not None:
                    b *= mult


def gram_hashes(codes: np.ndarray, k: int) -> np.ndarray:
    """64-bit hashes of every k-gram of ``codes``: element i hashes codes[i:i+k].

    Returns an empty array when there are fewer than ``k`` codes.
    """
    n = len(codes) - k + 1
    if n <= 0:
        return np.empty(0, dtype=_U64)
    # Built in place in one uint64 array: a 50-million-character document
    # must not hold several arrays of its size at once.
    h = codes[:n].astype(_U64)
    with np.errstate(over="ignore"):
        for j in range(1, k):
            h *= _BASE
            h += codes[j : j + n]
    _mix64_inplace(h)
    return h


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
    b = np.asarray(breaks, dtype=np.int64)
    starts = b[(b >= 0) & (b < length)].tolist()
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    merged_s: list[int] = []
    merged_e: list[int] = []
    s = starts[0]
    for e in starts[1:]:
        if e - s >= min_len:
            merged_s.append(s)
            merged_e.append(e)
            s = e
    merged_s.append(s)
    merged_e.append(length)
    if len(merged_s) > 1 and length - s < min_len:
        merged_s.pop()
        merged_e.pop()
        merged_e[-1] = length
    return _windows(np.asarray(merged_s, np.int64), np.asarray(merged_e, np.int64), max_len)


def _windows(s: np.ndarray, e: np.ndarray, max_len: int) -> np.ndarray:
    """Each ``[s, e)`` longer than ``max_len`` as windows of ``max_len`` every ``max_len // 2``,
    the last one ending at ``e``; shorter ones as they are. Vectorised: a document with no
    sentence breaks at all is one sentence of millions of windows."""
    step = max_len // 2
    over = np.maximum(e - s - max_len, 0)
    full = -(-over // step)  # windows of full length before the last one
    count = full + 1
    unit = np.repeat(np.arange(len(s)), count)
    first = np.cumsum(count) - count
    i = np.arange(len(unit), dtype=np.int64) - first[unit]
    out = np.empty((len(unit), 2), dtype=np.int64)
    out[:, 0] = s[unit] + i * step
    out[:, 1] = np.where(i < full[unit], out[:, 0] + max_len, e[unit])
    return out


def unit_gram_index(bounds: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the k-grams lying wholly inside each unit, concatenated.

    Returns ``(positions, offsets)``: unit u owns
    ``positions[offsets[u]:offsets[u + 1]]``. Callers pass only units of at
    least ``k`` characters, so that no range is empty. Positions are int32
    when they fit (they index one document), to halve the biggest array here.
    """
    counts = np.maximum(bounds[:, 1] - bounds[:, 0] - k + 1, 0)
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    fits = max(total, int(bounds[:, 1].max())) < np.iinfo(np.int32).max
    dtype = np.int32 if fits else np.int64
    # arange per unit without a Python loop: each unit's start minus its
    # offset, repeated over its grams, plus a global arange (added in blocks).
    positions = np.repeat((bounds[:, 0] - offsets[:-1]).astype(dtype), counts)
    for lo in range(0, total, _BLOCK):
        hi = min(lo + _BLOCK, total)
        positions[lo:hi] += np.arange(lo, hi, dtype=dtype)
    return positions, offsets


_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_DIGIT_LUT = np.arange(0x10000, dtype=np.uint32)
for _ch, _v in _DIGITS.items():
    _DIGIT_LUT[ord(_ch)] = ord("0") + _v


def digit_codes(codes: np.ndarray) -> np.ndarray:
    """Chinese numeral characters as ASCII digits, everything else as it is.

    "二〇二四" and "2024", "八项规定" and "8项规定" shingle alike, while two
    statistics sentences of one template, differing in every figure, do not.
    """
    if codes.size == 0 or int(codes.max()) < 0x10000:
        return _DIGIT_LUT[codes].astype(codes.dtype, copy=False)  # one lookup, no temporaries
    out = codes.copy()
    bmp = out < 0x10000
    out[bmp] = _DIGIT_LUT[out[bmp]]
    return out
