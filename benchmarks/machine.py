"""What this machine's cores give: a STREAM-like triad at three working-set sizes, arithmetic and a scatter-add,
on 1 and 2 threads.

The limits that the engine's figures are read against (issue 3): the triad ``a = b + s c`` (float64, 24
bytes a element moved) over arrays that fit in a core's L2 cache, in the L3 cache, or only in memory; a
vectorised multiply-add over a small array that stays in L1 (bound by the vector units); and a chain of
dependent multiply-adds (bound by their latency, no memory traffic).  Each kind runs on one thread, then split over
two threads (two halves of the arrays), in the same process.  A kernel whose time goes on memory traffic
can gain from a second thread only what the triad gains, and vectorised arithmetic what the L1 loop
gains; two cores that share their vector units (hyperthreads) show it there, where the chain still gains
2x.  The scatter-add is spike delivery's bound: int64 additions at random positions of an array the size
of a 256 000-neuron delay-ring slot (2 MiB), their positions streamed from memory as a CSR row's targets
are; on two threads each adds the events whose positions fall in its half (as the split step delivers).
Compilation is excluded (the kernels are not cached on disk: the tests load this file under another
module name, and a cache written there broke the script's next start); times are the best of ``--repeats``.

    python benchmarks/machine.py [--repeats 5] [--json]
"""

import argparse
import json
import time

import numba
import numpy as np
from numba import njit, prange

#: (name, bytes of the three arrays together)
SIZES = (("triad, L2 (192 KiB)", 192 * 1024), ("triad, L3 (12 MiB)", 12 * 2**20),
         ("triad, memory (768 MiB)", 768 * 2**20))
CHAIN_STEPS = 20_000_000
#: the scatter-add's array (int64 entries) and events a run
SCATTER_TARGETS = 2**18
SCATTER_EVENTS = 2**23


@njit
def _triad_part(a, b, c, s, sweeps):
    for _ in range(sweeps):
        for i in range(a.shape[0]):  # vectorised (AVX-512 where the core has it)
            a[i] = b[i] + s * c[i]


@njit(parallel=True)
def _triad(a, b, c, s, n_parts, sweeps):
    n = a.shape[0]
    for part in prange(n_parts):
        lo, hi = part * n // n_parts, (part + 1) * n // n_parts
        _triad_part(a[lo:hi], b[lo:hi], c[lo:hi], s, sweeps)


@njit
def _scale_part(x, sweeps):
    for _ in range(sweeps):
        for i in range(x.shape[0]):  # vectorised, independent lanes
            x[i] = x[i] * 0.999999 + 1e-7


@njit(parallel=True)
def _scale(xs, n_parts, sweeps):
    for part in prange(n_parts):
        _scale_part(xs[part], sweeps)


@njit(parallel=True)
def _chain(x, n_parts, steps):
    for part in prange(n_parts):
        v = x[part]
        for _ in range(steps):
            v = v * 1.0000001 + 1e-9
        x[part] = v


@njit
def _scatter_part(ring, targets, lo, hi):
    for s in range(lo, hi):  # independent read-modify-writes at random positions
        ring[targets[s]] += 1


@njit(parallel=True)
def _scatter(ring, targets, bounds):
    for part in prange(bounds.shape[0] - 1):
        _scatter_part(ring, targets, bounds[part], bounds[part + 1])


def scatter_targets(n_targets, n_events, n_parts, seed=0):
    """Random positions in ``[0, n_targets)`` (int32), grouped by which of ``n_parts`` equal ranges they fall in.

    Returns ``(targets, bounds)``: part ``k``'s events are ``targets[bounds[k]:bounds[k + 1]]``, all in its
    range, in their drawn order.  The same draws for any ``n_parts``, so the work is the same.
    """
    drawn = np.random.default_rng(seed).integers(0, n_targets, n_events).astype(np.int32)
    part = drawn.astype(np.int64) * n_parts // n_targets
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(n_parts + 1))
    return drawn[order], bounds


def _best(run, repeats):
    run()  # compile (cached) and warm
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def _row(kind, nbytes, key, run, amount, repeats, threads):
    """A row of the table: ``amount(k) / 1e9`` over the best time of ``run(k)``, as ``{key}_{k}``, on k threads."""
    row = {"kind": kind, "bytes": nbytes}
    for k in range(1, threads + 1):
        numba.set_num_threads(k)
        row[f"{key}_{k}"] = amount(k) / _best(lambda: run(k), repeats) / 1e9
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    row["speedup_2_threads"] = row.get(f"{key}_2", float("nan")) / row[f"{key}_1"]
    return row


#: the unit of each kind of figure (key: the figure's name without its thread count)
UNITS = {"gb_per_s": "GB/s", "gflop_per_s": "GFLOP/s", "gevents_per_s": "Gev/s"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="one JSON object a line after the table")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be a positive number, got {args.repeats}")
    threads = min(2, numba.config.NUMBA_NUM_THREADS)
    rows = []
    for name, total in SIZES:
        n = total // 24
        a, b, c = np.zeros(n), np.ones(n), np.full(n, 2.0)
        sweeps = max(1, (2 * 2**30) // total)  # about 2 GiB moved a run
        rows.append(_row(name, total, "gb_per_s", lambda k: _triad(a, b, c, 0.5, k, sweeps),
                         lambda k: 24.0 * n * sweeps, args.repeats, threads))
    xs = np.ones((2, 512))  # 4 KiB a thread
    sweeps = CHAIN_STEPS // 512
    rows.append(_row("vector multiply-add, L1", 0, "gflop_per_s", lambda k: _scale(xs, k, sweeps),
                     lambda k: 2.0 * k * 512 * sweeps, args.repeats, threads))
    x = np.ones(2)
    rows.append(_row("multiply-add chain", 0, "gflop_per_s", lambda k: _chain(x, k, CHAIN_STEPS // k),
                     lambda k: 2.0 * CHAIN_STEPS, args.repeats, threads))
    ring = np.zeros(SCATTER_TARGETS, np.int64)
    layouts = [scatter_targets(SCATTER_TARGETS, SCATTER_EVENTS, k) for k in range(1, threads + 1)]
    rows.append(_row(f"scatter-add, {8 * SCATTER_TARGETS // 2**20} MiB", 8 * SCATTER_TARGETS, "gevents_per_s",
                     lambda k: _scatter(ring, *layouts[k - 1]), lambda k: SCATTER_EVENTS, args.repeats, threads))
    print(f"{'kind':<26}{'1 thread':>17}{'2 threads':>17}{'gain':>8}")
    for r in rows:
        key = next(k[:-2] for k in r if k[:-2] in UNITS)
        unit = UNITS[key]
        two = r.get(f"{key}_2", float("nan"))
        print(f"{r['kind']:<26}{r[f'{key}_1']:>9.2f} {unit:<7}{two:>9.2f} {unit:<7}{r['speedup_2_threads']:>7.2f}x")
    if args.json:
        for r in rows:
            print(json.dumps(r))
    return rows


if __name__ == "__main__":
    main()
