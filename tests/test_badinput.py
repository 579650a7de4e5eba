"""Bad input never loses data: a folder of nasty files next to real documents.

Every fixture is generated here. `build_nasty` writes the folder and says what
must come out of it: the readable documents (with their exact text where it is
known) and, for every file that cannot be read, a fragment of the reason the
user must see. The end-to-end test runs each command that reads a corpus in a
subprocess and holds all of them to that: exit 0, no traceback, every nasty
file named, every readable document present.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reuse import corpus
from reuse.corpus import (
    DecodeFailure,
    SourceFile,
    decode_bytes,
    discover,
    iter_documents,
    read_source,
)
from reuse.extract import ExtractError, _html_text_tokens, docx_text, html_text
from reuse.model import Document, Skipped, one_line

PROSE = (
    "坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，加快构建新发展格局，"
    "着力推动高质量发展。全面深化改革开放，持续增强发展动力和活力。"
)
OTHER = "各级党组织要把学习贯彻党的创新理论作为首要政治任务，推动理论学习走深走实、入脑入心。"
# A few hundred common characters: GB2312 level 1, the ones real GBK files are made of.
COMMON_HANZI = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过"
    "子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体"
    "制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内"
    "数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提"
    "直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计"
)


def _tiny_docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@dataclass
class Nasty:
    """What a nasty folder must give: documents by id (text, or None: any) and named skips."""

    root: Path
    docs: dict[str, str | None] = field(default_factory=dict)
    skips: dict[str, str] = field(default_factory=dict)  # shown path (suffix) -> reason fragment

    def file(self, rel: str, data: bytes, text: str | None = None, doc: bool = True) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if doc:
            self.docs[rel] = text
        return path

    def bad(self, rel: str, data: bytes, reason: str) -> Path:
        path = self.file(rel, data, doc=False)
        self.skips[rel] = reason
        return path


def build_nasty(root: Path, big: bool = True) -> Nasty:
    """Write the nasty folder under ``root`` (created) and return what it must give."""
    root.mkdir(parents=True, exist_ok=True)
    n = Nasty(root)
    # -- readable, in every encoding and shape a scraped archive has
    n.file("good.txt", PROSE.encode(), PROSE)
    n.file("gbk.txt", (OTHER + "\n" + PROSE).encode("gbk"), OTHER + "\n" + PROSE)
    cut = (PROSE * 3).encode("gb18030")[:-1]
    n.file("gb18030-truncated.txt", cut, (PROSE * 3)[:-1] + "\ufffd")
    n.file("utf8-truncated.txt", (OTHER * 2).encode()[:-2], (OTHER * 2)[:-1] + "\ufffd")
    n.file("utf16-le-bom.txt", b"\xff\xfe" + PROSE.encode("utf-16-le"), PROSE)
    n.file("utf16-be-bom.txt", b"\xfe\xff" + OTHER.encode("utf-16-be"), OTHER)
    n.file(
        "utf16-no-bom.txt",
        f"第1行 {PROSE}\r\n第2行\r\n".encode("utf-16-le"),
        f"第1行 {PROSE}\r\n第2行\r\n",
    )
    n.file("bom.md", b"\xef\xbb\xbf" + OTHER.encode(), OTHER)
    n.file("crlf.txt", f"{PROSE}\r\n{OTHER}\r\n".encode(), f"{PROSE}\r\n{OTHER}\r\n")
    n.file("cr.txt", f"{OTHER}\r{PROSE}\r".encode(), f"{OTHER}\r{PROSE}\r")
    mixed = OTHER.encode() + b"\n" + PROSE.encode("gbk") + b"\n" + OTHER.encode()
    n.file("mixed-encodings.txt", mixed, f"{OTHER}\n{PROSE}\n{OTHER}")
    n.file("stray-nul.txt", (PROSE + "\x00" + OTHER).encode(), PROSE + "\x00" + OTHER)
    line_chars = 2_000_000 if big else 50_000
    long_line = (PROSE.replace("。", "，") * (line_chars // len(PROSE) + 1))[:line_chars]
    n.file("long-line.txt", long_line.encode(), long_line)
    repeated = "a" * (5_000_000 if big else 50_000)
    n.file("repeated.txt", repeated.encode(), repeated)
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "<title>通知</title><style>p{color:red}</style><script>var s='</p>';</script></head>"
        f"<body><p>{PROSE}</p><div>{OTHER}<script>x()</script></div></body></html>"
    )
    n.file("page.html", page.encode("gbk"), f"通知\n{PROSE}\n{OTHER}")
    n.file("page-utf8.htm", f"<p>{OTHER}</p><noscript>请启用脚本</noscript>".encode(), OTHER)
    unclosed = "<body>" + "".join(f"<font>第{i}段<p>" for i in range(3000)) + "结束"
    n.file("unclosed-tags.html", unclosed.encode())
    n.file("report.docx", _tiny_docx([PROSE, OTHER], [["甲", "乙"]]), f"{PROSE}\n{OTHER}\n甲\t乙")
    n.file("folder.txt/inside.txt", OTHER.encode(), OTHER)  # a folder named like a file
    n.file("a/b/c/deep.md", PROSE.encode(), PROSE)
    n.file("[/bold]brackets[red].txt", OTHER.encode(), OTHER)  # rich markup in a name
    n.file("tab\tname.txt", PROSE.encode(), PROSE)
    n.file("new\nline.md", OTHER.encode(), OTHER)
    big5 = "這是香港特別行政區政府的新聞公報，內容涉及經濟發展和民生改善。" * 3
    n.file("big5.txt", big5.encode("big5"), big5)
    records = [
        {"id": "r1", "text": PROSE},
        "{broken json",
        {"id": "r1", "text": OTHER},
        {"id": "r2"},
        {"id": 3, "text": OTHER},
        {"text": PROSE},
        {"id": "r4", "text": "孤立\ud800代理"},
    ]
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=True) for r in records]
    n.file("records.jsonl", "\n".join(lines).encode(), doc=False)
    n.docs.update(
        {"r1": PROSE, "r1#2": OTHER, "3": OTHER, "records.jsonl:6": PROSE, "r4": "孤立\ufffd代理"}
    )
    n.skips["records.jsonl:2"] = "not valid JSON"
    n.skips["records.jsonl:4"] = "no string 'text' field"
    meta = '{"file": "good.txt", "year": 2024}\n{not json}\n'
    n.file("metadata.jsonl", meta.encode(), doc=False)
    n.skips["metadata.jsonl:2"] = "metadata line is not valid JSON"
    # -- not readable: each must be named with its reason
    n.bad("empty.txt", b"", "empty file")
    n.bad("blank.txt", " \r\n\t\u3000\n".encode(), "no text")
    n.bad("bom-only.txt", b"\xef\xbb\xbf", "no text")
    n.bad("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "binary file")
    n.bad("controls.md", bytes(range(1, 32)) * 20, "binary file")
    n.bad("latin1.txt", ("Ceci n'est pas très chinois. " * 20).encode("latin-1"), "cannot decode")
    n.bad("image.png", b"\x89PNG\r\n\x1a\n", "unsupported file type .png")
    n.bad("data\tdump.json", b"[]", "unsupported file type .json")
    n.bad("junk.docx", b"not a zip at all", "not a readable .docx file")
    n.bad("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "Word 97-2003")
    n.bad("scripts-only.html", b"<script>alert(1)</script><style>p{}</style>", "no text")
    n.bad("empty.html", b"", "empty file")
    os.mkfifo(root / "fifo.txt")
    n.skips["fifo.txt"] = "not a regular file (a FIFO)"
    outside = root.parent / f"{root.name}-outside.txt"
    outside.write_text(OTHER, encoding="utf-8")
    (root / "link-to-outside.txt").symlink_to(outside)
    n.docs["link-to-outside.txt"] = OTHER
    (root / "loop.txt").symlink_to(root / "loop.txt")
    n.skips["loop.txt"] = "symbolic links"
    (root / "dangling.txt").symlink_to(root / "no-such-target.txt")
    (root / "zeros.txt").symlink_to("/dev/zero")  # endless if it were ever read
    n.skips["zeros.txt"] = "not a regular file (a character device)"
    n.skips["dangling.txt"] = "No such file"
    (root / "a" / "up").symlink_to(root, target_is_directory=True)
    n.skips["a/up"] = "folder already read by another path"  # a loop, walked once
    gbk_name = os.path.join(os.fsencode(root), "中文名.txt".encode("gbk"))
    with open(gbk_name, "wb") as f:
        f.write(PROSE.encode())
    n.skips["\\xd6\\xd0\\xce\\xc4\\xc3\\xfb.txt"] = "not valid UTF-8"
    locked = n.file("locked.txt", OTHER.encode(), OTHER)
    locked.chmod(0)
    if not os.access(locked, os.R_OK):  # not root: the real permission error
        del n.docs["locked.txt"]
        n.skips["locked.txt"] = "permission denied"
    return n


def unlock(n: Nasty) -> None:
    """Give pytest's tmp cleanup its permissions back."""
    (n.root / "locked.txt").chmod(0o644)


@pytest.fixture
def nasty(tmp_path: Path) -> Nasty:
    n = build_nasty(tmp_path / "nasty", big=False)
    yield n
    unlock(n)


def read_all(paths: list[Path]) -> tuple[dict[str, Document], list[Skipped]]:
    skips: list[Skipped] = []
    docs = {d.id: d for d in iter_documents(paths, skips.append)}
    return docs, skips


def named(skips: list[Skipped], n: Nasty) -> dict[str, str]:
    """For each expected skip, the reason given for it ('' when it was not named)."""
    out = {}
    for where, _fragment in n.skips.items():
        found = [s.reason for s in skips if str(s).startswith(one_line(f"{n.root}/{where}: "))]
        out[where] = found[0] if found else ""
    return out


# ------------------------------------------------------------------ the reader on the folder


def test_every_readable_document_is_read_and_every_skip_named(nasty: Nasty) -> None:
    done: dict[str, object] = {}
    worker = threading.Thread(target=lambda: done.update(r=read_all([nasty.root])), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "reading hung (a FIFO opened, or a symlink loop followed)"
    docs, skips = done["r"]  # type: ignore[misc]

    assert set(docs) == set(nasty.docs)
    for doc_id, text in nasty.docs.items():
        if text is not None:
            assert docs[doc_id].text == text, doc_id
    reasons = named(skips, nasty)
    for where, fragment in nasty.skips.items():
        assert fragment in reasons[where], (where, reasons[where])
    assert docs["good.txt"].metadata == {"file": "good.txt", "year": 2024}
    assert docs["page.html"].encoding == "html/gb18030"
    assert docs["report.docx"].encoding == "docx"
    unclosed = docs["unclosed-tags.html"].text
    assert unclosed.startswith("第0段\n第1段") and unclosed.endswith("第2999段\n结束")
    assert all("\n" not in str(s) and "\t" not in str(s) for s in skips)


def test_duplicate_and_malformed_jsonl_lines(nasty: Nasty) -> None:
    src = next(s for s in discover([nasty.root / "records.jsonl"]) if isinstance(s, SourceFile))
    items = list(read_source(src))
    notes = [i for i in items if isinstance(i, Skipped) and i.kept]
    skips = [i for i in items if isinstance(i, Skipped) and not i.kept]
    docs = [i for i in items if isinstance(i, Document)]
    assert [d.id for d in docs] == ["r1", "r1#2", "3", "records.jsonl:6", "r4"]
    assert [str(s).split(": ", 1)[1] for s in notes] == [
        "duplicate id r1 (first on line 1); kept as r1#2",
        "no 'id' field; kept as records.jsonl:6",
    ]
    assert [s.path.rsplit(":", 1)[1] for s in skips] == ["2", "4"]


def test_fifo_is_never_opened_even_if_it_appears_after_discovery(tmp_path: Path) -> None:
    path = tmp_path / "swapped.txt"
    path.write_text(PROSE, encoding="utf-8")
    (src,) = discover([path])
    assert isinstance(src, SourceFile)
    path.unlink()
    os.mkfifo(path)  # a writer-less FIFO: a blocking open would hang here forever
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.extend(read_source(src)), daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert result == [Skipped(str(path), "not a regular file (a FIFO)")]


def test_fifo_named_directly_is_skipped(tmp_path: Path) -> None:
    fifo = tmp_path / "named.txt"
    os.mkfifo(fifo)
    assert list(discover([fifo])) == [Skipped(str(fifo), "not a regular file (a FIFO)")]


def test_permission_errors_on_files_folders_and_metadata_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ok.txt").write_text(PROSE, encoding="utf-8")
    (tmp_path / "secret.txt").write_text(OTHER, encoding="utf-8")
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "inner.txt").write_text(OTHER, encoding="utf-8")
    (tmp_path / "metadata.jsonl").write_text('{"file": "ok.txt"}\n', encoding="utf-8")
    real_open, real_scandir = os.open, os.scandir

    def deny_open(path: str | os.PathLike[str], *args: object, **kwargs: object) -> int:
        if os.path.basename(os.fspath(path)) in ("secret.txt", "metadata.jsonl"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    def deny_scandir(path: str | os.PathLike[str]) -> object:
        if os.path.basename(os.fspath(path)) == "closed":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "open", deny_open)
    monkeypatch.setattr(os, "scandir", deny_scandir)
    docs, skips = read_all([tmp_path])
    assert list(docs) == ["ok.txt"]
    assert sorted(str(s).replace(str(tmp_path), "") for s in skips) == [
        "/closed: permission denied",
        "/metadata.jsonl: permission denied",
        "/secret.txt: permission denied",
    ]


def test_huge_file_is_named_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus, "MAX_FILE_BYTES", 1000)
    (tmp_path / "small.txt").write_text(PROSE, encoding="utf-8")
    (tmp_path / "huge.txt").write_bytes(b"x" * 1001)
    docs, skips = read_all([tmp_path])
    assert list(docs) == ["small.txt"]
    assert [s.reason for s in skips] == [corpus.REASON_TOO_LARGE]


def test_file_names_that_are_not_utf8_are_named_with_their_gb18030_reading(
    tmp_path: Path,
) -> None:
    with open(os.path.join(os.fsencode(tmp_path), "公文.txt".encode("gbk")), "wb") as f:
        f.write(PROSE.encode())
    docs, skips = read_all([tmp_path])
    assert docs == {}
    (skip,) = skips
    assert skip.path.endswith("\\xb9\\xab\\xce\\xc4.txt")
    assert "in GB18030 it reads 公文.txt" in skip.reason
    skip.path.encode("utf-8")  # printable and storable


_NORMALIZE_PEAK = """
import resource, sys
import numpy as np
from reuse.normalize import normalize
n = int(sys.argv[1])
alphabet = np.array([ord(c) for c in "的是了在中国发展abcXYZ"], dtype="<u4")
text = str(np.random.default_rng(0).choice(alphabet, n).data, "utf-32-le")
normalize("热身")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
norm = normalize(text, numbers=False)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024 / n)
"""


def test_long_text_without_breaks_costs_a_few_bytes_per_character() -> None:
    """The 50 MB one-line file: normalising and shingling hold no Python lists and no
    more than a handful of array-sized temporaries (the code before held ~50, ~32 and
    ~32 bytes a character in these three steps).

    Normalising is measured by the growth of a fresh process's peak resident memory:
    its compiled loop allocates outside Python, where tracemalloc does not look."""
    import subprocess
    import sys
    import tracemalloc

    import numpy as np

    from reuse.normalize import normalize
    from reuse.shingle import digit_codes, gram_hashes, unit_gram_index, units

    n = 4_000_000
    run = subprocess.run(
        [sys.executable, "-c", _NORMALIZE_PEAK, str(n)], capture_output=True, text=True, check=True
    )
    assert float(run.stdout) < 30  # bytes a character, the result included
    alphabet = np.array([ord(c) for c in "的是了在中国发展abcXYZ"], dtype="<u4")
    text = str(np.random.default_rng(0).choice(alphabet, n).data, "utf-32-le")
    norm = normalize(text, numbers=False)
    bounds = units(norm.breaks, len(norm.text), 12, 80)
    assert len(bounds) == n // 40 - 1  # one sentence: windows of 80 every 40
    codes = digit_codes(norm.codes())
    del norm
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        grams = gram_hashes(codes, 3)
        grams_peak = tracemalloc.get_traced_memory()[1] - base
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        positions, _offsets = unit_gram_index(bounds, 3)
        index_peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert len(grams) == n - 2 and len(positions) > 1.9 * n
    assert grams_peak < 12 * n
    assert index_peak < 12 * n


# ------------------------------------------------------------------ formats


def test_html_text_drops_scripts_and_keeps_blocks_apart() -> None:
    page = (
        "<!DOCTYPE html><html><head><title>标题</title><script>var a='<p>';</script>"
        "<style>p{}</style></head><body><p>第一段，\n   仍是第一段。</p><div>甲<b>乙</b> 丙"
        "<!-- 注释 -->丁</div><ul><li>一</li><li>二</li></ul><table><tr><td>格1</td>"
        "<td>格2</td></tr></table><pre>  保留\n  换行</pre>末尾&nbsp;&amp;<br>下行"
        "<noscript>无</noscript><template><p>模板</p></template></body></html>"
    )
    assert html_text(page) == (
        "标题\n第一段， 仍是第一段。\n甲乙 丙丁\n一\n二\n格1\t格2\n保留\n换行\n末尾\xa0&\n下行"
    )


def test_html_past_libxml2_depth_limit_keeps_all_text() -> None:
    deep = "<div>" * 5000 + "深处" + "</div>" * 5000 + "<p>之后</p>"
    assert html_text(deep) == "深处\n之后"


def test_docx_paragraphs_and_tables() -> None:
    raw = _tiny_docx(["第一段", "", "第三段"], [["甲", "乙"], ["丙", "丁"]])
    assert docx_text(raw) == "第一段\n\n第三段\n甲\t乙\n丙\t丁"


@pytest.mark.parametrize("raw", [b"", b"hello", b"PK\x03\x04junk", _tiny_docx(["x"])[:300]])
def test_broken_docx_raises_extract_error(raw: bytes) -> None:
    with pytest.raises(ExtractError):
        docx_text(raw)


# ------------------------------------------------------------------ fuzz


def _examples(default: int) -> int:
    """Few examples in the suite; REUSE_FUZZ_EXAMPLES=5000 for a deep run by hand."""
    return int(os.environ.get("REUSE_FUZZ_EXAMPLES", default))


@settings(max_examples=_examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_decode_bytes_only_fails_with_a_reason(raw: bytes) -> None:
    try:
        text, encoding = decode_bytes(raw)
    except DecodeFailure as failure:
        assert failure.reason and "\n" not in failure.reason
        return
    if encoding != "utf-8+gb18030":
        assert raw.decode(encoding, "replace") == text


@settings(max_examples=_examples(150), deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=400))
def test_utf8_round_trips(text: str) -> None:
    raw = text.encode("utf-8")
    assert decode_bytes(raw) == (text, "utf-8")


@settings(max_examples=_examples(100), deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(st.sampled_from(COMMON_HANZI), min_size=2, max_size=12),
            st.text(st.sampled_from("，。、；：？！“”（）0123456789abcXYZ \n"), max_size=3),
        ),
        min_size=2,
        max_size=30,
    ).map(lambda parts: "".join(a + b for a, b in parts))
)
def test_gb18030_round_trips(text: str) -> None:
    # Chinese-like text: runs of common hanzi between punctuation. (A dozen quote marks
    # alone are as valid in Big5 or EUC-KR as in GB18030; no decoder can know.) Bytes that
    # are also valid UTF-8 ("一一" is D2 BB D2 BB, Cyrillic in UTF-8) are read as UTF-8.
    raw = text.encode("gb18030")
    assume(not _is_utf8(raw))
    # Prose, not one character over and over (which detectors cannot place either).
    assume(len(set(text) & set(COMMON_HANZI)) >= 8)
    assert decode_bytes(raw) == (text, "gb18030")


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@settings(max_examples=_examples(60), deadline=None)
@given(st.text(max_size=500))
def test_html_text_never_raises_and_is_deterministic(markup: str) -> None:
    first = html_text(markup)
    assert first == html_text(markup)
    assert "\x00" not in first


@settings(max_examples=_examples(60), deadline=None)
@given(
    st.lists(
        st.sampled_from([*"<>/!-[]?&;#= \"'ab中\n", "div", "p", "script", "td", "<!--", "-->"]),
        max_size=200,
    ).map("".join)
)
def test_html_text_on_tag_soup(markup: str) -> None:
    # Both extractors: lxml's, and the tag scanner used past libxml2's depth limit.
    assert html_text(markup) == html_text(markup)
    assert _html_text_tokens(markup) == _html_text_tokens(markup)


@settings(
    max_examples=_examples(80),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.binary(max_size=2000), kind=st.sampled_from(["text", "jsonl", "html", "docx"]))
def test_reading_any_bytes_yields_documents_or_skips(
    tmp_path: Path, data: bytes, kind: str
) -> None:
    path = tmp_path / f"fuzz.{ {'text': 'txt'}.get(kind, kind) }"
    path.write_bytes(data)
    src = SourceFile(path, path.name, tmp_path, kind, len(data), 0)
    for item in read_source(src):
        assert isinstance(item, Document | Skipped)
        if isinstance(item, Document):
            item.text.encode("utf-8")  # no lone surrogates: storable and printable


_PRINTABLE = st.characters(exclude_categories=("Cc", "Cs"))


@settings(
    max_examples=_examples(80),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.one_of(
            st.text(_PRINTABLE, max_size=40),
            st.fixed_dictionaries(
                {
                    "id": st.one_of(st.text(max_size=5), st.integers(), st.none()),
                    "text": st.one_of(st.text(max_size=30), st.integers()),
                }
            ).map(json.dumps),  # ASCII, with \\u escapes for controls and lone surrogates
        ),
        max_size=12,
    )
)
def test_jsonl_lines_are_each_a_document_or_a_named_skip(tmp_path: Path, lines: list[str]) -> None:
    joined = "\n".join(lines)
    path = tmp_path / "fuzz.jsonl"
    path.write_text(joined, encoding="utf-8")
    src = SourceFile(path, path.name, tmp_path, "jsonl", 0, 0)
    items = list(read_source(src))
    docs = [i for i in items if isinstance(i, Document)]
    assert len({d.id for d in docs}) == len(docs)  # ids unique within the file
    skips = [i for i in items if isinstance(i, Skipped) and not i.kept]
    nonblank = [ln for ln in joined.split("\n") if ln.strip()]
    if not nonblank:
        assert [s.reason for s in skips] in ([], ["empty file"], ["no text"]) and not docs
        return
    # One outcome per non-blank line: a document, or a skip naming the line.
    assert len(docs) + len(skips) == len(nonblank)
    assert all(s.path.startswith(f"{path}:") and s.reason for s in skips)
    for doc in docs:
        doc.text.encode("utf-8")
        doc.id.encode("utf-8")


# ------------------------------------------------------------------ every command, end to end


def _reuse(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "reuse", *args],
        cwd=cwd,
        capture_output=True,
        env=env,
        timeout=300,
    )


def test_every_command_survives_the_nasty_folder(tmp_path: Path) -> None:
    n = build_nasty(tmp_path / "nasty", big=False)
    try:
        draft = tmp_path / "draft.txt"
        draft.write_text(f"引言。{PROSE}结语。", encoding="utf-8")
        root = str(n.root)
        runs = {
            "index": ("index", root, "--db", "x.db", "--skipped", "index.tsv"),
            "cluster": ("cluster", root, "--json", "cluster.json"),
            "scan": ("scan", root, "--json", "scan.json", "--skipped", "scan.tsv"),
            "phrases": ("phrases", root, "--json", "phrases.json", "--min-df", "2"),
            "check": ("check", str(draft), "--corpus", root, "--json", "check.json"),
        }
        # `reuse text` must give exactly the text offsets index, from the index and from files.
        text_ids = ("page.html", "report.docx", "tab\tname.txt")
        with ThreadPoolExecutor(2) as pool:
            futures = {k: pool.submit(_reuse, *a, cwd=tmp_path) for k, a in runs.items()}
            futures["index"].result()
            texts = {
                (doc_id, how): pool.submit(_reuse, "text", doc_id, *where, cwd=tmp_path)
                for doc_id in text_ids
                for how, where in (("db", ("--db", "x.db")), ("files", (root,)))
            }
            missing = pool.submit(_reuse, "text", "page.htm", "--db", "x.db", cwd=tmp_path)
            done = {k: f.result() for k, f in futures.items()}
        for name, proc in done.items():
            err = proc.stderr.decode("utf-8", "replace")
            assert proc.returncode == 0, (name, err[-2000:])
            assert "Traceback" not in err, (name, err[-2000:])
            for where, fragment in n.skips.items():
                lines = [ln for ln in err.splitlines() if one_line(f"{n.root}/{where}: ") in ln]
                assert lines and fragment in lines[0], (name, where, err[-3000:])

        scan = json.loads((tmp_path / "scan.json").read_text(encoding="utf-8"))
        assert {d["id"] for d in scan["documents"]} == set(n.docs)
        tsv = (tmp_path / "scan.tsv").read_text(encoding="utf-8").splitlines()
        assert all(line.count("\t") == 1 for line in tsv)
        listed = {line.split("\t")[0] for line in tsv}
        assert {one_line(f"{n.root}/{where}") for where in n.skips} <= listed
        assert (tmp_path / "index.tsv").read_text(encoding="utf-8").splitlines() == tsv
        clusters = json.loads((tmp_path / "cluster.json").read_text(encoding="utf-8"))
        assert sorted(d for c in clusters["clusters"] for d in c["docs"]) == sorted(n.docs)
        check = json.loads((tmp_path / "check.json").read_text(encoding="utf-8"))
        assert check["matches"], "the draft copies a corpus passage"

        docs, _ = read_all([n.root])
        for (doc_id, how), future in texts.items():
            proc = future.result()
            assert proc.returncode == 0, (doc_id, how, proc.stderr)
            assert proc.stdout == docs[doc_id].text.encode("utf-8"), (doc_id, how)
        assert missing.result().returncode == 2 and b"'page.html'" in missing.result().stderr
    finally:
        unlock(n)
