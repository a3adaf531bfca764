"""Duplicate marking and CSR filling for the network builders, in memory bounded by a chunk.

The builders keep drawing their random numbers in the same calls and order as before, so a seed gives
the same network.  The sorts that order synapses work on chunks of about :data:`CHUNK` synapses: the
int64 keys and permutations they need never span the whole network, which made building one peak at
about 80 bytes a synapse.  Plain NumPy: nothing to compile on a network's first build.
"""

import numpy as np

#: synapses handled per sort: the temporaries stay near 10 MB whatever the network's size
CHUNK = 1 << 18


def _row_chunks(ptr):
    """``(r0, r1)`` ranges of rows whose synapses (``ptr`` offsets) add up to about :data:`CHUNK` each."""
    n_rows = len(ptr) - 1
    r0 = 0
    while r0 < n_rows:
        r1 = max(r0 + 1, int(np.searchsorted(ptr, ptr[r0] + CHUNK, side="right")) - 1)
        r1 = min(r1, n_rows)
        yield r0, r1
        r0 = r1


def _row_of(ptr, r0, r1):
    """Row (counted from ``r0``) of each synapse of rows ``r0:r1``."""
    return np.repeat(np.arange(r1 - r0, dtype=np.int64), np.diff(ptr[r0:r1 + 1]))


def mark_invalid(cols, ptr, src_ids, tgt_ids, allow_self, invalid):
    """Flag the draws to redraw; returns how many.

    Row ``r``'s draws are ``cols[ptr[r]:ptr[r + 1]]`` (positions in ``tgt_ids``).  A draw is invalid if
    an earlier draw of its row chose the same target, or (without ``allow_self``) if it connects
    ``src_ids[r]`` to itself.
    """
    n_tgt = len(tgt_ids)
    for r0, r1 in _row_chunks(ptr):
        lo, hi = ptr[r0], ptr[r1]
        rows = _row_of(ptr, r0, r1)
        part = cols[lo:hi]
        bad = np.zeros(hi - lo, bool) if allow_self else tgt_ids[part] == src_ids[rows + r0]
        keys = rows * n_tgt + part
        order = np.argsort(keys, kind="stable")  # equal draws of a row: the first one stays
        bad[order[1:]] |= keys[order[1:]] == keys[order[:-1]]
        invalid[lo:hi] = bad
    return int(np.count_nonzero(invalid))


def fill_csr(pre, post, weights, delays, indptr, indices, data, csr_delays):
    """Synapse lists into CSR rows ordered by (pre, post), ties in list order (a stable sort by both keys).

    ``indptr`` is given (row counts of ``pre``); ``indices``, ``data`` and ``csr_delays`` are filled.
    First each list chunk goes to its rows (list order kept within a row), then each chunk of rows is
    sorted by target.
    """
    nxt = indptr[:-1].copy()  # the next free place in each row
    for lo in range(0, len(pre), CHUNK):
        part = pre[lo:lo + CHUNK]
        order = np.argsort(part, kind="stable")
        grouped = part[order]
        first = np.searchsorted(grouped, grouped, side="left")  # where each row's run starts in this chunk
        place = nxt[grouped] + (np.arange(len(grouped)) - first)
        sel = order + lo
        indices[place], data[place], csr_delays[place] = post[sel], weights[sel], delays[sel]
        nxt += np.bincount(part, minlength=len(nxt))
    n = len(indptr) - 1
    for r0, r1 in _row_chunks(indptr):
        lo, hi = indptr[r0], indptr[r1]
        keys = _row_of(indptr, r0, r1) * n + indices[lo:hi]
        order = np.argsort(keys, kind="stable") + lo
        indices[lo:hi], data[lo:hi], csr_delays[lo:hi] = indices[order], data[order], csr_delays[order]
