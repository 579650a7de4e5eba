#!/usr/bin/env python
"""Speed of `reuse cluster`, and the measurement behind its choice of method and k.

Two parts:

* ``speed``: 10,000 generated documents of ~3,000 characters (reuse.synth), clustered in a fresh
  subprocess so its time and peak resident memory are its own (target: < 90 s, < 4 GB on the
  2-core machine). Generating the corpus is not timed; it is cached under --workdir.
* ``quality``: labelled sets built from ../shared/corpora (labels from metadata, see
  `labelled_sets`), each clustered without being told k by several methods, scored by NMI
  against the labels, next to the reference the issue names: k-means on plain TF-IDF *told*
  the right k.

Usage (from the repository root)::

    .venv/bin/python bench/bench_cluster.py              # both parts
    .venv/bin/python bench/bench_cluster.py --no-speed   # quality only
    .venv/bin/python bench/bench_cluster.py --docs 2000  # smaller speed run
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

from reuse.cluster import (  # noqa: E402
    ClusterParams,
    _lsa,
    _vectorise,
    analyse_all,
    choose_k,
    collapse_near_duplicates,
    mine_formulas,
)
from reuse.corpus import iter_documents  # noqa: E402
from reuse.model import Document  # noqa: E402

# Regulation topics by a keyword of the title; a regulation matching two is left out.
REG_TOPICS = {
    "air": ("大气污染",),
    "property": ("物业",),
    "heritage": ("文物", "历史文化名城", "历史文化街区"),
    "water": ("水资源", "供水", "饮用水", "河道", "河长"),
    "traffic": ("道路交通", "机动车", "电动自行车"),
    "food": ("食品",),
    "rural": ("乡村振兴", "农村"),
    "volunteer": ("志愿服务",),
}


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
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'seconds': el, 'docs': len(docs), 'k': r.k,"
        " 'collapsed': r.collapsed, 'peak_mb': max(rss, kids) / 1024}))\n"
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


# --------------------------------------------------------------------------- quality


def labelled_sets() -> dict[str, tuple[list[Document], list[str]]]:
    """Real documents with labels a reader would agree on.

    * ``genres``: every document of the five corpora, labelled by ``kind`` (regulation, policy
      document, national/provincial work report, NPC resolution, congress report), with the
      regulations sampled down to 200 so they do not drown the rest.
    * ``reg-topics``: regulations whose title names exactly one of `REG_TOPICS`.
    * ``mixed``: both at once: the regulation topics next to the non-regulation genres.
    """
    corpora = sorted(p for p in (SHARED / "corpora").iterdir() if p.is_dir())
    docs = list(iter_documents(corpora))
    rng = random.Random(0)
    regs = [d for d in docs if d.metadata.get("kind") == "local_regulation"]
    others = [d for d in docs if d.metadata.get("kind") != "local_regulation"]
    sample = rng.sample(regs, 200)
    genres = others + sample
    topical: list[tuple[Document, str]] = []
    for d in regs:
        title = str(d.metadata.get("title", ""))
        hits = [t for t, words in REG_TOPICS.items() if any(w in title for w in words)]
        if len(hits) == 1:
            topical.append((d, hits[0]))
    mixed = [(d, str(d.metadata.get("kind"))) for d in others] + topical
    return {
        "genres": (genres, [str(d.metadata.get("kind")) for d in genres]),
        "reg-topics": ([d for d, _ in topical], [t for _, t in topical]),
        "mixed": ([d for d, _ in mixed], [t for _, t in mixed]),
    }


def _agglomerative(x: np.ndarray, ks: range) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    best: tuple[float, np.ndarray] | None = None
    for k in ks:
        labels = AgglomerativeClustering(k, metric="cosine", linkage="average").fit_predict(x)
        s = silhouette_score(x, labels, metric="cosine")
        if best is None or s > best[0]:
            best = (s, labels)
    assert best is not None
    return best[1]


def _methods(joined: list[str], truth_k: int) -> dict[str, tuple[np.ndarray, float]]:
    """Predicted labels and seconds of each candidate method on one labelled set."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from threadpoolctl import threadpool_limits

    ks = range(2, 16)
    _, tfidf, _ = _vectorise(joined, ClusterParams())
    found: dict[str, tuple[np.ndarray, float]] = {}
    with threadpool_limits(1):
        t = time.perf_counter()
        found["kmeans-tfidf-silhouette (shipped)"] = (
            choose_k(tfidf, ks, 0)[1],
            time.perf_counter() - t,
        )
        for dims in (100, 30):
            t = time.perf_counter()
            labels = choose_k(_lsa(tfidf, dims, 0), ks, 0)[1]
            found[f"kmeans-lsa{dims}-silhouette"] = (labels, time.perf_counter() - t)
        t = time.perf_counter()
        labels = _agglomerative(_lsa(tfidf, 100, 0), ks)
        found["agglomerative-cosine-lsa100-silhouette"] = (labels, time.perf_counter() - t)
        # The reference: plain jieba + TF-IDF + k-means, told the true k.
        t = time.perf_counter()
        plain = TfidfVectorizer(analyzer=str.split).fit_transform(joined)
        labels = KMeans(truth_k, n_init=4, random_state=0).fit_predict(plain)
        found["reference: plain kmeans told k"] = (labels, time.perf_counter() - t)
    return found


def quality() -> list[dict[str, object]]:
    from sklearn.metrics import normalized_mutual_info_score as nmi

    rows: list[dict[str, object]] = []
    for name, (docs, labels) in labelled_sets().items():
        texts = [d.text for d in docs]
        analysed = analyse_all(texts, mine_formulas(texts), 2)
        reps = collapse_near_duplicates([f for _, f in analysed], 0.8)
        keep = np.flatnonzero(reps == np.arange(len(docs)))
        y = [labels[i] for i in keep]
        found = _methods([analysed[i][0] for i in keep], len(set(y)))
        for method, (pred, seconds) in found.items():
            rows.append(
                {
                    "set": name,
                    "docs": len(docs),
                    "unique": len(keep),
                    "labels": len(set(y)),
                    "method": method,
                    "k": len(set(pred.tolist())),
                    "nmi": round(float(nmi(y, pred)), 3),
                    "seconds": round(seconds, 1),
                }
            )
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
        print(name, Counter(labels).most_common(), flush=True)
    return rows


def df_grid() -> list[dict[str, object]]:
    """NMI of the shipped method per (min_df, max_df): how the vocabulary bounds were chosen."""
    from sklearn.metrics import normalized_mutual_info_score as nmi
    from threadpoolctl import threadpool_limits

    rows: list[dict[str, object]] = []
    for name, (docs, labels) in labelled_sets().items():
        texts = [d.text for d in docs]
        analysed = analyse_all(texts, mine_formulas(texts), 2)
        joined = [a for a, _ in analysed]
        for min_df in (1, 2, 5):
            for max_df in (0.3, 0.5, 0.8, 1.0):
                params = ClusterParams(min_df=min_df, max_df=max_df)
                with threadpool_limits(1):
                    _, tfidf, vocab = _vectorise(joined, params)
                    pred = choose_k(tfidf, range(2, 16), 0)[1]
                rows.append(
                    {
                        "set": name,
                        "min_df": min_df,
                        "max_df": max_df,
                        "terms": len(vocab),
                        "k": len(set(pred.tolist())),
                        "nmi": round(float(nmi(labels, pred)), 3),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--chars", type=int, default=3000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/reuse-bench"))
    ap.add_argument("--speed", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--quality", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--df-grid", action="store_true", help="also measure min_df x max_df")
    ap.add_argument("--json", type=Path, help="save the figures as JSON")
    args = ap.parse_args(argv)
    figures: dict[str, object] = {}
    if args.quality:
        if (SHARED / "corpora").is_dir():
            figures["quality"] = quality()
        else:
            print("quality: ../shared/corpora not found, skipped")
    if args.df_grid and (SHARED / "corpora").is_dir():
        figures["df_grid"] = df_grid()
    if args.speed:
        s = speed(args.docs, args.chars, args.workdir)
        ok = s["seconds"] < 90 and s["peak_mb"] < 4096
        print(
            f"speed: {s['docs']:,} docs x ~{args.chars} chars clustered in {s['seconds']:.1f} s, "
            f"peak {s['peak_mb']:.0f} MB, k={s['k']}, collapsed {s['collapsed']} "
            f"({'OK' if ok else 'OVER TARGET'}: < 90 s, < 4 GB)"
        )
        figures["speed"] = s
    figures["maxrss_mb_parent"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
