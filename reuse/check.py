"""Check a draft against an index: which of its spans are reused, from where, and its stock phrases.

The draft goes through what every indexed document went through: its units
get MinHash band keys (``reuse.index.band_keys``), and the ``buckets`` table
answers which documents share them, one SQL query per batch of keys, so a
check reads a few dozen documents of the index, never the whole of it. The
documents sharing most keys are aligned with the draft by the scanner's
aligner, so a reported span is as tight as a scan's; the draft-side spans of
all of them are merged into the draft's reused spans, each listing its best
sources.

Stock phrases come from a ``PhraseSource``. ``IndexPhrases`` uses the corpus
phrase miner (``reuse.phrases``): the formulas mined from the index's own
documents, mined once and cached in a side file next to the index, then looked
up in each draft. ``SampledPhrases`` is the light alternative that mines
nothing: the draft's short n-grams that many indexed documents contain, with
their document frequency counted on an evenly spread sample of the index.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import unicodedata
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from reuse.align import AlignParams, Match, Prepared, align, prepare
from reuse.arrays import distinct
from reuse.index import Index, IndexFileError, IndexParams, build
from reuse.lsh import MinHasher
from reuse.model import Skipped, Span
from reuse.normalize import normalize
from reuse.shingle import digit_codes, gram_hashes, mix64, unit_gram_index, units

# SQLite's historical limit on bound parameters is 999; stay below it.
_SQL_BATCH = 900


@dataclass(frozen=True)
class CheckParams:
    """How a draft is checked.

    ``candidates``: documents aligned with the draft, those sharing most band
    keys first. A draft of 3,000 characters made of passages of 20 documents
    needs 20; the rest is room for a passage held by many documents.
    ``sources``: sources listed per reused span; the rest are counted.
    """

    align: AlignParams = field(default_factory=AlignParams)
    candidates: int = 50
    min_shared: int = 1
    sources: int = 3
    phrases: bool = True
    min_sentence_similarity: float = 0.75
    min_sentence: int = 8


@dataclass(frozen=True, slots=True)
class Source:
    """Where a reused span of the draft occurs in the corpus, and how closely."""

    span: Span
    similarity: float
    # Draft chars this source covers, original offsets: it ranks sources of one span.
    draft_start: int
    draft_end: int

    def to_json(self) -> dict[str, Any]:
        return {**self.span.to_json(), "similarity": self.similarity}


@dataclass(slots=True)
class CheckMatch:
    """A reused span ``[start, end)`` of the draft (original offsets) and its best sources."""

    start: int
    end: int
    similarity: float
    sources: list[Source]
    more: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "similarity": self.similarity,
            "sources": [s.to_json() for s in self.sources],
            "more": self.more,
        }


@dataclass(frozen=True, slots=True)
class PhraseHit:
    """One occurrence of a stock phrase in the draft; ``df`` counts corpus documents."""

    phrase: str
    start: int
    end: int
    df: int

    def to_json(self) -> dict[str, Any]:
        return {"phrase": self.phrase, "start": self.start, "end": self.end, "df": self.df}


@dataclass(slots=True)
class CheckResult:
    """What a check found in one draft; ``text`` is kept for the terminal rendering."""

    draft: str
    text: str
    chars: int
    reused_fraction: float
    matches: list[CheckMatch]
    phrases: list[PhraseHit]
    candidates: int = 0
    documents: int = 0

    @property
    def reused_chars(self) -> int:
        return sum(m.end - m.start for m in self.matches)

    def to_json(self) -> dict[str, Any]:
        """The contract's ``check`` shape, plus how many documents were aligned."""
        return {
            "draft": self.draft,
            "chars": self.chars,
            "reused_fraction": self.reused_fraction,
            "matches": [m.to_json() for m in self.matches],
            "phrases": [p.to_json() for p in self.phrases],
            "candidates": self.candidates,
            "index_documents": self.documents,
        }


class PhraseSource(Protocol):
    """Anything that can say which stock phrases a text holds.

    ``phrases_in`` returns ``(phrase, start, end, df)`` per occurrence, with
    ``[start, end)`` in the text's original offsets and ``df`` the number of
    corpus documents holding the phrase. ``IndexPhrases`` (mined formulas) and
    ``SampledPhrases`` (common n-grams) are the two kept here.
    """

    def phrases_in(self, text: str) -> list[tuple[str, int, int, int]]: ...


# -- candidates --------------------------------------------------------------


def unit_band_keys(text: str, params: IndexParams, hasher: MinHasher) -> np.ndarray:
    """Band keys ``(n_units, b)`` of each unit of ``text``, as ``band_keys`` computes them.

    ``band_keys`` gives a document's keys as one set; a check needs them per
    unit, to find for every sentence of the draft the documents that share it.
    """
    norm = normalize(text, numbers=False)
    k = params.lsh.shingle
    bounds = units(norm.breaks, len(norm.text), params.unit_min, params.unit_max)
    bounds = bounds[bounds[:, 1] - bounds[:, 0] >= k]
    if len(bounds) == 0:
        return np.empty((0, hasher.b), dtype=np.uint64)
    grams = gram_hashes(digit_codes(norm.codes()), k)
    positions, offsets = unit_gram_index(bounds, k)
    values = (grams[positions] >> np.uint64(32)).astype(np.uint32)
    return hasher.band_keys(hasher.signatures(values, offsets))


def _bucket_rows(index: Index, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(key, doc)`` rows of the buckets table for ``keys``, queried in batches."""
    as_int = distinct(keys).view(np.int64).tolist()
    ks: list[int] = []
    ds: list[int] = []
    for lo in range(0, len(as_int), _SQL_BATCH):
        batch = as_int[lo : lo + _SQL_BATCH]
        marks = ",".join("?" * len(batch))
        for k, d in index.conn.execute(
            f"SELECT key, doc FROM buckets WHERE key IN ({marks})", batch
        ):
            ks.append(k)
            ds.append(d)
    return np.asarray(ks, dtype=np.int64).view(np.uint64), np.asarray(ds, dtype=np.int64)


def candidate_documents(
    text: str, index: Index, min_shared: int, limit: int, per_unit: int = 3
) -> list[int]:
    """Documents to align with ``text``: for each of its units the few sharing most keys.

    Ranking by keys shared with the whole draft lets a long templated
    document, sharing one chance key with each of many sentences, push out
    the document a single edited sentence was copied from (measured: a
    copied sentence with 10% edits ranked 60th to 97th of a 300-document
    index). So every unit first names its own best ``per_unit`` documents;
    those come first, the documents sharing most keys overall fill the rest.
    """
    per = unit_band_keys(text, index.params, MinHasher(index.params.lsh))
    if per.size == 0:
        return []
    rk, rd = _bucket_rows(index, per)
    if len(rk) == 0:
        return []
    n_units, b = per.shape
    flat = per.ravel()
    order = np.argsort(flat, kind="stable")
    sk = flat[order]
    lo = np.searchsorted(sk, rk, "left")
    hi = np.searchsorted(sk, rk, "right")
    row = np.repeat(np.arange(len(rk)), hi - lo)
    unit = order[_ranges(lo, hi)] // b
    doc = rd[row]
    width = int(doc.max()) + 1
    codes, shared = np.unique(unit * width + doc, return_counts=True)
    u, d = codes // width, codes % width
    ok = shared >= min_shared
    u, d, shared = u[ok], d[ok], shared[ok]
    total: dict[int, int] = {}
    for doc_n, n in zip(d.tolist(), shared.tolist(), strict=True):
        total[doc_n] = total.get(doc_n, 0) + n
    tot = np.asarray([total[x] for x in d.tolist()], dtype=np.int64)
    # Per unit, best first: most keys shared with the unit, then with the draft.
    o = np.lexsort((d, -tot, -shared, u))
    u, d, shared = u[o], d[o], shared[o]
    first = np.r_[True, u[1:] != u[:-1]]
    rank_in_unit = np.arange(len(u)) - np.maximum.accumulate(np.where(first, np.arange(len(u)), 0))
    best: dict[int, int] = {}
    for doc_n, n in zip(
        d[rank_in_unit < per_unit].tolist(), shared[rank_in_unit < per_unit].tolist(), strict=True
    ):
        best[doc_n] = max(best.get(doc_n, 0), n)
    ranked = sorted(best, key=lambda x: (-best[x], -total[x], x))
    rest = sorted((x for x in total if x not in best), key=lambda x: (-total[x], x))
    return (ranked + rest)[:limit]


# -- matches -----------------------------------------------------------------


def refine(
    draft: Prepared, doc: Prepared, m: Match, min_similarity: float, min_len: int
) -> list[tuple[int, int, int, int, float]]:
    """Split an aligned passage at the draft's sentence ends and keep the sentences really copied.

    The aligner chains runs within a gap of each other, so a copied
    sentence followed by fresh text that happens to share a stock phrase
    with the source's next sentence comes back as one passage reaching
    into the fresh text, or, when that drags its similarity down, not at
    all. A draft is mostly fresh text, so each draft sentence of the passage
    is scored on its own against the source side (best substring match,
    numbers folded), and only runs of sentences that pass are reported. A
    short piece (under ``min_len``) survives only between two that pass:
    at an edge it is a chance hit like 宣传思想.

    Returns ``(a_start, a_end, b_start, b_end, similarity)`` in matching text.
    """
    brk = np.unique(np.r_[draft.norm.breaks, 0, len(draft.norm.text)]).astype(np.int64)
    cuts = [int(x) for x in brk if m.a_start < x < m.a_end]
    bounds = list(zip([m.a_start, *cuts], [*cuts, m.a_end], strict=True))
    pad = 8
    text_a, text_b = draft.norm.text, doc.norm.text
    scored = []
    for a, b in bounds:
        # The whole draft sentence against the source with room for all of it: a
        # copied sentence matches whole, a template twin only in part.
        s0 = int(brk[np.searchsorted(brk, a, "right") - 1])
        s1 = int(brk[np.searchsorted(brk, b, "left")])
        w0 = max(0, m.b_start - (a - s0 if a == m.a_start else 0) - pad)
        w1 = m.b_end + (s1 - b if b == m.a_end else 0) + pad
        full = fuzz.partial_ratio_alignment(text_a[s0:s1], text_b[w0:w1])
        if full is not None and full.score / 100 >= min_similarity:
            scored.append((s0, s1, w0, full))
            continue
        w0 = max(0, m.b_start - pad)
        part = fuzz.partial_ratio_alignment(text_a[a:b], text_b[w0 : m.b_end + pad])
        whole = 2 * (b - a) >= s1 - s0
        ok = part is not None and whole and part.score / 100 >= min_similarity
        scored.append((a, b, w0, part if ok else None))
    passed = [al is not None for *_, al in scored]
    keep = [
        ok and (b - a >= min_len or (0 < i < len(scored) - 1 and passed[i - 1] and passed[i + 1]))
        for i, ((a, b, _, _), ok) in enumerate(zip(scored, passed, strict=True))
    ]
    out = []
    i = 0
    while i < len(scored):
        if not keep[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(scored) and keep[j + 1]:
            j += 1
        run = scored[i : j + 1]
        a_s, a_e = run[0][0], run[-1][1]
        b_s = min(w + al.dest_start for _, _, w, al in run)
        b_e = max(w + al.dest_end for _, _, w, al in run)
        if a_e - a_s >= min_len and b_e > b_s:
            sim = Indel.normalized_similarity(draft.norm.text[a_s:a_e], doc.norm.text[b_s:b_e])
            out.append((a_s, a_e, b_s, b_e, round(sim, 4)))
        i = j + 1
    return out


def _close_end(text: str, end: int) -> int:
    """Extend an original end over the closing punctuation right after it (。” ），not spaces).

    Spans from the aligner end at the last matching character; the
    sentence's full stop belongs to the copied sentence.
    """
    while end < len(text) and not text[end].isspace() and _is_punct(text[end]):
        end += 1
        if text[end - 1] in _SENTENCE_END:
            while end < len(text) and text[end] in _CLOSERS:
                end += 1
            break
    return end


_SENTENCE_END = frozenset("。！？；!?;…")
_CLOSERS = frozenset("”’」』）)】]")


def _is_punct(c: str) -> bool:
    return unicodedata.category(c)[0] == "P"


def merge_sources(sources: list[Source], shown: int) -> list[CheckMatch]:
    """Join the draft-side spans of all aligned passages into reused spans of the draft.

    Spans that overlap are one reused span: documents holding overlapping
    parts of one paragraph make a single highlighted stretch. Spans that
    only touch stay apart, since two passages copied one after the other
    from two documents are two findings with a source each.
    """
    out: list[CheckMatch] = []
    group: list[Source] = []
    end = -1
    for s in sorted(sources, key=lambda s: (s.draft_start, s.draft_end)):
        if group and s.draft_start >= end:
            out.append(_match_of(group, shown))
            group = []
        group.append(s)
        end = s.draft_end if len(group) == 1 else max(end, s.draft_end)
    if group:
        out.append(_match_of(group, shown))
    return out


def _match_of(group: list[Source], shown: int) -> CheckMatch:
    """One reused span and its sources, those covering most of it not yet covered first.

    Greedy cover: the first source is the one covering most draft
    characters (times similarity); each next one the one adding most
    characters the listed ones miss, so a span made of two documents'
    passages shows both before a third copy of the first.
    """
    start = min(s.draft_start for s in group)
    end = max(s.draft_end for s in group)
    covered = np.zeros(end - start, dtype=bool)
    rest = sorted(group, key=lambda s: (s.span.doc, s.span.start, s.draft_start))
    ranked: list[Source] = []
    while rest and len(ranked) < shown:

        def gain(s: Source) -> float:
            new = int((~covered[s.draft_start - start : s.draft_end - start]).sum())
            return (new + 1e-3 * (s.draft_end - s.draft_start)) * s.similarity

        best = max(rest, key=gain)
        ranked.append(best)
        rest.remove(best)
        covered[best.draft_start - start : best.draft_end - start] = True
    return CheckMatch(
        start=start,
        end=end,
        similarity=max(s.similarity for s in group),
        sources=ranked,
        more=len(rest),
    )


def reused_fraction(text: str, matches: Sequence[CheckMatch]) -> float:
    """Non-whitespace characters inside any match over all non-whitespace characters."""
    if not text:
        return 0.0
    ink = np.fromiter((not c.isspace() for c in text), dtype=bool, count=len(text))
    total = int(ink.sum())
    if total == 0:
        return 0.0
    inside = np.zeros(len(text), dtype=bool)
    for m in matches:
        inside[m.start : m.end] = True
    return round(int((ink & inside).sum()) / total, 4)


# -- phrases from the index --------------------------------------------------

# Bump when the miner's output for the same documents changes, so old caches are mined again.
PHRASE_CACHE_VERSION = 2


def phrase_cache_path(index_path: Path) -> Path:
    """The side file where `IndexPhrases` keeps the phrases mined from an index."""
    return index_path.with_name(index_path.name + ".phrases.json")


class IndexPhrases:
    """Stock phrases of a draft: the formulas ``reuse.phrases`` mines from the index's own
    documents, found in the draft.

    Mining reads every indexed text once (seconds for thousands of documents) and keeps the
    best ``keep`` phrases with their document frequency. They are cached in a side file
    next to the index (`phrase_cache_path`) under a fingerprint of the index's content (the
    id and content hash of every document), so they are mined again only when the index
    changes, or when ``reuse.phrases`` does (``PHRASE_CACHE_VERSION``). An index that cannot
    be written beside is mined per process. A draft then costs one ``str.find`` pass per
    phrase over its folded text; overlapping finds keep the longer phrase.
    """

    def __init__(self, index: Index, keep: int = 2000, cache: bool = True) -> None:
        self.index = index
        self.keep = keep
        self.cache = cache
        self._phrases: list[tuple[str, int]] | None = None
        self._fingerprint: str | None = None

    def fingerprint(self) -> str:
        """Of the index's content, read once per object: it reads every document's row."""
        if self._fingerprint is None:
            h = hashlib.sha1(f"v{PHRASE_CACHE_VERSION}:{self.keep}\n".encode())
            for doc_id, sha1 in self.index.conn.execute("SELECT id, sha1 FROM docs ORDER BY id"):
                h.update(f"{doc_id}\t{sha1}\n".encode("utf-8", "surrogatepass"))
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def ready(self) -> bool:
        """Whether the phrases are at hand (loaded, or cached and current): if not, the
        first ``phrases()`` mines the whole index, which a caller may want to announce."""
        if self._phrases is None and self.cache:
            self._phrases = self._cached()
        return self._phrases is not None

    def phrases(self) -> list[tuple[str, int]]:
        """(phrase, df), best first: from the cache when it is current, else mined."""
        if not self.ready():
            self._phrases = self._mine()
            if self.cache:
                _write_atomic(
                    phrase_cache_path(self.index.path),
                    {"fingerprint": self.fingerprint(), "phrases": self._phrases},
                )
        assert self._phrases is not None
        return self._phrases

    def _cached(self) -> list[tuple[str, int]] | None:
        try:
            data = json.loads(phrase_cache_path(self.index.path).read_text(encoding="utf-8"))
            if data["fingerprint"] == self.fingerprint():
                return [(str(p), int(df)) for p, df in data["phrases"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # absent, stale or damaged: mine again
        return None

    def _mine(self) -> list[tuple[str, int]]:
        from reuse.phrases import mine

        ns = [n for (n,) in self.index.conn.execute("SELECT n FROM docs ORDER BY n")]
        if not ns:
            return []
        ranked = mine(self.index.text(n) for n in ns)
        return [(p.phrase, p.df) for p in ranked[: self.keep]]

    def phrases_in(self, text: str) -> list[tuple[str, int, int, int]]:
        phrases = self.phrases()
        norm = normalize(text, numbers=False, punctuation=False)
        folded = norm.text
        found: list[tuple[int, int, int]] = []
        for rank, (phrase, _) in enumerate(phrases):
            at = folded.find(phrase)
            while at >= 0:
                found.append((at, at + len(phrase), rank))
                at = folded.find(phrase, at + 1)
        # The longest formula covering a place names it ("以习近平新时代中国特色社会主义思想
        # 为指导" rather than the 思想 inside it); among equals, the better ranked.
        found.sort(key=lambda f: (f[0] - f[1], f[2], f[0]))
        taken = np.zeros(len(folded) + 1, dtype=bool)
        out = []
        for start, end, rank in found:
            if taken[start:end].any():
                continue
            taken[start:end] = True
            s, e = norm.span(start, end)
            phrase, df = phrases[rank]
            out.append((phrase, s, e, df))
        return sorted(out, key=lambda x: x[1])


def _write_atomic(path: Path, data: Any) -> None:
    """Write JSON next to ``path`` and rename it into place; a read-only folder is no error
    (the phrases then live for this process only)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


_DEFAULT_SOURCES: weakref.WeakKeyDictionary[Index, IndexPhrases] = weakref.WeakKeyDictionary()


def _default_phrases(index: Index) -> IndexPhrases:
    """One `IndexPhrases` per open index, so checking many drafts loads the phrases once."""
    source = _DEFAULT_SOURCES.get(index)
    if source is None:
        source = _DEFAULT_SOURCES[index] = IndexPhrases(index)
    return source


class SampledPhrases:
    """Common n-grams of a draft with their document frequency, read from an index.

    A phrase is a ``min_len``..``max_len`` character run of the draft's
    matching text, CJK only, with no punctuation or number inside, held by
    at least ``min_share`` of the corpus documents (and ``min_docs`` of
    them). Document frequency is counted on up to ``sample`` documents
    spread evenly over the index and scaled to its size: an exact count
    would read every document of the index for each draft. The sample and
    its sorted ``min_len``-gram table are built once per object, so checking
    many drafts pays for them once; a draft's longer n-grams are looked up
    only where its ``min_len``-gram prefix occurs in the sample.
    """

    def __init__(
        self,
        index: Index,
        sample: int = 300,
        min_len: int = 4,
        max_len: int = 8,
        min_share: float = 0.05,
        min_docs: int = 3,
    ) -> None:
        self.index = index
        self.sample = sample
        self.min_len, self.max_len = min_len, max_len
        self.min_share, self.min_docs = min_share, min_docs
        self.n_docs = 0
        self.n_sample = 0
        self._table: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def _load(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(codes, owner per code, sorted prefix-gram hashes, their positions)."""
        if self._table is not None:
            return self._table
        ns = [n for (n,) in self.index.conn.execute("SELECT n FROM docs ORDER BY n")]
        self.n_docs = len(ns)
        if len(ns) > self.sample:
            picks = np.linspace(0, len(ns) - 1, self.sample).round().astype(int)
            ns = [ns[i] for i in sorted(set(picks.tolist()))]
        self.n_sample = len(ns)
        parts: list[np.ndarray] = []
        owners: list[np.ndarray] = []
        for i, n in enumerate(ns):
            # A 0 after each document: no draft n-gram holds one, so none spans two documents.
            c = np.append(normalize(self.index.text(n)).codes(), np.uint32(0))
            parts.append(c)
            owners.append(np.full(len(c), i, dtype=np.int32))
        # max_len zeros at the end keep every window inside the array.
        codes = np.concatenate([*parts, np.zeros(self.max_len, dtype=np.uint32)])
        owner = np.concatenate([*owners, np.full(self.max_len, -1, dtype=np.int32)])
        n = len(codes) - self.max_len
        h = _window_hash(codes, np.arange(n), self.min_len)
        order = np.argsort(h, kind="stable")
        self._table = (codes, owner, h[order], order)
        return self._table

    def phrases_in(self, text: str) -> list[tuple[str, int, int, int]]:
        codes, owner, sorted_h, order = self._load()
        if self.n_sample == 0:
            return []
        norm = normalize(text)
        dcodes = np.concatenate([norm.codes(), np.zeros(self.max_len, dtype=np.uint32)])
        n = len(norm.text)
        need = max(self.min_docs, int(np.ceil(self.min_share * self.n_sample)))
        ok = _gram_ok(norm.starts, norm.ends, norm.text, self.min_len)
        if not ok.any():
            return []
        pos_d = np.flatnonzero(ok)
        h_d = _window_hash(dcodes, pos_d, self.min_len)
        uniq = distinct(h_d)
        lo = np.searchsorted(sorted_h, uniq, "left")
        hi = np.searchsorted(sorted_h, uniq, "right")
        df = self._df(lo, hi, order, owner)
        common = df >= need
        found: dict[tuple[int, int], int] = {}
        which = np.searchsorted(uniq, h_d)
        for i, g in zip(pos_d.tolist(), which.tolist(), strict=True):
            if common[g]:
                found[(self.min_len, i)] = int(df[g])
        if found and self.max_len > self.min_len:
            # Corpus places where a common prefix gram occurs: every longer common
            # n-gram of the draft starts at one of them.
            keep = np.repeat(common, hi - lo)
            occ = order[_ranges(lo, hi)][keep]
            for length in range(self.min_len + 1, self.max_len + 1):
                okl = _gram_ok(norm.starts, norm.ends, norm.text, length)
                cand = [
                    i
                    for i in np.flatnonzero(okl).tolist()
                    if (self.min_len, i) in found
                    and (self.min_len, i + length - self.min_len) in found
                ]
                if not cand:
                    break
                hd = _window_hash(dcodes, np.asarray(cand), length)
                u = distinct(hd)
                hc = _window_hash(codes, occ, length)
                at = np.searchsorted(u, hc)
                hit = (at < len(u)) & (u[np.minimum(at, len(u) - 1)] == hc)
                seen = np.zeros((len(u), self.n_sample), dtype=bool)
                seen[at[hit], owner[occ[hit]]] = True
                dfl = seen.sum(axis=1)
                for i, g in zip(cand, np.searchsorted(u, hd).tolist(), strict=True):
                    if dfl[g] >= need:
                        found[(length, i)] = int(dfl[g])
        scale = self.n_docs / self.n_sample
        out = []
        for length, i in _pick(found, n):
            s, e = norm.span(i, i + length)
            out.append((norm.text[i : i + length], s, e, round(found[(length, i)] * scale)))
        return sorted(out, key=lambda x: x[1])

    def _df(
        self, lo: np.ndarray, hi: np.ndarray, order: np.ndarray, owner: np.ndarray
    ) -> np.ndarray:
        """Sampled documents holding each gram whose occurrences are ``order[lo:hi]``."""
        counts = hi - lo
        seen = np.zeros((len(lo), self.n_sample), dtype=bool)
        if counts.sum():
            gram = np.repeat(np.arange(len(lo)), counts)
            seen[gram, owner[order[_ranges(lo, hi)]]] = True
        return seen.sum(axis=1)


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(lo[i], hi[i])`` without a Python loop."""
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.repeat(lo - np.r_[0, np.cumsum(counts)[:-1]], counts)
    return np.arange(total, dtype=np.int64) + starts


_BASE = np.uint64(0x100000001B3)


def _window_hash(codes: np.ndarray, positions: np.ndarray, length: int) -> np.ndarray:
    """64-bit hashes of ``codes[p:p + length]`` for each ``p`` in ``positions``."""
    c = codes.astype(np.uint64, copy=False)
    with np.errstate(over="ignore"):
        h = c[positions].copy()
        for j in range(1, length):
            h *= _BASE
            h += c[positions + j]
        return mix64(h)


def _gram_ok(starts: np.ndarray, ends: np.ndarray, text: str, length: int) -> np.ndarray:
    """Positions where a ``length``-gram of matching text can be a phrase.

    Every char must be one CJK char of the original (not a folded number
    run), and each must follow its predecessor directly in the original:
    a gram across dropped punctuation (发展，坚持) is two phrases' ends,
    not one phrase.
    """
    n = len(text) - length + 1
    if n <= 0:
        return np.zeros(0, dtype=bool)
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), "<u4")
    good = ((ends - starts) == 1) & (cps >= 0x3400) & (cps <= 0x9FFF)
    adjacent = np.r_[False, starts[1:] == ends[:-1]]
    ok = good[:n].copy()
    for j in range(1, length):
        ok &= good[j : j + n] & adjacent[j : j + n]
    return ok


def _pick(found: dict[tuple[int, int], int], n: int) -> list[tuple[int, int]]:
    """Phrases among common n-grams: the longest form of each, without overlaps.

    An n-gram inside a one-longer common n-gram with nearly its df (>= 80%)
    is a piece of that phrase (走深走 of 走深走实) and goes. What remains is
    chosen greedily by df times length, so of overlapping survivors
    (高质量发展 and 质量发展是) the better one stays.
    """
    kept = []
    for (length, i), df in found.items():
        longer = (found.get((length + 1, i), 0), found.get((length + 1, i - 1), 0))
        if max(longer) >= 0.8 * df:
            continue
        kept.append((length, i, df))
    kept.sort(key=lambda x: (-x[2] * x[0], x[1]))
    taken = np.zeros(n + 1, dtype=bool)
    out: list[tuple[int, int]] = []
    for length, i, _ in kept:
        if taken[i : i + length].any():
            continue
        taken[i : i + length] = True
        out.append((length, i))
    return out


# -- the check ---------------------------------------------------------------


def check_text(
    text: str,
    index: Index,
    params: CheckParams | None = None,
    phrases: PhraseSource | None = None,
    draft_id: str = "-",
) -> CheckResult:
    """Reused spans of ``text`` against ``index``, their sources, and its stock phrases."""
    params = params or CheckParams()
    if not index.has_buckets:
        raise IndexFileError(
            f"{index.path}: index has no key buckets (a scan's throwaway index?); "
            "build one with `reuse index PATH --db FILE`"
        )
    cands = candidate_documents(text, index, params.min_shared, params.candidates)
    sources: list[Source] = []
    if cands:
        draft = prepare(text, params.align)
        ids = _ids(index, cands)
        for n in cands:
            doc_text = index.text(n)
            doc = prepare(doc_text, params.align)
            for m in align(draft, doc, params.align):
                for a_s, a_e, b_s, b_e, sim in refine(
                    draft, doc, m, params.min_sentence_similarity, params.min_sentence
                ):
                    ds, de = draft.norm.span(a_s, a_e)
                    ss, se = doc.norm.span(b_s, b_e)
                    span = Span(ids[n], ss, _close_end(doc_text, se))
                    sources.append(Source(span, sim, ds, _close_end(text, de)))
    matches = merge_sources(sources, params.sources)
    hits: list[PhraseHit] = []
    if params.phrases:
        source = phrases if phrases is not None else _default_phrases(index)
        hits = [PhraseHit(*p) for p in source.phrases_in(text)]
    n_docs = index.conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
    return CheckResult(
        draft=draft_id,
        text=text,
        chars=len(text),
        reused_fraction=reused_fraction(text, matches),
        matches=matches,
        phrases=hits,
        candidates=len(cands),
        documents=n_docs,
    )


def _ids(index: Index, ns: Sequence[int]) -> dict[int, str]:
    marks = ",".join("?" * len(ns))
    return dict(index.conn.execute(f"SELECT n, id FROM docs WHERE n IN ({marks})", list(ns)))


def check_corpus(
    texts: Sequence[tuple[str, str]],
    paths: Sequence[str | Path],
    params: CheckParams | None = None,
    workers: int = 2,
    on_skip: Any = None,
) -> tuple[list[CheckResult], list[Skipped]]:
    """Check ``(draft_id, text)`` drafts against files under ``paths`` via a throwaway index."""
    with tempfile.TemporaryDirectory(prefix="reuse-check-") as tmp:
        index = Index.create(Path(tmp) / "check.db", IndexParams(), buckets=True)
        try:
            stats = build(index, paths, workers=workers, on_skip=on_skip)
            source = IndexPhrases(index)
            results = [check_text(t, index, params, source, draft_id=d) for d, t in texts]
        finally:
            index.close()
    return results, stats.skipped
