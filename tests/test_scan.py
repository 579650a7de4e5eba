"""End to end: generated corpora with planted reuse, scanned, scored against the truth."""

from pathlib import Path

import pytest

from reuse.evaluate import read_texts, score
from reuse.normalize import normalize
from reuse.scan import ScanOptions, scan_paths
from reuse.synth import make_corpus


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list, dict]:
    root = tmp_path_factory.mktemp("planted")
    corpus = root / "corpus"
    plants = make_corpus(corpus, n_docs=80, doc_chars=1500, n_plants=48, seed=7)
    result = scan_paths([corpus], ScanOptions(workers=2))
    return corpus, plants, result


def test_planted_passages_are_found_whole_and_tight(planted):
    corpus, plants, result = planted
    report = result.to_json()
    s = score(report, plants, read_texts(corpus))
    assert s.offsets_valid
    assert s.recall >= 0.95, s.summary()
    assert s.precision >= 0.95, s.summary()
    assert s.tight >= 0.9, s.summary()
    assert s.granularity <= 1.1, s.summary()
    kinds = {p.kind for p in plants}
    assert {"traditional", "numbers", "edit", "reorder", "drop"} <= kinds


def test_reported_spans_hold_the_same_text_on_both_sides(planted):
    corpus, _, result = planted
    texts = read_texts(corpus)
    for p in result.pairs[:300]:
        a = normalize(texts[p.a.doc][p.a.start : p.a.end]).text
        b = normalize(texts[p.b.doc][p.b.start : p.b.end]).text
        assert p.a.doc != p.b.doc
        assert min(len(a), len(b)) >= 20
        assert 0.0 <= p.similarity <= 1.0


def test_families_list_each_member_once(planted):
    _, _, result = planted
    for fam in result.passages:
        assert len(fam.members) == len(set(fam.members))
        assert fam.docs >= 2
        assert fam.text


def test_unrelated_documents_give_no_pairs(tmp_path: Path):
    corpus = tmp_path / "c"
    make_corpus(corpus, n_docs=30, doc_chars=1500, n_plants=0, seed=3, footer=False)
    result = scan_paths([corpus], ScanOptions(workers=1))
    assert len(result.documents) == 30
    assert result.pairs == []


def test_sample_corpus_shows_its_planted_paragraphs():
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    result = scan_paths([corpus], ScanOptions(workers=1))
    assert len(result.documents) >= 15
    assert not result.skipped
    hk = [p for p in result.pairs if "hk/" in p.a.doc or "hk/" in p.b.doc]
    assert hk, "the traditional repost shares a paragraph with its simplified source"
    assert result.reused_share > 0.1
