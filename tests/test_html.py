"""The HTML writer without a browser: page structure, escaping, the policy, the data a page
embeds (families, pairs, differences, caps), the four reports and the ``--html`` option.

What a browser does with the page is tests/test_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import time
from datetime import datetime

import numpy as np
import pytest
from html_fixtures import ATTR_ATTACK, SCRIPT_ATTACK, hostile_corpus, synthetic_scan

from reuse import cli, cli_html
from reuse.check import CheckMatch, CheckResult, PhraseHit, Source
from reuse.cluster import Cluster, ClusterResult
from reuse.families import families
from reuse.html import (
    HtmlLimits,
    check_html,
    cluster_html,
    diff_blocks,
    family_pairs,
    fold,
    json_for_script,
    phrases_html,
    scan_data,
    scan_html,
)
from reuse.html_assets import CSS, SCRIPT
from reuse.index import DocInfo
from reuse.model import Pair, Passage, Span
from reuse.phrases import GroupTable, Phrase, PhraseResult
from reuse.scan import ScanOptions, ScanResult, scan_paths

DATA = re.compile(r'<script type="application/json" id="reuse-data">(.*?)</script>', re.S)


def page_data(page: str) -> dict:
    found = DATA.search(page)
    assert found is not None
    return json.loads(found.group(1))


def outside_data(page: str) -> str:
    """The page with the JSON blob and the inline script removed: the static markup."""
    page = DATA.sub("", page)
    return page.replace(SCRIPT, "").replace(CSS, "")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScanResult, dict[str, str]]:
    root = hostile_corpus(tmp_path_factory.mktemp("hostile"))
    result = scan_paths([root], ScanOptions(workers=1))
    texts = {p.name: p.read_text(encoding="utf-8") for p in root.glob("*.txt")}
    return result, texts


# --------------------------------------------------------------------------- differences


def test_diff_marks_edited_clause_and_figures_on_original_offsets() -> None:
    a = "全年开展专题培训12次，覆盖党员3000人次。"
    b = "全年开展专题培训15次，覆盖全体党员4200人次。"
    blocks = diff_blocks(a, b)
    changed_a = [a[x:y] for x, y, _, _ in blocks]
    changed_b = [b[x:y] for _, _, x, y in blocks]
    assert changed_a == ["2", "", "30"]
    assert changed_b == ["5", "全体", "42"]


def test_diff_ignores_script_and_width_but_not_edits() -> None:
    simplified = "坚持党的全面领导，推动高质量发展。"
    traditional = "堅持黨的全面領導，推動高質量發展。"
    assert diff_blocks(simplified, traditional) == []
    assert diff_blocks("ABC，１２３", "abc,123") == []
    edited = "堅持黨的全面領導，推動經濟發展。"
    blocks = diff_blocks(simplified, edited)
    assert [simplified[a:b] for a, b, _, _ in blocks] == ["高质量"]
    assert [edited[c:d] for _, _, c, d in blocks] == ["經濟"]


def test_diff_joins_edits_one_character_apart() -> None:
    a = "甲乙丙丁戊己庚"
    b = "甲子丙寅戊己庚"
    assert diff_blocks(a, b) == [(1, 4, 1, 4)]
    assert diff_blocks(a, b, join_gap=0) == [(1, 2, 1, 2), (3, 4, 3, 4)]


def test_fold_keeps_lengths_with_astral_characters() -> None:
    text = "𠀀國Ａ\u3000b\r\n𪚥"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded[1] == "国" and folded[2] == "a" and folded[3] == " "
    # Offsets are code points on both sides, whatever JavaScript counts.
    assert diff_blocks("𠀀甲乙", "𠀀甲丙") == [(2, 3, 2, 3)]


# --------------------------------------------------------------------------- escaping


def test_json_for_script_cannot_close_the_tag_and_round_trips() -> None:
    data = {"t": "</script><script>alert(1)</script><!-- & \u2028 ]]>"}
    text = json_for_script(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text
    assert json.loads(text) == data


def test_hostile_corpus_text_is_only_data(hostile) -> None:
    result, texts = hostile
    page = scan_html(result, texts.get)
    static = outside_data(page)
    assert "__pwned" not in static
    assert "<img" not in page and "onerror" not in static
    # Exactly the two script elements of the page: the data and the code.
    assert page.count("<script") == 2
    assert page.count("</script>") == 2
    blob = page_data(page)
    shown = "".join(t[0] for f in blob["families"] for t in f["t"] if t)
    assert SCRIPT_ATTACK in shown and ATTR_ATTACK in shown


def test_static_header_escapes_titles_and_ids() -> None:
    docs = [DocInfo(0, "<b>x</b>.txt", 10, {}), DocInfo(1, "y.txt", 10, {})]
    result = ScanResult(docs, [], [], {}, [])
    page = scan_html(result, {}.get, title='scan "<script>alert(1)</script>"')
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page


def test_script_inserts_text_only_as_text() -> None:
    forbidden = [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "Function(",
        "srcdoc",
        ".href",
        'setTimeout("',
        'setAttribute("on',
        "</script",
    ]
    for word in forbidden:
        assert word not in SCRIPT, word
    assert "</style" not in CSS


def test_policy_forbids_network_and_allows_exactly_the_inline_code(hostile) -> None:
    result, texts = hostile
    page = scan_html(result, texts.get)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    rules = dict(r.strip().split(" ", 1) for r in html.unescape(policy.group(1)).split(";"))
    assert rules["default-src"] == "'none'"

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert rules["script-src"] == digest(SCRIPT)
    assert rules["style-src"] == digest(CSS)
    assert f"<script>{SCRIPT}</script>" in page
    assert f"<style>{CSS}</style>" in page
    # Nothing that would load: no src/href attributes, no CSS urls or imports.
    static = outside_data(page)
    for word in (" src=", " href=", "url(", "@import", "<link", "<iframe"):
        assert word not in static, word
    assert "url(" not in CSS and "@import" not in CSS
    # The only address anywhere is the SVG namespace, which is a name, not a load.
    assert set(re.findall(r"https?://[^\s\"']+", page)) == {"http://www.w3.org/2000/svg"}


def test_css_names_common_chinese_fonts() -> None:
    for font in ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC"):
        assert f'"{font}"' in CSS


def test_lone_surrogates_become_replacement_characters() -> None:
    text = "前言" + "\udc80" + "各级党组织要切实履行主体责任把学习贯彻党的创新理论作为首要政治任务"
    docs = [DocInfo(0, "a.txt", len(text), {}), DocInfo(1, "b.txt", len(text), {})]
    pair = Pair(Span("a.txt", 0, len(text)), Span("b.txt", 0, len(text)), 1.0)
    passage = Passage(0, [pair.a, pair.b], text, pairs=[0])
    result = ScanResult(docs, [pair], [passage], {"a.txt": len(text), "b.txt": len(text)})
    page = scan_html(result, {"a.txt": text, "b.txt": text}.get)
    page.encode("utf-8")  # would raise on a surrogate
    member = page_data(page)["families"][0]["t"][0][0]
    assert member == text.replace("\udc80", "\ufffd")


# --------------------------------------------------------------------------- scan data


def test_scan_data_holds_families_pairs_and_diffs(hostile) -> None:
    result, texts = hostile
    data = scan_data(result, texts.get)
    assert len(data["families"]) == len(result.passages) >= 1
    fam = data["families"][0]
    assert fam["d"] == 3 and fam["np"] == 3 and len(fam["p"]) == 3
    docs = [d[0] for d in data["docs"]]
    for ma, a0, a1, mb, b0, b1, _sim, ops in fam["p"]:
        ta = fam["t"][ma][0][a0:a1]
        tb = fam["t"][mb][0][b0:b1]
        assert ops == [x for blk in diff_blocks(ta, tb) for x in blk]
        # The member text is the document's text at the listed offsets.
        doc, start, end = fam["m"][ma]
        assert texts[docs[doc]][start:end].startswith(fam["t"][ma][0])
    by_docs = {(docs[fam["m"][p[0]][0]], docs[fam["m"][p[3]][0]]): p for p in fam["p"]}
    ab = by_docs[("a.txt", "b.txt")]
    changed_b = [
        fam["t"][ab[3]][0][ab[4] :][c:d] for c, d in zip(ab[7][2::4], ab[7][3::4], strict=True)
    ]
    assert "15" in "".join(changed_b) or "5" in changed_b
    assert any("机关" in c or "提质增效" in c for c in changed_b)
    # The traditional copy differs from a.txt by script only, bar the markup a.txt has.
    ac = by_docs[("a.txt", "c.txt")]
    changed_a = "".join(
        fam["t"][ac[0]][0][ac[1] :][x:y] for x, y in zip(ac[7][0::4], ac[7][1::4], strict=True)
    )
    assert "党组织" not in changed_a and "创新理论" not in changed_a


def test_family_pairs_finds_the_members_holding_each_side() -> None:
    # Two families overlap in one document; each pair's sides are found among its own
    # family's members, as reuse.families joined them.
    p1 = Pair(Span("a", 0, 100), Span("b", 0, 100), 0.9)
    p2 = Pair(Span("a", 60, 200), Span("c", 0, 140), 0.9)
    p3 = Pair(Span("a", 0, 90), Span("d", 10, 100), 0.9)
    f1, f2 = families([p1, p2, p3], min_overlap=0.7)
    assert f1.pairs == [0, 2] and f2.pairs == [1]
    got = family_pairs([f1, f2], [p1, p2, p3])
    assert got == [[(0, 0, 1), (2, 0, 2)], [(1, 0, 1)]]


def test_caps_keep_totals_and_cover_members() -> None:
    result, texts = synthetic_scan(1, n_docs=40, seed=3)
    text = texts[result.passages[0].members[0].doc]
    big = result.passages[0]
    # Grow the one family to 30 members by hand: 435 pairs among them.
    docs = [DocInfo(i, f"x{i:02d}", len(text), {}) for i in range(30)]
    members = [Span(f"x{i:02d}", big.members[0].start, big.members[0].end) for i in range(30)]
    pairs = [Pair(members[i], members[j], 0.9) for i in range(30) for j in range(i + 1, 30)]
    passage = Passage(
        0, members, text[members[0].start : members[0].end], pairs=list(range(len(pairs)))
    )
    scan = ScanResult(docs, pairs, [passage], {d.id: len(members[0]) for d in docs})
    lim = HtmlLimits(pairs_per_family=10, members_with_text=12, members_listed=20)
    fam = scan_data(scan, lambda _d: text, lim)["families"][0]
    assert fam["np"] == 435 and fam["nm"] == 30
    assert len(fam["p"]) == 10
    assert len(fam["m"]) == 20
    assert sum(1 for t in fam["t"] if t) == 12
    # Ten pairs, each bringing a copy not yet shown while there are such.
    shown = {k for p in fam["p"] for k in (p[0], p[3])}
    assert len(shown) >= 11


def test_missing_or_changed_texts_are_not_shown(hostile) -> None:
    result, texts = hostile
    changed = dict(texts)
    changed["b.txt"] = "改过的文件" + texts["b.txt"]
    del changed["c.txt"]
    data = scan_data(result, changed.get)
    fam = data["families"][0]
    docs = [d[0] for d in data["docs"]]
    for (doc, _s, _e), t in zip(fam["m"], fam["t"], strict=True):
        assert bool(t) == (docs[doc] == "a.txt")
    assert data["missing_texts"] == 2
    assert fam["p"] == []


def test_ten_thousand_families_fit_in_a_file_a_browser_opens() -> None:
    result, texts = synthetic_scan(10_000)
    t0 = time.process_time()
    page = scan_html(result, texts.get)
    cpu = time.process_time() - t0
    size = len(page.encode("utf-8"))
    data = page_data(page)
    assert len(data["families"]) == 10_000
    # 5 M characters of corpus, 33 k pairs: measured at 26 MB and 1.6 s of CPU.
    assert size < 40_000_000, size
    assert cpu < 15, cpu


# --------------------------------------------------------------------------- other reports


def test_phrases_report_holds_phrases_and_group_series() -> None:
    result = PhraseResult(
        [Phrase("走深走实", 12, 19, 3.2, per_k=0.4), Phrase("<b>两个维护</b>", 8, 9, 2.0)],
        documents=20,
        chars=50_000,
    )
    table = GroupTable(
        field="year",
        groups=["2019", "2020"],
        phrases=["走深走实", "<b>两个维护</b>"],
        counts={"走深走实": {"2019": 4, "2020": 15}, "<b>两个维护</b>": {"2020": 9}},
        docs={"走深走实": {"2019": 3, "2020": 9}, "<b>两个维护</b>": {"2020": 8}},
        group_docs={"2019": 8, "2020": 12},
        group_chars={"2019": 20_000, "2020": 30_000},
    )
    page = phrases_html(result, table, top=10)
    assert "<b>两个维护" not in page
    data = page_data(page)
    assert data["kind"] == "phrases"
    assert data["phrases"][0][:3] == ["走深走实", 12, 19]
    assert data["by"]["groups"] == [["2019", 8, 20_000], ["2020", 12, 30_000]]
    assert data["by"]["rows"][0] == ["走深走实", [4, 15], [3, 9]]
    assert data["by"]["rows"][1] == ["<b>两个维护</b>", [0, 9], [0, 8]]


def test_check_report_segments_the_draft_and_diffs_sources() -> None:
    draft = "开头。各级党组织要切实履行主体责任，推动工作走深走实。结尾<script>x</script>"
    source_text = "前文各级党组织要切实履行主体责任，推动工作落地见效。后文"
    start = draft.index("各级")
    end = draft.index("。", start) + 1
    src = Span("s.txt", 2, source_text.index("。") + 1)
    match = CheckMatch(start, end, 0.8, [Source(src, 0.8, start, end)])
    phrase = PhraseHit("走深走实", draft.index("走深"), draft.index("走深") + 4, 31)
    result = CheckResult("draft.txt", draft, len(draft), 0.5, [match], [phrase], 1, 10)
    page = check_html([result], {"s.txt": source_text}.get, {"s.txt": {"title": "来源"}})
    assert "<script>x" not in outside_data(page)
    d = page_data(page)["drafts"][0]
    assert "".join(s[0] for s in d["seg"]) == draft
    inside = "".join(s[0] for s in d["seg"] if s[1] == 0)
    assert inside == draft[start:end]
    assert "".join(s[0] for s in d["seg"] if s[2]) == "走深走实"
    source = d["matches"][0]["src"][0]
    assert source["title"] == "来源"
    assert source["src"][0] == source_text[src.start : src.end]
    ops = source["ops"]
    changed = [source["draft"][0][a:b] for a, b in zip(ops[0::4], ops[1::4], strict=True)]
    assert changed == ["走深走实"]


def test_cluster_report_labels_map_points_with_documents() -> None:
    clusters = [
        Cluster(0, ["a", "b", "c"], ["教育", "学校"], ["立德树人"], "a", "<i>t</i>", ["c"]),
        Cluster(1, ["d"], ["医疗"], [], "d", ""),
    ]
    result = ClusterResult(
        clusters,
        2,
        0.31,
        {2: 0.31, 3: 0.2},
        4,
        1,
        coords=np.array([[0.0, 1.0], [0.5, 0.2], [1.0, 0.0]]),
        coord_labels=np.array([0, 0, 1]),
    )
    page = cluster_html(result, ["a", "b", "c", "d"], {"a": "甲"})
    assert "<i>t</i>" not in page
    data = page_data(page)
    assert [p[3] for p in data["points"]] == ["a", "b", "d"]
    assert data["clusters"][0]["titles"] == ["甲", "", ""]
    assert data["scores"] == [[2, 0.31], [3, 0.2]]


# --------------------------------------------------------------------------- the option


def test_default_report_name_is_timestamped_under_reports(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    now = datetime(2025, 3, 5, 9, 8, 7)
    assert cli_html.report_path("", "scan", now) == "reports/scan-20250305-090807.html"
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "scan-20250305-090807.html").write_text("x")
    assert cli_html.report_path("", "scan", now) == "reports/scan-20250305-090807-2.html"
    assert cli_html.report_path("out/x.html", "scan", now) == "out/x.html"


def test_scan_html_option_writes_default_file(tmp_path, monkeypatch, capsys) -> None:
    root = hostile_corpus(tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["scan", str(root), "--html", "--workers", "1"]) == 0
    written = list((tmp_path / "reports").glob("scan-*.html"))
    assert len(written) == 1
    assert "HTML report written to reports/scan-" in capsys.readouterr().err
    data = page_data(written[0].read_text(encoding="utf-8"))
    assert data["families"][0]["d"] == 3
    assert not list((tmp_path / "reports").glob("*.tmp"))


def test_other_commands_take_html(tmp_path) -> None:
    root = hostile_corpus(tmp_path / "corpus")
    out = tmp_path / "r"
    assert (
        cli.main(
            [
                "phrases",
                str(root),
                "--min-df",
                "2",
                "--by",
                "folder",
                "--html",
                str(out / "p.html"),
                "--json",
                "-",
            ]
        )
        == 0
    )
    assert page_data((out / "p.html").read_text(encoding="utf-8"))["kind"] == "phrases"
    draft = tmp_path / "draft.txt"
    draft.write_text((root / "b.txt").read_text(encoding="utf-8"), encoding="utf-8")
    code = cli.main(
        [
            "check",
            str(draft),
            "--corpus",
            str(root),
            "--html",
            str(out / "c.html"),
            "--json",
            "-",
            "--workers",
            "1",
        ]
    )
    assert code == 0
    data = page_data((out / "c.html").read_text(encoding="utf-8"))
    sources = [s for m in data["drafts"][0]["matches"] for s in m["src"]]
    assert sources and all(s["src"] for s in sources)
    assert cli.main(["phrases", str(root), "--kwic", "党建", "--html"]) == 2


def test_earlier_document_is_listed_first_and_shown_on_the_left() -> None:
    old = "各级党组织要切实履行全面从严治党主体责任，把学习贯彻党的创新理论作为首要政治任务。"
    new = old.replace("首要政治任务", "重要政治任务").replace("各级", "全市各级")
    docs = [
        DocInfo(0, "a.txt", len(new), {"year": 2020}),
        DocInfo(1, "b.txt", len(old), {"year": 2010}),
    ]
    pair = Pair(Span("a.txt", 0, len(new)), Span("b.txt", 0, len(old)), 0.9)
    passage = Passage(0, [pair.a, pair.b], new, pairs=[0])
    result = ScanResult(docs, [pair], [passage], {"a.txt": len(new), "b.txt": len(old)})
    fam = scan_data(result, {"a.txt": new, "b.txt": old}.get)["families"][0]
    assert [m[0] for m in fam["m"]] == [1, 0]  # b.txt (2010) first
    left, a0, a1, right, b0, b1, _sim, ops = fam["p"][0]
    assert fam["m"][left][0] == 1 and fam["m"][right][0] == 0
    shown_left, shown_right = fam["t"][left][0][a0:a1], fam["t"][right][0][b0:b1]
    assert (shown_left, shown_right) == (old, new)
    assert ops == [x for blk in diff_blocks(old, new) for x in blk]
    added = [new[c:d] for c, d in zip(ops[2::4], ops[3::4], strict=True)]
    assert "全市" in added
