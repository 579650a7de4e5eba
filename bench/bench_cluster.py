#!/usr/bin/env python
"""Speed of `reuse cluster`, and the measurement behind its choice of method and k.

Three parts:

* ``quality``: labelled sets built from ../shared (bench/cluster_sets.py), each clustered
  without being told k by every candidate method, scored by NMI against the labels, next to
  the reference the issue names: plain jieba + TfidfVectorizer + KMeans *told* the right k
  (jieba.lcut of the raw text, scikit-learn defaults, mean of seeds 0-2). For speed the
  methods share one tokenisation of each document (formulas mined from all the corpora),
  cached under --workdir; reposts are collapsed first, as the pipeline does.
* ``pipeline``: `cluster_documents` itself (its own formulas, its own repost collapsing) on
  the named sets, against the same reference.
* ``speed``: 10,000 generated documents of ~3,000 characters (reuse.synth), clustered in a fresh
  subprocess so its time and peak resident memory are its own (target: < 90 s, < 4 GB on the
  2-core machine). CPU seconds (user + sys, workers included) are reported next to wall time,
  because the machine is shared. Generating the corpus is not timed; it is cached.

Usage (from the repository root)::

    .venv/bin/python bench/bench_cluster.py                      # everything
    .venv/bin/python bench/bench_cluster.py --no-speed --draws 60 --draw-seed 1
    .venv/bin/python bench/bench_cluster.py --no-quality --no-pipeline   # speed only
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cluster_sets import (  # noqa: E402
    SHARED,
    Labelled,
    kind,
    load_documents,
    named_sets,
    random_sets,
)

from reuse.cluster import (  # noqa: E402
    ClusterParams,
    _kmeans,
    _lsa,
    _vectorise,
    analyse_all,
    cluster_documents,
    collapse_near_duplicates,
    consensus_partition,
    mine_formulas,
)
from reuse.model import Document  # noqa: E402

K_RANGE = range(2, 16)


# --------------------------------------------------------------------------- speed


def _timed_child(docs_dir: Path) -> dict[str, float]:
    code = (
        "import resource, sys, time, json\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from reuse.corpus import iter_documents\n"
        "from reuse.cluster import cluster_documents\n"
        "t = time.perf_counter()\n"
        f"docs = list(iter_documents([{str(docs_dir)!r}]))\n"
        "r = cluster_documents(docs, with_map=True)\n"
        "el = time.perf_counter() - t\n"
        "me = resource.getrusage(resource.RUSAGE_SELF)\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime\n"
        "print(json.dumps({'seconds': el, 'cpu_seconds': cpu, 'docs': len(docs), 'k': r.k,"
        " 'collapsed': r.collapsed, 'peak_mb': max(me.ru_maxrss, kids.ru_maxrss) / 1024}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def speed(n_docs: int, chars: int, workdir: Path) -> dict[str, float]:
    from reuse.synth import generate_documents

    folder = workdir / f"cluster-synth-{n_docs}x{chars}"
    if not (folder / "done").exists():
        folder.mkdir(parents=True, exist_ok=True)
        for i, text in enumerate(generate_documents(n_docs, chars, 0)):
            (folder / f"d{i:05d}.txt").write_text(text, encoding="utf-8")
        (folder / "done").write_text("")
    return _timed_child(folder)


# --------------------------------------------------------------------------- tokens


def _key(doc: Document) -> str:
    return f"{kind(doc)}/{doc.id}"


@cache
def _plain_jieba() -> Any:
    """A jieba tokenizer of its own, with only jieba's dictionary: the pipeline adds mined
    formulas to jieba's default tokenizer, and the reference must not see them."""
    import jieba

    jieba.setLogLevel(60)
    return jieba.Tokenizer()


def token_cache(docs: list[Document], workdir: Path) -> dict[str, tuple[str, np.ndarray, list]]:
    """Per document: our tokens (space-joined), the repost fingerprint, plain jieba tokens."""
    path = workdir / "cluster-tokens-v2.pickle"
    keys = [_key(d) for d in docs]
    if path.exists():
        cached = pickle.loads(path.read_bytes())
        if set(keys) <= set(cached):
            return cached
    texts = [d.text for d in docs]
    plain = [_plain_jieba().lcut(text) for text in texts]
    analysed = analyse_all(texts, mine_formulas(texts), 2)
    cache = {
        key: (tokens, fp, words)
        for key, (tokens, fp), words in zip(keys, analysed, plain, strict=True)
    }
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(cache))
    return cache


@dataclass
class Prepared:
    """One labelled set, tokenised, reposts collapsed, vectorised."""

    labels: np.ndarray  # per document
    back: np.ndarray  # per document: row of its representative among the unique ones
    plain: list[list[str]]  # per document: plain jieba tokens (the reference's input)
    tfidf: Any  # unique documents
    z: np.ndarray  # unique documents, LSA-100, L2-normalised
    tfidf_05: Any  # unique documents, the previous default's bounds (max_df 0.5)


def prepare(items: Labelled, cache: dict[str, tuple[str, np.ndarray, list]]) -> Prepared:
    missing = [d for d, _ in items if _key(d) not in cache]
    if missing:  # the generated reposts
        extra = analyse_all([d.text for d in missing], [], 1)
        for d, (tokens, fp) in zip(missing, extra, strict=True):
            cache[_key(d)] = (tokens, fp, _plain_jieba().lcut(d.text))
    rows = [cache[_key(d)] for d, _ in items]
    reps = collapse_near_duplicates([fp for _, fp, _ in rows], ClusterParams().duplicate_jaccard)
    unique = np.flatnonzero(reps == np.arange(len(rows)))
    _, tfidf, _ = _vectorise([rows[i][0] for i in unique], ClusterParams())
    return Prepared(
        labels=np.array([label for _, label in items]),
        back=np.searchsorted(unique, reps),
        plain=[p for _, _, p in rows],
        tfidf=tfidf,
        z=_lsa(tfidf, ClusterParams().lsa_dims, 0),
        tfidf_05=_vectorise([rows[i][0] for i in unique], ClusterParams(max_df=0.5))[1],
    )


# --------------------------------------------------------------------------- methods


def reference(p: Prepared, seeds: int = 3) -> float:
    """The issue's reference: plain jieba + TF-IDF + k-means told the true k (mean of seeds)."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import normalized_mutual_info_score as nmi

    x = TfidfVectorizer(analyzer=lambda tokens: tokens).fit_transform(p.plain)
    k = len(set(p.labels.tolist()))
    return float(
        np.mean([nmi(p.labels, KMeans(k, random_state=s).fit_predict(x)) for s in range(seeds)])
    )


def _best_silhouette(x: Any, cluster: Callable[[Any, int], np.ndarray], n: int) -> np.ndarray:
    from sklearn.metrics import silhouette_score

    best: tuple[float, np.ndarray] | None = None
    for k in K_RANGE:
        if k >= n:
            break
        labels = cluster(x, k)
        if len(set(labels.tolist())) < 2:
            continue
        s = silhouette_score(x, labels, metric="cosine")
        if best is None or s > best[0]:
            best = (s, labels)
    return best[1] if best else np.zeros(n, int)


def _agglomerative(x: Any, k: int) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    return AgglomerativeClustering(k, metric="cosine", linkage="average").fit_predict(x)


def _hdbscan(z: np.ndarray) -> np.ndarray:
    from sklearn.cluster import HDBSCAN

    labels = HDBSCAN(min_cluster_size=max(3, int(0.02 * z.shape[0]))).fit_predict(z)
    kept = sorted(set(labels[labels >= 0].tolist()))
    if not kept:
        return np.zeros(z.shape[0], int)
    centres = np.vstack([z[labels == c].mean(axis=0) for c in kept])
    nearest = np.asarray(kept)[np.argmax(z @ centres.T, axis=1)]
    return np.where(labels >= 0, labels, nearest)  # noise joins the nearest cluster


def _consensus(guard: float, giant: float = 0.8) -> Callable[[Prepared], np.ndarray]:
    def run(p: Prepared) -> np.ndarray:
        params = ClusterParams(lifetime_guard=guard, giant_share=giant)
        return consensus_partition(p.z, p.tfidf, params, K_RANGE).labels

    return run


METHODS: dict[str, Callable[[Prepared], np.ndarray]] = {
    "k-means, best silhouette (previous default)": lambda p: _best_silhouette(
        p.tfidf_05, lambda x, k: _kmeans(x, k, 0), p.z.shape[0]
    ),
    "k-means, best silhouette, max_df 0.8": lambda p: _best_silhouette(
        p.tfidf, lambda x, k: _kmeans(x, k, 0), p.z.shape[0]
    ),
    "LSA-100 + k-means, best silhouette": lambda p: _best_silhouette(
        p.z, lambda x, k: _kmeans(x, k, 0), p.z.shape[0]
    ),
    "agglomerative (average, cosine, LSA-100), best silhouette": lambda p: _best_silhouette(
        p.z, _agglomerative, p.z.shape[0]
    ),
    "HDBSCAN (LSA-100, min size 2%)": lambda p: _hdbscan(p.z),
    "consensus, widest gap only": _consensus(0.0, 1.0),
    "consensus, best-silhouette level only": _consensus(float("inf"), 1.0),
    "consensus, widest gap + silhouette guard 0.9": _consensus(0.9, 1.0),
    "consensus, widest gap + silhouette guard 0.8": _consensus(0.8, 1.0),
    "consensus, guard 0.8 + average linkage if one cluster > 80% (default)": _consensus(0.8),
}


def quality(sets: dict[str, Labelled], workdir: Path) -> list[dict[str, object]]:
    from sklearn.metrics import normalized_mutual_info_score as nmi
    from threadpoolctl import threadpool_limits

    docs = load_documents()
    cache = token_cache(docs, workdir)
    rows: list[dict[str, object]] = []
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, items in sets.items():
            p = prepare(items, cache)
            row: dict[str, object] = {
                "set": name,
                "docs": len(items),
                "classes": len(set(p.labels.tolist())),
                "reference": round(reference(p), 3),
            }
            for method, run in METHODS.items():
                t = time.process_time()
                pred = run(p)[p.back]
                row[method] = round(float(nmi(p.labels, pred)), 3)
                row[method + " k"] = len(set(pred.tolist()))
                row[method + " cpu"] = round(time.process_time() - t, 2)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    return rows


def summary(rows: list[dict[str, object]]) -> str:
    """Markdown: one line per method (mean, min NMI, sets at or above the reference)."""
    ref = np.array([r["reference"] for r in rows], dtype=float)
    lines = [
        "| method | mean NMI | min NMI | sets >= reference | mean abs(k - true k) |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| reference: plain k-means told k | {ref.mean():.3f} | {ref.min():.3f} | | 0 |",
    ]
    for method in METHODS:
        v = np.array([r[method] for r in rows], dtype=float)
        dk = np.array([abs(int(r[method + " k"]) - int(r["classes"])) for r in rows])
        lines.append(
            f"| {method} | {v.mean():.3f} | {v.min():.3f} | "
            f"{int((v >= ref - 0.005).sum())}/{len(v)} | {dk.mean():.2f} |"
        )
    return "\n".join(lines)


def per_set_table(rows: list[dict[str, object]], methods: list[str]) -> str:
    head = "| set | docs | classes | reference | " + " | ".join(methods) + " |"
    lines = [head, "| --- " * (4 + len(methods)) + "|"]
    for r in rows:
        cells = [f"{r[m]:.3f} (k={r[m + ' k']})" for m in methods]
        lines.append(
            f"| {r['set']} | {r['docs']} | {r['classes']} | {r['reference']:.3f} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines)


def pipeline(sets: dict[str, Labelled], workdir: Path) -> list[dict[str, object]]:
    """`cluster_documents` end to end (its own formulas and reposts) on the named sets."""
    from sklearn.metrics import normalized_mutual_info_score as nmi

    cache = token_cache(load_documents(), workdir)
    rows: list[dict[str, object]] = []
    for name, items in sets.items():
        docs = [d for d, _ in items]
        t = time.process_time()
        result = cluster_documents(docs)
        cpu = time.process_time() - t
        where = {doc: c.id for c in result.clusters for doc in c.docs}
        labels = [label for _, label in items]
        row = {
            "set": name,
            "docs": len(docs),
            "classes": len(set(labels)),
            "reference": round(reference(prepare(items, cache)), 3),
            "nmi": round(float(nmi(labels, [where[d.id] for d in docs])), 3),
            "k": result.k,
            "collapsed": result.collapsed,
            "cpu": round(cpu, 1),
        }
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--chars", type=int, default=3000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/reuse-bench"))
    ap.add_argument("--speed", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--quality", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--pipeline", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--draws", type=int, default=40, help="random labelled sets (quality)")
    ap.add_argument("--draw-seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="save the figures as JSON")
    args = ap.parse_args(argv)
    figures: dict[str, object] = {}
    have_shared = (SHARED / "corpora").is_dir()
    if (args.quality or args.pipeline) and not have_shared:
        print("quality: ../shared/corpora not found, skipped")
    if have_shared and (args.quality or args.pipeline):
        docs = load_documents()
        named = named_sets(docs)
        if args.quality:
            sets = {**named, **random_sets(docs, args.draws, args.draw_seed)}
            rows = quality(sets, args.workdir)
            figures["quality"] = rows
            print(summary(rows))
            shown = [m for m in METHODS if "default" in m or "previous" in m]
            print(per_set_table([r for r in rows if r["set"] in named], shown))
        if args.pipeline:
            figures["pipeline"] = pipeline(named, args.workdir)
    if args.speed:
        s = speed(args.docs, args.chars, args.workdir)
        ok = s["seconds"] < 90 and s["peak_mb"] < 4096
        print(
            f"speed: {s['docs']:,} docs x ~{args.chars} chars clustered in {s['seconds']:.1f} s "
            f"wall, {s['cpu_seconds']:.1f} s CPU, peak {s['peak_mb']:.0f} MB, k={s['k']}, "
            f"collapsed {s['collapsed']} ({'OK' if ok else 'OVER TARGET'}: < 90 s, < 4 GB)"
        )
        figures["speed"] = s
    figures["maxrss_mb_parent"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
