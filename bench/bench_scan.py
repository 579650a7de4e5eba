#!/usr/bin/env python
"""Throughput and peak memory of ``reuse scan`` next to the pipeline a datasketch user would write.

The issue's target is "at least 10x the naive pipeline's throughput at 10,000 documents while
producing passage-level results; memory must not grow with corpus size beyond the index". Both
halves are only believable if they are measured the same way for both sides, so every pipeline
runs as its own subprocess and is timed from outside (wall clock, interpreter start-up and imports
included) while this script samples the resident memory of the whole process tree: a scanner that
fans out to worker processes must not look lean because its workers are not counted.

Usage (from the repository root)::

    .venv/bin/python bench/bench_scan.py              # 10,000 x 3,000 chars + real corpora
    .venv/bin/python bench/bench_scan.py --quick      # 1,000 docs, no real corpora
    .venv/bin/python bench/bench_scan.py --json bench.json

The naive pipeline is this same file run as ``--naive-worker DIR``; see :func:`naive_pipeline`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import pickle
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPORA = REPO.parent / "shared" / "corpora"
DEFAULT_WORKDIR = Path("/tmp/reuse-bench")

POLL_SECONDS = 0.05
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024

SCAN = "reuse scan"
NAIVE = "naive datasketch"
NAIVE_NOTE = "document pairs only, no passages"

# What the naive pipeline is, fixed here so the README and the output can quote it.
NAIVE_NUM_PERM = 128
NAIVE_THRESHOLD = 0.5
NAIVE_SHINGLE = 5
WHITESPACE = re.compile(r"\s+")

# Keep the scanner importable from a checkout that is not pip-installed.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


# --------------------------------------------------------------------------- corpora


@dataclass(frozen=True, slots=True)
class Corpus:
    """A folder to benchmark, with its size measured once so both pipelines share the figures."""

    name: str
    path: Path
    docs: int
    chars: int
    generated: bool = False
    plants_file: Path | None = None  # pickled plants of a generated corpus, for scoring


def decode_bytes(raw: bytes) -> str:
    """Decode a file as the contract does: UTF-8 without its BOM, else GB18030; CRLF kept."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def corpus_files(folder: Path) -> list[Path]:
    """The ``.txt`` documents of a folder, in a stable order (``metadata.jsonl`` is not one)."""
    return sorted(p for p in folder.rglob("*.txt") if p.is_file())


def measure_corpus(name: str, folder: Path, **extra: Any) -> Corpus:
    """Count documents and decoded characters: the denominators of docs/s and chars/s."""
    files = corpus_files(folder)
    chars = sum(len(decode_bytes(p.read_bytes())) for p in files)
    return Corpus(name=name, path=folder, docs=len(files), chars=chars, **extra)


def real_corpora(root: Path = SHARED_CORPORA) -> list[Path]:
    """Each sub-folder of ``../shared/corpora`` that holds text; empty when it is absent."""
    if not root.is_dir():
        return []
    return [d for d in sorted(root.iterdir()) if d.is_dir() and corpus_files(d)]


def generator_version() -> str:
    """A short hash of the generator's source, so that a changed generator regenerates the cache.

    Taken once per run: both generated corpora of one run must come from the same generator.
    """
    import reuse.synth

    return hashlib.sha1(Path(reuse.synth.__file__).read_bytes()).hexdigest()[:8]


def synthetic_name(n_docs: int, doc_chars: int, seed: int, version: str) -> str:
    return f"synth-{n_docs}x{doc_chars}-seed{seed}-{version}"


def ensure_synthetic(workdir: Path, n_docs: int, doc_chars: int, seed: int, version: str) -> Corpus:
    """Generate a corpus with planted reuse once per parameter set and reuse it afterwards.

    Generation is not what is being measured, and 10,000 documents take a while to plant, so the
    corpus is cached. The plants are pickled next to it: the pickle doubles as the marker that
    generation finished, so an interrupted run is regenerated rather than half-used.
    """
    from reuse.synth import make_corpus  # imported late: a missing module must not stop --help

    name = synthetic_name(n_docs, doc_chars, seed, version)
    out_dir = workdir / name
    plants_file = workdir / f"{name}.plants.pickle"
    plants_ok = False
    if plants_file.is_file() and out_dir.is_dir():
        try:
            with plants_file.open("rb") as fh:
                pickle.load(fh)
            plants_ok = True
        except Exception:  # stale pickle from an older Plant class: regenerate
            plants_ok = False
    if not plants_ok:
        if out_dir.exists():
            shutil.rmtree(out_dir)  # our own cache directory, never a user's folder
        plants_file.unlink(missing_ok=True)
        out_dir.mkdir(parents=True)
        say(f"generating {n_docs:,} documents of ~{doc_chars:,} characters in {out_dir} ...")
        plants = make_corpus(out_dir, n_docs, doc_chars=doc_chars, seed=seed)
        with plants_file.open("wb") as fh:
            pickle.dump(list(plants), fh)
    return measure_corpus(name, out_dir, generated=True, plants_file=plants_file)


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True, slots=True)
class Measured:
    """What the outside of one subprocess run shows: time, memory, exit status."""

    seconds: float
    sampled_peak_bytes: int  # max over polls of the RSS summed over the process tree
    max_single_bytes: int  # largest high-water mark (VmHWM) of any one process in the tree
    returncode: int
    timed_out: bool = False

    @property
    def peak_bytes(self) -> int:
        # A spike shorter than one poll escapes sampling, but the kernel keeps each process's
        # own high-water mark: the largest of those is a floor the tree's peak cannot be below.
        return max(self.sampled_peak_bytes, self.max_single_bytes)


def _proc_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, resident bytes) for every process visible in /proc."""
    table: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:  # exited between listing and reading
            continue
        # The command name may hold spaces or parentheses; fields resume after the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[21]) * PAGE_BYTES)
    return table


def _high_water_bytes(pid: int) -> int:
    """The kernel's peak RSS of one live process (VmHWM), 0 when it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass(frozen=True, slots=True)
class TreeSample:
    rss_bytes: int  # summed over the tree now
    max_high_water_bytes: int  # largest VmHWM of one process of the tree so far


def sample_tree(root: int) -> TreeSample:
    """Resident bytes of ``root`` and all its descendants, summed, and their largest VmHWM.

    Summing RSS counts pages shared by forked workers once per process, so this overstates a
    fork-heavy tree a little; it never hides a worker, which is the failure that matters here.
    """
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, hwm, stack, seen = 0, 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen or pid not in table:
            continue
        seen.add(pid)
        total += table[pid][1]
        hwm = max(hwm, _high_water_bytes(pid))
        stack.extend(children.get(pid, ()))
    return TreeSample(total, hwm)


def run_measured(
    cmd: Sequence[str], log_stem: Path, env: dict[str, str] | None = None, timeout: float = 0
) -> Measured:
    """Run ``cmd``, sampling its process tree every 50 ms until it exits; output goes to logs.

    The child runs in its own session so a timeout or Ctrl-C can stop exactly the tree we
    started. (The rusage of ``wait4`` is no substitute for sampling: a child's ru_maxrss also
    counts memory it inherited from this process at fork time.)
    """
    log_stem.parent.mkdir(parents=True, exist_ok=True)
    timed_out = False
    with (
        Path(f"{log_stem}.stdout.log").open("wb") as out,
        Path(f"{log_stem}.stderr.log").open("wb") as err,
    ):
        start = time.perf_counter()
        # cwd is the checkout so `python -m reuse` finds it whatever the caller's directory holds.
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=err, env=env, cwd=REPO, start_new_session=True
        )
        peak = hwm = 0
        try:
            while True:
                sample = sample_tree(proc.pid)
                peak = max(peak, sample.rss_bytes)
                hwm = max(hwm, sample.max_high_water_bytes)
                if proc.poll() is not None:
                    break
                if timeout and time.perf_counter() - start > timeout:
                    timed_out = True
                    _stop_group(proc)
                    break
                time.sleep(POLL_SECONDS)
        except BaseException:
            _stop_group(proc)
            raise
        seconds = time.perf_counter() - start
    return Measured(seconds, peak, hwm, proc.returncode, timed_out)


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the session we started (its leader's pid is the group id), then reap the leader."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


# --------------------------------------------------------------------------- the two pipelines


@dataclass(slots=True)
class Result:
    """One pipeline on one corpus: the figures printed and saved."""

    corpus: str
    pipeline: str
    docs: int
    chars: int
    seconds: float
    peak_mb: float
    sampled_peak_mb: float
    max_single_process_mb: float
    returncode: int
    pairs: int | None = None
    passages: int | None = None
    note: str = ""
    quality: str | None = None
    quality_fields: dict[str, Any] | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def docs_per_s(self) -> float:
        return self.docs / self.seconds if self.seconds else 0.0

    @property
    def chars_per_s(self) -> float:
        return self.chars / self.seconds if self.seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["docs_per_s"] = round(self.docs_per_s, 2)
        data["chars_per_s"] = round(self.chars_per_s, 1)
        return data


def _result(corpus: Corpus, pipeline: str, m: Measured, **kw: Any) -> Result:
    return Result(
        corpus=corpus.name,
        pipeline=pipeline,
        docs=corpus.docs,
        chars=corpus.chars,
        seconds=round(m.seconds, 3),
        peak_mb=round(m.peak_bytes / MB, 1),
        sampled_peak_mb=round(m.sampled_peak_bytes / MB, 1),
        max_single_process_mb=round(m.max_single_bytes / MB, 1),
        returncode=m.returncode,
        **kw,
    )


def child_env() -> dict[str, str]:
    """The environment for subprocesses: this checkout first on the path (it is not installed)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def _failure(m: Measured, log_stem: Path) -> str:
    """A short note for the table; the stderr tail goes to the progress stream, where it fits."""
    log = Path(f"{log_stem}.stderr.log")
    if m.timed_out:
        note = f"killed after {m.seconds:.0f} s (--timeout)"
    elif m.returncode != 0:
        note = f"failed, exit {m.returncode}"
    else:
        note = "no JSON written"
    try:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-8:])
    except OSError:
        tail = ""
    say(f"{note}; stderr in {log}" + (f":\n{tail}" if tail else ""))
    return note


def warm_up(scanner: Sequence[str], outdir: Path, timeout: float) -> None:
    """Scan the repository's sample corpus once, untimed.

    The first scan after installing compiles the aligner's numba code (about
    13 s on the benchmark machine) and caches it in ``reuse/__pycache__``;
    every later run loads it. The README's first command does this on a
    fresh machine; doing it here keeps a fresh checkout's figures from
    counting a one-time compilation as throughput.
    """
    out = outdir / "warm-up.scan.json"
    cmd = [*scanner, "scan", str(REPO / "corpus"), "--json", str(out)]
    say(f"warm-up: {SCAN} on corpus/ (compiles the aligner on a fresh install; not timed) ...")
    m = run_measured(cmd, outdir / "warm-up.scan", child_env(), timeout)
    if m.returncode != 0:
        say(f"warm-up failed: {_failure(m, outdir / 'warm-up.scan')}")


def run_scan(corpus: Corpus, scanner: Sequence[str], outdir: Path, timeout: float) -> Result:
    """Time ``reuse scan DIR --json OUT`` and read pair and passage counts from its JSON."""
    out_json = outdir / f"{corpus.name}.scan.json"
    out_json.unlink(missing_ok=True)
    cmd = [*scanner, "scan", str(corpus.path), "--json", str(out_json)]
    say(f"{SCAN} on {corpus.name} ({corpus.docs:,} docs) ...")
    m = run_measured(cmd, outdir / f"{corpus.name}.scan", child_env(), timeout)
    if m.returncode != 0 or not out_json.is_file():
        return _result(corpus, SCAN, m, note=_failure(m, outdir / f"{corpus.name}.scan"))
    report = json.loads(out_json.read_text(encoding="utf-8"))
    res = _result(
        corpus,
        SCAN,
        m,
        pairs=len(report.get("pairs", [])),
        passages=len(report.get("passages", [])),
        detail={"json": str(out_json), "documents_in_report": len(report.get("documents", []))},
    )
    if res.detail["documents_in_report"] != corpus.docs:
        res.note = f"report lists {res.detail['documents_in_report']:,} documents"
    if corpus.generated and corpus.plants_file is not None:
        res.quality, res.quality_fields = score_report(report, corpus)
    return res


def score_report(report: dict[str, Any], corpus: Corpus) -> tuple[str, dict[str, Any] | None]:
    """Score a scan of a generated corpus against its planted truth (reuse.evaluate)."""
    try:
        from reuse.evaluate import read_texts, score
    except ImportError as exc:
        return f"not scored: {exc}", None
    assert corpus.plants_file is not None
    with corpus.plants_file.open("rb") as fh:
        plants = pickle.load(fh)
    try:
        scores = score(report, plants, read_texts(corpus.path))
    except Exception as exc:  # keep the timings of a long run even if scoring breaks
        say(f"scoring {corpus.name} failed: {exc!r}")
        return f"not scored: {type(exc).__name__}: {exc}", None
    fields = dataclasses.asdict(scores) if dataclasses.is_dataclass(scores) else None
    return scores.summary(), _jsonable(fields)


def _jsonable(value: Any) -> Any:
    """Keep only what JSON can hold, so an unexpected field cannot break ``--json``."""
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


def run_naive(corpus: Corpus, outdir: Path, timeout: float) -> Result:
    """Time the naive pipeline as a subprocess of this file, measured exactly like the scan."""
    out_json = outdir / f"{corpus.name}.naive.json"
    out_json.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--naive-worker",
        str(corpus.path),
        "--naive-out",
        str(out_json),
    ]
    say(f"{NAIVE} on {corpus.name} ({corpus.docs:,} docs) ...")
    m = run_measured(cmd, outdir / f"{corpus.name}.naive", child_env(), timeout)
    if m.returncode != 0 or not out_json.is_file():
        return _result(corpus, NAIVE, m, note=_failure(m, outdir / f"{corpus.name}.naive"))
    data = json.loads(out_json.read_text(encoding="utf-8"))
    return _result(corpus, NAIVE, m, pairs=data["candidate_pairs"], note=NAIVE_NOTE, detail=data)


def shingles(text: str, k: int = NAIVE_SHINGLE) -> Iterator[str]:
    """Character k-grams of the text with whitespace removed, as one writes it for Chinese."""
    compact = WHITESPACE.sub("", text)
    for i in range(len(compact) - k + 1):
        yield compact[i : i + k]


def naive_pipeline(folder: Path) -> dict[str, Any]:
    """The pipeline a user writes from datasketch's README, deliberately left as written there.

    One ``MinHash(num_perm=128)`` per document, updated one shingle at a time with
    ``m.update(shingle.encode("utf-8"))``; every document inserted into
    ``MinHashLSH(threshold=0.5, num_perm=128)``; every document queried; candidate pairs
    collected. No verification and no alignment: its output is pairs of documents, which is less
    than a scan gives, so the comparison flatters it.
    """
    from datasketch import MinHash, MinHashLSH

    phases: dict[str, float] = {}
    t = time.perf_counter()
    texts = {
        p.relative_to(folder).as_posix(): decode_bytes(p.read_bytes()) for p in corpus_files(folder)
    }
    phases["read"], t = time.perf_counter() - t, time.perf_counter()

    sketches: dict[str, MinHash] = {}
    for key, text in texts.items():
        m = MinHash(num_perm=NAIVE_NUM_PERM)
        for shingle in shingles(text):
            m.update(shingle.encode("utf-8"))
        sketches[key] = m
    phases["minhash"], t = time.perf_counter() - t, time.perf_counter()

    lsh = MinHashLSH(threshold=NAIVE_THRESHOLD, num_perm=NAIVE_NUM_PERM)
    for key, m in sketches.items():
        lsh.insert(key, m)
    phases["index"], t = time.perf_counter() - t, time.perf_counter()

    pairs: set[tuple[str, str]] = set()
    for key, m in sketches.items():
        for other in lsh.query(m):
            if other != key:
                pairs.add((key, other) if key < other else (other, key))
    phases["query"] = time.perf_counter() - t

    return {
        "docs": len(texts),
        "chars": sum(len(t) for t in texts.values()),
        "candidate_pairs": len(pairs),
        "phases_s": {k: round(v, 3) for k, v in phases.items()},
        "num_perm": NAIVE_NUM_PERM,
        "threshold": NAIVE_THRESHOLD,
        "shingle": f"character {NAIVE_SHINGLE}-grams, whitespace removed",
    }


# --------------------------------------------------------------------------- reporting


def say(msg: str) -> None:
    """Progress goes to stderr so that stdout holds only the results."""
    print(msg, file=sys.stderr, flush=True)


def _fmt_rate(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k"
    return f"{x:.1f}"


def _fmt_count(x: int | None) -> str:
    return "—" if x is None else f"{x:,}"


def ratio_line(results: list[Result], corpus_name: str, target: float = 10.0) -> str | None:
    """scan/naive throughput on one corpus (same corpus, so chars/s and docs/s ratios agree)."""
    scan = _find(results, corpus_name, SCAN)
    naive = _find(results, corpus_name, NAIVE)
    if not (scan and naive and scan.ok and naive.ok and scan.seconds):
        return None
    ratio = naive.seconds / scan.seconds
    verdict = "met" if ratio >= target else "NOT met"
    passages = "" if scan.passages is None else f", with {scan.passages:,} passages"
    return (
        f"throughput scan/naive on {corpus_name}: {ratio:.1f}x "
        f"({_fmt_rate(scan.chars_per_s)} vs {_fmt_rate(naive.chars_per_s)} chars/s{passages}); "
        f"target >= {target:g}x: {verdict}"
    )


def scaling_line(small: Result | None, large: Result | None) -> str | None:
    """Peak RSS of the scan at two corpus sizes, and what each added character cost."""
    if not (small and large and small.ok and large.ok) or large.chars <= small.chars:
        return None
    extra_mb = large.peak_mb - small.peak_mb
    extra_chars = large.chars - small.chars
    return (
        f"scan peak memory: {small.docs:,} docs {small.peak_mb:,.0f} MB -> "
        f"{large.docs:,} docs {large.peak_mb:,.0f} MB "
        f"(corpus x{large.chars / small.chars:.1f}, peak x{large.peak_mb / small.peak_mb:.2f}; "
        f"{extra_mb * MB / extra_chars:.1f} bytes per added character, "
        f"{extra_mb * 1024 / (large.docs - small.docs):.1f} KB per added document)"
    )


def _find(results: list[Result], corpus: str, pipeline: str) -> Result | None:
    return next((r for r in results if r.corpus == corpus and r.pipeline == pipeline), None)


def render(results: list[Result], lines: list[str], header: str) -> None:
    """A compact table on stdout; rich when it is available, aligned text otherwise."""
    rows = [
        [
            r.corpus,
            r.pipeline,
            f"{r.docs:,}",
            f"{r.chars / 1e6:.2f} M",
            f"{r.seconds:.1f}",
            f"{r.docs_per_s:,.0f}" if r.ok else "—",
            _fmt_rate(r.chars_per_s) if r.ok else "—",
            f"{r.peak_mb:,.0f}",
            _fmt_count(r.pairs),
            _fmt_count(r.passages),
            r.note,
        ]
        for r in results
    ]
    heads = [
        "corpus",
        "pipeline",
        "docs",
        "chars",
        "s",
        "docs/s",
        "chars/s",
        "peak MB",
        "pairs",
        "passages",
        "note",
    ]
    numeric = {2, 3, 4, 5, 6, 7, 8, 9}
    quality = [f"quality on {r.corpus}: {r.quality}" for r in results if r.quality]
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(heads)]
        print(header)
        for row in [heads, *rows]:
            print(
                "  ".join(
                    c.rjust(w) if i in numeric else c.ljust(w)
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                ).rstrip()
            )
        for line in quality + lines:
            print(line)
        return
    console = Console() if sys.stdout.isatty() else Console(width=160)
    table = Table(box=None, pad_edge=False)
    for i, h in enumerate(heads):
        table.add_column(h, justify="right" if i in numeric else "left", no_wrap=i != 10)
    for row in rows:
        table.add_row(*row)
    console.print(header, highlight=False, markup=False)
    console.print(table)
    for line in quality + lines:
        console.print(line, highlight=False, markup=False)


def machine_header() -> dict[str, Any]:
    """Enough context to compare runs recorded on different days or machines."""

    def git(*cmd: str) -> str:
        try:
            return subprocess.run(
                ["git", "-C", str(REPO), *cmd], capture_output=True, text=True, check=False
            ).stdout.strip()
        except OSError:
            return ""

    rev = git("rev-parse", "--short", "HEAD")
    if rev and git("status", "--porcelain", "--untracked-files=no"):
        rev += "+dirty"  # figures from uncommitted code cannot be reproduced from the hash alone
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "commit": rev or None,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "poll_seconds": POLL_SECONDS,
    }


# --------------------------------------------------------------------------- entry point


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Documents/s, characters/s and peak memory of `reuse scan` and of the naive "
        "datasketch pipeline (MinHash per document + MinHashLSH), on a generated corpus and on "
        "the real corpora in ../shared/corpora.",
    )
    p.add_argument("--docs", type=int, default=10_000, help="generated documents (10000)")
    p.add_argument("--chars", type=int, default=3_000, help="characters per generated document")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated corpus (0)")
    p.add_argument(
        "--scaling-docs",
        type=int,
        default=None,
        help="also scan a generated corpus of this many documents to show how peak "
        "memory grows (default: docs/5, i.e. 2000 vs 10000; 0 to skip)",
    )
    p.add_argument(
        "--real",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="bench each folder of ../shared/corpora too (default: yes)",
    )
    p.add_argument(
        "--corpus",
        type=Path,
        action="append",
        default=[],
        help="an extra folder to bench (repeatable)",
    )
    p.add_argument(
        "--naive",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the naive datasketch pipeline on every corpus (default: yes)",
    )
    p.add_argument(
        "--quick", action="store_true", help="smoke run: 1000 generated documents, no real corpora"
    )
    p.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help=f"cache of generated corpora, scan outputs and logs ({DEFAULT_WORKDIR})",
    )
    p.add_argument(
        "--scanner",
        default=f"{shlex.quote(sys.executable)} -m reuse",
        help="command that provides `scan` (default: this interpreter -m reuse)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=3600,
        help="seconds before a run is killed (3600; 0 = never)",
    )
    p.add_argument("--json", type=Path, help="also save every figure to this JSON file")
    p.add_argument("--naive-worker", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--naive-out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.docs, args.real = 1_000, False
    if args.scaling_docs is None:
        args.scaling_docs = args.docs // 5
    if args.docs < 1 or args.chars < 1:
        p.error("--docs and --chars must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.naive_worker is not None:
        if args.naive_out is None:
            raise SystemExit("--naive-worker needs --naive-out")
        data = naive_pipeline(args.naive_worker)
        args.naive_out.write_text(json.dumps(data, indent=1), encoding="utf-8")
        return 0

    workdir: Path = args.workdir.resolve()  # children run in the checkout, not here
    outdir = workdir / "runs"
    scanner = shlex.split(args.scanner)
    meta = machine_header()

    version = generator_version()
    generated = ensure_synthetic(workdir, args.docs, args.chars, args.seed, version)
    small = None
    if 0 < args.scaling_docs < args.docs:
        small = ensure_synthetic(workdir, args.scaling_docs, args.chars, args.seed, version)
    corpora = [generated]
    if args.real:
        corpora += [measure_corpus(d.name, d) for d in real_corpora()]
    corpora += [measure_corpus(d.resolve().name, d.resolve()) for d in args.corpus]

    warm_up(scanner, outdir, args.timeout)
    results: list[Result] = []
    small_result = None
    for corpus in corpora:
        results.append(run_scan(corpus, scanner, outdir, args.timeout))
        if args.naive:
            results.append(run_naive(corpus, outdir, args.timeout))
        if corpus is generated and small is not None:
            small_result = run_scan(small, scanner, outdir, args.timeout)
            results.append(small_result)

    lines = [f"naive datasketch: {NAIVE_NOTE}; its 'pairs' are LSH candidate document pairs"]
    if args.naive:
        lines.append(ratio_line(results, generated.name) or "throughput ratio: not available")
    scaling = scaling_line(small_result, _find(results, generated.name, SCAN))
    if scaling:
        lines.append(scaling)
    header = (
        f"{meta['date']}  commit {meta['commit'] or 'unknown'}  {meta['cpus']} CPUs  "
        f"Python {meta['python']}  peak = max RSS of the process tree, polled every "
        f"{POLL_SECONDS * 1000:.0f} ms"
    )
    render(results, lines, header)

    if args.json:
        payload = {
            **meta,
            "results": [r.to_json() for r in results],
            "summary": lines,
        }
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
        say(f"figures saved to {args.json}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the run in progress has been killed by run_measured
        say("interrupted")
        sys.exit(130)
