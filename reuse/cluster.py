"""Topic clusters: which campaigns and subjects a corpus holds, before anyone reads it.

The pipeline, and why each step is there:

1. Tokens are jieba words of the normalised text, with the corpus's own mined formulas added to
   jieba's dictionary so "两个维护" stays one term instead of two meaningless halves. Stop words
   come from the stopwords-iso collection (``stopwordsiso``), a maintained merge of the common
   Chinese lists; numbers, dates, placeholders, punctuation and one-character words go too.
2. Reposts (one bulletin on many sites) would otherwise form clusters of their own and pull the
   centroids: documents whose word-bigram sets MinHash-collide and verify at a high Jaccard
   share are collapsed onto one representative first, and join its cluster at the end.
3. TF-IDF (sublinear tf, document-frequency bounds), reduced by LSA. Unless the user fixes k,
   the clusters come from a consensus of many k-means runs (evidence accumulation): the widest
   gap of the single-linkage tree of their co-association, checked by silhouette and by an
   average-linkage fallback when one cluster swallows the corpus (`consensus_partition`).
   bench/bench_cluster.py and bench/README.md hold the measurement that chose this over k-means
   with the best silhouette, HDBSCAN and agglomerative clustering on labelled real documents.
4. Each cluster is described by class-based TF-IDF (terms frequent in the cluster and rare in
   the others, weighted by how much of their use falls in the cluster), its typical formulas,
   and the document nearest its centroid. The map is a t-SNE of the LSA rows.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from reuse.arrays import distinct
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
    "consensus_partition",
    "distinctive_weights",
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
    # characterise a group; one in more than max_df of them is officialese, not a topic. 0.5
    # was too low: when one topic holds most of the corpus, its own words were cut.
    min_df: int = 2
    max_df: float = 0.8
    max_features: int = 50_000
    # Consensus clustering (see consensus_partition): LSA dimensions of the space the k-means
    # runs work in, how many runs, how many documents at most build the consensus, and how
    # close (share of the best level's silhouette) the widest gap's level must come.
    lsa_dims: int = 100
    ensemble_runs: int = 100
    consensus_sample: int = 2000
    lifetime_guard: float = 0.8
    giant_share: float = 0.8
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
    method: str = ""  # how the clusters were found: "consensus", "given k", "too few"
    rule: str = ""  # for "consensus": which rule chose the number (see consensus_partition)
    coords: np.ndarray | None = None  # 2-D map position per mapped document
    coord_rows: np.ndarray | None = None  # which non-repost documents are mapped
    coord_labels: np.ndarray | None = None  # cluster id per row of coords

    def to_json(self) -> dict[str, Any]:
        return {
            "clusters": [c.to_json() for c in self.clusters],
            "k": self.k,
            "silhouette": None if self.silhouette is None else round(self.silhouette, 4),
            "silhouette_by_k": {str(k): round(v, 4) for k, v in self.scores.items()},
            "method": self.method,
            "rule": self.rule,
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
        out.append((" ".join(words), distinct(hashes)))
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


def distinctive_weights(counts: Any, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """`class_tfidf` times the share of the term's rate that falls in the cluster.

    Class-based TF-IDF alone still ranked words shared by a whole genre (应当 in every
    regulation cluster, 推进 in every report cluster) above the topic's own words when they
    are frequent; a word used at the same rate in five clusters keeps a fifth of its weight.
    """
    from scipy import sparse

    weights = class_tfidf(counts, labels, n_clusters)
    member = sparse.csr_matrix(
        (np.ones(labels.size), (labels, np.arange(labels.size))), shape=(n_clusters, labels.size)
    )
    pooled = np.asarray((member @ counts).todense(), dtype=np.float64)
    rate = pooled / np.maximum(pooled.sum(axis=1, keepdims=True), 1.0)
    share = rate / np.maximum(rate.sum(axis=0, keepdims=True), 1e-12)
    return weights * share


def _lsa(tfidf: Any, components: int, seed: int) -> np.ndarray:
    """Rows of ``tfidf`` in a dense LSA space, L2-normalised so Euclidean k-means is cosine."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize as l2

    n_comp = min(components, tfidf.shape[0] - 1, tfidf.shape[1] - 1)
    if n_comp < 2:
        return l2(tfidf.toarray())
    svd = TruncatedSVD(n_components=n_comp, random_state=seed)
    return l2(svd.fit_transform(tfidf))


def _kmeans(x: Any, k: int, seed: int, n_init: int = 4) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit_predict(x)


@dataclass(slots=True)
class Partition:
    """Labels of the consensus clustering and the figures that chose them."""

    labels: np.ndarray
    silhouette: float | None
    scores: dict[int, float]  # cosine silhouette of each level of the consensus tree
    how: str  # which rule chose the level (see consensus_partition)


def _dense_labels(labels: np.ndarray) -> np.ndarray:
    return np.unique(labels, return_inverse=True)[1].astype(int)


def _absorb_small(z: np.ndarray, labels: np.ndarray, min_size: int) -> np.ndarray:
    """Clusters under ``min_size`` documents join the nearest big one (by centroid cosine).

    Single linkage leaves stragglers as clusters of one or two; a topic needs more than that.
    """
    labels = _dense_labels(labels)
    sizes = np.bincount(labels)
    big = np.flatnonzero(sizes >= min_size)
    if big.size == 0:
        return np.zeros(labels.size, int)
    if big.size == sizes.size:
        return labels
    centres = np.vstack([z[labels == c].mean(axis=0) for c in big])
    nearest = big[np.argmax(z @ centres.T, axis=1)]
    return _dense_labels(np.where(np.isin(labels, big), labels, nearest))


def co_association(z: np.ndarray, runs: int, seed: int) -> np.ndarray:
    """Share of ``runs`` k-means partitions (random k around sqrt(n), one init each) that put
    each pair of rows together: evidence accumulation, so no single run's k or start decides."""
    from sklearn.cluster import KMeans

    m = z.shape[0]
    root = int(np.sqrt(m))
    lo = max(2, root // 2)
    # Up to 2 sqrt(n) clusters, but four documents a cluster on average at least: in a tiny
    # corpus, runs that pair documents off split every topic into noise.
    hi = min(max(lo + 1, 2 * root), max(lo + 1, m // 4), m - 1)
    rng = np.random.default_rng(seed)
    together = np.zeros((m, m), np.float32)
    for _ in range(runs):
        k = int(rng.integers(lo, hi + 1))
        labels = KMeans(k, n_init=1, random_state=int(rng.integers(2**31 - 1))).fit_predict(z)
        together += np.equal.outer(labels, labels)
    return together / runs


def consensus_partition(z: np.ndarray, x: Any, params: ClusterParams, k_range: range) -> Partition:
    """Topics without being told how many: evidence accumulation clustering.

    Many cheap k-means runs over-split the documents (``co_association``); pairs that stay
    together across runs belong together. Single linkage of 1 - co-association gives a tree
    whose widest gap between merge heights (the longest-lived level) is the natural number of
    clusters. Two checks, both for single linkage chaining topics together through a few
    in-between documents:

    * the cosine silhouette (on the TF-IDF rows ``x``) of the widest gap's level must reach
      ``params.lifetime_guard`` of the tree's best level, else the best level is taken;
    * when one cluster still holds more than ``params.giant_share`` of the documents (diffuse
      genres chain into one), the widest gap of the average-linkage tree is taken instead.

    bench/bench_cluster.py holds the comparison that chose this (k-means + silhouette,
    HDBSCAN, agglomerative, LSA + k-means and other rules for k on labelled real documents).
    ``z`` holds LSA rows (L2-normalised). Above ``params.consensus_sample`` rows the consensus
    is built on a seeded sample and the other rows join the nearest cluster centre.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform
    from sklearn.metrics import pairwise_distances, silhouette_score

    n = z.shape[0]
    rng = np.random.default_rng(params.seed)
    if n > params.consensus_sample:
        sample = np.sort(rng.choice(n, params.consensus_sample, replace=False))
    else:
        sample = np.arange(n)
    zs = z[sample]
    m = sample.size
    distance = 1.0 - co_association(zs, params.ensemble_runs, params.seed)
    np.fill_diagonal(distance, 0.0)
    condensed = squareform(distance, checks=False)
    single = linkage(condensed, "single")
    # A topic has a few documents at least; tiny corpora allow smaller ones.
    min_size = min(max(3, int(0.02 * m)), max(1, m // 6))
    cosine = pairwise_distances(x[sample], metric="cosine")
    np.fill_diagonal(cosine, 0.0)
    ks = [k for k in k_range if 2 <= k < m]

    def level(tree: np.ndarray, k: int) -> np.ndarray:
        return _absorb_small(zs, fcluster(tree, k, "maxclust") - 1, min_size)

    def widest(tree: np.ndarray) -> np.ndarray | None:
        if not ks:
            return None
        heights = tree[:, 2]
        gaps = [heights[m - k] - heights[m - k - 1] for k in ks]
        return level(tree, ks[int(np.argmax(gaps))])

    def silhouette(labels: np.ndarray) -> float | None:
        if not 2 <= labels.max() + 1 < m:
            return None
        return float(silhouette_score(cosine, labels, metric="precomputed"))

    def result(labels: np.ndarray, how: str) -> Partition:
        return Partition(_spread(z, sample, labels), silhouette(labels), scores, how)

    levels: dict[int, tuple[float, np.ndarray]] = {}
    for k in range(2, min(k_range.stop + 10, m)):
        labels = level(single, k)
        kk = int(labels.max()) + 1
        s = silhouette(labels)
        if s is not None and kk in k_range and kk not in levels:
            levels[kk] = (s, labels)
    scores = {k: round(v[0], 6) for k, v in sorted(levels.items())}
    chosen, how = widest(single), "widest gap"
    s_chosen = silhouette(chosen) if chosen is not None else None
    if levels:
        best_s, best_labels = max(levels.values(), key=lambda v: v[0])
        if s_chosen is None or s_chosen < params.lifetime_guard * best_s:
            chosen, how = best_labels, "best silhouette level"
    if chosen is None:
        return result(np.zeros(m, int), "one cluster")
    if np.bincount(chosen).max() > params.giant_share * m:
        averaged = widest(linkage(condensed, "average"))
        if averaged is not None and averaged.max() > 0:
            return result(averaged, "widest gap, average linkage")
    return result(chosen, how)


def _spread(z: np.ndarray, sample: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Labels for every row: the sample keeps its own, the rest join the nearest centre."""
    if sample.size == z.shape[0]:
        return labels
    k = int(labels.max()) + 1
    centres = np.vstack([z[sample][labels == c].mean(axis=0) for c in range(k)])
    out = np.argmax(z @ centres.T, axis=1)
    out[sample] = labels
    return out


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
    # threadpoolctl limits only the thread pools of libraries already loaded: the OpenMP
    # runtime of k-means and t-SNE comes with these modules, so they are loaded first.
    import sklearn.cluster
    import sklearn.manifold  # noqa: F401
    from threadpoolctl import threadpool_limits

    # Multi-threaded BLAS and OpenMP made the SVD, k-means and t-SNE 10-20x slower on the
    # 2-core machine (threads fighting the worker processes and each other).
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
    n = len(unique)
    z = _lsa(tfidf, params.lsa_dims, params.seed)
    part: Partition | None = None
    if params.k is not None:
        k = max(1, min(params.k, n))
        labels = _kmeans(tfidf, k, params.seed) if k > 1 else np.zeros(n, int)
    elif n < 3:
        labels = np.zeros(n, int)
    else:
        part = consensus_partition(z, tfidf, params, range(params.k_min, params.k_max + 1))
        labels = part.labels
    labels = _renumber_by_size(labels)
    k = int(labels.max()) + 1
    clusters = _describe(docs, unique, reps, labels, k, counts, tfidf, vocab, formulas, params)
    result = ClusterResult(
        clusters=clusters,
        k=k,
        silhouette=None if part is None else part.silhouette,
        scores={} if part is None else part.scores,
        documents=len(docs),
        collapsed=len(docs) - n,
        method="given k" if params.k is not None else ("consensus" if part else "too few"),
        rule="" if part is None else part.how,
    )
    if with_map:
        result.coords, result.coord_rows = _map_coords(z, labels, params.seed)
        result.coord_labels = labels[result.coord_rows]
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
    weights = distinctive_weights(counts, labels, k)
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

# t-SNE costs grow with the square of the points; a map of more than this many dots is no
# easier to read, so bigger corpora are drawn from a sample that keeps every cluster.
_MAP_POINTS = 2000


def _map_rows(labels: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """At most ``limit`` rows, each cluster keeping its share but at least a few dots."""
    n = labels.size
    if n <= limit:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    rows: list[np.ndarray] = []
    for c in range(int(labels.max()) + 1):
        members = np.flatnonzero(labels == c)
        take = min(members.size, max(5, round(limit * members.size / n)))
        rows.append(rng.choice(members, take, replace=False))
    return np.sort(np.concatenate(rows))


def _map_coords(z: np.ndarray, labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """2-D positions (t-SNE on the LSA rows, cosine) and the rows they belong to.

    t-SNE keeps neighbourhoods, so a topic is one island and separate topics are apart; the
    first two LSA axes, drawn before, piled most topics on top of each other.
    """
    rows = _map_rows(labels, _MAP_POINTS, seed)
    pts = z[rows]
    if pts.shape[0] < 10 or pts.shape[1] < 2:
        dense = pts - pts.mean(axis=0)
        if dense.shape[1] >= 2 and dense.shape[0] >= 2:
            u, sv, _ = np.linalg.svd(dense, full_matrices=False)
            flat = u[:, :2] * sv[:2]
        else:
            flat = np.zeros((dense.shape[0], 2))
        return np.pad(flat, ((0, 0), (0, max(0, 2 - flat.shape[1])))), rows
    from sklearn.manifold import TSNE

    perplexity = float(min(30, (pts.shape[0] - 1) / 3))
    tsne = TSNE(2, perplexity=perplexity, metric="cosine", init="pca", random_state=seed)
    return tsne.fit_transform(pts), rows


# Families of fonts with Chinese glyphs, best first; matched on the family name or file name.
_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK",
    "Source Han Sans",
    "Noto Serif CJK SC",
    "Noto Serif CJK",
    "Source Han Serif",
    "Droid Sans Fallback",
    "AR PL UMing",
    "AR PL UKai",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
_CJK_FILES = (
    "notosanscjk",
    "notoserifcjk",
    "sourcehan",
    "wqy",
    "droidsansfallback",
    "uming",
    "ukai",
    "simhei",
    "msyh",
    "pingfang",
)


@cache
def _cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None.

    matplotlib caches its font list when first used, so a font installed later (say
    fonts-noto-cjk) is not in it: the system font folders are searched as well and a match is
    registered with matplotlib.
    """
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FAMILIES:
        if family in known:
            return family
    found: list[str] = []
    for path in font_manager.findSystemFonts():
        if any(key in Path(path).name.lower().replace("-", "") for key in _CJK_FILES):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # unreadable font file: skip it
                continue
            found.append(path)
    if not found:
        return None
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FAMILIES:
        if family in known:
            return family
    return next((f.name for f in font_manager.fontManager.ttflist if "CJK" in f.name), None)


def _spread_labels(ax: Any, texts: list[Any], steps: int = 200) -> None:
    """Push overlapping label boxes apart (in display space) until none overlap."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_data = ax.transData.inverted()
    for _ in range(steps):
        boxes = [t.get_window_extent(renderer).expanded(1.08, 1.25) for t in texts]
        moved = False
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                a, b = boxes[i], boxes[j]
                if not a.overlaps(b):
                    continue
                # Move both apart along the axis where the overlap is smaller.
                dx = min(a.x1, b.x1) - max(a.x0, b.x0)
                dy = min(a.y1, b.y1) - max(a.y0, b.y0)
                sign_x = 1.0 if (a.x0 + a.x1) <= (b.x0 + b.x1) else -1.0
                sign_y = 1.0 if (a.y0 + a.y1) <= (b.y0 + b.y1) else -1.0
                shift = (0.0, sign_y * (dy / 2 + 1)) if dy < dx else (sign_x * (dx / 2 + 1), 0.0)
                for t, sgn in ((texts[i], -1.0), (texts[j], 1.0)):
                    x, y = ax.transData.transform(t.get_position())
                    t.set_position(to_data.transform((x + sgn * shift[0], y + sgn * shift[1])))
                boxes[i] = texts[i].get_window_extent(renderer).expanded(1.08, 1.25)
                boxes[j] = texts[j].get_window_extent(renderer).expanded(1.08, 1.25)
                moved = True
        if not moved:
            return


def plot_map(result: ClusterResult, path: str | Path, top_terms: int = 3) -> None:
    """Write a PNG map: one dot per (non-repost) document, coloured by cluster, each cluster
    labelled at its centre with its number and top terms, and a legend with more terms.
    Raises `PlotUnavailable` without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        raise PlotUnavailable("--plot needs matplotlib, which is not installed") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if result.coords is None or result.coord_labels is None:
        raise ValueError("cluster_documents(..., with_map=True) computes the map coordinates")
    font = _cjk_font()
    rc = {"font.sans-serif": [font, "DejaVu Sans"], "axes.unicode_minus": False} if font else {}
    with plt.rc_context(rc):
        _draw_map(plt, result, path, top_terms, font)


def _palette(k: int) -> list[Any]:
    import matplotlib.pyplot as plt

    # tab10's neighbours differ more than tab20's light/dark pairs; past 20, cycle hues.
    if k <= 10:
        return [plt.get_cmap("tab10")(i) for i in range(k)]
    if k <= 20:
        cmap = plt.get_cmap("tab20")
        return [cmap((2 * i) % 20 + (2 * i) // 20) for i in range(k)]
    return [plt.get_cmap("hsv")(i / k) for i in range(k)]


def _draw_map(
    plt: Any, result: ClusterResult, path: str | Path, top: int, font: str | None
) -> None:
    assert result.coords is not None and result.coord_labels is not None
    xy, labels = result.coords, result.coord_labels
    colours = _palette(len(result.clusters))
    fig, ax = plt.subplots(figsize=(13, 8.5), dpi=110)
    texts = []
    handles = []
    for c in result.clusters:
        pts = xy[labels == c.id]
        colour = colours[c.id]
        words = " ".join(c.terms[:top]) if font else ""
        legend = " ".join(c.terms[: top + 2]) if font else ""
        handles.append(
            ax.scatter(
                pts[:, 0],
                pts[:, 1],
                s=14,
                color=colour,
                alpha=0.75,
                linewidths=0,
                label=f"{c.id}  ({len(c.docs)})  {legend}".rstrip(),
            )
        )
        if len(pts):
            cx, cy = np.median(pts, axis=0)
            texts.append(
                ax.text(
                    cx,
                    cy,
                    f"{c.id} {words}".strip(),
                    fontsize=10,
                    weight="bold",
                    ha="center",
                    va="center",
                    zorder=5,
                    bbox={
                        "boxstyle": "round,pad=0.25",
                        "fc": "white",
                        "ec": colour,
                        "lw": 1.5,
                        "alpha": 0.9,
                    },
                )
            )
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    drawn = result.documents - result.collapsed
    title = f"{result.documents:,} documents in {result.k} topic clusters"
    notes = ["t-SNE map of the TF-IDF/LSA vectors"]
    if labels.size < drawn:
        notes.append(f"a sample of {labels.size:,} drawn")
    if result.collapsed:
        notes.append(f"{result.collapsed:,} reposts drawn as their original")
    title += "\n" + "; ".join(notes)
    if not font:
        title += "\nno Chinese font found (e.g. fonts-noto-cjk): clusters numbered as in the table"
    ax.set_title(title, fontsize=11)
    ax.legend(
        handles=handles,
        title="cluster (docs) top terms",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=9,
        title_fontsize=9,
        frameon=False,
        markerscale=1.6,
        ncols=1 if len(handles) <= 30 else 2,
    )
    fig.tight_layout()
    _spread_labels(ax, texts)
    fig.savefig(path, format="png")
    plt.close(fig)
