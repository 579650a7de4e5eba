"""Stock phrases: the formulas a corpus repeats across documents, found without a word list.

Officialese is built from set phrases ("走深走实", "两个维护", "以习近平新时代中国特色社会主义
思想为指导") that no general dictionary holds and that word segmenters cut into pieces. They are
recognised here the way a reader notices them: a string many *documents* repeat (document
frequency, not raw frequency, so one long report cannot promote its own pet words), that is not
just a piece of a longer repeated string (closed: no one-character extension accounts for 90% of
its occurrences), whose edges are not function characters, and whose parts stick together more
than chance would have them (cohesion).

Counting is an apriori n-gram pass in numpy over the whole corpus at once: an n-gram is extended
to n+1 only where both its n-character prefix and suffix passed the minimum document frequency,
so long phrases cost only where the text really repeats. Punctuation, spaces and quotes split
the text into runs and n-grams never cross them; they count as *free* boundaries, because a
formula typically sits between quotation marks or commas.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from reuse.model import Document
from reuse.normalize import normalize

__all__ = [
    "FUNCTION_CHARS",
    "Family",
    "GroupTable",
    "Hit",
    "MineParams",
    "Phrase",
    "PhraseResult",
    "Prepared",
    "add_to_jieba",
    "by_group",
    "count_in",
    "families",
    "group_key",
    "is_junk",
    "kwic",
    "load_user_dict",
    "mine",
    "mine_documents",
    "mine_prepared",
    "prepare",
    "segment",
    "template_of",
]

# Characters that glue words together rather than name anything: a phrase that begins or ends
# with one is a fragment of a clause, not a formula ("的决定性意义", "推进和"). Kept short on
# purpose: 中/新/大 also start real formulas, these never do.
FUNCTION_CHARS = frozenset(
    "的地得了着过和与及或并而且是在于对为把被将让使向从以由其之等也都就还又所"
    "这那该此每各吗呢吧啊们个"
)
# "个" is a function character only at the end ("两个维护" starts with 两个, never ends in 个).
_FUNCTION_START = FUNCTION_CHARS - frozenset("个以各其之每所由为")
_FUNCTION_END = FUNCTION_CHARS

# Quotation marks and book-title marks: the usual frame of a formula.
_QUOTES = frozenset("\"'“”‘’「」『』《》〈〉")
_CHINESE_DIGITS = "〇零一二三四五六七八九十百千万亿两"
_NUMERAL_ONLY = re.compile(rf"^[0-9{_CHINESE_DIGITS}+.%第]+$")
_DATE_OR_COUNT = re.compile(
    rf"[0-9]{{2,}}|[0-9]+[年月日号时]|[{_CHINESE_DIGITS}]+月[{_CHINESE_DIGITS}]+日"
    rf"|第[{_CHINESE_DIGITS}0-9]+[条章节款项编]|^[{_CHINESE_DIGITS}]+[条章节款项编]"
    rf"|[〇零]|^[0-9]|[0-9]$"
)
_LATIN_ONLY = re.compile(r"^[a-z0-9+]+$")


@dataclass(frozen=True, slots=True)
class MineParams:
    """Knobs of the miner; the defaults are what the real corpora were tuned on."""

    min_df: int = 3
    min_len: int = 2
    max_len: int = 40
    # An extension covering this share of a phrase's occurrences makes the phrase a fragment.
    fragment_share: float = 0.9
    # Cohesion floor: PMI (natural log) of the weakest binary split.
    min_pmi: float = 1.0
    # Share of a document at each end where template lines are looked for.
    edge_zone: float = 0.15
    # A phrase with this share of its occurrences in template lines is page furniture.
    furniture_share: float = 0.6
    # ... or with a numeral on one side this often is a piece of a figure ("届全国人民代表大会第").
    numeral_share: float = 0.8


@dataclass(slots=True)
class Phrase:
    """One mined phrase and the figures it was ranked by."""

    phrase: str
    df: int
    tf: int
    score: float
    per_k: float = 0.0  # occurrences per 1,000 characters of the corpus
    free: float = 0.0  # share of occurrences with punctuation or a run edge on both sides
    quoted: float = 0.0  # share of occurrences directly inside quotation marks
    pmi: float = 1.0  # cohesion: the dependency of the weakest cut, in [0, 1]

    def to_json(self) -> dict[str, Any]:
        return {
            "phrase": self.phrase,
            "df": self.df,
            "tf": self.tf,
            "score": round(self.score, 4),
            "per_1000_chars": round(self.per_k, 4),
        }


@dataclass(slots=True)
class Family:
    """A four-character template such as 真X实Y and the formulas that fill it."""

    template: str
    pattern: str  # ABAC, ABCB or AABB
    members: list[tuple[str, int]]  # (phrase, df), most documents first

    @property
    def df(self) -> int:
        return sum(d for _, d in self.members)

    def to_json(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "pattern": self.pattern,
            "members": [{"phrase": p, "df": d} for p, d in self.members],
        }


@dataclass(slots=True)
class PhraseResult:
    """What `mine_documents` found, with the corpus figures reports need."""

    phrases: list[Phrase]
    documents: int
    chars: int
    families: list[Family] = field(default_factory=list)

    def to_json(self, top: int | None = None) -> dict[str, Any]:
        shown = self.phrases if top is None else self.phrases[:top]
        return {
            "phrases": [p.to_json() for p in shown],
            "families": [f.to_json() for f in self.families],
            "documents": self.documents,
            "chars": self.chars,
        }


# --------------------------------------------------------------------------- preparation


@cache
def _content_table() -> np.ndarray:
    """uint8 per BMP code point: 1 where a character can be part of a phrase.

    Ideographs, ASCII letters and digits, and '+' (for "1+N", "互联网+"); everything else
    (punctuation, spaces, quotes, symbols) splits runs.
    """
    table = np.zeros(0x10000, np.uint8)
    table[0x3400:0x4DC0] = 1
    table[0x4E00:0xA000] = 1
    table[0xF900:0xFB00] = 1
    table[ord("0") : ord("9") + 1] = 1
    table[ord("a") : ord("z") + 1] = 1
    table[ord("+")] = 1
    table[ord("〇")] = 1
    return table


@cache
def _quote_table() -> np.ndarray:
    table = np.zeros(0x10000, bool)
    for q in _QUOTES:
        table[ord(q)] = True
    return table


@dataclass(slots=True)
class Prepared:
    """The corpus as one code array: documents and runs separated by code 0.

    ``codes`` holds dense character ids (0 = boundary), ``doc`` the document index of each
    position, ``quote`` whether a boundary position is a quotation mark, ``alphabet`` maps
    dense ids back to characters.
    """

    codes: np.ndarray
    doc: np.ndarray
    quote: np.ndarray
    furniture: np.ndarray
    alphabet: np.ndarray
    n_docs: int
    chars: int
    flat: str = ""

    def __post_init__(self) -> None:
        if not self.flat and self.codes.size:
            chars = self.alphabet[self.codes].astype("<u4")
            self.flat = chars.tobytes().decode("utf-32-le", "surrogatepass")

    def text(self, start: int, length: int) -> str:
        return self.flat[start : start + length]

    def numeral(self) -> np.ndarray:
        """Bool per dense id: a digit or a Chinese numeral."""
        digits = frozenset("0123456789" + _CHINESE_DIGITS)
        return np.array([chr(c) in digits for c in self.alphabet.tolist()], bool)


def _fold_codes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Folded code points of ``text`` (width, script, case; numerals and punctuation kept) and
    a content mask; outside the BMP only ideographs count as content."""
    folded = normalize(text, numbers=False, punctuation=False).text
    cps = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), "<u4")
    low = cps < 0x10000
    content = np.zeros(cps.size, bool)
    content[low] = _content_table()[cps[low]] == 1
    content[~low] = (cps[~low] >= 0x20000) & (cps[~low] < 0x32400)
    quote = np.zeros(cps.size, bool)
    quote[low] = _quote_table()[cps[low]]
    return np.where(content, cps, 0).astype(np.uint32), quote


def _edge_lines(text: str, edge: float) -> Iterator[tuple[int, int, str]]:
    """Lines (start, end, stripped text) lying in the first or last ``edge`` of a document,
    where site templates put their furniture (font-size bars, share buttons, notices)."""
    size = len(text)
    head, tail = edge * size, (1.0 - edge) * size
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        if end <= head or start >= tail:
            key = "".join(line.split())
            if key:
                yield start, end, key
        start = end + 1


def _furniture(
    texts: Sequence[str], offsets: Sequence[int], total: int, params: MineParams
) -> np.ndarray:
    """Positions inside template lines: a whole line, near a document's start or end, that
    recurs verbatim in several documents (Wikisource's licence notice, 【字号：加大 还原 减小】).
    Formulas live inside running text; these lines are the site's, not the author's."""
    seen: dict[str, set[int]] = defaultdict(set)
    spots: list[tuple[int, int, str]] = []
    for d, text in enumerate(texts):
        for start, end, key in _edge_lines(text, params.edge_zone):
            seen[key].add(d)
            spots.append((offsets[d] + start, offsets[d] + end, key))
    mask = np.zeros(total, bool)
    for start, end, key in spots:
        if len(seen[key]) >= params.min_df:
            mask[start:end] = True
    return mask


def prepare(texts: Iterable[str], params: MineParams | None = None) -> Prepared:
    """Fold every text and lay them end to end, one boundary between documents."""
    params = params or MineParams()
    code_parts: list[np.ndarray] = []
    quote_parts: list[np.ndarray] = []
    folded: list[str] = []
    offsets: list[int] = []
    lengths: list[int] = []
    chars = 0
    at = 0
    for text in texts:
        codes, quote = _fold_codes(text)
        folded.append(text)
        offsets.append(at)
        at += codes.size + 1
        chars += int(np.count_nonzero(codes))
        code_parts.append(codes)
        code_parts.append(np.zeros(1, np.uint32))
        quote_parts.append(quote)
        quote_parts.append(np.zeros(1, bool))
        lengths.append(codes.size + 1)
    if not code_parts:
        empty = np.zeros(0, np.int32)
        no = np.zeros(0, bool)
        return Prepared(empty, empty, no, no, np.zeros(1, np.uint32), 0, 0)
    furniture = _furniture(folded, offsets, at, params)
    del folded
    raw = np.concatenate(code_parts)
    # Dense ids by a lookup table rather than np.unique: no sort of the whole corpus.
    present = np.flatnonzero(np.bincount(raw, minlength=1) > 0)
    lookup = np.zeros(int(present[-1]) + 1, np.int32)
    lookup[present] = np.arange(present.size, dtype=np.int32)
    alphabet, dense = present.astype(np.uint32), lookup[raw]
    del lookup, raw  # code 0 (the boundary) is present, one per document, so it stays id 0
    doc = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    return Prepared(
        codes=dense,
        doc=doc,
        quote=np.concatenate(quote_parts),
        furniture=furniture,
        alphabet=alphabet.astype(np.uint32),
        n_docs=len(lengths),
        chars=chars,
    )


# --------------------------------------------------------------------------- counting


@dataclass(slots=True)
class _Level:
    """The frequent n-grams of one length: a representative position and the figures."""

    n: int
    rep: np.ndarray  # start position of one occurrence
    tf: np.ndarray
    df: np.ndarray
    free: np.ndarray  # occurrences with a boundary on both sides
    side: np.ndarray  # occurrences with a boundary on at least one side
    quoted: np.ndarray  # occurrences with a quotation mark on both sides
    furniture: np.ndarray  # occurrences inside template lines
    numeral: np.ndarray  # occurrences with a numeral right before or right after
    right_max: np.ndarray  # tf of the most common one-character right extension
    left_max: np.ndarray
    # sum of c*log(c) over the one-character extensions: gives the neighbour entropy
    right_clogc: np.ndarray
    left_clogc: np.ndarray

    def entropy(self) -> tuple[np.ndarray, np.ndarray]:
        """Left and right neighbour entropy (nats); every boundary occurrence counts as a
        neighbour of its own, so a formula framed by quotes has the freest boundary of all."""
        tf = self.tf.astype(np.float64)
        log_tf = np.log(tf)
        return log_tf - self.left_clogc / tf, log_tf - self.right_clogc / tf


def _group(
    keys: np.ndarray, docs: np.ndarray, n_docs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort order by (key, doc), group start offsets (in sorted order), group index per item.

    Folding the document into the key lets an unstable sort (2-3x faster than a stable one)
    still leave each group's documents in order, which is all document frequency needs.
    """
    if keys.size and int(keys.max()) < np.iinfo(np.int64).max // max(n_docs, 1):
        composite = keys * n_docs + docs
        order = np.argsort(composite)
        composite //= n_docs
        sorted_keys = composite[order]
        del composite
    else:
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
    new = np.empty(sorted_keys.size, bool)
    if sorted_keys.size:
        new[0] = True
        np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    del sorted_keys
    gidx = np.cumsum(new, dtype=np.int32) - 1
    return order.astype(np.int32), starts, gidx


def _count_level(
    prep: Prepared, pos: np.ndarray, keys: np.ndarray, n: int, min_df: int, numeral: np.ndarray
) -> tuple[_Level, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group the n-grams starting at ``pos`` (ascending) by ``keys``.

    Returns the level (frequent groups only), the positions of frequent occurrences, their
    dense ids, and for every group (frequent or not) its tf and the position of one
    occurrence (for the parents' extension counts).
    """
    order, starts, gidx = _group(keys, prep.doc[pos].astype(np.int64), prep.n_docs)
    spos = pos[order]
    tf_all = np.diff(np.append(starts, spos.size))
    sdoc = prep.doc[spos]
    # Documents ascend within a group, so a new document is a change of doc.
    newdoc = np.ones(spos.size, np.int32)
    if spos.size > 1:
        newdoc[1:] = sdoc[1:] != sdoc[:-1]
    newdoc[starts] = 1
    df_all = np.add.reduceat(newdoc, starts) if spos.size else np.zeros(0, np.int32)
    freq = df_all >= min_df
    keep = freq[gidx]
    new_id = np.cumsum(freq, dtype=np.int32) - 1

    codes = prep.codes
    left_free = codes[np.maximum(spos - 1, 0)] == 0
    left_free[spos == 0] = True
    right_free = codes[spos + n] == 0
    both = (left_free & right_free).astype(np.int32)
    quoted = (
        left_free & right_free & prep.quote[np.maximum(spos - 1, 0)] & prep.quote[spos + n]
    ).astype(np.int32)
    left_num = numeral[codes[np.maximum(spos - 1, 0)]]
    num_side = (left_num | numeral[codes[spos + n]]).astype(np.int32)
    furn = prep.furniture[spos].astype(np.int32)

    def per_group(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, starts) if spos.size else np.zeros(0, np.int32)

    side_all = per_group((left_free | right_free).astype(np.int32))
    free_all = per_group(both)
    quoted_all = per_group(quoted)
    num_all = per_group(num_side)
    furn_all = per_group(furn)

    rep_all = spos[starts]
    f = np.flatnonzero(freq)
    level = _Level(
        n=n,
        rep=rep_all[f],
        tf=tf_all[f],
        df=df_all[f],
        free=free_all[f],
        side=side_all[f],
        quoted=quoted_all[f],
        furniture=furn_all[f],
        numeral=num_all[f],
        right_max=np.zeros(f.size, np.int64),
        left_max=np.zeros(f.size, np.int64),
        right_clogc=np.zeros(f.size, np.float64),
        left_clogc=np.zeros(f.size, np.float64),
    )
    # Back to position order without another sort: scatter through the sort order.
    keep_at = np.empty(pos.size, bool)
    keep_at[order] = keep
    ids_at = np.empty(pos.size, np.int32)
    ids_at[order] = new_id[gidx]
    return level, pos[keep_at], ids_at[keep_at], tf_all, rep_all


def count_ngrams(prep: Prepared, params: MineParams) -> list[_Level]:
    """Every n-gram (1 <= n <= max_len) with document frequency >= min_df, with its figures.

    Apriori: an (n+1)-gram is only formed where its n-prefix and n-suffix are frequent, so
    the work shrinks with the length of what the corpus really repeats.
    """
    codes = prep.codes
    size = codes.size
    alphabet_size = int(prep.alphabet.size) + 1
    numeral = prep.numeral()
    pos = np.flatnonzero(codes > 0).astype(np.int32)
    level, pos, ids, _, _ = _count_level(
        prep, pos, codes[pos].astype(np.int64), 1, params.min_df, numeral
    )
    levels = [level]
    # ids of the previous level by position, -1 where that n-gram is not frequent
    prev = np.full(size + 1, -1, np.int32)
    prev[pos] = ids
    for n in range(2, params.max_len + 1):
        if pos.size == 0:
            break
        nxt = pos + 1
        ok = prev[nxt] >= 0
        cand = pos[ok]
        if cand.size == 0:
            break
        keys = prev[cand].astype(np.int64)
        keys *= alphabet_size
        keys += codes[cand + n - 1]
        level, new_pos, new_ids, tf_all, rep_all = _count_level(
            prep, cand, keys, n, params.min_df, numeral
        )
        # One-character extensions of the previous level: right via the prefix, left via the
        # suffix. Counted over every n-gram formed, frequent or not.
        parent = levels[-1]
        right_parent = prev[rep_all].astype(np.int64)
        left_parent = prev[rep_all + 1].astype(np.int64)
        np.maximum.at(parent.right_max, right_parent, tf_all)
        np.maximum.at(parent.left_max, left_parent, tf_all)
        clogc = tf_all * np.log(tf_all)
        size_p = parent.tf.size
        parent.right_clogc += np.bincount(right_parent, weights=clogc, minlength=size_p)
        parent.left_clogc += np.bincount(left_parent, weights=clogc, minlength=size_p)
        del keys, clogc
        levels.append(level)
        prev[:] = -1
        prev[new_pos] = new_ids
        pos = new_pos
        if level.tf.size == 0:
            break
    return levels


# --------------------------------------------------------------------------- scoring


def is_junk(phrase: str) -> bool:
    """Numbers, dates, counters and Latin strings: figures a report repeats, not formulas.

    Numerals inside a formula stay ("两个维护", "三会一课", "1+n"): only phrases made of
    numerals, or holding a date, a multi-digit figure or a legal section number, are junk.
    """
    if "+" in phrase and re.search(r"[^0-9+.]", phrase):
        return False  # 1+n, 5g+工业互联网, 人工智能+: numbers and letters framing a plus
    if _NUMERAL_ONLY.match(phrase) or _LATIN_ONLY.match(phrase):
        return True
    return bool(_DATE_OR_COUNT.search(phrase))


def _bad_edge(phrase: str) -> bool:
    return phrase[0] in _FUNCTION_START or phrase[-1] in _FUNCTION_END or phrase[-1] == "第"


@cache
def _jieba_freq() -> dict[str, int]:
    """jieba's own dictionary counts: a high count marks ordinary vocabulary, not a formula.

    A copy taken before `add_to_jieba` runs, so phrases we teach jieba never count as
    ordinary words in a later mining pass of the same process.
    """
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return dict(jieba.dt.FREQ)


@dataclass(slots=True)
class _Candidate:
    phrase: str
    df: int
    tf: int
    free: float
    side: float
    quoted: float
    entropy: float  # the lower of left and right neighbour entropy


def _candidates(prep: Prepared, levels: Sequence[_Level], params: MineParams) -> list[_Candidate]:
    """Closed, well-edged, non-junk, non-furniture n-grams of the allowed lengths."""
    out: list[_Candidate] = []
    for level in levels:
        if level.n < params.min_len:
            continue
        tf = level.tf
        limit = params.fragment_share * tf
        keep = (level.right_max < limit) & (level.left_max < limit)
        keep &= level.furniture < params.furniture_share * tf
        keep &= level.numeral < params.numeral_share * tf
        left_h, right_h = level.entropy()
        low_h = np.minimum(left_h, right_h)
        for i in np.flatnonzero(keep).tolist():
            text = prep.text(int(level.rep[i]), level.n)
            count = int(tf[i])
            quoted = level.quoted[i] / count
            if _bad_edge(text) and not _lexical(text):
                continue
            if is_junk(text) and not (quoted >= 0.3 and not _DIGITS.search(text)):
                continue
            out.append(
                _Candidate(
                    text,
                    int(level.df[i]),
                    count,
                    level.free[i] / count,
                    level.side[i] / count,
                    quoted,
                    float(low_h[i]),
                )
            )
    return out


_DIGITS = re.compile(r"[0-9]")
# Numbered formulas: 两个维护, 三会一课, 四个意识, 五位一体.
_NUMBERED = re.compile(r"^[两二三四五六七八九十][^年月日号]{2,5}$")


def _lexical(phrase: str) -> bool:
    """A set expression that merely ends in a function character (实事求是, 担当作为) is a
    dictionary idiom: four characters or more and known to jieba."""
    return len(phrase) >= 4 and _jieba_freq().get(phrase, 0) > 0


def _tf_table(prep: Prepared, levels: Sequence[_Level], upto: int) -> dict[str, int]:
    table: dict[str, int] = {}
    flat = prep.flat
    for level in levels[:upto]:
        n = level.n
        for r, t in zip(level.rep.tolist(), level.tf.tolist(), strict=True):
            table[flat[r : r + n]] = t
    return table


def _dependency(phrase: str, tf: int, table: dict[str, int]) -> float:
    """Cohesion of the weakest cut: at every cut one side should rarely occur without the other.

    For a cut into ``a|b`` the strength is max(tf(ab)/tf(a), tf(ab)/tf(b)); the phrase is as
    cohesive as its weakest cut. A chance join of two common words (技术|创新) scores low,
    a formula (走深|走实, 新质|生产力) near 1. Parts longer than the table are taken as bound.
    """
    weakest = 1.0
    for k in range(1, len(phrase)):
        a = table.get(phrase[:k])
        b = table.get(phrase[k:])
        if a is None or b is None:
            continue
        weakest = min(weakest, max(tf / a, tf / b))
    return weakest


def _length_weight(length: int) -> float:
    """Two-character strings are mostly ordinary words; very long ones mostly copied clauses."""
    if length <= 3:
        return {2: 0.15, 3: 0.5}.get(length, 0.1)
    if length <= 8:
        return 1.0
    return max(0.5, 1.0 - 0.04 * (length - 8))


def _score(c: _Candidate, dep: float, common: bool) -> float:
    """Document frequency, weighted by what makes a repeated string a formula.

    Framing (quotes around it, free boundaries), cohesion of its parts, a length that is
    neither a two-character word nor a copied sentence, and not being ordinary vocabulary.
    """
    frame = 1.0 + 1.0 * c.side + 0.5 * c.free + 2.0 * c.quoted
    if _NUMERAL_ONLY.match(c.phrase):
        # "十四五" is a name, but a bare numeral string reads as a number in a ranked list;
        # "十四五规划" and the like carry it instead.
        frame *= 0.2
    elif template_of(c.phrase) is not None or _NUMBERED.match(c.phrase):
        frame *= 2.0
    cohesion = 0.2 + 0.8 * dep
    branching = min(1.0, 0.4 + c.entropy / 2.0)
    return (
        c.df
        * _length_weight(len(c.phrase))
        * frame
        * cohesion
        * branching
        * (0.5 if common else 1.0)
    )


def mine_prepared(prep: Prepared, params: MineParams = MineParams()) -> list[Phrase]:
    """Rank the stock phrases of a prepared corpus, best first."""
    if prep.n_docs == 0:
        return []
    levels = count_ngrams(prep, params)
    cands = _candidates(prep, levels, params)
    table = _tf_table(prep, levels, 5)
    freq = _jieba_freq()
    total = max(prep.chars, 1)
    phrases: list[Phrase] = []
    for c in cands:
        dep = _dependency(c.phrase, c.tf, table) if len(c.phrase) <= 8 else 1.0
        common = freq.get(c.phrase, 0) >= 50
        phrases.append(
            Phrase(
                phrase=c.phrase,
                df=c.df,
                tf=c.tf,
                score=_score(c, dep, common),
                per_k=1000.0 * c.tf / total,
                free=c.free,
                quoted=c.quoted,
                pmi=dep,
            )
        )
    phrases.sort(key=lambda p: (-p.score, -p.df, -p.tf, p.phrase))
    return phrases


def template_of(phrase: str) -> tuple[str, str] | None:
    """(template, pattern) of a templated four-character formula, else None.

    ABAC 走深走实 -> 走X走Y; ABCB 真抓实干 is not one (抓/干 differ) but 一心一意 is ABAC;
    ABCB 大干快干 -> X干Y干; AABB 兢兢业业 -> 叠字. A template needs real characters in its
    fixed places, so "AAAA" or numeral-only strings are not templates.
    """
    if len(phrase) != 4 or not all(_is_han(c) for c in phrase):
        return None
    a, b, c, d = phrase
    if a == c and b != d and a != b:
        return f"{a}X{a}Y", "ABAC"
    if b == d and a != c and a != b:
        return f"X{b}Y{b}", "ABCB"
    if a == b and c == d and a != c:
        return "XXYY", "AABB"
    return None


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def mine(texts: Iterable[str], params: MineParams = MineParams()) -> list[Phrase]:
    """Stock phrases of ``texts`` (one string per document), best first."""
    return mine_prepared(prepare(texts, params), params)


def mine_documents(
    docs: Iterable[Document], params: MineParams = MineParams(), top: int | None = None
) -> PhraseResult:
    """Mine a corpus of `Document`s; ``top`` keeps the best N phrases (families use all)."""
    texts = [d.text for d in docs]
    prep = prepare(texts, params)
    ranked = mine_prepared(prep, params)
    fams = families(ranked)
    return PhraseResult(
        phrases=ranked if top is None else ranked[:top],
        documents=prep.n_docs,
        chars=prep.chars,
        families=fams,
    )


def _templates(phrase: str) -> list[tuple[str, str]]:
    """Every template a four-character phrase fills: its repetition pattern (ABAC 走深走实,
    ABCB, AABB) and its two fixed-slot frames (真X实Y for 真抓实干, X深X实 for 走深走实)."""
    if len(phrase) != 4 or not all(_is_han(c) for c in phrase):
        return []
    a, b, c, d = phrase
    out: list[tuple[str, str]] = []
    found = template_of(phrase)
    if found is not None:
        out.append(found)
    if found is None or found[1] != "ABAC":
        out.append((f"{a}X{c}Y", "AXBY"))
    if found is None or found[1] != "ABCB":
        out.append((f"X{b}Y{d}", "XAYB"))
    return out


def families(phrases: Iterable[Phrase], min_members: int = 2) -> list[Family]:
    """Group four-character phrases by the template they fill, with fillers and counts.

    Repetition patterns (ABAC, ABCB, AABB) need ``min_members`` fillers; the looser frames
    (真X实Y) need one more, since two words sharing two characters is often chance.
    Families with the most documents come first.
    """
    groups: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for p in phrases:
        if p.pmi < 0.3:  # a chance join across words (产业新业态 -> 业新业态) is no member
            continue
        for key in _templates(p.phrase):
            groups[key].append((p.phrase, p.df))
    out = []
    for (template, pattern), members in groups.items():
        need = min_members + (1 if pattern in ("AXBY", "XAYB") else 0)
        if len(members) >= need:
            out.append(Family(template, pattern, sorted(members, key=lambda m: (-m[1], m[0]))))
    out.sort(key=lambda f: (-f.df, f.template))
    return out


# --------------------------------------------------------------------------- counting known phrases


def _folded(text: str) -> str:
    return normalize(text, numbers=False, punctuation=False).text


def count_in(text: str, phrase: str) -> int:
    """Non-overlapping occurrences of ``phrase`` in ``text``, both folded (script, width)."""
    target = _folded(phrase)
    return _folded(text).count(target) if target else 0


def group_key(doc: Document, field_name: str) -> str:
    """The value a document is grouped under: a metadata field, or for "folder" the first
    folder level of its id ("." for files at the top)."""
    if field_name == "folder":
        return doc.id.split("/", 1)[0] if "/" in doc.id else "."
    value = doc.metadata.get(field_name)
    if value is None and field_name == "year":
        date = doc.metadata.get("date")
        if isinstance(date, str) and re.match(r"^\d{4}", date):
            value = date[:4]
    return "(none)" if value is None or value == "" else str(value)


@dataclass(slots=True)
class GroupTable:
    """Occurrences per group for each phrase, with the documents and characters per group."""

    field: str
    groups: list[str]
    phrases: list[str]
    counts: dict[str, dict[str, int]]  # phrase -> group -> occurrences
    docs: dict[str, dict[str, int]]  # phrase -> group -> documents containing it
    group_docs: dict[str, int]
    group_chars: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "groups": [
                {"group": g, "documents": self.group_docs[g], "chars": self.group_chars[g]}
                for g in self.groups
            ],
            "rows": [
                {
                    "phrase": p,
                    "tf": [self.counts[p].get(g, 0) for g in self.groups],
                    "df": [self.docs[p].get(g, 0) for g in self.groups],
                }
                for p in self.phrases
            ],
        }


def _group_order(values: Iterable[str]) -> list[str]:
    """Numbers (years) in numeric order, then the rest alphabetically."""

    def key(v: str) -> tuple[int, float, str]:
        try:
            return (0, float(v), v)
        except ValueError:
            return (1, 0.0, v)

    return sorted(set(values), key=key)


def by_group(docs: Iterable[Document], phrases: Sequence[str], field_name: str) -> GroupTable:
    """Count each phrase per group of documents (by metadata field or "folder")."""
    counts: dict[str, Counter[str]] = {p: Counter() for p in phrases}
    doc_counts: dict[str, Counter[str]] = {p: Counter() for p in phrases}
    group_docs: Counter[str] = Counter()
    group_chars: Counter[str] = Counter()
    targets = [(p, _folded(p)) for p in phrases]
    for doc in docs:
        key = group_key(doc, field_name)
        folded = _folded(doc.text)
        group_docs[key] += 1
        group_chars[key] += len(doc.text)
        for phrase, target in targets:
            n = folded.count(target) if target else 0
            if n:
                counts[phrase][key] += n
                doc_counts[phrase][key] += 1
    groups = _group_order(group_docs)
    return GroupTable(
        field=field_name,
        groups=groups,
        phrases=list(phrases),
        counts={p: dict(c) for p, c in counts.items()},
        docs={p: dict(c) for p, c in doc_counts.items()},
        group_docs=dict(group_docs),
        group_chars=dict(group_chars),
    )


# --------------------------------------------------------------------------- concordance


@dataclass(frozen=True, slots=True)
class Hit:
    """One occurrence of a phrase: its document, original offsets and context."""

    doc: str
    start: int
    end: int
    left: str
    match: str
    right: str

    def to_json(self) -> dict[str, Any]:
        return {
            "doc": self.doc,
            "start": self.start,
            "end": self.end,
            "left": self.left,
            "match": self.match,
            "right": self.right,
        }


def _one_line(text: str) -> str:
    return " ".join(text.split())


def kwic(docs: Iterable[Document], phrase: str, width: int = 20) -> Iterator[Hit]:
    """Every occurrence of ``phrase`` (searched on folded text, so traditional matches
    simplified) with ``width`` characters of original context on each side.

    Offsets are code points of each document's original text: ``doc.text[start:end]`` is
    the occurrence as written.
    """
    target = _folded(phrase)
    if not target:
        return
    for doc in docs:
        norm = normalize(doc.text, numbers=False, punctuation=False)
        at = norm.text.find(target)
        while at >= 0:
            start, end = norm.span(at, at + len(target))
            text = doc.text
            yield Hit(
                doc=doc.id,
                start=start,
                end=end,
                left=_one_line(text[max(0, start - width * 2) : start])[-width:],
                match=text[start:end],
                right=_one_line(text[end : end + width * 2])[:width],
            )
            at = norm.text.find(target, at + len(target))


# --------------------------------------------------------------------------- jieba


def load_user_dict(path: str | Path) -> list[str]:
    """Formulas a user lists, one per line (blank lines and '#' comments ignored; anything
    after the first whitespace, such as a jieba frequency, is dropped)."""
    words: list[str] = []
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words.append(line.split()[0])
    return words


_ADDED: set[str] = set()


def add_to_jieba(words: Iterable[str]) -> int:
    """Teach jieba these phrases for this process, so it keeps them whole; returns how many
    were new. Punctuation-free phrases only: jieba would never produce the others."""
    import jieba

    _jieba_freq()  # initialise quietly once
    added = 0
    for word in words:
        word = word.strip()
        if len(word) < 2 or word in _ADDED:
            continue
        # A frequency above the pieces' makes the whole win jieba's path search.
        jieba.add_word(word, freq=max(jieba.suggest_freq(word, tune=False), 1000))
        _ADDED.add(word)
        added += 1
    return added


def segment(text: str) -> list[str]:
    """Words of ``text`` by jieba, with every phrase added through `add_to_jieba` kept whole."""
    import jieba

    _jieba_freq()
    return [w for w in jieba.cut(text, HMM=False) if w.strip()]
