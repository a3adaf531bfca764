"""The software prefetch of the CPU kernels: it compiles for the arrays they read and changes no value."""

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from reservoirspike.backends._prefetch import prefetch, prefetch_rows, prefetch_span


@njit
def _sum_after_prefetch(values, lo, hi):
    prefetch_span(values, lo, hi)
    total = 0.0
    for s in range(lo, hi):
        total += values[s]
    return total


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float64, np.uint8])
@pytest.mark.parametrize("lo, hi", [(0, 0), (5, 5), (3, 4), (0, 97), (7, 200), (13, 101)])
def test_prefetching_a_span_leaves_the_values_alone(dtype, lo, hi):
    values = (np.arange(200) % 97).astype(dtype)
    before = values.copy()
    assert _sum_after_prefetch(values, lo, hi) == values[lo:hi].astype(np.float64).sum()
    np.testing.assert_array_equal(values, before)


@njit
def _rows_after_prefetch(ids, n_ids, indptr, indices, data, row_weight):
    prefetch_rows(ids, n_ids, indptr, indices, data, row_weight)
    return indices.sum(), data.sum()


def test_prefetching_rows_with_and_without_one_weight_leaves_them_alone():
    indptr = np.array([0, 3, 3, 40, 41], np.int64)  # an empty row among them
    indices = np.arange(41, dtype=np.int32)[::-1].copy()
    data = np.linspace(-1.0, 2.0, 41)
    row_weight = np.array([7, 0, 0, 5], np.int64)  # rows 1 and 2 have no one weight: their data too
    ids = np.array([2, 1, 0, 3], np.int64)
    assert _rows_after_prefetch(ids, 4, indptr, indices, data, row_weight) == (indices.sum(), data.sum())


def test_prefetch_wants_a_one_dimensional_array_and_an_integer_index():
    @njit
    def bad(x):
        prefetch(x, 0)

    with pytest.raises(TypingError):
        bad(np.zeros((2, 2)))
    with pytest.raises(TypingError):
        bad(1.0)
