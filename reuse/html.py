"""Self-contained HTML reports: one file that opens offline in any browser.

Every report is the same page: a static header (title, summary figures, escaped in
Python, readable without script) and one inline script that renders the rest from data
embedded once as JSON in ``<script type="application/json">``. The data is embedded, not
rendered, because a scan may hold 10,000 families and hundreds of thousands of pairs:
the script shows a page of families at a time and builds a family's members, pairs and
side-by-side view only when it is opened, so the DOM stays small whatever the corpus.

Corpus text is untrusted. It reaches the page only inside that JSON, where ``<``, ``>``
and ``&`` are written as ``\\u003c``-style escapes so no text can close the tag, and the
script inserts it only as text nodes (``createTextNode``/``textContent``), never as
markup. A Content-Security-Policy meta forbids every network load and allows exactly
the page's own script and style by hash, so even a hole in the escaping could not run
an injected script or fetch anything.

Character-level differences of a pair are computed here with rapidfuzz's Levenshtein
opcodes on texts folded character for character (traditional to simplified, full to
half width, ASCII case): the fold keeps lengths, so offsets found on the folded texts
mark the original characters, which is what the page shows. A traditional copy of a
simplified passage therefore shows what was edited, not every character of the script
change; characters that differ only by that fold get a quieter mark of their own (in the
page's script). Edits separated by a single unchanged character are joined: on Chinese
text a lone shared character between two edits is coincidence, and joined blocks read
as "this clause became that one". Measured on the sample corpus: 3 µs per pair of 100
characters, under 1 ms for 2,000, so diffs for every embedded pair cost well under a
second even at 10,000 families, and shipping them is a few integers per pair (a diff
in the browser would cost a second copy of the algorithm in script and work on every
click).

The functions here are pure: result objects (and a way to look up document texts) in,
one HTML string out. ``reuse.cli_html`` wires them to the commands.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from reuse import __version__
from reuse.check import CheckResult
from reuse.cluster import ClusterResult
from reuse.html_assets import CSS, SCRIPT
from reuse.model import Pair, Passage, Span
from reuse.normalize import fold_width, to_simplified
from reuse.phrases import GroupTable, PhraseResult
from reuse.scan import ScanResult

__all__ = [
    "HtmlLimits",
    "TextLookup",
    "check_html",
    "cluster_html",
    "diff_blocks",
    "fold",
    "family_pairs",
    "json_for_script",
    "phrases_html",
    "scan_html",
]

TextLookup = Callable[[str], "str | None"]
"""A document's original text by its id, or None when it cannot be had."""


@dataclass(frozen=True)
class HtmlLimits:
    """How much of a result is embedded; the page says where something was cut.

    The caps keep a report of a huge scan a file a browser opens in seconds: every
    family and document is listed, but a family carries the text of at most
    ``members_with_text`` members and the side-by-side data of ``pairs_per_family``
    pairs; a passage is shown up to ``passage_chars`` characters with
    ``context_chars`` of its surroundings.
    """

    pairs_per_family: int = 12
    members_with_text: int = 30
    members_listed: int = 300
    passage_chars: int = 1500
    context_chars: int = 40
    draft_chars: int = 200_000
    meta_chars: int = 120


# --------------------------------------------------------------------------- differences

_SPACES = np.array([ord(c) for c in "\t\n\r\x0b\x0c\u3000\u00a0"], dtype=np.uint32)
_SURROGATE = re.compile("[\ud800-\udfff]")


def fold(text: str) -> str:
    """The diff's matching text: one character for one, so offsets stay the original's.

    Folded once per document, not per pair: the script and width folds are numpy table
    lookups that cost more in call overhead than in work on a short passage.
    """
    folded = fold_width(to_simplified(text))
    # Both folds map code point to code point; this guards the offsets the page relies on.
    if len(folded) != len(text):
        return text
    codes = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), "<u4").copy()
    codes[(codes >= 65) & (codes <= 90)] += 32
    codes[np.isin(codes, _SPACES)] = 32
    return codes.tobytes().decode("utf-32-le", "surrogatepass")


def diff_blocks(
    a: str, b: str, join_gap: int = 1, folded: tuple[str, str] | None = None
) -> list[tuple[int, int, int, int]]:
    """Changed blocks ``(a_start, a_end, b_start, b_end)`` between ``a`` and ``b``.

    Offsets are code points of the texts as given; ``a_start == a_end`` is text only
    ``b`` has, ``b_start == b_end`` text only ``a`` has. Compared after ``fold``
    (``folded`` gives both folded texts when the caller has them); blocks separated by
    at most ``join_gap`` unchanged characters are joined.
    """
    fa, fb = folded if folded is not None else (fold(a), fold(b))
    blocks: list[tuple[int, int, int, int]] = []
    for op in Levenshtein.opcodes(fa, fb):
        if op.tag == "equal":
            continue
        if blocks and op.src_start - blocks[-1][1] <= join_gap:
            a1, _, b1, _ = blocks[-1]
            blocks[-1] = (a1, op.src_end, b1, op.dest_end)
        else:
            blocks.append((op.src_start, op.src_end, op.dest_start, op.dest_end))
    return blocks


def _flat(blocks: Sequence[tuple[int, int, int, int]]) -> list[int]:
    return [x for blk in blocks for x in blk]


# --------------------------------------------------------------------------- page


def json_for_script(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no text can close the tag.

    ``<``, ``>`` and ``&`` become ``\\u003c``-style escapes (valid JSON, the parser reads
    them back as the characters), and so do U+2028/U+2029 for old parsers.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _clean(text: str) -> str:
    """Text safe to encode as UTF-8: a lone surrogate (kept by the reader so offsets hold)
    becomes U+FFFD, one code point for one, so offsets still hold."""
    return _SURROGATE.sub("\ufffd", text)


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def csp() -> str:
    """The page's policy: nothing from anywhere, except its own script and style by hash."""
    return (
        "default-src 'none'; "
        f"script-src {_sha256(SCRIPT)}; "
        f"style-src {_sha256(CSS)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _esc(text: object) -> str:
    return html.escape(_clean(str(text)), quote=True)


def _page(kind: str, title: str, stats: Sequence[tuple[str, str]], data: dict[str, Any]) -> str:
    """The whole document: static header and figures, the data, the script."""
    data = {"kind": kind, "version": __version__, **data}
    cards = "".join(
        f'<div class="card"><div class="num">{_esc(v)}</div><div class="lbl">{_esc(k)}</div></div>'
        for k, v in stats
    )
    when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_esc(csp())}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header><h1>{_esc(title)}</h1><p class="sub">reuse {_esc(__version__)}, '
        f"{_esc(when)}. Offline report: nothing here loads from the network.</p>"
        f'<div class="cards">{cards}</div></header>\n'
        '<noscript><p class="note">The details of this report need JavaScript.</p></noscript>\n'
        f'<main id="app" data-kind="{_esc(kind)}"></main>\n'
        f'<script type="application/json" id="reuse-data">{json_for_script(data)}</script>\n'
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def _short(value: Any, limit: int) -> str:
    text = _clean(" ".join(str(value).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _doc_meta(metadata: Mapping[str, Any], limit: int) -> tuple[str, str]:
    """A document's title and date (or year) from its metadata, for labels."""
    title = metadata.get("title") or ""
    when = next(
        (
            metadata[k]
            for k in ("date", "publish_date", "year")
            if metadata.get(k) not in (None, "")
        ),
        "",
    )
    return _short(title, limit), _short(when, 32)


# --------------------------------------------------------------------------- scan


def family_pairs(
    passages: Sequence[Passage], pairs: Sequence[Pair]
) -> list[list[tuple[int, int, int]]]:
    """For each family, its pairs as ``(pair index, member of a, member of b)``.

    ``reuse.families`` records which pairs joined each family; a pair's two spans
    lie inside members of that family (members are unions of pair spans).
    """

    def member(where: dict[str, list[tuple[int, int, int]]], s: Span) -> int:
        return next((k for lo, hi, k in where.get(s.doc, ()) if lo <= s.start and s.end <= hi), 0)

    out: list[list[tuple[int, int, int]]] = []
    for p in passages:
        where: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for k, m in enumerate(p.members):
            where[m.doc].append((m.start, m.end, k))
        out.append([(n, member(where, pairs[n].a), member(where, pairs[n].b)) for n in p.pairs])
    return out


def _choose_pairs(
    pairs: Sequence[Pair], found: Sequence[tuple[int, int, int]], cap: int
) -> list[tuple[int, int, int]]:
    """The pairs a family shows: longest first, each bringing a member not yet shown
    while there are such, then the next longest."""
    ranked = sorted(found, key=lambda t: (-(len(pairs[t[0]].a) + len(pairs[t[0]].b)), t[0]))
    chosen: list[tuple[int, int, int]] = []
    seen: set[int] = set()
    rest: list[tuple[int, int, int]] = []
    for t in ranked:
        if len(chosen) >= cap:
            break
        if t[1] not in seen or t[2] not in seen:
            chosen.append(t)
            seen.update((t[1], t[2]))
        else:
            rest.append(t)
    chosen.extend(rest[: cap - len(chosen)])
    return chosen


@dataclass(slots=True)
class _FamilyPlan:
    members: list[int]  # member indices listed, in family order
    text_members: set[int]  # of those, the ones whose text is embedded
    pairs: list[tuple[int, int, int]]


def _plan(p: Passage, pairs: Sequence[Pair], found: list[tuple[int, int, int]], lim: HtmlLimits):
    chosen = _choose_pairs(pairs, found, lim.pairs_per_family)
    wanted = [0] + [k for _, a, b in chosen for k in (a, b)]
    wanted += range(len(p.members))
    text_members: list[int] = []
    for k in dict.fromkeys(wanted):
        if len(text_members) >= lim.members_with_text:
            break
        text_members.append(k)
    listed = sorted(set(range(min(len(p.members), lim.members_listed))) | set(text_members))
    keep = set(text_members)
    return _FamilyPlan(listed, keep, [t for t in chosen if t[1] in keep and t[2] in keep])


def _slices(
    needs: Mapping[str, list[tuple[int, int]]],
    texts: TextLookup,
    chars: Mapping[str, int],
    lim: HtmlLimits,
) -> dict[tuple[str, int, int], tuple[list[str], str] | None]:
    """Passage text (clipped), context before and after, and the folded passage for the
    diff, for every wanted span.

    Each document's text is looked up and folded once; a text that is missing or whose
    length is not the one the scan saw (the file changed since) gives None: offsets into
    it would show the wrong characters.
    """
    out: dict[tuple[str, int, int], tuple[list[str], str] | None] = {}
    for doc, spans in needs.items():
        text = texts(doc)
        if text is None or (doc in chars and len(text) != chars[doc]):
            out.update(((doc, s, e), None) for s, e in spans)
            continue
        folded = fold(text)
        text = _clean(text)
        for s, e in spans:
            stop = min(e, s + lim.passage_chars)
            parts = [
                text[s:stop],
                text[max(0, s - lim.context_chars) : s],
                text[e : e + lim.context_chars],
            ]
            out[(doc, s, e)] = (parts, folded[s:stop])
    return out


def scan_data(result: ScanResult, texts: TextLookup, lim: HtmlLimits = HtmlLimits()) -> dict:
    """The JSON a scan report embeds (see ``scan_html``)."""
    doc_index = {d.id: i for i, d in enumerate(result.documents)}
    chars = {d.id: d.chars for d in result.documents}
    found = family_pairs(result.passages, result.pairs)
    plans = [_plan(p, result.pairs, f, lim) for p, f in zip(result.passages, found, strict=True)]
    needs: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for p, plan in zip(result.passages, plans, strict=True):
        for k in plan.text_members:
            m = p.members[k]
            needs[m.doc].append((m.start, m.end))
    sliced = _slices(needs, texts, chars, lim)
    labels = {d.id: _doc_meta(d.metadata, lim.meta_chars) for d in result.documents}

    def when(doc: str) -> str:
        return labels[doc][1] if doc in labels else ""

    families: list[dict[str, Any]] = []
    missing = 0
    for p, plan, fam_pairs in zip(result.passages, plans, found, strict=True):
        # Copies in date order where the metadata has dates: where a passage appeared
        # first is the likeliest source.
        plan.members.sort(key=lambda k: (not when(p.members[k].doc), when(p.members[k].doc), k))
        order = {k: i for i, k in enumerate(plan.members)}
        listed = [p.members[k] for k in plan.members]
        texts_out: list[Any] = []
        folded: list[str] = []
        for k in plan.members:
            got = None
            if k in plan.text_members:
                got = sliced[(p.members[k].doc, p.members[k].start, p.members[k].end)]
                missing += got is None
            texts_out.append(got[0] if got is not None else 0)
            folded.append(got[1] if got is not None else "")
        shown_pairs = []
        for n, ka, kb in plan.pairs:
            pair = result.pairs[n]
            ma, mb = p.members[ka], p.members[kb]
            ta, tb = texts_out[order[ka]], texts_out[order[kb]]
            if not ta or not tb:
                continue
            a0, a1 = pair.a.start - ma.start, pair.a.end - ma.start
            b0, b1 = pair.b.start - mb.start, pair.b.end - mb.start
            # Clipped members: the pair shows what of it was embedded.
            a1, b1 = min(a1, len(ta[0])), min(b1, len(tb[0]))
            if a0 >= a1 or b0 >= b1:
                continue
            fa, fb = folded[order[ka]][a0:a1], folded[order[kb]][b0:b1]
            if when(ma.doc) and when(mb.doc) and when(ma.doc) > when(mb.doc):
                # The earlier document goes on the left.
                ka, kb, a0, a1, b0, b1 = kb, ka, b0, b1, a0, a1
                ta, tb, fa, fb = tb, ta, fb, fa
            ops = diff_blocks(ta[0][a0:a1], tb[0][b0:b1], folded=(fa, fb))
            shown_pairs.append(
                [order[ka], a0, a1, order[kb], b0, b1, round(pair.similarity, 3), _flat(ops)]
            )
        sims = [result.pairs[n].similarity for n, _, _ in fam_pairs]
        families.append(
            {
                "i": p.id,
                "d": p.docs,
                "l": max(len(m) for m in p.members),
                "s": [round(min(sims), 3), round(max(sims), 3)] if sims else None,
                "np": len(fam_pairs),
                "nm": len(p.members),
                "m": [[doc_index.get(m.doc, -1), m.start, m.end] for m in listed],
                "t": texts_out,
                "p": shown_pairs,
            }
        )
    docs = [
        [_clean(d.id), d.chars, result.reused.get(d.id, 0), *labels[d.id]] for d in result.documents
    ]
    return {
        "docs": docs,
        "families": families,
        "skipped": [[_clean(s.path), _clean(s.reason)] for s in result.skipped],
        "missing_texts": missing,
        "limits": {
            "pairs_per_family": lim.pairs_per_family,
            "members_with_text": lim.members_with_text,
            "members_listed": lim.members_listed,
            "passage_chars": lim.passage_chars,
            "context_chars": lim.context_chars,
        },
    }


def scan_html(
    result: ScanResult,
    texts: TextLookup,
    title: str = "reuse scan",
    limits: HtmlLimits = HtmlLimits(),
) -> str:
    """The scan report: summary, families by spread (expandable to members and pairs,
    each pair side by side with its differences marked), reused share per document."""
    stats = [
        ("documents", f"{len(result.documents):,}"),
        ("characters", f"{result.chars:,}"),
        ("reuse families", f"{len(result.passages):,}"),
        ("aligned passage pairs", f"{len(result.pairs):,}"),
        ("share of all text reused", f"{result.reused_share:.1%}"),
        ("skipped files", f"{len(result.skipped):,}"),
    ]
    return _page("scan", title, stats, scan_data(result, texts, limits))


# --------------------------------------------------------------------------- phrases


def phrases_data(result: PhraseResult, table: GroupTable | None, top: int) -> dict[str, Any]:
    shown = result.phrases[:top]
    data: dict[str, Any] = {
        "documents": result.documents,
        "chars": result.chars,
        "total": len(result.phrases),
        "phrases": [
            [_clean(p.phrase), p.df, p.tf, round(p.per_k, 4), round(p.score, 3)] for p in shown
        ],
        "families": [
            [_clean(f.template), f.pattern, [[_clean(m), d] for m, d in f.members]]
            for f in result.families
        ],
        "by": None,
    }
    if table is not None:
        data["by"] = {
            "field": _clean(table.field),
            "groups": [
                [_clean(g), table.group_docs.get(g, 0), table.group_chars.get(g, 0)]
                for g in table.groups
            ],
            "rows": [
                [
                    _clean(p),
                    [table.counts.get(p, {}).get(g, 0) for g in table.groups],
                    [table.docs.get(p, {}).get(g, 0) for g in table.groups],
                ]
                for p in table.phrases
            ],
        }
    return data


def phrases_html(
    result: PhraseResult,
    table: GroupTable | None = None,
    top: int = 50,
    title: str = "reuse phrases",
) -> str:
    """The stock-phrase report: ranked formulas, their families and, with a ``--by``
    table, each formula's frequency across the groups as a chart."""
    stats = [
        ("documents", f"{result.documents:,}"),
        ("characters", f"{result.chars:,}"),
        ("phrases found", f"{len(result.phrases):,}"),
        ("shown", f"{min(top, len(result.phrases)):,}"),
    ]
    if table is not None:
        stats.append((f"groups by {table.field}", f"{len(table.groups):,}"))
    return _page("phrases", title, stats, phrases_data(result, table, top))


# --------------------------------------------------------------------------- check


def _segments(text: str, result: CheckResult) -> list[list[Any]]:
    """The draft cut where a match or a phrase begins or ends: ``[text, match, phrase]``
    with the match's index (-1 outside) and 1 inside a stock phrase."""
    cuts = {0, len(text)}
    for m in result.matches:
        cuts.update((min(m.start, len(text)), min(m.end, len(text))))
    for p in result.phrases:
        cuts.update((min(p.start, len(text)), min(p.end, len(text))))
    bounds = sorted(cuts)
    match_at = [-1] * len(bounds)
    phrase_at = [0] * len(bounds)
    pos = {b: i for i, b in enumerate(bounds)}
    for n, m in enumerate(result.matches):
        for i in range(pos[min(m.start, len(text))], pos[min(m.end, len(text))]):
            match_at[i] = n
    for p in result.phrases:
        for i in range(pos[min(p.start, len(text))], pos[min(p.end, len(text))]):
            phrase_at[i] = 1
    return [
        [_clean(text[bounds[i] : bounds[i + 1]]), match_at[i], phrase_at[i]]
        for i in range(len(bounds) - 1)
        if bounds[i] < bounds[i + 1]
    ]


def check_data(
    results: Sequence[CheckResult],
    texts: TextLookup,
    meta: Mapping[str, Mapping[str, Any]] | None = None,
    lim: HtmlLimits = HtmlLimits(),
) -> dict[str, Any]:
    meta = meta or {}
    needs: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r in results:
        for m in r.matches:
            for s in m.sources:
                needs[s.span.doc].append((s.span.start, s.span.end))
    sliced = _slices(needs, texts, {}, lim)
    drafts = []
    for r in results:
        text = r.text[: lim.draft_chars]
        draft_folded = fold(r.text)
        matches = []
        for m in r.matches:
            sources = []
            for s in m.sources:
                got = sliced[(s.span.doc, s.span.start, s.span.end)]
                title, when = _doc_meta(meta.get(s.span.doc, {}), lim.meta_chars)
                entry: dict[str, Any] = {
                    "doc": _clean(s.span.doc),
                    "start": s.span.start,
                    "end": s.span.end,
                    "sim": round(s.similarity, 3),
                    "title": title,
                    "date": when,
                    "src": got[0] if got else None,
                }
                stop = min(s.draft_end, s.draft_start + lim.passage_chars)
                draft_part = r.text[s.draft_start : stop]
                entry["draft"] = [
                    _clean(draft_part),
                    _clean(r.text[max(0, s.draft_start - lim.context_chars) : s.draft_start]),
                    _clean(r.text[s.draft_end : s.draft_end + lim.context_chars]),
                ]
                entry["at"] = [s.draft_start, s.draft_end]
                entry["ops"] = (
                    _flat(
                        diff_blocks(
                            draft_part,
                            got[0][0],
                            folded=(draft_folded[s.draft_start : stop], got[1]),
                        )
                    )
                    if got
                    else []
                )
                sources.append(entry)
            matches.append(
                {
                    "s": m.start,
                    "e": m.end,
                    "sim": round(m.similarity, 3),
                    "more": m.more,
                    "src": sources,
                }
            )
        counts: dict[str, list[int]] = {}
        for p in r.phrases:
            counts.setdefault(p.phrase, [0, p.df])[0] += 1
        drafts.append(
            {
                "name": _clean(r.draft),
                "chars": r.chars,
                "share": r.reused_fraction,
                "candidates": r.candidates,
                "documents": r.documents,
                "clipped": len(r.text) > lim.draft_chars,
                "seg": _segments(text, r),
                "matches": matches,
                "phrases": [[_clean(k), v[0], v[1]] for k, v in counts.items()],
            }
        )
    return {
        "drafts": drafts,
        "limits": {"draft_chars": lim.draft_chars, "passage_chars": lim.passage_chars},
    }


def check_html(
    results: Sequence[CheckResult],
    texts: TextLookup,
    meta: Mapping[str, Mapping[str, Any]] | None = None,
    title: str = "reuse check",
    limits: HtmlLimits = HtmlLimits(),
) -> str:
    """The check report: each draft with its reused spans highlighted; a span opens its
    sources, each side by side with the draft's text and the differences marked."""
    if len(results) == 1:
        r = results[0]
        stats = [
            ("draft", r.draft.replace("\\", "/").rsplit("/", 1)[-1]),
            ("characters", f"{r.chars:,}"),
            ("reused share", f"{r.reused_fraction:.1%}"),
            ("reused spans", f"{len(r.matches):,}"),
            ("corpus documents", f"{r.documents:,}"),
        ]
    else:
        over = max((r.reused_fraction for r in results), default=0.0)
        stats = [("drafts", f"{len(results):,}"), ("highest reused share", f"{over:.1%}")]
    return _page("check", title, stats, check_data(results, texts, meta, limits))


# --------------------------------------------------------------------------- cluster


def cluster_data(
    result: ClusterResult,
    doc_ids: Sequence[str] | None = None,
    titles: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    titles = titles or {}
    points = None
    if result.coords is not None and result.coord_labels is not None:
        labels: list[str] = []
        if doc_ids is not None:
            collapsed = {d for c in result.clusters for d in c.collapsed}
            kept = [d for d in doc_ids if d not in collapsed]
            if len(kept) == len(result.coords):
                labels = kept
        points = [
            [round(float(x), 5), round(float(y), 5), int(c), _clean(labels[i]) if labels else ""]
            for i, ((x, y), c) in enumerate(
                zip(result.coords[:, :2], result.coord_labels, strict=True)
            )
        ]
    return {
        "documents": result.documents,
        "k": result.k,
        "silhouette": None if result.silhouette is None else round(result.silhouette, 4),
        "scores": [[k, round(v, 4)] for k, v in sorted(result.scores.items())],
        "collapsed": result.collapsed,
        "clusters": [
            {
                "id": c.id,
                "docs": [_clean(d) for d in c.docs],
                "terms": [_clean(t) for t in c.terms],
                "formulas": [_clean(f) for f in c.formulas],
                "rep": _clean(c.representative),
                "title": _short(c.title, 200),
                "collapsed": [_clean(d) for d in c.collapsed],
                "titles": [_short(titles.get(d, ""), 120) for d in c.docs],
            }
            for c in result.clusters
        ],
        "points": points,
    }


def cluster_html(
    result: ClusterResult,
    doc_ids: Sequence[str] | None = None,
    titles: Mapping[str, str] | None = None,
    title: str = "reuse cluster",
) -> str:
    """The topic report: clusters with their terms, formulas and documents, the
    silhouette by k and, when the result has map coordinates, the map."""
    stats = [
        ("documents", f"{result.documents:,}"),
        ("clusters", f"{result.k:,}"),
        ("silhouette", "—" if result.silhouette is None else f"{result.silhouette:.3f}"),
        ("reposts collapsed", f"{result.collapsed:,}"),
    ]
    return _page("cluster", title, stats, cluster_data(result, doc_ids, titles))
