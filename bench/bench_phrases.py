#!/usr/bin/env python
"""Time and peak memory of phrase mining, and where known formulas rank on the real corpora.

The issue's target: 10,000 documents of ~3,000 characters in under 60 s on 2 cores and under
4 GB. Each measurement runs in a fresh subprocess so its peak resident memory (ru_maxrss) is
its own; generating the synthetic corpus is not timed.

Usage (from the repository root)::

    .venv/bin/python bench/bench_phrases.py            # 10,000 x 3,000 + real corpora + ranks
    .venv/bin/python bench/bench_phrases.py --docs 2000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
POLITICAL = [
    "corpora/cn-national-reports",
    "corpora/cn-provincial-gwr-2025",
    "corpora/cn-provincial-gwr-2026",
    "corpora/cn-policy-intelligent-tech",
    "seeds",
]
# Formulas PROVENANCE.md names for these corpora, and a few the issue names.
NAMED = [
    "走深走实",
    "两个确立",
    "两个维护",
    "四个意识",
    "四个自信",
    "稳中求进",
    "新质生产力",
    "落地见效",
    "高质量发展",
    "实事求是",
    "以习近平新时代中国特色社会主义思想为指导",
    "以习近平同志为核心的党中央",
    "更加紧密地团结在以习近平同志为核心的党中央周围",
    "各位代表",
    "新一代人工智能发展规划",
    "为深入贯彻落实",
    "为贯彻落实",
    "三会一课",
    "第一议题",
    "入脑入心",
    "以上率下",
    "挂图作战",
]


def _worker(kind: str, arg: str) -> None:
    """Run one measurement in this process and print its figures as JSON."""
    sys.path.insert(0, str(ROOT))
    from reuse.corpus import iter_documents
    from reuse.phrases import mine_documents
    from reuse.synth import generate_documents

    if kind == "synth":
        texts = generate_documents(int(arg), 3000, seed=1, repair=0)
        from reuse.model import Document

        docs = [Document(f"{i}.txt", t) for i, t in enumerate(texts)]
    else:
        docs = list(iter_documents([SHARED / p for p in arg.split(",")]))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = mine_documents(docs)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ranked = [p.phrase for p in result.phrases]
    print(
        json.dumps(
            {
                "documents": result.documents,
                "chars": result.chars,
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(peak / 1024),
                "rss_before_mb": round(rss_before / 1024),
                "phrases": len(ranked),
                "top": ranked[:30],
                "ranks": {f: _rank(f, ranked) for f in NAMED},
            },
            ensure_ascii=False,
        )
    )


def _rank(formula: str, ranked: list[str]) -> int | None:
    """1-based rank of the formula itself or of a phrase at most two characters longer."""
    for i, p in enumerate(ranked, start=1):
        if formula in p and len(p) <= len(formula) + 2:
            return i
    return None


def _measure(kind: str, arg: str) -> dict:
    wall = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, arg],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    data["wall_seconds"] = round(time.perf_counter() - wall, 1)
    return data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--no-real", action="store_true")
    args = ap.parse_args()
    if args.worker:
        _worker(*args.worker)
        return 0
    synth = _measure("synth", str(args.docs))
    print(
        f"synthetic {synth['documents']:,} docs, {synth['chars']:,} chars: mining "
        f"{synth['seconds']} s, peak RSS {synth['peak_rss_mb']} MB "
        f"(corpus alone {synth['rss_before_mb']} MB), {synth['phrases']:,} phrases"
    )
    if args.no_real or not SHARED.is_dir():
        return 0
    for label, paths in (
        ("political", POLITICAL),
        ("all corpora", [*POLITICAL, "corpora/cn-local-regulations"]),
    ):
        real = _measure("real", ",".join(paths))
        print(
            f"{label}: {real['documents']:,} docs, {real['chars']:,} chars: mining "
            f"{real['seconds']} s, peak RSS {real['peak_rss_mb']} MB, "
            f"{real['phrases']:,} phrases"
        )
        print("  top 30:", " ".join(real["top"]))
        found = sum(1 for r in real["ranks"].values() if r is not None and r <= 1000)
        print(f"  named formulas within the top 1,000: {found} of {len(NAMED)}")
        for formula, rank in real["ranks"].items():
            print(f"    {rank if rank is not None else '-':>6}  {formula}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
