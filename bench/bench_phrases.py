#!/usr/bin/env python
"""Speed and memory of `reuse phrases`, and the quality of its ranking on the political corpora.

Two measurements, each a fresh `reuse phrases PATH... --top 1000 --json F` run in a subprocess
(so its peak resident memory and CPU time are its own, imports and file reading included):

1. **Speed**: a generated corpus of ``--docs`` documents of ``--chars`` characters
   (`reuse.synth.make_corpus`, messy encodings and footers on; generated once and cached in
   the work directory, not timed). The issue's target: 10,000 x 3,000 in under 60 s on the
   2-core machine, under 4 GB.
2. **Quality**, on the political corpora (national reports, provincial work reports 2025 and
   2026, policy documents, seeds), against ``bench/phrases_dev_formulas.tsv``: a development
   list of formulas made by hand from those corpora (not the hidden evaluation list), once
   with each corpus a folder (sources) and once as one flat folder of links. Measured
   as the issue defines it:

   - recall@1000: share of the list found in the top 1,000, as itself or inside a reported
     phrase at most two characters longer;
   - fragments@100: phrases of the top 100 with a function character or punctuation at an
     edge, or one of whose one-character extensions covers >= 90% of its occurrences
     (occurrences and extensions counted on normalised text; an extension is a character
     that can be part of a phrase, not punctuation or a document edge);
   - junk@100: numbers, dates, and page furniture in the top 100.

Usage (from the repository root)::

    .venv/bin/python bench/bench_phrases.py                 # 10,000 x 3,000 + political corpora
    .venv/bin/python bench/bench_phrases.py --docs 2000 --no-real
    .venv/bin/python bench/bench_phrases.py --no-synth      # quality only
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEV_LIST = Path(__file__).resolve().parent / "phrases_dev_formulas.tsv"
POLITICAL = [
    "corpora/cn-national-reports",
    "corpora/cn-provincial-gwr-2025",
    "corpora/cn-provincial-gwr-2026",
    "corpora/cn-policy-intelligent-tech",
    "seeds",
]
# The formulas the issue names.
NAMED = [
    "走深走实", "入脑入心", "落细落实", "以上率下", "两个确立", "三会一课", "第一议题", "挂图作战",
]  # fmt: skip
# The function characters, with the three other pure connectives.
EDGE_CHARS = frozenset("的了和是在等与及或")
_CONTENT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff0-9a-z+]")
_NUMBER_OR_DATE = re.compile(
    r"^[0-9〇零一二三四五六七八九十百千万亿两.%]+$|[0-9]+[年月日]|[0-9]{2,}"
    r"|[一二三四五六七八九十〇]+月[一二三四五六七八九十]+日"
)
_FURNITURE = (
    "字号", "加大", "还原", "减小", "分享", "打印", "全屏", "收藏", "公有领域", "本作品",
    "维基", "著作权", "public", "domain", "来源", "编辑", "记者", "摄",
)  # fmt: skip


def _worker(argv: list[str]) -> None:
    """Run the CLI in this process and print wall, CPU and peak memory as JSON."""
    start = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from reuse.cli import main

    code = main(argv)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "exit": code,
                "wall_s": round(time.perf_counter() - start, 2),
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
                "user_s": round(usage.ru_utime, 2),
                "sys_s": round(usage.ru_stime, 2),
                "peak_rss_mb": round(usage.ru_maxrss / 1024),
            }
        )
    )


def _run_phrases(paths: list[Path], out: Path, top: int = 1000) -> dict:
    argv = ["phrases", *map(str, paths), "--top", str(top), "--json", str(out)]
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", *argv],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _synth_corpus(workdir: Path, docs: int, chars: int) -> Path:
    folder = workdir / f"synth-{docs}x{chars}"
    if not (folder / ".done").exists():
        sys.path.insert(0, str(ROOT))
        from reuse.synth import make_corpus

        make_corpus(folder, docs, chars, seed=0)
        (folder / ".done").write_text("")
    return folder


# --------------------------------------------------------------------------- quality


def load_dev_list(path: Path = DEV_LIST) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            formula, kind, *_ = line.split("\t")
            rows.append((formula, kind))
    return rows


def covered(formula: str, reported: list[str]) -> bool:
    return any(formula in p and len(p) <= len(formula) + 2 for p in reported)


def _folded_corpus(paths: list[Path]) -> str:
    sys.path.insert(0, str(ROOT))
    from reuse.corpus import iter_documents
    from reuse.normalize import normalize

    docs = iter_documents(paths)
    return "\x00".join(normalize(d.text, numbers=False, punctuation=False).text for d in docs)


def fragment_reason(phrase: str, corpus: str) -> str | None:
    """Why ``phrase`` is a fragment under the issue's definition, or None."""
    if not _CONTENT.match(phrase[0]) or not _CONTENT.match(phrase[-1]):
        return "punctuation at an edge"
    if phrase[0] in EDGE_CHARS or phrase[-1] in EDGE_CHARS:
        return "function character at an edge"
    left: Counter[str] = Counter()
    right: Counter[str] = Counter()
    tf = 0
    at = corpus.find(phrase)
    while at >= 0:
        tf += 1
        if at > 0 and _CONTENT.match(corpus[at - 1]):
            left[corpus[at - 1]] += 1
        end = at + len(phrase)
        if end < len(corpus) and _CONTENT.match(corpus[end]):
            right[corpus[end]] += 1
        at = corpus.find(phrase, at + 1)
    for side, counts in (("left", left), ("right", right)):
        if counts:
            char, n = counts.most_common(1)[0]
            if tf and n >= 0.9 * tf:
                return f"{side} extension {char!r} covers {n}/{tf}"
    return None


def is_junk(phrase: str) -> bool:
    return bool(_NUMBER_OR_DATE.search(phrase)) or any(f in phrase for f in _FURNITURE)


def quality(ranked: list[str], paths: list[Path]) -> dict:
    dev = load_dev_list()
    top = ranked[:1000]
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    missed = []
    for formula, kind in dev:
        total[kind] += 1
        if covered(formula, top):
            found[kind] += 1
        else:
            missed.append(formula)
    corpus = _folded_corpus(paths)
    fragments = {}
    for p in ranked[:100]:
        reason = fragment_reason(p, corpus)
        if reason:
            fragments[p] = reason
    ranks = {f: next((i for i, p in enumerate(ranked, 1) if covered(f, [p])), None) for f in NAMED}
    return {
        "dev_formulas": len(dev),
        "recall_at_1000": round(sum(found.values()) / max(len(dev), 1), 3),
        "recall_by_kind": {k: f"{found[k]}/{total[k]}" for k in total},
        "fragments_at_100": fragments,
        "junk_at_100": [p for p in ranked[:100] if is_junk(p)],
        "named_ranks": ranks,
        "missed": missed,
        "top30": ranked[:30],
    }


def _flat_links(paths: list[Path], folder: Path) -> Path:
    """``folder`` holding a symbolic link to every text file under ``paths``."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for root in paths:
        for f in sorted(root.rglob("*.txt")):
            name = f"{root.name}__" + f.relative_to(root).as_posix().replace("/", "__")
            (folder / name).symlink_to(f.resolve())
    return folder


def _quality_run(inputs: list[Path], paths: list[Path], out: Path) -> dict:
    run = _run_phrases(inputs, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    q = quality([p["phrase"] for p in data["phrases"]], paths)
    print(
        f"political corpora, {data['documents']:,} docs, {data['chars']:,} chars: "
        f"wall {run['wall_s']} s, CPU {run['cpu_s']} s, peak RSS {run['peak_rss_mb']:,} MB"
    )
    print(
        f"  dev list ({q['dev_formulas']} formulas): recall@1000 {q['recall_at_1000']} "
        f"{q['recall_by_kind']}; fragments@100 {len(q['fragments_at_100'])}; "
        f"junk@100 {len(q['junk_at_100'])}"
    )
    for p, reason in q["fragments_at_100"].items():
        print(f"    fragment: {p} ({reason})")
    for p in q["junk_at_100"]:
        print(f"    junk: {p}")
    print("  named:", ", ".join(f"{f} {r if r else '-'}" for f, r in q["named_ranks"].items()))
    print("  top 30:", " ".join(q["top30"]))
    return {**run, **q, "documents": data["documents"], "chars": data["chars"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--chars", type=int, default=3000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/reuse-bench-phrases"))
    ap.add_argument("--no-synth", action="store_true", help="skip the speed run")
    ap.add_argument("--no-real", action="store_true", help="skip the quality run")
    ap.add_argument("--json", type=Path, help="also save every figure here")
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(sys.argv[2:])
        return 0
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    report: dict = {}
    if not args.no_synth:
        folder = _synth_corpus(args.workdir, args.docs, args.chars)
        run = _run_phrases([folder], args.workdir / "synth.phrases.json")
        data = json.loads((args.workdir / "synth.phrases.json").read_text(encoding="utf-8"))
        run.update(documents=data["documents"], chars=data["chars"])
        report["synth"] = run
        print(
            f"generated {run['documents']:,} docs, {run['chars']:,} chars: wall {run['wall_s']} s, "
            f"CPU {run['cpu_s']} s (user {run['user_s']}, sys {run['sys_s']}), "
            f"peak RSS {run['peak_rss_mb']:,} MB"
        )
    if not args.no_real and SHARED.is_dir():
        paths = [SHARED / p for p in POLITICAL]
        report["political"] = _quality_run(paths, paths, args.workdir / "political.phrases.json")
        # The same documents as one flat folder (links, nothing copied): one source, so the
        # miner ranks with its one-source weights.
        flat = _flat_links(paths, args.workdir / "political-flat")
        print("  the same documents as one folder:")
        report["political_flat"] = _quality_run(
            [flat], paths, args.workdir / "political-flat.phrases.json"
        )
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
