"""The on-disk index: documents, their text, MinHash band keys, buckets.

One SQLite file (stdlib ``sqlite3``, WAL journal). Each document row holds its
original text (zlib-compressed, so an index answers with exact offsets even
when the files have moved; a scan's throwaway index stores it uncompressed,
see ``_text_blob``), its file's size and modification time, which
make re-indexing skip unchanged files, a content hash, and its band keys as
one blob. The ``buckets`` table maps a
band key to documents for queries that must not load the index whole (a
draft check); a throwaway index for a one-off scan leaves it out, because a
scan reads every document's keys anyway.

Writes happen in transactions of whole files (every document a file holds,
its bucket rows, and the removal of the file's previous version), committed
every few seconds, so a run killed at any instant leaves each file either
fully indexed or as it was, and the next run reads only what is missing.
The journal is SQLite's write-ahead log with ``synchronous=NORMAL``: a
commit survives the process being killed; after a power cut the last
commits may be lost but the file is not corrupt. Readers (``reuse check``)
work while an index run writes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from reuse import __version__
from reuse.arrays import distinct
from reuse.corpus import MetadataIndex, SourceFile, discover, read_source
from reuse.lsh import LSHParams, MinHasher
from reuse.model import Document, Skipped
from reuse.normalize import normalize
from reuse.shingle import digit_codes, gram_hashes, unit_gram_index, units

# Bump when the tables change or when the same text would get other band keys
# (normalisation, shingling, hashing): an index from before cannot answer a
# query made with the new keys, and is refused rather than silently wrong.
# 2: buckets became a view over levels of WITHOUT ROWID tables keyed (key, doc).
SCHEMA_VERSION = 2
# Bytes of files per worker task: small, so two workers stay evenly busy.
_BATCH_CHARS = 400_000
# A transaction ends after this many bytes of files or this many seconds,
# whichever comes first: a kill loses at most that much work. Larger ones
# write each touched bucket page once for more rows (2,000 generated docs,
# CPU of a whole build: 7.2 s at 0.4 MB, 5.9 s at 1 MB, 5.6 s at 4 MB, 5.3 s
# at 16 MB per transaction).
_COMMIT_CHARS = 4_000_000
_COMMIT_SECONDS = 3.0
# Page cache of a connection, KiB: holds a transaction's dirty bucket pages.
_CACHE_KIB = 65_536
# The WAL file is cut back to this size after a checkpoint rewinds it.
_WAL_LIMIT = 64 << 20
# Bucket rows live in levels, like a log-structured merge tree: new rows go
# to the small level 0, whose pages stay in the cache; a level holding more
# than its share is merged, in key order, into the next, _LEVEL_RATIO times
# larger. One big (key, doc) tree takes each transaction's random keys all
# over its pages, so the writes per row grow with the index (measured with
# 466k-row transactions: 30M rows, about 24,000 documents, wrote 34 GB and
# took 68 s CPU in one tree, 10 GB and 47 s in levels). Readers query the
# ``buckets`` view, which is the union of the levels.
_LEVELS = 4
_LEVEL0_ROWS = 2_000_000
_LEVEL_RATIO = 8
# Seconds a connection waits for a lock before "database is locked".
_BUSY_SECONDS = 30.0


class IndexFileError(Exception):
    """The index file cannot be used: missing, corrupt, or built differently."""


@dataclass(frozen=True)
class IndexParams:
    """Everything that decides which band keys a document gets."""

    lsh: LSHParams = field(default_factory=LSHParams)
    unit_min: int = 12
    unit_max: int = 80

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, s: str) -> IndexParams:
        d = json.loads(s)
        d["lsh"] = LSHParams(**d["lsh"])
        return cls(**d)


@dataclass(slots=True)
class DocRecord:
    """A document ready to store: text compressed, band keys computed."""

    id: str
    source: str
    size: int
    mtime_ns: int
    sha1: str
    chars: int
    encoding: str
    metadata: dict[str, Any]
    text_blob: bytes
    keys: np.ndarray


def band_keys(text: str, params: IndexParams, hasher: MinHasher) -> np.ndarray:
    """Distinct band keys of all units of one document's text."""
    # Numerals as digits, not folded to one placeholder: "二〇二四" shingles
    # like "2024", but template sentences differing in every figure do not
    # collide (bench/README.md has the measurement).
    norm = normalize(text, numbers=False)
    k = params.lsh.shingle
    bounds = units(norm.breaks, len(norm.text), params.unit_min, params.unit_max)
    bounds = bounds[bounds[:, 1] - bounds[:, 0] >= k]
    if len(bounds) == 0:
        return np.empty(0, dtype=np.uint64)
    grams = gram_hashes(digit_codes(norm.codes()), k)
    positions, offsets = unit_gram_index(bounds, k)
    values = (grams[positions] >> np.uint64(32)).astype(np.uint32)
    sigs = hasher.signatures(values, offsets)
    return distinct(hasher.band_keys(sigs))


# A text blob starting with this byte is UTF-8 as it stands; a zlib stream never starts
# with it (its first byte names the method, 8, in the low four bits).
_RAW = b"\x00"


def _text_blob(raw: bytes, compress: bool) -> bytes:
    """A document's UTF-8 text as stored. Uncompressed for an index that lives for one
    scan: compressing and decompressing took a tenth of a 10,000-document scan."""
    return zlib.compress(raw, 1) if compress else _RAW + raw


def _text_bytes(blob: bytes) -> bytes:
    """The UTF-8 text a blob of ``_text_blob`` holds, whichever way it was stored."""
    return blob[1:] if blob[:1] == _RAW else zlib.decompress(blob)


def _decode_text(blob: bytes) -> str:
    return _text_bytes(blob).decode("utf-8", "surrogatepass")


def record(
    doc: Document, src: SourceFile, params: IndexParams, hasher: MinHasher, compress: bool = True
) -> DocRecord:
    raw = doc.text.encode("utf-8", "surrogatepass")
    return DocRecord(
        id=doc.id,
        source=_key(src),
        size=src.size,
        mtime_ns=src.mtime_ns,
        sha1=hashlib.sha1(raw).hexdigest(),
        chars=len(doc.text),
        encoding=doc.encoding or "",
        metadata=doc.metadata,
        text_blob=_text_blob(raw, compress),
        keys=band_keys(doc.text, params, hasher),
    )


# One per worker process: each metadata.jsonl is read once, and a folder's
# file may describe documents in its subfolders, as iter_documents sees them.
_METADATA = MetadataIndex()
# Set in a worker process: the parent's event for "stop, the batch will not be stored".
_STOP: Any = None


@lru_cache(maxsize=4)
def _hasher(params: IndexParams) -> MinHasher:
    return MinHasher(params.lsh)


def process_sources(
    sources: Sequence[SourceFile], params: IndexParams, compress: bool = True
) -> list[DocRecord | Skipped]:
    """Read, normalise and hash a batch of files; runs in a worker process."""
    hasher = _hasher(params)
    out: list[DocRecord | Skipped] = []
    for src in sources:
        if _STOP is not None and _STOP.is_set():
            break  # the parent was interrupted: return now, the result is thrown away
        meta = _METADATA.record_for(src)
        for item in read_source(src, {src.id: meta} if meta else None):
            if isinstance(item, Skipped):
                out.append(item)
                continue
            try:
                out.append(record(item, src, params, hasher, compress))
            except Exception as exc:  # noqa: BLE001 - one bad document must not end a scan
                out.append(Skipped(f"{src.path}", f"cannot process {item.id}: {exc}"))
    return out


def _batches(sources: Iterable[SourceFile]) -> Iterator[list[SourceFile]]:
    batch: list[SourceFile] = []
    size = 0
    for src in sources:
        batch.append(src)
        size += src.size
        if size >= _BATCH_CHARS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE docs (
        n INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        sha1 TEXT NOT NULL,
        chars INTEGER NOT NULL,
        encoding TEXT NOT NULL,
        metadata TEXT NOT NULL,
        text BLOB NOT NULL,
        keys BLOB NOT NULL
    )""",
    "CREATE INDEX docs_source ON docs(source)",
    *(
        f"CREATE TABLE buckets_{i} (key INTEGER NOT NULL, doc INTEGER NOT NULL,"
        " PRIMARY KEY (key, doc)) WITHOUT ROWID"
        for i in range(_LEVELS)
    ),
    "CREATE VIEW buckets (key, doc) AS "
    + " UNION ALL ".join(f"SELECT key, doc FROM buckets_{i}" for i in range(_LEVELS)),
)


@dataclass(frozen=True, slots=True)
class DocInfo:
    """What a report needs of a document without its text."""

    n: int
    id: str
    chars: int
    metadata: dict[str, Any]


@dataclass(slots=True)
class BuildStats:
    added: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0  # files found under the paths
    files_done: int = 0  # of those, indexed now or unchanged, committed


class BuildInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``build``: every committed file stays; ``stats`` says how far it got."""

    def __init__(self, stats: BuildStats) -> None:
        super().__init__()
        self.stats = stats


class Index:
    """An open index file. Use ``Index.open`` (existing) or ``Index.create``."""

    def __init__(self, conn: sqlite3.Connection, path: Path, params: IndexParams) -> None:
        self.conn = conn
        self.path = path
        self.params = params

    @classmethod
    def create(cls, path: Path, params: IndexParams, buckets: bool = True) -> Index:
        """Open ``path`` for writing, creating it if needed; refuses other parameters.

        A file holding no tables (one whose first run was killed before its
        first commit, or an empty file) is initialised like a new one.
        """
        if _blank(path):
            try:
                conn = _connect(path)
                fresh = _initialise(conn, params, buckets)
            except sqlite3.Error as exc:
                raise IndexFileError(f"{path}: cannot create index ({exc})") from None
            if fresh:
                return cls(conn, path, params)
            conn.close()  # another run initialised it first: open theirs
        idx = cls.open(path)
        if idx.params != params:
            idx.close()
            raise IndexFileError(
                f"{path}: index was built with different parameters; "
                "use a new --db file or rebuild it"
            )
        return idx

    @classmethod
    def open(cls, path: Path) -> Index:
        if not path.is_file():
            raise IndexFileError(f"{path}: no such index file")
        # Look read-only first: opening someone else's database for writing
        # would switch it to WAL and leave files beside it.
        try:
            meta = dict(_probe(path, "SELECT key, value FROM meta"))
        except sqlite3.Error as exc:
            raise IndexFileError(f"{path}: not a reuse index ({exc})") from None
        if meta.get("schema") != str(SCHEMA_VERSION):
            raise IndexFileError(
                f"{path}: index format {meta.get('schema')!r} is not this version's "
                f"({SCHEMA_VERSION}); rebuild it with `reuse index`"
            )
        try:
            params = IndexParams.from_json(meta["params"])
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexFileError(
                f"{path}: index parameters from another version of reuse ({exc}); "
                "rebuild it with `reuse index`"
            ) from None
        return cls(_connect(path), path, params)

    def close(self) -> None:
        self.conn.close()

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())

    @property
    def has_buckets(self) -> bool:
        return self.meta().get("buckets") == "1"

    # -- writing -----------------------------------------------------------

    def add(self, records: Sequence[DocRecord], replace: Iterable[str] = ()) -> list[Skipped]:
        """Store whole documents in one transaction; a duplicate id is skipped, not stored.

        The documents of the files in ``replace`` (changed since they were
        indexed) are removed in the same transaction, so a file is never
        missing from the index between its two versions. Bucket levels that
        overflow are merged afterwards, in transactions of their own.
        """
        skipped = self._add(records, replace)
        self._merge_levels()
        return skipped

    def _free_id(self, doc_id: str, source: str) -> str:
        """``ID#2``, ``ID#3``...: the first not taken by another file."""
        n = 2
        while True:
            candidate = f"{doc_id}#{n}"
            row = self.conn.execute("SELECT source FROM docs WHERE id = ?", (candidate,)).fetchone()
            if row is None or row[0] == source:
                return candidate
            n += 1

    def _add(self, records: Sequence[DocRecord], replace: Iterable[str]) -> list[Skipped]:
        skipped: list[Skipped] = []
        buckets = self.has_buckets
        # Bucket rows go in at the end, sorted: inserting in key order touches
        # each page of level 0 once, in order, instead of at random.
        pending: dict[int, np.ndarray] = {}
        with self.conn:
            for s in replace:
                self._delete_where("source = ?", (s,), pending)
            for r in records:
                old = self.conn.execute("SELECT source FROM docs WHERE id = ?", (r.id,)).fetchone()
                if old is not None and old[0] != r.source:
                    # Two files with one id (two folders holding a.txt): no readable
                    # document may be lost, so the later one gets a derived id.
                    first = old[0]
                    r = dataclasses.replace(r, id=self._free_id(r.id, r.source))
                    skipped.append(
                        Skipped(
                            r.source, f"id already used by {first}; indexed as {r.id}", kept=True
                        )
                    )
                    old = self.conn.execute(
                        "SELECT source FROM docs WHERE id = ?", (r.id,)
                    ).fetchone()
                if old is not None:
                    self._delete_where("id = ?", (r.id,), pending)
                cur = self.conn.execute(
                    "INSERT INTO docs (id, source, size, mtime_ns, sha1, chars, encoding, metadata,"
                    " text, keys) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        r.id,
                        r.source,
                        r.size,
                        r.mtime_ns,
                        r.sha1,
                        r.chars,
                        r.encoding,
                        json.dumps(r.metadata, ensure_ascii=False),
                        r.text_blob,
                        r.keys.astype("<u8").tobytes(),
                    ),
                )
                if buckets:
                    pending[cur.lastrowid] = r.keys.view(np.int64)
            if pending:
                keys = np.concatenate(list(pending.values()))
                docs = np.repeat(np.fromiter(pending, np.int64), [len(k) for k in pending.values()])
                order = np.lexsort((docs, keys))
                keys, docs = keys[order], docs[order]
                for lo in range(0, len(keys), 65_536):  # as Python ints a slice at a time
                    hi = lo + 65_536
                    self.conn.executemany(
                        "INSERT INTO buckets_0 VALUES (?, ?)",
                        zip(keys[lo:hi].tolist(), docs[lo:hi].tolist(), strict=True),
                    )
        return skipped

    def _merge_levels(self) -> None:
        """Merge each overfull bucket level into the next, one transaction per merge.

        A merge killed halfway is rolled back whole: the rows are in one
        level or the other, and the documents committed before it stay.
        """
        cap = _LEVEL0_ROWS
        for i in range(_LEVELS - 1):
            (rows,) = self.conn.execute(f"SELECT COUNT(*) FROM buckets_{i}").fetchone()
            if rows <= cap:
                return
            with self.conn:
                self.conn.execute(
                    f"INSERT INTO buckets_{i + 1} "
                    f"SELECT key, doc FROM buckets_{i} ORDER BY key, doc"
                )
                self.conn.execute(f"DELETE FROM buckets_{i}")
            cap *= _LEVEL_RATIO

    def _delete_where(
        self, where: str, args: tuple, pending: dict[int, np.ndarray] | None = None
    ) -> int:
        """Delete documents and their bucket rows, found by the keys each row holds."""
        rows = self.conn.execute(f"SELECT n, keys FROM docs WHERE {where}", args).fetchall()
        for n, blob in rows:
            if pending is not None:
                pending.pop(n, None)  # added earlier in this transaction: rows not written yet
            keys = np.frombuffer(blob, dtype="<i8").tolist()
            for i in range(_LEVELS):  # merges may have moved them to any level
                self.conn.executemany(
                    f"DELETE FROM buckets_{i} WHERE key = ? AND doc = ?", ((k, n) for k in keys)
                )
            self.conn.execute("DELETE FROM docs WHERE n = ?", (n,))
        return len(rows)

    def remove_sources(self, sources: Iterable[str]) -> int:
        removed = 0
        with self.conn:
            for s in sources:
                removed += self._delete_where("source = ?", (s,))
        return removed

    def touch(self) -> None:
        with self.conn:
            self.conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'updated'",
                (time.strftime("%Y-%m-%dT%H:%M:%S%z"),),
            )

    # -- reading -----------------------------------------------------------

    def sources(self) -> dict[str, tuple[int, int]]:
        """Indexed file path -> (size, mtime_ns)."""
        return {
            s: (size, mt)
            for s, size, mt in self.conn.execute("SELECT source, size, mtime_ns FROM docs")
        }

    def documents(self) -> list[DocInfo]:
        rows = self.conn.execute("SELECT n, id, chars, metadata FROM docs ORDER BY id")
        return [DocInfo(n, i, c, json.loads(m)) for n, i, c, m in rows]

    def text(self, n: int) -> str:
        row = self.conn.execute("SELECT text FROM docs WHERE n = ?", (n,)).fetchone()
        if row is None:
            raise KeyError(n)
        return _decode_text(row[0])

    def all_keys(self, part: int = 0, parts: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Every (band key, document number), streamed from the rows' blobs.

        With ``parts`` > 1, only the keys whose value is ``part`` modulo
        ``parts``: whole buckets, so a large index can be paired in parts
        without holding all its keys at once.
        """
        keys: list[np.ndarray] = []
        docs: list[np.ndarray] = []
        for n, blob in self.conn.execute("SELECT n, keys FROM docs"):
            k = np.frombuffer(blob, dtype="<u8")
            if parts > 1:
                k = k[k % np.uint64(parts) == part]
            keys.append(k)
            docs.append(np.full(len(k), n, dtype=np.int32))
        if not keys:
            return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
        return np.concatenate(keys), np.concatenate(docs)

    def key_count(self) -> int:
        """Band keys stored, over all documents."""
        sql = "SELECT COALESCE(SUM(LENGTH(keys)), 0) / 8 FROM docs"
        return int(self.conn.execute(sql).fetchone()[0])

    def stats(self) -> dict[str, Any]:
        n_docs, chars = self.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(chars), 0) FROM docs"
        ).fetchone()
        meta = self.meta()
        return {
            "path": str(self.path),
            "documents": n_docs,
            "characters": chars,
            "bytes": sum(
                p.stat().st_size
                for p in (self.path, self.path.with_name(self.path.name + "-wal"))
                if p.exists()
            ),
            "created": meta.get("created"),
            "updated": meta.get("updated"),
            "version": meta.get("version"),
            "params": json.loads(meta["params"]),
        }


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=_BUSY_SECONDS)
    conn.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed
    # process loses nothing committed, a power cut at most the last commits.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
    conn.execute(f"PRAGMA journal_size_limit={_WAL_LIMIT}")
    return conn


def _probe(path: Path, sql: str) -> list[tuple]:
    """Rows of one query on a read-only connection, which changes nothing on disk."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=_BUSY_SECONDS)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _blank(path: Path) -> bool:
    """No file, or an SQLite file without tables: nothing there to keep or refuse."""
    if not path.exists():
        return True
    try:
        # Not the file's size: a killed run's commits may all be in the -wal file.
        return not _probe(path, "SELECT 1 FROM sqlite_master")
    except sqlite3.Error:
        return False  # not a database: Index.open says so


def _initialise(conn: sqlite3.Connection, params: IndexParams, buckets: bool) -> bool:
    """Create the tables and meta rows in one transaction; False if they already exist.

    One transaction, so a first run killed before its commit leaves a file
    without tables, which the next run initialises, never one with tables
    and no parameters.
    """
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    conn.isolation_level = None  # explicit BEGIN: DDL must be inside the transaction
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("SELECT 1 FROM sqlite_master").fetchone():
                conn.execute("ROLLBACK")
                return False
            for stmt in _SCHEMA:
                conn.execute(stmt)
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("schema", str(SCHEMA_VERSION)),
                    ("version", __version__),
                    ("params", params.to_json()),
                    ("buckets", "1" if buckets else "0"),
                    ("created", now),
                    ("updated", now),
                ],
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.isolation_level = ""
    return True


def build(
    index: Index,
    paths: Sequence[str | Path],
    workers: int = 2,
    on_progress: Callable[[int, int], None] | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
    nice: int = 0,
) -> BuildStats:
    """Bring ``index`` up to date with the files under ``paths``.

    Unchanged files (same size and modification time) are not read again;
    changed ones are replaced; indexed files no longer under ``paths`` are
    removed. ``on_progress(done_bytes, total_bytes)`` drives a progress bar.
    Worker processes run at ``nice`` (added to this process's niceness).

    Ctrl-C raises ``BuildInterrupted`` (a ``KeyboardInterrupt``) after the
    workers have stopped; files committed so far stay, and the next build
    reads only the rest.
    """
    stats = BuildStats()

    def skip(s: Skipped) -> None:
        stats.skipped.append(s)
        if on_skip:
            on_skip(s)

    # A statement runs in SQLite's C code, where Python cannot raise
    # KeyboardInterrupt; a merge of bucket levels can take seconds. Calling
    # back into Python now and then lets Ctrl-C abort the statement
    # (SQLITE_INTERRUPT), and its transaction is rolled back.
    index.conn.set_progress_handler(_let_signals_in, 100_000)
    try:
        _build(index, paths, workers, stats, skip, on_progress, nice)
    except KeyboardInterrupt:
        raise BuildInterrupted(stats) from None
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode == sqlite3.SQLITE_INTERRUPT:
            raise BuildInterrupted(stats) from None
        # Disk full, locked by another writer past the wait, ...
        raise IndexFileError(f"{index.path}: cannot write the index ({exc})") from None
    finally:
        index.conn.set_progress_handler(None, 0)
    return stats


def _let_signals_in() -> int:
    """SQLite progress handler: 0 lets the statement go on, a pending Ctrl-C stops it."""
    return 0


def _build(
    index: Index,
    paths: Sequence[str | Path],
    workers: int,
    stats: BuildStats,
    skip: Callable[[Skipped], None],
    on_progress: Callable[[int, int], None] | None,
    nice: int,
) -> None:
    # Indexed files not found again are left in ``unseen``; files found that
    # were indexed in another version go to ``changed``.
    unseen = index.sources()
    todo: list[SourceFile] = []
    # Resolving a path is a system call a component: once a file, not per use.
    keys: dict[Path, str] = {}
    changed: set[str] = set()
    found = unchanged = 0
    for item in discover(paths):
        if isinstance(item, Skipped):
            skip(item)
            continue
        key = _key(item)
        found += 1
        was = unseen.pop(key, None)
        if was == (item.size, item.mtime_ns):
            unchanged += 1
            continue
        todo.append(item)
        keys[item.path] = key
        if was is not None:
            changed.add(key)
    # Set once the listing is complete: an interruption before says 0 files.
    stats.files, stats.unchanged, stats.files_done = found, unchanged, unchanged
    # Gone means no longer there under a path given now; files indexed from
    # other folders in earlier runs stay.
    roots = [str(Path(p).resolve()) for p in paths]
    stats.removed = index.remove_sources(s for s in unseen if any(_under(s, r) for r in roots))
    del unseen
    total = sum(s.size for s in todo)
    done = 0
    # Results waiting for the next commit: bounded by _COMMIT_CHARS of input.
    recs: list[DocRecord] = []
    files: list[str] = []
    size = 0
    last = time.monotonic()

    def commit() -> None:
        nonlocal recs, files, size, last
        # Ctrl-C waits for the commit and the count of what it stored, so the
        # message says exactly how far the run got; a merge can be interrupted.
        with _ctrl_c_deferred():
            # A changed file's old documents go in the transaction that adds its
            # new ones: a jsonl file may have lost lines, and ids would not say which.
            dups = index._add(recs, replace=[f for f in files if f in changed])
            stats.added += len(recs) - sum(not d.kept for d in dups)
            stats.files_done += len(files)
        index._merge_levels()
        for s in dups:
            skip(s)
        recs, files, size, last = [], [], 0, time.monotonic()

    # A throwaway index (no bucket table) lives for one scan: its texts stay uncompressed.
    work = _run(_batches(todo), index.params, workers, nice, compress=index.has_buckets)
    with closing(work) as results:
        for batch, items in results:
            for item in items:
                if isinstance(item, Skipped):
                    skip(item)
                else:
                    recs.append(item)
            files.extend(keys[s.path] for s in batch)
            batch_size = sum(s.size for s in batch)
            size += batch_size
            done += batch_size
            if size >= _COMMIT_CHARS or time.monotonic() - last >= _COMMIT_SECONDS:
                commit()
            if on_progress:
                on_progress(done, total)
    if files:
        commit()
    index.touch()


@contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """Hold a Ctrl-C that arrives inside the block until the block is done.

    Only where Python's own handler is installed, and in the main thread,
    which alone may change handlers; elsewhere the block runs as is.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _key(src: SourceFile) -> str:
    return str(src.path.resolve())


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _worker_init(nice: int, stop: Any = None) -> None:
    """Set up a worker: the parent alone answers Ctrl-C, and no worker outlives it."""
    global _STOP
    # Ctrl-C reaches the whole process group; the parent stops the workers
    # through ``stop``, and a worker's KeyboardInterrupt would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STOP = stop
    if nice:
        with suppress(OSError):  # not permitted here: run at the parent's priority
            os.nice(nice)
    parent = os.getppid()

    def watch() -> None:
        # A parent killed outright (SIGKILL) cannot stop its workers, and a
        # worker waiting for its next task would wait forever.
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _run(
    batches: Iterator[list[SourceFile]],
    params: IndexParams,
    workers: int,
    nice: int = 0,
    compress: bool = True,
) -> Iterator[tuple[list[SourceFile], list[DocRecord | Skipped]]]:
    """Process batches in worker processes, in order, a bounded number in flight."""
    if workers <= 1:
        for b in batches:
            yield b, process_sources(b, params, compress)
        return
    ctx = get_context("fork")
    stop = ctx.Event()
    pool = ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_worker_init, initargs=(nice, stop)
    )
    try:
        pending: list[tuple[list[SourceFile], Any]] = []
        for b in batches:
            pending.append((b, pool.submit(process_sources, b, params, compress)))
            if len(pending) >= 2 * workers:
                first, fut = pending.pop(0)
                yield first, fut.result()
        for b, fut in pending:
            yield b, fut.result()
    except BaseException:
        # Ctrl-C, an error, or the consumer stopping (GeneratorExit): the
        # results in flight will not be stored, so the running tasks return at
        # their next file; a niced worker on a busy machine may take seconds
        # to finish a batch. Not killed: a worker killed while sending its
        # result leaves half a message in the pipe, and the pool waits forever.
        stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------- consistency


def _mix(keys: np.ndarray, docs: np.ndarray) -> int:
    """Order-free fingerprint of (key, doc) pairs: a sum of mixed 64-bit words."""
    k = keys.astype(np.uint64, copy=False)
    d = docs.astype(np.uint64, copy=False)
    h = (k ^ (d * np.uint64(0x9E3779B97F4A7C15))) * np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(31)
    return int(h.sum(dtype=np.uint64))


def consistency(index: Index, texts: bool = True) -> list[str]:
    """What is wrong with ``index``, one line each; an empty list means consistent.

    Checks SQLite's own structure (``quick_check``), the meta rows, every
    document's row (text decompresses to its hash and length when ``texts``)
    and that the bucket table holds exactly the documents' band keys: no row
    missing, none of a document that is gone.
    """
    conn = index.conn
    problems = [f"sqlite: {r}" for (r,) in conn.execute("PRAGMA quick_check") if r != "ok"]
    meta = index.meta()
    for k in ("schema", "version", "params", "buckets", "created", "updated"):
        if k not in meta:
            problems.append(f"meta: no {k!r} row")
    if meta.get("schema") != str(SCHEMA_VERSION):
        problems.append(f"meta: schema {meta.get('schema')!r}, expected {SCHEMA_VERSION}")
    counts: dict[int, int] = {}
    expected = 0
    mask = (1 << 64) - 1
    rows = conn.execute("SELECT n, id, sha1, chars, metadata, text, keys FROM docs")
    for n, doc_id, sha1, chars, metadata, blob, keys in rows:
        if len(keys) % 8:
            problems.append(f"doc {doc_id}: keys blob of {len(keys)} bytes")
            continue
        k = np.frombuffer(keys, dtype="<u8")
        counts[n] = len(k)
        expected = (expected + _mix(k, np.full(len(k), n, dtype=np.int64))) & mask
        try:
            json.loads(metadata)
            if texts:
                raw = _text_bytes(blob)
                if hashlib.sha1(raw).hexdigest() != sha1:
                    problems.append(f"doc {doc_id}: text does not match its hash")
                elif len(raw.decode("utf-8", "surrogatepass")) != chars:
                    problems.append(f"doc {doc_id}: text is not {chars} characters")
        except (ValueError, zlib.error) as exc:
            problems.append(f"doc {doc_id}: {exc}")
    found: dict[int, int] = {}
    stored = 0
    cur = conn.execute("SELECT key, doc FROM buckets")
    while chunk := cur.fetchmany(200_000):
        arr = np.array(chunk, dtype=np.int64)
        stored = (stored + _mix(arr[:, 0], arr[:, 1])) & mask
        ns, c = np.unique(arr[:, 1], return_counts=True)
        for n, m in zip(ns.tolist(), c.tolist(), strict=True):
            found[n] = found.get(n, 0) + m
    if meta.get("buckets") == "1":
        orphans = sorted(set(found) - set(counts))
        if orphans:
            problems.append(f"buckets: rows of {len(orphans)} absent documents (n={orphans[:5]})")
        short = [n for n, c in counts.items() if found.get(n, 0) != c]
        if short:
            problems.append(f"buckets: {len(short)} documents without exactly their keys")
        if not orphans and not short and stored != expected:
            problems.append("buckets: rows differ from the documents' keys")
    elif found:
        problems.append(f"buckets: {sum(found.values())} rows in an index built without buckets")
    return problems
