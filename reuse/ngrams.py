"""Every repeated n-gram of a corpus with the figures a stock-phrase ranking needs, in numpy.

The corpus is one array of dense character ids, runs of text separated by 0 (punctuation,
spaces, document ends). Counting is apriori, level by level: an (n+1)-gram is only formed
where its n-character prefix and its n-character suffix both reached the minimum document
frequency, so the work follows what the corpus really repeats.

Two things make a level cheap:

- **Grouping by value sort, not argsort.** The group key of each position and the position's
  index are packed into one 64-bit integer and sorted as plain values, which numpy does several
  times faster than an argsort; the index comes back out of the low bits. Positions of one key
  stay in ascending order, so document frequency is a count of document changes.
- **Two threads, one per half of the alphabet.** An n-gram's first character never changes as
  it grows to the right, so the positions split once, by first character, into two halves of
  about equal size that never share a group. Each thread sorts and reduces its own half; the
  heavy numpy calls release the GIL, so both cores work. Only the cross-half bookkeeping (which
  suffix belongs to which n-gram) is done between levels, on shared arrays.

Per frequent n-gram a level keeps: term and document frequency, and the number of sources
(groups of documents, such as input folders) it occurs in; how many occurrences have a
run edge on one or both sides, sit between quotation marks or between book-title marks, touch
a numeral, or lie in page furniture; the largest one-character extension on each side and
sum(c log c) over the extensions (for neighbour entropy); and a few sample positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Corpus", "Level", "SAMPLES", "count", "gram_hashes", "lookup_tf"]

SAMPLES = 4  # occurrences kept per n-gram, spread over its occurrences
_HASH_MUL = np.uint64(0x9E3779B97F4A7C15)

# Bits of ``Corpus.marks`` (about the character at a position).
EDGE, QUOTE, TITLE, NUMERAL = 1, 2, 4, 8
# Bits of the per-occurrence flags a level reduces.
_SIDE, _FREE, _QUOTED, _TITLED, _NUM, _FURN = 1, 2, 4, 8, 16, 32


@dataclass(slots=True)
class Corpus:
    """The input of `count`: ids (0 = run edge; position 0 and the last position are edges),
    the document of each position, ``marks`` per position (EDGE, QUOTE, TITLE, NUMERAL bits)
    and ``furniture`` (True inside page-furniture lines)."""

    codes: np.ndarray  # int32
    doc: np.ndarray  # int32
    marks: np.ndarray  # uint8
    furniture: np.ndarray  # bool
    alphabet_size: int
    # The source (input folder) of each position, non-decreasing along the corpus; None for
    # a corpus of one source.
    source: np.ndarray | None = None


@dataclass(slots=True)
class Level:
    """The frequent n-grams of one length and their figures (one entry per n-gram).

    One-character extensions are the (n+1)-grams apriori forms, those whose other
    n-character part is frequent too, seen at least twice: an extension outside them is
    too rare to account for most occurrences of a frequent n-gram, and adds nothing to
    sum(c log c).
    """

    n: int
    samples: np.ndarray  # (groups, SAMPLES) int32 start positions; column 0 is the first
    tf: np.ndarray
    df: np.ndarray
    side: np.ndarray  # occurrences with a run edge on at least one side
    free: np.ndarray  # ... on both sides
    quoted: np.ndarray  # between quotation marks
    titled: np.ndarray  # between book-title marks 《》
    numeral: np.ndarray  # a numeral right before or right after
    furniture: np.ndarray  # inside page-furniture lines
    right_max: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    left_max: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    right_clogc: np.ndarray = field(default_factory=lambda: np.zeros(0))
    left_clogc: np.ndarray = field(default_factory=lambda: np.zeros(0))
    sources: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # distinct ones

    @property
    def rep(self) -> np.ndarray:
        return self.samples[:, 0]

    def entropy(self) -> tuple[np.ndarray, np.ndarray]:
        """Left and right neighbour entropy (nats). A run edge is a neighbour of its own each
        time, so a formula between quotes or commas has the freest boundary of all."""
        tf = self.tf.astype(np.float64)
        log_tf = np.log(tf)
        return log_tf - self.left_clogc / tf, log_tf - self.right_clogc / tf


@dataclass(slots=True)
class _Part:
    """What one thread found at one level for its half of the alphabet."""

    level: Level
    pos: np.ndarray  # positions (ascending) whose n-gram is frequent, for the next level
    ids: np.ndarray  # their n-gram's index in ``level``
    right_parent: np.ndarray  # per child n-gram with tf >= 2: its prefix's index (local)
    left_rep: np.ndarray  # ... the position of its suffix (its first occurrence + 1)
    child_tf: np.ndarray


def _empty_level(n: int) -> Level:
    z = np.zeros(0, np.int32)
    return Level(n, np.zeros((0, SAMPLES), np.int32), z, z, z, z, z, z, z, z)


def _group_sort(keys: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, sorted keys): positions grouped by key, ascending position within a key."""
    shift = max(int(m - 1).bit_length(), 1)
    top = int(keys.max()) if keys.size else 0
    if top.bit_length() + shift <= 63:
        packed = keys.astype(np.int64) << shift
        packed |= np.arange(m, dtype=np.int64)
        packed.sort()
        order = (packed & ((1 << shift) - 1)).astype(np.int32)
        packed >>= shift
        return order, packed
    order = np.argsort(keys, kind="stable").astype(np.int32)
    return order, keys[order]


def _level_part(
    corpus: Corpus, n: int, pos: np.ndarray, keys: np.ndarray, min_df: int, flags: bool = True
) -> _Part:
    """Group the n-grams starting at ``pos`` (ascending) by ``keys`` and reduce each group;
    without ``flags`` the occurrence figures (edges, quotes, numerals, furniture) stay 0."""
    m = pos.size
    if m == 0:
        z = np.zeros(0, np.int32)
        return _Part(_empty_level(n), z, z, z, z, z)
    order, skeys = _group_sort(keys, m)
    new = np.empty(m, bool)
    new[0] = True
    np.not_equal(skeys[1:], skeys[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    tf_all = np.diff(starts, append=m).astype(np.int32)
    spos = pos[order]
    sdoc = corpus.doc[spos]
    newdoc = new.copy()
    newdoc[1:] |= sdoc[1:] != sdoc[:-1]
    del sdoc
    df_all = np.add.reduceat(newdoc, starts, dtype=np.int32)
    del newdoc
    freq = df_all >= min_df
    f = np.flatnonzero(freq)
    sources = np.ones(f.size, np.int32)
    if corpus.source is not None:
        # Sources are contiguous runs of positions, so within a group (ascending positions)
        # each new source is a change, as each new document is.
        ssrc = corpus.source[spos]
        newsrc = new.copy()
        newsrc[1:] |= ssrc[1:] != ssrc[:-1]
        del ssrc
        sources = np.add.reduceat(newsrc, starts, dtype=np.int32)[f]
        del newsrc

    # Children of the previous level (n-1): the prefix of a child is its key's high part, and
    # its suffix is the (n-1)-gram one position on. Children seen once carry no information
    # (they neither dominate a parent nor add to sum(c log c)).
    multi = np.flatnonzero(tf_all >= 2)
    right_parent = skeys[starts[multi]] // corpus.alphabet_size if n > 1 else multi[:0]
    left_rep = (spos[starts[multi]] + 1).astype(np.int32)
    child_tf = tf_all[multi]
    del skeys

    sums = [np.zeros(f.size, np.int32)] * 6
    if flags:
        sums = _occurrence_sums(corpus, n, pos, order, starts, f)

    fstarts = starts[f]
    ftf = tf_all[f]
    samples = np.empty((f.size, SAMPLES), np.int32)
    for j in range(SAMPLES):
        samples[:, j] = spos[fstarts + (j * ftf) // SAMPLES]
    level = Level(n, samples, ftf, df_all[f], *sums, sources=sources)

    # Frequent positions and their n-gram index, back in position order.
    gidx = np.cumsum(new, dtype=np.int32)
    gidx -= 1
    del new
    new_id = np.cumsum(freq, dtype=np.int32)
    new_id -= 1
    new_id[~freq] = -1
    ids_at = np.empty(m, np.int32)
    ids_at[order] = new_id[gidx]
    del gidx, order, spos
    keep = ids_at >= 0
    return _Part(level, pos[keep], ids_at[keep], right_parent, left_rep, child_tf)


def _occurrence_sums(
    corpus: Corpus, n: int, pos: np.ndarray, order: np.ndarray, starts: np.ndarray, f: np.ndarray
) -> list[np.ndarray]:
    """Per frequent group ``f``: occurrences with an edge on a side, on both sides, between
    quotes, between title marks, next to a numeral, in furniture. The flags are computed in
    position order (sequential reads) and permuted once."""
    marks = corpus.marks
    left = marks[pos - 1]
    right = marks[pos + n]
    flags = ((left | right) & EDGE).astype(np.uint8)  # _SIDE
    flags |= (left & right & EDGE) << 1  # _FREE
    flags |= ((left & right & QUOTE) >> 1) << 2  # _QUOTED
    flags |= ((left & right & TITLE) >> 2) << 3  # _TITLED
    flags |= (((left | right) & NUMERAL) >> 3) << 4  # _NUM
    flags |= corpus.furniture[pos].astype(np.uint8) << 5
    del left, right
    sflags = flags[order]
    del flags
    return [
        np.add.reduceat((sflags & bit).astype(bool), starts, dtype=np.int32)[f]
        for bit in (_SIDE, _FREE, _QUOTED, _TITLED, _NUM, _FURN)
    ]


def _split_alphabet(codes: np.ndarray, alphabet_size: int, parts: int) -> np.ndarray:
    """Part of each character id, balancing the occurrences each part holds."""
    counts = np.bincount(codes, minlength=alphabet_size)
    counts[0] = 0
    part = np.zeros(alphabet_size, np.int8)
    if parts < 2:
        return part
    load = [0] * parts
    for c in np.argsort(-counts, kind="stable").tolist():
        k = load.index(min(load))
        part[c] = k
        load[k] += int(counts[c])
    return part


def _merge(levels: Sequence[Level], n: int) -> Level:
    if len(levels) == 1:
        return levels[0]
    return Level(
        n,
        np.concatenate([lv.samples for lv in levels]),
        *(
            np.concatenate([getattr(lv, name) for lv in levels])
            for name in ("tf", "df", "side", "free", "quoted", "titled", "numeral", "furniture")
        ),
        sources=np.concatenate([lv.sources for lv in levels]),
    )


def _finish_parent(
    parent: Level, parts: Sequence[_Part], offsets: Sequence[int], prev: np.ndarray
) -> None:
    """One-character extension figures of ``parent`` from its children in every part."""
    size = parent.tf.size
    right_max = np.zeros(size, np.int32)
    left_max = np.zeros(size, np.int32)
    right_clogc = np.zeros(size)
    left_clogc = np.zeros(size)
    for part, offset in zip(parts, offsets, strict=True):
        if part.child_tf.size == 0:
            continue
        tf = part.child_tf
        clogc = tf * np.log(tf)
        rp = part.right_parent.astype(np.int64) + offset
        lp = prev[part.left_rep].astype(np.int64)
        np.maximum.at(right_max, rp, tf)
        np.maximum.at(left_max, lp, tf)
        right_clogc += np.bincount(rp, weights=clogc, minlength=size)
        left_clogc += np.bincount(lp, weights=clogc, minlength=size)
    parent.right_max, parent.left_max = right_max, left_max
    parent.right_clogc, parent.left_clogc = right_clogc, left_clogc


def count(
    corpus: Corpus,
    min_df: int,
    max_len: int,
    workers: int = 2,
    split_from: int = 200_000,
    flags_from: int = 1,
) -> list[Level]:
    """Every n-gram (1 <= n <= max_len) of ``corpus`` in at least ``min_df`` documents.

    Corpora shorter than ``split_from`` positions are counted in one part: two threads
    cost more than they save there. Levels shorter than ``flags_from`` skip the occurrence
    figures (a caller that reports no such n-gram needs only their counts)."""
    codes = corpus.codes
    size = codes.size
    parts_n = workers if size >= split_from else 1
    part_of = _split_alphabet(codes, corpus.alphabet_size, parts_n)
    content = np.flatnonzero(codes > 0).astype(np.int32)
    owner = part_of[codes[content]]
    pos = [content[owner == k] for k in range(parts_n)]
    del content, owner
    ids: list[np.ndarray] = [np.zeros(0, np.int32)] * parts_n
    prev = np.full(size + 1, -1, np.int32)  # global index at the previous level, by position
    offsets: list[int] = []
    levels: list[Level] = []
    alphabet = np.int64(corpus.alphabet_size)

    def job(k: int, n: int) -> _Part:
        p = pos[k]
        if n == 1:
            keys = codes[p].astype(np.int64)
        else:
            ok = prev[p + 1] >= 0
            p = p[ok]
            keys = ids[k][ok].astype(np.int64) * alphabet
            keys += codes[p + n - 1]
        return _level_part(corpus, n, p, keys, min_df, n >= flags_from)

    with ThreadPoolExecutor(max_workers=parts_n) as pool:
        for n in range(1, max_len + 1):
            if sum(p.size for p in pos) == 0:
                break
            found = list(pool.map(job, range(parts_n), [n] * parts_n))
            if levels:
                _finish_parent(levels[-1], found, offsets, prev)
            offsets = np.cumsum([0] + [f.level.tf.size for f in found[:-1]]).tolist()
            level = _merge([f.level for f in found], n)
            if level.tf.size == 0:
                break
            levels.append(level)
            prev.fill(-1)
            for k, (f, offset) in enumerate(zip(found, offsets, strict=True)):
                prev[f.pos] = f.ids + offset
                pos[k], ids[k] = f.pos, f.ids
            del found
    for level in levels:
        if level.right_max.size != level.tf.size:  # the longest level has no children
            _finish_parent(level, [], [], prev)
    return levels


def gram_hashes(codes: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """64-bit hashes of ``codes[s:s + length]`` for each start ``s``."""
    h = np.zeros(starts.size, np.uint64)
    with np.errstate(over="ignore"):
        for j in range(length):
            h *= _HASH_MUL
            h += codes[starts + j].astype(np.uint64) + np.uint64(1)
        h ^= h >> np.uint64(29)
        h *= _HASH_MUL
    return h


@dataclass(slots=True)
class TfTable:
    """Term frequency of every frequent n-gram of length <= ``upto``, looked up by hash."""

    hashes: list[np.ndarray]  # per length, sorted
    tfs: list[np.ndarray]


def tf_table(codes: np.ndarray, levels: Sequence[Level], upto: int) -> TfTable:
    hashes: list[np.ndarray] = [np.zeros(0, np.uint64)]
    tfs: list[np.ndarray] = [np.zeros(0, np.int32)]
    for level in levels[:upto]:
        h = gram_hashes(codes, level.rep, level.n)
        order = np.argsort(h)
        hashes.append(h[order])
        tfs.append(level.tf[order])
    return TfTable(hashes, tfs)


def lookup_tf(table: TfTable, codes: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """tf of the n-grams at ``starts`` of this length; -1 where not frequent or too long."""
    out = np.full(starts.size, -1, np.int64)
    if length >= len(table.hashes) or starts.size == 0:
        return out
    keys, tfs = table.hashes[length], table.tfs[length]
    if keys.size == 0:
        return out
    h = gram_hashes(codes, starts, length)
    at = np.minimum(np.searchsorted(keys, h), keys.size - 1)
    hit = keys[at] == h
    out[hit] = tfs[at[hit]]
    return out
