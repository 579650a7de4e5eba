"""`reuse check DRAFT` reads a draft file as the corpus reader reads a file of its kind.

An HTML draft is checked as the text drawn out of the page (its scripts, styles and
attributes are not text), a ``.docx`` as its paragraphs, a GB18030 file as what it says,
a ``.jsonl`` as one draft a line; offsets are into the text ``reuse text`` prints for
the file. A draft that cannot be read is one line naming it and why, exit code 2.

The corpus is a dozen generated documents; each draft plants a passage of one of them
between sentences no corpus document holds, and hides passages of others in markup.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from check_fixtures import FRESH, SENTENCE, indexed_corpus

from reuse.cli import main


class Corpus:
    def __init__(self, folder: Path, db: Path, texts: dict[str, str]) -> None:
        self.folder, self.db, self.texts = folder, db, texts

    def passage(self, name: str) -> str:
        """Three sentences of one paragraph of ``name`` (HTML would fold a line break)."""
        for line in self.texts[name].split("\n")[1:]:
            found = list(SENTENCE.finditer(line))
            if len(found) >= 3 and found[2].end() - found[0].start() >= 80:
                return line[found[0].start() : found[2].end()]
        raise AssertionError(f"no paragraph of three long sentences in {name}")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    folder, db, texts = indexed_corpus(tmp_path_factory.mktemp("cli_check"), 12, 1200, seed=5)
    return Corpus(folder, db, texts)


def _check(draft: Path, corpus: Corpus, out: Path, capsys) -> tuple[int, dict, str]:
    code = main(["check", str(draft), "--db", str(corpus.db), "--json", str(out)])
    err = capsys.readouterr().err
    err = err.decode("utf-8") if isinstance(err, bytes) else err  # capsysbinary
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return code, data, err


def _reuse_text(doc_id: str, path: Path, capsysbinary) -> str:
    """What ``reuse text ID FILE`` prints (the text offsets index), byte for byte."""
    capsysbinary.readouterr()
    assert main(["text", doc_id, str(path)]) == 0
    return capsysbinary.readouterr().out.decode("utf-8")


def _ink(text: str, start: int, end: int) -> set[int]:
    return {i for i in range(start, end) if not text[i].isspace()}


def _assert_found(data: dict, text: str, passage: str, doc: str) -> None:
    """The passage is reported where it stands in ``text``, from ``doc``, and nothing else is."""
    at = text.index(passage)
    want = _ink(text, at, at + len(passage))
    got: set[int] = set()
    for m in data["matches"]:
        got |= _ink(text, m["start"], m["end"])
        assert {s["doc"] for s in m["sources"]} == {doc}, m
        assert not re.search(r"[<>=]|script|style", text[m["start"] : m["end"]]), m
    assert len(got & want) >= 0.9 * len(want)
    assert len(got - want) <= 2  # a closing mark at most
    assert data["chars"] == len(text)


def test_html_draft_is_checked_as_its_visible_text(
    corpus: Corpus, tmp_path: Path, capsysbinary
) -> None:
    shown = corpus.passage("doc02.txt")
    in_script = corpus.passage("doc05.txt")
    in_attribute = corpus.passage("doc08.txt")
    cut = len(shown) // 2  # inline markup inside the passage is not text either
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>草稿</title>\n'
        f"<style>p {{ margin: 0 }} /* {in_script} */</style>\n"
        f'<script>var hidden = "{in_script}"; if (1 < 2) {{ document.title = "x"; }}</script>\n'
        f'</head><body><div class="nav" title="{in_attribute}"><a href="/">首页</a></div>\n'
        f"<p>{FRESH[0]}</p>\n"
        f'<p class="body">{shown[:cut]}<span style="color:red">{shown[cut:]}</span></p>\n'
        f"<p>{FRESH[1]}<br>{FRESH[2]}</p>\n</body></html>\n"
    )
    draft = tmp_path / "draft.html"
    draft.write_text(page, encoding="utf-8")
    code, data, err = _check(draft, corpus, tmp_path / "out.json", capsysbinary)
    assert code == 0, err
    text = _reuse_text("draft.html", draft, capsysbinary)
    assert "<" not in text and "hidden" not in text and in_script not in text
    assert data["draft"] == str(draft)
    _assert_found(data, text, shown, "doc02.txt")
    assert data["matches"] and data["reused_fraction"] > 0.3


@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_gb18030_draft(corpus: Corpus, tmp_path: Path, suffix: str, capsysbinary) -> None:
    shown = corpus.passage("doc04.txt")
    body = f"{FRESH[0]}\r\n{shown}\r\n{FRESH[3]}\r\n"
    if suffix == ".html":
        body = f'<html><head><meta charset="gb18030"></head><body><p>{body}</p></body></html>'
    draft = tmp_path / f"draft{suffix}"
    draft.write_bytes(body.encode("gb18030"))
    code, data, err = _check(draft, corpus, tmp_path / "out.json", capsysbinary)
    assert code == 0, err
    text = _reuse_text(draft.name, draft, capsysbinary)
    assert shown in text
    _assert_found(data, text, shown, "doc04.txt")


def test_docx_draft_is_checked_as_its_paragraphs(
    corpus: Corpus, tmp_path: Path, capsysbinary
) -> None:
    import docx

    shown = corpus.passage("doc07.txt")
    d = docx.Document()
    for para in (FRESH[1], shown, FRESH[2]):
        d.add_paragraph(para)
    buf = io.BytesIO()
    d.save(buf)
    draft = tmp_path / "draft.docx"
    draft.write_bytes(buf.getvalue())
    code, data, err = _check(draft, corpus, tmp_path / "out.json", capsysbinary)
    assert code == 0, err
    text = _reuse_text("draft.docx", draft, capsysbinary)
    _assert_found(data, text, shown, "doc07.txt")


def test_jsonl_draft_is_one_draft_a_line(corpus: Corpus, tmp_path: Path, capsys) -> None:
    shown = corpus.passage("doc09.txt")
    first = FRESH[2] + shown + FRESH[3]
    draft = tmp_path / "drafts.jsonl"
    lines = [
        json.dumps({"id": "a", "text": first}, ensure_ascii=False),
        "{not json",
        json.dumps({"text": FRESH[0] + FRESH[1]}, ensure_ascii=False),
    ]
    draft.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, data, err = _check(draft, corpus, tmp_path / "out.json", capsys)
    assert code == 0, err
    assert [d["draft"] for d in data["drafts"]] == [f"{draft}:a", f"{draft}:3"]
    _assert_found(data["drafts"][0], first, shown, "doc09.txt")
    assert data["drafts"][1]["matches"] == []
    assert f"{draft}:2: not valid JSON" in err  # the bad line is named, the rest checked


def _binary() -> bytes:
    return bytes(range(256)) * 40


UNREADABLE = {
    # name: (bytes written, or None for nothing at all; the reason the error line gives)
    "binary.txt": (_binary(), "binary file"),
    "binary.html": (_binary(), "binary file"),
    "notzip.docx": ("这不是一个 Word 文件".encode(), "not a readable .docx file"),
    "empty.md": (b"", "empty file"),
    "markup-only.html": (b"<html><script>var a = 1;</script></html>", "no text"),
    "big5ish.txt": (bytes([0x81, 0x30]) * 3 + b"\xff\xfe\xfd" * 50, "cannot decode"),
    "lines.jsonl": (b'{"id": 1}\n[1, 2]\n', "no line holds a draft"),
    "missing.txt": (None, "no such file"),
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_draft_is_one_line_and_exit_2(
    corpus: Corpus, tmp_path: Path, name: str, capsys
) -> None:
    raw, reason = UNREADABLE[name]
    draft = tmp_path / name
    if raw is not None:
        draft.write_bytes(raw)
    code = main(["check", str(draft), "--db", str(corpus.db)])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err
    error = [x for x in captured.err.splitlines() if x.startswith("reuse: error:")]
    assert len(error) == 1 and error[0].startswith(f"reuse: error: {draft}: {reason}"), captured
    assert captured.out == ""


def test_a_folder_is_not_a_draft(corpus: Corpus, capsys) -> None:
    assert main(["check", str(corpus.folder), "--db", str(corpus.db)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"reuse: error: {corpus.folder}: a folder, not a file (name the drafts in it)"


def test_a_draft_of_unknown_type_is_read_as_text(corpus: Corpus, tmp_path: Path, capsys) -> None:
    shown = corpus.passage("doc10.txt")
    draft = tmp_path / "draft"  # no extension: named on purpose, read as plain text
    text = FRESH[0] + shown
    draft.write_text(text, encoding="utf-8")
    code, data, err = _check(draft, corpus, tmp_path / "out.json", capsys)
    assert code == 0, err
    _assert_found(data, text, shown, "doc10.txt")
