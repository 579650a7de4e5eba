"""The n-gram counter against a brute-force count, in one part and split over two threads."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict

import numpy as np
import pytest

from reuse import ngrams
from reuse.phrases import MineParams, prepare

QUOTES = "“”"


def _corpus(seed: int) -> list[str]:
    """Short documents over a small alphabet, with punctuation, quotes and numerals, so
    that many n-grams repeat across documents and some sit between quotes."""
    rng = random.Random(seed)
    words = ["走深走实", "两个维护", "推进", "工作", "三会一课", "落实", "发展", "一二", "深化"]
    docs = []
    for _ in range(40):
        parts = []
        for _ in range(rng.randint(5, 20)):
            w = rng.choice(words)
            r = rng.random()
            if r < 0.2:
                w = QUOTES[0] + w + QUOTES[1]
            elif r < 0.4:
                w += "，"
            parts.append(w)
        docs.append("".join(parts))
    return docs


def _brute(
    flat: str, doc: np.ndarray, max_len: int, min_df: int, source: list[int]
) -> dict[str, dict]:
    """Every n-gram of content characters (no \\x00 inside) with its figures, naively."""
    occ: dict[str, list[int]] = defaultdict(list)
    size = len(flat)
    for n in range(1, max_len + 1):
        for p in range(1, size - n):
            g = flat[p : p + n]
            if "\x00" not in g:
                occ[g].append(p)
    out = {}
    for g, ps in occ.items():
        docs = {int(doc[p]) for p in ps}
        if len(docs) < min_df:
            continue
        n = len(g)
        left = [flat[p - 1] == "\x00" for p in ps]
        right = [flat[p + n] == "\x00" for p in ps]
        pairs = list(zip(left, right, strict=True))
        out[g] = {
            "tf": len(ps),
            "df": len(docs),
            "sources": len({source[d] for d in docs}),
            "side": sum(a or b for a, b in pairs),
            "free": sum(a and b for a, b in pairs),
        }
    # One-character extensions, over the extended n-grams apriori forms: those whose other
    # n-character part is frequent too.
    for g, fig in out.items():
        rights: Counter[str] = Counter()
        lefts: Counter[str] = Counter()
        for p in occ[g]:
            after, before = flat[p + len(g)], flat[p - 1]
            if after != "\x00" and (g[1:] + after in out or len(g) == 1 and after in out):
                rights[after] += 1
            if before != "\x00" and (before + g[:-1] in out or len(g) == 1 and before in out):
                lefts[before] += 1
        # an extension seen once is not kept (it cannot dominate a frequent n-gram)
        fig["right_max"] = max((c for c in rights.values() if c > 1), default=0)
        fig["left_max"] = max((c for c in lefts.values() if c > 1), default=0)
        fig["right_clogc"] = sum(c * math.log(c) for c in rights.values())
    return out


@pytest.mark.parametrize("split_from", [10**9, 0])
def test_counts_match_brute_force(split_from: int) -> None:
    texts = _corpus(1)
    source = [d * 4 // len(texts) for d in range(len(texts))]  # four sources of ten
    prep = prepare(texts, MineParams(), source)
    levels = ngrams.count(prep.corpus(), min_df=3, max_len=6, workers=2, split_from=split_from)
    got = {}
    for level in levels:
        for i in range(level.tf.size):
            g = prep.text(int(level.rep[i]), level.n)
            got[g] = {
                "tf": int(level.tf[i]),
                "df": int(level.df[i]),
                "sources": int(level.sources[i]),
                "side": int(level.side[i]),
                "free": int(level.free[i]),
                "right_max": int(level.right_max[i]),
                "left_max": int(level.left_max[i]),
                "right_clogc": float(level.right_clogc[i]),
            }
            for j in range(ngrams.SAMPLES):  # every sample position holds the n-gram
                assert prep.text(int(level.samples[i, j]), level.n) == g
    want = _brute(prep.flat, prep.doc, 6, 3, source)
    assert len({fig["sources"] for fig in want.values()}) >= 3  # the figure varies
    assert set(got) == set(want)
    for g, fig in want.items():
        for key, value in fig.items():
            if level_is_last(g, 6) and key in ("right_max", "left_max", "right_clogc"):
                continue  # the longest level has no children counted
            assert got[g][key] == pytest.approx(value), (g, key)


def level_is_last(gram: str, max_len: int) -> bool:
    return len(gram) == max_len


def test_sources_must_lie_together() -> None:
    with pytest.raises(ValueError, match="together"):
        prepare(["两个维护", "两个维护", "两个维护"], MineParams(), [0, 1, 0])
    single = prepare(["两个维护", "两个维护"], MineParams(), [3, 3])
    assert single.n_sources == 1 and single.corpus().source is None


def test_quotes_titles_and_numerals_are_counted() -> None:
    texts = [
        "坚持“两个维护”，《条例汇编》第三",
        "做到“两个维护”。《条例汇编》",
        "“两个维护”《条例汇编》",
    ]
    prep = prepare(texts, MineParams())
    levels = ngrams.count(prep.corpus(), min_df=3, max_len=6)
    figures = {
        prep.text(int(lv.rep[i]), lv.n): (int(lv.quoted[i]), int(lv.titled[i]), int(lv.tf[i]))
        for lv in levels
        for i in range(lv.tf.size)
    }
    assert figures["两个维护"] == (3, 0, 3)
    assert figures["条例汇编"] == (0, 3, 3)


def test_lookup_tf_finds_counted_grams_only() -> None:
    prep = prepare(_corpus(2), MineParams())
    levels = ngrams.count(prep.corpus(), min_df=3, max_len=5)
    table = ngrams.tf_table(prep.codes, levels, 4)
    four = levels[3]
    tf = ngrams.lookup_tf(table, prep.codes, four.rep, 4)
    assert (tf == four.tf).all()
    assert (ngrams.lookup_tf(table, prep.codes, four.rep, 5) == -1).all()  # beyond the table
