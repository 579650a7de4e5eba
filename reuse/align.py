"""Turn a candidate document pair into tight aligned passages.

Seed and extend, in the matching text of both documents:

1. Seeds are k-grams the two documents share (a walk over their sorted
   k-gram hashes; k-grams frequent inside one document are left out, they
   anchor nothing).
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
from numba import njit
from rapidfuzz.distance import Indel

from reuse.normalize import NUMBER, Normalized, normalize
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

    A k-gram occurring more than ``max_occurrences`` times in the document
    anchors nothing: its hash is ``NO_SEED`` in ``hashes`` and it is left out
    of ``uniq``, so the aligner never looks at it.

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
    hashes: np.ndarray
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


NO_SEED = np.uint64(0)


def prepare(text: str, params: AlignParams) -> Prepared:
    """Normalise a document and sort its k-gram hashes once, so each pair costs one intersection."""
    norm = normalize(text)
    h = gram_hashes(norm.codes(), params.k)
    order = np.argsort(h).astype(np.int32)
    uniq, first, count, freq = _tally(h, order)
    # Marked once here rather than tested at every seed: the same seeds, and
    # measured 8% less time a pair.
    h[freq > params.max_occurrences] = NO_SEED
    rare = count <= params.max_occurrences
    return Prepared(text, norm, uniq[rare], first[rare], count[rare], order, h)


@njit(cache=True, nogil=True)
def _tally(h, order):
    """Distinct hashes of ``h`` (sorted by ``order``), where each starts in that order and
    how often it occurs; and, per position, how often its own hash occurs."""
    n = len(h)
    uniq = np.empty(n, np.uint64)
    first = np.empty(n, np.int32)
    count = np.empty(n, np.int32)
    freq = np.empty(n, np.int32)
    m = 0
    for t in range(n):
        if t == 0 or h[order[t]] != uniq[m - 1]:
            uniq[m] = h[order[t]]
            first[m] = t
            count[m] = 0
            m += 1
        count[m - 1] += 1
    for x in range(m):
        for t in range(first[x], first[x] + count[x]):
            freq[order[t]] = count[x]
    return uniq[:m].copy(), first[:m].copy(), count[:m].copy(), freq


def _plain(p: Prepared, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """The numbers-as-written text of each matching span ``[starts[i], ends[i])``.

    All spans of a pair at once: a few array operations instead of a few per span.
    """
    text = p.norm.text
    out = [text[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    # A span with no number folded reads the same in both folds (every ``#`` of
    # matching text is a folded number): most spans need no second normalisation.
    folded = [i for i, t in enumerate(out) if NUMBER in t]
    if folded:
        plain = p.plain()
        at = np.asarray(folded)
        lo = np.searchsorted(plain.starts, p.norm.starts[starts[at]])
        hi = np.searchsorted(plain.starts, p.norm.ends[ends[at] - 1])
        for i, s, e in zip(folded, lo.tolist(), hi.tolist(), strict=True):
            out[i] = plain.text[s:e]
    return out


# The aligner's inner loops run once per candidate pair, hundreds of
# thousands of times in a scan: in Python they cost about a millisecond a
# pair, so they are compiled with numba. Segments are int64 rows
# (i0, j0, length); groups of segments are index arrays into them.


@njit(cache=True, nogil=True)
def _runs(au, af, ac, ao, ha, bu, bf, bc, bo, hb, k, strong_len, gap, min_len):
    """Exact common runs ``(n, 3)`` of ``(i0, j0, length)`` worth chaining, sorted by ``i0``.

    Seeds are the positions ``(i, j)`` where A and B have the same k-gram,
    found by walking the two sorted hash lists (``prepare`` has left out
    the k-grams frequent inside one document). A run is grown from each seed
    that has no seed before it on its diagonal, by comparing the hashes at
    each position, so the seeds are never sorted.

    Runs of ``strong_len`` or more are kept; shorter ones only where a
    strong run is within ``gap`` on both sides. Two documents on one subject
    share hundreds of chance 4-grams; alone, they are noise, but next to a
    longer run they bridge the edits of a copy. Nothing is returned when all
    runs together are shorter than ``min_len``.
    """

    def seed(i, j):
        return ha[i] == hb[j] and ha[i] != NO_SEED

    strong = []
    weak = []
    total = 0
    x = y = 0
    while x < len(au) and y < len(bu):
        if au[x] < bu[y]:
            x += 1
        elif au[x] > bu[y]:
            y += 1
        else:
            for p in range(ac[x]):
                i = ao[af[x] + p]
                for q in range(bc[y]):
                    j = bo[bf[y] + q]
                    if i > 0 and j > 0 and seed(i - 1, j - 1):
                        continue
                    n = 1
                    while i + n < len(ha) and j + n < len(hb) and seed(i + n, j + n):
                        n += 1
                    n += k - 1
                    total += n
                    if n >= strong_len:
                        strong.append((i, j, n))
                    else:
                        weak.append((i, j, n))
            x += 1
            y += 1
    if total < min_len or len(strong) == 0:
        return np.empty((0, 3), np.int64)
    # Order: by start in A, strong before weak, then by diagonal.
    width = len(ha) + len(hb) + 1
    s = np.empty((len(strong), 3), np.int64)
    key = np.empty(len(strong), np.int64)
    for t in range(len(strong)):
        s[t, 0], s[t, 1], s[t, 2] = strong[t]
        key[t] = 2 * s[t, 0] * width + s[t, 0] - s[t, 1] + len(hb)
    order = np.argsort(key)
    s, key = s[order], key[order]
    near = []
    # at[x]: the first strong run starting at or after x in A. Hundreds of
    # weak runs a pair look their place up here, cheaper than a binary search.
    at = np.empty(len(ha) + 1, np.int64)
    t = 0
    for x in range(len(ha) + 1):
        while t < len(s) and s[t, 0] < x:
            t += 1
        at[x] = t
    for wi, wj, wn in weak:
        pos = at[wi]
        # A few strong neighbours each way: a chance strong run (a stock
        # phrase matched elsewhere) may sit between a weak run and its copy.
        for nb in range(max(pos - 3, 0), min(pos + 3, len(s))):
            si, sj, sn = s[nb, 0], s[nb, 1], s[nb, 2]
            if (
                max(wi - (si + sn), si - (wi + wn)) <= gap
                and max(wj - (sj + sn), sj - (wj + wn)) <= gap
            ):
                near.append((wi, wj, wn))
                break
    if len(near) == 0:
        return s
    out = np.empty((len(s) + len(near), 3), np.int64)
    keys = np.empty(len(out), np.int64)
    out[: len(s)] = s
    keys[: len(s)] = key
    for t in range(len(near)):
        wi, wj, wn = near[t]
        out[len(s) + t, 0], out[len(s) + t, 1], out[len(s) + t, 2] = wi, wj, wn
        keys[len(s) + t] = (2 * wi + 1) * width + wi - wj + len(hb)
    return out[np.argsort(keys)]


@njit(cache=True, nogil=True)
def _chain(segs, gap):
    """Chain labels of segments, and the chains in the order they closed.

    A segment joins a chain when it starts at most ``gap`` after the chain
    in A, lies within ``gap`` of the chain's extent in B, and its diagonal
    is within ``gap`` of the last one's: a clause moved by its own length
    stays in, while text after the copy in A that merely repeats phrases
    of the copy's middle in B (a regulation restating its own terms) does
    not drag the chain along A alone.
    """
    n = len(segs)
    label = np.empty(n, np.int64)
    i_end = np.empty(n, np.int64)
    j_lo = np.empty(n, np.int64)
    j_hi = np.empty(n, np.int64)
    last_j_end = np.empty(n, np.int64)
    last_d = np.empty(n, np.int64)
    active = np.empty(n, np.int64)
    closed = np.empty(n, np.int64)
    n_active = n_closed = n_chains = 0
    for t in range(n):
        i0, j0, ln = segs[t, 0], segs[t, 1], segs[t, 2]
        kept = 0
        for a in range(n_active):
            c = active[a]
            if i_end[c] + gap < i0:
                closed[n_closed] = c
                n_closed += 1
            else:
                active[kept] = c
                kept += 1
        n_active = kept
        best = -1
        best_dist = 0
        for a in range(n_active):
            c = active[a]
            if j_lo[c] - gap <= j0 <= j_hi[c] + gap and abs(i0 - j0 - last_d[c]) <= gap:
                dist = abs(j0 - last_j_end[c])
                if best < 0 or dist < best_dist:
                    best, best_dist = c, dist
        if best < 0:
            best = n_chains
            n_chains += 1
            active[n_active] = best
            n_active += 1
            i_end[best] = i0 + ln
            j_lo[best] = j0
            j_hi[best] = j0 + ln
        else:
            i_end[best] = max(i_end[best], i0 + ln)
            j_lo[best] = min(j_lo[best], j0)
            j_hi[best] = max(j_hi[best], j0 + ln)
        last_j_end[best] = j0 + ln
        last_d[best] = i0 - j0
        label[t] = best
    for a in range(n_active):
        closed[n_closed] = active[a]
        n_closed += 1
    return label, closed[:n_closed]


@njit(cache=True, nogil=True)
def _covered(lo, hi, side, segs, members, skip):
    """Characters of ``[lo, hi)`` covered by the ``side`` intervals of ``members`` but ``skip``."""
    if len(members) == 1 and members[0] != skip:
        x = members[0]
        return max(min(segs[x, side] + segs[x, 2], hi) - max(segs[x, side], lo), 0)
    m = 0
    starts = np.empty(len(members), np.int64)
    ends = np.empty(len(members), np.int64)
    for x in members:
        if x == skip:
            continue
        s, e = max(segs[x, side], lo), min(segs[x, side] + segs[x, 2], hi)
        if e > s:
            starts[m] = s
            ends[m] = e
            m += 1
    order = np.argsort(starts[:m])
    total = 0
    end = lo
    for t in order:
        s, e = max(starts[t], end), ends[t]
        if e > s:
            total += e - s
            end = e
    return total


@njit(cache=True, nogil=True)
def _echo(x, members, segs, side, other_diagonals):
    """Segment ``x`` repeats, on ``side``, text the rest of the chain already covers.

    On A's side (``other_diagonals``) runs on ``x``'s own diagonal are the
    copy itself, even where an indel makes them overlap it by a character
    or two, so they do not count.
    """
    rest = members
    if other_diagonals:
        d = segs[x, 0] - segs[x, 1]
        rest = members[np.abs(segs[members, 0] - segs[members, 1] - d) > 4]
    lo = segs[x, side]
    return 2 * _covered(lo, lo + segs[x, 2], side, segs, rest, x) >= segs[x, 2]


@njit(cache=True, nogil=True)
def _trim(members, segs, k):
    """Drop chance seeds hanging off either end of a chain, so spans stay tight.

    An edge run goes when it is short and on another diagonal than its
    neighbour (a coincidence, "的重要讲话", rather than the frayed end of an
    edited copy), or when it repeats, in the other document, text the rest
    of the chain already covers: a regulation restating its own terms
    around a copied article would otherwise stretch one side of the copy
    over its neighbours while the other side stays put.
    """
    weak = k + 2
    g = members[np.argsort(segs[members, 0] * (segs[:, 1].max() + 1) + segs[members, 1])]
    while len(g) > 1:
        first, second, last, before = g[0], g[1], g[-1], g[-2]
        d_first = segs[first, 0] - segs[first, 1]
        d_last = segs[last, 0] - segs[last, 1]
        if (
            segs[first, 2] <= weak and abs(d_first - (segs[second, 0] - segs[second, 1])) > 4
        ) or _echo(first, g, segs, 1, True):
            g = g[1:]
            continue
        if (
            segs[last, 2] <= weak and abs(d_last - (segs[before, 0] - segs[before, 1])) > 4
        ) or _echo(last, g, segs, 1, True):
            g = g[:-1]
            continue
        # The extremes in B: the first of equal starts, the last of equal ends.
        lo = hi = 0
        for t in range(1, len(g)):
            if segs[g[t], 1] < segs[g[lo], 1]:
                lo = t
            if segs[g[t], 1] >= segs[g[hi], 1]:
                hi = t
        if _echo(g[lo], g, segs, 0, False):
            drop = lo
        elif _echo(g[hi], g, segs, 0, False):
            drop = hi
        else:
            break
        g = np.concatenate((g[:drop], g[drop + 1 :]))
    return g


@njit(cache=True, nogil=True)
def _bounds(members, segs):
    """Extent ``a0, a1, b0, b1`` of a group of segments in both documents, and their length."""
    a0 = b0 = 1 << 62
    a1 = b1 = total = 0
    for x in members:
        a0 = min(a0, segs[x, 0])
        a1 = max(a1, segs[x, 0] + segs[x, 2])
        b0 = min(b0, segs[x, 1])
        b1 = max(b1, segs[x, 1] + segs[x, 2])
        total += segs[x, 2]
    return a0, a1, b0, b1, total


@njit(cache=True, nogil=True)
def _box(members, segs, min_len, min_density):
    """Bounds and coverage of a group of segments, and whether it can be a passage."""
    a0, a1, b0, b1, total = _bounds(members, segs)
    cov_a = _covered(a0, a1, 0, segs, members, -1)
    cov_b = _covered(b0, b1, 1, segs, members, -1)
    ok = (
        total >= min_len
        and min(cov_a, cov_b) >= min_len
        and cov_a >= min_density * (a1 - a0)
        and cov_b >= min_density * (b1 - b0)
    )
    return a0, a1, b0, b1, cov_a, cov_b, ok


@njit(cache=True, nogil=True)
def _candidates(au, af, ac, ao, ha, bu, bf, bc, bo, hb, k, gap, min_len, min_density):
    """Candidate passages ``(box, part, a0, a1, b0, b1, cov_a, cov_b)`` of a document pair.

    Each box is a group of chains that touch in both documents (chaining
    follows A's order and tolerates B jumping back by ``gap``; a swapped
    pair of long sentences jumps further and leaves two chains side by side,
    which are one passage). Row ``part == -1`` is the whole box; when a box
    holds several chains each chain has its own row too, the fallback when
    the whole is not similar enough. Only rows dense and long enough are
    returned; similarity on the text is judged by the caller.
    """
    out = np.empty((0, 8), np.int64)
    segs = _runs(au, af, ac, ao, ha, bu, bf, bc, bo, hb, k, k + 4, gap, min_len)
    if len(segs) == 0:
        return out
    label, closed = _chain(segs, gap)
    # A chain holding less than three quarters of the shortest passage can
    # only matter as one half of a passage broken by a long rewrite;
    # anything shorter is a stock phrase, not a passage.
    least = max(k + 3, 3 * min_len // 4)
    size = np.zeros(len(closed), np.int64)
    for t in range(len(segs)):
        size[label[t]] += segs[t, 2]
    by_chain = np.argsort(label, kind="mergesort")
    bounds = np.searchsorted(label[by_chain], np.arange(len(closed) + 1))
    groups = []
    for c in closed:
        if size[c] >= least:
            members = by_chain[bounds[c] : bounds[c + 1]]
            groups.append(_trim(members, segs, k) if len(members) > 1 else members)
    ng = len(groups)
    if ng == 0:
        return out
    # Boxes: bounds per group, joined while they touch; a box's groups are a
    # linked list (head, tail, next) so joining keeps their order.
    bx = np.empty((ng, 4), np.int64)
    for g in range(ng):
        a0, a1, b0, b1, _ = _bounds(groups[g], segs)
        bx[g, 0], bx[g, 1], bx[g, 2], bx[g, 3] = a0, a1, b0, b1
    head = np.arange(ng)
    tail = np.arange(ng)
    nxt = np.full(ng, -1)
    alive = np.arange(ng)
    merged = True
    while merged and len(alive) > 1:
        merged = False
        alive = alive[np.argsort(bx[alive, 0], kind="mergesort")]
        keep = np.empty(len(alive), np.int64)
        keep[0] = alive[0]
        m = 1
        for t in range(1, len(alive)):
            last, cur = keep[m - 1], alive[t]
            if bx[cur, 0] - bx[last, 1] <= gap and -gap <= bx[cur, 2] - bx[last, 3] <= gap:
                bx[last, 1] = max(bx[last, 1], bx[cur, 1])
                bx[last, 2] = min(bx[last, 2], bx[cur, 2])
                bx[last, 3] = max(bx[last, 3], bx[cur, 3])
                nxt[tail[last]] = head[cur]
                tail[last] = tail[cur]
                merged = True
            else:
                keep[m] = cur
                m += 1
        alive = keep[:m]
    rows = []
    for box in alive:
        parts = []
        g = head[box]
        while g >= 0:
            parts.append(g)
            g = nxt[g]
        whole = groups[parts[0]]
        for p in parts[1:]:
            whole = np.concatenate((whole, groups[p]))
        a0, a1, b0, b1, cov_a, cov_b, ok = _box(whole, segs, min_len, min_density)
        if ok:
            rows.append((box, -1, a0, a1, b0, b1, cov_a, cov_b))
        if len(parts) > 1:
            for p in parts:
                a0, a1, b0, b1, cov_a, cov_b, ok = _box(groups[p], segs, min_len, min_density)
                if ok:
                    rows.append((box, p, a0, a1, b0, b1, cov_a, cov_b))
    if len(rows) == 0:
        return out
    out = np.empty((len(rows), 8), np.int64)
    for t in range(len(rows)):
        for c in range(8):
            out[t, c] = rows[t][c]
    return out


def align(a: Prepared, b: Prepared, params: AlignParams) -> list[Match]:
    """All passages A and B share, at least ``params.min_len`` matching characters long."""
    rows = _candidates(
        a.uniq, a.first, a.count, a.order, a.hashes,
        b.uniq, b.first, b.count, b.order, b.hashes,
        params.k, params.gap, params.min_len, params.min_density,
    )  # fmt: skip
    if len(rows) == 0:
        return []
    texts_a = _plain(a, rows[:, 2], rows[:, 3])
    texts_b = _plain(b, rows[:, 4], rows[:, 5])
    found: list[Match] = []
    accepted = -1
    for (box, part, a0, a1, b0, b1, cov_a, cov_b), ta, tb in zip(
        rows.tolist(), texts_a, texts_b, strict=True
    ):
        # A box's own row comes first; its chains count only if it failed.
        if part >= 0 and box == accepted:
            continue
        m = _judge(ta, tb, a0, a1, b0, b1, cov_a, cov_b, params)
        if m is not None:
            found.append(m)
            if part < 0:
                accepted = box
    return _drop_echoes(found)


def _judge(
    text_a: str, text_b: str, a0: int, a1: int, b0: int, b1: int, cov_a: int, cov_b: int,
    params: AlignParams,
) -> Match | None:  # fmt: skip
    """The passage, if the text of a dense enough box is similar enough."""
    indel = Indel.normalized_similarity(text_a, text_b)
    # Indel undervalues a reordered clause and coverage undervalues scattered
    # edits; either being high means the text is shared. But Indel must not
    # be low: two short shared bits in swapped order are not one passage,
    # however well they are covered.
    similarity = max(indel, (cov_a + cov_b) / (a1 - a0 + b1 - b0))
    if similarity < params.min_similarity or indel < params.min_order_similarity:
        return None
    return Match(a0, a1, b0, b1, round(similarity, 4))


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
