"""Tests for the command line: exit codes, what goes to stdout and stderr, the JSON contract.

Commands run in-process through ``reuse.cli.main`` (fast, output captured with capsys); one
test starts ``python -m reuse`` in a subprocess to prove the module entry point works. The
fixture corpus is written here: three documents in three encodings (UTF-8, UTF-8 with CRLF,
GB18030) share one 100-character paragraph, a fourth shares nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reuse import cli

REPO = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
CHECKER = SHARED_DIR / "tools" / "check_contract.py"

PARAGRAPH = (
    "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实党的二十大精神，完整准确全面贯彻新发展理念，"
    "加快构建新发展格局，着力推动高质量发展，统筹发展和安全，切实保障和改善民生，保持社会大局和谐稳定。"
)
assert len(PARAGRAPH) == 100
# A span may run a few characters past the paragraph where neighbours agree by chance.
SLACK = 6

# id -> (text as the file holds it, encoding used to write it)
DOCS: dict[str, tuple[str, str]] = {
    "a.txt": (
        "市政府召开常务会议，研究部署下半年重点工作。会议强调，要抓好重大项目建设，持续优化营商环境。\n"
        + PARAGRAPH
        + "\n散会前，会议还研究了其他事项。\n",
        "utf-8",
    ),
    "b.txt": (
        "县委理论学习中心组举行专题学习会。\r\n与会同志结合分管工作作了交流发言。\r\n"
        + PARAGRAPH
        + "\r\n会议要求，各级党组织要认真抓好贯彻落实，确保各项部署落地见效。\r\n",
        "utf-8",
    ),
    "c.txt": (
        "镇党委召开党员大会，传达学习上级会议精神。党委书记在讲话中指出：\n"
        + PARAGRAPH
        + "\n全镇上下要坚定信心、真抓实干，奋力完成全年目标任务。\n",
        "gb18030",
    ),
    "d.txt": (
        "区人大常委会听取和审议了关于财政预算执行情况的报告。会议指出，要严格预算管理，"
        "提高财政资金使用效益，坚决兜牢基层“三保”底线。会议同意将报告提请大会审议。\n",
        "utf-8",
    ),
}
SHARING = {"a.txt", "b.txt", "c.txt"}
EXPECTED_PAIRS = {
    frozenset(("a.txt", "b.txt")),
    frozenset(("a.txt", "c.txt")),
    frozenset(("b.txt", "c.txt")),
}


def write_docs(root: Path, docs: dict[str, tuple[str, str]]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for doc_id, (text, encoding) in docs.items():
        (root / doc_id).write_bytes(text.encode(encoding))
    return root


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_docs(tmp_path / "corpus", DOCS)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def scan_json(capsys: pytest.CaptureFixture[str], out: Path, *args: str | Path) -> dict[str, Any]:
    code, _, err = run(capsys, "scan", *args, "--json", out, "--workers", "1")
    assert code == 0, err
    return json.loads(out.read_text(encoding="utf-8"))


def canonical_pairs(data: dict[str, Any]) -> list[tuple]:
    """Pairs as sorted tuples, each pair's sides in document order, for comparing two runs."""
    rows = []
    for p in data["pairs"]:
        sides = sorted((p[k]["doc"], p[k]["start"], p[k]["end"]) for k in ("a", "b"))
        rows.append((*sides, round(p["similarity"], 6)))
    return sorted(rows)


def assert_span(span: Any, chars: dict[str, int]) -> None:
    assert isinstance(span, dict)
    assert set(span) >= {"doc", "start", "end"}
    assert span["doc"] in chars
    assert isinstance(span["start"], int) and isinstance(span["end"], int)
    assert 0 <= span["start"] < span["end"] <= chars[span["doc"]]


def assert_is_paragraph(span: dict[str, Any]) -> None:
    """The span, cut from the file's own decoded text, is the shared paragraph (give or take)."""
    text, _ = DOCS[span["doc"]]
    cut = text[span["start"] : span["end"]]
    assert PARAGRAPH[SLACK:-SLACK] in cut, cut
    assert abs(len(cut) - len(PARAGRAPH)) <= SLACK, cut


# --------------------------------------------------------------------------- scan --json


def test_scan_writes_the_contract_shape(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "scan.json"  # the folder does not exist yet
    code, stdout, _ = run(capsys, "scan", corpus, "--json", out, "--workers", "1")
    assert code == 0
    assert "reuse scan" in stdout  # the report for people still goes to the terminal
    data = json.loads(out.read_text(encoding="utf-8"))

    assert [d["id"] for d in data["documents"]] == sorted(DOCS)
    chars = {d["id"]: d["chars"] for d in data["documents"]}
    assert chars == {i: len(t) for i, (t, _) in DOCS.items()}

    assert data["pairs"], "the shared paragraph was not found"
    for pair in data["pairs"]:
        assert_span(pair["a"], chars)
        assert_span(pair["b"], chars)
        assert pair["a"]["doc"] != pair["b"]["doc"]
        assert isinstance(pair["similarity"], int | float)
        assert 0.0 <= pair["similarity"] <= 1.0
        assert_is_paragraph(pair["a"])
        assert_is_paragraph(pair["b"])
    found = {frozenset((p["a"]["doc"], p["b"]["doc"])) for p in data["pairs"]}
    assert found == EXPECTED_PAIRS

    assert len(data["passages"]) == 1
    family = data["passages"][0]
    assert isinstance(family["id"], int)
    assert PARAGRAPH[SLACK:-SLACK] in family["text"]
    for member in family["members"]:
        assert_span(member, chars)
        assert_is_paragraph(member)
    assert {m["doc"] for m in family["members"]} == SHARING


def test_json_to_stdout_is_only_json(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = run(capsys, "scan", corpus, "--json", "-", "--workers", "1")
    assert code == 0
    data = json.loads(stdout)  # fails on any report or progress text around the JSON
    assert len(data["documents"]) == 4
    assert data["pairs"]


# --------------------------------------------------------------------------- bad input


def test_missing_path_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Long enough to cross any terminal width; COLUMNS as when stderr goes to a log file.
    monkeypatch.setenv("COLUMNS", "80")
    missing = tmp_path / "二〇二四年各地政府工作报告汇编" / ("no-such-folder-" * 8)
    code, stdout, err = run(capsys, "scan", missing)
    assert code == 2
    assert stdout == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(missing) in lines[0]


@pytest.mark.parametrize(
    "content", [None, b"\x00\x01\x02\x03binary\x00" * 20], ids=["empty-folder", "only-binary"]
)
def test_folder_without_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None
) -> None:
    folder = tmp_path / "nothing"
    folder.mkdir()
    if content is not None:
        (folder / "junk.txt").write_bytes(content)
    code, stdout, err = run(capsys, "scan", folder, "--workers", "1")
    assert code == 2
    assert "no documents found" in err
    assert "Traceback" not in err
    assert stdout == ""


def test_binary_file_is_skipped_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_docs(tmp_path / "mixed", {k: DOCS[k] for k in ("a.txt", "b.txt")})
    junk = folder / "scan0001.txt"
    junk.write_bytes(bytes(range(256)) * 4)
    out = tmp_path / "out.json"
    code, _, err = run(capsys, "scan", folder, "--json", out, "--workers", "1")
    assert code == 0
    assert str(junk) in err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [d["id"] for d in data["documents"]] == ["a.txt", "b.txt"]
    assert data["summary"]["skipped"] == 1
    assert [s["path"] for s in data["skipped"]] == [str(junk)]
    assert len(data["pairs"]) == 1


# --------------------------------------------------------------------------- index and --db


def test_scan_of_an_index_matches_a_direct_scan(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "corpus.db"
    code, stdout, _ = run(capsys, "index", corpus, "--db", db, "--workers", "1")
    assert code == 0
    assert "indexed 4 documents" in stdout
    from_db = scan_json(capsys, tmp_path / "db.json", "--db", db)
    direct = scan_json(capsys, tmp_path / "direct.json", corpus)
    assert direct["pairs"]
    assert canonical_pairs(from_db) == canonical_pairs(direct)
    assert from_db["documents"] == direct["documents"]
    members = [sorted(tuple(m.values()) for m in p["members"]) for p in direct["passages"]]
    assert [sorted(tuple(m.values()) for m in p["members"]) for p in from_db["passages"]] == members


def test_index_stats_and_incremental_update(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "corpus.db"
    assert run(capsys, "index", corpus, "--db", db, "--workers", "1")[0] == 0
    code, stdout, _ = run(capsys, "index", "--db", db, "--stats")
    assert code == 0
    pairs = (line.split(":", 1) for line in stdout.splitlines() if ":" in line)
    fields = {k.strip(): v.strip() for k, v in pairs}
    assert fields["documents"] == "4"
    assert fields["characters"] == str(sum(len(t) for t, _ in DOCS.values()))
    code, stdout, _ = run(capsys, "index", corpus, "--db", db, "--workers", "1")
    assert code == 0
    assert "indexed 0 documents, 4 files unchanged, 0 removed" in stdout


@pytest.mark.parametrize(
    ("content", "words"),
    [(None, "no such index file"), (b"SQLite? no." * 100, "not a reuse index")],
    ids=["missing", "not-an-index"],
)
def test_scan_with_an_unusable_db(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, words: str
) -> None:
    db = tmp_path / "missing.db"
    if content is not None:
        db.write_bytes(content)
    code, stdout, err = run(capsys, "scan", "--db", db)
    assert code == 2
    assert stdout == ""
    assert "Traceback" not in err
    flat = "".join(err.split())  # the message may be wrapped; its words must be there
    assert "".join(str(db).split()) in flat
    assert "".join(words.split()) in flat
    if content is None:
        assert not db.exists()  # a failed scan does not leave an empty index behind


def test_index_into_a_missing_folder_is_not_a_crash(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A raw sqlite3.OperationalError ("unable to open database file") must not escape main."""
    db = tmp_path / "no" / "such" / "folder" / "corpus.db"
    code, _, err = run(capsys, "index", corpus, "--db", db, "--workers", "1")
    assert code in (0, 2)
    if code == 2:
        assert "Traceback" not in err
        assert "".join(str(db.parent).split()) in "".join(err.split())


# --------------------------------------------------------------------------- module entry


def test_python_dash_m_reuse(corpus: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "reuse", "scan", str(corpus), "--json", "-", "--workers", "1"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    found = {frozenset((p["a"]["doc"], p["b"]["doc"])) for p in data["pairs"]}
    assert found == EXPECTED_PAIRS


# --------------------------------------------------------------------------- shared validator


@pytest.mark.skipif(not CHECKER.is_file(), reason="needs ../shared/tools/check_contract.py")
def test_sample_corpus_scan_passes_the_shared_validator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = REPO / "corpus"
    out = tmp_path / "scan.json"
    data = scan_json(capsys, out, sample)
    assert data["pairs"] and data["passages"]  # an empty result would validate trivially
    proc = subprocess.run(
        [sys.executable, str(CHECKER), "scan", str(out), "--corpus", str(sample)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK scan" in proc.stdout
