"""The sample corpus in corpus/ keeps the promises the README's first command relies on.

These tests read the bytes on disk, not the project's reader, so a broken reader cannot make a
broken corpus look right (or the other way round). The planted paragraphs below are the
originals; their copies in other documents carry small edits that a detector must survive.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import opencc
import pytest
from rapidfuzz import fuzz

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
DOC_SUFFIXES = {".txt", ".md"}
BOM = b"\xef\xbb\xbf"
HAN = re.compile(r"[\u4e00-\u9fff]")

PLANTED: dict[str, tuple[str, set[str]]] = {
    "P1": (
        "县委常委会坚持把学习贯彻习近平新时代中国特色社会主义思想作为首要政治任务，严格落实“第一议题”"
        "制度，全年召开常委会会议专题学习23次、理论学习中心组集体学习12次，推动党的创新理论学习走深走实、"
        "入脑入心。深刻领悟“两个确立”的决定性意义，坚决做到“两个维护”，确保党中央决策部署在本地区"
        "不折不扣落地见效。",
        {
            "county/2023-xianwei-changweihui-baogao.txt",
            "city/2023-jiaotong-dangzu-zhuti-zeren.txt",
            "enterprise/2023-dangwei-dangjian-zongshu.txt",
            "hk/2024-huayue-dangjian-zhuanzai.txt",
            "university/2023-dangwei-gongzuo-yaodian.md",
        },
    ),
    "P2": (
        "坚持以严的基调强化正风肃纪，驰而不息落实中央八项规定精神，紧盯节假日等重要节点，聚焦违规吃喝、"
        "违规收送礼品礼金等突出问题开展明察暗访，全年共查处问题37起，处理党员干部52人，通报曝光典型案例"
        "6起，以案促改、以案促治，推动作风建设常态化长效化。",
        {
            "county/2025-jiwei-quanhui-baogao.txt",
            "city/2024-jiwei-zuofeng-tongbao.txt",
            "enterprise/2024-dangjian-ronghe.txt",
            "street/2025-chengguan-baxiang-guiding-xuexi.txt",
        },
    ),
    "P3": (
        "全面推进基层党组织标准化规范化建设，严格落实“三会一课”、主题党日、谈心谈话等制度，建立问题、"
        "任务、责任“三张清单”，实行挂图作战、销号管理，推动各项任务落细落实、见行见效。各级党组织书记"
        "以上率下，带头讲党课、带头解难题，切实把党的政治优势、组织优势转化为发展优势。",
        {
            "county/2024-zuzhibu-jiceng-dangjian.txt",
            "street/2024-chengguan-wangge-zhili.txt",
            "university/2024-dangjian-shuangchuang.txt",
        },
    ),
}

STOCK_FORMULAS = [
    "走深走实",
    "入脑入心",
    "落细落实",
    "以上率下",
    "两个确立",
    "两个维护",
    "三会一课",
    "第一议题",
    "挂图作战",
    "见行见效",
    "真抓实干",
    "守正创新",
    "高质量发展",
    "中央八项规定精神",
]

FOOTER_LINES = [
    "主办单位：中共青岚县委办公室　青岚县人民政府办公室　承办单位：青岚县融媒体中心",
    "地址：青岚县城关镇人民路88号　岚ICP备05012345号-1　网站标识码：QL00000001",
    "技术支持：青岚县大数据发展中心",
    "【字号：大 中 小】【打印】【关闭】",
]


def decode(raw: bytes) -> str:
    """Decode as the contract says: BOM dropped, line endings kept, GB18030 as the fallback."""
    if raw.startswith(BOM):
        return raw[len(BOM) :].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


@cache
def t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def squeeze(text: str) -> str:
    """Simplified characters with punctuation and whitespace gone, the form reuse is judged on."""
    return re.sub(r"[\W_]", "", t2s().convert(text))


@cache
def raw_docs() -> dict[str, bytes]:
    """Document id (path relative to corpus/) -> bytes, hidden files and metadata excluded."""
    return {
        p.relative_to(CORPUS).as_posix(): p.read_bytes()
        for p in sorted(CORPUS.rglob("*"))
        if p.is_file() and p.suffix in DOC_SUFFIXES and not p.name.startswith(".")
    }


@cache
def texts() -> dict[str, str]:
    return {doc: decode(raw) for doc, raw in raw_docs().items()}


@cache
def squeezed() -> dict[str, str]:
    return {doc: squeeze(text) for doc, text in texts().items()}


def test_enough_documents_in_source_subfolders() -> None:
    docs = raw_docs()
    assert len(docs) >= 15
    assert all("/" in doc for doc in docs), "documents are grouped in subfolders by source"
    assert len({doc.split("/")[0] for doc in docs}) >= 4
    assert sum(doc.endswith(".md") for doc in docs) == 1


def test_folder_holds_only_documents_metadata_and_hidden_notes() -> None:
    for path in CORPUS.rglob("*"):
        if path.is_dir() or path.name.startswith("."):
            continue
        assert path.suffix in DOC_SUFFIXES or path.name == "metadata.jsonl", path
        # A README.md in corpus/ would be scanned as a document of the sample.
        assert path.name.lower() != "readme.md", path


def test_every_document_is_a_short_bulletin() -> None:
    for doc, text in texts().items():
        han = len(HAN.findall(text))
        assert 600 <= han <= 1500, (doc, han)


def test_exactly_one_document_is_gb18030_only() -> None:
    not_utf8 = []
    for doc, raw in raw_docs().items():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            not_utf8.append(doc)
    assert len(not_utf8) == 1
    raw = raw_docs()[not_utf8[0]]
    assert HAN.search(raw.decode("gb18030"))
    # The © in its footer is outside GBK: a reader that stops at GBK loses the document.
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gbk")


def test_exactly_one_document_starts_with_bom() -> None:
    with_bom = [doc for doc, raw in raw_docs().items() if raw.startswith(BOM)]
    assert len(with_bom) == 1
    assert not texts()[with_bom[0]].startswith("\ufeff")


def test_exactly_one_document_has_crlf_and_no_bare_lf() -> None:
    crlf = [doc for doc, raw in raw_docs().items() if b"\r" in raw]
    assert len(crlf) == 1
    raw = raw_docs()[crlf[0]]
    assert raw.count(b"\r\n") >= 5
    assert raw.count(b"\n") == raw.count(b"\r\n")


def test_one_document_is_traditional() -> None:
    traditional = [
        doc
        for doc, text in texts().items()
        if re.search("[黨學會]", text) and t2s().convert(text) != text
    ]
    assert len(traditional) == 1
    text = texts()[traditional[0]]
    changed = sum(a != b for a, b in zip(text, t2s().convert(text), strict=True))
    assert changed >= 100, "a whole document in traditional characters, not a stray word"


def test_each_subfolder_has_metadata_naming_existing_documents() -> None:
    folders = {CORPUS / doc.rsplit("/", 1)[0] for doc in raw_docs()}
    for folder in folders:
        lines = (folder / "metadata.jsonl").read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
        files = [r["file"] for r in records]
        assert all((folder / f).is_file() for f in files), folder
        on_disk = {p.name for p in folder.iterdir() if p.suffix in DOC_SUFFIXES}
        assert sorted(files) == sorted(on_disk), folder
        for r in records:
            assert r["year"] in (2023, 2024, 2025)
            assert r["title"] and r["source"]


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_planted_paragraph_is_reused_with_small_edits(name: str) -> None:
    original, members = PLANTED[name]
    assert 80 <= len(original) <= 250
    target = squeeze(original)
    scores = {doc: fuzz.partial_ratio(target, text) for doc, text in squeezed().items()}
    assert sum(s >= 80 for s in scores.values()) >= 2
    for doc in members:
        # Swapped clauses pull partial_ratio below 80 on purpose; 70 still means "this copy".
        assert scores[doc] >= 70, (doc, scores[doc])
    assert sum(s == 100 for s in scores.values()) == 1, "copies are edited, not verbatim"
    for doc, score in scores.items():
        if doc not in members:
            assert score < 60, (doc, score)


def test_footer_is_copied_onto_several_documents() -> None:
    carriers = [doc for doc, text in texts().items() if all(ln in text for ln in FOOTER_LINES)]
    assert len(carriers) >= 5
    years = {re.search(r"版权所有 © (\d{4})", texts()[doc]).group(1) for doc in carriers}
    assert len(years) >= 2, "the copyright year varies between copies"


def test_stock_formulas_recur_across_documents() -> None:
    simplified = [t2s().convert(text) for text in texts().values()]
    for formula in STOCK_FORMULAS:
        assert sum(formula in text for text in simplified) >= 3, formula
    assert sum(text.count("中央⑧项规定精神") for text in simplified) == 1


def test_one_redacted_number() -> None:
    assert sum("共查处问题[*]起" in text for text in texts().values()) == 1


def mixes_widths(text: str) -> bool:
    """Both widths of one mark, the half-width one right after a Han character.

    Requiring the Han neighbour keeps 8.2% and 09:30 from counting as prose punctuation.
    """
    pairs = [("，", ","), ("。", "."), ("：", ":"), ("；", ";"), ("（", "(")]
    return any(
        full in text and re.search(f"[\u4e00-\u9fff]{re.escape(half)}", text)
        for full, half in pairs
    )


def test_mixed_punctuation_in_at_least_two_documents() -> None:
    assert sum(mixes_widths(text) for text in texts().values()) >= 2
    comma_mixers = [t for t in texts().values() if "，" in t and re.search("[\u4e00-\u9fff],", t)]
    assert len(comma_mixers) >= 2
