"""Tests for ``reuse check``: drafts made of known corpus passages plus fresh text.

The corpus is generated officialese (``reuse.synth.generate_documents``), indexed once per
module. Drafts are composed here, so the draft offsets of every copied passage, and the
document and offsets it came from, are known exactly: an exact copy, one with about 10% of
its characters edited, one converted to traditional script, between fresh sentences that
no corpus document holds.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from check_fixtures import FRESH, SENTENCE, build_index, indexed_corpus

from reuse import check as check_module
from reuse.check import (
    CheckParams,
    IndexPhrases,
    SampledPhrases,
    check_text,
    phrase_cache_path,
    unit_band_keys,
)
from reuse.cli_check import register, run
from reuse.corpus import InputError
from reuse.index import Index, IndexFileError, IndexParams, band_keys, build
from reuse.lsh import MinHasher
from reuse.normalize import normalize
from reuse.synth import edit_passage, generate_documents, to_traditional


@dataclass
class Planted:
    start: int  # in the draft
    end: int
    doc: str
    src_start: int
    src_end: int


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    return indexed_corpus(tmp_path_factory.mktemp("check"), docs=40, chars=1500, seed=4)


def _passage(texts: dict[str, str], name: str, first: int, n: int) -> tuple[int, int]:
    spans = [(m.start(), m.end()) for m in SENTENCE.finditer(texts[name])]
    spans = [s for s in spans if s[1] - s[0] >= 25]
    return spans[first][0], spans[first + n - 1][1]


def compose(texts: dict[str, str]) -> tuple[str, list[Planted]]:
    """Fresh, exact copy, fresh, edited copy, fresh, traditional copy, fresh."""
    rng = random.Random(3)
    parts: list[str] = []
    planted: list[Planted] = []
    pos = 0

    def add(s: str) -> None:
        nonlocal pos
        parts.append(s)
        pos += len(s)

    for k, (name, how) in enumerate(
        [("doc03.txt", "exact"), ("doc17.txt", "edit"), ("doc29.txt", "traditional")]
    ):
        add(FRESH[2 * k] + FRESH[2 * k + 1])
        s, e = _passage(texts, name, 2, 3)
        p = texts[name][s:e]
        if how == "edit":
            p = edit_passage(p, rng, 0.1)
        elif how == "traditional":
            p = to_traditional(p)
        planted.append(Planted(pos, pos + len(p), name, s, e))
        add(p)
    add(FRESH[6] + FRESH[7])
    return "".join(parts), planted


def _ink(text: str) -> np.ndarray:
    return np.array([not c.isspace() for c in text], dtype=bool)


def test_draft_spans_sources_and_fraction(corpus: tuple[Path, Path, dict[str, str]]) -> None:
    _, db, texts = corpus
    draft, planted = compose(texts)
    index = Index.open(db)
    try:
        result = check_text(draft, index, CheckParams(), draft_id="draft.txt")
    finally:
        index.close()
    truth = np.zeros(len(draft), dtype=bool)
    for p in planted:
        truth[p.start : p.end] = True
    found = np.zeros(len(draft), dtype=bool)
    for m in result.matches:
        found[m.start : m.end] = True
    ink = _ink(draft)
    precision = (found & truth & ink).sum() / max(1, (found & ink).sum())
    recall = (found & truth & ink).sum() / (truth & ink).sum()
    assert precision >= 0.95
    assert recall >= 0.9
    true_fraction = (truth & ink).sum() / ink.sum()
    assert abs(result.reused_fraction - true_fraction) <= 0.05
    for p in planted:
        overlapping = [m for m in result.matches if m.start < p.end and p.start < m.end]
        assert overlapping, f"passage from {p.doc} not found"
        covered = sum(min(m.end, p.end) - max(m.start, p.start) for m in overlapping)
        assert covered >= 0.85 * (p.end - p.start)
        # Some listed source is the true document, over the true passage.
        assert any(
            s.span.doc == p.doc and s.span.start < p.src_end and p.src_start < s.span.end
            for m in overlapping
            for s in m.sources
        ), f"no source in {p.doc}"
    # Source offsets are original offsets: the source text is the passage (modulo edits).
    exact = planted[0]
    m = next(m for m in result.matches if m.start < exact.end and exact.start < m.end)
    s = next(s for s in m.sources if s.span.doc == exact.doc)
    assert texts[exact.doc][s.span.start : s.span.end] == draft[m.start : m.end]


def test_fresh_draft_has_no_reuse(corpus: tuple[Path, Path, dict[str, str]]) -> None:
    _, db, _ = corpus
    index = Index.open(db)
    try:
        result = check_text("".join(FRESH) * 2, index)
    finally:
        index.close()
    assert result.matches == []
    assert result.reused_fraction == 0.0


def test_json_has_the_contract_shape(corpus: tuple[Path, Path, dict[str, str]]) -> None:
    _, db, texts = corpus
    draft, _ = compose(texts)
    index = Index.open(db)
    try:
        data = check_text(draft, index, draft_id="d.txt").to_json()
    finally:
        index.close()
    assert {"draft", "chars", "reused_fraction", "matches", "phrases"} <= set(data)
    assert data["draft"] == "d.txt" and data["chars"] == len(draft)
    m = data["matches"][0]
    assert {"start", "end", "similarity", "sources"} <= set(m)
    assert {"doc", "start", "end"} <= set(m["sources"][0])
    assert 0 <= m["similarity"] <= 1
    for p in data["phrases"]:
        assert set(p) >= {"phrase", "start", "end", "df"}
    json.dumps(data, ensure_ascii=False)


def test_unit_keys_are_the_index_keys() -> None:
    params = IndexParams()
    hasher = MinHasher(params.lsh)
    for text in generate_documents(3, 1200, seed=9):
        per_unit = unit_band_keys(text, params, hasher)
        assert np.array_equal(np.unique(per_unit.ravel()), band_keys(text, params, hasher))


def test_sampled_phrases_are_common_and_placed(corpus: tuple[Path, Path, dict[str, str]]) -> None:
    _, db, texts = corpus
    draft = texts["doc05.txt"][:800] + "".join(FRESH)
    index = Index.open(db)
    try:
        source = SampledPhrases(index, min_share=0.2)
        found = source.phrases_in(draft)
    finally:
        index.close()
    assert found
    norm_texts = [normalize(t).text for t in texts.values()]
    for phrase, start, end, df in found:
        assert normalize(draft[start:end]).text == phrase
        assert 4 <= len(phrase) <= 8
        # The sample is the whole 40-document index here, so df is exact.
        assert df == sum(phrase in t for t in norm_texts)
        assert df >= 0.2 * len(texts)
    assert all(e <= len(draft) - len("".join(FRESH)) for _, _, e, _ in found)


def test_custom_phrase_source(corpus: tuple[Path, Path, dict[str, str]]) -> None:
    _, db, _ = corpus

    class Fixed:
        def phrases_in(self, text: str) -> list[tuple[str, int, int, int]]:
            i = text.index("红薯")
            return [("红薯", i, i + 2, 7)]

    index = Index.open(db)
    try:
        result = check_text("".join(FRESH), index, phrases=Fixed())
    finally:
        index.close()
    assert [(p.phrase, p.df) for p in result.phrases] == [("红薯", 7)]


def _fold(text: str) -> str:
    return normalize(text, numbers=False, punctuation=False).text


def test_index_phrases_are_mined_formulas_placed_in_the_draft(
    corpus: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    folder, _, texts = corpus
    db = tmp_path / "mined.db"
    build_index(db, folder)
    index = Index.open(db)
    try:
        source = IndexPhrases(index)
        mined = dict(source.phrases())
        # A draft in traditional script that uses some of the corpus's formulas.
        draft = FRESH[0] + to_traditional(texts["doc05.txt"][:600]) + FRESH[1]
        found = source.phrases_in(draft)
    finally:
        index.close()
    assert mined and found
    folded = [_fold(t) for t in texts.values()]
    for phrase, start, end, df in found:
        assert _fold(draft[start:end]) == phrase  # original offsets, traditional folded
        assert phrase in mined and df == mined[phrase]
        assert df == sum(phrase in t for t in folded)  # the miner's df is exact
    spans = sorted((s, e) for _, s, e, _ in found)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))  # no overlaps
    assert all(s >= len(FRESH[0]) for s, _ in spans)  # nothing in the fresh sentences


def test_index_phrases_cache_is_reused_and_renewed(
    corpus: tuple[Path, Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _, texts = corpus
    db = tmp_path / "cached.db"
    build_index(db, folder)
    index = Index.open(db)
    try:
        source = IndexPhrases(index)
        assert not source.ready()  # nothing mined yet: the command announces the mining
        first = source.phrases()
        assert source.ready()
    finally:
        index.close()
    cache = phrase_cache_path(db)
    assert cache.is_file()

    def no_mining(self: IndexPhrases) -> list[tuple[str, int]]:
        raise AssertionError("mined again although the cache is current")

    monkeypatch.setattr(IndexPhrases, "_mine", no_mining)
    index = Index.open(db)
    try:
        assert IndexPhrases(index).ready()
        assert IndexPhrases(index).phrases() == first
    finally:
        index.close()
    monkeypatch.undo()

    # A changed index (one more document) makes the cache stale: mined again.
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.txt").write_text(texts["doc01.txt"] + FRESH[3], encoding="utf-8")
    index = Index.create(db, IndexParams(), buckets=True)
    try:
        build(index, [folder, extra], workers=1)
        calls = []
        original = IndexPhrases._mine

        def counting(self: IndexPhrases) -> list[tuple[str, int]]:
            calls.append(1)
            return original(self)

        monkeypatch.setattr(IndexPhrases, "_mine", counting)
        stale = IndexPhrases(index)
        assert not stale.ready()
        stale.phrases()
    finally:
        index.close()
    assert calls == [1]


def test_check_uses_mined_phrases_by_default(corpus: tuple[Path, Path, dict[str, str]]) -> None:
    _, db, texts = corpus
    draft = texts["doc07.txt"][:500]
    index = Index.open(db)
    try:
        result = check_text(draft, index)
        assert check_module._default_phrases(index) is check_module._default_phrases(index)
        mined = dict(check_module._default_phrases(index).phrases())
    finally:
        index.close()
    assert result.phrases
    assert all(p.phrase in mined and p.df == mined[p.phrase] for p in result.phrases)


# -- command line --------------------------------------------------------------


def _run(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="reuse")
    register(p.add_subparsers(dest="command", required=True))
    return run(p.parse_args(["check", *argv]))


@pytest.fixture()
def drafts(tmp_path: Path, corpus: tuple[Path, Path, dict[str, str]]) -> tuple[Path, Path]:
    _, _, texts = corpus
    heavy, _ = compose(texts)
    fresh = tmp_path / "fresh.txt"
    fresh.write_text("".join(FRESH), encoding="utf-8")
    reused = tmp_path / "reused.txt"
    reused.write_text(heavy, encoding="gb18030")  # decoded as the corpus reader would
    return fresh, reused


def test_fail_over_exit_codes(
    corpus: tuple[Path, Path, dict[str, str]], drafts: tuple[Path, Path], capsys
) -> None:
    _, db, _ = corpus
    fresh, reused = drafts
    assert _run([str(fresh), "--db", str(db), "--fail-over", "0.3"]) == 0
    assert _run([str(fresh), str(reused), "--db", str(db), "--fail-over", "0.3"]) == 1
    assert _run([str(fresh), str(reused), "--db", str(db), "--fail-over", "0.95"]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x.strip()]
    assert len(lines) == 5  # one summary line per draft and run
    assert any(x.startswith("OVER") and "reused.txt" in x for x in lines)


def test_stdin_and_json(
    corpus: tuple[Path, Path, dict[str, str]],
    drafts: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch,
) -> None:
    _, db, _ = corpus
    _, reused = drafts
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(reused.read_bytes())))
    out = tmp_path / "out.json"
    assert _run(["-", "--db", str(db), "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["draft"] == "-"
    assert data["reused_fraction"] > 0.3
    assert data["chars"] == len(reused.read_text(encoding="gb18030"))


def test_corpus_folder_without_index(
    corpus: tuple[Path, Path, dict[str, str]], drafts: tuple[Path, Path], tmp_path: Path
) -> None:
    folder, _, _ = corpus
    _, reused = drafts
    out = tmp_path / "c.json"
    assert _run([str(reused), "--corpus", str(folder), "--json", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["reused_fraction"] > 0.3


def test_missing_and_corrupt_index(drafts: tuple[Path, Path], tmp_path: Path) -> None:
    fresh, _ = drafts
    with pytest.raises(IndexFileError, match="no such index"):
        _run([str(fresh), "--db", str(tmp_path / "none.db")])
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not an sqlite database" * 100)
    with pytest.raises(IndexFileError):
        _run([str(fresh), "--db", str(bad)])


def test_missing_draft(corpus: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> None:
    _, db, _ = corpus
    with pytest.raises(InputError, match="no such file"):
        _run([str(tmp_path / "nope.txt"), "--db", str(db)])


def test_terminal_report_renders(
    corpus: tuple[Path, Path, dict[str, str]], drafts: tuple[Path, Path], capsys
) -> None:
    _, db, _ = corpus
    _, reused = drafts
    assert _run([str(reused), "--db", str(db)]) == 0
    shown = capsys.readouterr().out
    assert "reused share" in shown and "doc03.txt" in shown
