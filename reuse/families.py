"""Join aligned pairs transitively into reuse families.

Two spans are one node when they are in the same document and overlap by at
least half of the longer one; a pair joins its two nodes. A family is a
connected component; its members are the merged spans per document. Half of
the longer, not any overlap: a 20-character formula sentence inside a
2,000-character copied chapter is a different passage, and joining on any
overlap chains every regulation of a corpus into one family.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from reuse.model import Pair, Passage, Span


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[max(rx, ry)] = min(rx, ry)


def _overlaps(s: Span, start: int, end: int, min_overlap: float) -> bool:
    inter = min(s.end, end) - max(s.start, start)
    return inter > 0 and inter >= min_overlap * max(len(s), end - start)


def _merge(spans: list[Span]) -> list[Span]:
    """Union of overlapping spans of one document."""
    out: list[Span] = []
    for s in sorted(spans, key=lambda x: x.start):
        if out and s.start < out[-1].end:
            last = out[-1]
            out[-1] = Span(last.doc, last.start, max(last.end, s.end))
        else:
            out.append(s)
    return out


def families(pairs: Sequence[Pair], min_overlap: float = 0.5) -> list[Passage]:
    """Reuse families, largest first (by documents, then length); text left empty."""
    nodes: list[Span] = []
    for p in pairs:
        nodes.extend((p.a, p.b))
    uf = _UnionFind(len(nodes))
    for n in range(0, len(nodes), 2):
        uf.union(n, n + 1)
    by_doc: dict[str, list[int]] = defaultdict(list)
    for n, s in enumerate(nodes):
        by_doc[s.doc].append(n)
    for idx in by_doc.values():
        idx.sort(key=lambda n: (nodes[n].start, -nodes[n].end))
        head, start, end = idx[0], nodes[idx[0]].start, nodes[idx[0]].end
        for n in idx[1:]:
            if _overlaps(nodes[n], start, end, min_overlap):
                uf.union(head, n)
                end = max(end, nodes[n].end)
            else:
                head, start, end = n, nodes[n].start, nodes[n].end
    groups: dict[int, list[Span]] = defaultdict(list)
    for n, s in enumerate(nodes):
        groups[uf.find(n)].append(s)
    joined: dict[int, list[int]] = defaultdict(list)
    for n in range(0, len(nodes), 2):
        joined[uf.find(n)].append(n // 2)
    out: list[Passage] = []
    for root, spans in groups.items():
        per_doc: dict[str, list[Span]] = defaultdict(list)
        for s in spans:
            per_doc[s.doc].append(s)
        members = [m for doc in sorted(per_doc) for m in _merge(per_doc[doc])]
        out.append(Passage(0, members, pairs=joined[root]))
    out.sort(key=lambda p: (-p.docs, -max(len(m) for m in p.members), p.members[0].doc))
    for i, p in enumerate(out):
        p.id = i
    return out


def reused_chars(passages: Sequence[Passage]) -> dict[str, int]:
    """Characters of each document inside any family member (overlaps counted once)."""
    per_doc: dict[str, list[Span]] = defaultdict(list)
    for p in passages:
        for m in p.members:
            per_doc[m.doc].append(m)
    return {doc: sum(len(s) for s in _merge(spans)) for doc, spans in per_doc.items()}
