from reuse.families import families, reused_chars
from reuse.model import Pair, Span


def pair(a: str, s: int, e: int, b: str, s2: int, e2: int) -> Pair:
    return Pair(Span(a, s, e), Span(b, s2, e2), 0.9)


def test_pairs_join_transitively_through_overlapping_spans():
    fams = families(
        [
            pair("a", 100, 200, "b", 10, 110),
            pair("b", 12, 108, "c", 50, 146),  # same passage in b, slightly other ends
            pair("x", 0, 40, "y", 0, 40),
        ]
    )
    assert len(fams) == 2
    big = fams[0]
    assert big.docs == 3
    assert [m.doc for m in big.members] == ["a", "b", "c"]  # b listed once
    assert Span("b", 10, 110) in big.members
    assert fams[1].docs == 2


def test_short_formula_inside_a_long_copy_is_its_own_family():
    fams = families(
        [
            pair("a", 0, 2000, "b", 0, 2000),  # a revised regulation
            pair("b", 500, 525, "c", 80, 105),  # one stock sentence
        ]
    )
    assert len(fams) == 2
    assert {m.doc for m in fams[0].members} in ({"a", "b"}, {"b", "c"})


def test_family_ids_follow_size_order_and_reused_chars_count_overlaps_once():
    fams = families(
        [
            pair("a", 0, 50, "b", 0, 50),
            pair("a", 0, 50, "c", 0, 50),
            pair("a", 40, 100, "d", 0, 60),
        ]
    )
    assert [f.id for f in fams] == list(range(len(fams)))
    assert fams[0].docs >= fams[-1].docs
    assert reused_chars(fams)["a"] == 100
