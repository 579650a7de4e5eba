"""Topic clusters: which campaigns and subjects a corpus holds, before anyone reads it.

The pipeline, and why each step is there:

1. Tokens are jieba words of the normalised text, with the corpus's own mined formulas added to
   jieba's dictionary so "两个维护" stays one term instead of two meaningless halves. Stop words
   come from the stopwords-iso collection (``stopwordsiso``), a maintained merge of the common
   Chinese lists; numbers, dates, placeholders, punctuation and one-character words go too.
2. Reposts (one bulletin on many sites) would otherwise form clusters of their own and pull the
   centroids: documents whose word-bigram sets MinHash-collide and verify at a high Jaccard
   share are collapsed onto one representative first, and join its cluster at the end.
3. TF-IDF (sublinear tf, document-frequency bounds) of the representatives, L2-normalised,
   then k-means; k is the one with the best cosine silhouette over a small range unless the
   user fixes it. bench/bench_cluster.py holds the measurement that chose this over k-means on
   an LSA reduction and over agglomerative clustering on cosine distance.
4. Each cluster is described by class-based TF-IDF (terms frequent in the cluster and rare in
   the others), its typical formulas, and the document nearest its centroid.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from reuse.lsh import LSHParams, MinHasher, candidate_pairs
from reuse.model import Document
from reuse.normalize import normalize

__all__ = [
    "Cluster",
    "ClusterParams",
    "ClusterResult",
    "PlotUnavailable",
    "class_tfidf",
    "cluster_documents",
    "collapse_near_duplicates",
    "is_content_token",
    "plot_map",
    "stop_words",
    "tokenize",
]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_LATIN_WORD = re.compile(r"^[a-z][a-z0-9+\-]+$")
_DIGITS_CN = "〇零一二三四五六七八九十百千万亿两"
# Figures, dates, ordinals and counts: "2025", "十四五" stays (it is a plan), "第三次" goes.
_NUMERIC = re.compile(
    rf"^(?:[0-9.%]+|[0-9{_DIGITS_CN}]+[年月日号时期届次个条款项章节岁万亿]?"
    rf"|第[0-9{_DIGITS_CN}]+[^\s]?)$"
)
# Documents per worker task: big enough that pickling stays a small share of the work.
_CHUNK = 64
_PARALLEL_MIN_CHARS = 2_000_000
_NO_TERM = "\x00"
# The phrase miner needs only the frequent formulas, which a sample of this size already holds.
_MINE_SAMPLE_CHARS = 3_000_000


class PlotUnavailable(RuntimeError):
    """--plot was asked for but matplotlib is not installed."""


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """Knobs of the clustering; defaults are the ones bench/bench_cluster.py measured."""

    k: int | None = None
    k_min: int = 2
    k_max: int = 15
    # Document-frequency bounds of the vocabulary: a term in fewer than min_df documents cannot
    # characterise a group; one in more than max_df of them is officialese, not a topic.
    min_df: int = 2
    max_df: float = 0.5
    max_features: int = 50_000
    # Reposts: shared share of word bigrams (Jaccard) at which two documents are one.
    duplicate_jaccard: float = 0.8
    top_terms: int = 10
    top_formulas: int = 5
    seed: int = 0
    workers: int = 2


@dataclass(slots=True)
class Cluster:
    """One topic: its documents (reposts included), what it is about, and who shows it best."""

    id: int
    docs: list[str]
    terms: list[str]
    formulas: list[str] = field(default_factory=list)
    representative: str = ""
    title: str = ""
    collapsed: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "docs": self.docs,
            "terms": self.terms,
            "formulas": self.formulas,
            "size": len(self.docs),
            "representative": self.representative,
            "title": self.title,
            "collapsed": self.collapsed,
        }


@dataclass(slots=True)
class ClusterResult:
    """The clusters plus the figures a report and a map need."""

    clusters: list[Cluster]
    k: int
    silhouette: float | None
    scores: dict[int, float]
    documents: int
    collapsed: int
    coords: np.ndarray | None = None  # 2-D map position per representative document
    coord_labels: np.ndarray | None = None  # cluster id per row of coords

    def to_json(self) -> dict[str, Any]:
        return {
            "clusters": [c.to_json() for c in self.clusters],
            "k": self.k,
            "silhouette": None if self.silhouette is None else round(self.silhouette, 4),
            "silhouette_by_k": {str(k): round(v, 4) for k, v in self.scores.items()},
            "documents": self.documents,
            "collapsed": self.collapsed,
        }


# --------------------------------------------------------------------------- tokens


@cache
def stop_words() -> frozenset[str]:
    """Chinese stop words from stopwords-iso (simplified; the text is folded to simplified).

    Without the package the filter still drops numbers, punctuation and one-character words,
    which are most of the function words; the list adds the two-character ones (我们, 以及).
    """
    try:
        import stopwordsiso
    except ImportError:
        return frozenset()
    return frozenset(w.strip().lower() for w in stopwordsiso.stopwords("zh") if w.strip())


def is_content_token(token: str, stops: frozenset[str]) -> bool:
    """A word that can name a topic: two characters or more, Han or a Latin word, no figure."""
    if len(token) < 2 or token in stops:
        return False
    if _NUMERIC.match(token):
        return False
    return bool(_HAN.search(token) or _LATIN_WORD.match(token))


def tokenize(text: str) -> list[str]:
    """Content words of ``text``: jieba (with added formulas) on the normalised text."""
    from reuse.phrases import segment

    folded = normalize(text, numbers=False, punctuation=False).text
    stops = stop_words()
    return [w for w in segment(folded) if is_content_token(w, stops)]


def _analyse(texts: Sequence[str]) -> list[tuple[str, np.ndarray]]:
    """Tokens (space-joined: one string pickles far faster than a list) and the uint32 hashes
    of the word bigrams, the document's fingerprint for repost detection."""
    out: list[tuple[str, np.ndarray]] = []
    for text in texts:
        words = tokenize(text)
        grams = {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)} or set(words)
        hashes = np.fromiter((zlib.crc32(g.encode()) for g in grams), np.uint32, len(grams))
        out.append((" ".join(words), np.unique(hashes)))
    return out


def _init_worker(phrases: Sequence[str]) -> None:
    from reuse.phrases import add_to_jieba

    add_to_jieba(phrases)


def analyse_all(
    texts: Sequence[str], phrases: Sequence[str], workers: int
) -> list[tuple[str, np.ndarray]]:
    """`_analyse` over the corpus, in worker processes when it is big enough to pay off."""
    _init_worker(phrases)
    if workers <= 1 or sum(len(t) for t in texts) < _PARALLEL_MIN_CHARS:
        return _analyse(texts)
    chunks = [texts[i : i + _CHUNK] for i in range(0, len(texts), _CHUNK)]
    with ProcessPoolExecutor(
        workers, mp_context=get_context("fork"), initializer=_init_worker, initargs=(phrases,)
    ) as pool:
        return [item for part in pool.map(_analyse, chunks) for item in part]


def mine_formulas(texts: Sequence[str], limit: int = 2000) -> list[str]:
    """The corpus's stock phrases, mined on an even sample of documents (a formula frequent in
    the corpus is frequent in the sample; mining everything would cost more than clustering)."""
    from reuse.phrases import MineParams, mine

    total = sum(len(t) for t in texts)
    step = max(1, int(np.ceil(total / _MINE_SAMPLE_CHARS)))
    sample = list(texts[::step])
    if len(sample) < 3:
        return []
    return [p.phrase for p in mine(sample, MineParams())[:limit]]


# --------------------------------------------------------------------------- reposts


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return int(root)

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def collapse_near_duplicates(fingerprints: Sequence[np.ndarray], threshold: float) -> np.ndarray:
    """Representative index per document (itself when it has no repost earlier in the list).

    Document-level MinHash of the bigram hashes, LSH-banded at ``threshold`` so only likely
    pairs are compared, then verified by the exact Jaccard share of their bigram sets.
    """
    n = len(fingerprints)
    reps = np.arange(n)
    usable = [i for i, f in enumerate(fingerprints) if f.size]
    if len(usable) < 2:
        return reps
    hasher = MinHasher(LSHParams(num_perm=64, threshold=threshold, seed=1, shingle=1))
    values = np.concatenate([fingerprints[i] for i in usable])
    offsets = np.r_[0, np.cumsum([fingerprints[i].size for i in usable])]
    keys = hasher.band_keys(hasher.signatures(values, offsets))
    owners = np.repeat(np.asarray(usable), keys.shape[1])
    pairs = candidate_pairs(keys.ravel(), owners, max_bucket=50)
    uf = _UnionFind(n)
    for a, b in pairs.tolist():
        fa, fb = fingerprints[a], fingerprints[b]
        shared = np.intersect1d(fa, fb, assume_unique=True).size
        if shared >= threshold * (fa.size + fb.size - shared):
            uf.union(a, b)
    return np.array([uf.find(i) for i in range(n)])


# --------------------------------------------------------------------------- clustering


def class_tfidf(counts: Any, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """Class-based TF-IDF ``(n_clusters, n_terms)``: each cluster's documents pooled into one,
    term frequency within the cluster times log(1 + mean cluster size / the term's frequency
    over all clusters), so a term common everywhere scores low however frequent it is."""
    from scipy import sparse

    member = sparse.csr_matrix(
        (np.ones(labels.size), (labels, np.arange(labels.size))), shape=(n_clusters, labels.size)
    )
    pooled = np.asarray((member @ counts).todense(), dtype=np.float64)
    totals = pooled.sum(axis=1, keepdims=True)
    tf = pooled / np.maximum(totals, 1.0)
    mean_words = totals.mean()
    idf = np.log1p(mean_words / np.maximum(pooled.sum(axis=0), 1.0))
    return tf * idf


def _lsa(tfidf: Any, components: int, seed: int) -> np.ndarray:
    """Rows of ``tfidf`` in a dense LSA space, L2-normalised so Euclidean k-means is cosine."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize as l2

    n_comp = min(components, tfidf.shape[0] - 1, tfidf.shape[1] - 1)
    if n_comp < 2:
        return l2(tfidf.toarray())
    svd = TruncatedSVD(n_components=n_comp, random_state=seed)
    return l2(svd.fit_transform(tfidf))


def _kmeans(x: Any, k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(x)


def choose_k(x: Any, ks: Iterable[int], seed: int) -> tuple[int, np.ndarray, dict[int, float]]:
    """k-means for each k; keep the k with the best cosine silhouette (sampled when large)."""
    from sklearn.metrics import silhouette_score

    scores: dict[int, float] = {}
    best: tuple[float, int, np.ndarray] | None = None
    sample = min(x.shape[0], 3000)
    for k in ks:
        labels = _kmeans(x, k, seed)
        if len(set(labels.tolist())) < 2:
            continue
        s = float(
            silhouette_score(x, labels, metric="cosine", sample_size=sample, random_state=seed)
        )
        scores[k] = s
        if best is None or s > best[0]:
            best = (s, k, labels)
    if best is None:
        return 1, np.zeros(x.shape[0], int), scores
    return best[1], best[2], scores


def _vectorise(joined: Sequence[str], params: ClusterParams) -> tuple[Any, Any, list[str]]:
    """Raw counts, TF-IDF rows and the vocabulary, relaxing the df bounds for tiny corpora."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    n = len(joined)
    min_df = params.min_df if n >= 4 * params.min_df else 1
    max_df = params.max_df if n >= 10 else 1.0
    try:
        cv = CountVectorizer(
            analyzer=str.split, min_df=min_df, max_df=max_df, max_features=params.max_features
        )
        counts = cv.fit_transform(joined)
    except ValueError:  # every term pruned: fall back to the whole vocabulary
        cv = CountVectorizer(analyzer=str.split)
        counts = cv.fit_transform(joined)
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    return counts, tfidf, cv.get_feature_names_out().tolist()


def _title(doc: Document, width: int = 60) -> str:
    title = doc.metadata.get("title") if doc.metadata else None
    if isinstance(title, str) and title.strip():
        return title.strip()[:width]
    for line in doc.text.splitlines():
        if line.strip():
            return line.strip()[:width]
    return ""


def cluster_documents(
    docs: Sequence[Document],
    params: ClusterParams = ClusterParams(),
    formulas: Sequence[str] | None = None,
    with_map: bool = False,
) -> ClusterResult:
    """Cluster ``docs``; every document ends in exactly one cluster.

    ``formulas`` are kept whole by jieba and reported per cluster; ``None`` mines them from the
    corpus itself. ``with_map`` also computes the 2-D coordinates `plot_map` draws.
    """
    if not docs:
        return ClusterResult([], 0, None, {}, 0, 0)
    from threadpoolctl import threadpool_limits

    # Multi-threaded BLAS made the small SVD and k-means 20x slower on the 2-core machine
    # (threads fighting the worker processes and each other); one thread is faster here.
    with threadpool_limits(limits=1):
        return _cluster(docs, params, formulas, with_map)


def _cluster(
    docs: Sequence[Document],
    params: ClusterParams,
    formulas: Sequence[str] | None,
    with_map: bool,
) -> ClusterResult:
    texts = [d.text for d in docs]
    if formulas is None:
        formulas = mine_formulas(texts)
    analysed = analyse_all(texts, list(formulas), params.workers)
    reps = collapse_near_duplicates([f for _, f in analysed], params.duplicate_jaccard)
    unique = np.flatnonzero(reps == np.arange(len(docs)))
    joined = [analysed[i][0] for i in unique]
    if not any(joined):
        # No content word anywhere (figures only): one placeholder term keeps the maths
        # defined, and it is never reported.
        joined = [_NO_TERM] * len(joined)

    counts, tfidf, vocab = _vectorise(joined, params)
    # k-means straight on the L2-normalised TF-IDF rows (Euclidean there is cosine): on the
    # labelled real sets it beat k-means on an LSA reduction and agglomerative clustering.
    x = tfidf
    n = len(unique)
    silhouette: float | None = None
    scores: dict[int, float] = {}
    if params.k is not None:
        k = max(1, min(params.k, n))
        labels = _kmeans(x, k, params.seed) if k > 1 else np.zeros(n, int)
    elif n < 3:
        k, labels = 1, np.zeros(n, int)
    else:
        ks = range(max(2, params.k_min), min(params.k_max, n - 1) + 1)
        k, labels, scores = choose_k(x, ks, params.seed)
        silhouette = scores.get(k)
    labels = _renumber_by_size(labels)
    k = int(labels.max()) + 1
    clusters = _describe(docs, unique, reps, labels, k, counts, x, vocab, formulas, params)
    result = ClusterResult(
        clusters=clusters,
        k=k,
        silhouette=silhouette,
        scores=scores,
        documents=len(docs),
        collapsed=len(docs) - n,
    )
    if with_map:
        result.coords = _map_coords(tfidf, params.seed)
        result.coord_labels = labels
    return result


def _renumber_by_size(labels: np.ndarray) -> np.ndarray:
    """Cluster 0 is the biggest: reports read top-down, and ids are stable across runs."""
    sizes = np.bincount(labels)
    order = np.lexsort((np.arange(sizes.size), -sizes))
    new = np.empty_like(order)
    new[order] = np.arange(order.size)
    return new[labels]


def _describe(
    docs: Sequence[Document],
    unique: np.ndarray,
    reps: np.ndarray,
    labels: np.ndarray,
    k: int,
    counts: Any,
    x: Any,
    vocab: list[str],
    formulas: Sequence[str],
    params: ClusterParams,
) -> list[Cluster]:
    weights = class_tfidf(counts, labels, k)
    formula_set = {f for f in formulas if len(f) >= 3}
    cluster_of_rep = dict(zip(unique.tolist(), labels.tolist(), strict=True))
    members: list[list[int]] = [[] for _ in range(k)]
    for i, r in enumerate(reps.tolist()):
        members[cluster_of_rep[r]].append(i)
    clusters: list[Cluster] = []
    for c in range(k):
        order = np.argsort(-weights[c], kind="stable")
        ranked = [
            vocab[j]
            for j in order[: 20 * params.top_terms]
            if weights[c, j] > 0 and vocab[j] != _NO_TERM
        ]
        terms = ranked[: params.top_terms]
        typical = [t for t in ranked if t in formula_set][: params.top_formulas]
        rows = np.flatnonzero(labels == c)
        centre = np.asarray(x[rows].mean(axis=0)).ravel()
        best = int(unique[rows[int(np.argmax(np.asarray(x[rows] @ centre).ravel()))]])
        clusters.append(
            Cluster(
                id=c,
                docs=[docs[i].id for i in members[c]],
                terms=terms,
                formulas=typical,
                representative=docs[best].id,
                title=_title(docs[best]),
                collapsed=[docs[i].id for i in members[c] if reps[i] != i],
            )
        )
    return clusters


# --------------------------------------------------------------------------- map


def _map_coords(tfidf: Any, seed: int) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD

    if tfidf.shape[1] < 3 or tfidf.shape[0] < 3:
        dense = tfidf.toarray()
        return np.pad(dense, ((0, 0), (0, max(0, 2 - dense.shape[1]))))[:, :2]
    return TruncatedSVD(n_components=2, random_state=seed).fit_transform(tfidf)


@cache
def _cjk_font() -> str | None:
    """A font that has Chinese glyphs, or None (labels then fall back to cluster numbers)."""
    from matplotlib import font_manager

    wanted = ("Noto Sans CJK", "Noto Serif CJK", "Source Han", "WenQuanYi", "SimHei", "AR PL")
    for font in font_manager.fontManager.ttflist:
        if any(font.name.startswith(w) for w in wanted):
            return font.name
    return None


def plot_map(result: ClusterResult, path: str | Path, top_terms: int = 3) -> None:
    """Write a PNG map: one dot per (non-repost) document, coloured by cluster, each cluster
    labelled at its centre with its top terms. Raises `PlotUnavailable` without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        raise PlotUnavailable("--plot needs matplotlib, which is not installed") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if result.coords is None or result.coord_labels is None:
        raise ValueError("cluster_documents(..., with_map=True) computes the map coordinates")
    font = _cjk_font()
    if font:
        plt.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
    fig, ax = plt.subplots(figsize=(10, 8), dpi=100)
    # tab10's neighbours differ more than tab20's pairs of light and dark of one hue.
    cmap = plt.get_cmap("tab10" if len(result.clusters) <= 10 else "tab20")
    xy, labels = result.coords, result.coord_labels
    for c in result.clusters:
        pts = xy[labels == c.id]
        colour = cmap(c.id % cmap.N)
        ax.scatter(pts[:, 0], pts[:, 1], s=12, color=colour, alpha=0.7, label=f"{c.id}")
        if len(pts):
            cx, cy = np.median(pts, axis=0)
            words = " ".join(c.terms[:top_terms]) if font else ""
            ax.annotate(
                f"{c.id} {words}".strip(),
                (cx, cy),
                fontsize=10,
                weight="bold",
                ha="center",
                bbox={"boxstyle": "round", "fc": "white", "ec": colour, "alpha": 0.85},
            )
    title = f"{result.documents} documents, {result.k} clusters (2-D LSA map)"
    if not font:
        title += "\nno CJK font found: clusters are numbered as in the table"
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
