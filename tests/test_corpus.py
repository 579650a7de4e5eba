"""Tests for reuse.corpus: every fixture is generated here, in tmp_path."""

from __future__ import annotations

import json
import os
import random
import threading
from pathlib import Path

import pytest

from reuse import corpus
from reuse.corpus import (
    DecodeFailure,
    InputError,
    SourceFile,
    decode_bytes,
    discover,
    iter_documents,
    load_metadata,
    read_source,
)
from reuse.model import Document, Skipped

SHARED = Path(__file__).resolve().parents[2] / "shared"

CHINESE = "坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，加快构建新发展格局。"
MARKER = "MARK"


def scan(*paths: Path | str) -> tuple[dict[str, Document], list[Skipped]]:
    skips: list[Skipped] = []
    docs = {d.id: d for d in iter_documents(list(paths), skips.append)}
    return docs, skips


def reason_for(skips: list[Skipped], path_end: str) -> str:
    found = [s.reason for s in skips if s.path.endswith(path_end)]
    assert len(found) == 1, (path_end, skips)
    return found[0]


def offset_from_bytes(raw: bytes, marker: bytes, encoding: str, bom_len: int) -> int:
    """Code-point offset of ``marker`` computed from the raw bytes alone."""
    return len(raw[bom_len : raw.index(marker)].decode(encoding))


# ------------------------------------------------------------------ encodings and offsets


@pytest.mark.parametrize(
    ("encoding", "bom", "expected_name", "bom_len", "plain_codec"),
    [
        ("utf-8", b"", "utf-8", 0, "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig", 3, "utf-8"),
        ("gb18030", b"", "gb18030", 0, "gb18030"),
        ("utf-16-le", b"\xff\xfe", "utf-16", 2, "utf-16-le"),
        ("utf-16-be", b"\xfe\xff", "utf-16", 2, "utf-16-be"),
        ("utf-32-le", b"\xff\xfe\x00\x00", "utf-32", 4, "utf-32-le"),
    ],
)
def test_encodings_decode_with_crlf_and_offsets(
    tmp_path: Path, encoding: str, bom: bytes, expected_name: str, bom_len: int, plain_codec: str
) -> None:
    text = f"第一行{CHINESE}\r\n第二行\r\n\r\n老式换行\r第三行 {MARKER}结束\n"
    raw = bom + text.encode(encoding)
    (tmp_path / "doc.txt").write_bytes(raw)

    docs, skips = scan(tmp_path)

    assert skips == []
    doc = docs["doc.txt"]
    assert doc.encoding == expected_name
    assert doc.text == text  # BOM gone, CRLF and lone CR kept
    assert "\ufeff" not in doc.text
    assert doc.text.count("\r\n") == 3
    marker_bytes = MARKER.encode(encoding)
    assert doc.text.index(MARKER) == offset_from_bytes(raw, marker_bytes, plain_codec, bom_len)
    # The reported name reproduces the text from the raw bytes.
    assert raw.decode(expected_name) == doc.text


def test_decode_bytes_short_gbk_is_gb18030() -> None:
    # charset-normalizer ranks cp949 first for this; the GB family is tied and must win.
    text, encoding = decode_bytes("你好，世界".encode("gbk"))
    assert (text, encoding) == ("你好，世界", "gb18030")


def test_decode_bytes_gb18030_only_characters() -> None:
    # Characters outside GBK (four-byte GB18030 sequences) must survive.
    source = CHINESE * 3 + "𠀀㐀€"
    text, encoding = decode_bytes(source.encode("gb18030"))
    assert encoding == "gb18030"
    assert text == source


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", corpus.REASON_EMPTY),
        (b"PK\x03\x04\x00\x00binary\x00stuff", corpus.REASON_BINARY),
        (bytes(range(256)) * 10, corpus.REASON_BINARY),
        (("Café crème brûlée, naïve façade. " * 20).encode("latin-1"), corpus.REASON_UNDECODABLE),
        (
            ("日本語のテキストです。これはテストです。" * 10).encode("shift_jis"),
            corpus.REASON_UNDECODABLE,
        ),
        (
            ("대한민국 정부 업무 보고서입니다. 경제 발전을 위해 노력합니다. " * 5).encode("euc-kr"),
            corpus.REASON_UNDECODABLE,
        ),
        (b"\x01\x02\x03\x04 header \x05\x06\x07\x08\x0e\x0f", corpus.REASON_BINARY),
    ],
    ids=["empty", "nul", "all-bytes", "latin1", "shift-jis", "euc-kr", "controls"],
)
def test_decode_bytes_rejects(raw: bytes, reason: str) -> None:
    with pytest.raises(DecodeFailure) as info:
        decode_bytes(raw)
    assert str(info.value) == reason


def test_random_junk_without_nul_is_not_accepted_as_text() -> None:
    rng = random.Random(7)
    junk = bytes(rng.randrange(1, 256) for _ in range(9000))
    with pytest.raises(DecodeFailure) as info:
        decode_bytes(junk)
    assert str(info.value) in (corpus.REASON_BINARY, corpus.REASON_UNDECODABLE)


def test_utf8_never_runs_charset_normalizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import charset_normalizer

    def boom(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("charset-normalizer ran on UTF-8 input")

    monkeypatch.setattr(charset_normalizer, "from_bytes", boom)
    for i in range(5):
        (tmp_path / f"{i}.txt").write_text(CHINESE * 50, encoding="utf-8")
    (tmp_path / "bom.md").write_bytes(b"\xef\xbb\xbf" + CHINESE.encode("utf-8"))
    docs, skips = scan(tmp_path)
    assert len(docs) == 6 and skips == []


# ------------------------------------------------------------------ skips


def test_bad_files_are_skipped_with_reasons_and_the_rest_is_read(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(CHINESE, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(" \r\n\t\u3000\n".encode())
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    (tmp_path / "latin.md").write_bytes(("Ceci n'est pas très chinois. " * 20).encode("latin-1"))
    (tmp_path / "z-last.txt").write_text("最后一个文件", encoding="utf-8")

    docs, skips = scan(tmp_path)

    assert sorted(docs) == ["good.txt", "z-last.txt"]
    assert reason_for(skips, "empty.txt") == "empty file"
    assert reason_for(skips, "blank.txt") == "no text"
    assert reason_for(skips, "binary.txt") == "binary file"
    assert reason_for(skips, "latin.md") == "cannot decode: not UTF-8, UTF-16, GB18030 or Big5"
    assert all("\n" not in str(s) for s in skips)


def test_unsupported_extension_given_directly_is_skipped(tmp_path: Path) -> None:
    pdf = tmp_path / "report.PDF"
    pdf.write_bytes(b"%PDF-1.4")
    items = list(discover([pdf]))
    assert items == [Skipped(str(pdf), "unsupported file type .pdf")]


def test_folder_walk_names_other_extensions_and_ignores_hidden_entries(tmp_path: Path) -> None:
    (tmp_path / "a.TXT").write_text("甲", encoding="utf-8")
    (tmp_path / "b.md").write_text("乙", encoding="utf-8")
    (tmp_path / "c.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "d.HTM").write_text("<p>丙</p>", encoding="utf-8")
    (tmp_path / "e.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "README").write_text("无扩展名", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("隐藏", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("隐藏", encoding="utf-8")

    items = list(discover([tmp_path]))

    files = [i for i in items if isinstance(i, SourceFile)]
    assert [(f.id, f.kind) for f in files] == [
        ("a.TXT", "text"),
        ("b.md", "text"),
        ("c.docx", "docx"),
        ("d.HTM", "html"),
    ]
    skips = [i for i in items if isinstance(i, Skipped)]
    assert sorted((Path(s.path).name, s.reason) for s in skips) == [
        ("README", "unsupported file type (no extension)"),
        ("e.pdf", "unsupported file type .pdf"),
    ]


def test_missing_path_raises_input_error_before_reading(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("有", encoding="utf-8")
    missing = tmp_path / "nope"
    with pytest.raises(InputError) as info:
        iter_documents([tmp_path, missing])  # raised at call time, not on first next()
    assert str(info.value) == f"{missing}: no such file or folder"
    assert "\n" not in str(info.value)


def test_unreadable_file_is_skipped(tmp_path: Path) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text("秘密", encoding="utf-8")
    (tmp_path / "open.txt").write_text("公开", encoding="utf-8")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running with privileges that read chmod 000 files (root)")
        docs, skips = scan(tmp_path)
    finally:
        locked.chmod(0o644)
    assert list(docs) == ["open.txt"]
    assert reason_for(skips, "locked.txt") == "permission denied"


def test_read_errors_become_skips_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The chmod test above is skipped under root; this one forces the errors.
    for name in ("denied.txt", "io.txt", "fine.txt"):
        (tmp_path / name).write_text("内容", encoding="utf-8")
    real_open = os.open

    def failing_open(path: str | os.PathLike[str], *args: object, **kwargs: object) -> int:
        name = os.path.basename(os.fspath(path))
        if name == "denied.txt":
            raise PermissionError(13, "Permission denied", str(path))
        if name == "io.txt":
            raise OSError(5, "Input/output error", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", failing_open)
    docs, skips = scan(tmp_path)
    assert list(docs) == ["fine.txt"]
    assert reason_for(skips, "denied.txt") == "permission denied"
    assert reason_for(skips, "io.txt") == "Input/output error"


def test_linked_folders_are_read_once(tmp_path: Path) -> None:
    # a corpus folder made of links to the collections it draws on
    for name in ("reports", "speeches"):
        (tmp_path / "store" / name).mkdir(parents=True)
        (tmp_path / "store" / name / "a.txt").write_text(f"{name}正文", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    try:
        for name in ("reports", "speeches"):
            (work / name).symlink_to(tmp_path / "store" / name, target_is_directory=True)
        (work / "again").symlink_to(tmp_path / "store" / "reports", target_is_directory=True)
    except (OSError, NotImplementedError) as error:
        pytest.skip(f"symlinks unavailable: {error}")
    docs, skips = scan(work)
    assert docs["speeches/a.txt"].text == "speeches正文"
    # reports/ and again/ are one folder: read once, the other named
    assert len(docs) == 2 and sum(d.text == "reports正文" for d in docs.values()) == 1
    assert [s.reason for s in skips] == ["folder already read by another path"]


def test_symlink_loops_neither_hang_nor_crash(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "real.txt").write_text("真实", encoding="utf-8")
    try:
        (sub / "up").symlink_to(tmp_path, target_is_directory=True)
        (tmp_path / "self.txt").symlink_to(tmp_path / "self.txt")
    except (OSError, NotImplementedError) as error:
        pytest.skip(f"symlinks unavailable: {error}")

    result: dict[str, object] = {}

    def run() -> None:
        result["value"] = scan(tmp_path)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "scan did not finish: symlink loop followed"
    docs, skips = result["value"]  # type: ignore[misc]
    assert list(docs) == ["sub/real.txt"]
    assert reason_for(skips, "up") == "folder already read by another path"
    assert "symbolic links" in reason_for(skips, "self.txt").lower()


# ------------------------------------------------------------------ ids and discovery


def test_nested_folders_give_slash_ids_sorted(tmp_path: Path) -> None:
    for rel in ["2020/b.txt", "2019/guangdong.txt", "2019/sub/deep.md", "a.txt"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"文件 {rel}", encoding="utf-8")

    items = [i for i in discover([tmp_path]) if isinstance(i, SourceFile)]

    ids = [i.id for i in items]
    assert ids == ["2019/guangdong.txt", "2019/sub/deep.md", "2020/b.txt", "a.txt"]
    deep = items[1]
    assert deep.root == tmp_path and deep.path == tmp_path / "2019" / "sub" / "deep.md"
    assert deep.kind == "text" and deep.size == len("文件 2019/sub/deep.md".encode())
    docs, _ = scan(tmp_path)
    assert docs["2019/sub/deep.md"].text == "文件 2019/sub/deep.md"
    assert docs["2019/sub/deep.md"].path == str(tmp_path / "2019" / "sub" / "deep.md")


def test_file_given_directly_has_its_name_as_id(tmp_path: Path) -> None:
    nested = tmp_path / "x" / "y"
    nested.mkdir(parents=True)
    path = nested / "draft.md"
    path.write_text("草稿", encoding="utf-8")

    (src,) = discover([str(path)])

    assert isinstance(src, SourceFile)
    assert (src.id, src.root, src.kind) == ("draft.md", nested, "text")
    docs, skips = scan(path)
    assert list(docs) == ["draft.md"] and skips == []


def test_iter_documents_streams(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(f"原文{name}", encoding="utf-8")
    stream = iter_documents([tmp_path])
    first = next(stream)
    assert first.id == "a.txt"
    # Changing a later file after the first document was yielded must show:
    # it proves files are read one at a time, not all up front.
    (tmp_path / "c.txt").write_text("改过的内容", encoding="utf-8")
    rest = {d.id: d.text for d in stream}
    assert rest == {"b.txt": "原文b.txt", "c.txt": "改过的内容"}


def test_duplicate_ids_across_files_are_kept_under_derived_ids(tmp_path: Path) -> None:
    one, two, three = tmp_path / "one", tmp_path / "two", tmp_path / "three"
    for folder, text in ((one, "第一份"), (two, "第二份"), (three, "第三份")):
        folder.mkdir()
        (folder / "same.txt").write_text(text, encoding="utf-8")

    docs, skips = scan(one, two, three)

    assert {k: d.text for k, d in docs.items()} == {
        "same.txt": "第一份",
        "same.txt#2": "第二份",
        "same.txt#3": "第三份",
    }
    assert reason_for(skips, str(two / "same.txt")) == (
        f"duplicate id same.txt (first seen in {one / 'same.txt'}); kept as same.txt#2"
    )
    assert all(s.kept for s in skips)


# ------------------------------------------------------------------ jsonl


def test_jsonl_documents_and_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"id": "r1", "text": "第一条\r\n换行", "year": 2024, "region": "北京"},
            ensure_ascii=False,
        ),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": 7, "text": "数字编号"}),
        json.dumps({"id": "r5"}),
        "",
        json.dumps({"id": "r7", "text": "分隔\u2028符号"}, ensure_ascii=False),
        json.dumps({"id": "r1", "text": "重复"}, ensure_ascii=False),
    ]
    path = tmp_path / "records.JSONL"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))

    docs, skips = scan(tmp_path)

    # Line 4's numeric id is read as the string "7"; line 8 repeats r1 and is kept as r1#2.
    assert sorted(docs) == ["7", "r1", "r1#2", "r7"]
    assert docs["r1"].text == "第一条\r\n换行"
    assert docs["r1"].metadata == {"year": 2024, "region": "北京"}
    assert docs["r1"].encoding == "utf-8-sig" and docs["r1"].path == str(path)
    assert docs["r7"].text == "分隔\u2028符号"
    assert docs["r1#2"].text == "重复"
    by_line = {s.path.rsplit(":", 1)[1]: s for s in skips}
    assert set(by_line) == {"2", "3", "5", "8"}
    assert by_line["2"].reason.startswith("not valid JSON")
    assert by_line["3"].reason == "not a JSON object"
    assert "'text'" in by_line["5"].reason
    assert by_line["8"].reason == "duplicate id r1 (first on line 1); kept as r1#2"
    assert [s.kept for s in skips] == [False, False, False, True]


# ------------------------------------------------------------------ metadata.jsonl


def write_jsonl(path: Path, records: list[dict[str, object] | str]) -> None:
    text = "\n".join(
        r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records
    )
    path.write_text(text + "\n", encoding="utf-8")


def test_metadata_merged_by_file_and_by_id(tmp_path: Path) -> None:
    (tmp_path / "2019").mkdir()
    (tmp_path / "2019" / "gd.txt").write_text("广东", encoding="utf-8")
    (tmp_path / "bj.txt").write_text("北京", encoding="utf-8")
    (tmp_path / "sh.md").write_text("上海", encoding="utf-8")
    write_jsonl(
        tmp_path / "metadata.jsonl",
        [
            {"file": "2019/gd.txt", "title": "广东报告", "year": 2019},
            {"id": "bj", "title": "北京报告", "region": "北京市"},
            "this line is broken",
            {"title": "neither file nor id"},
        ],
    )
    write_jsonl(tmp_path / "2019" / "metadata.jsonl", [{"file": "gd.txt", "year": 2020}])

    docs, skips = scan(tmp_path)

    assert sorted(docs) == ["2019/gd.txt", "bj.txt", "sh.md"]  # metadata.jsonl is no document
    assert docs["2019/gd.txt"].metadata["title"] == "广东报告"
    assert docs["2019/gd.txt"].metadata["year"] == 2020  # the nearer folder wins
    assert docs["bj.txt"].metadata == {"id": "bj", "title": "北京报告", "region": "北京市"}
    assert docs["sh.md"].metadata == {}
    meta = tmp_path / "metadata.jsonl"
    assert sorted(s.path for s in skips) == [f"{meta}:3", f"{meta}:4"]
    assert reason_for(skips, f"{meta}:3").startswith("metadata line is not valid JSON")


def test_load_metadata_keys(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "metadata.jsonl",
        [
            {"id": "x", "file": "sub/x.txt", "title": "X"},
            {"id": "y.md", "title": "Y"},
        ],
    )
    meta = load_metadata(tmp_path)
    assert meta["sub/x.txt"]["title"] == "X"
    assert meta["sub/x"]["title"] == "X"
    assert meta["y.md"]["title"] == "Y"
    assert "x" not in meta  # with a `file`, the id is not a path
    assert load_metadata(tmp_path / "absent") == {}


def test_read_source_uses_given_metadata(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("正文", encoding="utf-8")
    st = path.stat()
    src = SourceFile(path, "a.txt", tmp_path, "text", st.st_size, st.st_mtime_ns)
    (doc,) = read_source(src, {"a": {"id": "a", "title": "标题"}})
    assert isinstance(doc, Document)
    assert doc.metadata == {"id": "a", "title": "标题"} and doc.encoding == "utf-8"


def test_nested_file_metadata_from_its_own_folder_or_the_root(tmp_path: Path) -> None:
    sub = tmp_path / "2019"
    sub.mkdir()
    (sub / "gd.txt").write_text("广东", encoding="utf-8")
    (tmp_path / "gd.txt").write_text("另一个", encoding="utf-8")
    write_jsonl(sub / "metadata.jsonl", [{"file": "gd.txt", "title": "子目录"}])
    write_jsonl(
        tmp_path / "metadata.jsonl",
        [
            {"file": "gd.txt", "title": "根目录"},
            {"file": "2019/gd.txt", "region": "广东省"},
        ],
    )
    nested, top = (s for s in discover([tmp_path]) if isinstance(s, SourceFile))
    assert (nested.id, top.id) == ("2019/gd.txt", "gd.txt")

    (own,) = read_source(nested, load_metadata(sub))
    (from_root,) = read_source(nested, load_metadata(tmp_path))
    assert isinstance(own, Document) and isinstance(from_root, Document)
    assert own.metadata["title"] == "子目录"
    assert from_root.metadata == {"file": "2019/gd.txt", "region": "广东省"}
    merged = corpus.MetadataIndex().record_for(nested)
    assert (merged["title"], merged["region"]) == ("子目录", "广东省")


def test_metadata_jsonl_given_directly_is_not_a_document(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "metadata.jsonl", [{"id": "a", "text": "像文档"}])
    docs, skips = scan(tmp_path / "metadata.jsonl")
    assert docs == {}
    assert len(skips) == 1 and "metadata" in skips[0].reason


# ------------------------------------------------------------------ real corpus


def test_real_corpus_chars_and_titles() -> None:
    folder = SHARED / "corpora" / "cn-provincial-gwr-2026"
    if not (folder / "metadata.jsonl").is_file():
        pytest.skip(f"{folder} is absent")
    lines = [
        json.loads(line)
        for line in (folder / "metadata.jsonl").read_text(encoding="utf-8").splitlines()
        if line
    ]
    expected = {rec["file"]: rec for rec in lines}

    docs, skips = scan(folder)

    assert skips == []
    assert set(docs) == set(expected)
    for doc_id, doc in docs.items():
        assert len(doc.text) == expected[doc_id]["chars"], doc_id
        assert doc.metadata["title"] == expected[doc_id]["title"]
        assert doc.encoding == "utf-8"
