"""Scale: `reuse index` then `reuse scan --db` on 20,000 and 100,000 generated documents.

Prints, per corpus size, the wall time and peak memory (resident set of the whole process tree,
workers included) of each command, the index file's size, and the memory ratio between the two
sizes. Targets (issue 7, 2-core machine): index + scan of 100,000 documents of ~3,000 characters
under 15 minutes, peak memory under 6 GB, and peak memory at 100,000 documents at most twice that
at 20,000 beyond the index's own size.

    .venv/bin/python bench/bench_scale.py                  # 20,000 and 100,000 documents
    .venv/bin/python bench/bench_scale.py --docs 2000 10000 --json scale.json

Generated corpora are cached in the work directory (generation is not timed), as in
bench_scan.py, whose measuring code this script shares.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import (  # noqa: E402 - the sibling script is found through the path above
    DEFAULT_WORKDIR,
    MB,
    child_env,
    ensure_synthetic,
    generator_version,
    run_measured,
    say,
)

GB = 1024 * MB


@dataclass(slots=True)
class Row:
    docs: int
    chars: int
    index_s: float
    index_peak_mb: float
    scan_s: float
    scan_peak_mb: float
    db_mb: float
    pairs: int
    passages: int
    ok: bool

    @property
    def total_s(self) -> float:
        return self.index_s + self.scan_s

    @property
    def peak_mb(self) -> float:
        return max(self.index_peak_mb, self.scan_peak_mb)


def _db_size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())


def bench(n_docs: int, chars: int, seed: int, workdir: Path, timeout: float) -> Row:
    corpus = ensure_synthetic(workdir, n_docs, chars, seed, generator_version())
    runs = workdir / "runs"
    db = runs / f"scale-{n_docs}.db"
    out = runs / f"scale-{n_docs}.scan.json"
    for stale in db.parent.glob(db.name + "*"):
        stale.unlink()
    reuse = [sys.executable, "-m", "reuse"]
    env = child_env()
    say(f"{n_docs:,} documents: reuse index ...")
    idx = run_measured(
        [*reuse, "index", str(corpus.path), "--db", str(db)], runs / f"scale-{n_docs}.index", env,
        timeout,
    )  # fmt: skip
    say(f"{n_docs:,} documents: reuse scan --db ...")
    scan = run_measured(
        [*reuse, "scan", "--db", str(db), "--json", str(out)], runs / f"scale-{n_docs}.scan", env,
        timeout,
    )  # fmt: skip
    ok = idx.returncode == 0 and scan.returncode == 0
    pairs = passages = 0
    if ok:
        summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
        pairs, passages = summary["pairs"], summary["passages"]
    return Row(
        docs=corpus.docs,
        chars=corpus.chars,
        index_s=idx.seconds,
        index_peak_mb=idx.peak_bytes / MB,
        scan_s=scan.seconds,
        scan_peak_mb=scan.peak_bytes / MB,
        db_mb=_db_size(db) / MB,
        pairs=pairs,
        passages=passages,
        ok=ok,
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--docs", type=int, nargs="+", default=[20_000, 100_000])
    p.add_argument("--chars", type=int, default=3000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    p.add_argument("--timeout", type=float, default=3600)
    p.add_argument("--json", type=Path, help="also save the figures as JSON")
    args = p.parse_args()
    rows = [bench(n, args.chars, args.seed, args.workdir, args.timeout) for n in args.docs]
    print(
        f"{'docs':>8} {'M chars':>8} {'index s':>8} {'scan s':>8} {'total s':>8} "
        f"{'index MB':>9} {'scan MB':>8} {'db MB':>7} {'pairs':>9} {'families':>9}"
    )
    for r in rows:
        print(
            f"{r.docs:>8,} {r.chars / 1e6:>8.1f} {r.index_s:>8.1f} {r.scan_s:>8.1f} "
            f"{r.total_s:>8.1f} {r.index_peak_mb:>9,.0f} {r.scan_peak_mb:>8,.0f} "
            f"{r.db_mb:>7,.0f} {r.pairs:>9,} {r.passages:>9,}" + ("" if r.ok else "  FAILED")
        )
    big = rows[-1]
    print(
        f"largest: {big.total_s / 60:.1f} min (target < 15), peak {big.peak_mb / 1024:.2f} GB "
        f"(target < 6)"
    )
    if len(rows) > 1:
        small = rows[0]
        ratio = big.peak_mb / small.peak_mb
        beyond = (big.peak_mb - big.db_mb) / max(small.peak_mb - small.db_mb, 1)
        print(
            f"memory {small.docs:,} -> {big.docs:,} documents: peak x{ratio:.2f}, "
            f"beyond the index file's size x{beyond:.2f} (target <= 2)"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1), encoding="utf-8")
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
