"""Tests for the synthetic corpus generator: officialese, no accidental reuse, exact truth."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from reuse import synth
from reuse.evaluate import fold, read_texts
from reuse.model import Span

SHARED = Path(__file__).resolve().parents[2] / "shared"
CJK = re.compile(r"[\u4e00-\u9fff]")


def naive_shared(texts: list[str], k: int) -> set[str]:
    """k-grams in two different texts, by brute force (independent of synth's hashing)."""
    owner: dict[str, int] = {}
    shared = set()
    for d, text in enumerate(texts):
        for i in range(len(text) - k + 1):
            gram = text[i : i + k]
            if owner.setdefault(gram, d) != d:
                shared.add(gram)
    return shared


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[synth.Plant]]:
    out = tmp_path_factory.mktemp("synth") / "corpus"
    plants = synth.make_corpus(out, 60, doc_chars=1500, n_plants=40, seed=11)
    return out, plants


# -- the generator ---------------------------------------------------------------------------


def test_documents_look_like_officialese() -> None:
    docs = synth.generate_documents(8, 2000, seed=5)
    assert len(docs) == 8
    joined = "".join(docs)
    for doc in docs:
        assert 1400 <= len(doc) <= 2900
        assert len(CJK.findall(doc)) > 0.7 * len(doc.replace("\n", ""))
        heading = re.compile(r"^[一二三四五六七八九十]、")
        lines = [ln for ln in doc.split("\n")[1:] if ln and not heading.match(ln)]
        # body paragraphs are made of full sentences
        assert all(ln.endswith("。") or ln == "同志们：" for ln in lines)
    assert any(f in joined for f in synth.FORMULAS)
    assert re.search(r"\d{4}年\d{1,2}月", joined)
    assert any(org in joined for org in ("党委", "党支部", "党工委", "县委", "区委", "市委"))


@pytest.mark.parametrize("seed", [2, 11])
def test_unrelated_documents_share_no_20_chars(seed: int) -> None:
    docs = synth.generate_documents(30, 3000, seed=seed)
    assert naive_shared(docs, 20) == set()
    assert synth.shared_kgrams(docs, 20) == []


def test_grammar_alone_makes_long_repeats_rare() -> None:
    # seed 11 is one where the bare grammar does repeat a few 20-character strings
    raw = synth.generate_documents(30, 3000, seed=11, repair=0)
    windows = sum(len(d) - 19 for d in raw)
    shared20 = naive_shared(raw, 20)
    assert 0 < len(shared20) < 0.0005 * windows
    assert naive_shared(raw, 25) == set()
    assert {raw[b][pb : pb + 20] for _a, _pa, b, pb in synth.shared_kgrams(raw, 20)} == shared20
    # the repair rewrites only the sentences that clashed
    repaired = synth.generate_documents(30, 3000, seed=11)
    assert sum(a == b for a, b in zip(raw, repaired, strict=True)) >= 25


def test_shared_kgrams_finds_a_planted_repeat() -> None:
    docs = synth.generate_documents(4, 800, seed=9)
    piece = docs[0][100:125]
    docs[3] = docs[3][:50] + piece + docs[3][50:]
    found = synth.shared_kgrams(docs, 20)
    assert found and all(a == 0 and b == 3 for a, _pa, b, _pb in found)
    assert {docs[3][pb : pb + 20] for _a, _pa, _b, pb in found} == naive_shared(docs, 20)


def test_generation_is_deterministic() -> None:
    assert synth.generate_documents(5, 1000, seed=4) == synth.generate_documents(5, 1000, seed=4)
    assert synth.generate_documents(5, 1000, seed=4) != synth.generate_documents(5, 1000, seed=5)


# -- transformations -------------------------------------------------------------------------


def test_int_to_chinese() -> None:
    assert synth.int_to_chinese(8) == "八"
    assert synth.int_to_chinese(12) == "十二"
    assert synth.int_to_chinese(326) == "三百二十六"
    assert synth.int_to_chinese(1005) == "一千零五"
    assert synth.int_to_chinese(1500) == "一千五百"
    assert synth.int_to_chinese(10010) == "一万零一十"


def test_clause_helpers_keep_quotes_whole() -> None:
    import random

    passage = "要坚决做到“两个维护”，压实基层党建责任，推动工作走深走实。"
    out = synth.reorder_clauses(passage, random.Random(1))
    assert out is not None and out != passage
    assert Counter(out) == Counter(passage)
    assert out.count("“") == out.count("”") == 1 and out.index("“") < out.index("”")
    dropped = synth.drop_clause(passage, random.Random(1))
    assert dropped is not None and len(dropped) < len(passage) and dropped.endswith("。")
    assert synth.swap_punct_width("一是，二是。") == "一是,二是."
    assert synth.swap_punct_width('一是,二是"好".共12.5万') == "一是，二是“好”。共12.5万"


# -- planting and writing --------------------------------------------------------------------


def test_written_files_hold_every_plant(corpus: tuple[Path, list[synth.Plant]]) -> None:
    out, plants = corpus
    texts = read_texts(out)
    assert len(texts) == 60
    inserted_spans: dict[str, list[Span]] = {}
    for p in plants:
        assert texts[p.source.doc][p.source.start : p.source.end] == p.passage
        assert len(p.targets) == len(p.inserted) >= 1
        for t, ins in zip(p.targets, p.inserted, strict=True):
            assert t.doc != p.source.doc
            assert texts[t.doc][t.start : t.end] == ins
            inserted_spans.setdefault(t.doc, []).append(t)
    for p in plants:  # sources come from original text, never from an insertion
        for t in inserted_spans.get(p.source.doc, []):
            assert p.source.end <= t.start or t.end <= p.source.start
    for p in plants:
        if p.kind != synth.FOOTER_KIND:
            assert 60 <= len(p.passage) <= 400
            assert p.passage.endswith(("。", "！", "？", "。”"))


def test_every_kind_is_planted_and_behaves(corpus: tuple[Path, list[synth.Plant]]) -> None:
    _out, plants = corpus
    by_kind: dict[str, list[synth.Plant]] = {}
    for p in plants:
        by_kind.setdefault(p.kind, []).append(p)
    assert set(by_kind) == set(synth.ALL_KINDS) | {synth.FOOTER_KIND}
    for p in by_kind["exact"]:
        assert p.inserted == [p.passage]
    for p in by_kind["traditional"]:
        new = p.inserted[0]
        assert new != p.passage and synth.to_traditional(p.passage) == new
        assert fold(new) == fold(p.passage)  # t2s folds it back
        assert re.search(r"[黨國會實對區點關於議學習]", new)
    for p in by_kind["numbers"]:
        new = p.inserted[0]
        assert re.findall(r"\d+", new) != re.findall(r"\d+", p.passage)
        assert re.search(r"[〇一二三四五六七八九十百千万]|\[\*\]|[\u2460-\u2473]|点", new)
    for p in by_kind["edit"]:
        new = p.inserted[0]
        assert 0.04 <= Levenshtein.normalized_distance(p.passage, new) <= 0.16
        assert 80 <= fuzz.ratio(p.passage, new) <= 97
    for p in by_kind["reorder"]:
        assert p.inserted[0] != p.passage and Counter(p.inserted[0]) == Counter(p.passage)
    for p in by_kind["drop"]:
        new = p.inserted[0]
        assert len(new) < len(p.passage)
        assert all(part in p.passage for part in re.split(r"[，。；、]", new))
    for p in by_kind["punct"]:
        assert p.inserted[0] != p.passage and fold(p.inserted[0]) == fold(p.passage)
    for p in by_kind["family"]:
        assert 4 <= len(p.targets) <= 6
        assert len({t.doc for t in p.targets} | {p.source.doc}) == len(p.targets) + 1
        assert set(p.inserted) == {p.passage}
        assert len(p.pairs()) == (len(p.targets) + 1) * len(p.targets) // 2


def test_footer_family(corpus: tuple[Path, list[synth.Plant]]) -> None:
    out, plants = corpus
    footers = [p for p in plants if p.kind == synth.FOOTER_KIND]
    assert len(footers) == 1
    footer = footers[0]
    assert 0.2 * 60 <= len(footer.members) <= 0.4 * 60
    assert all(w in footer.passage for w in ("主办：", "版权所有", "备案号"))
    texts = read_texts(out)
    for m in footer.members:  # appended last
        assert texts[m.doc][m.end :].strip() == ""


def test_messy_files(corpus: tuple[Path, list[synth.Plant]]) -> None:
    out, _plants = corpus
    truth = json.loads(synth.truth_path(out).read_text(encoding="utf-8"))
    styles = truth["docs"]
    texts = read_texts(out)
    seen = Counter()
    for doc_id, style in styles.items():
        raw = (out / doc_id).read_bytes()
        if style["encoding"] == "gb18030":
            seen["gb18030"] += 1
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            assert raw.decode("gb18030") == texts[doc_id]
        elif style["encoding"] == "utf-8-sig":
            seen["bom"] += 1
            assert raw.startswith(b"\xef\xbb\xbf") and not texts[doc_id].startswith("\ufeff")
        if style["crlf"]:
            seen["crlf"] += 1
            assert "\r\n" in texts[doc_id] and "\n" not in texts[doc_id].replace("\r\n", "")
        if style["traditional"]:
            seen["traditional"] += 1
            assert fold(texts[doc_id][:200]) != texts[doc_id][:200].replace("\r\n", "")
    assert all(seen[k] >= 1 for k in ("gb18030", "bom", "crlf", "traditional")), seen


def test_truth_file_round_trip(corpus: tuple[Path, list[synth.Plant]]) -> None:
    out, plants = corpus
    path = synth.truth_path(out)
    assert path.parent == out.parent and path.name == "corpus.truth.json"
    assert not any(p.suffix == ".json" for p in out.iterdir())
    loaded = synth.load_truth(path)
    assert loaded == plants
    assert synth.Plant.from_json(json.loads(json.dumps(plants[0].to_json()))) == plants[0]


def test_make_corpus_is_deterministic(tmp_path: Path) -> None:
    a = synth.make_corpus(tmp_path / "a", 12, doc_chars=800, n_plants=8, seed=3)
    b = synth.make_corpus(tmp_path / "b", 12, doc_chars=800, n_plants=8, seed=3)
    c = synth.make_corpus(tmp_path / "c", 12, doc_chars=800, n_plants=8, seed=4)
    assert a == b and a != c
    for f in sorted((tmp_path / "a").iterdir()):
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes()


def test_plant_on_given_texts_with_ids() -> None:
    base = synth.generate_documents(10, 1200, seed=8)
    ids = [f"x/{i}.txt" for i in range(10)]
    final, plants = synth.plant(base, 12, seed=1, kinds=("exact", "edit"), ids=ids)
    assert len(final) == 10 and len(plants) == 12
    by_id = dict(zip(ids, final, strict=True))
    for p in plants:
        assert p.kind in ("exact", "edit") and p.source.doc in by_id
        assert by_id[p.source.doc][p.source.start : p.source.end] == p.passage
        t = p.targets[0]
        assert by_id[t.doc][t.start : t.end] == p.inserted[0]
        # inserted at a sentence boundary of the target
        assert t.start == 0 or by_id[t.doc][t.start - 1] in "。！？”"
    added = sum(len(t) for p in plants for t in p.targets)
    assert sum(map(len, final)) == sum(map(len, base)) + added


def test_write_corpus_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("stale", encoding="utf-8")
    with pytest.raises(FileExistsError):
        synth.write_corpus(tmp_path, {"a.txt": "新文本。"}, seed=0)


def test_cli_writes_corpus_and_truth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(tmp_path / "cli"), "--docs", "10", "--chars", "600", "--plants", "5"]
    assert synth.main(args) == 0
    assert len(list((tmp_path / "cli").iterdir())) == 10
    assert len(synth.load_truth(tmp_path / "cli.truth.json")) >= 5
    assert "plants" in capsys.readouterr().out


@pytest.mark.skipif(
    not (SHARED / "corpora" / "cn-national-reports").is_dir(), reason="real corpora not available"
)
def test_plants_into_copies_of_real_documents(tmp_path: Path) -> None:
    base = SHARED / "corpora" / "cn-national-reports"
    out = tmp_path / "real"
    plants = synth.make_corpus(out, 10, n_plants=8, seed=2, base=base, footer=False)
    texts = read_texts(out)
    originals = read_texts(base)
    assert len(texts) == 10 and set(texts) <= set(originals)
    assert not (out / "metadata.jsonl").exists()
    assert len(plants) >= 6
    for p in plants:
        assert texts[p.source.doc][p.source.start : p.source.end] == p.passage
        assert p.passage in originals[p.source.doc]
        for t, ins in zip(p.targets, p.inserted, strict=True):
            assert texts[t.doc][t.start : t.end] == ins


@pytest.mark.skipif(
    not (SHARED / "corpora" / "cn-national-reports").is_dir(), reason="real corpora not available"
)
def test_cli_refuses_to_copy_real_texts_into_the_repo() -> None:
    with pytest.raises(SystemExit):
        synth.main(
            [
                str(synth.REPO_ROOT / "corpus" / "x"),
                "--base",
                str(SHARED / "corpora" / "cn-national-reports"),
            ]
        )
    assert not (synth.REPO_ROOT / "corpus" / "x").exists()
