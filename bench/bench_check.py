#!/usr/bin/env python
"""Latency of ``reuse check`` for a 3,000-character draft against indexes of growing size.

The issue's target: under 0.5 s per draft at 10,000 documents, counting the opening of the
index but not Python's import time, and flat as the index grows. So each draft is timed as a
library call that does everything a fresh ``reuse check DRAFT --db FILE`` does after its
imports: ``Index.open``, the bucket queries, alignment, the phrase sample, ``close``. The
first draft of a run also pays one-off per-process costs (normalisation tables, OpenCC
dictionaries); it is reported apart, and the median is over all drafts.

Usage (from the repository root)::

    .venv/bin/python bench/bench_check.py                  # 1,000 and 10,000 documents
    .venv/bin/python bench/bench_check.py --docs 1000      # one size
    .venv/bin/python bench/bench_check.py --json out.json  # also save the figures

Corpora (``reuse.synth.generate_documents``, ~3,000 characters a document) and their indexes
are cached under ``--workdir`` (default /tmp/reuse-bench-check); generating and indexing are
timed and printed the first time, never counted in the check latency. Drafts mix fresh
generated text with 0-60% passages copied from the corpus (exact, ~10% edited, or in
traditional script); the script also scores the findings against those known passages.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from reuse.check import CheckParams, check_text  # noqa: E402
from reuse.index import Index, IndexParams, build  # noqa: E402
from reuse.synth import edit_passage, generate_documents, to_traditional  # noqa: E402

SENTENCE = re.compile(r"[^。！？\n]+[。！？]")


def corpus(workdir: Path, n_docs: int, seed: int) -> tuple[Path, Path]:
    """The generated corpus folder and its index, made once and cached."""
    folder = workdir / f"docs-{n_docs}-seed{seed}"
    db = workdir / f"docs-{n_docs}-seed{seed}.db"
    done = folder / ".complete"
    if not done.exists():
        t = time.perf_counter()
        texts = generate_documents(n_docs, 3000, seed=seed)
        folder.mkdir(parents=True, exist_ok=True)
        for i, text in enumerate(texts):
            sub = folder / f"{i // 1000:02d}"
            sub.mkdir(exist_ok=True)
            (sub / f"d{i:05d}.txt").write_text(text, encoding="utf-8")
        done.write_text("")
        print(f"  generated {n_docs:,} documents in {time.perf_counter() - t:.1f} s", flush=True)
        db.unlink(missing_ok=True)
    if not db.exists():
        t = time.perf_counter()
        index = Index.create(db, IndexParams(), buckets=True)
        try:
            build(index, [folder], workers=2)
        finally:
            index.close()
        print(f"  indexed {n_docs:,} documents in {time.perf_counter() - t:.1f} s", flush=True)
    return folder, db


def drafts(
    db: Path, n: int, seed: int
) -> list[tuple[str, list[tuple[int, int]], list[tuple[str, int, int]]]]:
    """``n`` drafts of ~3,000 characters: text, planted draft spans, their true sources."""
    rng = random.Random(seed)
    fresh = generate_documents(n, 3600, seed=seed + 1000, repair=0)
    index = Index.open(db)
    try:
        rows = index.conn.execute("SELECT n, id FROM docs").fetchall()
        out = []
        for d in range(n):
            share = [0.0, 0.15, 0.3, 0.45, 0.6][d % 5]
            pieces = SENTENCE.findall(fresh[d])
            parts: list[str] = []
            truth: list[tuple[int, int]] = []
            srcs: list[tuple[str, int, int]] = []
            pos = used = 0
            while pos < 3000:
                if used < share * 3000 and rng.random() < share + 0.1:
                    num, doc_id = rng.choice(rows)
                    text = index.text(num)
                    spans = [(m.start(), m.end()) for m in SENTENCE.finditer(text)]
                    a = rng.randrange(len(spans))
                    b = min(len(spans), a + rng.randint(1, 3))
                    s, e = spans[a][0], spans[b - 1][1]
                    passage = text[s:e]
                    kind = rng.choice(["exact", "edit", "traditional"])
                    if kind == "edit":
                        passage = edit_passage(passage, rng, 0.1)
                    elif kind == "traditional":
                        passage = to_traditional(passage)
                    truth.append((pos, pos + len(passage)))
                    srcs.append((doc_id, s, e))
                    used += len(passage)
                else:
                    passage = pieces.pop(0) if pieces else "今天的会议开得很好。"
                parts.append(passage)
                pos += len(passage)
            out.append(("".join(parts), truth, srcs))
        return out
    finally:
        index.close()


def bench(db: Path, cases: list) -> dict:
    times: list[float] = []
    tp = fp = fn = 0
    errors: list[float] = []
    sourced = found = 0
    for i, (text, truth, srcs) in enumerate(cases):
        t = time.perf_counter()
        index = Index.open(db)
        try:
            result = check_text(text, index, CheckParams(), draft_id=f"draft{i}")
        finally:
            index.close()
        times.append(time.perf_counter() - t)
        ink = np.array([not c.isspace() for c in text])
        want = np.zeros(len(text), dtype=bool)
        got = np.zeros(len(text), dtype=bool)
        for s, e in truth:
            want[s:e] = True
        for m in result.matches:
            got[m.start : m.end] = True
        tp += int((want & got & ink).sum())
        fp += int((~want & got & ink).sum())
        fn += int((want & ~got & ink).sum())
        errors.append(abs(result.reused_fraction - (want & ink).sum() / ink.sum()))
        for (s, e), (doc, ss, se) in zip(truth, srcs, strict=True):
            over = [m for m in result.matches if m.start < e and s < m.end]
            if over:
                found += 1
                sourced += any(
                    x.span.doc == doc and x.span.start < se and ss < x.span.end
                    for m in over
                    for x in m.sources
                )
    size = sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())
    return {
        "median_s": statistics.median(times),
        "first_s": times[0],
        "max_s": max(times),
        "median_after_first_s": statistics.median(times[1:]) if len(times) > 1 else times[0],
        "index_bytes": size,
        "precision": tp / max(1, tp + fp),
        "recall": tp / max(1, tp + fn),
        "max_fraction_error": max(errors),
        "passages_with_true_source": f"{sourced}/{found} found"
        f" of {sum(len(t) for _, t, _ in cases)}",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--drafts", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/reuse-bench-check"))
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    figures = {}
    for n in args.docs:
        print(f"{n:,} documents", flush=True)
        _, db = corpus(args.workdir, n, args.seed)
        cases = drafts(db, args.drafts, args.seed + n)
        f = bench(db, cases)
        figures[n] = f
        print(
            f"  check latency: median {f['median_s'] * 1000:.0f} ms over {args.drafts} drafts "
            f"(first {f['first_s'] * 1000:.0f} ms, max {f['max_s'] * 1000:.0f} ms); "
            f"index {f['index_bytes'] / 2**20:.1f} MiB on disk",
            flush=True,
        )
        print(
            f"  findings: precision {f['precision']:.3f}, recall {f['recall']:.3f}, "
            f"max |reused_fraction error| {f['max_fraction_error']:.3f}, "
            f"true source listed for {f['passages_with_true_source']} planted passages",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
