"""Score a scan report against planted reuse, in the manner of PAN's text-alignment task.

The scanner's JSON (CONTRACT.md: ``pairs`` with sides ``a``/``b``, ``passages`` with
``members``) is compared with the ``Plant`` records written by ``reuse.synth``:

- recall: planted pairs (source-target; for families every pair of members) for which some
  reported pair has one side overlapping each planted span, or some reported passage has
  members overlapping both (a scanner may fold a 3,000-document boilerplate into one family
  instead of listing 4.5 million pairs);
- precision: reported pairs whose two texts are really similar after folding away what reuse
  changes (traditional characters, punctuation, whitespace), or that hit a plant;
- granularity: reported pairs per detected planted pair (1 is ideal; fragments raise it);
- tight: planted pairs with a reported pair covering at least half of each planted span and
  lying at least half inside it;
- offsets_valid: every reported span lies inside its document.

Footer plants are scored separately by default (``recall_by_kind["footer"]``): their pair
count grows quadratically and would otherwise swamp every other kind.

Command line: ``python -m reuse.evaluate REPORT.json TRUTH.json CORPUS_DIR``.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import re
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from reuse.model import Span
from reuse.synth import FAMILY_KINDS, FOOTER_KIND, Plant, load_truth

SIMILARITY_THRESHOLD = 0.5


# --------------------------------------------------------------------------------------------
# Reading a corpus the way CONTRACT.md decodes it
# --------------------------------------------------------------------------------------------


def decode_bytes(data: bytes) -> str:
    """Decode like the contract: BOMs first, then UTF-8, GB18030, UTF-16; CRLF is kept."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8", "gb18030", "utf-16"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def read_texts(folder: Path | str) -> dict[str, str]:
    """Document id -> decoded text for every document under ``folder`` (or one file).

    Ids are paths relative to the folder with ``/``; ``metadata.jsonl`` and hidden files are
    not documents; other ``.jsonl`` files hold one document per line (``id`` and ``text``).
    Bytes are decoded directly, never through text mode, so ``\\r\\n`` stays in the text.
    """
    root = Path(folder)
    if root.is_file():
        return {root.name: decode_bytes(root.read_bytes())}
    texts: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.name == "metadata.jsonl":
            continue
        if path.suffix == ".jsonl":
            for line in decode_bytes(path.read_bytes()).splitlines():
                if line.strip():
                    obj = json.loads(line)
                    texts[str(obj["id"])] = str(obj.get("text", obj.get("content", "")))
            continue
        texts[rel.as_posix()] = decode_bytes(path.read_bytes())
    return texts


# --------------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Scores:
    """Pair-level scores of one report against one truth."""

    recall: float
    precision: float
    granularity: float
    tight: float
    offsets_valid: bool
    n_planted_pairs: int = 0
    n_detected: int = 0
    n_tight: int = 0
    n_reported: int = 0
    n_precise: int = 0
    n_invalid_spans: int = 0
    recall_by_kind: dict[str, float] = field(default_factory=dict)
    pairs_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def f1(self) -> float:
        total = self.recall + self.precision
        return 2 * self.recall * self.precision / total if total else 0.0

    @property
    def plagdet(self) -> float:
        """PAN's combined score: F1 discounted by granularity."""
        return self.f1 / math.log2(1 + max(self.granularity, 1.0))

    def summary(self) -> str:
        kinds = " ".join(f"{k}={v:.2f}" for k, v in sorted(self.recall_by_kind.items()))
        return (
            f"recall {self.recall:.3f} precision {self.precision:.3f} "
            f"granularity {self.granularity:.2f} tight {self.tight:.3f} "
            f"plagdet {self.plagdet:.3f} offsets {'ok' if self.offsets_valid else 'BAD'} | "
            f"planted {self.n_planted_pairs} detected {self.n_detected} "
            f"reported {self.n_reported} precise {self.n_precise} "
            f"invalid {self.n_invalid_spans} | {kinds}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "recall": self.recall,
            "precision": self.precision,
            "granularity": self.granularity,
            "tight": self.tight,
            "offsets_valid": self.offsets_valid,
            "f1": self.f1,
            "plagdet": self.plagdet,
            "n_planted_pairs": self.n_planted_pairs,
            "n_detected": self.n_detected,
            "n_tight": self.n_tight,
            "n_reported": self.n_reported,
            "n_precise": self.n_precise,
            "n_invalid_spans": self.n_invalid_spans,
            "recall_by_kind": self.recall_by_kind,
            "pairs_by_kind": self.pairs_by_kind,
        }


def _span(obj: Mapping[str, Any]) -> Span:
    return Span(str(obj["doc"]), int(obj["start"]), int(obj["end"]))


def _overlap(a: Span | tuple[int, int], start: int, end: int) -> int:
    s, e = (a.start, a.end) if isinstance(a, Span) else a
    return max(0, min(e, end) - max(s, start))


class _SpanIndex:
    """Reported spans per document, for "which reported spans overlap this planted span"."""

    def __init__(self) -> None:
        self._by_doc: dict[str, list[tuple[int, int, int]]] = {}
        self._starts: dict[str, list[int]] = {}

    def add(self, span: Span, ref: int) -> None:
        self._by_doc.setdefault(span.doc, []).append((span.start, span.end, ref))

    def freeze(self) -> None:
        for doc, items in self._by_doc.items():
            items.sort()
            self._starts[doc] = [s for s, _e, _r in items]

    def overlapping(self, span: Span) -> list[tuple[int, int, int]]:
        items = self._by_doc.get(span.doc)
        if not items:
            return []
        stop = bisect.bisect_left(self._starts[span.doc], span.end)
        return [it for it in items[:stop] if it[1] > span.start]


def _is_tight(reported: tuple[int, int], planted: Span) -> bool:
    """Covers at least half of the planted span and lies at least half inside it."""
    ov = _overlap(reported, planted.start, planted.end)
    return ov * 2 >= len(planted) and ov * 2 >= reported[1] - reported[0] and ov > 0


@cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """What stays of a passage when reuse-independent differences are dropped."""
    return _NOT_WORD.sub("", _t2s().convert(unicodedata.normalize("NFKC", text)))


def similarity(a: str, b: str) -> float:
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return 0.0
    return fuzz.ratio(fa, fb) / 100.0


def score(
    report: Mapping[str, Any],
    plants: Sequence[Plant],
    texts: Mapping[str, str],
    include_footer: bool = False,
    threshold: float = SIMILARITY_THRESHOLD,
) -> Scores:
    """Score ``report`` (a scan JSON as a dict) against ``plants`` on the decoded ``texts``.

    Without reported pairs precision is 1 (nothing wrong was claimed); without detections
    granularity is 1 (nothing fragmented).
    """
    pairs = [(_span(p["a"]), _span(p["b"])) for p in report.get("pairs", [])]
    passages = [[_span(m) for m in q.get("members", [])] for q in report.get("passages", [])]

    def valid(s: Span) -> bool:
        return s.doc in texts and 0 <= s.start < s.end <= len(texts[s.doc])

    all_spans = [s for ab in pairs for s in ab] + [m for ms in passages for m in ms]
    n_invalid = sum(not valid(s) for s in all_spans)

    side_index, member_index = _SpanIndex(), _SpanIndex()
    for i, (a, b) in enumerate(pairs):
        side_index.add(a, 2 * i)
        side_index.add(b, 2 * i + 1)
    for q, members in enumerate(passages):
        for m in members:
            member_index.add(m, q)
    side_index.freeze()
    member_index.freeze()

    hits_plant: set[int] = set()
    detected_by_kind: dict[str, int] = {}
    pairs_by_kind: dict[str, int] = {}
    counted = {"pairs": 0, "detected": 0, "tight": 0, "gran_sum": 0, "gran_n": 0}
    for plant in plants:
        det, n, tight, gsum, gn = _score_plant(plant, side_index, member_index, hits_plant)
        pairs_by_kind[plant.kind] = pairs_by_kind.get(plant.kind, 0) + n
        detected_by_kind[plant.kind] = detected_by_kind.get(plant.kind, 0) + det
        if plant.kind == FOOTER_KIND and not include_footer:
            continue
        counted["pairs"] += n
        counted["detected"] += det
        counted["tight"] += tight
        counted["gran_sum"] += gsum
        counted["gran_n"] += gn

    n_precise = 0
    for i, (a, b) in enumerate(pairs):
        if not (valid(a) and valid(b)):
            continue
        if (
            i in hits_plant
            or similarity(texts[a.doc][a.start : a.end], texts[b.doc][b.start : b.end]) >= threshold
        ):
            n_precise += 1

    n_pairs = counted["pairs"]
    return Scores(
        recall=counted["detected"] / n_pairs if n_pairs else 0.0,
        precision=n_precise / len(pairs) if pairs else 1.0,
        granularity=counted["gran_sum"] / counted["gran_n"] if counted["gran_n"] else 1.0,
        tight=counted["tight"] / n_pairs if n_pairs else 0.0,
        offsets_valid=n_invalid == 0,
        n_planted_pairs=n_pairs,
        n_detected=counted["detected"],
        n_tight=counted["tight"],
        n_reported=len(pairs),
        n_precise=n_precise,
        n_invalid_spans=n_invalid,
        recall_by_kind={k: detected_by_kind[k] / v if v else 0.0 for k, v in pairs_by_kind.items()},
        pairs_by_kind=pairs_by_kind,
    )


def _score_plant(
    plant: Plant, side_index: _SpanIndex, member_index: _SpanIndex, hits_plant: set[int]
) -> tuple[int, int, int, int, int]:
    """(detected pairs, planted pairs, tight pairs, sum of pair counts, detected-by-pairs).

    Members of one plant sit in different documents, so a reported side overlaps at most
    one member of it; a reported pair then links exactly one (member, member) cell.
    """
    members = plant.members
    k = len(members)
    family = plant.kind in FAMILY_KINDS
    side_a: dict[int, tuple[int, bool]] = {}  # pair index -> (member, tight)
    side_b: dict[int, tuple[int, bool]] = {}
    in_passage: list[set[int]] = []
    for mi, member in enumerate(members):
        for s, e, ref in side_index.overlapping(member):
            target = side_a if ref % 2 == 0 else side_b
            target[ref // 2] = (mi, _is_tight((s, e), member))
        in_passage.append({ref for _s, _e, ref in member_index.overlapping(member)})

    counts: dict[tuple[int, int], int] = {}
    tight_cells: set[tuple[int, int]] = set()
    for p, (ma, ta) in side_a.items():
        if p not in side_b:
            continue
        mb, tb = side_b[p]
        if ma == mb:
            continue
        cell = (min(ma, mb), max(ma, mb))
        if not family and cell[0] != 0:
            continue  # two targets of a non-family plant are not a planted pair
        hits_plant.add(p)
        counts[cell] = counts.get(cell, 0) + 1
        if ta and tb:
            tight_cells.add(cell)

    planted = (
        [(i, j) for i in range(k) for j in range(i + 1, k)]
        if family
        else [(0, j) for j in range(1, k)]
    )
    detected = tight = gsum = gn = 0
    for cell in planted:
        c = counts.get(cell, 0)
        if c:
            gsum += c
            gn += 1
        if c or in_passage[cell[0]] & in_passage[cell[1]]:
            detected += 1
        if cell in tight_cells:
            tight += 1
    return detected, len(planted), tight, gsum, gn


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reuse.evaluate", description="Score a scan JSON against planted reuse."
    )
    parser.add_argument("report", type=Path, help="JSON written by `reuse scan --json`")
    parser.add_argument("truth", type=Path, help="the corpus's .truth.json")
    parser.add_argument("corpus", type=Path, help="the corpus folder that was scanned")
    parser.add_argument("--include-footer", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args(argv)
    report = json.loads(args.report.read_text(encoding="utf-8"))
    scores = score(
        report, load_truth(args.truth), read_texts(args.corpus), include_footer=args.include_footer
    )
    print(json.dumps(scores.to_json(), ensure_ascii=False) if args.json else scores.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
