import numpy as np
import pytest

from reuse.arrays import distinct


@pytest.mark.parametrize("dtype", [np.uint64, np.int64, np.uint32])
@pytest.mark.parametrize("n", [0, 1, 7, 5000])
def test_distinct_is_numpys_unique(dtype: type, n: int) -> None:
    values = np.random.default_rng(n).integers(0, 50, (n, 3)).astype(dtype)
    got = distinct(values)
    assert got.dtype == dtype
    assert np.array_equal(got, np.unique(values))
