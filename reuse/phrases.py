"""Stock phrases: the formulas a corpus repeats across documents, found without a word list.

Officialese is built from set phrases ("走深走实", "两个维护", "以习近平新时代中国特色社会主义
思想为指导") that no general dictionary holds and that word segmenters cut into pieces. They are
recognised here the way a reader notices them:

- a string many *documents* repeat (document frequency, not raw frequency, so one long report
  cannot promote its own pet words), from many *sources* where the corpus has several (the
  input folders): a formula crosses units and genres, a house phrase or a topic's vocabulary
  stays in one;
- not a piece of a longer repeated string (closed: no one-character extension accounts for 90%
  of its occurrences), with no function character or punctuation at an edge, not a number, a
  date or page furniture;
- *formulaic* rather than merely frequent: set off by punctuation or quotation marks (a formula
  is quoted, listed, or fills a clause), cohesive (its parts seldom occur apart), cut where a
  word segmenter also cuts, not one ordinary dictionary word, a four-character template
  (走深走实, 真抓实干) or a numbered formula (两个维护, 三会一课).

`reuse.ngrams` counts every repeated n-gram with those figures; `_rank` turns them into a
log-odds score in three passes, each on fewer candidates and dearer per candidate: figures from
the count alone for all, then the phrase's text (cohesion, jieba, shape) for a shortlist, then
the phrase in context (jieba on sample occurrences) for the head of the list. The weights
(`Weights`) were fitted by logistic regression (``bench/phrases_fit.py``) on two hand-made
lists: 14,680 top candidates of the political corpora labelled formula or not
(``bench/phrases_labels.tsv``: what a formula looks like) and a development list of formulas
(``bench/phrases_dev_formulas.tsv``: how salient one must be to be listed). Every weight says
something a reader would agree with, and none names a phrase.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from reuse import ngrams
from reuse.model import Document
from reuse.normalize import fold_width, normalize, to_simplified

__all__ = [
    "FUNCTION_CHARS",
    "Family",
    "GroupTable",
    "Hit",
    "MineParams",
    "Phrase",
    "PhraseResult",
    "Prepared",
    "Weights",
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
    "prepare_documents",
    "segment",
    "sources_of",
    "template_of",
]

# Characters that glue words together rather than name anything: a phrase that begins or ends
# with one is a fragment of a clause, not a formula ("的决定性意义", "推进和"). Kept short on
# purpose: 中/新/大 also start real formulas, these never do.
FUNCTION_CHARS = frozenset(
    "的地得了着过和与及或并而且是在于对为把被将让使向从以由其之等也都就还又所"
    "这那该此每各吗呢吧啊们个"
)
# Never at an edge: the issue's six (的了和是在等), the other connectives, particles and
# demonstratives. The rest of FUNCTION_CHARS also begin or end ordinary words (着力, 对标,
# 从严, 向新向优, 作为): at an edge only where jieba reads that edge as part of a longer word,
# in a template, or in a phrase usually quoted. "个以各其之每所由为" start formulas freely
# ("两个维护" starts with 两个, never ends in 个).
_HARD_START = frozenset("的了和是在等与及或并而且也又这那该此吗呢吧啊们")
_HARD_END = frozenset("的了和是在等与及或并而且也又这那该此吗呢吧啊")
_SOFT_START = FUNCTION_CHARS - _HARD_START - frozenset("个以各其之每所由为")
_SOFT_END = FUNCTION_CHARS - _HARD_END

# Quotation marks frame formulas; book-title marks frame the names of documents and laws.
_QUOTES = frozenset("\"'“”‘’「」『』")
_TITLES = frozenset("《》〈〉")
_CHINESE_DIGITS = "〇零一二三四五六七八九十百千万亿两"
_NUMERAL_CHARS = frozenset("0123456789" + _CHINESE_DIGITS)
_NUMERAL_ONLY = re.compile(rf"^[0-9{_CHINESE_DIGITS}+.%第]+$")
_DATE_OR_COUNT = re.compile(
    rf"[0-9]{{2,}}|[0-9]+[年月日号时]|[{_CHINESE_DIGITS}]+月[{_CHINESE_DIGITS}]+日"
    rf"|第[{_CHINESE_DIGITS}0-9]+[条章节款项编]|^[{_CHINESE_DIGITS}]+[条章节款项编](?:[之的第]|$)"
    rf"|[〇零]|^[0-9]|[0-9]$|^第[{_CHINESE_DIGITS}]{{2,}}"
)
_LATIN_ONLY = re.compile(r"^[a-z0-9+]+$")
# The head of an enumerated paragraph ("二是加快", "三是深化"): list furniture, not a formula.
_ENUMERATION = re.compile(rf"^第?[{_CHINESE_DIGITS}]+是")


@dataclass(frozen=True, slots=True)
class MineParams:
    """Knobs of the miner; the defaults are what the real corpora were tuned on."""

    min_df: int = 3
    min_len: int = 2
    max_len: int = 40
    # An extension covering this share of a phrase's occurrences makes the phrase a fragment.
    fragment_share: float = 0.9
    # Share of a document at each end where template lines are looked for.
    edge_zone: float = 0.15
    # A phrase with this share of its occurrences in template lines is page furniture.
    furniture_share: float = 0.6
    # ... or with a numeral on one side this often is a piece of a figure ("届全国人民代表大会第").
    numeral_share: float = 0.8
    # Candidates whose text is scored (the rest are far below them) and, of those, how many
    # are also checked in context. Every returned phrase is a scored one.
    shortlist: int = 30_000
    context_checked: int = 4_000
    # Threads for counting (each takes half of the alphabet).
    workers: int = 2


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
def _char_tables() -> tuple[np.ndarray, np.ndarray]:
    """Per BMP code point: 1 where a character can be part of a phrase (ideographs, ASCII
    letters and digits, '+' for "1+N" and "互联网+"; everything else splits runs), and the
    mark bits of `reuse.ngrams` (quotation mark, book-title mark, numeral)."""
    content = np.zeros(0x10000, np.uint8)
    content[0x3400:0x4DC0] = 1
    content[0x4E00:0xA000] = 1
    content[0xF900:0xFB00] = 1
    content[ord("0") : ord("9") + 1] = 1
    content[ord("a") : ord("z") + 1] = 1
    content[ord("+")] = 1
    content[ord("〇")] = 1
    marks = np.zeros(0x10000, np.uint8)
    for q in _QUOTES:
        marks[ord(q)] |= ngrams.QUOTE
    for t in _TITLES:
        marks[ord(t)] |= ngrams.TITLE
    # 一 also starts ordinary words (一体化, 一批, 一流): next to it is no sign of a figure.
    for d in _NUMERAL_CHARS - {"一"}:
        marks[ord(d)] |= ngrams.NUMERAL
    return content, marks


@dataclass(slots=True)
class Prepared:
    """The corpus as one code array: documents and runs separated by code 0.

    ``codes`` holds dense character ids (0 = run edge; the array starts and ends with one),
    ``doc`` the document index of each position, ``marks`` the `reuse.ngrams` mark bits,
    ``alphabet`` maps dense ids back to characters and ``flat`` is the folded text with
    ``\\x00`` at every run edge, position for position.
    """

    codes: np.ndarray
    doc: np.ndarray
    marks: np.ndarray
    furniture: np.ndarray
    alphabet: np.ndarray
    n_docs: int
    chars: int
    flat: str = ""
    # Source index of each document (None: one source), and how many sources there are.
    doc_source: np.ndarray | None = None
    n_sources: int = 1

    def __post_init__(self) -> None:
        if not self.flat and self.codes.size:
            chars = self.alphabet[self.codes].astype("<u4", copy=False)
            self.flat = chars.tobytes().decode("utf-32-le", "surrogatepass")

    def text(self, start: int, length: int) -> str:
        return self.flat[start : start + length]

    def corpus(self) -> ngrams.Corpus:
        source = None if self.doc_source is None else self.doc_source[self.doc]
        return ngrams.Corpus(
            self.codes, self.doc, self.marks, self.furniture, int(self.alphabet.size), source
        )


def _fold_codes(folded: str) -> tuple[np.ndarray, np.ndarray]:
    """Code points of text folded for width and script, with ASCII lower-cased (together the
    fold ``normalize`` makes), 0 where a character is not phrase material, and each
    position's mark bits. Outside the BMP only ideographs count as content."""
    cps = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), "<u4")
    upper = (cps >= 0x41) & (cps <= 0x5A)
    if upper.any():
        cps = np.where(upper, cps + np.uint32(0x20), cps)
    content_table, mark_table = _char_tables()
    low = cps < 0x10000
    if low.all():
        content = content_table[cps] == 1
        marks = mark_table[cps]
    else:
        content = np.zeros(cps.size, bool)
        marks = np.zeros(cps.size, np.uint8)
        content[low] = content_table[cps[low]] == 1
        content[~low] = (cps[~low] >= 0x20000) & (cps[~low] < 0x32400)
        marks[low] = mark_table[cps[low]]
    return np.where(content, cps, np.uint32(0)).astype(np.uint32, copy=False), marks


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


def prepare(
    texts: Iterable[str], params: MineParams | None = None, sources: Sequence[int] | None = None
) -> Prepared:
    """Fold every text and lay them end to end: an edge first, then each document followed by
    an edge. Folding keeps lengths, so position ``offsets[d] + i`` is character ``i`` of
    document ``d``; the whole corpus is folded at once, joined by the line breaks that
    become those edges.

    ``sources`` gives each document's source (the input folder it came from) as a
    non-decreasing index, so that the documents of a source lie together."""
    params = params or MineParams()
    originals = list(texts)
    doc_source, n_sources = _source_index(sources, len(originals))
    if not originals:
        empty = np.zeros(0, np.int32)
        return Prepared(
            empty, empty, np.zeros(0, np.uint8), np.zeros(0, bool), np.zeros(1, np.uint32), 0, 0
        )
    lengths = np.array([len(t) for t in originals], np.int64) + 1
    offsets = np.concatenate([[1], 1 + np.cumsum(lengths[:-1])])
    total = int(lengths.sum()) + 1
    # The character-for-character folds of ``normalize`` without its offset arrays, which
    # would cost more than the fold itself on a whole corpus.
    folded = to_simplified(fold_width("\n".join(originals)))
    raw, body_marks = _fold_codes(folded)
    del folded
    furniture = _furniture(originals, offsets.tolist(), total, params)
    del originals
    edge = np.zeros(1, np.uint32)
    raw = np.concatenate([edge, raw, edge])
    # Dense ids by a lookup table rather than np.unique: no sort of the whole corpus.
    present = np.flatnonzero(np.bincount(raw, minlength=1) > 0)
    lookup = np.zeros(int(present[-1]) + 1, np.int32)
    lookup[present] = np.arange(present.size, dtype=np.int32)
    dense = lookup[raw]
    del lookup, raw  # code 0 (the edge) is present, so it stays id 0
    marks = np.concatenate([edge.astype(np.uint8), body_marks, edge.astype(np.uint8)])
    marks[dense == 0] |= ngrams.EDGE
    # The leading edge belongs to document 0, each trailing edge to its document.
    lengths[0] += 1
    doc = np.repeat(np.arange(lengths.size, dtype=np.int32), lengths)
    return Prepared(
        codes=dense,
        doc=doc,
        marks=marks,
        furniture=furniture,
        alphabet=present.astype(np.uint32),
        n_docs=int(lengths.size),
        chars=int(np.count_nonzero(dense)),
        doc_source=doc_source,
        n_sources=n_sources,
    )


def _source_index(sources: Sequence[int] | None, n_docs: int) -> tuple[np.ndarray | None, int]:
    if sources is None:
        return None, 1
    index = np.asarray(sources, np.int32)
    if index.size != n_docs:
        raise ValueError(f"{index.size} sources for {n_docs} documents")
    if index.size and np.any(np.diff(index) < 0):
        raise ValueError("the documents of each source must lie together, sources ascending")
    n_sources = int(np.count_nonzero(np.diff(index))) + 1 if index.size else 1
    return (index if n_sources > 1 else None), n_sources


def count_ngrams(prep: Prepared, params: MineParams) -> list[ngrams.Level]:
    """Every n-gram (1 <= n <= max_len) with document frequency >= min_df, with its figures."""
    if prep.n_docs == 0:
        return []
    return ngrams.count(
        prep.corpus(), params.min_df, params.max_len, params.workers, flags_from=params.min_len
    )


# --------------------------------------------------------------------------- filters


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


def _bad_edge(phrase: str, quoted: float = 0.0) -> bool:
    """A function character at an edge (see _HARD_START and _SOFT_START), a trailing 第, a
    one-character word tail before 的 ("中的作用"), or the head of an enumerated paragraph
    ("二是加快"). A dictionary idiom of four characters or more (实事求是, 与时俱进) passes."""
    first, last = phrase[0], phrase[-1]
    if (
        last == "第"
        or (3 <= len(phrase) <= 5 and phrase[1] == "的")
        or _ENUMERATION.match(phrase)
        or first in _HARD_START
        or last in _HARD_END
    ):
        return not _lexical(phrase)
    if (first in _SOFT_START or last in _SOFT_END) and quoted < 0.5 and not _lexical(phrase):
        import jieba

        words = jieba.lcut(phrase, HMM=False)
        if first in _SOFT_START and len(words[0]) < 2 and template_of(phrase) is None:
            return True
        if last in _SOFT_END and len(words[-1]) < 2:
            return True
    return False


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


def _lexical(phrase: str) -> bool:
    """A set expression that merely ends in a function character (实事求是, 担当作为) is a
    dictionary idiom: four characters or more and known to jieba."""
    return len(phrase) >= 4 and _jieba_freq().get(phrase, 0) > 0


# --------------------------------------------------------------------------- scoring

# Numbered formulas: 两个维护, 三会一课, 四个意识, 五位一体, 双碳.
_NUMBERED = re.compile(r"^[一二两三四五六七八九十双][个大项条]?")


@dataclass(frozen=True, slots=True)
class Weights:
    """Log-odds weight of each ranking feature (see the module docstring for where they come
    from). Field names are the feature names ``bench/phrases_fit.py`` fits."""

    df: float  # per log(document frequency): more documents repeat it, more of a formula
    side: float  # share of occurrences with punctuation on at least one side
    free: float  # ... on both sides (it fills a whole clause)
    quoted: float  # share of occurrences between quotation marks
    quotes: float  # per log(1 + occurrences between quotation marks): quoted at all, and often
    titled: float  # share between book-title marks: a document's name, not a formula
    entropy: float  # per nat of the lower neighbour entropy: used in many contexts
    spread: float  # share of the other sources (input folders) that also use it
    len2: float  # length priors: two, three and four characters (5-8 characters: 0)
    len3: float
    len4: float
    long: float  # nine characters or more
    cohesion: float  # weakest-cut dependency, in [0, 1]
    pieces: float  # jieba tokens per character: an ordinary dictionary word is one token
    template: float  # ABAC, ABCB, AABB
    numbered: float  # 两个维护, 三会一课
    half_word: float  # per log jieba frequency of the rarer half of a four-character phrase
    number_only: float  # "十四五" alone reads as a figure; "十四五规划" carries it instead
    cut: float  # share of sample occurrences jieba also cuts at both edges


# A corpus from several sources, and one from a single source, where the share of sources
# says nothing and document frequency has to carry what it said.
WEIGHTS = Weights(
    df=1.09, side=1.47, free=0.8, quoted=2.8, quotes=2.21, titled=-29.31, entropy=0.13,
    spread=2.61, len2=-6.26, len3=-4.5, len4=2.01, long=-0.89, cohesion=4.07, pieces=3.26,
    template=2.16, numbered=2.0, half_word=-0.46, number_only=-7.66, cut=4.16,
)  # fmt: skip
WEIGHTS_ONE_SOURCE = Weights(
    df=1.53, side=1.46, free=0.68, quoted=3.05, quotes=2.18, titled=-30.12, entropy=0.18,
    spread=0.0, len2=-6.37, len3=-4.34, len4=2.15, long=-0.85, cohesion=3.84, pieces=3.2,
    template=2.08, numbered=1.8, half_word=-0.46, number_only=-8.09, cut=4.22,
)  # fmt: skip


def _length_prior(n: np.ndarray, w: Weights) -> np.ndarray:
    out = np.zeros(n.size)
    out[n == 2], out[n == 3], out[n == 4] = w.len2, w.len3, w.len4
    out[n >= 9] = w.long
    return out


@dataclass(slots=True)
class _Pool:
    """Candidates of every length as parallel arrays (one entry per candidate)."""

    n: np.ndarray
    samples: np.ndarray
    df: np.ndarray
    tf: np.ndarray
    side: np.ndarray
    free: np.ndarray
    quoted: np.ndarray
    titled: np.ndarray
    entropy: np.ndarray  # the lower of left and right neighbour entropy
    spread: np.ndarray  # share of the other sources it also occurs in
    score: np.ndarray

    def take(self, idx: np.ndarray) -> _Pool:
        return _Pool(*(getattr(self, f)[idx] for f in self.__slots__))  # type: ignore[attr-defined]


def _pool(
    levels: Sequence[ngrams.Level], params: MineParams, w: Weights, n_sources: int = 1
) -> _Pool:
    """Closed, non-furniture candidates with the score their counts alone give."""
    parts: list[tuple[np.ndarray, ...]] = []
    for level in levels:
        if level.n < params.min_len:
            continue
        tf = level.tf
        limit = params.fragment_share * tf
        keep = (level.right_max < limit) & (level.left_max < limit)
        keep &= level.furniture < params.furniture_share * tf
        keep &= level.numeral < params.numeral_share * tf
        idx = np.flatnonzero(keep)
        if idx.size == 0:
            continue
        left_h, right_h = level.entropy()
        t = tf[idx].astype(np.float64)
        side, free = level.side[idx] / t, level.free[idx] / t
        quoted, titled = level.quoted[idx] / t, level.titled[idx] / t
        n = np.full(idx.size, level.n)
        entropy = np.minimum(left_h, right_h)[idx]
        spread = (level.sources[idx] - 1) / max(n_sources - 1, 1)
        score = (
            w.df * np.log(level.df[idx])
            + w.side * side
            + w.free * free
            + w.quoted * quoted
            + w.quotes * np.log1p(level.quoted[idx])
            + w.titled * titled
            + w.entropy * entropy
            + w.spread * spread
            + _length_prior(n, w)
        )
        parts.append(
            (n, level.samples[idx], level.df[idx], tf[idx], side, free, quoted, titled)
            + (entropy, spread, score)
        )
    if not parts:
        z = np.zeros(0)
        samples = np.zeros((0, ngrams.SAMPLES), np.int32)
        return _Pool(z.astype(int), samples, z, z, z, z, z, z, z, z, z)
    return _Pool(*(np.concatenate(cols) for cols in zip(*parts, strict=True)))


def _top(score: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first (ties: earlier index first)."""
    part = np.argpartition(-score, k - 1)[:k] if score.size > k else np.arange(score.size)
    return part[np.lexsort((part, -score[part]))]


def _cohesion(prep: Prepared, pool: _Pool, table: ngrams.TfTable, upto: int) -> np.ndarray:
    """Dependency of each candidate's weakest cut: at a cut ``a|b`` the strength is
    max(tf(ab)/tf(a), tf(ab)/tf(b)), and the phrase is as cohesive as its weakest cut. A chance
    join of two common words (技术|创新) scores low, a formula (走深|走实, 新质|生产力) near 1.
    Parts longer than ``upto`` or too rare to be counted are taken as bound; phrases longer
    than 8 characters count as cohesive."""
    dep = np.ones(pool.n.size)
    rep = pool.samples[:, 0]
    tf = pool.tf.astype(np.float64)
    for length in range(2, 9):
        at = np.flatnonzero(pool.n == length)
        if at.size == 0:
            continue
        weakest = np.ones(at.size)
        for k in range(max(1, length - upto), min(length - 1, upto) + 1):
            a = ngrams.lookup_tf(table, prep.codes, rep[at], k)
            b = ngrams.lookup_tf(table, prep.codes, rep[at] + k, length - k)
            ok = (a > 0) & (b > 0)
            strength = np.maximum(tf[at] / np.maximum(a, 1), tf[at] / np.maximum(b, 1))
            weakest = np.where(ok, np.minimum(weakest, strength), weakest)
        dep[at] = weakest
    return dep


def _text_score(phrase: str, freq: dict[str, int], pieces: int, w: Weights) -> float:
    """What the phrase's own characters say: not one dictionary word, a template or a
    numbered formula, halves that are not everyday words, not a bare numeral string."""
    n = len(phrase)
    s = w.pieces * pieces / n
    if template_of(phrase) is not None:
        s += w.template
    if _NUMBERED.match(phrase):
        s += w.numbered
    if n == 4:
        s += w.half_word * math.log1p(min(freq.get(phrase[:2], 0), freq.get(phrase[2:], 0)))
    if _NUMERAL_ONLY.match(phrase):
        s += w.number_only
    return s


def _cut_agreement(
    prep: Prepared, lengths: np.ndarray, samples: np.ndarray, width: int = 4, per: int = 3
) -> np.ndarray:
    """Per candidate, the share of its sample occurrences where jieba, cutting the text
    around it, puts a word boundary at both of its edges: "者权益保" (消费者权益保护) fails,
    "走深走实" passes. All contexts go through jieba as one text, one per line, so the cost is
    jieba's per character, not its per call."""
    import jieba

    flat = prep.flat
    contexts: list[str] = []
    edges: list[tuple[int, int, int]] = []  # (candidate, start, end) in the joined text
    at = 0
    for i, (length, row) in enumerate(zip(lengths.tolist(), samples.tolist(), strict=True)):
        for r in list(dict.fromkeys(row))[:per]:
            lo = max(0, r - width)
            ctx = flat[lo : r + length + width]
            contexts.append(ctx)
            edges.append((i, at + r - lo, at + r - lo + length))
            at += len(ctx) + 1
    bounds = np.zeros(at + 1, bool)
    pos = 0
    for word in jieba.cut("\n".join(contexts), HMM=False):
        bounds[pos] = True
        pos += len(word)
    bounds[pos] = True
    good = np.zeros(lengths.size)
    seen = np.zeros(lengths.size)
    for i, start, end in edges:
        seen[i] += 1
        good[i] += bounds[start] and bounds[end]
    return good / np.maximum(seen, 1)


def _closes_clauses(prep: Prepared, pool: _Pool, i: int, text: str) -> bool:
    """A phrase whose last two characters are a dictionary word (中和) and which often closes
    a clause: its last character is no connective, which never ends one (碳达峰碳中和)."""
    if text[-1] not in _HARD_END or text[0] in _HARD_START or len(text) < 4:
        return False
    if _jieba_freq().get(text[-2:], 0) == 0:
        return False
    ends = pool.samples[i] + len(text)
    return bool(np.mean(prep.codes[ends] == 0) >= 0.3)


def _admissible(prep: Prepared, pool: _Pool) -> tuple[_Pool, list[str]]:
    """The candidates with no function character at an edge that are not junk (a quoted
    phrase without digits may look like a number: "十四五"), and their texts."""
    texts = [prep.text(int(r), int(n)) for r, n in zip(pool.samples[:, 0], pool.n, strict=True)]
    keep = []
    for i, text in enumerate(texts):
        if _bad_edge(text, float(pool.quoted[i])) and not _closes_clauses(prep, pool, i, text):
            continue
        if is_junk(text) and not (pool.quoted[i] >= 0.3 and not _DIGITS.search(text)):
            continue
        keep.append(i)
    return pool.take(np.asarray(keep, np.int64)), [texts[i] for i in keep]


def _rank(prep: Prepared, levels: Sequence[ngrams.Level], params: MineParams) -> list[Phrase]:
    import jieba

    w = WEIGHTS if prep.n_sources > 1 else WEIGHTS_ONE_SOURCE
    pool = _pool(levels, params, w, prep.n_sources)
    pool, texts = _admissible(prep, pool.take(_top(pool.score, params.shortlist)))
    cohesion = _cohesion(prep, pool, ngrams.tf_table(prep.codes, levels, 5), 5)
    freq = _jieba_freq()
    pool.score += w.cohesion * cohesion
    pool.score += np.array(
        [_text_score(t, freq, len(jieba.lcut(t, HMM=False)), w) for t in texts], np.float64
    )
    head = _top(pool.score, params.context_checked)
    pool.score[head] += w.cut * _cut_agreement(prep, pool.n[head], pool.samples[head])
    total = max(prep.chars, 1)
    order = _top(pool.score, pool.score.size)
    order = _keep_off_the_head(order, texts)
    return [
        Phrase(
            phrase=texts[i],
            df=int(pool.df[i]),
            tf=int(pool.tf[i]),
            score=float(pool.score[i]),
            per_k=1000.0 * float(pool.tf[i]) / total,
            free=float(pool.free[i]),
            quoted=float(pool.quoted[i]),
            pmi=float(cohesion[i]),
        )
        for i in order.tolist()
    ]


_DIGITS = re.compile(r"[0-9]")
# The issue's function characters: a phrase with one at an edge "is not a stock phrase".
_ISSUE_EDGE = frozenset("的了和是在等")
_HEAD = 100


def _keep_off_the_head(order: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """Dictionary idioms that start or end with one of the issue's function characters
    (实事求是, 和平统一), and quoted numeral names ("十五五"), stay in the list, but below the
    first ``_HEAD``, where the issue counts such phrases as fragments or numbers."""
    flagged = [
        i
        for i in order[:_HEAD].tolist()
        if texts[i][0] in _ISSUE_EDGE or texts[i][-1] in _ISSUE_EDGE or is_junk(texts[i])
    ]
    if not flagged:
        return order
    moved = set(flagged)
    rest = [i for i in order.tolist() if i not in moved]
    return np.asarray(rest[:_HEAD] + flagged + rest[_HEAD:], dtype=order.dtype)


def mine_prepared(prep: Prepared, params: MineParams = MineParams()) -> list[Phrase]:
    """Rank the stock phrases of a prepared corpus, best first (the best ``params.shortlist``
    candidates; the rest are far below anything a report shows)."""
    if prep.n_docs == 0:
        return []
    levels = count_ngrams(prep, params)
    return _rank(prep, levels, params)


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


def prepare_documents(
    docs: Iterable[Document], params: MineParams | None = None, sources: Sequence[str] | None = None
) -> Prepared:
    """`prepare` for `Document`s, each named a source (see `sources_of`) or none; the
    documents are grouped by source, sources in order of first appearance."""
    docs = list(docs)
    if sources is None:
        return prepare([d.text for d in docs], params)
    first: dict[str, int] = {}
    for name in sources:
        first.setdefault(name, len(first))
    order = sorted(range(len(docs)), key=lambda i: first[sources[i]])
    index = [first[sources[i]] for i in order]
    return prepare([docs[i].text for i in order], params, index)


def mine_documents(
    docs: Iterable[Document],
    params: MineParams = MineParams(),
    top: int | None = None,
    sources: Sequence[str] | None = None,
) -> PhraseResult:
    """Mine a corpus of `Document`s; ``top`` keeps the best N phrases (families use all).

    ``sources`` names each document's source (see `sources_of`): a formula crosses sources,
    while a house phrase or a topic's vocabulary stays in one."""
    prep = prepare_documents(docs, params, sources)
    ranked = mine_prepared(prep, params)
    fams = families(ranked)
    return PhraseResult(
        phrases=ranked if top is None else ranked[:top],
        documents=prep.n_docs,
        chars=prep.chars,
        families=fams,
    )


def sources_of(docs: Sequence[Document], roots: Sequence[str | Path]) -> list[str]:
    """Where each document comes from: the first folder level under the input path holding it
    (see `group_key`), and that input path too when several were given, so that
    ``reuse phrases reports/ seeds/`` and ``reuse phrases all/`` (holding both) agree."""
    tops = [(str(root), Path(root).resolve()) for root in roots] if len(roots) > 1 else []

    def source(doc: Document) -> str:
        folder = group_key(doc, "folder")
        if tops and doc.path is not None:
            here = Path(doc.path).resolve()
            for name, top in tops:
                if here.is_relative_to(top):
                    return f"{name}/{folder}"
        return folder

    return [source(d) for d in docs]


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
