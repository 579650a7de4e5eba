import numpy as np

from reuse.shingle import gram_hashes, unit_gram_index, units


def codes(s: str) -> np.ndarray:
    return np.frombuffer(s.encode("utf-32-le"), dtype="<u4")


def test_gram_hashes_equal_for_equal_grams_and_distinct_otherwise():
    h = gram_hashes(codes("高质量发展高质量发展推动"), 4)
    assert len(h) == 12 - 4 + 1
    assert h[0] == h[5]  # 高质量发 at 0 and 5
    assert len(set(h.tolist())) == 7  # 9 grams, two of them repeated


def test_gram_hashes_short_input_is_empty():
    assert len(gram_hashes(codes("党建"), 4)) == 0


def test_units_merge_short_sentences_and_window_long_ones():
    breaks = np.array([0, 5, 10, 40, 240])
    b = units(breaks, 250, min_len=12, max_len=80)
    # 0-5 and 5-10 are too short and are merged with what follows
    assert b[0].tolist() == [0, 40]
    long = [tuple(x) for x in b.tolist() if x[0] >= 40 and x[1] <= 240]
    assert long[0] == (40, 120) and long[1] == (80, 160)  # windows overlap by half
    assert all(e - s <= 80 for s, e in b.tolist())
    assert b[-1].tolist() == [200, 250] or b[-1][1] == 250
    covered = np.zeros(250, bool)
    for s, e in b.tolist():
        covered[s:e] = True
    assert covered.all()


def test_unit_gram_index_positions_stay_inside_units():
    bounds = np.array([[0, 10], [10, 14], [20, 30]])
    pos, off = unit_gram_index(bounds, 3)
    assert off.tolist() == [0, 8, 10, 18]
    for u, (s, e) in enumerate(bounds.tolist()):
        p = pos[off[u] : off[u + 1]]
        assert p.min() == s and p.max() == e - 3
