"""Boilerplate control: widespread families and ignore lists left out of a scan's report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reuse.boilerplate import IgnoreList, Limit, split
from reuse.model import Passage, Span
from reuse.scan import ScanOptions, scan_paths

FOOTER = "主办单位：青岚县人民政府办公室　版权所有©2024　岚ICP备05012345号　网站标识码：QL0001"
SHARED = (
    "全面推进基层党组织标准化规范化建设，严格落实三会一课、主题党日、谈心谈话等制度，"
    "推动党建工作与业务工作深度融合，以高质量党建引领高质量发展，切实把党的政治优势"
    "和组织优势转化为发展优势。"
)
FILLER = [
    "今年以来，县农业农村局围绕乡村振兴目标，组织技术人员深入田间地头指导春耕备耕。",
    "市场监管部门开展食品安全专项检查，抽检批次同比增长，问题产品全部下架处理。",
    "街道组织志愿者走访辖区独居老人，登记服务需求，建立一人一档的关爱台账。",
    "教育部门推进课后服务提质扩面，引入体育艺术社团，学生参与率明显提高。",
    "交通运输局完成农村公路养护工程，新建改建道路里程创历年新高，群众出行更方便。",
    "生态环境分局加强大气污染联防联控，重点企业安装在线监测设备并与平台联网。",
    "人社部门举办春风行动招聘会，发布岗位信息，帮助返乡农民工就近就业。",
    "卫健委组织家庭医生签约服务进社区，为慢性病患者提供随访和健康指导。",
]


def _passage(docs: int, text: str, n_pairs: int = 1) -> Passage:
    members = [Span(f"d{i}.txt", 0, len(text)) for i in range(docs)]
    return Passage(0, members, text=text, pairs=list(range(n_pairs)))


def test_limit_parses_documents_and_percent() -> None:
    assert Limit.parse("50").max_docs(10_000) == 50
    assert Limit.parse("5%").max_docs(1_000) == 50
    assert Limit.parse(" 1% ").max_docs(10) == 2  # a family is at least two documents


@pytest.mark.parametrize("bad", ["abc", "0", "-3", "150%", "2.5", ""])
def test_limit_rejects_nonsense(bad: str) -> None:
    with pytest.raises(ValueError):
        Limit.parse(bad)


def test_literal_entry_matches_across_script_figures_and_punctuation() -> None:
    ignore = IgnoreList.parse([FOOTER])
    variant = "主辦單位:青岚县人民政府办公室 版權所有(c)2025 岚ICP备05099999号 网站标识码:QL0002"
    assert ignore.matches(variant) is not None
    assert ignore.matches(SHARED) is None
    # A long passage that merely contains the footer is a copied article, not furniture.
    assert ignore.matches(SHARED * 3 + FOOTER) is None


def test_pattern_entries_only_match_short_passages() -> None:
    ignore = IgnoreList.parse(["# comment", "", "re:ICP备"])
    assert ignore.matches("岚ICP备05012345号") == "re:ICP备"
    assert ignore.matches(SHARED * 4 + "岚ICP备05012345号") is None


def test_bad_pattern_is_named_with_its_line(tmp_path: Path) -> None:
    f = tmp_path / "ignore.txt"
    f.write_text("版权所有\nre:([unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"ignore\.txt:2: bad regular expression"):
        IgnoreList.load(f)


def test_builtin_footers_cover_common_furniture() -> None:
    footers = IgnoreList.footers()
    for text in ("版权所有 © 2024 某某市人民政府", "【字号：大 中 小】【打印】【关闭】", FOOTER):
        assert footers.matches(text) is not None, text
    assert footers.matches(SHARED) is None


def test_split_by_limit_and_list() -> None:
    wide, footer, kept = _passage(9, SHARED), _passage(3, FOOTER), _passage(3, SHARED[:60])
    out, dropped = split([wide, footer, kept], 20, Limit(5), IgnoreList.parse([FOOTER]))
    assert out == [kept]
    assert [d.passage for d in dropped] == [wide, footer]
    assert "limit 5" in dropped[0].reason and dropped[1].reason.startswith("ignore list")


def _corpus(root: Path) -> None:
    """Eight documents with a footer; two of them also share a paragraph."""
    for i, body in enumerate(FILLER):
        text = body + (SHARED if i < 2 else "") + "\n\n" + FOOTER + "\n"
        (root / f"doc{i}.txt").write_text(text, encoding="utf-8")


def test_scan_leaves_out_widespread_family(tmp_path: Path) -> None:
    _corpus(tmp_path)
    full = scan_paths([tmp_path], ScanOptions(workers=1))
    assert any(p.docs == 8 for p in full.passages)
    result = scan_paths([tmp_path], ScanOptions(workers=1, ignore_over=Limit(5)))
    assert [p.docs for p in result.passages] == [2]
    assert len(result.ignored) == 1 and result.ignored[0].passage.docs == 8
    # Pairs and families agree after the cut, and reuse no longer counts the footer.
    family = result.passages[0]
    assert family.pairs == list(range(len(result.pairs)))
    assert {result.pairs[0].a.doc, result.pairs[0].b.doc} == {"doc0.txt", "doc1.txt"}
    assert result.reused_share < full.reused_share
    listed = result.to_json()
    assert listed["summary"]["ignored_passages"] == 1
    assert listed["ignored"][0]["docs"] == 8


def test_json_caps_pairs_per_family_but_keeps_members(tmp_path: Path) -> None:
    _corpus(tmp_path)
    result = scan_paths([tmp_path], ScanOptions(workers=1))
    footer = next(p for p in result.passages if p.docs == 8)
    assert len(footer.pairs) > 3
    data = result.to_json(max_pairs_per_family=3)
    entry = next(e for e in data["passages"] if len(e["members"]) == 8)
    assert entry["pairs"] == len(footer.pairs)
    assert data["summary"]["pairs"] == len(result.pairs)
    assert data["summary"]["pairs_listed"] == len(data["pairs"]) < len(result.pairs)
    sims = sorted((result.pairs[i].similarity for i in footer.pairs), reverse=True)[:3]
    footer_docs = {m.doc for m in footer.members}
    listed = [
        p["similarity"]
        for p in data["pairs"]
        if p["a"]["doc"] in footer_docs and p["a"]["start"] > len(FILLER[0])
    ]
    assert len(listed) <= 3 + 2  # the footer's best three, plus the shared paragraph's pair
    assert max(listed) == sims[0]


def test_cli_flags(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    _corpus(docs)
    ignore = tmp_path / "known.txt"
    ignore.write_text(FOOTER + "\n", encoding="utf-8")
    out = tmp_path / "scan.json"
    cmd = [sys.executable, "-m", "reuse", "scan", str(docs), "--json", str(out)]
    run = subprocess.run([*cmd, "--ignore", str(ignore)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [len(p["members"]) for p in data["passages"]] == [2]
    bad = subprocess.run([*cmd, "--ignore-families-over", "lots"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "--ignore-families-over" in bad.stderr
    assert "Traceback" not in bad.stderr
