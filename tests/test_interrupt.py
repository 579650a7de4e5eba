"""Interrupting `reuse index`: SIGKILL and Ctrl-C mid-run, readers during a run, resuming.

The index runs in a subprocess on a generated corpus, with transactions made small
(``_COMMIT_CHARS``, ``_COMMIT_SECONDS``) and bucket levels tiny (``_LEVEL0_ROWS``) so that a
run of about a second commits a dozen times and merges levels several times; the test
watches the committed document count from its own read-only connection and kills or
interrupts the run once it has made the progress wanted. The finished index is compared
with one built in-process without interruption.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from multiprocessing import get_context
from pathlib import Path

import pytest

from reuse.check import CheckParams, check_text
from reuse.index import (
    BuildInterrupted,
    Index,
    IndexFileError,
    IndexParams,
    _ctrl_c_deferred,
    _worker_init,
    build,
    consistency,
)
from reuse.synth import make_corpus

N_DOCS = 400
REPO = Path(__file__).resolve().parents[1]

# The CLI with small transactions and bucket levels, so that a short run commits and merges
# often; workers at normal priority, so that a busy machine does not starve the test; and a
# pause in each worker task, so that a fast machine does not finish a run between two looks
# at its progress. Everything else is `reuse` as installed.
RUNNER = """
import sys
import time
import reuse.cli
import reuse.index as ix
reuse.cli._INDEX_NICE = 0
ix._BATCH_CHARS = 100_000
ix._COMMIT_CHARS = 300_000
ix._COMMIT_SECONDS = 0.3
ix._LEVEL0_ROWS = 50_000
ix._LEVEL_RATIO = 4
_process = ix.process_sources
def paced(sources, params, *rest):
    time.sleep(0.04)
    return _process(sources, params, *rest)
ix.process_sources = paced
from reuse.cli import main
sys.exit(main(sys.argv[1:]))
"""

RESULT = re.compile(r"indexed (\d+) documents, (\d+) files unchanged, (\d+) removed, (\d+) skipped")
INTERRUPTED = re.compile(
    r"interrupted: ([\d,]+) of ([\d,]+) files indexed \(([\d,]+) documents added by this run\); "
    r"run the same command again to resume"
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("interrupt") / "corpus"
    make_corpus(root, N_DOCS, seed=7)
    return root


@pytest.fixture(scope="module")
def reference(corpus: Path) -> dict[str, tuple]:
    """Content of an index built in one uninterrupted run."""
    path = corpus.parent / "reference.db"
    index = Index.create(path, IndexParams())
    try:
        stats = build(index, [corpus], workers=2)
        assert (stats.added, stats.skipped) == (N_DOCS, [])
    finally:
        index.close()
    return content(path)


def content(path: Path) -> dict[str, tuple]:
    """Each document's stored row, by id; the row number ``n`` may differ between builds."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT id, source, size, mtime_ns, sha1, chars, encoding, metadata, text, keys"
            " FROM docs"
        )
        return {r[0]: r[1:] for r in rows}
    finally:
        conn.close()


def committed(path: Path) -> int:
    """Documents committed so far, as another process sees them; 0 before the first commit."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return 0
    try:
        return conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
    except sqlite3.Error:  # no file or no tables yet
        return 0
    finally:
        conn.close()


def start(*args: str) -> subprocess.Popen[str]:
    """`reuse ARGS` in its own process group, as a shell runs a foreground job."""
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        start_new_session=True,
    )


def group_members(pgid: int) -> list[int]:
    """Live processes of a process group (zombies do not count: they hold nothing)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


@pytest.fixture
def running() -> Iterator[list[subprocess.Popen[str]]]:
    """Started processes; whatever is left of their groups is killed at the end."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for p in procs:
        with suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            p.communicate(timeout=10)


def kill_when(
    proc: subprocess.Popen[str], condition: Callable[[], bool], what: str, delay: float = 0.0
) -> None:
    """SIGKILL the run once ``condition`` holds (plus ``delay``); wait until its group is gone."""
    wait_for(lambda: condition() or proc.poll() is not None, 30, what)
    assert proc.poll() is None, f"the run ended before {what}: {proc.communicate()}"
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)  # the parent alone: its workers must notice by themselves
    proc.communicate(timeout=10)
    wait_for(lambda: not group_members(proc.pid), 10, "the workers of a killed run to exit")


def assert_usable(path: Path) -> int:
    index = Index.open(path)
    try:
        assert consistency(index) == []
        return len(index.documents())
    finally:
        index.close()


def test_sigkill_at_several_points_leaves_a_usable_index_and_a_rerun_completes_it(
    corpus: Path, reference: dict[str, tuple], running: list
) -> None:
    db = corpus.parent / "killed.db"
    argv = ("index", str(corpus), "--db", str(db), "--workers", "2")

    # 1. Right at the start, most likely before the first commit: there may be no index yet,
    #    but whatever is there must not stop the next run.
    running.append(p := start(*argv))
    kill_when(p, db.exists, "the index file to appear")
    try:
        counts = [assert_usable(db)]
    except IndexFileError as exc:
        assert "not a reuse index" in str(exc)  # no tables committed: a file to initialise
        counts = [0]

    # 2. Once the first documents are committed.
    running.append(p := start(*argv))
    kill_when(p, lambda: committed(db) > counts[-1], "a first commit")
    counts.append(assert_usable(db))

    # 3. Halfway, a moment after a commit: likely inside the next batch or transaction.
    running.append(p := start(*argv))
    kill_when(p, lambda: committed(db) >= N_DOCS // 2, "half the documents", delay=0.1)
    counts.append(assert_usable(db))

    assert counts == sorted(counts), f"committed documents were lost: {counts}"
    assert 0 < counts[-1] < N_DOCS, f"the runs were not interrupted mid-way: {counts}"

    # 4. The rerun reads only the files that were not committed, and finishes.
    running.append(p := start(*argv))
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    added, unchanged, removed, skipped = map(int, RESULT.search(out).groups())
    assert (added, unchanged, removed, skipped) == (N_DOCS - counts[-1], counts[-1], 0, 0)
    assert assert_usable(db) == N_DOCS
    assert content(db) == reference


def test_ctrl_c_stops_cleanly_and_says_how_far_it_got(
    corpus: Path, reference: dict[str, tuple], running: list
) -> None:
    db = corpus.parent / "ctrl-c.db"
    argv = ("index", str(corpus), "--db", str(db), "--workers", "2")
    running.append(p := start(*argv))
    wait_for(lambda: committed(db) > 0 or p.poll() is not None, 30, "a first commit")
    assert p.poll() is None, p.communicate()
    os.killpg(p.pid, signal.SIGINT)  # what a terminal does: parent and workers get it
    out, err = p.communicate(timeout=20)

    assert p.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    found = INTERRUPTED.search(err)
    assert found, err
    done, total, added = (int(g.replace(",", "")) for g in found.groups())
    assert total == N_DOCS
    assert 0 < done < N_DOCS
    assert not group_members(p.pid), "worker processes outlived the interrupted run"
    assert assert_usable(db) == done == added  # one document per file, all new

    running.append(p := start(*argv))
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert RESULT.search(out).groups()[:2] == (str(N_DOCS - done), str(done))
    assert content(db) == reference


def test_check_reads_an_index_while_it_is_being_written(corpus: Path, running: list) -> None:
    db = corpus.parent / "concurrent.db"
    running.append(writer := start("index", str(corpus), "--db", str(db), "--workers", "2"))
    wait_for(lambda: committed(db) > 0 or writer.poll() is not None, 30, "a first commit")
    draft = sorted(corpus.glob("doc-*.txt"))[0]
    checks = 0
    while checks == 0 or (writer.poll() is None and checks < 3):
        reader = subprocess.run(
            [sys.executable, "-m", "reuse", "check", str(draft), "--db", str(db), "--json", "-"],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
        )
        assert reader.returncode == 0, reader.stderr
        assert "locked" not in reader.stderr
        assert '"reused_fraction"' in reader.stdout
        checks += 1
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert RESULT.search(out).groups()[0] == str(N_DOCS)
    assert checks >= 1
    assert assert_usable(db) == N_DOCS


def test_workers_ignore_ctrl_c_and_run_at_lower_priority() -> None:
    pool = ProcessPoolExecutor(
        1, mp_context=get_context("fork"), initializer=_worker_init, initargs=(3,)
    )
    with pool:
        assert pool.submit(signal.getsignal, signal.SIGINT).result() == signal.SIG_IGN
        assert pool.submit(os.nice, 0).result() == os.nice(0) + 3


def test_ctrl_c_inside_a_commit_is_held_until_the_commit_is_counted() -> None:
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is handled by something else in this test process")
    done = []
    with pytest.raises(KeyboardInterrupt), _ctrl_c_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # Python would run the handler, and raise, in here
        done.append("counted")
    assert done == ["counted"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_stops_a_long_statement_of_a_build(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A merge of bucket levels runs in SQLite for seconds; Ctrl-C must not wait for it."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is handled by something else in this test process")
    part = tmp_path / "part"
    part.mkdir()
    for f in sorted(corpus.glob("doc-*.txt"))[:5]:
        (part / f.name).write_bytes(f.read_bytes())
    endless = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
        " SELECT COUNT(*) FROM (SELECT x FROM c LIMIT 10000000000)"
    )
    monkeypatch.setattr(Index, "_merge_levels", lambda self: self.conn.execute(endless))
    index = Index.create(tmp_path / "index.db", IndexParams())
    ctrl_c = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    backstop = threading.Timer(10, index.conn.interrupt)  # if Ctrl-C did not get through
    started = time.monotonic()
    ctrl_c.start()
    backstop.start()
    try:
        with pytest.raises(BuildInterrupted) as caught:
            build(index, [part], workers=1)
        assert time.monotonic() - started < 5
        assert caught.value.stats.files_done == 5  # committed before the "merge" began
        assert consistency(index) == []
    finally:
        ctrl_c.cancel()
        backstop.cancel()
        index.close()


def test_a_reader_left_open_does_not_hold_back_checkpoints(corpus: Path, tmp_path: Path) -> None:
    """An open ``Index`` between queries holds no read transaction, so the WAL can be reset."""
    db = tmp_path / "index.db"
    files = sorted(corpus.glob("doc-*.txt"))
    part = tmp_path / "part"
    part.mkdir()
    for f in files[:30]:
        (part / f.name).write_bytes(f.read_bytes())
    index = Index.create(db, IndexParams())
    build(index, [part], workers=1)
    index.close()

    reader = Index.open(db)
    try:
        result = check_text(files[0].read_text("utf-8", "replace"), reader, CheckParams())
        assert result.documents == 30
        for f in files[30:40]:  # the writer goes on while the reader stays open
            (part / f.name).write_bytes(f.read_bytes())
        writer = Index.create(db, IndexParams())
        try:
            assert build(writer, [part], workers=1).added == 10
            busy, log, _ = writer.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            assert (busy, log) == (0, 0)
        finally:
            writer.close()
        assert check_text("会议", reader, CheckParams()).documents == 40  # sees the new rows
    finally:
        reader.close()


def test_a_first_run_killed_before_its_commit_leaves_a_file_the_next_run_initialises(
    tmp_path: Path, corpus: Path
) -> None:
    """Tables created in a transaction that never committed: no index, and no obstacle."""
    db = tmp_path / "first.db"
    script = f"""
import os, signal, sqlite3
conn = sqlite3.connect({str(db)!r}, isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("BEGIN IMMEDIATE")
conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
conn.execute("CREATE TABLE docs (n INTEGER PRIMARY KEY)")
os.kill(os.getpid(), signal.SIGKILL)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert db.exists()
    with pytest.raises(IndexFileError, match="not a reuse index"):
        Index.open(db)
    other = IndexParams(unit_min=20)  # any parameters: nothing was built with others
    index = Index.create(db, other)
    try:
        assert index.params == other
        assert index.meta()["schema"]
        assert consistency(index) == []
    finally:
        index.close()
    index = Index.open(db)
    try:
        assert index.params == other
    finally:
        index.close()
