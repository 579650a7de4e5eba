"""Array helpers numpy has, but slowly.

numpy 2.3 moved ``np.unique`` without ``return_counts`` onto a hash table;
on the machine this was measured on, for 64-bit keys it is 10x (1,300 keys)
to 100x (12 million) slower than sorting, and the index calls it once a
document.
"""

from __future__ import annotations

import numpy as np


def distinct(a: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``a`` (flattened), as ``np.unique`` returns them."""
    s = np.sort(a, axis=None)
    if len(s) == 0:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]
