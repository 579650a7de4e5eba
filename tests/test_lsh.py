import numpy as np
from datasketch import MinHash

from reuse.lsh import LSHParams, MinHasher, bucket_pairs, candidate_pairs, count_pairs


def test_signatures_equal_datasketch_update_batch():
    params = LSHParams(num_perm=64, seed=7)
    hasher = MinHasher(params)
    rng = np.random.default_rng(1)
    values = rng.integers(0, 2**32, 900, dtype=np.uint64).astype(np.uint32)
    offsets = np.array([0, 1, 300, 900])
    sigs = hasher.signatures(values, offsets)
    for u in range(3):
        m = MinHash(num_perm=64, seed=7, hashfunc=lambda x: x)
        m.update_batch([int(v) for v in values[offsets[u] : offsets[u + 1]]])
        assert np.array_equal(m.hashvalues, sigs[u])


def test_band_keys_collide_for_identical_units_only():
    hasher = MinHasher(LSHParams())
    rng = np.random.default_rng(2)
    a = rng.integers(0, 2**32, 50, dtype=np.uint64).astype(np.uint32)
    b = rng.integers(0, 2**32, 50, dtype=np.uint64).astype(np.uint32)
    sigs = hasher.signatures(np.concatenate([a, a, b]), np.array([0, 50, 100, 150]))
    keys = hasher.band_keys(sigs)
    assert keys.shape == (3, hasher.b)
    assert (keys[0] == keys[1]).all()
    assert not (keys[0] == keys[2]).any()


def test_similar_units_become_candidates_and_dissimilar_do_not():
    hasher = MinHasher(LSHParams(threshold=0.4))
    rng = np.random.default_rng(3)
    base = rng.integers(0, 2**32, 60, dtype=np.uint64).astype(np.uint32)
    near = base.copy()
    near[:8] = rng.integers(0, 2**32, 8, dtype=np.uint64)  # Jaccard about 0.76
    other = rng.integers(0, 2**32, 60, dtype=np.uint64).astype(np.uint32)
    sigs = hasher.signatures(np.concatenate([base, near, other]), np.array([0, 60, 120, 180]))
    keys = hasher.band_keys(sigs)
    docs = np.repeat(np.arange(3), hasher.b)
    pairs = candidate_pairs(keys.ravel(), docs)
    assert [0, 1] in pairs.tolist()
    assert not any(2 in p for p in pairs.tolist())


def test_large_buckets_become_stars_not_cliques():
    keys = np.array([5] * 20 + [9, 9], dtype=np.uint64)
    docs = np.array(list(range(20)) + [3, 4])
    pairs = candidate_pairs(keys, docs, max_bucket=12).tolist()
    assert len(pairs) == 19 + 1
    assert all(p[0] == 0 for p in pairs if p != [3, 4])


def test_pairs_inside_one_document_are_not_candidates():
    keys = np.array([1, 1, 2], dtype=np.uint64)
    docs = np.array([0, 0, 1])
    assert len(candidate_pairs(keys, docs)) == 0


def test_pairing_in_key_partitions_equals_pairing_at_once():
    rng = np.random.default_rng(5)
    # Few distinct keys, so buckets of every size, stars included, and repeated collisions.
    keys = rng.integers(0, 400, 6000).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    docs = np.sort(rng.integers(0, 300, 6000))
    whole = candidate_pairs(keys, docs, max_bucket=12, min_shared=2)
    assert len(whole) > 100
    parts = 5
    codes = [
        bucket_pairs(keys[keys % np.uint64(parts) == p], docs[keys % np.uint64(parts) == p], 12)
        for p in range(parts)
    ]
    assert np.array_equal(count_pairs(codes, min_shared=2), whole)
