"""Inputs the HTML tests share: a hostile little corpus and a large synthetic scan result.

The hostile corpus is real text for the real scanner: two documents share a passage with
markup in it (a script element and an attribute breaking out into an ``<img onerror>``),
the second copy edited (a clause, a figure) so the report has differences to mark; a
third holds the passage in traditional characters.

``synthetic_scan`` builds a ScanResult directly (no scanning), shaped like the real
corpora's (lognormal passage lengths around 140 characters, most families of 2 to 4
documents, some copies edited), for measuring the report at 10,000 families.
"""

from __future__ import annotations

import random
from pathlib import Path

from reuse.families import families, reused_chars
from reuse.index import DocInfo
from reuse.model import Pair, Span
from reuse.scan import ScanResult

SCRIPT_ATTACK = "<script>window.__pwned=1</script>"
ATTR_ATTACK = '"><img src=x onerror="window.__pwned=1">'

SHARED = (
    "各级党组织要切实履行全面从严治党主体责任，把学习贯彻党的创新理论作为首要政治任务，"
    + SCRIPT_ATTACK
    + "坚持用党的创新理论武装头脑、指导实践、推动工作，推动基层党建工作走深走实，"
    + ATTR_ATTACK
    + "全年累计开展专题培训12次，覆盖党员干部3000余人次，"
    + "切实把学习成效转化为推动高质量发展的强大动力。"
)
EDITED = (
    SHARED.replace("推动基层党建工作走深走实", "推动机关党建工作提质增效")
    .replace("12次", "15次")
    .replace("3000余人次", "4200余人次")
)
DRAFT = (
    "关于二〇二五年上半年党建工作情况的报告\n今年以来，我局坚持以高质量党建引领业务发展。"
    + EDITED.replace("全年累计", "上半年累计").replace("15次", "8次")
    + "\n下一步，我们将继续加强队伍建设，确保全年目标任务圆满完成。\n"
)
TRADITIONAL_SHARED = (
    "各級黨組織要切實履行全面從嚴治黨主體責任，把學習貫徹黨的創新理論作為首要政治任務，"
    "堅持用黨的創新理論武裝頭腦、指導實踐、推動工作，推動基層黨建工作走深走實，"
    "全年累計開展專題培訓12次，覆蓋黨員幹部3000餘人次，切實把學習成效轉化為推動高質量發展的強大動力。"
)


def hostile_corpus(root: Path) -> Path:
    """Three small documents sharing one passage that carries markup; returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "a.txt").write_text(
        "市委办公室关于加强机关党建工作的通知。\n" + SHARED + "\n请各单位结合实际认真贯彻执行。\n",
        encoding="utf-8",
    )
    (root / "b.txt").write_text(
        "县委组织部召开党建工作推进会，会议指出：\n"
        + EDITED
        + "\n会议还对下一阶段工作作了部署。\n",
        encoding="utf-8",
    )
    (root / "c.txt").write_text(
        "香港某社團轉載：\n" + TRADITIONAL_SHARED + "\n（完）\n",
        encoding="utf-8",
    )
    (root / "d.txt").write_text(
        "区人大常委会听取和审议了关于财政预算执行情况的报告，会议同意将报告提请大会审议。\n",
        encoding="utf-8",
    )
    return root


_POOL = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]


def synthetic_scan(
    n_families: int, n_docs: int = 3000, seed: int = 1
) -> tuple[ScanResult, dict[str, str]]:
    """A scan result of ``n_families`` families and the documents' texts."""
    rng = random.Random(seed)
    ids = [f"d{i:05d}.txt" for i in range(n_docs)]
    parts: dict[str, list[str]] = {d: [] for d in ids}
    length: dict[str, int] = dict.fromkeys(ids, 0)
    pairs: list[Pair] = []
    for _ in range(n_families):
        size = min(2000, int(rng.lognormvariate(4.6, 0.7)) + 20)
        base = "".join(rng.choices(_POOL, k=size))
        spans = []
        for doc in rng.sample(ids, min(n_docs, 2 + int(rng.expovariate(0.8)))):
            copy = list(base)
            for _ in range(size // 15):
                copy[rng.randrange(size)] = rng.choice(_POOL)
            filler = "".join(rng.choices(_POOL, k=30)) + "。\n"
            parts[doc].append(filler)
            start = length[doc] + len(filler)
            parts[doc].append("".join(copy))
            length[doc] = start + size
            spans.append(Span(doc, start, start + size))
        for i in range(len(spans)):
            for j in range(i + 1, len(spans)):
                pairs.append(Pair(spans[i], spans[j], round(rng.uniform(0.8, 1.0), 3)))
    texts = {d: "".join(p) for d, p in parts.items()}
    docs = [
        DocInfo(n, d, len(texts[d]), {"title": f"标题{n}", "year": 2000 + n % 25})
        for n, d in enumerate(ids)
    ]
    passages = families(pairs)
    for p in passages:
        m = p.members[0]
        p.text = texts[m.doc][m.start : m.end]
    return ScanResult(docs, pairs, passages, reused_chars(passages)), texts
