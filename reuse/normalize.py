"""Map a document's original text to "matching text", keeping offsets back to the original.

Two copies of one passage differ in ways that are not reuse: traditional vs simplified script,
full-width vs half-width forms, punctuation and line breaks, and numbers (``八项规定``,
``8项规定``, ``⑧项规定`` and a redacted ``[*]项规定`` are one formula). Matching runs on the
folded text; reports need spans in the original, so every matching character carries the
original ``[start, end)`` it came from.

Every fold here is character to character, so it is a table lookup over code points. The
tables cover the Basic Multilingual Plane as numpy arrays built once per process; astral code
points (CJK extensions B to I, emoji) go through a small cached function, because a full
0x110000 table would cost seconds to build for characters most documents never contain.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
from numba import njit

NUMBER: str = "#"
"""The placeholder every run of numerals becomes (an original ``#`` is punctuation and dropped)."""

_NUMBER_CODE = ord(NUMBER)
_BMP = 0x10000
_FOLD_BITS = 0x1FFFFF  # a folded code point fits in 21 bits; flags live in bits 24..31
_FLAG_SHIFT = 24

# One byte of flags per code point. Most describe the folded character; STAR, PLACE, OPEN and
# CLOSE describe the original one, because the redaction patterns are about how text was typed.
_DROP = 1  # Unicode category P*, S*, Z* or C*: punctuation, symbols, spaces, controls
_NUM = 2  # a numeral character
_BREAK = 4  # a sentence ends after it
_STAR = 8  # * or a width variant: a redacted number
_OPEN = 16  # an opening bracket that may wrap a redaction: [*]
_CLOSE = 32
_PLACE = 64  # × / X, a placeholder when two or more stand together: ××同志
_LETTER = 128  # an ASCII letter that is not a placeholder: XX inside a word is not a redaction

# Ideograph blocks. Python 3.11 knows Unicode 14, so Ext H and I read as unassigned (Cn) there;
# they are ideographs all the same and must not be dropped as "other" characters.
_CJK_BMP: tuple[tuple[int, int], ...] = (
    (0x3400, 0x4DBF),  # Ext A
    (0x4E00, 0x9FFF),  # unified
    (0xF900, 0xFAFF),  # compatibility ideographs
)
_CJK_ASTRAL: tuple[tuple[int, int], ...] = (
    (0x20000, 0x2A6DF),  # Ext B
    (0x2A700, 0x2EE5F),  # Ext C, D, E, F, I
    (0x2F800, 0x2FA1F),  # compatibility supplement
    (0x30000, 0x323AF),  # Ext G, H
)

_CHINESE_NUMERALS = frozenset(
    "〇零一二三四五六七八九十百千万亿两"
    "壹贰叁肆伍陆柒捌玖拾佰仟"
    "貳叄陸萬億兩"  # traditional forms, in case the script fold leaves one behind
)
_BREAK_CHARS = frozenset("。!?;\n\r…⋯‼⁇⁈⁉\x0b\x0c\x85\u2028\u2029")
_STAR_CHARS = frozenset("*＊﹡")
_OPEN_CHARS = frozenset("[［【〖〔(（")
_CLOSE_CHARS = frozenset("]］】〗〕)）")
# ○○ is the same placeholder as ×× in many documents ("○○同志"), so it joins them.
_PLACE_CHARS = frozenset("×XＸ○")


@dataclass(frozen=True, slots=True, eq=False)
class Normalized:
    """Matching text plus, for each of its characters, where it came from in the original.

    ``starts[k]``/``ends[k]`` bound the original code points behind matching character ``k``:
    one character, or a whole run of numerals for a ``NUMBER``. ``breaks`` lists the matching
    indices where sentences start, so callers can cut units without re-reading punctuation
    that the fold dropped. Equality is identity: element-wise array comparison has no
    single truth value.
    """

    text: str
    starts: np.ndarray
    ends: np.ndarray
    breaks: np.ndarray

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Original ``[start, end)`` behind matching ``[i, j)``; needs ``0 <= i < j <= len``."""
        if not 0 <= i < j <= len(self.text):
            raise ValueError(f"bad matching range [{i}, {j}) for length {len(self.text)}")
        return int(self.starts[i]), int(self.ends[j - 1])

    def codes(self) -> np.ndarray:
        """Code points of ``text`` as uint32, the form hashing and n-gram code wants."""
        return _code_points(self.text)


@dataclass(frozen=True, slots=True)
class _Tables:
    """Per-process lookup tables; see ``_tables``."""

    packed: np.ndarray  # uint32[0x10000]: folded code point | flags << 24
    t2s: np.ndarray  # uint32[0x10000]: traditional -> simplified only
    width: np.ndarray  # uint32[0x10000]: NFKC 1 -> 1 only
    t2s_all: dict[int, int]  # every code point t2s changes, BMP and astral


def _code_points(text: str) -> np.ndarray:
    # surrogatepass: a str may hold lone surrogates (surrogateescape decoding); each is still
    # one code point of the original and must keep its offset.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), "<u4")


def _from_code_points(codes: np.ndarray) -> str:
    # str() decodes straight from the array's buffer: no bytes copy of a long text.
    return str(np.ascontiguousarray(codes, "<u4").data, "utf-32-le", "surrogatepass")


def _cjk_code_points() -> list[int]:
    return [cp for lo, hi in _CJK_BMP + _CJK_ASTRAL for cp in range(lo, hi + 1)]


def _is_cjk(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _CJK_BMP + _CJK_ASTRAL)


def _opencc_t2s_map(cps: list[int]) -> dict[int, int]:
    """Character-level t2s from OpenCC: every code point converted in one call.

    A newline between neighbours keeps OpenCC's phrase rules from firing across them, so each
    piece is that character's own conversion. Only one-to-one changes are kept: the fold must
    never change lengths.
    """
    import opencc  # imported here: loading its dictionaries is part of the one-off build

    sep = "\n"
    converted = opencc.OpenCC("t2s").convert(sep.join(map(chr, cps))).split(sep)
    if len(converted) != len(cps):
        # The separator itself was rewritten somewhere: fall back to one call per character.
        converter = opencc.OpenCC("t2s")
        converted = [converter.convert(chr(cp)) for cp in cps]
    return {
        cp: ord(out)
        for cp, out in zip(cps, converted, strict=True)
        if len(out) == 1 and ord(out) != cp
    }


def _nfkc_one(cp: int) -> int:
    folded = unicodedata.normalize("NFKC", chr(cp))
    return ord(folded) if len(folded) == 1 else cp


def _fold(cp: int, t2s: dict[int, int]) -> int:
    """Width/compatibility fold, ASCII lower case, then script: the order matters because
    NFKC turns compatibility ideographs into unified ones that t2s knows."""
    folded = _nfkc_one(cp)
    if 0x41 <= folded <= 0x5A:
        folded += 0x20
    return t2s.get(folded, folded)


def _flags(original: int, folded: int) -> int:
    ch = chr(folded)
    category = "Lo" if _is_cjk(folded) else unicodedata.category(ch)
    flags = 0
    if category[0] in "PSZC":
        flags |= _DROP
    if category[0] == "N" or ch in _CHINESE_NUMERALS:
        flags |= _NUM
    if ch in _BREAK_CHARS or chr(original) in _BREAK_CHARS:
        flags |= _BREAK
    orig = chr(original)
    if orig in _STAR_CHARS:
        flags |= _STAR
    if orig in _OPEN_CHARS:
        flags |= _OPEN
    if orig in _CLOSE_CHARS:
        flags |= _CLOSE
    if orig in _PLACE_CHARS:
        flags |= _PLACE
    elif "a" <= ch <= "z":
        flags |= _LETTER
    return flags


@cache
def _tables() -> _Tables:
    """Build the BMP tables once per process (0.2-0.4 s: one OpenCC call, one unicodedata pass)."""
    cjk_map = _opencc_t2s_map(_cjk_code_points())
    t2s_bmp = {cp: out for cp, out in cjk_map.items() if cp < _BMP}
    packed = np.empty(_BMP, np.uint32)
    width = np.empty(_BMP, np.uint32)
    for cp in range(_BMP):
        folded = _fold(cp, cjk_map)
        packed[cp] = folded | (_flags(cp, folded) << _FLAG_SHIFT)
        width[cp] = _nfkc_one(cp)
    t2s = np.arange(_BMP, dtype=np.uint32)
    if t2s_bmp:
        t2s[np.fromiter(t2s_bmp.keys(), np.int64)] = np.fromiter(t2s_bmp.values(), np.uint32)
    return _Tables(packed=packed, t2s=t2s, width=width, t2s_all=cjk_map)


@lru_cache(maxsize=65536)
def _astral_packed(cp: int) -> int:
    # The whole map, not only its astral part: astral compatibility ideographs (U+2F800..)
    # fold to BMP ideographs that t2s may change.
    folded = _fold(cp, _tables().t2s_all)
    return folded | (_flags(cp, folded) << _FLAG_SHIFT)


def _astral_t2s(cp: int) -> int:
    return _tables().t2s_all.get(cp, cp)


def _lookup(cps: np.ndarray, table: np.ndarray, astral: Callable[[int], int]) -> np.ndarray:
    """``table[cps]`` for BMP code points, ``astral(cp)`` for the rare others."""
    if cps.size == 0 or int(cps.max()) < _BMP:
        return table[cps]
    high = cps >= _BMP
    out = table[np.where(high, 0, cps)]
    out[high] = [astral(int(cp)) for cp in cps[high]]
    return out


def _map_text(text: str, table: np.ndarray, astral: Callable[[int], int]) -> str:
    if not text:
        return text
    return _from_code_points(_lookup(_code_points(text), table, astral))


def to_simplified(text: str) -> str:
    """Traditional to simplified, one character at a time, with the table ``normalize`` uses.

    Length-preserving so offsets survive; OpenCC's phrase-level choices (乾隆 vs 干) are
    deliberately not made: both copies of a passage get the same character-level fold.
    """
    return _map_text(text, _tables().t2s, _astral_t2s)


def fold_width(text: str) -> str:
    """NFKC where it maps one character to one (full-width ASCII, ideographic space, circled
    digits, compatibility ideographs); characters whose NFKC is longer stay as they are."""
    return _map_text(text, _tables().width, _nfkc_one)


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of every run of True in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.view(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _cover(n: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Boolean mask of length ``n`` that is True inside every ``[starts[i], ends[i])``."""
    # Callers pass disjoint intervals, so neither array repeats an index and plain fancy
    # assignment counts each one once (np.add.at would be needed otherwise, and is slow).
    delta = np.zeros(n + 1, np.int32)
    delta[starts] += 1
    delta[ends] -= 1
    return np.cumsum(delta[:n]) > 0


def _redactions(flags: np.ndarray) -> np.ndarray:
    """Characters that stand for a hidden number: ``[*]``, a run of stars, ``××``, ``XX``."""
    n = flags.size
    mark = np.zeros(n, bool)
    star = (flags & _STAR) != 0
    if star.any():
        mark |= star
        # Brackets belong to the redaction only when they touch a star: "[*]" but not "[1]".
        mark[:-1] |= ((flags[:-1] & _OPEN) != 0) & star[1:]
        mark[1:] |= ((flags[1:] & _CLOSE) != 0) & star[:-1]
    place = (flags & _PLACE) != 0
    if place.any():
        lo, hi = _runs(place)
        letter = (flags & _LETTER) != 0
        bordered = (lo > 0) & letter[np.maximum(lo - 1, 0)]
        bordered |= (hi < n) & letter[np.minimum(hi, n - 1)]
        ok = (hi - lo >= 2) & ~bordered
        if ok.any():
            mark |= _cover(n, lo[ok], hi[ok])
    return mark


def _sentence_starts(flags: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Matching index of the first kept character after every break character, plus 0."""
    m = starts.size
    if m == 0:
        return np.zeros(0, np.int32)
    after = np.searchsorted(starts, np.flatnonzero(flags & _BREAK), side="right")
    kept_break = (flags[starts] & _BREAK) != 0
    if kept_break.any():
        # Punctuation is kept: a sentence starts at its first character that is not itself a
        # break, so "\r\n" and "……" start one sentence, not one per character.
        index = np.arange(m + 1)
        index[:m][kept_break] = m
        first_plain = np.minimum.accumulate(index[::-1])[::-1]
        after = first_plain[after]
    after = np.concatenate(([0], after[after < m]))
    fresh = np.empty(after.size, bool)
    fresh[0] = True
    np.not_equal(after[1:], after[:-1], out=fresh[1:])
    return after[fresh].astype(np.int32)


def _build(
    flags: np.ndarray, starts: np.ndarray, ends: np.ndarray, codes: np.ndarray
) -> Normalized:
    starts = starts.astype(np.int32, copy=False)
    return Normalized(
        text=_from_code_points(codes),
        starts=starts,
        ends=ends.astype(np.int32, copy=False),
        breaks=_sentence_starts(flags, starts),
    )


def _numerals(flags: np.ndarray) -> np.ndarray:
    num = (flags & _NUM) != 0
    if (flags & (_STAR | _PLACE)).any():
        num |= _redactions(flags)
    return num


def _fold_numbers(fold: np.ndarray, flags: np.ndarray, num: np.ndarray) -> Normalized:
    """Turn each run of numerals into one ``NUMBER``, punctuation kept (``_solid`` does the
    same with punctuation dropped); ``num`` marks at least one numeral.

    Runs are found on the text with punctuation and spaces left out ("1.48", "3,000",
    "一、二" are one number), but never across a sentence break.
    """
    solid = np.flatnonzero(((flags & _DROP) == 0) | num)
    solid_num = num[solid]
    sentence = np.cumsum((flags & _BREAK) != 0)[solid]
    joins = np.zeros(solid.size, bool)
    joins[1:] = solid_num[1:] & solid_num[:-1] & (sentence[1:] == sentence[:-1])
    # Each group is a lone non-numeral or a whole numeral run; it ends where the next begins.
    heads = np.flatnonzero(~joins)
    tails = np.append(heads[1:], solid.size) - 1
    head_pos = solid[heads]
    head_end = solid[tails] + 1
    head_code = np.where(solid_num[heads], np.uint32(_NUMBER_CODE), fold[head_pos])
    # Keep the dropped characters too, except those swallowed inside a numeral run.
    n = fold.size
    joined = np.flatnonzero(joins)
    swallowed = _cover(n, solid[joined - 1] + 1, solid[joined] + 1)
    ends = np.arange(1, n + 1)
    ends[head_pos] = head_end
    codes = fold.copy()
    codes[head_pos] = head_code
    pos = np.flatnonzero(~swallowed)
    return _build(flags, pos, ends[pos], codes[pos])


@njit(cache=True, nogil=True)
def _solid(fold, flags, num):
    """The punctuation-free fold in one pass: ``(codes, starts, ends, breaks)``.

    What ``_fold_numbers`` and ``_sentence_starts`` compute with a dozen
    array operations, for the mode every document goes through twice (index
    and aligner): a run of numerals (``num``) not crossing a sentence break
    becomes one ``NUMBER``; a sentence starts at the first character kept
    after a break. In one loop it costs a third of the time.
    """
    n = len(fold)
    codes = np.empty(n, np.uint32)
    starts = np.empty(n, np.int32)
    ends = np.empty(n, np.int32)
    breaks = np.empty(n + 1, np.int32)
    breaks[0] = 0
    nb = 1
    m = 0
    sentence = run_sentence = 0
    in_run = pending = False
    for i in range(n):
        f = flags[i]
        is_break = f & _BREAK != 0
        if is_break:
            sentence += 1
            pending = True
        if f & _DROP and not num[i]:
            continue
        if num[i] and in_run and sentence == run_sentence:
            ends[m - 1] = i + 1
            continue
        # A sentence starts at the first kept character after a break that is
        # not itself a break ("\r\n", "……" start one sentence, not two).
        if pending and not is_break:
            if m != breaks[nb - 1]:
                breaks[nb] = m
                nb += 1
            pending = False
        in_run = num[i]
        run_sentence = sentence
        codes[m] = _NUMBER_CODE if num[i] else fold[i]
        starts[m] = i
        ends[m] = i + 1
        m += 1
    # breaks: copied, a long text has few sentences for its n + 1 slots.
    return codes[:m], starts[:m], ends[:m], breaks[: nb if m else 0].copy()


def normalize(text: str, *, numbers: bool = True, punctuation: bool = True) -> Normalized:
    """Fold ``text`` to matching text: simplified script, half width, lower-case ASCII, each
    run of numerals one ``NUMBER`` (``numbers``), punctuation and spaces dropped
    (``punctuation``). Offsets in the result are code points of ``text``."""
    tables = _tables()
    if not text:
        empty = np.zeros(0, np.int32)
        return Normalized(text="", starts=empty, ends=empty, breaks=empty)
    packed = _lookup(_code_points(text), tables.packed, _astral_packed)
    flags = (packed >> _FLAG_SHIFT).astype(np.uint8)
    packed &= _FOLD_BITS  # in place: the folded code points, without another array
    fold = packed
    if punctuation:
        num = _numerals(flags) if numbers else np.zeros(fold.size, bool)
        codes, starts, ends, breaks = _solid(fold, flags, num)
        return Normalized(_from_code_points(codes), starts, ends, breaks)
    if numbers:
        num = _numerals(flags)
        if num.any():
            return _fold_numbers(fold, flags, num)
    pos = np.arange(fold.size, dtype=np.int32)
    return _build(flags, pos, pos + 1, fold)
