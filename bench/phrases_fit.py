#!/usr/bin/env python
"""Fit the stock-phrase ranking's weights, and measure how well they generalise.

`reuse.phrases` ranks candidates by a log-odds score. Its weights are fitted here on two
hand-made lists: ``bench/phrases_labels.tsv``, the top candidates of the political corpora
each labelled formula or not (what a formula looks like), and the dev list
``bench/phrases_dev_formulas.tsv`` (which formulas a person lists: how salient one must be).
Recall@1000 on the dev list with weights fitted on it is optimistic, so this script computes
every ranking feature once for every candidate of the political corpora, then:

- scores the weights in ``reuse.phrases`` (staged as the miner stages them: the count-only
  score picks the shortlist, the context check only runs on the head);
- ``--splits K``: K times, fits the weights on the labels and a random half of the dev
  list, and reports recall@1000 on the other half, per kind: the held-out estimate;
- ``--fit``: prints the weights fitted on the labels and the whole dev list (rounding them
  into the module is left to a person).

Usage (from the repository root)::

    .venv/bin/python bench/phrases_fit.py --splits 10
    .venv/bin/python bench/phrases_fit.py --fit
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_phrases as B  # noqa: E402

from reuse import ngrams  # noqa: E402
from reuse import phrases as P  # noqa: E402
from reuse.corpus import iter_documents  # noqa: E402

LABELS = Path(__file__).resolve().parent / "phrases_labels.tsv"

# Features by when the miner knows them: "count" ones before the shortlist, "text" ones for
# the shortlist, "cut" for its head only (params.context_checked). Names are the fields of
# `reuse.phrases.Weights`.
COUNT = ["df", "side", "free", "quoted", "quotes", "titled", "entropy", "spread", "len2", "len3",
         "len4", "long"]  # fmt: skip
TEXT = ["cohesion", "pieces", "template", "numbered", "half_word", "number_only"]
COLS = [*COUNT, *TEXT, "cut"]


def as_dict(w: P.Weights) -> dict[str, float]:
    return {c: float(getattr(w, c)) for c in COLS}


def features(params: P.MineParams) -> tuple[list[str], dict[str, np.ndarray]]:
    """Every closed candidate that passes the edge and junk filters, with every feature
    (the text and context features too, which the miner computes for its shortlist only)."""
    import jieba

    roots = [B.SHARED / p for p in B.POLITICAL]
    docs = list(iter_documents(roots))
    prep = P.prepare_documents(docs, params, P.sources_of(docs, roots))
    levels = P.count_ngrams(prep, params)
    pool, texts = P._admissible(prep, P._pool(levels, params, P.WEIGHTS, prep.n_sources))
    n = pool.n
    x = {
        "df": np.log(pool.df.astype(float)),
        "quotes": np.log1p(np.round(pool.quoted * pool.tf)),
        "side": pool.side,
        "free": pool.free,
        "quoted": pool.quoted,
        "titled": pool.titled,
        "entropy": pool.entropy,
        "spread": pool.spread,
        "len2": (n == 2) * 1.0,
        "len3": (n == 3) * 1.0,
        "len4": (n == 4) * 1.0,
        "long": (n >= 9) * 1.0,
        "cohesion": P._cohesion(prep, pool, ngrams.tf_table(prep.codes, levels, 5), 5),
    }
    freq = P._jieba_freq()
    for c in TEXT:
        if c != "cohesion":
            x[c] = np.zeros(n.size)
    for i, t in enumerate(texts):
        x["pieces"][i] = len(jieba.lcut(t, HMM=False)) / len(t)
        x["template"][i] = P.template_of(t) is not None
        x["numbered"][i] = bool(P._NUMBERED.match(t))
        if len(t) == 4:
            x["half_word"][i] = math.log1p(min(freq.get(t[:2], 0), freq.get(t[2:], 0)))
        x["number_only"][i] = bool(P._NUMERAL_ONLY.match(t))
    x["cut"] = P._cut_agreement(prep, pool.n, pool.samples)
    return texts, x


def staged_order(x: dict[str, np.ndarray], w: dict[str, float], params: P.MineParams):
    """Candidate indices best first, as `reuse.phrases._rank` orders them."""
    count = sum(w[c] * x[c] for c in COUNT)
    short = P._top(count, params.shortlist)
    s = count[short] + sum(w[c] * x[c][short] for c in TEXT)
    head = P._top(s, params.context_checked)
    s[head] += w["cut"] * x["cut"][short][head]
    return short[P._top(s, s.size)]


def coverage(texts: list[str], formulas: list[str]) -> list[list[int]]:
    """Per formula, the candidates that count as finding it (itself, or inside a candidate
    at most two characters longer)."""
    by_len: dict[int, list[int]] = {}
    for i, t in enumerate(texts):
        by_len.setdefault(len(t), []).append(i)
    return [
        [i for k in range(len(f), len(f) + 3) for i in by_len.get(k, []) if f in texts[i]]
        for f in formulas
    ]


def found(order: np.ndarray, cov: list[list[int]], k: int = 1000) -> np.ndarray:
    rank = np.full(max((max(c) for c in cov if c), default=0) + order.size + 1, 1 << 30)
    rank[order] = np.arange(order.size)
    return np.array([min((rank[i] for i in c), default=1 << 30) < k for c in cov])


def load_labels(path: Path = LABELS) -> dict[str, bool]:
    """Hand labels of candidates: phrase -> formula (F, or P: a formula with a short verb)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            phrase, label = line.split("\t")[:2]
            out[phrase] = label in ("F", "P")
    return out


def fit(
    x,
    texts,
    cov,
    train,
    labels,
    cols=COLS,
    negatives: int = 60_000,
    dev_weight: float = 50.0,
    seed: int = 0,
) -> dict[str, float]:
    """Logistic regression on three kinds of rows: the hand-labelled candidates (formula or
    not), a random sample of the unlabelled ones as non-formulas (most candidates are
    pieces of text), and the train formulas of the dev list (themselves, or what covers them
    when they are not candidates), weighted ``dev_weight`` each: the labels teach what a
    formula looks like, the dev list how salient one must be to be listed. Features not in
    ``cols`` get weight 0."""
    from sklearn.linear_model import LogisticRegression

    index = {t: i for i, t in enumerate(texts)}
    lab = np.array([index[p] for p in labels if p in index], np.int64)
    lab_y = np.array([labels[texts[i]] for i in lab], bool)
    rest = np.setdiff1d(np.arange(len(texts)), lab)
    rng = np.random.default_rng(seed)
    neg = rng.choice(rest, min(negatives, rest.size), replace=False)
    dev: set[int] = set()
    for j in train:
        exact = [i for i in cov[j] if texts[i] == FORMULAS[j]]
        dev.update(exact or cov[j])
    pos = np.array(sorted(dev), np.int64)
    rows = np.concatenate([lab, neg, pos])
    y = np.concatenate([lab_y, np.zeros(neg.size, bool), np.ones(pos.size, bool)])
    weight = np.concatenate([np.ones(lab.size + neg.size), np.full(pos.size, dev_weight)])
    a = np.column_stack([x[c][rows] for c in cols])
    mu, sd = a.mean(0), a.std(0) + 1e-9
    model = LogisticRegression(max_iter=5000).fit((a - mu) / sd, y, sample_weight=weight)
    return dict.fromkeys(COLS, 0.0) | dict(zip(cols, (model.coef_[0] / sd).tolist(), strict=True))


FORMULAS: list[str] = []


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--splits", type=int, default=0, help="random half/half splits to score")
    ap.add_argument("--fit", action="store_true", help="print weights fitted on the whole list")
    ap.add_argument("--labels", type=Path, default=LABELS, help="hand labels of candidates")
    ap.add_argument("--dev-weight", type=float, default=50.0, help="weight of a dev formula")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    labels = load_labels(args.labels)
    params = P.MineParams()
    texts, x = features(P.MineParams(shortlist=10**9, context_checked=10**9))
    dev = B.load_dev_list()
    FORMULAS[:] = [f for f, _ in dev]
    cov = coverage(texts, FORMULAS)
    # Each input folder a source, as `reuse phrases A B C` sees them; and the same documents
    # as one source (one flat folder), where the miner uses its other weights.
    one = {**x, "spread": np.zeros(len(texts))}
    settings = [
        ("several sources", "WEIGHTS", x, COLS),
        ("one source", "WEIGHTS_ONE_SOURCE", one, [c for c in COLS if c != "spread"]),
    ]
    for name, constant, xs, cols in settings:
        print(f"{name} ({constant}):")
        report(args, xs, texts, cov, labels, cols, as_dict(getattr(P, constant)), params)
    return 0


def report(args, x, texts, cov, labels, cols, w0, params) -> None:
    kinds = [k for _, k in B.load_dev_list()]
    hit = found(staged_order(x, w0, params), cov)
    per = {
        k: f"{sum(int(h) for h, kk in zip(hit, kinds, strict=True) if kk == k)}/{n}"
        for k, n in Counter(kinds).items()
    }
    print(f"  current weights: recall@1000 {hit.mean():.3f} {per}")
    if args.splits:
        rng = np.random.default_rng(args.seed)
        rows = []
        kind_hit: Counter[str] = Counter()
        kind_all: Counter[str] = Counter()
        for _ in range(args.splits):
            perm = rng.permutation(len(kinds))
            train, test = perm[: len(kinds) // 2], perm[len(kinds) // 2 :]
            w = fit(x, texts, cov, train, labels, cols, dev_weight=args.dev_weight)
            h = found(staged_order(x, w, params), cov)
            rows.append((h[test].mean(), h[train].mean(), hit[test].mean()))
            for j in test.tolist():
                kind_all[kinds[j]] += 1
                kind_hit[kinds[j]] += int(h[j])
        r = np.array(rows)
        print(
            f"  refit on the labels and half the list, {args.splits} splits: held-out "
            f"{r[:, 0].mean():.3f} (sd {r[:, 0].std():.3f}), fitted half {r[:, 1].mean():.3f}"
        )
        print("  held-out by kind:", {k: round(kind_hit[k] / kind_all[k], 3) for k in kind_all})
    if args.fit:
        w = fit(x, texts, cov, range(len(kinds)), labels, cols, dev_weight=args.dev_weight)
        h = found(staged_order(x, w, params), cov)
        print(f"  fitted on the labels and the whole list: recall@1000 {h.mean():.3f}")
        print(" ", P.Weights(**{c: round(v, 2) for c, v in w.items()}))


if __name__ == "__main__":
    sys.exit(main())
