"""Compiled helpers of the network builders: duplicate marking and CSR filling in O(synapses) memory.

The builders keep drawing their random numbers in Python, in the same calls and order as before, so a
seed gives the same network; these loops replace the NumPy sorts whose int64 keys and permutations
made building a network peak at about 80 bytes a synapse.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def mark_invalid(cols, ptr, src_ids, tgt_ids, allow_self, invalid):
    """Flag the draws to redraw; returns how many.

    Row ``r``'s draws are ``cols[ptr[r]:ptr[r + 1]]`` (positions in ``tgt_ids``).  A draw is invalid if
    an earlier draw of its row chose the same target, or (without ``allow_self``) if it connects
    ``src_ids[r]`` to itself.
    """
    seen = np.zeros(tgt_ids.shape[0], np.int64)  # row + 1 of the last row that drew each target
    n_invalid = 0
    for r in range(ptr.shape[0] - 1):
        for k in range(ptr[r], ptr[r + 1]):
            c = cols[k]
            bad = seen[c] == r + 1 or (not allow_self and tgt_ids[c] == src_ids[r])
            seen[c] = r + 1
            invalid[k] = bad
            n_invalid += bad
    return n_invalid


@njit(cache=True)
def _merge_pass(width, src_i, src_w, src_d, dst_i, dst_w, dst_d):
    """One pass of a bottom-up merge sort by ``src_i``: runs of ``width`` merged into ``dst``, ties left first."""
    n = src_i.shape[0]
    for start in range(0, n, 2 * width):
        mid, end = min(start + width, n), min(start + 2 * width, n)
        a, b = start, mid
        for k in range(start, end):
            if a < mid and (b >= end or src_i[b] >= src_i[a]):
                dst_i[k] = src_i[a]
                dst_w[k] = src_w[a]
                dst_d[k] = src_d[a]
                a += 1
            else:
                dst_i[k] = src_i[b]
                dst_w[k] = src_w[b]
                dst_d[k] = src_d[b]
                b += 1


@njit(cache=True)
def _merge_sort_row(idx, w, d, tmp_idx, tmp_w, tmp_d):
    """Sort one row's synapses by target, stably (equal targets keep their order), in place.

    A bottom-up merge sort through scratch arrays as long as the row: plain loops, which compile in a
    fraction of the time NumPy's sorts take in Numba.
    """
    width, in_scratch = 1, False
    while width < idx.shape[0]:
        if in_scratch:
            _merge_pass(width, tmp_idx, tmp_w, tmp_d, idx, w, d)
        else:
            _merge_pass(width, idx, w, d, tmp_idx, tmp_w, tmp_d)
        in_scratch = not in_scratch
        width *= 2
    if in_scratch:
        for k in range(idx.shape[0]):
            idx[k], w[k], d[k] = tmp_idx[k], tmp_w[k], tmp_d[k]


@njit(cache=True)
def fill_csr(pre, post, weights, delays, indptr, indices, data, csr_delays):
    """Synapse lists into CSR rows ordered by (pre, post), ties in list order (a stable sort by both keys).

    ``indptr`` is given (row counts of ``pre``); ``indices``, ``data`` and ``csr_delays`` are filled.
    """
    nxt = indptr[:-1].copy()
    for s in range(pre.shape[0]):
        k = nxt[pre[s]]
        nxt[pre[s]] = k + 1
        indices[k] = post[s]
        data[k] = weights[s]
        csr_delays[k] = delays[s]
    longest = 0
    for j in range(indptr.shape[0] - 1):
        longest = max(longest, indptr[j + 1] - indptr[j])
    tmp_idx, tmp_w, tmp_d = np.empty(longest, indices.dtype), np.empty(longest, data.dtype), np.empty(
        longest, csr_delays.dtype)
    for j in range(indptr.shape[0] - 1):
        lo, hi = indptr[j], indptr[j + 1]
        for k in range(lo + 1, hi):
            if indices[k] < indices[k - 1]:  # not yet in order
                n = hi - lo
                _merge_sort_row(indices[lo:hi], data[lo:hi], csr_delays[lo:hi], tmp_idx[:n], tmp_w[:n], tmp_d[:n])
                break
