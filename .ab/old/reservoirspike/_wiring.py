"""Duplicate marking and CSR filling for the network builders, in memory bounded by a chunk.

The builders stream their synapses: :func:`csr_from_streams` counts each neuron's synapses in a first
pass, allocates the CSR arrays, and fills them chunk by chunk in a second pass, so a network is never
held as synapse lists beside its CSR arrays.  The sorts that mark duplicate draws and order synapses
work on chunks of about :data:`CHUNK` synapses: their int64 keys and permutations never span the whole
network.  Plain NumPy: nothing to compile on a network's first build.
"""

import numpy as np

#: synapses handled at a time: the temporaries stay near 2 MB whatever the network's size (and chunks
#: this small sort faster than larger ones, in the caches: a 256k-neuron CUBA network builds in 2.7 s
#: against 2.8 s with 2**16 and 3.9 s with 2**18)
CHUNK = 1 << 15


def row_chunks(ptr):
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


def sorted_in_rows(cols, ptr, r0, r1):
    """``cols`` of rows ``r0:r1`` (``ptr`` offsets, row after row) with each row's entries in increasing order."""
    rows = _row_of(ptr, r0, r1)
    span = int(cols.max()) + 1 if len(cols) else 1
    keys = rows * span + cols
    keys.sort()
    keys -= rows * span
    return keys


def mark_invalid(cols, ptr, src_ids, tgt_ids, allow_self, invalid):
    """Flag the draws to redraw; returns how many.

    Row ``r``'s draws are ``cols[ptr[r]:ptr[r + 1]]`` (positions in ``tgt_ids``).  A draw is invalid if
    an earlier draw of its row chose the same target, or (without ``allow_self``) if it connects
    ``src_ids[r]`` to itself.
    """
    n_tgt = len(tgt_ids)
    for r0, r1 in row_chunks(ptr):
        lo, hi = ptr[r0], ptr[r1]
        rows = _row_of(ptr, r0, r1)
        part = cols[lo:hi]
        invalid[lo:hi] = False if allow_self else tgt_ids[part] == src_ids[rows + r0]
        keys = rows  # rows * n_tgt + part, in place
        keys *= n_tgt
        keys += part
        order = np.argsort(keys, kind="stable")  # equal draws of a row: the first one stays
        keys = keys[order]
        repeated = order[1:][keys[1:] == keys[:-1]] + lo
        invalid[repeated] = True
    return int(np.count_nonzero(invalid))


def _scatter(pre, post, weights, delays, nxt, indices, data, csr_delays):
    """Append a chunk of synapses to their CSR rows at ``nxt`` (advanced), in chunk order within a row."""
    grouped_already = len(pre) < 2 or bool(np.all(pre[1:] >= pre[:-1]))
    order = None if grouped_already else np.argsort(pre, kind="stable")
    grouped = pre if order is None else pre[order]
    first = np.searchsorted(grouped, grouped, side="left")  # where each row's run starts in this chunk
    place = nxt[grouped] + (np.arange(len(grouped)) - first)
    del first
    if order is None:
        indices[place], data[place], csr_delays[place] = post, weights, delays
    else:
        indices[place], data[place], csr_delays[place] = post[order], weights[order], delays[order]
    nxt += np.bincount(pre, minlength=len(nxt))


def sort_rows(indptr, indices, data, csr_delays):
    """Order each CSR row by target, ties in their present order; chunks already in order are left alone."""
    n = len(indptr) - 1
    for r0, r1 in row_chunks(indptr):
        lo, hi = indptr[r0], indptr[r1]
        keys = _row_of(indptr, r0, r1) * n + indices[lo:hi]
        if len(keys) < 2 or np.all(keys[1:] >= keys[:-1]):
            continue
        order = np.argsort(keys, kind="stable") + lo
        indices[lo:hi], data[lo:hi], csr_delays[lo:hi] = indices[order], data[order], csr_delays[order]


def fill_csr(pre, post, weights, delays, indptr, indices, data, csr_delays):
    """Synapse lists into CSR rows ordered by (pre, post), ties in list order (a stable sort by both keys).

    ``indptr`` is given (row counts of ``pre``); ``indices``, ``data`` and ``csr_delays`` are filled.
    First each list chunk goes to its rows (list order kept within a row), then each chunk of rows is
    sorted by target.
    """
    nxt = indptr[:-1].copy()  # the next free place in each row
    for lo in range(0, len(pre), CHUNK):
        _scatter(pre[lo:lo + CHUNK], post[lo:lo + CHUNK], weights[lo:lo + CHUNK], delays[lo:lo + CHUNK], nxt,
                 indices, data, csr_delays)
    sort_rows(indptr, indices, data, csr_delays)


def csr_from_streams(n, streams, delay_dtype):
    """CSR arrays of the synapses of replayable streams, holding one chunk of synapses at a time.

    Each stream has ``count_rows(counts)``, which adds the number of synapses it makes from each neuron
    to ``counts`` (int64, ``n``), and ``synapses()``, which yields chunks ``(pre, post, weights,
    delays)`` of those same synapses.  Two passes: the counts size the CSR arrays, then the chunks fill
    them, so memory is the network's own arrays and one chunk's temporaries (never the synapse lists).
    Rows are ordered by target, ties in stream order.

    Returns
    -------
    indptr (int64), indices (int32), data (float32), delays (``delay_dtype``)
    """
    counts = np.zeros(n, np.int64)
    for stream in streams:
        stream.count_rows(counts)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    del counts
    n_syn = int(indptr[-1])
    indices, data, csr_delays = np.empty(n_syn, np.int32), np.empty(n_syn, np.float32), np.empty(n_syn, delay_dtype)
    nxt = indptr[:-1].copy()
    for stream in streams:
        for pre, post, weights, delays in stream.synapses():
            _scatter(pre, post, weights, delays, nxt, indices, data, csr_delays)
    if not np.array_equal(nxt, indptr[1:]):
        raise RuntimeError("a synapse stream made other synapses than it counted")
    sort_rows(indptr, indices, data, csr_delays)
    return indptr, indices, data, csr_delays
