"""The on-disk index: documents, their text, MinHash band keys, buckets.

One SQLite file (stdlib ``sqlite3``, WAL journal). Each document row holds its
original text (zlib-compressed, so an index answers with exact offsets even
when the files have moved), the content hash that makes re-indexing skip
unchanged files, and its band keys as one blob. The ``buckets`` table maps a
band key to documents for queries that must not load the index whole (a
draft check); a throwaway index for a one-off scan leaves it out, because a
scan reads every document's keys anyway.

Writes happen in transactions of whole documents, so an interrupted run
leaves every document either fully indexed or absent, and the index opens.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from reuse import __version__
from reuse.corpus import MetadataIndex, SourceFile, discover, read_source
from reuse.lsh import LSHParams, MinHasher
from reuse.model import Document, Skipped
from reuse.normalize import normalize
from reuse.shingle import digit_codes, gram_hashes, unit_gram_index, units

# Bump when the tables change or when the same text would get other band keys
# (normalisation, shingling, hashing): an index from before cannot answer a
# query made with the new keys, and is refused rather than silently wrong.
SCHEMA_VERSION = 1
_BATCH_CHARS = 400_000


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
    return np.unique(hasher.band_keys(sigs).ravel())


def record(doc: Document, src: SourceFile, params: IndexParams, hasher: MinHasher) -> DocRecord:
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
        text_blob=zlib.compress(raw, 1),
        keys=band_keys(doc.text, params, hasher),
    )


# One per worker process: each metadata.jsonl is read once, and a folder's
# file may describe documents in its subfolders, as iter_documents sees them.
_METADATA = MetadataIndex()


@lru_cache(maxsize=4)
def _hasher(params: IndexParams) -> MinHasher:
    return MinHasher(params.lsh)


def process_sources(
    sources: Sequence[SourceFile], params: IndexParams
) -> list[DocRecord | Skipped]:
    """Read, normalise and hash a batch of files; runs in a worker process."""
    hasher = _hasher(params)
    out: list[DocRecord | Skipped] = []
    for src in sources:
        meta = _METADATA.record_for(src)
        for item in read_source(src, {src.id: meta} if meta else None):
            if isinstance(item, Skipped):
                out.append(item)
                continue
            try:
                out.append(record(item, src, params, hasher))
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


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
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
);
CREATE INDEX IF NOT EXISTS docs_source ON docs(source);
CREATE TABLE IF NOT EXISTS buckets (key INTEGER NOT NULL, doc INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS buckets_key ON buckets(key);
"""


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


class Index:
    """An open index file. Use ``Index.open`` (existing) or ``Index.create``."""

    def __init__(self, conn: sqlite3.Connection, path: Path, params: IndexParams) -> None:
        self.conn = conn
        self.path = path
        self.params = params

    @classmethod
    def create(cls, path: Path, params: IndexParams, buckets: bool = True) -> Index:
        """Open ``path`` for writing, creating it if needed; refuses other parameters."""
        if path.exists():
            idx = cls.open(path)
            if idx.params != params:
                idx.close()
                raise IndexFileError(
                    f"{path}: index was built with different parameters; "
                    "use a new --db file or rebuild it"
                )
            return idx
        now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        try:
            conn = _connect(path)
            conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise IndexFileError(f"{path}: cannot create index ({exc})") from None
        with conn:
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
        return cls(conn, path, params)

    @classmethod
    def open(cls, path: Path) -> Index:
        if not path.is_file():
            raise IndexFileError(f"{path}: no such index file")
        # Look read-only first: opening someone else's database for writing
        # would switch it to WAL and leave files beside it.
        try:
            probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                meta = dict(probe.execute("SELECT key, value FROM meta").fetchall())
            finally:
                probe.close()
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

    def add(self, records: Sequence[DocRecord]) -> list[Skipped]:
        """Store whole documents in one transaction; a duplicate id is skipped, not stored."""
        skipped: list[Skipped] = []
        buckets = self.has_buckets
        with self.conn:
            for r in records:
                old = self.conn.execute("SELECT source FROM docs WHERE id = ?", (r.id,)).fetchone()
                if old is not None and old[0] != r.source:
                    skipped.append(
                        Skipped(r.source, f"duplicate id {r.id} (first seen in {old[0]})")
                    )
                    continue
                if old is not None:
                    self._delete_where("id = ?", (r.id,))
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
                    n = cur.lastrowid
                    self.conn.executemany(
                        "INSERT INTO buckets VALUES (?, ?)",
                        ((int(k), n) for k in r.keys.view(np.int64)),
                    )
        return skipped

    def _delete_where(self, where: str, args: tuple) -> int:
        ns = [n for (n,) in self.conn.execute(f"SELECT n FROM docs WHERE {where}", args)]
        for n in ns:
            self.conn.execute("DELETE FROM buckets WHERE doc = ?", (n,))
            self.conn.execute("DELETE FROM docs WHERE n = ?", (n,))
        return len(ns)

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
        return zlib.decompress(row[0]).decode("utf-8", "surrogatepass")

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
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def build(
    index: Index,
    paths: Sequence[str | Path],
    workers: int = 2,
    on_progress: Callable[[int, int], None] | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
) -> BuildStats:
    """Bring ``index`` up to date with the files under ``paths``.

    Unchanged files (same size and modification time) are not read again;
    changed ones are replaced; indexed files no longer under ``paths`` are
    removed. ``on_progress(done_bytes, total_bytes)`` drives a progress bar.
    """
    stats = BuildStats()

    def skip(s: Skipped) -> None:
        stats.skipped.append(s)
        if on_skip:
            on_skip(s)

    known = index.sources()
    todo: list[SourceFile] = []
    seen: set[str] = set()
    for item in discover(paths):
        if isinstance(item, Skipped):
            skip(item)
            continue
        key = _key(item)
        seen.add(key)
        if known.get(key) == (item.size, item.mtime_ns):
            stats.unchanged += 1
        else:
            todo.append(item)
    # Gone means no longer there under a path given now; files indexed from
    # other folders in earlier runs stay.
    roots = [str(Path(p).resolve()) for p in paths]
    stats.removed = index.remove_sources(
        s for s in known if s not in seen and any(_under(s, r) for r in roots)
    )
    # A changed file's documents go before its new ones arrive: a jsonl file
    # may have lost lines, and ids alone would not say which.
    index.remove_sources(_key(s) for s in todo if _key(s) in known)
    total = sum(s.size for s in todo)
    done = 0
    for batch, results in _run(_batches(todo), index.params, workers):
        for item in results:
            if isinstance(item, Skipped):
                skip(item)
        recs = [r for r in results if isinstance(r, DocRecord)]
        dups = index.add(recs)
        for s in dups:
            skip(s)
        stats.added += len(recs) - len(dups)
        done += sum(s.size for s in batch)
        if on_progress:
            on_progress(done, total)
    index.touch()
    return stats


def _key(src: SourceFile) -> str:
    return str(src.path.resolve())


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _run(
    batches: Iterator[list[SourceFile]], params: IndexParams, workers: int
) -> Iterator[tuple[list[SourceFile], list[DocRecord | Skipped]]]:
    """Process batches in worker processes, in order, a bounded number in flight."""
    if workers <= 1:
        for b in batches:
            yield b, process_sources(b, params)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        pending: list[tuple[list[SourceFile], Any]] = []
        for b in batches:
            pending.append((b, pool.submit(process_sources, b, params)))
            if len(pending) >= 2 * workers:
                first, fut = pending.pop(0)
                yield first, fut.result()
        for b, fut in pending:
            yield b, fut.result()
