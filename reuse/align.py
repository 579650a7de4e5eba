"""Turn a candidate document pair into tight aligned passages.

Seed and extend, in the matching text of both documents:

1. Seeds are k-grams the two documents share (numpy set intersection of
   their k-gram hashes; k-grams frequent inside one document are left out,
   they anchor nothing).
2. Seeds on one diagonal in a row become a segment: an exact common run.
3. Segments are chained in the order of document A, allowing a gap on either
   side (an edit, a dropped clause) and allowing B's order to differ within a
   window (a reordered clause): passim needs anchors in increasing order and
   so misses reordered passages, this does not.
4. A chain is kept when enough of both sides is covered by segments; its
   ends are where its first and last segments begin and end, so the spans are
   tight around the shared text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Indel

from reuse.normalize import Normalized, normalize
from reuse.shingle import gram_hashes


@dataclass(frozen=True, slots=True)
class AlignParams:
    """Knobs of the aligner, in characters of matching text."""

    k: int = 4
    min_len: int = 20
    gap: int = 36
    min_density: float = 0.5
    min_similarity: float = 0.6
    min_order_similarity: float = 0.55
    max_occurrences: int = 12


@dataclass(slots=True)
class Prepared:
    """A document's matching text with its k-gram hashes sorted for intersection.

    ``plain()`` is the same text with numbers kept as written: seeds are
    found with numbers folded (a changed figure must not break a copy), but
    the similarity that decides whether a passage is reported is measured on
    it, so that two statistics sentences of one template, differing in every
    figure, are not called a copy. It is built on first use: most candidate
    pairs of a templated corpus end before any passage is judged.
    """

    text: str
    norm: Normalized
    uniq: np.ndarray
    first: np.ndarray
    count: np.ndarray
    order: np.ndarray
    _plain: Normalized | None = None

    def plain(self) -> Normalized:
        if self._plain is None:
            self._plain = normalize(self.text, numbers=False)
        return self._plain


@dataclass(frozen=True, slots=True)
class Match:
    """One aligned passage: ``[a_start, a_end)`` of A and ``[b_start, b_end)`` of B.

    Offsets are in matching text; ``Normalized.span`` maps them back.
    """

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    similarity: float


def prepare(text: str, k: int) -> Prepared:
    """Normalise a document and sort its k-gram hashes once, so each pair costs one intersection."""
    norm = normalize(text)
    h = gram_hashes(norm.codes(), k)
    order = np.argsort(h).astype(np.int32)
    uniq, first, count = np.unique(h[order], return_index=True, return_counts=True)
    return Prepared(text, norm, uniq, first.astype(np.int32), count.astype(np.int32), order)


def _plain(p: Prepared, start: int, end: int) -> str:
    """The numbers-as-written text of matching span ``[start, end)``."""
    s, e = p.norm.span(start, end)
    plain = p.plain()
    lo, hi = np.searchsorted(plain.starts, (s, e))
    return plain.text[lo:hi]


def seeds(a: Prepared, b: Prepared, max_occurrences: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, j)`` where A and B have the same k-gram."""
    _, ia, ib = np.intersect1d(a.uniq, b.uniq, assume_unique=True, return_indices=True)
    ca, cb = a.count[ia], b.count[ib]
    ok = (ca <= max_occurrences) & (cb <= max_occurrences)
    ia, ib, ca, cb = ia[ok], ib[ok], ca[ok], cb[ok]
    n = ca * cb
    total = int(n.sum())
    if total == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    # Every occurrence in A against every occurrence in B, without a loop.
    h = np.repeat(np.arange(len(n)), n)
    offsets = np.r_[0, np.cumsum(n)[:-1]]
    within = np.arange(total) - offsets[h]
    i = a.order[a.first[ia][h] + within // cb[h]]
    j = b.order[b.first[ib][h] + within % cb[h]]
    return i.astype(np.int64), j.astype(np.int64)


def segments(i: np.ndarray, j: np.ndarray, k: int) -> np.ndarray:
    """Exact common runs ``(n, 3)`` of ``(i0, j0, length)`` from seeds, sorted by ``i0``."""
    if len(i) == 0:
        return np.empty((0, 3), dtype=np.int64)
    d = i - j
    order = np.lexsort((i, d))
    i, d = i[order], d[order]
    new = np.r_[True, (d[1:] != d[:-1]) | (i[1:] != i[:-1] + 1)]
    starts = np.flatnonzero(new)
    lengths = np.diff(np.r_[starts, len(i)]) + (k - 1)
    i0 = i[starts]
    segs = np.stack([i0, i0 - d[starts], lengths], axis=1)
    return segs[np.argsort(i0, kind="stable")]


def near_strong(segs: np.ndarray, strong_len: int, gap: int) -> np.ndarray:
    """Keep strong runs, and short ones only where a strong run is near on both sides.

    Two documents on one subject share hundreds of chance 4-grams; alone,
    they are noise, but next to a longer run they bridge the edits of a
    copy. Dropping the lonely ones first keeps the chaining loop short.
    """
    strong = segs[:, 2] >= strong_len
    if strong.all() or not strong.any():
        return segs[strong]
    s = segs[strong]
    w = segs[~strong]
    pos = np.searchsorted(s[:, 0], w[:, 0])
    keep = np.zeros(len(w), dtype=bool)
    # A few strong neighbours each way: a chance strong run (a stock phrase
    # matched elsewhere) may sit between a weak run and its own copy.
    for nb in (pos + step for step in range(-3, 3)):
        ok = (nb >= 0) & (nb < len(s))
        nbc = np.clip(nb, 0, len(s) - 1)
        di = np.maximum(w[:, 0] - (s[nbc, 0] + s[nbc, 2]), s[nbc, 0] - (w[:, 0] + w[:, 2]))
        dj = np.maximum(w[:, 1] - (s[nbc, 1] + s[nbc, 2]), s[nbc, 1] - (w[:, 1] + w[:, 2]))
        keep |= ok & (di <= gap) & (dj <= gap)
    out = np.concatenate([s, w[keep]])
    return out[np.argsort(out[:, 0], kind="stable")]


@dataclass(slots=True)
class _Chain:
    segs: list[tuple[int, int, int]]
    i_end: int
    j_lo: int
    j_hi: int
    last_j_end: int
    last_d: int


def chain(segs: list[tuple[int, int, int]], gap: int) -> list[list[tuple[int, int, int]]]:
    """Group segments that lie within ``gap`` of each other on both sides.

    A segment joins a chain when it starts at most ``gap`` after the chain
    in A, lies within ``gap`` of the chain's extent in B, and its diagonal
    is within ``gap`` of the last one's: a clause moved by its own length
    stays in, while text after the copy in A that merely repeats phrases
    of the copy's middle in B (a regulation restating its own terms) does
    not drag the chain along A alone.
    """
    done: list[_Chain] = []
    active: list[_Chain] = []
    for seg in segs:
        i0, j0, n = seg
        still = []
        for c in active:
            (done if c.i_end + gap < i0 else still).append(c)
        active = still
        best: _Chain | None = None
        best_dist = 0
        for c in active:
            if c.j_lo - gap <= j0 <= c.j_hi + gap and abs(i0 - j0 - c.last_d) <= gap:
                dist = abs(j0 - c.last_j_end)
                if best is None or dist < best_dist:
                    best, best_dist = c, dist
        if best is None:
            active.append(_Chain([seg], i0 + n, j0, j0 + n, j0 + n, i0 - j0))
        else:
            best.segs.append(seg)
            best.i_end = max(best.i_end, i0 + n)
            best.j_lo = min(best.j_lo, j0)
            best.j_hi = max(best.j_hi, j0 + n)
            best.last_j_end = j0 + n
            best.last_d = i0 - j0
    done.extend(active)
    return [c.segs for c in done]


def _covered(intervals: list[tuple[int, int]]) -> int:
    total, end = 0, -1
    for s, e in sorted(intervals):
        if e > end:
            total += e - max(s, end)
            end = e
    return total


def _overlap_with_rest(seg: tuple[int, int], rest: list[tuple[int, int]]) -> int:
    """Characters of interval ``seg`` that the intervals ``rest`` also cover."""
    covered, end = 0, seg[0]
    for s, e in sorted(rest):
        s, e = max(s, end), min(e, seg[1])
        if e > s:
            covered += e - s
            end = e
    return covered


def _trim(segs: list[tuple[int, int, int]], k: int) -> list[tuple[int, int, int]]:
    """Drop chance seeds hanging off either end, so spans stay tight.

    An edge run goes when it is short and on another diagonal than its
    neighbour (a coincidence, "的重要讲话", rather than the frayed end of an
    edited copy), or when it repeats, in the other document, text the rest
    of the chain already covers: a regulation restating its own terms
    around a copied article would otherwise stretch one side of the copy
    over its neighbours while the other side stays put.
    """
    weak = k + 2
    segs = sorted(segs)

    def stray(edge: tuple[int, int, int], nb: tuple[int, int, int]) -> bool:
        return edge[2] <= weak and abs((edge[0] - edge[1]) - (nb[0] - nb[1])) > 4

    def echo(edge: tuple[int, int, int], rest: list[tuple[int, int, int]], side: int) -> bool:
        # Runs on the diagonal of a neighbour are the copy itself, even
        # where an indel makes them overlap it by a character or two.
        d = edge[0] - edge[1]
        rest = [x for x in rest if abs(x[0] - x[1] - d) > 4] if side == 1 else rest
        iv = (edge[side], edge[side] + edge[2])
        others = [(x[side], x[side] + x[2]) for x in rest]
        return 2 * _overlap_with_rest(iv, others) >= edge[2]

    changed = True
    while changed and len(segs) > 1:
        changed = False
        if stray(segs[0], segs[1]) or echo(segs[0], segs[1:], 1):
            segs = segs[1:]
            changed = True
        elif stray(segs[-1], segs[-2]) or echo(segs[-1], segs[:-1], 1):
            segs = segs[:-1]
            changed = True
        else:
            by_b = sorted(segs, key=lambda x: x[1])
            for edge, rest in ((by_b[0], by_b[1:]), (by_b[-1], by_b[:-1])):
                if echo(edge, rest, 0):
                    segs.remove(edge)
                    changed = True
                    break
    return segs


Seg = tuple[int, int, int]


def merge_boxes(groups: list[list[Seg]], gap: int) -> list[tuple[list[Seg], list[list[Seg]]]]:
    """Join chains whose extents touch in both documents.

    Chaining follows A's order and tolerates B jumping back by ``gap``; a
    swapped pair of long sentences jumps further, and leaves two chains side
    by side in both documents. They are one passage.
    """
    boxes = [
        [
            min(s[0] for s in g),
            max(s[0] + s[2] for s in g),
            min(s[1] for s in g),
            max(s[1] + s[2] for s in g),
            g,
            [g],
        ]
        for g in groups
    ]
    merged = True
    while merged and len(boxes) > 1:
        merged = False
        boxes.sort(key=lambda x: x[0])
        out = [boxes[0]]
        for bx in boxes[1:]:
            last = out[-1]
            if bx[0] - last[1] <= gap and -gap <= bx[2] - last[3] <= gap:
                last[1] = max(last[1], bx[1])
                last[2] = min(last[2], bx[2])
                last[3] = max(last[3], bx[3])
                last[4] = last[4] + bx[4]
                last[5] = last[5] + bx[5]
                merged = True
            else:
                out.append(bx)
        boxes = out
    return [(bx[4], bx[5]) for bx in boxes]


def align(a: Prepared, b: Prepared, params: AlignParams) -> list[Match]:
    """All passages A and B share, at least ``params.min_len`` matching characters long."""
    i, j = seeds(a, b, params.max_occurrences)
    segs = segments(i, j, params.k)
    if segs[:, 2].sum() < params.min_len:
        return []
    # A chain holding less than three quarters of the shortest passage can
    # only matter as one half of a passage broken by a long rewrite;
    # anything shorter is a stock phrase, not a passage.
    least = max(params.k + 3, 3 * params.min_len // 4)
    segs = near_strong(segs, params.k + 4, params.gap)
    groups = [
        _trim(g, params.k)
        for g in chain([tuple(x) for x in segs.tolist()], params.gap)
        if sum(s[2] for s in g) >= least
    ]
    found: list[Match] = []
    for merged, parts in merge_boxes(groups, params.gap):
        m = _passage(a, b, merged, params)
        if m is not None:
            found.append(m)
        elif len(parts) > 1:
            found.extend(x for x in (_passage(a, b, p, params) for p in parts) if x is not None)
    return _drop_echoes(found)


def _drop_echoes(found: list[Match]) -> list[Match]:
    """Drop a passage lying mostly inside a longer one on both sides.

    Templated text repeats itself ("…第X次会议通过…"): inside one copied
    article, a second alignment pairs one of its sentences with another of
    the same template. That is the same copy seen twice, and would report
    one passage as several.
    """

    def inside(s: int, e: int, s2: int, e2: int) -> bool:
        return 2 * (min(e, e2) - max(s, s2)) >= e - s

    kept: list[Match] = []
    for m in sorted(found, key=lambda m: -(m.a_end - m.a_start + m.b_end - m.b_start)):
        if not any(
            inside(m.a_start, m.a_end, k.a_start, k.a_end)
            and inside(m.b_start, m.b_end, k.b_start, k.b_end)
            for k in kept
        ):
            kept.append(m)
    return sorted(kept, key=lambda m: (m.a_start, m.b_start))


def _passage(a: Prepared, b: Prepared, group: list[Seg], params: AlignParams) -> Match | None:
    """The passage a chain of segments stands for, if it is long, dense and similar enough."""
    if sum(s[2] for s in group) < params.min_len:
        return None
    a_start = min(s[0] for s in group)
    a_end = max(s[0] + s[2] for s in group)
    b_start = min(s[1] for s in group)
    b_end = max(s[1] + s[2] for s in group)
    cov_a = _covered([(s[0], s[0] + s[2]) for s in group])
    cov_b = _covered([(s[1], s[1] + s[2]) for s in group])
    if min(cov_a, cov_b) < params.min_len:
        return None
    len_a, len_b = a_end - a_start, b_end - b_start
    if cov_a < params.min_density * len_a or cov_b < params.min_density * len_b:
        return None
    indel = Indel.normalized_similarity(_plain(a, a_start, a_end), _plain(b, b_start, b_end))
    # Indel undervalues a reordered clause and coverage undervalues scattered
    # edits; either being high means the text is shared. But Indel must not
    # be low: two short shared bits in swapped order are not one passage,
    # however well they are covered.
    similarity = max(indel, (cov_a + cov_b) / (len_a + len_b))
    if similarity < params.min_similarity or indel < params.min_order_similarity:
        return None
    return Match(a_start, a_end, b_start, b_end, round(similarity, 4))
