"""Scan a corpus: candidate pairs from the index, aligned passages, families.

``scan_paths`` is what ``reuse scan FOLDER`` runs: it indexes the folder into
a throwaway index and scans that; ``scan_index`` scans an index built by
``reuse index``. Both stream: texts live in the index file, not in memory,
and the aligner loads the few documents it is working on.
"""

from __future__ import annotations

import tempfile
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import reverse_cuthill_mckee

from reuse.align import AlignParams, Prepared, align, prepare
from reuse.boilerplate import Ignored, IgnoreList, Limit, split
from reuse.families import families, reused_chars
from reuse.index import DocInfo, Index, IndexParams, build
from reuse.lsh import bucket_pairs, count_pairs
from reuse.model import Pair, Passage, Skipped, Span

Progress = Callable[[str, int, int], None]
_PAIRS_PER_TASK = 2000
_CACHE_DOCS = 4096
_KEYS_PER_PART = 16_000_000


@dataclass(frozen=True)
class ScanOptions:
    align: AlignParams = field(default_factory=AlignParams)
    index: IndexParams = field(default_factory=IndexParams)
    max_bucket: int = 12
    # Band keys two documents must share to be aligned. Measured on planted
    # corpora (bench/README.md): 3 keeps recall of planted passages above
    # 0.99 and cuts the candidates of a templated corpus by 4x against 2.
    min_shared: int = 3
    workers: int = 2
    # Boilerplate left out of the report (reuse/boilerplate.py).
    ignore_over: Limit | None = None
    ignore: IgnoreList | None = None


@dataclass(slots=True)
class ScanResult:
    documents: list[DocInfo]
    pairs: list[Pair]
    passages: list[Passage]
    reused: dict[str, int]
    skipped: list[Skipped] = field(default_factory=list)
    candidates: int = 0
    ignored: list[Ignored] = field(default_factory=list)

    @property
    def chars(self) -> int:
        return sum(d.chars for d in self.documents)

    @property
    def reused_share(self) -> float:
        total = self.chars
        return sum(self.reused.values()) / total if total else 0.0

    def to_json(self, max_pairs_per_family: int | None = None) -> dict:
        """The contract's shape, plus a summary, the skipped files and the ignored families.

        A family spanning thousands of documents (a footer) has thousands of
        pairs; ``max_pairs_per_family`` lists the most similar of them and
        keeps the family's full member list and its pair count.
        """
        listed = self._listed_pairs(max_pairs_per_family)
        passages = []
        for p in self.passages:
            entry = p.to_json()
            entry["pairs"] = len(p.pairs)
            passages.append(entry)
        return {
            "documents": [
                {"id": d.id, "chars": d.chars, "reused_chars": self.reused.get(d.id, 0)}
                for d in self.documents
            ],
            "pairs": [self.pairs[i].to_json() for i in listed],
            "passages": passages,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "ignored": [x.to_json() for x in self.ignored],
            "summary": {
                "documents": len(self.documents),
                "characters": self.chars,
                "skipped": len(self.skipped),
                "candidate_pairs": self.candidates,
                "pairs": len(self.pairs),
                "pairs_listed": len(listed),
                "passages": len(self.passages),
                "ignored_passages": len(self.ignored),
                "reused_share": round(self.reused_share, 4),
            },
        }

    def _listed_pairs(self, cap: int | None) -> list[int]:
        if not cap:
            return list(range(len(self.pairs)))
        listed: list[int] = []
        for p in self.passages:
            best = sorted(p.pairs, key=lambda i: -self.pairs[i].similarity)
            listed.extend(best[:cap])
        return sorted(listed)


class _DocCache:
    """The aligner's working set: a few thousand prepared documents, least recently used out."""

    def __init__(self, index: Index, params: AlignParams, size: int = _CACHE_DOCS) -> None:
        self.index, self.params, self.size = index, params, size
        self._docs: OrderedDict[int, Prepared] = OrderedDict()

    def get(self, n: int) -> Prepared:
        p = self._docs.get(n)
        if p is None:
            p = prepare(self.index.text(n), self.params)
            self._docs[n] = p
            if len(self._docs) > self.size:
                self._docs.popitem(last=False)
        else:
            self._docs.move_to_end(n)
        return p


Aligned = tuple[int, int, int, int, int, int, float]


def align_pairs(cache: _DocCache, pairs: np.ndarray, params: AlignParams) -> list[Aligned]:
    """Align candidate document pairs; rows are (a, a_start, a_end, b, b_start, b_end, sim).

    Offsets are in the original texts.
    """
    out: list[Aligned] = []
    for a, b in pairs.tolist():
        pa, pb = cache.get(a), cache.get(b)
        for m in align(pa, pb, params):
            sa, ea = pa.norm.span(m.a_start, m.a_end)
            sb, eb = pb.norm.span(m.b_start, m.b_end)
            out.append((a, sa, ea, b, sb, eb, m.similarity))
    return out


# A worker process's own connection and cache, kept from task to task:
# preparing a document costs as much as aligning a pair, so a cache that
# died with each task would prepare almost every document again.
_worker_cache: _DocCache | None = None


def _init_worker(db: str, params: AlignParams) -> None:
    global _worker_cache
    _worker_cache = _DocCache(Index.open(Path(db)), params)


def _align_task(pairs: np.ndarray, params: AlignParams) -> list[Aligned]:
    assert _worker_cache is not None, "worker not initialised"
    return align_pairs(_worker_cache, pairs, params)


def _chunks(pairs: np.ndarray) -> list[np.ndarray]:
    """Tasks of pairs in an order that lets a worker's cache serve most documents.

    Documents are renumbered by reverse Cuthill-McKee on the graph of
    candidate pairs, which puts documents that pair with each other close
    together, and pairs go in that order: measured on 10,000 generated
    documents, a 4,096-document cache then prepares 21,000 documents for
    65,000 pairs, against 34,000 in plain tiles of document numbers.
    """
    if len(pairs) == 0:
        return []
    n = int(pairs.max()) + 1
    graph = coo_matrix((np.ones(len(pairs), np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    rank = np.empty(n, np.int64)
    rank[reverse_cuthill_mckee(graph.tocsr(), symmetric_mode=False)] = np.arange(n)
    r = np.sort(rank[pairs], axis=1)
    pairs = pairs[np.lexsort((r[:, 1], r[:, 0]))]
    return [pairs[i : i + _PAIRS_PER_TASK] for i in range(0, len(pairs), _PAIRS_PER_TASK)]


def _candidates(index: Index, options: ScanOptions) -> np.ndarray:
    """Candidate document pairs, the index's keys taken a part at a time.

    Pairing sorts the keys, at about 45 bytes of memory per key; in parts of
    at most ``_KEYS_PER_PART`` keys, a 100,000-document index (some 126
    million keys) stays within a few hundred MB instead of several GB.
    """
    parts = max(1, -(-index.key_count() // _KEYS_PER_PART))
    codes = []
    for part in range(parts):
        keys, owners = index.all_keys(part, parts)
        codes.append(bucket_pairs(keys, owners, options.max_bucket))
        del keys, owners
    return count_pairs(codes, options.min_shared)


def _warm(params: AlignParams) -> None:
    """Build the normalisation tables and load the compiled aligner before worker processes
    fork, so that they inherit both rather than each building its own."""
    text = "预热对齐器的文本"
    align(prepare(text, params), prepare(text, params), params)


def scan_index(index: Index, options: ScanOptions, progress: Progress | None = None) -> ScanResult:
    """Every shared passage between documents of ``index``, joined into families."""
    docs = index.documents()
    cands = _candidates(index, options)
    chunks = _chunks(cands)
    rows: list[Aligned] = []
    done = 0
    if progress:
        progress("aligning", 0, len(cands))
    if options.workers <= 1 or len(chunks) <= 1:
        cache = _DocCache(index, options.align)
        for c in chunks:
            rows.extend(align_pairs(cache, c, options.align))
            done += len(c)
            if progress:
                progress("aligning", done, len(cands))
    else:
        _warm(options.align)
        with ProcessPoolExecutor(
            options.workers,
            mp_context=get_context("fork"),
            initializer=_init_worker,
            initargs=(str(index.path), options.align),
        ) as pool:
            futures = [pool.submit(_align_task, c, options.align) for c in chunks]
            for c, fut in zip(chunks, futures, strict=True):
                rows.extend(fut.result())
                done += len(c)
                if progress:
                    progress("aligning", done, len(cands))
    ids = {d.n: d.id for d in docs}
    pairs = [
        Pair(Span(ids[a], sa, ea), Span(ids[b], sb, eb), sim) for a, sa, ea, b, sb, eb, sim in rows
    ]
    passages = families(pairs)
    _passage_texts(index, passages, {d.id: d.n for d in docs})
    passages, ignored = split(passages, len(docs), options.ignore_over, options.ignore)
    if ignored:
        pairs, passages = _without_ignored(pairs, passages)
    return ScanResult(
        docs, pairs, passages, reused_chars(passages), candidates=len(cands), ignored=ignored
    )


def _passage_texts(index: Index, passages: list[Passage], numbers: dict[str, int]) -> None:
    """Each family's text, from its first member; each document read once, however many
    families it starts (a document is a compressed row: reading it is the cost)."""
    by_doc: dict[str, list[Passage]] = {}
    for p in passages:
        by_doc.setdefault(p.members[0].doc, []).append(p)
    for doc, group in by_doc.items():
        text = index.text(numbers[doc])
        for p in group:
            m = p.members[0]
            p.text = text[m.start : m.end]


def _without_ignored(pairs: list[Pair], kept: list[Passage]) -> tuple[list[Pair], list[Passage]]:
    """The pairs of the families kept, renumbered, and the families numbered afresh."""
    order = sorted(i for p in kept for i in p.pairs)
    new = {old: n for n, old in enumerate(order)}
    for n, p in enumerate(kept):
        p.id = n
        p.pairs = [new[i] for i in p.pairs]
    return [pairs[i] for i in order], kept


def scan_paths(
    paths: Sequence[str | Path],
    options: ScanOptions,
    db: Path | None = None,
    progress: Progress | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
) -> ScanResult:
    """Index ``paths`` (into ``db``, or a throwaway index) and scan them."""

    def indexed(index: Index) -> ScanResult:
        _warm(options.align)
        try:
            stats = build(
                index,
                paths,
                workers=options.workers,
                on_progress=(lambda d, t: progress("reading", d, t)) if progress else None,
                on_skip=on_skip,
            )
            result = scan_index(index, options, progress)
        finally:
            index.close()
        result.skipped = stats.skipped
        return result

    if db is not None:
        return indexed(Index.create(db, options.index))
    with tempfile.TemporaryDirectory(prefix="reuse-") as tmp:
        return indexed(Index.create(Path(tmp) / "scan.db", options.index, buckets=False))
