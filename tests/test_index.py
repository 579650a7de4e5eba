"""Tests for reuse.index: the SQLite store, incremental builds, and refusing bad files.

Every fixture is written here, in tmp_path, so the expected text of each document is known
independently of the project's reader: a UTF-8 file, a CRLF file, a GB18030 file and a file
with a byte-order mark. Two of them share a 100-character paragraph.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

import reuse.index
from reuse.corpus import SourceFile, discover
from reuse.index import (
    SCHEMA_VERSION,
    BuildInterrupted,
    DocRecord,
    Index,
    IndexFileError,
    IndexParams,
    build,
    consistency,
    process_sources,
)
from reuse.model import Skipped

SHARED = (
    "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实党的二十大精神，完整准确全面贯彻新发展理念，"
    "加快构建新发展格局，着力推动高质量发展，统筹发展和安全，切实保障和改善民生，保持社会大局和谐稳定。"
)
assert len(SHARED) == 100

# id -> (text as the file holds it, encoding used to write it)
DOCS: dict[str, tuple[str, str]] = {
    "a.txt": (
        "市政府召开常务会议，研究部署下半年重点工作。会议强调，要抓好重大项目建设，持续优化营商环境。\n"
        + SHARED
        + "\n会议还研究了其他事项。\n",
        "utf-8",
    ),
    "b.txt": (
        "县委理论学习中心组举行专题学习会。\r\n与会同志结合分管工作作了交流发言。\r\n"
        + SHARED
        + "\r\n会议要求，各级党组织要认真抓好贯彻落实，确保各项部署落地见效。\r\n",
        "utf-8",
    ),
    "c.txt": (
        "区人大常委会听取和审议了关于财政预算执行情况的报告。会议指出，要严格预算管理，"
        "提高财政资金使用效益，坚决兜牢基层“三保”底线。会议同意将报告提请大会审议。\n",
        "gb18030",
    ),
    "sub/d.md": (
        "街道办事处开展安全生产大检查，重点检查消防设施和燃气管道。检查组要求各单位压实主体责任，"
        "建立隐患台账，实行销号管理，及时消除各类安全隐患。\n",
        "utf-8-sig",
    ),
}


def write_corpus(root: Path) -> Path:
    for doc_id, (text, encoding) in DOCS.items():
        path = root / doc_id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding))  # bytes, so CRLF is written as given
    return root


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


def built(tmp_path: Path, corpus: Path, buckets: bool = True, workers: int = 1) -> Index:
    index = Index.create(tmp_path / "index.db", IndexParams(), buckets=buckets)
    build(index, [corpus], workers=workers)
    return index


def ids_to_n(index: Index) -> dict[str, int]:
    return {d.id: d.n for d in index.documents()}


def bucket_rows(index: Index) -> int:
    return index.conn.execute("SELECT COUNT(*) FROM buckets").fetchone()[0]


def bump_mtime(path: Path) -> None:
    """Move the modification time clearly forward: same-tick rewrites must not hide a change."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


# --------------------------------------------------------------------------- create and build


@pytest.mark.parametrize("workers", [1, 2])
def test_build_indexes_every_document(tmp_path: Path, corpus: Path, workers: int) -> None:
    index = Index.create(tmp_path / "index.db", IndexParams())
    stats = build(index, [corpus], workers=workers)
    try:
        assert (stats.added, stats.unchanged, stats.removed, stats.skipped) == (4, 0, 0, [])
        docs = index.documents()
        assert [d.id for d in docs] == sorted(DOCS)
        assert {d.id: d.chars for d in docs} == {i: len(t) for i, (t, _) in DOCS.items()}
        keys, owners = index.all_keys()
        assert len(keys) == len(owners) == index.key_count() > 0
        assert set(owners.tolist()) == {d.n for d in docs}
        parts = [index.all_keys(p, 3) for p in range(3)]
        assert sorted(np.concatenate([k for k, _ in parts]).tolist()) == sorted(keys.tolist())
        assert all((k % np.uint64(3) == p).all() for p, (k, _) in enumerate(parts))
    finally:
        index.close()


def test_stats_fields(tmp_path: Path, corpus: Path) -> None:
    index = built(tmp_path, corpus)
    try:
        stats = index.stats()
        assert stats["documents"] == 4
        assert stats["characters"] == sum(len(t) for t, _ in DOCS.values())
        assert isinstance(stats["bytes"], int) and stats["bytes"] > 0
        datetime.strptime(stats["created"], "%Y-%m-%dT%H:%M:%S%z")  # raises if malformed
        assert stats["params"] == json.loads(IndexParams().to_json())
        assert IndexParams.from_json(json.dumps(stats["params"])) == IndexParams()
    finally:
        index.close()


def test_stats_bytes_is_what_the_index_takes_on_disk(tmp_path: Path, corpus: Path) -> None:
    """In WAL mode fresh writes sit in ``index.db-wal``; a size that ignores them says 4 KB."""
    index = built(tmp_path, corpus)
    try:
        reported = index.stats()["bytes"]
        wal = index.path.with_name(index.path.name + "-wal")
        on_disk = index.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        assert reported >= on_disk
    finally:
        index.close()


@pytest.mark.parametrize("buckets", [True, False], ids=["persistent", "throwaway"])
def test_text_is_the_exact_decoded_original(tmp_path: Path, corpus: Path, buckets: bool) -> None:
    built(tmp_path, corpus, buckets=buckets).close()
    index = Index.open(tmp_path / "index.db")  # read back from disk, not from a live connection
    try:
        # A persistent index compresses its texts; a scan's throwaway one stores them as they are.
        blobs = [b for (b,) in index.conn.execute("SELECT text FROM docs")]
        assert all(b.startswith(b"\x00") != buckets for b in blobs)
        assert consistency(index) == []
        for doc in index.documents():
            expected, _ = DOCS[doc.id]
            assert index.text(doc.n) == expected
        texts = {d.id: index.text(d.n) for d in index.documents()}
        assert texts["b.txt"].count("\r\n") == 4
        assert not texts["sub/d.md"].startswith("\ufeff")
        with pytest.raises(KeyError):
            index.text(10_000)
    finally:
        index.close()


# --------------------------------------------------------------------------- incremental builds


def test_rebuild_without_changes_adds_nothing(tmp_path: Path, corpus: Path) -> None:
    index = built(tmp_path, corpus)
    try:
        before = ids_to_n(index)
        rows = bucket_rows(index)
        stats = build(index, [corpus], workers=1)
        assert (stats.added, stats.unchanged, stats.removed, stats.skipped) == (0, 4, 0, [])
        assert ids_to_n(index) == before  # rows were not rewritten
        assert bucket_rows(index) == rows
    finally:
        index.close()


def test_modified_file_is_reindexed_alone(tmp_path: Path, corpus: Path) -> None:
    index = built(tmp_path, corpus)
    try:
        before = ids_to_n(index)
        path = corpus / "a.txt"
        new_text = DOCS["a.txt"][0] + "会议强调，要以钉钉子精神抓好各项工作落实。\n"
        path.write_bytes(new_text.encode("utf-8"))
        bump_mtime(path)
        stats = build(index, [corpus], workers=1)
        assert (stats.added, stats.unchanged, stats.removed) == (1, 3, 0)
        after = ids_to_n(index)
        assert set(after) == set(DOCS)
        assert index.text(after["a.txt"]) == new_text
        assert {k: v for k, v in after.items() if k != "a.txt"} == {
            k: v for k, v in before.items() if k != "a.txt"
        }
    finally:
        index.close()


def test_touched_file_is_reindexed_alone(tmp_path: Path, corpus: Path) -> None:
    index = built(tmp_path, corpus)
    try:
        rows = bucket_rows(index)
        bump_mtime(corpus / "c.txt")
        stats = build(index, [corpus], workers=1)
        assert (stats.added, stats.unchanged, stats.removed) == (1, 3, 0)
        assert len(index.documents()) == 4
        assert bucket_rows(index) == rows  # the old row's buckets went with it
    finally:
        index.close()


def test_deleted_file_is_removed_with_its_buckets(tmp_path: Path, corpus: Path) -> None:
    index = built(tmp_path, corpus)
    try:
        gone = ids_to_n(index)["c.txt"]
        (corpus / "c.txt").unlink()
        stats = build(index, [corpus], workers=1)
        assert (stats.added, stats.unchanged, stats.removed) == (0, 3, 1)
        assert [d.id for d in index.documents()] == ["a.txt", "b.txt", "sub/d.md"]
        orphans = index.conn.execute("SELECT COUNT(*) FROM buckets WHERE doc = ?", (gone,))
        assert orphans.fetchone()[0] == 0
        assert index.stats()["documents"] == 3
    finally:
        index.close()


# --------------------------------------------------------------------------- buckets


def test_buckets_hold_every_band_key_of_a_persistent_index(tmp_path: Path, corpus: Path) -> None:
    index = built(tmp_path, corpus, buckets=True)
    try:
        assert index.has_buckets
        keys, owners = index.all_keys()
        expected = set(zip(keys.view(np.int64).tolist(), owners.tolist(), strict=True))
        stored = set(index.conn.execute("SELECT key, doc FROM buckets").fetchall())
        assert len(expected) > 0
        assert stored == expected
        assert bucket_rows(index) == len(keys)  # one row per (key, document), no duplicates
    finally:
        index.close()


def test_no_buckets_for_a_throwaway_index(tmp_path: Path, corpus: Path) -> None:
    index = built(tmp_path, corpus, buckets=False)
    try:
        assert not index.has_buckets
        assert len(index.documents()) == 4
        assert len(index.all_keys()[0]) > 0  # the scan still has the keys, in the rows
        assert bucket_rows(index) == 0
    finally:
        index.close()


# --------------------------------------------------------------------------- refusing files


def test_create_refuses_an_index_built_with_other_params(tmp_path: Path, corpus: Path) -> None:
    built(tmp_path, corpus).close()
    path = tmp_path / "index.db"
    with pytest.raises(IndexFileError) as caught:
        Index.create(path, IndexParams(unit_min=20))
    message = str(caught.value)
    assert str(path) in message
    assert "different parameters" in message
    # Same parameters: the existing index is reopened, documents kept.
    index = Index.create(path, IndexParams())
    try:
        assert len(index.documents()) == 4
    finally:
        index.close()


def _random_bytes(path: Path) -> None:
    path.write_bytes(bytes((i * 97 + 13) % 256 for i in range(8192)))


def _sqlite_without_meta(path: Path) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('不是索引')")
    conn.close()


def _other_schema(path: Path) -> None:
    Index.create(path, IndexParams()).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA_VERSION + 1),))
    conn.close()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (None, "no such index file"),
        (_random_bytes, "not a reuse index"),
        (_sqlite_without_meta, "not a reuse index"),
        (_other_schema, str(SCHEMA_VERSION + 1)),
    ],
    ids=["missing", "random-bytes", "sqlite-without-meta", "other-schema"],
)
def test_open_refuses_unusable_files(tmp_path: Path, make, words: str) -> None:
    path = tmp_path / "x.db"
    if make is not None:
        make(path)
    # IndexFileError is not an sqlite3.Error: a raw database error would escape pytest.raises.
    with pytest.raises(IndexFileError) as caught:
        Index.open(path)
    assert str(path) in str(caught.value)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    "make",
    [_random_bytes, _sqlite_without_meta, lambda p: p.write_bytes(b"")],
    ids=["random-bytes", "foreign-sqlite", "empty-file"],
)
def test_failed_open_leaves_the_file_untouched(tmp_path: Path, make) -> None:
    """``scan --db`` pointed at the wrong file must not convert it to WAL or write a header."""
    path = tmp_path / "not-an-index.db"
    make(path)
    before = path.read_bytes()
    with pytest.raises(IndexFileError):
        Index.open(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


# --------------------------------------------------------------------------- interrupted writes


class _ExplodingKeys:
    """Stands in for a record's keys array; fails the moment ``Index.add`` serialises it."""

    def astype(self, *_args: object, **_kwargs: object) -> np.ndarray:
        raise RuntimeError("disk on fire")

    def view(self, *_args: object) -> np.ndarray:
        raise RuntimeError("disk on fire")


def _records(corpus: Path) -> list[DocRecord]:
    sources = [s for s in discover([corpus]) if isinstance(s, SourceFile)]
    recs = [r for r in process_sources(sources, IndexParams()) if isinstance(r, DocRecord)]
    assert len(recs) == 4
    return recs


def test_add_is_all_or_nothing(tmp_path: Path, corpus: Path) -> None:
    recs = _records(corpus)
    path = tmp_path / "index.db"
    index = Index.create(path, IndexParams())
    index.add(recs[:1])  # committed before the failing call
    broken = [recs[1], dataclasses.replace(recs[2], keys=_ExplodingKeys()), recs[3]]
    with pytest.raises(RuntimeError, match="disk on fire"):
        index.add(broken)
    index.close()

    index = Index.open(path)
    try:
        assert [d.id for d in index.documents()] == [recs[0].id]
        (n,) = [d.n for d in index.documents()]
        assert index.text(n) == DOCS[recs[0].id][0]
        docs_in_buckets = index.conn.execute("SELECT DISTINCT doc FROM buckets").fetchall()
        assert docs_in_buckets == [(n,)]
        # The same records go in cleanly once nothing fails.
        assert index.add(recs[1:]) == []
        assert len(index.documents()) == 4
    finally:
        index.close()


def test_interrupted_build_keeps_whole_documents_and_resumes(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reuse.index, "_BATCH_CHARS", 1)  # one file per batch
    monkeypatch.setattr(reuse.index, "_COMMIT_CHARS", 1)  # and per transaction
    calls = []

    def interrupt(_done: int, _total: int) -> None:
        calls.append(_done)
        if len(calls) == 2:  # after two files were committed
            raise KeyboardInterrupt

    path = tmp_path / "index.db"
    index = Index.create(path, IndexParams())
    with pytest.raises(BuildInterrupted) as caught:  # a KeyboardInterrupt, with how far it got
        build(index, [corpus], workers=1, on_progress=interrupt)
    assert isinstance(caught.value, KeyboardInterrupt)
    assert (caught.value.stats.files, caught.value.stats.files_done) == (4, 2)
    assert caught.value.stats.added == 2
    index.close()

    index = Index.open(path)
    try:
        assert consistency(index) == []
        stored = {d.id: index.text(d.n) for d in index.documents()}
        assert len(stored) == 2  # the interruption came before the end
        assert stored == {i: DOCS[i][0] for i in stored}  # whole documents only
        stats = build(index, [corpus], workers=1)
        assert (stats.added, stats.unchanged) == (len(DOCS) - len(stored), len(stored))
        assert {d.id: index.text(d.n) for d in index.documents()} == {
            i: t for i, (t, _) in DOCS.items()
        }
    finally:
        index.close()


# --------------------------------------------------------------------------- duplicate ids


def test_duplicate_id_across_two_paths_keeps_both(tmp_path: Path) -> None:
    first, second = tmp_path / "2023", tmp_path / "2024"
    for folder, text in ((first, DOCS["a.txt"][0]), (second, DOCS["b.txt"][0])):
        folder.mkdir()
        (folder / "report.txt").write_bytes(text.encode("utf-8"))
    index = Index.create(tmp_path / "index.db", IndexParams())
    try:
        stats = build(index, [first, second], workers=1)
        texts = {d.id: index.text(d.n) for d in index.documents()}
        # No readable document is lost: the first path keeps the id, the second gets a new one.
        assert texts == {"report.txt": DOCS["a.txt"][0], "report.txt#2": DOCS["b.txt"][0]}
        assert stats.added == 2
        (note,) = stats.skipped
        assert isinstance(note, Skipped) and note.kept
        assert note.path == str(second / "report.txt")
        assert "indexed as report.txt#2" in note.reason
        assert str(first / "report.txt") in note.reason

        again = build(index, [first, second], workers=1)
        assert again.added == 0  # nothing changed on disk, nothing new in the index
        assert sorted(d.id for d in index.documents()) == ["report.txt", "report.txt#2"]
        (second / "report.txt").write_bytes(DOCS["c.txt"][0].encode("utf-8"))
        changed = build(index, [first, second], workers=1)
        assert changed.added == 1
        texts = {d.id: index.text(d.n) for d in index.documents()}
        assert texts == {"report.txt": DOCS["a.txt"][0], "report.txt#2": DOCS["c.txt"][0]}
    finally:
        index.close()


def test_metadata_of_a_parent_folder_reaches_nested_documents(tmp_path: Path) -> None:
    root = tmp_path / "c"
    (root / "2019").mkdir(parents=True)
    text = "县委召开常委会议，传达学习全会精神，研究部署下一步工作。"
    (root / "2019" / "a.txt").write_text(text, "utf-8")
    (root / "metadata.jsonl").write_text('{"file": "2019/a.txt", "year": 2019}\n', "utf-8")
    index = Index.create(tmp_path / "m.db", IndexParams())
    try:
        build(index, [root], workers=1)
        (doc,) = index.documents()
        assert doc.id == "2019/a.txt"
        assert doc.metadata.get("year") == 2019
    finally:
        index.close()


# --------------------------------------------------------------------------- replacing and levels


def test_a_changed_file_is_replaced_in_one_transaction(tmp_path: Path, corpus: Path) -> None:
    """If storing a file's new version fails, its old version is still there, buckets and all."""
    index = built(tmp_path, corpus)
    try:
        old = {d.id: index.text(d.n) for d in index.documents()}
        (new,) = [r for r in _records(corpus) if r.id == "a.txt"]
        broken = dataclasses.replace(new, keys=_ExplodingKeys())
        with pytest.raises(RuntimeError, match="disk on fire"):
            index.add([broken], replace=[new.source])
        assert {d.id: index.text(d.n) for d in index.documents()} == old
        assert consistency(index) == []
        assert index.add([new], replace=[new.source]) == []
        assert {d.id for d in index.documents()} == set(DOCS)
        assert consistency(index) == []
    finally:
        index.close()


def test_bucket_levels_merge_and_deletes_reach_every_level(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reuse.index, "_BATCH_CHARS", 1)
    monkeypatch.setattr(reuse.index, "_COMMIT_CHARS", 1)  # one transaction per file
    # Levels of 50, 150 and 450 rows: the files' 83, 103, 63 and 42 keys end up in three.
    monkeypatch.setattr(reuse.index, "_LEVEL0_ROWS", 50)
    monkeypatch.setattr(reuse.index, "_LEVEL_RATIO", 3)
    index = built(tmp_path, corpus)
    try:
        levels = [
            index.conn.execute(f"SELECT COUNT(*) FROM buckets_{i}").fetchone()[0]
            for i in range(reuse.index._LEVELS)
        ]
        assert sum(lv > 0 for lv in levels) == 3, levels
        keys, owners = index.all_keys()
        view = set(index.conn.execute("SELECT key, doc FROM buckets").fetchall())
        assert view == set(zip(keys.view(np.int64).tolist(), owners.tolist(), strict=True))
        assert consistency(index) == []
        (corpus / "a.txt").unlink()  # its rows were merged down: they must go too
        bump_mtime(corpus / "b.txt")
        stats = build(index, [corpus], workers=1)
        assert (stats.added, stats.removed) == (1, 1)
        assert consistency(index) == []
        assert bucket_rows(index) == len(index.all_keys()[0])
    finally:
        index.close()


def _drop_a_bucket_row(index: Index) -> None:
    index.conn.execute(
        "DELETE FROM buckets_0 WHERE (key, doc) = (SELECT key, doc FROM buckets_0 LIMIT 1)"
    )


def _sqlite_without_tables(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")  # what the first run's connection did first
    conn.close()


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (_drop_a_bucket_row, "without exactly their keys"),
        (
            lambda ix: ix.conn.execute("INSERT INTO buckets_1 VALUES (12345, 999)"),
            "absent documents",
        ),
        (
            lambda ix: ix.conn.execute(
                "UPDATE buckets_0 SET key = key + 1"
                " WHERE (key, doc) = (SELECT key, doc FROM buckets_0 LIMIT 1)"
            ),
            "rows differ",
        ),
        (
            lambda ix: ix.conn.execute("UPDATE docs SET sha1 = 'x' WHERE id = 'a.txt'"),
            "does not match its hash",
        ),
        (lambda ix: ix.conn.execute("DELETE FROM meta WHERE key = 'params'"), "'params'"),
    ],
    ids=["missing-row", "orphan-row", "wrong-key", "wrong-hash", "meta"],
)
def test_consistency_names_what_is_wrong(tmp_path: Path, corpus: Path, damage, words: str) -> None:
    index = built(tmp_path, corpus)
    try:
        assert consistency(index) == []
        with index.conn:
            damage(index)
        problems = consistency(index)
        assert len(problems) == 1, problems
        assert words in problems[0]
    finally:
        index.close()


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.write_bytes(b""),
        _sqlite_without_tables,
    ],
    ids=["empty-file", "sqlite-without-tables"],
)
def test_create_initialises_a_file_without_tables(tmp_path: Path, corpus: Path, make) -> None:
    """What a first run killed before its first commit leaves behind is not refused."""
    path = tmp_path / "index.db"
    make(path)
    index = Index.create(path, IndexParams())
    try:
        assert build(index, [corpus], workers=1).added == 4
        assert consistency(index) == []
    finally:
        index.close()


def test_index_check_command_reports_consistency(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reuse.cli import main

    db = tmp_path / "index.db"
    assert main(["index", str(corpus), "--db", str(db), "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["index", "--db", str(db), "--check"]) == 0
    assert f"{db}: consistent" in capsys.readouterr().out
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("INSERT INTO buckets_2 VALUES (1, 9999)")
    conn.close()
    assert main(["index", "--db", str(db), "--check"]) == 1
    out = capsys.readouterr().out
    assert "absent documents" in out and "consistent" not in out


def test_a_locked_index_is_one_line_error(tmp_path: Path, corpus: Path) -> None:
    """Another writer holding the lock past the wait: IndexFileError, not a raw sqlite error."""
    path = tmp_path / "index.db"
    index = Index.create(path, IndexParams())
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        index.conn.execute("PRAGMA busy_timeout = 50")
        with pytest.raises(IndexFileError, match="cannot write the index .*locked"):
            build(index, [corpus], workers=1)
    finally:
        other.execute("ROLLBACK")
        other.close()
        index.close()
