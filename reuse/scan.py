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

from reuse.align import AlignParams, Prepared, align, prepare
from reuse.families import families, reused_chars
from reuse.index import DocInfo, Index, IndexParams, build
from reuse.lsh import candidate_pairs
from reuse.model import Pair, Passage, Skipped, Span

Progress = Callable[[str, int, int], None]
_PAIRS_PER_TASK = 2000
_CACHE_DOCS = 2048


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


@dataclass(slots=True)
class ScanResult:
    documents: list[DocInfo]
    pairs: list[Pair]
    passages: list[Passage]
    reused: dict[str, int]
    skipped: list[Skipped] = field(default_factory=list)
    candidates: int = 0

    @property
    def chars(self) -> int:
        return sum(d.chars for d in self.documents)

    @property
    def reused_share(self) -> float:
        total = self.chars
        return sum(self.reused.values()) / total if total else 0.0

    def to_json(self) -> dict:
        """The contract's shape, plus a summary and the skipped files."""
        return {
            "documents": [
                {"id": d.id, "chars": d.chars, "reused_chars": self.reused.get(d.id, 0)}
                for d in self.documents
            ],
            "pairs": [p.to_json() for p in self.pairs],
            "passages": [p.to_json() for p in self.passages],
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "summary": {
                "documents": len(self.documents),
                "characters": self.chars,
                "skipped": len(self.skipped),
                "candidate_pairs": self.candidates,
                "pairs": len(self.pairs),
                "passages": len(self.passages),
                "reused_share": round(self.reused_share, 4),
            },
        }


class _DocCache:
    """The aligner's working set: a few hundred prepared documents, least recently used out."""

    def __init__(self, index: Index, k: int, size: int = _CACHE_DOCS) -> None:
        self.index, self.k, self.size = index, k, size
        self._docs: OrderedDict[int, Prepared] = OrderedDict()

    def get(self, n: int) -> Prepared:
        p = self._docs.get(n)
        if p is None:
            p = prepare(self.index.text(n), self.k)
            self._docs[n] = p
            if len(self._docs) > self.size:
                self._docs.popitem(last=False)
        else:
            self._docs.move_to_end(n)
        return p


Aligned = tuple[int, int, int, int, int, int, float]


def align_pairs(db: str, pairs: np.ndarray, params: AlignParams) -> list[Aligned]:
    """Align candidate document pairs; rows are (a, a_start, a_end, b, b_start, b_end, sim).

    Offsets are in the original texts. Runs in a worker with its own connection.
    """
    index = Index.open(Path(db))
    try:
        cache = _DocCache(index, params.k)
        out: list[Aligned] = []
        for a, b in pairs.tolist():
            pa, pb = cache.get(a), cache.get(b)
            for m in align(pa, pb, params):
                sa, ea = pa.norm.span(m.a_start, m.a_end)
                sb, eb = pb.norm.span(m.b_start, m.b_end)
                out.append((a, sa, ea, b, sb, eb, m.similarity))
        return out
    finally:
        index.close()


def _chunks(pairs: np.ndarray) -> list[np.ndarray]:
    """Tasks of pairs ordered in tiles, so that a worker's cache holds both sides of a tile."""
    tile = _CACHE_DOCS // 2
    order = np.lexsort((pairs[:, 1], pairs[:, 0], pairs[:, 1] // tile, pairs[:, 0] // tile))
    pairs = pairs[order]
    return [pairs[i : i + _PAIRS_PER_TASK] for i in range(0, len(pairs), _PAIRS_PER_TASK)]


def scan_index(index: Index, options: ScanOptions, progress: Progress | None = None) -> ScanResult:
    """Every shared passage between documents of ``index``, joined into families."""
    docs = index.documents()
    keys, owners = index.all_keys()
    cands = candidate_pairs(keys, owners, options.max_bucket, options.min_shared)
    del keys, owners
    chunks = _chunks(cands)
    rows: list[Aligned] = []
    done = 0
    if progress:
        progress("aligning", 0, len(cands))
    if options.workers <= 1 or len(chunks) <= 1:
        results = (align_pairs(str(index.path), c, options.align) for c in chunks)
        for c, r in zip(chunks, results, strict=True):
            rows.extend(r)
            done += len(c)
            if progress:
                progress("aligning", done, len(cands))
    else:
        with ProcessPoolExecutor(options.workers, mp_context=get_context("fork")) as pool:
            futures = [pool.submit(align_pairs, str(index.path), c, options.align) for c in chunks]
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
    by_id = {d.id: d.n for d in docs}
    for p in passages:
        m = p.members[0]
        p.text = index.text(by_id[m.doc])[m.start : m.end]
    return ScanResult(docs, pairs, passages, reused_chars(passages), candidates=len(cands))


def scan_paths(
    paths: Sequence[str | Path],
    options: ScanOptions,
    db: Path | None = None,
    progress: Progress | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
) -> ScanResult:
    """Index ``paths`` (into ``db``, or a throwaway index) and scan them."""

    def indexed(index: Index) -> ScanResult:
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
