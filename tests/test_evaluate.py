"""Tests for scoring scan reports against planted reuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reuse import synth
from reuse.evaluate import decode_bytes, main, read_texts, score, similarity
from reuse.model import Span
from reuse.synth import Plant

PASSAGE = (
    "各级党组织要持续深化基层党建工作责任体系，推动党史学习教育走深走实，"
    "切实把学习成果转化为发展实效。"
)
PAD_A = "甲" * 120
PAD_B = "丙" * 80
OTHER = "完全无关的一段文字，讲的是天气晴朗、万物生长、百花盛开的景象。" * 3


def build() -> tuple[dict[str, str], Plant]:
    texts = {
        "a.txt": PAD_A + PASSAGE + PAD_A,
        "b.txt": PAD_B + PASSAGE + PAD_B,
        "c.txt": OTHER,
    }
    n = len(PASSAGE)
    plant = Plant(
        "exact", Span("a.txt", 120, 120 + n), [Span("b.txt", 80, 80 + n)], PASSAGE, [PASSAGE]
    )
    return texts, plant


def pair(a: Span, b: Span) -> dict:
    return {"a": a.to_json(), "b": b.to_json(), "similarity": 1.0}


def test_perfect_report() -> None:
    texts, plant = build()
    s = score({"pairs": [pair(plant.source, plant.targets[0])]}, [plant], texts)
    assert (s.recall, s.precision, s.granularity, s.tight) == (1.0, 1.0, 1.0, 1.0)
    assert s.offsets_valid and s.n_planted_pairs == 1 and s.n_detected == 1
    line = s.summary()
    assert "\n" not in line and "recall 1.000" in line and "precision 1.000" in line


def test_sides_may_come_in_either_order() -> None:
    texts, plant = build()
    s = score({"pairs": [pair(plant.targets[0], plant.source)]}, [plant], texts)
    assert s.recall == 1.0 and s.tight == 1.0


def test_fragmented_report_has_granularity_two() -> None:
    texts, plant = build()
    src, tgt = plant.source, plant.targets[0]
    half = len(PASSAGE) // 2
    first = pair(
        Span("a.txt", src.start, src.start + half), Span("b.txt", tgt.start, tgt.start + half)
    )
    second = pair(
        Span("a.txt", src.start + half, src.end), Span("b.txt", tgt.start + half, tgt.end)
    )
    report = {"pairs": [first, second]}
    s = score(report, [plant], texts)
    assert s.recall == 1.0 and s.granularity == 2.0 and s.precision == 1.0
    assert s.plagdet < 1.0


def test_wrong_pair_lowers_precision() -> None:
    texts, plant = build()
    wrong = pair(Span("a.txt", 0, 60), Span("c.txt", 0, 60))
    s = score({"pairs": [pair(plant.source, plant.targets[0]), wrong]}, [plant], texts)
    assert s.recall == 1.0 and s.precision == 0.5 and s.n_precise == 1 and s.n_reported == 2


def test_similar_text_outside_plants_counts_as_precise() -> None:
    texts = {
        "x.txt": "國務院關於進一步優化營商環境的意見，",
        "y.txt": "国务院关于进一步优化营商环境的意见。",
    }
    report = {"pairs": [pair(Span("x.txt", 0, 17), Span("y.txt", 0, 17))]}
    s = score(report, [], texts)
    assert s.precision == 1.0 and s.recall == 0.0
    assert similarity(texts["x.txt"], texts["y.txt"]) == 1.0


def test_loose_spans_are_not_tight() -> None:
    texts, plant = build()
    whole = pair(Span("a.txt", 0, len(texts["a.txt"])), Span("b.txt", 0, len(texts["b.txt"])))
    s = score({"pairs": [whole]}, [plant], texts)
    assert s.recall == 1.0 and s.tight == 0.0
    # covering only a third of the planted span is not tight either
    third = len(PASSAGE) // 3
    small = pair(
        Span("a.txt", plant.source.start, plant.source.start + third),
        Span("b.txt", plant.targets[0].start, plant.targets[0].start + third),
    )
    assert score({"pairs": [small]}, [plant], texts).tight == 0.0


def test_missed_plant_and_wrong_document() -> None:
    texts, plant = build()
    report = {"pairs": [pair(Span("a.txt", 120, 150), Span("c.txt", 0, 30))]}
    s = score(report, [plant], texts)
    assert s.recall == 0.0 and s.n_detected == 0 and s.granularity == 1.0


def test_invalid_offsets_are_flagged() -> None:
    texts, plant = build()
    bad = pair(plant.source, Span("b.txt", 80, len(texts["b.txt"]) + 5))
    s = score({"pairs": [bad]}, [plant], texts)
    assert not s.offsets_valid and s.n_invalid_spans == 1
    s = score({"pairs": [pair(plant.source, Span("nope.txt", 0, 5))]}, [plant], texts)
    assert not s.offsets_valid


def test_family_pairs_and_passages() -> None:
    n = len(PASSAGE)
    texts = {f"{d}.txt": "乙" * 30 + PASSAGE for d in "pqrs"}
    members = [Span(f"{d}.txt", 30, 30 + n) for d in "pqrs"]
    family = Plant("family", members[0], members[1:], PASSAGE, [PASSAGE] * 3)
    assert len(family.pairs()) == 6
    only_targets = {"pairs": [pair(members[2], members[3])]}
    assert score(only_targets, [family], texts).recall == pytest.approx(1 / 6)
    as_family = {
        "pairs": [],
        "passages": [{"id": 0, "text": PASSAGE, "members": [m.to_json() for m in members]}],
    }
    s = score(as_family, [family], texts)
    assert s.recall == 1.0 and s.precision == 1.0 and s.granularity == 1.0
    # a footer is scored on its own unless asked for
    footer = Plant("footer", members[0], members[1:], PASSAGE, [PASSAGE] * 3)
    s = score(only_targets, [footer], texts)
    assert s.n_planted_pairs == 0 and s.recall_by_kind["footer"] == pytest.approx(1 / 6)
    assert score(only_targets, [footer], texts, include_footer=True).n_planted_pairs == 6


def test_two_targets_of_a_plain_plant_are_not_a_planted_pair() -> None:
    texts, plant = build()
    texts["d.txt"] = PAD_B + PASSAGE
    plant2 = Plant("exact", plant.source, [plant.targets[0], Span("d.txt", 80, 80 + len(PASSAGE))])
    s = score({"pairs": [pair(plant2.targets[0], plant2.targets[1])]}, [plant2], texts)
    assert s.n_planted_pairs == 2 and s.recall == 0.0 and s.precision == 1.0


def test_scores_a_generated_corpus(tmp_path: Path) -> None:
    out = tmp_path / "c"
    plants = synth.make_corpus(out, 20, doc_chars=1000, n_plants=10, seed=6)
    texts = read_texts(out)
    perfect = {"pairs": [pair(a, b) for p in plants for a, b in p.pairs()]}
    s = score(perfect, plants, texts)
    assert s.recall == 1.0 and s.precision == 1.0 and s.tight == 1.0 and s.offsets_valid
    assert set(s.recall_by_kind) == {p.kind for p in plants}
    half = {"pairs": perfect["pairs"][::2]}
    assert 0 < score(half, plants, texts).recall < 1


def test_read_texts_decodes_like_the_contract(tmp_path: Path) -> None:
    text = "第一条　为了规范工作，制定本办法。\r\n第二条　本办法自公布之日起施行。"
    (tmp_path / "sub").mkdir()
    (tmp_path / "gb.txt").write_bytes(text.encode("gb18030"))
    (tmp_path / "bom.txt").write_bytes(text.encode("utf-8-sig"))
    (tmp_path / "u16.txt").write_bytes(text.encode("utf-16"))
    (tmp_path / "sub" / "plain.txt").write_bytes(text.encode("utf-8"))
    (tmp_path / "metadata.jsonl").write_text('{"file": "gb.txt"}\n', encoding="utf-8")
    (tmp_path / ".hidden").write_text("x", encoding="utf-8")
    texts = read_texts(tmp_path)
    assert set(texts) == {"gb.txt", "bom.txt", "u16.txt", "sub/plain.txt"}
    assert all(t == text for t in texts.values())
    assert decode_bytes("中文".encode("gb18030")) == "中文"


def test_cli_prints_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "c"
    plants = synth.make_corpus(out, 8, doc_chars=800, n_plants=4, seed=1, footer=False)
    report = {"pairs": [pair(a, b) for p in plants for a, b in p.pairs()]}
    (tmp_path / "r.json").write_text(json.dumps(report), encoding="utf-8")
    assert main([str(tmp_path / "r.json"), str(tmp_path / "c.truth.json"), str(out)]) == 0
    assert "recall 1.000" in capsys.readouterr().out
